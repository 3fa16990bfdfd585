"""Deals from a CRM opportunity export, as the actuals' monthly bookings.

With an export (:mod:`sim.opportunities`: one row per opportunity) the actuals
table needs only reps, months, targets and payouts: each rep-month's bookings
and deal counts — new accounts and expansion into existing ones — and the days
its won deals took are summed from the won opportunities by close month, and
replace whatever the table gave for them. A won deal closed in a month the
actuals cover but have no row for its owner in (a rep who had left, or not yet
joined) is a bad row of the export, never silently lost; deals closed outside
the months the actuals cover are outside the review, and a note says how many.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from ..opportunities import ExportError, OpportunityExport
from ..problems import Problem, problem_listing
from .validate import Actuals

__all__ = ["DEAL_FIELDS", "monthly_deals", "with_deals"]

#: The actuals fields an opportunity export provides.
DEAL_FIELDS = ("new_value", "new_count", "xsell_value", "xsell_count", "cycle_days_sum")


def monthly_deals(opportunities: pd.DataFrame) -> pd.DataFrame:
    """Won deals summed per rep and close month (index: rep, period)."""
    won = opportunities[opportunities["status"] == "won"]
    new = (won["kind"] == "new").to_numpy()
    table = pd.DataFrame(
        {
            "rep": won["owner"].astype(str).to_numpy(),
            "period": won["closed"].dt.to_period("M").to_numpy(),
            "new_value": won["amount"].where(new, 0.0).to_numpy(),
            "new_count": new.astype(float),
            "xsell_value": won["amount"].where(~new, 0.0).to_numpy(),
            "xsell_count": (~new).astype(float),
            "cycle_days_sum": won["cycle_days"].astype(float).to_numpy(),
        }
    )
    return table.groupby(["rep", "period"])[list(DEAL_FIELDS)].sum()


def _unplaced(actuals: Actuals, export: OpportunityExport) -> list[Problem]:
    """Won deals whose owner has no actuals row for the close month."""
    t = export.table
    won = t[t["status"] == "won"]
    have = set(zip(actuals.frame["rep"], actuals.frame["period"], strict=True))
    months = set(actuals.frame["period"])
    out = []
    for r in won.itertuples():
        month = r.closed.to_period("M")
        if month in months and (r.owner, month) not in have:
            out.append(
                Problem(
                    export.origin,
                    f"row {r.row}",
                    "owner",
                    f"{r.owner!r} has no actuals row for {month} (a rep who had left or not "
                    "yet joined); the deal belongs to nobody on the team that month",
                )
            )
    return out


def with_deals(actuals: Actuals, export: OpportunityExport, drop_bad_rows: bool = False) -> Actuals:
    """``actuals`` with each rep-month's deals taken from the export (zero without any).

    The rows the export left out are added to :attr:`Actuals.dropped`, its notes and
    warnings to the actuals' own; a won deal outside its owner's months stops the
    review unless ``drop_bad_rows`` leaves it out too."""
    unplaced = _unplaced(actuals, export)
    if unplaced and not drop_bad_rows:
        raise ExportError(
            f"{export.origin}: {len(unplaced)} won opportunit"
            f"{'y has' if len(unplaced) == 1 else 'ies have'} no rep on the team that month; "
            "nothing was computed. Fix them, or re-run with --drop-bad-rows to leave them out:\n"
            + problem_listing(unplaced)
        )
    table = export.table
    if unplaced:
        rows = {int(p.row.removeprefix("row ")) for p in unplaced}
        table = table[~table["row"].isin(rows)]
    deals = monthly_deals(table)
    covered = set(actuals.frame["period"])
    outside = int((~deals.index.get_level_values("period").isin(covered)).sum())
    notes = [f"{export.origin}: {n}" for n in export.notes]
    if outside:
        count = deals[~deals.index.get_level_values("period").isin(covered)]
        won = int(count["new_count"].sum() + count["xsell_count"].sum())
        notes.append(
            f"{export.origin}: {won} won deal(s) close in months the actuals do not cover "
            f"({actuals.months[0]} to {actuals.months[-1]}); they are outside the review"
        )
    frame = actuals.frame.copy()
    keys = pd.MultiIndex.from_arrays([frame["rep"], frame["period"]])
    for f in DEAL_FIELDS:
        frame[f] = deals[f].reindex(keys, fill_value=0.0).to_numpy()
    fields = tuple(dict.fromkeys((*actuals.fields, *DEAL_FIELDS)))
    return dataclasses.replace(
        actuals,
        frame=frame,
        origin=f"{actuals.origin}; deals from {export.origin}",
        fields=fields,
        dropped=(*actuals.dropped, *export.dropped, *unplaced),
        notes=(*actuals.notes, *notes),
        warnings=(*actuals.warnings, *export.warnings),
    )
