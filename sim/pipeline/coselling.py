"""Co-selling on account teams: what a specialist's help does, and how much they give.

In the pipeline engine help is a pair of events (:mod:`sim.pipeline.model`): an
opportunity asks its team's specialists at ``co_sell_stage``; one who accepts
and has a free slot holds it to the deal's end and raises each remaining
stage's win chance by their role's ``win_lift``. How many requests a specialist
accepts is their help, chosen by the one best response of
:func:`sim.behaviour.collaboration.choose_help` from their marginal pay on help
(credit on the deals, a team share, a ``help_given`` measure), with the effect of
help on each account manager's bookings given by :func:`co_selling_effect`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..behaviour import Behaviour, Effort, MonthState
from ..behaviour.collaboration import HelpSpec, choose_help
from ..behaviour.response import TeamSample
from ..market import Market
from ..plan import Plan
from ..population import Population
from ..teams import AccountTeams
from .spec import PipelineSpec

__all__ = [
    "CoSelling",
    "accept_shares",
    "co_selling",
    "co_selling_effect",
    "co_selling_help",
    "deal_lift",
]


def co_selling(population: Population) -> bool:
    """Whether anyone on ``population``'s account teams co-sells another rep's deals."""
    teams = population.account_teams
    return teams is not None and any(teams.co_sellers())


def deal_lift(spec: PipelineSpec, win_lift: float) -> float:
    """Rise of a new-account opportunity's win chance with one co-seller of lift
    ``win_lift`` from ``co_sell_stage`` on: Π min(1, w·(1 + lift))/w − 1 over the
    stages from there (ability 1, effort 1)."""
    out = 1.0
    for s in spec.stages[spec.co_sell_index :]:
        if s.win > 0:
            out *= min(1.0, s.win * (1.0 + win_lift)) / s.win
    return out - 1.0


def co_selling_effect(teams: AccountTeams, spec: PipelineSpec, max_level: float) -> np.ndarray:
    """E[j, i]: the rise of rep i's bookings per unit of help of rep j — j accepting
    a share help/``max_level`` of i's requests, each lifting the deal by
    :func:`deal_lift` (first order: a free slot and no other co-seller assumed)."""
    n = len(teams.role)
    out = np.zeros((n, n))
    lifts = {}
    for i, helpers in enumerate(teams.co_sellers()):
        for j in helpers:
            lift = float(teams.win_lift[j])
            if lift not in lifts:
                lifts[lift] = deal_lift(spec, lift)
            out[j, i] = lifts[lift] / max_level
    return out


def accept_shares(help: np.ndarray, max_level: float) -> np.ndarray:
    """The share of co-selling requests each rep accepts at help ``help``."""
    return np.clip(np.asarray(help, dtype=float) / max_level, 0.0, 1.0)


@dataclass(frozen=True)
class CoSelling:
    """A behaviour whose reps accept the share ``accept`` (reps,) of the co-selling
    requests they get; everything else is the wrapped behaviour's."""

    behaviour: Behaviour
    accept: np.ndarray

    @property
    def plan_dependent(self) -> bool:
        return self.behaviour.plan_dependent

    @property
    def shifts_deals(self) -> bool:
        return getattr(self.behaviour, "shifts_deals", False)

    def effort(self, state: MonthState) -> Effort | None:
        return self.behaviour.effort(state)

    def shift(self, kind: str, state: MonthState, values: dict, ahead: int = 1):
        return self.behaviour.shift(kind, state, values, ahead)

    def presence(self, seed: int, block: int, trials: int, months: int) -> np.ndarray | None:
        return self.behaviour.presence(seed, block, trials, months)


def co_selling_help(
    plans: dict[str, Plan],
    help: HelpSpec,
    market: Market,
    spec: PipelineSpec,
    population: Population,
    calibration_trials: int,
    seed: int,
) -> dict[str, np.ndarray]:
    """Per plan, the share of co-selling requests each rep accepts: their help
    (:func:`~sim.behaviour.collaboration.choose_help` on the calibration sample, help
    lifting bookings as :func:`co_selling_effect` says) over ``max_level``."""
    effect = co_selling_effect(population.account_teams, spec, help.max_level)
    sample = TeamSample(market, population, calibration_trials, seed)
    return {
        name: accept_shares(
            choose_help(plan, sample, population, help, effect=effect), help.max_level
        )
        for name, plan in plans.items()
    }
