"""Deals from a CRM opportunity export, as the actuals' monthly bookings.

With an export (:mod:`sim.opportunities`: one row per opportunity) the actuals
table needs only reps, months, targets and payouts: each rep-month's bookings
and deal counts — new accounts and expansion into existing ones — and the days
its won deals took are summed from the won opportunities by close month, and
replace whatever the table gave for them.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from ..errors import ScenarioError
from .validate import Actuals

__all__ = ["DEAL_FIELDS", "monthly_deals", "with_deals"]

#: The actuals fields an opportunity export provides.
DEAL_FIELDS = ("new_value", "new_count", "xsell_value", "xsell_count", "cycle_days_sum")


def monthly_deals(opportunities: pd.DataFrame, teams: dict[str, str], origin: str) -> pd.DataFrame:
    """Won deals summed per rep and close month (index: rep, period)."""
    owners = opportunities["owner"].astype(str)
    unknown = ~owners.isin(list(teams))
    if unknown.any():
        first = opportunities[unknown].iloc[0]
        row = int(first["row"]) if "row" in opportunities else unknown.to_numpy().argmax() + 2
        raise ScenarioError(
            f"{origin}: row {row}, column 'owner': {first['owner']!r} is not a rep of the "
            f"scenario's team ({int(unknown.sum())} opportunities have unknown owners)"
        )
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


def with_deals(
    actuals: Actuals, opportunities: pd.DataFrame, teams: dict[str, str], origin: str
) -> Actuals:
    """``actuals`` with each rep-month's deals taken from the export (zero without any);
    ``teams`` (rep -> team) names the reps an opportunity may belong to."""
    deals = monthly_deals(opportunities, teams, origin)
    frame = actuals.frame.copy()
    keys = pd.MultiIndex.from_arrays([frame["rep"], frame["period"]])
    for f in DEAL_FIELDS:
        frame[f] = deals[f].reindex(keys, fill_value=0.0).to_numpy()
    fields = tuple(dict.fromkeys((*actuals.fields, *DEAL_FIELDS)))
    return dataclasses.replace(
        actuals, frame=frame, origin=f"{actuals.origin}; deals from {origin}", fields=fields
    )
