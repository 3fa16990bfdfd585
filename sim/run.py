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

from .behaviour import Behaviour
from .behaviour.collaboration import apply_help, choose_help
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
from .pipeline.engine import PipelineEngine
from .plan import Plan
from .population import Population, build_population
from .results import SimulationResult, VariantResult
from .scenario import Scenario
from .streams import population_rng

__all__ = [
    "BEHAVIOUR_ACTUALS",
    "CHUNK_REP_TRIALS",
    "ENGINES",
    "KEPT_MEASURES",
    "PROGRESS_BINS",
    "SimulationResult",
    "VariantResult",
    "check_roster_targets",
    "effort_by_progress",
    "make_population",
    "simulate",
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


def team_help(
    spec: BehaviourSpec, plans: dict[str, Plan], scenario: Scenario, pop: Population, seed: int
) -> dict[str, Callable[[Outcomes], Outcomes]]:
    """Per plan that pays reps on team-mates' results, the help its reps give, as a
    step applied to every chunk's outcomes (picklable, so any executor runs it)."""
    sample = TeamSample(scenario.market, pop, spec.effort.calibration_trials, seed)
    out = {}
    for name, plan in plans.items():
        help = choose_help(plan, sample, pop, spec.help)
        if help.any():
            out[name] = functools.partial(
                apply_help, help=help, team_index=pop.team_index, lift=spec.help.lift
            )
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
    spec = {None: scenario.behaviour, True: scenario.behaviour.all_on()}.get(behaviour, behaviour)
    behaviours = models = {}
    if isinstance(spec, BehaviourSpec) and spec.enabled:
        behaviours = models = build_behaviours(spec, plans, scenario.market, pop, seed)
        if respond is not None:
            behaviours = {name: respond(b) for name, b in models.items()}
    helps = {}
    if behaviours and spec.help.enabled:
        helps = team_help(spec, plans, scenario, pop, seed)
    pull = spec.timing.pull_discount if behaviours else MonteCarloEngine.pull_discount
    eng: Engine
    if engine == "pipeline":
        eng = PipelineEngine(scenario.market, pop, scenario.pipeline, 12, pull)
    else:
        months = spec.timing.pull_months if behaviours else 1
        eng = MonteCarloEngine(scenario.market, pop, pull_discount=pull, pull_months=months)
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
    return SimulationResult(
        scenario=scenario,
        population=pop,
        seed=seed,
        trials=trials,
        variants=out,
        draws=collect.draws,
        outcomes=collect.outcomes(),
    )
