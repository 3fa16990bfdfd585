"""Outcome tables for the target MILP: every rep at every candidate target level.

The team is simulated once per candidate effort level on common random
numbers (more effort, more deals in the same simulated year). For each plan
shape and target level the plan is paid on each of those samples; each rep
then best-responds (CARA certainty equivalent minus the effort cost that makes
today's effort their best response to today's plan, as in
:mod:`sim.behaviour.response`), and the statistics at their chosen effort,
interpolated between neighbouring effort levels, enter the table.

Every rep's column at a level is computed with every rep at that level: a rep's
pay depends only on their own target, except for team measures, where the
tabulation assumes team-mates at the same level (stated in the report).
"""

from __future__ import annotations

import functools
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from sim.behaviour.base import Effort, FixedEffort
from sim.behaviour.response import (
    PlanSample,
    TaskEffort,
    calibrated_cost,
    plan_value,
    refine_effort,
    risk_aversion,
    task_split,
)
from sim.errors import ScenarioError
from sim.montecarlo import MonteCarloEngine
from sim.outcomes import Outcomes
from sim.payout import evaluate_plan, rep_targets
from sim.plan import Plan
from sim.population import Population
from sim.scenario import Scenario
from sim.streams import BLOCK_TRIALS, CALIBRATION

from .shapes import PlanShape, volume_measures
from .spec import OptimizeSpec

__all__ = [
    "Outlook",
    "Table",
    "baselines",
    "plan_at",
    "primary_measure",
    "tabulate",
    "team_outlook",
]


@dataclass(frozen=True)
class Outlook:
    """The team simulated at each candidate effort level (common random numbers)."""

    efforts: np.ndarray  # (K,)
    outcomes: list[Outcomes]  # one table per effort level
    revenue: np.ndarray  # expected annual revenue (K, reps)
    margin: np.ndarray  # expected annual gross margin (K, reps)
    cost: np.ndarray  # effort cost coefficient d per rep (reps,)
    risk: np.ndarray  # CARA risk aversion per rep (reps,)
    outside: np.ndarray  # outside option: today's utility x the scenario's multiple (reps,)
    shares: dict[str, np.ndarray] | None  # today's split of effort across tasks
    engine: MonteCarloEngine  # draws the sample again at any effort
    seed: int
    trials: int

    def at(self, effort: Effort) -> Outcomes:
        """The same simulated years at another effort per task."""
        blocks = -(-self.trials // BLOCK_TRIALS)
        return self.engine.simulate_blocks(self.seed, 0, blocks, self.trials, TaskEffort(effort))


@dataclass(frozen=True)
class Table:
    """One plan shape tabulated: arrays of shape (reps, levels) unless noted."""

    shape: PlanShape
    plan: Plan  # the shape applied to the base plan, at baseline targets
    multipliers: np.ndarray  # (levels,) multiples of each rep's baseline
    targets: np.ndarray  # primary measure's annual target
    revenue: np.ndarray
    margin: np.ndarray
    pay: np.ndarray  # expected incentive pay
    p_target: np.ndarray  # chance of reaching the primary measure's annual target
    utility: np.ndarray  # certainty equivalent less effort cost, at the best response
    upside: np.ndarray  # expected pay above target incentive
    effort: np.ndarray  # best-response effort
    scenario_pay: np.ndarray  # incentive pay in each of the first simulated years (S, reps, L)


def primary_measure(plan: Plan, spec: OptimizeSpec) -> str:
    """The measure whose target the levels set: as stated, else the heaviest volume measure."""
    if spec.primary is not None:
        return spec.primary
    vols = volume_measures(plan)
    if not vols:
        raise ScenarioError("optimize: the plan has no volume measure (an amount to reach)")
    return max(vols, key=lambda m: m.weight).id


def baselines(scenario: Scenario, pop: Population, spec: OptimizeSpec) -> dict[str, np.ndarray]:
    """Each volume measure's baseline annual target per rep, by the spec's basis."""
    origin = scenario.source or "<scenario>"
    out = {}
    for m in volume_measures(scenario.plan):
        plan_t = rep_targets(m, pop, 1)[:, 0]
        potential = plan_t.mean() * pop.potential_index
        basis = spec.baseline.basis
        if basis in ("history", "blend"):
            if m.name not in pop.history:
                raise ScenarioError(
                    f"{origin}: optimize.baseline.basis: {basis!r} needs last period's actuals, "
                    f"but the roster has no actual_{m.name} column"
                )
            hist = np.asarray(pop.history[m.name], dtype=float)
            hist = np.maximum(hist, 1e-6 * plan_t.mean())
        if basis == "plan":
            out[m.id] = plan_t
        elif basis == "potential":
            out[m.id] = potential
        elif basis == "history":
            out[m.id] = hist
        else:
            w = spec.baseline.history_weight
            out[m.id] = w * hist + (1 - w) * potential
    return out


def plan_at(plan: Plan, base: dict[str, np.ndarray], multiple: np.ndarray, names) -> Plan:
    """``plan`` with every volume measure's target set per rep: baseline × ``multiple``."""
    measures = []
    for m in plan.measures:
        if m.id in base:
            t = base[m.id] * multiple
            listed = {str(n): float(v) for n, v in zip(names, t, strict=True)}
            m = m.model_copy(
                update={"target_basis": "listed", "rep_targets": listed, "target": float(t.mean())}
            )
        measures.append(m)
    return plan.model_copy(update={"measures": tuple(measures)})


def tabulation_trials(scenario: Scenario, spec: OptimizeSpec) -> int:
    """Years tabulated per level: as set, else the behaviour model's calibration sample.

    The default makes the tables the very sample on which a simulation's reps choose
    their effort (same streams, same seed), so the best responses agree."""
    return spec.trials or scenario.behaviour.effort.calibration_trials


def _outcomes_at(engine, seed: int, blocks: int, trials: int, effort: float) -> Outcomes:
    return engine.simulate_blocks(seed, 0, blocks, trials, FixedEffort(float(effort)))


def team_outlook(
    scenario: Scenario,
    pop: Population,
    spec: OptimizeSpec,
    seed: int,
    executor: Executor | None = None,
) -> Outlook:
    """Simulate the team at each effort level and calibrate effort costs on the base plan;
    the levels run on ``executor`` (a Dask client's, say) if given, else on threads."""
    effort_spec = scenario.behaviour.effort
    efforts = np.asarray(effort_spec.levels if spec.responding else (1.0,), dtype=float)
    engine = MonteCarloEngine(scenario.market, pop, stream=CALIBRATION)
    trials = tabulation_trials(scenario, spec)
    blocks = -(-trials // BLOCK_TRIALS)

    run = functools.partial(_outcomes_at, engine, seed, blocks, trials)  # picklable
    if executor is not None:
        outcomes = list(executor.map(run, efforts))
    else:
        with ThreadPoolExecutor(max_workers=spec.workers) as pool:
            outcomes = list(pool.map(run, efforts))
    revenue = np.stack([o.measure("revenue", 1)[..., 0].mean(0) for o in outcomes])
    margin = np.stack([o.measure("gross_margin", 1)[..., 0].mean(0) for o in outcomes])
    plan = scenario.plan
    risk = risk_aversion(effort_spec, pop, plan.pay_mix.ote, seed)
    value = np.stack([plan_value(plan, evaluate_plan(plan, o, pop), pop, risk) for o in outcomes])
    if len(efforts) > 2:
        cost = calibrated_cost(efforts, value)
        k = int(np.argmin(np.abs(efforts - 1.0)))  # today's effort (1.0 on the default grid)
        today = value[k] - 0.5 * cost * efforts[k] ** 2
    else:
        cost = np.zeros(pop.size)
        today = value[0]
    outside = today * scenario.behaviour.retention.outside_option
    shares = None
    if len(efforts) > 2:  # today's task split, which a new plan's split is relative to
        sample = PlanSample(plan, scenario.market, pop, trials, seed, risk)
        _, shares = task_split(sample, np.ones(pop.size), effort_spec, None)
    return Outlook(
        efforts, outcomes, revenue, margin, cost, risk, outside, shares, engine, seed, trials
    )


def split_outcomes(
    plan: Plan, outlook: Outlook, scenario: Scenario, pop: Population, effort: np.ndarray
) -> list[Outcomes]:
    """The sample at every effort level, split across tasks as reps split it under
    ``plan`` (as a simulation's best response does: more effort on the tasks the plan
    pays for, relative to today's split); the uniform sample when the split is today's."""
    if outlook.shares is None:
        return outlook.outcomes
    sample = PlanSample(plan, scenario.market, pop, outlook.trials, outlook.seed, outlook.risk)
    task, _ = task_split(sample, effort, scenario.behaviour.effort, outlook.shares)
    ratio = {t: task[t] / effort for t in task}
    if all(np.allclose(r, 1.0) for r in ratio.values()):
        return outlook.outcomes
    return [
        outlook.at(Effort(e * ratio["new"], e * ratio["xsell"], e * ratio["service"]))
        for e in outlook.efforts
    ]


def _interpolate(efforts: np.ndarray, chosen: np.ndarray):
    """Bracketing effort levels and weights for each rep's chosen effort."""
    if len(efforts) == 1:
        zero = np.zeros(chosen.shape, dtype=np.intp)
        return zero, zero, np.zeros(chosen.shape)
    j = np.clip(np.searchsorted(efforts, chosen, side="right") - 1, 0, len(efforts) - 2)
    w = np.clip((chosen - efforts[j]) / (efforts[j + 1] - efforts[j]), 0.0, 1.0)
    return j, j + 1, w


def _chosen_effort(plan: Plan, outlook: Outlook, pop: Population, paid=None) -> np.ndarray:
    """Each rep's best-response effort under ``plan``, chosen on the uniform sample
    (``paid``: the plan already paid on it, one PlanOutcome per effort level)."""
    e = outlook.efforts
    if paid is None:
        paid = [evaluate_plan(plan, o, pop) for o in outlook.outcomes]
    value = np.stack([plan_value(plan, po, pop, outlook.risk) for po in paid])
    net = value - 0.5 * outlook.cost * e[:, None] ** 2
    return refine_effort(e, net) if len(e) > 2 else np.full(pop.size, e[0])


def _level(
    plan: Plan,
    outlook: Outlook,
    pop: Population,
    primary: str,
    scenarios: int,
    split: list[Outcomes] | None = None,
) -> dict[str, np.ndarray]:
    """Best-response statistics of every rep under ``plan`` (one target level).

    Effort is chosen on the uniform sample (as a simulation's reps choose it);
    what it brings is read off ``split``, the sample split across tasks."""
    ti = plan.pay_mix.target_incentive
    uniform = [evaluate_plan(plan, o, pop) for o in outlook.outcomes]
    chosen = _chosen_effort(plan, outlook, pop, uniform)
    lo, hi, w = _interpolate(outlook.efforts, chosen)
    cols = np.arange(pop.size)
    samples = split or outlook.outcomes
    paid = (
        uniform if samples is outlook.outcomes else [evaluate_plan(plan, o, pop) for o in samples]
    )
    stats = []
    for o, po in zip(samples, paid, strict=True):
        pay = po.total.astype(float)
        stats.append(
            {
                "ce": plan_value(plan, po, pop, outlook.risk),
                "pay": pay.mean(0),
                "upside": np.maximum(pay - ti, 0.0).mean(0),
                "p_target": (po.attainment[primary] >= 1.0).mean(0),
                "revenue": o.measure("revenue", 1)[..., 0].mean(0),
                "margin": o.measure("gross_margin", 1)[..., 0].mean(0),
                "scenario_pay": pay[:scenarios],
            }
        )

    def mix(values: np.ndarray) -> np.ndarray:  # values (K, reps)
        return (1 - w) * values[lo, cols] + w * values[hi, cols]

    keys = ("ce", "pay", "upside", "p_target", "revenue", "margin")
    out = {k: mix(np.stack([st[k] for st in stats])) for k in keys}
    sp = np.stack([st["scenario_pay"] for st in stats])  # (K, S, reps)
    out["scenario_pay"] = ((1 - w) * sp[lo, :, cols].T + w * sp[hi, :, cols].T).astype(np.float32)
    out["utility"] = out["ce"] - 0.5 * outlook.cost * chosen**2
    out["effort"] = chosen
    return out


def tabulate(
    shape: PlanShape,
    plan: Plan,
    outlook: Outlook,
    base: dict[str, np.ndarray],
    pop: Population,
    spec: OptimizeSpec,
    primary: str,
    scenario: Scenario,
) -> Table:
    """Tabulate one plan shape at every target level (multiples of the baselines).

    The task split is the one reps choose at the level nearest today's targets."""
    mults = np.linspace(spec.levels.low, spec.levels.high, spec.levels.count)
    scenarios = min(spec.scenarios, outlook.trials)
    plans = [plan_at(plan, base, np.full(pop.size, m), pop.name) for m in mults]
    mid = plans[int(np.argmin(np.abs(mults - 1.0)))]
    effort = _chosen_effort(mid, outlook, pop)
    split = split_outcomes(mid, outlook, scenario, pop, effort)
    cols = [_level(p, outlook, pop, primary, scenarios, split) for p in plans]

    def stack(key: str) -> np.ndarray:
        return np.stack([c[key] for c in cols], axis=-1)

    return Table(
        shape=shape,
        plan=plan,
        multipliers=mults,
        targets=base[primary][:, None] * mults[None, :],
        revenue=stack("revenue"),
        margin=stack("margin"),
        pay=stack("pay"),
        p_target=stack("p_target"),
        utility=stack("utility"),
        upside=stack("upside"),
        effort=stack("effort"),
        scenario_pay=stack("scenario_pay"),
    )
