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
from sim.metrics import METRIC_BY_KEY
from sim.money import CURRENCY_SIGNS, currency_sign, money_amount, money_text

__all__ = [
    "CURRENCY_SIGNS",
    "LABELS",
    "column_kind",
    "currency_sign",
    "format_change",
    "format_value",
    "is_number",
    "label",
    "money_text",
    "percent_text",
]

_PERCENT_PREFIXES = ("share_", "p_")
_MONEY_PREFIXES = ("payout_", "incentive_total", "total_pay")
_PERCENT_SUFFIXES = ("_share", "_rate")
_PERCENT_PARTS = ("cost_of_sales", "accuracy", "attainment", "weight", "retention")
_RATIO_PARTS = ("_vs_", "gini", "pay_for_performance", "correlation")
_MONEY_WORDS = frozenset(
    {
        "revenue",
        "cost",
        "payout",
        "pay",
        "incentive",
        "margin",
        "profit",
        "objective",  # the optimiser's objective: expected profit after incentive
        "ote",
        "bookings",
        "salary",
        "budget",
    }
)
_UNIT_KIND = {"currency": "money", "rate": "percent"}
#: Columns whose name does not say their unit: a sweep's worst case and largest regret
#: are amounts of profit after incentive; a certainty equivalent and an outside option
#: are a year's pay (as is a rep's utility of the plan); achievability is a chance.
_KINDS = {
    "worst_case": "money",
    "max_regret": "money",
    "certainty_equivalent": "money",
    "outside_option": "money",
    "utility": "money",
    "achievability": "percent",
}


def column_kind(name: object) -> str:
    """How a column's numbers read best: ``"percent"``, ``"money"`` or ``"number"``.

    A metric of :data:`sim.metrics.METRICS` reads as its catalogue says; other
    columns are decided from the name: shares, probabilities, rates, attainment,
    cost of sales and accuracy are percentages; revenue, cost, payout, incentive
    and margin amounts are money; ratios and the rest are plain numbers.
    """
    metric = METRIC_BY_KEY.get(str(name))
    if metric is not None:
        return "number" if metric.kind == "count" else metric.kind
    if str(name) in _KINDS:
        return _KINDS[str(name)]
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


def format_value(value: object, kind: str = "number", currency: str | None = None) -> str:
    """Plain text of one cell (not yet escaped); NaN and None show as a dash, money with
    the ``currency`` sign when one is given."""
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
        if kind == "money" and currency:
            return money_amount(x, currency)
        if kind == "money" or abs(x) >= 1000:
            return f"{x:,.0f}"
        if abs(x) < 5e-7:  # three significant digits, never in scientific notation
            return "0"
        return np.format_float_positional(x, precision=3, unique=False, fractional=False, trim="-")
    return str(value)


def format_change(value: float, kind: str = "number", currency: str | None = None) -> str:
    """Plain text of a difference, signed: a change in a percentage reads in points
    ("+2.1 pts", not "+2.1%", which would read as a relative change)."""
    x = float(value)
    if not math.isfinite(x):
        return format_value(x, kind, currency)
    sign = "+" if x > 0 else ""
    if kind == "percent":
        return f"{sign}{x * 100:.1f} pts"
    return sign + format_value(x, kind, currency)


def is_number(value: object) -> bool:
    return isinstance(value, numbers.Number) and not isinstance(value, bool | np.bool_)


def percent_text(x: float) -> str:
    return f"{x:.0%}" if abs(x * 100 - round(x * 100)) < 1e-9 else f"{x:.1%}"


def label(key: object) -> str:
    """What a reader sees for a column or metric: the catalogue's label for a metric,
    otherwise the key with spaces (the key itself stays in CSV and JSON)."""
    metric = METRIC_BY_KEY.get(str(key))
    if metric is not None:
        return metric.label
    key = str(key)
    if key in LABELS:
        return LABELS[key]
    if key.startswith("p_target_"):  # the chance of reaching a measure's target
        return f"Chance of reaching {key[len('p_target_') :].replace('_', ' ')} target"
    if key.startswith("p_") and len(key) > 2:  # the chance of a reward or an event
        return f"Chance of {key[2:].replace('_', ' ')}"
    text = key.replace("_", " ")
    return text[:1].upper() + text[1:]


#: Labels of common table columns that are not company metrics.
LABELS = {
    "p_target": "Chance of reaching target",
    "payout_expected": "Expected payout",
    "payout_p10": "Payout P10",
    "payout_p50": "Payout P50",
    "payout_p90": "Payout P90",
    "ote_expected": "Expected OTE",
    "attainment_mean": "Mean attainment",
    "attainment_p10": "Attainment P10",
    "attainment_p50": "Attainment P50",
    "attainment_p90": "Attainment P90",
    "period_payout_per_rep": "Period payout per rep",
    "incentive_expected": "Incentive cost",
    "tenure_years": "Tenure (years)",
    "potential": "Territory potential",
    "fairness_index": "Target load (1.0 = average)",
    "left_share": "Chance of leaving",
    "p_leave": "Chance of leaving",
    "effort_annual_mean": "Effort (1.0 = today)",
    "effort_first_month": "Effort, first month of a period",
    "effort_last_month": "Effort, last month of a period",
    "last_month_bookings_share": "Bookings in a period's last month",
    "certainty_equivalent": "Certainty equivalent",
}
