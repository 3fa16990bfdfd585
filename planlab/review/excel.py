"""The workbook sheets of an annual review, for sign-off."""

from __future__ import annotations

import pandas as pd

from sim.review import AnnualReview

from ..kit.excel import SheetBuilder, facts_sheet

__all__ = ["review_sheets"]


def review_sheets(r: AnnualReview, version: int | None = None, nxt=None) -> dict[str, pd.DataFrame]:
    """The sheets of a review's workbook, for sign-off: summary and findings, design
    against reality, fit, market, calibration, fairness, reps, and (given ``nxt``, a
    :class:`optimize.next_period.NextPeriod`) next period's targets and plan."""
    from .next_period import next_period_lines, next_period_sheets
    from .report import dropped_table

    rv = r.review
    lines = list(r.findings) + ([] if nxt is None else next_period_lines(nxt))
    facts = {
        "scenario": rv.scenario.name,
        "year reviewed": rv.year.label,
        "plan": rv.calibrated.plan.name,
        "reps": rv.population.size,
        "rows left out": len(rv.actuals.dropped),
        "fit": r.fit.status,
        "history version": "not recorded" if version is None else version,
        "next period plan": "" if nxt is None or nxt.plan is None else nxt.plan.name,
        **{f"finding {i + 1}": line for i, line in enumerate(lines)},
    }
    sheets: dict[str, pd.DataFrame | pd.Series | SheetBuilder] = {
        "Summary": facts_sheet(facts),
        "Design vs reality": r.table,
        "Goodness of fit": facts_sheet(r.fit.table()),
        "Market": r.market,
        "Calibration": rv.calibration.parameters().rename_axis("parameter").to_frame(),
        "Fairness": r.fairness,
        "Reps": r.reps,
    }
    if nxt is not None:
        sheets.update(next_period_sheets(nxt))
    if rv.actuals.dropped:
        sheets["Rows left out"] = dropped_table(rv.actuals)
    return sheets
