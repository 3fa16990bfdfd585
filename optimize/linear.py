"""The plan-family optimisation: the best salary + linear commissions.

Reached from :func:`optimize.optimize_plan` with ``family = "linear"``. Reps
best-respond by simulation (:mod:`sim.behaviour.agency`); the salary keeps every
rep at their outside option. For identical reps the textbook optimum
β* = (K D⁻¹ K′ + rΣ)⁻¹ K D⁻¹ K′ m (Holmström & Milgrom 1987, 1991; with one
measure m·k²/(k² + r·d·σ²), Lal & Srinivasan 1993) is reported beside the
simulated one.
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
    margin: np.ndarray  # value per unit of each measure
    reps: AgencyReps
    closed_form: LinearPlan | None  # identical reps only
    measures: tuple[str, ...] = ("sales",)
    tasks: tuple[str, ...] = ("effort",)

    def _row(self, solution: str, lp: LinearPlan) -> dict:
        row: dict = {"solution": solution}
        if len(self.measures) == 1:
            row["beta"] = float(lp.beta[0])
        else:
            row.update({f"beta_{m}": float(b) for m, b in zip(self.measures, lp.beta, strict=True)})
        row["alpha"] = lp.alpha
        effort = np.mean(lp.effort, axis=0)
        if len(self.tasks) == 1:
            row["mean_effort"] = float(effort[0])
        else:
            row.update({f"effort_{t}": float(e) for t, e in zip(self.tasks, effort, strict=True)})
        row["profit"] = lp.profit
        return row

    def table(self) -> pd.DataFrame:
        """The simulated optimum, and the closed form beside it when there is one: one
        ``beta`` (or ``beta_<measure>`` per measure) and mean effort (or
        ``effort_<task>`` per task)."""
        rows = [self._row("simulated", self.plan)]
        if self.closed_form is not None:
            rows.append(self._row("closed form", self.closed_form))
        return pd.DataFrame(rows)

    def findings(self) -> list[str]:
        """The result in plain words, for the summary."""
        lp = self.plan
        if len(self.measures) == 1:
            pay = f"commission {lp.beta[0]:.2%} of {self.measures[0]}"
        else:
            rates = ", ".join(
                f"{b:.2%} of {m}" for m, b in zip(self.measures, lp.beta, strict=True)
            )
            pay = f"commissions {rates}"
        lines = [
            f"Best salary + linear commission: {pay}, salary {_money(lp.alpha)}; "
            f"expected profit {_money(lp.profit)}."
        ]
        if self.closed_form is not None:
            cf = ", ".join(f"{b:.4f}" for b in self.closed_form.beta)
            lines.append(f"The closed form (Holmström–Milgrom) gives commission(s) {cf}.")
        return lines


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
    reps = AgencyReps.of(h=probe.h[:, 0], k=probe.k, d=d, r=r, sigma=probe.sigma, ce0=ce0)
    return reps, margin


def linear_plan(scenario: Scenario, spec: OptimizeSpec, pop: Population, seed: int) -> LinearResult:
    """The salary + commissions that maximise expected profit with every rep staying."""
    lin = spec.linear
    if lin.reps == "textbook":
        t = lin.textbook
        reps = AgencyReps.identical(1, t.h, t.k, t.d, t.r, t.covariance, t.ce0)
        names = tuple(t.measures) if t.measures else _numbered("measure", reps.measures, "sales")
        margin = np.broadcast_to(np.asarray(lin.margin, float), (reps.measures,))
        closed = linear_closed_form(t.h, t.k, t.d, t.r, t.covariance, margin, t.ce0)
        best = optimal_linear_plan(
            reps, margin, draws=lin.draws, seed=seed, effort_floor=t.effort_floor
        )
        tasks = _numbered("task", reps.tasks, "effort")
        return LinearResult(best, margin, reps, closed, names, tasks)
    reps, margin = _team_reps(scenario, pop, spec, seed)
    best = optimal_linear_plan(reps, margin, draws=lin.draws, seed=seed)
    return LinearResult(best, np.atleast_1d(margin), reps, None)


def _money(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.4g}"


def _numbered(prefix: str, n: int, single: str) -> tuple[str, ...]:
    return (single,) if n == 1 else tuple(f"{prefix}_{i + 1}" for i in range(n))
