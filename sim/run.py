"""Run a scenario: simulate every plan variant on one engine through the one chunk loop.

The engine (Monte Carlo or pipeline, see :class:`sim.engine.Engine`) and the
chunk loop (:mod:`sim.chunks`) are separate: chunks are whole engine units, so
the result for a seed is the same for any chunk size, worker count or executor
(a thread pool, a process pool, a Dask client's executor).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np

from .assessment import ScoreFlow
from .behaviour import Behaviour
from .behaviour.collaboration import HelpSpec, apply_help, choose_help
from .behaviour.model import build_behaviours
from .behaviour.response import TeamSample
from .behaviour.spec import BehaviourSpec
from .chunks import (
    BEHAVIOUR_ACTUALS,
    CHUNK_REP_TRIALS,
    KEPT_MEASURES,
    PROGRESS_BINS,
    Collector,
    chunk_bounds,
    chunk_task,
    effort_by_progress,
    run_chunks,
)
from .crediting import check_credit
from .engine import Engine
from .errors import ScenarioError
from .montecarlo import MonteCarloEngine
from .outcomes import Outcomes
from .pipeline.coselling import CoSelling, co_selling, co_selling_help
from .pipeline.engine import PipelineEngine
from .plan import Plan
from .population import Population, build_population
from .referrals import ReferralFlow, expected_referrals, referral_flow
from .results import SimulationResult, VariantResult
from .scenario import Scenario
from .streams import ASSESSMENT, CALIBRATION, population_rng
from .trim import release_freed, reuse_freed

__all__ = [
    "BEHAVIOUR_ACTUALS",
    "CHUNK_REP_TRIALS",
    "ENGINES",
    "KEPT_MEASURES",
    "PROGRESS_BINS",
    "SimulationResult",
    "TeamFlows",
    "TeamStep",
    "VariantResult",
    "check_roster_targets",
    "effort_by_progress",
    "make_population",
    "simulate",
    "team_flows",
    "team_step",
    "team_steps",
]

#: Engines ``simulate`` can run.
ENGINES = ("montecarlo", "pipeline")


def make_population(scenario: Scenario, seed: int | None = None) -> Population:
    """The scenario's sales team, drawn from the population stream of ``seed``.

    The default seed is the team's own (``team.seed``, else the scenario's), not a
    run's: the team is a fact of the scenario, so every run seed, and the optimiser
    that sets per-rep targets, sees the same reps.
    """
    if seed is None:
        seed = scenario.team.seed if scenario.team.seed is not None else scenario.simulation.seed
    sat = scenario.market.satisfaction
    return build_population(
        scenario.team,
        population_rng(seed),
        sat.mean,
        sat.rep_sd,
        scenario.base_dir,
        scenario.source or "<scenario>",
    )


def check_roster_targets(scenario: Scenario, population: Population) -> None:
    """Every measure that takes its target from the roster finds its column there, and
    every plan's crediting rules name the team's roles."""
    origin = scenario.source or "<scenario>"
    for where, plan in (
        ("plan", scenario.plan),
        *((f"variants.{n}", p) for n, p in scenario.variants.items()),
    ):
        for i, m in enumerate(plan.measures):
            if m.target_basis == "roster" and m.name not in population.targets:
                roster = scenario.team.roster or "no roster (the team is generated)"
                raise ScenarioError(
                    f"{origin}: {where}.measures[{i}].target_basis: takes {m.id}'s target "
                    f"from the roster, but {roster} has no target_{m.name} column"
                )
            if m.target_basis == "listed":
                missing = [n for n in population.name if n not in (m.rep_targets or {})]
                unknown = sorted(set(m.rep_targets or {}) - set(population.name))
                if missing or unknown:
                    what = (
                        f"has no target for rep {missing[0]!r}"
                        if missing
                        else f"names {unknown[0]!r}, who is not on the team"
                    )
                    raise ScenarioError(
                        f"{origin}: {where}.measures[{i}].rep_targets: {what} "
                        f"({len(missing)} missing, {len(unknown)} unknown)"
                    )
    check_credit(scenario.plans, population, origin)  # crediting rules fit the account teams


@dataclass(frozen=True)
class TeamStep:
    """What reps do for each other under one plan, applied to every chunk's outcomes
    (picklable, so any executor runs it): the help they give team-mates, then the
    referrals they pass to other sales teams and the scores their managers give."""

    help: np.ndarray  # help each rep gives (reps,)
    team_index: np.ndarray
    lift: float
    referrals: ReferralFlow | None
    score: ScoreFlow | None = None

    def __call__(self, outcomes: Outcomes, first: int) -> Outcomes:
        if self.help.any():
            outcomes = apply_help(outcomes, self.help, self.team_index, self.lift)
        for flow in (self.referrals, self.score):
            if flow is not None:
                outcomes = flow(outcomes, first, self.help)
        return outcomes


def _help_brings(outcomes: Outcomes, help: np.ndarray, scenario: Scenario, seed: int) -> Outcomes:
    """What help brings besides team-mates' bookings on the calibration sample, as
    ``scenario``'s market declares it: expected referrals, and assessed scores drawn
    from the calibration sample's own assessment stream."""
    mk = scenario.market
    if mk.referrals is not None:
        outcomes = expected_referrals(outcomes, help, mk.referrals)
    if mk.collaboration_score is not None:
        flow = ScoreFlow(mk.collaboration_score, seed, (ASSESSMENT, CALIBRATION))
        outcomes = flow(outcomes, 0, help)
    return outcomes


@dataclass(frozen=True)
class TeamFlows:
    """What flows between a team's reps besides help, on the streams of one seed: the
    referrals they pass (``[market.referrals]``), the scores their managers give
    (``[market.collaboration_score]``), and what help brings of both in expectation
    (what help's marginal pay is read from)."""

    referrals: ReferralFlow | None
    score: ScoreFlow | None
    expect: Callable[[Outcomes, np.ndarray], Outcomes]


def team_flows(scenario: Scenario, pop: Population, seed: int) -> TeamFlows:
    """The scenario's referral and score flows for ``pop`` on the streams of ``seed``.

    Raises ScenarioError naming ``market.referrals`` when some sales team has no
    account manager in another team to pass leads to."""
    ref, assessed = scenario.market.referrals, scenario.market.collaboration_score
    flow = None
    if ref is not None:
        try:
            flow = referral_flow(ref, scenario.market, pop, seed)
        except ValueError as exc:
            raise ScenarioError(f"{scenario.source or '<scenario>'}: market.{exc}") from None
    score = None if assessed is None else ScoreFlow(assessed, seed)
    expect = functools.partial(_help_brings, scenario=scenario, seed=seed)
    return TeamFlows(flow, score, expect)


def team_step(
    plan: Plan,
    help_spec: HelpSpec | None,
    sample: TeamSample | None,
    pop: Population,
    flows: TeamFlows,
) -> TeamStep | None:
    """What reps do for each other under ``plan``: the help they choose on the
    calibration ``sample`` (when ``help_spec`` is on), then ``flows``; ``None`` when
    nothing flows. The one place a plan's team step is made, for a simulation and
    for the optimiser's tables alike."""
    helping = help_spec is not None and help_spec.enabled and sample is not None
    help = (
        choose_help(plan, sample, pop, help_spec, flow=flows.expect)
        if helping
        else np.zeros(pop.size)
    )
    if help.any() or flows.referrals is not None or flows.score is not None:
        lift = help_spec.lift if helping else 0.0
        return TeamStep(help, pop.team_index, lift, flows.referrals, flows.score)
    return None


def team_steps(
    spec: BehaviourSpec | None,
    plans: dict[str, Plan],
    scenario: Scenario,
    pop: Population,
    seed: int,
) -> dict[str, TeamStep]:
    """Per plan, the help its reps give (when reps respond, ``spec``, and the plan pays
    on help or team-mates' results), the referrals they pass (``[market.referrals]``)
    and their assessed collaboration scores (``[market.collaboration_score]``)."""
    flows = team_flows(scenario, pop, seed)
    helping = spec is not None and spec.help.enabled
    sample = (
        TeamSample(scenario.market, pop, spec.effort.calibration_trials, seed) if helping else None
    )
    out = {}
    for name, plan in plans.items():
        step = team_step(plan, spec.help if helping else None, sample, pop, flows)
        if step is not None:
            out[name] = step
    return out


def simulate(
    scenario: Scenario,
    variants: Sequence[str] | None = None,
    *,
    trials: int | None = None,
    seed: int | None = None,
    chunk_trials: int | None = None,
    workers: int | None = None,
    executor: Executor | None = None,
    behaviour: BehaviourSpec | bool | None = None,
    keep_outcomes: bool = False,
    progress: Callable[[int, int], None] | None = None,
    engine: str = "montecarlo",
    rep_years: bool = False,
    respond: Callable[[Behaviour], Behaviour] | None = None,
) -> SimulationResult:
    """Simulate the scenario's plans (base first, then ``variants``; default all).

    ``trials``, ``seed`` and ``chunk_trials`` default to the scenario's
    simulation settings. ``workers`` threads (default: up to 2) run chunks in
    parallel unless an ``executor`` is given. The result is the same for any
    chunk size, worker count or executor. ``engine`` is ``"montecarlo"`` or
    ``"pipeline"`` (the SimPy key-account pipeline: replications on processes).
    ``respond`` wraps each plan's behaviour model when reps respond to the plan (the
    check-in shows them the actual months through it).

    Metrics and reports read each variant's bounded summary, accumulated as chunks
    finish; memory does not grow with trials x reps. The per-(trial, rep) arrays
    (each variant's ``outcome`` and ``actuals``) are kept only with
    ``rep_years=True``; otherwise they are ``None``.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; expected one of {', '.join(ENGINES)}")
    sim = scenario.simulation
    trials = sim.trials if trials is None else int(trials)
    seed = sim.seed if seed is None else int(seed)
    if trials < 1:
        raise ValueError("trials must be >= 1")
    all_plans = scenario.plans
    names = [
        "base",
        *(v for v in (variants if variants is not None else scenario.variants) if v != "base"),
    ]
    for v in names:
        if v not in all_plans:
            known = ", ".join(scenario.variants) or "none"
            raise KeyError(f"unknown variant {v!r}; the scenario's variants: {known}")
    plans = {v: all_plans[v] for v in dict.fromkeys(names)}
    pop = make_population(scenario)
    check_roster_targets(scenario, pop)
    reuse_freed()  # the calibration's arrays too: freed memory reused, not fresh pages
    spec = {None: scenario.behaviour, True: scenario.behaviour.all_on()}.get(behaviour, behaviour)
    behaviours = models = {}
    if isinstance(spec, BehaviourSpec) and spec.enabled:
        behaviours = models = build_behaviours(spec, plans, scenario.market, pop, seed)
        if respond is not None:
            behaviours = {name: respond(b) for name, b in models.items()}
    co_sell = bool(behaviours) and spec.help.enabled and engine == "pipeline" and co_selling(pop)
    if co_sell:
        # Help is co-selling, as events: each plan's reps accept their share of requests.
        accept = co_selling_help(
            plans, spec.help, scenario.market, scenario.pipeline, pop,
            spec.effort.calibration_trials, seed,
        )  # fmt: skip
        behaviours = {name: CoSelling(b, accept[name]) for name, b in behaviours.items()}
    # Referrals and assessed scores flow in both engines; help scales bookings only
    # where it is not already co-selling events.
    helps = team_steps(spec if behaviours and not co_sell else None, plans, scenario, pop, seed)
    pull = spec.timing.pull_discount if behaviours else MonteCarloEngine.pull_discount
    eng: Engine
    if engine == "pipeline":
        eng = PipelineEngine(scenario.market, pop, scenario.pipeline, 12, pull)
    else:
        months = spec.timing.pull_months if behaviours else 1
        per = spec.timing.pull_discount_per if behaviours else "month"
        eng = MonteCarloEngine(
            scenario.market, pop, pull_discount=pull, pull_months=months, pull_discount_per=per
        )
    n_workers = workers or min(2, os.cpu_count() or 1)
    bounds = chunk_bounds(eng, trials, chunk_trials or sim.chunk_trials, n_workers)
    collect = Collector(trials, pop.size, rep_years)
    run_chunks(
        chunk_task(eng, seed, plans, behaviours, keep_outcomes, trials, helps, rep_years),
        bounds,
        collect.add,
        pool=eng.pool,
        workers=n_workers,
        executor=executor,
        progress=progress,
    )
    out = {name: collect.variant(name, plan, models.get(name)) for name, plan in plans.items()}
    release_freed()  # what the run freed goes back to the system, not kept for the next
    return SimulationResult(
        scenario=scenario,
        population=pop,
        seed=seed,
        trials=trials,
        variants=out,
        draws=collect.draws,
        outcomes=collect.outcomes(),
    )
