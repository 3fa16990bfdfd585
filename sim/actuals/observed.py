"""A plan year of actuals as the engines' outcome table (one trial), so that the
plan's own payout math and :mod:`sim.metrics` read reality exactly as they read
a simulation."""

from __future__ import annotations

import dataclasses

import numpy as np

from ..measures import COMPONENTS, MEASURES
from ..outcomes import Outcomes
from ..plan import Plan
from ..population import Population
from .years import PlanYear

__all__ = [
    "COLLABORATION_FIELDS",
    "missing_measures",
    "observed_outcomes",
    "with_actual_targets",
]

#: Fields of the actuals that collaboration measures read (the assessed score).
COLLABORATION_FIELDS = ("collaboration_score",)
#: Components that are 1.0 when nothing is known (effort and seat as designed).
_ONE = ("effort", "present")


def observed_outcomes(year: PlanYear) -> Outcomes:
    """The year's actuals as an :class:`Outcomes` of shape (1, reps, 12).

    Components the actuals lack are zero (``csat``: unknown, so a csat modifier
    pays its neutral factor); effort and seat are 1.
    """
    shape = (1, *year.observed.shape)
    comps = {}
    for c in COMPONENTS:
        if c in year.values:
            comps[c] = year.values[c][None].astype(float)
        elif c == "csat":
            comps[c] = np.full(shape, np.nan)
        else:
            comps[c] = np.full(shape, 1.0 if c in _ONE else 0.0)
    for c in COLLABORATION_FIELDS:  # read by collaboration measures, not by the engines
        if c in year.values:
            comps[c] = year.values[c][None].astype(float)
    return Outcomes(comps)


def missing_measures(plan: Plan, year: PlanYear) -> list[str]:
    """Paid measures whose components the actuals do not hold (read as zero)."""
    out = []
    for m in plan.measures:
        kind = MEASURES[m.name]
        if any(c not in year.values for c in kind.numerator + kind.denominator):
            out.append(m.id)
    return out


def with_actual_targets(pop: Population, year: PlanYear) -> Population:
    """The team with each ``target_<measure>`` the actuals give (annual sums) as its
    roster targets, for plans whose measures read them (``target_basis = "roster"``)."""
    targets = dict(pop.targets)
    for k, v in year.values.items():
        if k.startswith("target_"):
            targets[k.removeprefix("target_")] = v.sum(1)
    return dataclasses.replace(pop, targets=targets)
