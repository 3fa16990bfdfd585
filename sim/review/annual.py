"""The whole annual review in one call: prepare, fit, design against reality.

Re-optimising next period's targets is the step after this, one floor up
(:func:`optimize.next_period.next_period_plan`), fed by :attr:`AnnualReview.review`:
the calibrated model one plan year on, last period's actual targets as its plan's.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from ..actuals import Actuals
from ..payout import PlanOutcome
from ..run import SimulationResult, VariantResult, simulate
from ..scenario import Scenario
from .fit import Fit, goodness_of_fit
from .prepare import Review, prepare_review
from .reality import (
    actual_variant,
    design_vs_reality,
    fairness_findings,
    fairness_table,
    market_vs_design,
    rep_review,
    timing_table,
)

__all__ = ["AnnualReview", "annual_review"]


@dataclass(frozen=True)
class AnnualReview:
    """Everything the review found, as tables and plain-language findings."""

    review: Review
    actual: VariantResult
    computed: PlanOutcome
    fit: Fit
    design: SimulationResult
    table: pd.DataFrame  # design against reality, with a finding per row
    market: pd.DataFrame  # the market assumed against the one calibration found
    reps: pd.DataFrame
    fairness: pd.DataFrame
    timing: pd.DataFrame
    findings: list[str]
    seconds: dict[str, float] = field(default_factory=dict)  # time per phase

    @property
    def calibrated(self) -> Scenario:
        """The calibrated scenario: where re-optimising next period's targets starts."""
        return self.review.calibrated


def annual_review(
    scenario: Scenario,
    actuals: Actuals,
    trials: int | None = None,
    seed: int | None = None,
    growth: float | None = None,
    log: Callable[[str], None] | None = None,
) -> AnnualReview:
    """Calibrate on the actuals, check the fit and set the design against reality."""
    seconds = {}
    clock = time.perf_counter()

    def phase(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[name] = now - clock
        clock = now
        if log:
            log(f"{name}: {seconds[name]:.1f} s")

    trials = scenario.simulation.trials if trials is None else int(trials)
    seed = scenario.simulation.seed if seed is None else int(seed)
    review = prepare_review(scenario, actuals, growth)
    phase("calibration")
    actual, computed = actual_variant(review)
    first = review.calibrated.plan.measures[0].id
    fit = goodness_of_fit(review, actual.outcome.attainment[first][0], trials, seed)
    phase("goodness of fit")
    design = simulate(scenario, [], trials=trials, seed=seed)
    phase("design simulation")
    table = design_vs_reality(review, design, fit, actual, computed)
    reps = rep_review(review, fit, actual, computed)
    fairness = fairness_table(reps)
    market = market_vs_design(review)
    findings = [fit.finding, market["finding"].iloc[-1], *table["finding"]]
    findings += fairness_findings(fairness)
    findings += [f"Calibration: {n}." for n in review.calibration.notes]
    if actuals.dropped:
        findings.insert(0, f"{len(actuals.dropped)} bad row(s) of the actuals were left out.")
    findings[:0] = [f"Data warning: {w}" for w in actuals.warnings]
    phase("design against reality")
    return AnnualReview(
        review=review,
        actual=actual,
        computed=computed,
        fit=fit,
        design=design,
        table=table,
        market=market,
        reps=reps,
        fairness=fairness,
        timing=timing_table(review),
        findings=findings,
        seconds=seconds,
    )
