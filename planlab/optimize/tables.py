"""The optimiser's tables as a reader sees them in the report: each row's amounts in the
scenario's currency and its shares as percentages, constraint names in words.

The CSV files keep the raw numbers and keys; these tables only say them. A row of the
promises or binding tables mixes units (a share of reps, an amount, a cost of sales),
so each row is formatted by what it measures.
"""

from __future__ import annotations

import pandas as pd

from optimize.explain import target_currency
from optimize.run import Optimisation

from ..kit.excel import SheetBuilder
from ..kit.format import format_value, label
from ..kit.xlsx import Sheet

__all__ = [
    "binding_sheet",
    "binding_shown",
    "promises_sheet",
    "promises_shown",
    "targets_shown",
]

#: How each constraint family's value reads: a share, an amount of pay, a number, or a
#: target (an amount when the primary measure's targets are money).
_FAMILY_KIND = {
    "achievability_low": "percent",
    "achievability_high": "percent",
    "cost_of_sales": "percent",
    "ratchet": "percent",
    "budget": "money",
    "bad_year": "money",
    "fairness": "number",
    "company_number": "target",
    "team_numbers": "target",
    "min_target": "target",
    "max_target": "target",
}


def _shown(x: float, kind: str, currency: str | None) -> str:
    if kind == "money" and currency is None:
        return format_value(x, "number")
    return format_value(x, kind, currency)


def _promise_kind(quantity: str) -> str:
    """A promise's unit: a share of reps or a cost of sales is a percentage, the rest money."""
    return "percent" if ("share" in quantity or "cost of sales" in quantity) else "money"


def promises_shown(check: pd.DataFrame, currency: str) -> pd.DataFrame:
    """What the model promised against the simulation, each row in its unit (a share of
    reps or cost of sales as a percentage, anything else an amount)."""
    rows = []
    for r in check.itertuples(index=False):
        k = _promise_kind(str(r.quantity))
        rows.append(
            {
                "quantity": str(r.quantity)[:1].upper() + str(r.quantity)[1:],
                "model": _shown(r.model, k, currency),
                "simulated": _shown(r.simulated, k, currency),
                "limit": _limit_held(r),
            }
        )
    return pd.DataFrame(rows, columns=["quantity", "model", "simulated", "limit"])


def _limit_held(r) -> str:
    """A promise's limit, marked when the promise misses it."""
    return f"{r.limit} (missed)" if getattr(r, "outside", False) else str(r.limit)


def promises_sheet(check: pd.DataFrame) -> SheetBuilder:
    """The promises as a workbook sheet: numbers stay numbers, each row in its format (a
    percentage, or an amount in the workbook's currency)."""

    def build(sheet: Sheet) -> None:
        head = ["Quantity", "Model", "Simulated", "Limit"]
        sheet.append_rows([[(h, "header") for h in head]])
        rows = [
            [
                (str(r.quantity), "plain"),
                (float(r.model), _promise_kind(str(r.quantity))),
                (float(r.simulated), _promise_kind(str(r.quantity))),
                (_limit_held(r), "plain"),
            ]
            for r in check.itertuples(index=False)
        ]
        sheet.append_rows(rows, first=2)
        sheet.widths = {1: 34, 2: 16, 3: 16, 4: 18}
        sheet.autofilter = f"A1:D{len(rows) + 1}"

    return build


def binding_shown(opt: Optimisation) -> pd.DataFrame:
    """The binding constraints: each constraint in words, its value in its unit, and the
    expected profit one step of relaxing it would buy."""
    cur = opt.scenario.currency
    targets = target_currency(opt.scenario, opt.primary)
    rows = []
    for r in opt.binding.itertuples(index=False):
        kind = _FAMILY_KIND.get(r.constraint, "number")
        unit = targets if kind == "target" else cur
        rows.append(
            {
                "constraint": label(r.constraint),
                "value": _shown(r.value, "money" if kind == "target" else kind, unit),
                "limit": r.limit,
                "relaxed": r.relaxed,
                "profit_gained_by_relaxing": format_value(r.objective_gain, "money", cur),
                "binding": "yes" if r.binding else "no",
            }
        )
    return pd.DataFrame(rows)


def binding_sheet(opt: Optimisation) -> SheetBuilder:
    """The binding constraints as a workbook sheet: each value a number in its unit's
    format (a percentage, an amount, a count), the profit relaxing it would buy an
    amount, limits and steps in words."""
    money_targets = target_currency(opt.scenario, opt.primary) is not None

    def style(constraint: str) -> str:
        kind = _FAMILY_KIND.get(constraint, "number")
        if kind == "target":
            return "money" if money_targets else "number"
        return kind

    def build(sheet: Sheet) -> None:
        head = ["Constraint", "Value", "Limit", "Relaxed by", "Profit gained by relaxing"]
        sheet.append_rows([[(h, "header") for h in [*head, "Binding"]]])
        rows = [
            [
                (label(r.constraint), "plain"),
                (float(r.value), style(r.constraint)),
                (str(r.limit), "wrap"),
                (str(r.relaxed), "wrap"),
                (float(r.objective_gain), "money"),
                ("yes" if r.binding else "no", "plain"),
            ]
            for r in opt.binding.itertuples(index=False)
        ]
        sheet.append_rows(rows, first=2)
        sheet.widths = {1: 30, 2: 16, 3: 40, 4: 30, 5: 18, 6: 10}
        sheet.autofilter = f"A1:F{len(rows) + 1}"

    return build


#: Columns of the targets table that are amounts of the primary measure, and of pay.
_TARGET_COLUMNS = ("baseline", "last_target", "target")
_PAY_COLUMNS = ("expected_pay", "utility", "outside_option")


def targets_shown(opt: Optimisation) -> pd.DataFrame:
    """Each rep's target and why, with the targets as amounts when the primary measure's
    targets are money (counts otherwise) and pay, certainty equivalent and outside option
    in the scenario's currency."""
    t = opt.targets.copy()
    cur = opt.scenario.currency
    unit = target_currency(opt.scenario, opt.primary)
    for column in _TARGET_COLUMNS:
        if column in t:
            t[column] = [_shown(x, "money", unit) for x in t[column]]
    for column in _PAY_COLUMNS:
        if column in t:
            t[column] = [_shown(x, "money", cur) for x in t[column]]
    return t
