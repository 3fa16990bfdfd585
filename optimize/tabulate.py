"""Outcome tables for the target MILP: every rep at every candidate target level.

The team is simulated once per candidate effort level on common random
numbers (more effort, more deals in the same simulated year): the behaviour
model's calibration sample. For each plan shape and target level each rep
best-responds on it through the one best-response object the simulation uses
(:class:`sim.behaviour.response.BestResponse`: risk, effort cost and task
split calibrated once on today's plan), as a simulation's reps choose effort.

What the chosen effort brings (revenue, pay, the chance of reaching target) is
then read off a simulation of the team at exactly that effort on the first
years a simulation with the same seed draws (the trial streams): simulating
the chosen plan draws the very years its promise was made on, so promise and
check differ only by what the tables leave out (within-period dynamics, deal
timing) and by any years the check adds, not by the sampling error of
independent samples or by interpolation between effort levels.

Every rep's column at a level is computed with every rep at that level: a rep's
pay depends only on their own target, except for team measures, where the
tabulation assumes team-mates at the same level (stated in the report).
With ``[behaviour.help]`` on, reps help team-mates as a simulation's reps do
(:func:`~sim.behaviour.collaboration.choose_help` under each level's plan), so
the tables carry what team pay buys in help and what help costs the helpers.
Referrals (``[market.referrals]``) and assessed collaboration scores
(``[market.collaboration_score]``) flow as well: each level's outcomes go through
the simulation's own team step (:func:`sim.run.team_step`) on the trial streams,
so the tables hold the very referred deals and scores a simulation of the chosen
plan draws.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np

from sim.behaviour.base import Effort
from sim.behaviour.collaboration import HelpSpec, help_cost
from sim.behaviour.response import TASKS, BestResponse, PlanSample, TeamSample, risk_aversion
from sim.errors import ScenarioError
from sim.optimize_spec import reps_respond
from sim.payout import evaluate_plan, rep_targets
from sim.plan import Plan
from sim.population import Population
from sim.run import TeamFlows, team_flows, team_step
from sim.scenario import Scenario
from sim.streams import TRIALS

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
    """The team on the calibration sample, and the reps' best-response object."""

    efforts: np.ndarray  # (K,) the starting grid of effort levels ((1.0,) when not responding)
    sample: TeamSample  # the simulated years at any effort (common random numbers)
    reps: BestResponse  # risk, effort cost and today's task split, calibrated once
    outside: np.ndarray  # outside option: today's utility x the scenario's multiple (reps,)
    years: TeamSample  # the first years a simulation draws (trial streams)
    flows: TeamFlows  # referrals and assessed scores, on the streams a simulation draws

    @property
    def responding(self) -> bool:
        return len(self.efforts) > 1

    @property
    def trials(self) -> int:
        return self.sample.trials


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
    at_bound: np.ndarray  # the best response lies at a declared bound of effort
    scenario_pay: np.ndarray  # incentive pay in each of the first simulated years (S, reps, L)
    help: np.ndarray | None = None  # help each rep gives team-mates
    help_value: np.ndarray | None = None  # team-mates' revenue the rep's help added
    referrals: np.ndarray | None = None  # the rep's referrals that became opportunities, a year


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


def team_outlook(
    scenario: Scenario,
    pop: Population,
    spec: OptimizeSpec,
    seed: int,
    executor: Executor | None = None,
) -> Outlook:
    """Simulate the team at each effort level and calibrate the reps on the base plan;
    the levels run on ``executor`` (a Dask client's, say) if given, else on threads."""
    effort_spec = scenario.behaviour.effort
    plan = scenario.plan
    trials = tabulation_trials(scenario, spec)
    sample = TeamSample(scenario.market, pop, trials, seed, spec.workers, executor)
    if reps_respond(scenario.behaviour, spec):
        effort_spec = effort_spec.model_copy(update={"enabled": True})
        reps = BestResponse.calibrate(plan, sample, effort_spec, seed)
        efforts = np.asarray(effort_spec.levels, dtype=float)
    else:
        risk = risk_aversion(effort_spec, pop, plan.pay_mix.ote, seed)
        reps = BestResponse(effort_spec, risk, np.zeros(pop.size), None)
        efforts = np.ones(1)
    sample.levels(efforts)
    # Utilities in the tables are read on the years a simulation draws: today's too.
    years = TeamSample(scenario.market, pop, trials, seed, spec.workers, executor, stream=TRIALS)
    flows = team_flows(scenario, pop, seed)
    now = years.at(1.0)
    step = team_step(plan, scenario.behaviour.help, sample, pop, flows)
    if step is not None:  # today's help, referrals and scores, as a simulation has them
        now = step(now, 0)
        step_cost = help_cost(step.help, scenario.behaviour.help, plan.pay_mix.target_incentive)
    else:
        step_cost = np.zeros(pop.size)
    today = reps.value(plan, evaluate_plan(plan, now, pop), pop) - reps.effort_cost(1.0)
    outside = (today - step_cost) * scenario.behaviour.retention.outside_option
    return Outlook(efforts, sample, reps, outside, years, flows)


def task_ratio(
    plan: Plan, outlook: Outlook, pop: Population, effort: np.ndarray
) -> dict[str, np.ndarray] | None:
    """Each task's effort as a multiple of the annual effort, as reps split it under
    ``plan`` (as a simulation's best response does: more effort on the tasks the plan
    pays for, relative to today's split); ``None`` when the split is today's."""
    if not outlook.responding or outlook.reps.shares is None:
        return None
    ps = PlanSample(plan, outlook.sample, outlook.reps.risk)
    task, _ = outlook.reps.split(ps, effort)
    ratio = {t: task[t] / effort for t in task}
    if all(np.allclose(r, 1.0) for r in ratio.values()):
        return None
    return ratio


def chosen_effort(plan: Plan, outlook: Outlook, pop: Population):
    """Each rep's best-response effort under ``plan`` on the uniform sample (as a
    simulation's reps choose it: :meth:`~sim.behaviour.response.BestResponse.team_choice`),
    with whether it lies at a bound and the grid it was chosen on. A rep values
    their own effort with team-mates at their own best responses (team pay is
    diluted: :func:`~sim.behaviour.collaboration.own_effort_outcomes`)."""
    if not outlook.responding:
        return np.ones(pop.size), np.zeros(pop.size, bool), np.ones(1)
    choice, _, _ = outlook.reps.team_choice(plan, outlook.sample)
    return choice.effort, choice.at_bound, choice.levels


def _level(
    plan: Plan,
    outlook: Outlook,
    pop: Population,
    primary: str,
    scenarios: int,
    ratio: dict[str, np.ndarray] | None,
    help_spec: HelpSpec,
) -> dict[str, np.ndarray]:
    """Best-response statistics of every rep under ``plan`` (one target level).

    Effort is chosen on the calibration sample (as a simulation's reps choose it);
    what it brings is read off the years a simulation draws, with every rep at
    exactly their chosen effort at once, split across tasks by ``ratio`` (so a rep
    credited on team-mates' deals, or paid on their team, sees the team-mates'
    chosen effort) and the help reps give under ``plan`` applied (as a simulation
    applies it)."""
    ti = plan.pay_mix.target_incentive
    chosen, at_bound, _ = chosen_effort(plan, outlook, pop)
    o = outlook.years.at(Effort(*(chosen * (1.0 if ratio is None else ratio[t]) for t in TASKS)))
    # Help, referrals and scores by the simulation's own team step, on the years it draws.
    step = team_step(plan, help_spec, outlook.sample, pop, outlook.flows)
    help = np.zeros(pop.size) if step is None else step.help
    if step is not None:
        o = step(o, 0)
    po = evaluate_plan(plan, o, pop)
    pay = po.total.astype(float)
    added = o.components.get("help_value")
    referred = o.components.get("referrals")
    ce = outlook.reps.value(plan, po, pop)
    return {
        "pay": pay.mean(0),
        "upside": np.maximum(pay - ti, 0.0).mean(0),
        "p_target": (po.attainment[primary] >= 1.0).mean(0),
        "revenue": o.measure("revenue", 1)[..., 0].mean(0),
        "margin": o.measure("gross_margin", 1)[..., 0].mean(0),
        "scenario_pay": pay[:scenarios].astype(np.float32),
        "help_value": np.zeros(pop.size) if added is None else added.sum(2).mean(0),
        "referrals": np.zeros(pop.size) if referred is None else referred.sum(2).mean(0),
        "utility": ce - outlook.reps.effort_cost(chosen) - help_cost(help, help_spec, ti),
        "effort": chosen,
        "help": help,
        "at_bound": at_bound,
    }


def tabulate(
    shape: PlanShape,
    plan: Plan,
    outlook: Outlook,
    base: dict[str, np.ndarray],
    pop: Population,
    spec: OptimizeSpec,
    primary: str,
    scenario: Scenario,
    on_level: Callable[[], None] | None = None,
) -> Table:
    """Tabulate one plan shape at every target level (multiples of the baselines).

    The task split is the one reps choose at the level nearest today's targets.
    ``on_level`` is called after each level (a time budget stops tabulation there)."""
    mults = np.linspace(spec.levels.low, spec.levels.high, spec.levels.count)
    scenarios = min(spec.scenarios, outlook.trials)
    plans = [plan_at(plan, base, np.full(pop.size, m), pop.name) for m in mults]
    mid = plans[int(np.argmin(np.abs(mults - 1.0)))]
    ratio = task_ratio(mid, outlook, pop, chosen_effort(mid, outlook, pop)[0])
    help_spec = scenario.behaviour.help
    cols = []
    for p in plans:
        cols.append(_level(p, outlook, pop, primary, scenarios, ratio, help_spec))
        if on_level is not None:
            on_level()

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
        at_bound=stack("at_bound"),
        scenario_pay=stack("scenario_pay"),
        help=stack("help"),
        help_value=stack("help_value"),
        referrals=stack("referrals"),
    )
