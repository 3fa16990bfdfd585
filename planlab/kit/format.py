"""How numbers read: the kind of a column (percent, money, number) and one cell's text.

Shared by the HTML tables, the Excel writer and the narrative so a metric reads
the same everywhere.
"""

from __future__ import annotations

import math
import numbers
import re

import numpy as np

from sim.measures import MEASURES

__all__ = ["column_kind", "format_value", "is_number", "money_text", "percent_text"]

_PERCENT_PREFIXES = ("share_", "p_")


_MONEY_PREFIXES = ("payout_", "incentive_total", "total_pay")


_PERCENT_SUFFIXES = ("_share", "_rate")


_PERCENT_PARTS = ("cost_of_sales", "accuracy", "attainment", "weight", "retention")


_RATIO_PARTS = ("_vs_", "gini", "pay_for_performance", "correlation")


_MONEY_WORDS = frozenset(
    {"revenue", "cost", "payout", "incentive", "margin", "ote", "bookings", "salary", "budget"}
)


_UNIT_KIND = {"currency": "money", "rate": "percent"}


def column_kind(name: object) -> str:
    """How a column's numbers read best: ``"percent"``, ``"money"`` or ``"number"``.

    Decided from the column (or metric) name: shares, probabilities, rates,
    attainment, cost of sales and accuracy are percentages; revenue, cost,
    payout, incentive and margin amounts are money; ratios and the rest are
    plain numbers.
    """
    n = str(name).lower()
    if n.startswith(_MONEY_PREFIXES) and not any(p in n for p in _RATIO_PARTS):
        return "money"  # e.g. payout_expected_<variant>, whatever the variant is called
    if n.startswith(_PERCENT_PREFIXES) or n.endswith(_PERCENT_SUFFIXES):
        return "percent"
    if any(p in n for p in _PERCENT_PARTS):
        return "percent"
    if any(p in n for p in _RATIO_PARTS):
        return "number"
    if n.startswith("target_") and n[len("target_") :] in MEASURES:
        return _UNIT_KIND.get(MEASURES[n[len("target_") :]].unit, "number")
    if _MONEY_WORDS & set(re.split(r"[^a-z0-9]+", n)):
        return "money"
    return "number"


def format_value(value: object, kind: str = "number") -> str:
    """Plain text of one cell (not yet escaped); NaN and None show as a dash."""
    if value is None:
        return "–"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    if isinstance(value, numbers.Real):
        x = float(value)
        if not math.isfinite(x):
            return "–" if math.isnan(x) else ("∞" if x > 0 else "−∞")
        if kind == "percent":
            return f"{x:.1%}"
        if kind == "money" or abs(x) >= 1000:
            return f"{x:,.0f}"
        return f"{x:.3g}"
    return str(value)


def is_number(value: object) -> bool:
    return isinstance(value, numbers.Number) and not isinstance(value, bool | np.bool_)


def percent_text(x: float) -> str:
    return f"{x:.0%}" if abs(x * 100 - round(x * 100)) < 1e-9 else f"{x:.1%}"


def money_text(x: float) -> str:
    if abs(x) >= 1e6:
        return f"${x / 1e6:,.2f}M"
    if abs(x) >= 1e3:
        return f"${x / 1e3:,.0f}k"
    return f"${x:,.0f}"
