"""Run a scenario: draw outcomes chunk by chunk, pay every plan variant on them.

Chunks are whole stream blocks (see :mod:`sim.streams`), so the result for a
seed is the same for any chunk size and any number of workers. Under a
plan-independent behaviour (the foundation's fixed effort) all variants are
paid on one outcome table — common random numbers by construction; a
plan-dependent behaviour re-simulates each variant from the same streams.

Parallel chunks go through a ``concurrent.futures.Executor``; numpy releases
the GIL while drawing, so the default is a thread pool over chunks.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, fields

import numpy as np

from .behaviour import Behaviour, FixedEffort
from .behaviour.collaboration import apply_help, choose_help
from .behaviour.dynamics import paid_flow_measures
from .behaviour.model import PlanBehaviour, build_behaviours
from .behaviour.response import TeamSample
from .behaviour.spec import BehaviourSpec
from .crediting import check_credit, credited_actuals, originated
from .errors import ScenarioError
from .measures import MEASURES
from .montecarlo import MonteCarloEngine
from .outcomes import Outcomes
from .payout import PlanOutcome, evaluate_plan, plan_targets
from .plan import Plan
from .population import Population, build_population
from .scenario import Scenario
from .streams import BLOCK_TRIALS, block_bounds, population_rng

__all__ = ["SimulationResult", "VariantResult", "make_population", "simulate"]

#: Engines ``simulate`` can run.
ENGINES = ("montecarlo", "pipeline")
#: Rep-trials simulated at once per chunk (bounds the memory of chunks in flight).
CHUNK_REP_TRIALS = 100_000

#: Annual measure values kept per (trial, rep) besides the plan's own measures.
KEPT_MEASURES = ("revenue", "gross_margin")
#: Annual values kept when the behaviour model is on (zero without it).
BEHAVIOUR_ACTUALS = ("pulled_in", "pushed_out", "timing_discount", "left")


@dataclass(frozen=True)
class VariantResult:
    """One plan variant simulated: payouts and the outcomes it was paid on."""

    name: str
    plan: Plan
    outcome: PlanOutcome
    actuals: dict[str, np.ndarray]  # annual value per measure, (trials, reps)
    bookings_by_month: np.ndarray  # company bookings (trials, months)
    rep_bookings_by_month: np.ndarray  # mean bookings per rep and month (reps, months)
    effort_by_progress: np.ndarray  # (trials, 2, 3, bins): effort sum and count by position
    behaviour: PlanBehaviour | None = None  # the reps' response to this plan, when modelled


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


def _annual_actuals(outcomes: Outcomes, plan: Plan, behaviour: bool) -> dict[str, np.ndarray]:
    """Annual values kept per (trial, rep): the plan's measures, revenue, margin and,
    when reps respond to the plan, what deal timing moved and who left."""
    names = [m.name for m in plan.measures] + list(KEPT_MEASURES)
    have = set(outcomes.components)
    names = [n for n in names if set(MEASURES[n].numerator + MEASURES[n].denominator) <= have]
    out = {n: outcomes.measure(n, 1)[..., 0].astype(np.float32) for n in dict.fromkeys(names)}
    if behaviour:
        c = outcomes.components
        for k in BEHAVIOUR_ACTUALS[:-1]:
            out[k] = c[k].sum(-1).astype(np.float32)
        out["left"] = (c["present"].min(-1) < 1.0).astype(np.float32)
    return out


#: Bins of attainment to date (share of the period target) for the effort profile.
PROGRESS_BINS = np.linspace(0.0, 2.0, 21)


def effort_by_progress(outcomes: Outcomes, plan: Plan, pop: Population) -> np.ndarray:
    """Effort against attainment to date at the start of each month, per trial.

    Returns (trials, 2, 3, bins): sums of effort and counts, by the month's
    position in its period (first, middle, last) and attainment-to-date bin, on
    the plan's first bookings-driven measure (revenue for most plans).
    """
    t, r, months = outcomes.shape
    nb = len(PROGRESS_BINS)
    out = np.zeros((t, 2, 3, nb))
    flow = paid_flow_measures(plan)
    if not flow:
        return out
    m, comps = flow[0]
    per = months // plan.periods
    monthly = sum(outcomes.components[c] for c in comps).reshape(t, r, plan.periods, per)
    to_date = (np.cumsum(monthly, -1) - monthly).reshape(t, r, months)
    target = np.repeat(plan_targets(plan, pop)[m.id], per, axis=1)  # (reps, months)
    progress = to_date / target[None]
    k = np.arange(months) % per
    position = np.where(k == per - 1, 2, np.where(k == 0, 0, 1))  # first, middle, last month
    bins = np.clip(np.digitize(progress, PROGRESS_BINS) - 1, 0, nb - 1)
    index = ((np.arange(t)[:, None, None] * 3 + position[None, None, :]) * nb + bins).ravel()
    size = t * 3 * nb
    effort = outcomes.components["effort"].ravel()
    out[:, 0] = np.bincount(index, effort, size).reshape(t, 3, nb)
    out[:, 1] = np.bincount(index, minlength=size).reshape(t, 3, nb)
    return out


def _pay(plan: Plan, outcomes: Outcomes, pop: Population, keep: bool, behaviour: bool) -> dict:
    outcomes = originated(outcomes, pop)  # overlays book nothing of their own
    bookings = outcomes.components["new_value"] + outcomes.components["xsell_value"]
    outcome = evaluate_plan(plan, outcomes, pop)
    if not keep:  # (trials, reps, periods) per measure is the largest table; keep on request
        outcome = dataclasses.replace(outcome, period_attainment=None)
    return {
        "outcome": outcome,
        "actuals": _annual_actuals(outcomes, plan, behaviour)
        | credited_actuals(outcomes, plan, pop),
        "bookings_by_month": bookings.sum(1),
        # Effort is 1.0 everywhere when reps do not respond: nothing to tabulate.
        "effort_by_progress": effort_by_progress(outcomes, plan, pop)
        if behaviour
        else np.zeros((outcomes.trials, 2, 3, len(PROGRESS_BINS))),
        # Summed per stream block (fixed size), so the total is the same for any chunking.
        "rep_bookings_sum": np.stack(
            [bookings[i : i + BLOCK_TRIALS].sum(0) for i in range(0, len(bookings), BLOCK_TRIALS)]
        ),
    }


def _chunk_task(engine, seed, trials, plans, behaviours, keep, bounds, helps=None):
    return _chunk(engine, seed, bounds[0], bounds[1], trials, plans, behaviours, keep, helps)


def _chunk(
    engine: MonteCarloEngine,
    seed: int,
    first: int,
    n_blocks: int,
    trials: int,
    plans: dict[str, Plan],
    behaviours: dict[str, Behaviour],
    keep: bool,
    helps: dict[str, Callable[[Outcomes], Outcomes]] | None = None,
):
    shared = None
    if not behaviours:
        shared = engine.simulate_blocks(seed, first, n_blocks, trials, FixedEffort())
    parts, draws, first_oc = {}, 0, None
    for name, plan in plans.items():
        oc = (
            shared
            if shared is not None
            else engine.simulate_blocks(seed, first, n_blocks, trials, behaviours[name], plan)
        )
        if helps and name in helps:
            oc = helps[name](oc)
        parts[name] = _pay(plan, oc, engine.population, keep, bool(behaviours))
        draws += 0 if shared is not None else oc.draws
        first_oc = oc if first_oc is None else first_oc
    if shared is not None:
        draws = shared.draws
    kept = shared if shared is not None else first_oc  # with behaviour: the base plan's
    return parts, draws, (kept if keep else None)


def _place(store, part, sl: slice, total: int):
    """Copy a chunk's arrays into preallocated full-length arrays (nested dicts allowed)."""
    if part is None:
        return None
    if isinstance(part, np.ndarray):
        if store is None:
            store = np.empty((total, *part.shape[1:]), dtype=part.dtype)
        store[sl] = part
        return store
    if isinstance(part, dict):
        store = {} if store is None else store
        for k, v in part.items():
            store[k] = _place(store.get(k), v, sl, total)
        return store
    raise TypeError(type(part))


class _Collector:
    """Gathers chunk results in place, so peak memory is the result plus the chunks in flight."""

    def __init__(self, trials: int, n_blocks: int):
        self.trials, self.n_blocks = trials, n_blocks
        self.store: dict[str, dict] = {}
        self.targets: dict[str, dict] = {}
        self.kept: list = []
        self.draws = 0

    def add(self, first_block: int, n_blocks: int, result) -> None:
        parts, draws, kept = result
        t0 = first_block * BLOCK_TRIALS
        trial_sl = slice(t0, min(t0 + n_blocks * BLOCK_TRIALS, self.trials))
        block_sl = slice(first_block, first_block + n_blocks)
        for name, p in parts.items():
            st = self.store.setdefault(name, {})
            po = p["outcome"]
            self.targets[name] = po.targets
            for f in fields(PlanOutcome):
                if f.name != "targets":
                    st[f.name] = _place(st.get(f.name), getattr(po, f.name), trial_sl, self.trials)
            for key in ("actuals", "bookings_by_month", "effort_by_progress"):
                st[key] = _place(st.get(key), p[key], trial_sl, self.trials)
            st["rep_bookings_sum"] = _place(
                st.get("rep_bookings_sum"), p["rep_bookings_sum"], block_sl, self.n_blocks
            )
        self.draws += draws
        if kept is not None:
            self.kept.append((first_block, kept))

    def variant(self, name: str, plan: Plan, behaviour: PlanBehaviour | None) -> VariantResult:
        st = self.store[name]
        outcome = PlanOutcome(
            targets=self.targets[name],
            **{f.name: st[f.name] for f in fields(PlanOutcome) if f.name != "targets"},
        )
        return VariantResult(
            name=name,
            plan=plan,
            outcome=outcome,
            actuals=st["actuals"],
            bookings_by_month=st["bookings_by_month"],
            rep_bookings_by_month=st["rep_bookings_sum"].sum(0) / self.trials,
            effort_by_progress=st["effort_by_progress"],
            behaviour=behaviour,
        )

    def outcomes(self) -> Outcomes | None:
        if not self.kept:
            return None
        return Outcomes.concat([o for _, o in sorted(self.kept, key=lambda x: x[0])])


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
) -> SimulationResult:
    """Simulate the scenario's plans (base first, then ``variants``; default all).

    ``trials``, ``seed`` and ``chunk_trials`` default to the scenario's
    simulation settings. ``workers`` threads (default: up to 2) run chunks in
    parallel unless an ``executor`` is given. The result is the same for any
    chunk size, worker count or executor. ``engine`` is ``"montecarlo"`` or
    ``"pipeline"`` (the SimPy key-account pipeline: replications on processes).
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
    behaviours = {}
    if isinstance(spec, BehaviourSpec) and spec.enabled:
        behaviours = build_behaviours(spec, plans, scenario.market, pop, seed)
    helps = {}
    if behaviours and spec.help.enabled:
        helps = team_help(spec, plans, scenario, pop, seed)
    pull = spec.timing.pull_discount if behaviours else MonteCarloEngine.pull_discount
    if engine == "pipeline":
        from .pipeline.simulate import simulate_pipeline

        args = (scenario, pop, seed, trials, plans, behaviours, pull, keep_outcomes)
        return simulate_pipeline(*args, workers, executor, progress)
    engine = MonteCarloEngine(scenario.market, pop)
    if behaviours:
        engine = MonteCarloEngine(scenario.market, pop, pull_discount=spec.timing.pull_discount)
    chunk = chunk_trials or sim.chunk_trials
    chunk = max(1, min(chunk, max(1, CHUNK_REP_TRIALS // max(pop.size, 1))))
    bounds = block_bounds(trials, chunk)

    # A module-level function and plain arguments: picklable, so a process pool
    # (or a Dask client's executor) can run chunks as well as a thread pool.
    task = functools.partial(
        _chunk_task, engine, seed, trials, plans, behaviours, keep_outcomes, helps=helps
    )

    n_blocks = bounds[-1][0] + bounds[-1][1]
    collect = _Collector(trials, n_blocks)
    done = 0
    n_workers = workers or min(2, os.cpu_count() or 1)
    own = executor is None and n_workers > 1 and len(bounds) > 1
    pool = ThreadPoolExecutor(n_workers) if own else executor
    try:
        if pool is None:
            for b in bounds:
                collect.add(*b, task(b))
                done += 1
                if progress:
                    progress(done, len(bounds))
        else:
            futures = {pool.submit(task, b): b for b in bounds}
            for fut in as_completed(futures):
                collect.add(*futures.pop(fut), fut.result())
                done += 1
                if progress:
                    progress(done, len(bounds))
    finally:
        if own:
            pool.shutdown(cancel_futures=True)

    out = {name: collect.variant(name, plan, behaviours.get(name)) for name, plan in plans.items()}
    return SimulationResult(
        scenario=scenario,
        population=pop,
        seed=seed,
        trials=trials,
        variants=out,
        draws=collect.draws,
        outcomes=collect.outcomes(),
    )
