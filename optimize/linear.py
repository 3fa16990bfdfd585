"""The plan-family optimisation: the best salary + linear commission.

Reached from :func:`optimize.optimize_plan` with ``family = "linear"``. Reps
best-respond by simulation (:mod:`sim.behaviour.agency`); the salary keeps every
rep at their outside option. For identical reps the textbook optimum
β* = m·k²/(k² + r·d·σ²) is reported beside the simulated one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.behaviour.agency import AgencyReps, LinearPlan, linear_closed_form, optimal_linear_plan
from sim.behaviour.base import FixedEffort
from sim.behaviour.response import risk_aversion
from sim.montecarlo import MonteCarloEngine
from sim.population import Population
from sim.scenario import Scenario
from sim.streams import BLOCK_TRIALS, CALIBRATION

from .spec import OptimizeSpec
from .tabulate import tabulation_trials

__all__ = ["LinearResult", "linear_plan"]


@dataclass(frozen=True)
class LinearResult:
    """The best linear contract, the reps' response, and the textbook check."""

    plan: LinearPlan
    margin: float
    reps: AgencyReps
    closed_form: LinearPlan | None  # identical reps only

    def table(self) -> pd.DataFrame:
        rows = [
            {
                "solution": "simulated",
                "beta": self.plan.beta,
                "alpha": self.plan.alpha,
                "mean_effort": float(np.mean(self.plan.effort)),
                "profit": self.plan.profit,
            }
        ]
        if self.closed_form is not None:
            cf = self.closed_form
            rows.append(
                {
                    "solution": "closed form",
                    "beta": cf.beta,
                    "alpha": cf.alpha,
                    "mean_effort": float(np.mean(cf.effort)),
                    "profit": cf.profit,
                }
            )
        return pd.DataFrame(rows)


def _team_reps(scenario: Scenario, pop: Population, spec: OptimizeSpec, seed: int):
    """The agency model of the scenario's team, and the market's margin rate."""
    engine = MonteCarloEngine(scenario.market, pop, stream=CALIBRATION)
    trials = tabulation_trials(scenario, spec)
    oc = engine.simulate_blocks(seed, 0, -(-trials // BLOCK_TRIALS), trials, FixedEffort(1.0))
    revenue = oc.measure("revenue", 1)[..., 0]
    margin = spec.linear.margin or float(oc.measure("gross_margin", 1).sum() / revenue.sum())
    mix = scenario.plan.pay_mix
    r = risk_aversion(scenario.behaviour.effort, pop, mix.ote, seed)
    probe = AgencyReps.from_team(scenario.market, pop, r, 1.0, 0.0, spec.linear.house_share)
    beta0 = mix.target_incentive / revenue.mean()  # today's pay per unit of sales
    d = beta0 * probe.k  # effort 1 is the best response to today's commission rate
    ce0 = mix.ote - 0.5 * r * beta0**2 * probe.sigma**2 - 0.5 * d
    reps = AgencyReps.of(h=probe.h, k=probe.k, d=d, r=r, sigma=probe.sigma, ce0=ce0)
    return reps, margin


def linear_plan(scenario: Scenario, spec: OptimizeSpec, pop: Population, seed: int) -> LinearResult:
    """The salary + commission that maximises expected profit with every rep staying."""
    lin = spec.linear
    if lin.reps == "textbook":
        t = lin.textbook
        reps = AgencyReps.of(h=t.h, k=t.k, d=t.d, r=t.r, sigma=t.sigma, ce0=t.ce0)
        margin = float(lin.margin)
        closed = linear_closed_form(t.h, t.k, t.d, t.r, t.sigma**2, margin, t.ce0)
    else:
        reps, margin = _team_reps(scenario, pop, spec, seed)
        closed = None
    best = optimal_linear_plan(reps, margin, draws=lin.draws, seed=seed)
    return LinearResult(best, margin, reps, closed)
