"""What a simulation run returns: per-variant payouts and outcomes, and the run."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .behaviour.model import PlanBehaviour
from .outcomes import Outcomes
from .payout import PlanOutcome
from .plan import Plan
from .population import Population
from .scenario import Scenario
from .summary import VariantSummary, summarise

__all__ = ["SimulationResult", "VariantResult"]


@dataclass(frozen=True)
class VariantResult:
    """One plan variant simulated: payouts and the outcomes it was paid on.

    ``summary`` is what metrics read; the per-(trial, rep) arrays ``outcome`` and
    ``actuals`` are ``None`` when the run did not keep them (``rep_years=False``).
    """

    name: str
    plan: Plan
    outcome: PlanOutcome | None
    actuals: dict[str, np.ndarray] | None  # annual value per measure, (trials, reps)
    bookings_by_month: np.ndarray  # company bookings (trials, months)
    rep_bookings_by_month: np.ndarray  # mean bookings per rep and month (reps, months)
    effort_by_progress: np.ndarray  # (trials, 2, 3, bins): effort sum and count by position
    behaviour: PlanBehaviour | None = None  # the reps' response to this plan, when modelled
    summary: VariantSummary | None = None  # made from the arrays when not given

    def __post_init__(self):
        if self.summary is None:
            if self.outcome is None or self.actuals is None:
                raise ValueError(f"variant {self.name!r} has neither a summary nor its arrays")
            # Made without the team: team sums and rewards are then read from the arrays.
            object.__setattr__(self, "summary", summarise(self.plan, self.outcome, self.actuals))


@dataclass(frozen=True)
class SimulationResult:
    """Everything a run produced; metrics and reports read from here."""

    scenario: Scenario
    population: Population
    seed: int
    trials: int
    variants: dict[str, VariantResult]
    draws: int
    outcomes: Outcomes | None = None

    @property
    def base(self) -> VariantResult:
        return next(iter(self.variants.values()))
