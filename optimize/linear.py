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

from sim.behaviour.agency import (
    EFFORT_MAX,
    AgencyReps,
    LinearPlan,
    linear_closed_form,
    optimal_linear_plan,
)
from sim.behaviour.base import FixedEffort
from sim.behaviour.flows import agency_moments, expected_flows
from sim.behaviour.response import risk_aversion
from sim.errors import ScenarioError
from sim.measures import MEASURES
from sim.money import currency_sign, money_amount
from sim.montecarlo import MonteCarloEngine
from sim.population import Population
from sim.scenario import Scenario
from sim.streams import BLOCK_TRIALS, CALIBRATION

from .spec import OptimizeSpec
from .tabulate import tabulation_trials

__all__ = ["LinearResult", "calibrated_costs", "linear_plan"]


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

    def findings(self, currency: str = "USD") -> list[str]:
        """The result in plain words, for the summary; amounts in ``currency``."""
        lp = self.plan
        rates = ", ".join(
            _rate(b, m, currency) for m, b in zip(self.measures, lp.beta, strict=True)
        )
        pay = f"commission{'s' if len(self.measures) > 1 else ''} {rates}"
        lines = [
            f"Best salary + linear commission: {pay}, salary {_money(lp.alpha, currency)}; "
            f"expected profit {_money(lp.profit, currency)}."
        ]
        if self.closed_form is not None:
            cf = ", ".join(f"{b:.4f}" for b in self.closed_form.beta)
            lines.append(f"The closed form (Holmström–Milgrom) gives commission(s) {cf}.")
        capped = int(np.sum(np.isclose(lp.effort, EFFORT_MAX).any(1)))
        if capped:
            lines.append(
                f"{capped} of {lp.effort.shape[0]} reps would work at the highest effort the "
                f"model allows ({EFFORT_MAX:g}× today's) on some task: their response, and "
                "so the commission, is limited by that ceiling."
            )
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


def calibrated_costs(marginal: np.ndarray, cross: float) -> np.ndarray:
    """Effort cost matrices D (reps, t, t) under which today's effort (1 on every task)
    is the best response, D·1 = marginal pay per task, with the cross term
    D_ij = ``cross``·√(D_ii·D_jj): s_i·(s_i + cross·Σ_{j≠i} s_j) = g_i for s = √diag D,
    solved by fixed-point iteration (a contraction for |cross| < 1/(t − 1))."""
    g = np.asarray(marginal, float)
    s = np.sqrt(g)
    for _ in range(200):
        others = s.sum(-1, keepdims=True) - s
        s = 0.5 * (-cross * others + np.sqrt((cross * others) ** 2 + 4 * g))
    t = g.shape[-1]
    corr = np.full((t, t), cross) + (1 - cross) * np.eye(t)
    return s[:, :, None] * corr * s[:, None, :]


def _team_reps_multi(scenario: Scenario, pop: Population, spec: OptimizeSpec, seed: int):
    """The multi-task agency model of the team (Holmström & Milgrom 1991): K and Σ from
    the market's expected deal flows for the measures paid (tasks: new accounts and
    cross-sell), D calibrated so that today's commissions give today's effort, and the
    margin per unit of each measure (default: K′m is each task's gross margin)."""
    lin = spec.linear
    measures = tuple(lin.measures)
    flows = expected_flows(scenario.market, pop)
    K, noise = agency_moments(flows, measures)
    engine = MonteCarloEngine(scenario.market, pop, stream=CALIBRATION)
    trials = tabulation_trials(scenario, spec)
    oc = engine.simulate_blocks(seed, 0, -(-trials // BLOCK_TRIALS), trials, FixedEffort(1.0))
    mix = scenario.plan.pay_mix
    weight = {m.id: m.weight for m in scenario.plan.measures}
    # today's pay per unit of each measure: its share of the target incentive over its mean
    beta0 = np.array([mix.target_incentive * weight[m] / oc.measure(m, 1).mean() for m in measures])
    if lin.margin is not None:
        margin = np.broadcast_to(np.asarray(lin.margin, float), (len(measures),))
    else:
        gm = np.array([flows.mean[t]["gross_margin"].sum() for t in ("new", "xsell")])
        margin = np.linalg.lstsq(K.sum(0).T, gm, rcond=None)[0]
    marginal = np.einsum("rnt,n->rt", K, beta0)  # today's marginal pay per task
    if np.any(marginal <= 0):
        raise ScenarioError(
            f"{scenario.source or '<scenario>'}: optimize.linear.measures: "
            f"{', '.join(measures)} pay nothing for effort on one of the tasks (new accounts, "
            "cross-sell): add a measure that each task drives"
        )
    D = calibrated_costs(marginal, lin.effort_cost_cross)
    r = risk_aversion(scenario.behaviour.effort, pop, mix.ote, seed)
    h = lin.house_share * K.sum(-1)
    K = (1 - lin.house_share) * K
    ones = np.ones(2)
    ce0 = (
        mix.ote
        - 0.5 * r * np.einsum("n,rnm,m->r", beta0, noise, beta0)
        - 0.5 * np.einsum("t,rts,s->r", ones, D, ones)
    )
    reps = AgencyReps(h=h, K=K, D=D, r=r, noise=noise, ce0=ce0)
    return reps, margin, measures


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
    if lin.measures:
        reps, margin, names = _team_reps_multi(scenario, pop, spec, seed)
        best = optimal_linear_plan(reps, margin, draws=lin.draws, seed=seed)
        return LinearResult(best, margin, reps, None, names, ("new", "xsell"))
    reps, margin = _team_reps(scenario, pop, spec, seed)
    best = optimal_linear_plan(reps, margin, draws=lin.draws, seed=seed)
    return LinearResult(best, np.atleast_1d(margin), reps, None)


def _rate(beta: float, measure: str, currency: str = "USD") -> str:
    """A commission in words: a share of an amount, or money per unit of a count."""
    kind = MEASURES.get(measure)
    if kind is not None and kind.unit != "currency":
        return f"{_money(beta, currency)} per unit of {measure}"
    return f"{beta:.2%} of {measure}"


def _money(x: float, currency: str = "USD") -> str:
    """An amount to the unit, or to four significant digits below 100 (a small commission
    per unit)."""
    if abs(x) >= 100:
        return money_amount(x, currency)
    return f"{'-' if x < 0 else ''}{currency_sign(currency)}{abs(x):.4g}"


def _numbered(prefix: str, n: int, single: str) -> tuple[str, ...]:
    return (single,) if n == 1 else tuple(f"{prefix}_{i + 1}" for i in range(n))
