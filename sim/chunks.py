"""The one chunk loop: simulate trials chunk by chunk on any engine, pay every plan.

A chunk is a run of whole engine units (see :class:`sim.engine.Engine`), so the
result for a seed is the same for any chunk size, worker count or executor.
Under a plan-independent behaviour (the foundation's fixed effort) all plans
are paid on one outcome table — common random numbers by construction; a
plan-dependent behaviour re-simulates each plan from the same streams.

Chunks go through a ``concurrent.futures.Executor`` — a thread pool, a process
pool or a Dask client's executor. A chunk task is a module-level function of
plain arguments (picklable) and a pure function of its stream addresses, so a
task lost with a worker is simply run again with the same result.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor, as_completed
from dataclasses import fields

import numpy as np

from .behaviour import Behaviour, FixedEffort
from .behaviour.dynamics import paid_flow_measures
from .behaviour.model import PlanBehaviour
from .crediting import credited_actuals, originated
from .engine import Engine, TrialSlices
from .executors import close_pool, process_pool
from .measures import MEASURES
from .outcomes import Outcomes
from .payout import PlanOutcome, evaluate_plan, plan_targets
from .plan import Plan
from .population import Population
from .results import VariantResult
from .summary import BlockSum, SummaryCollector, block_pieces, chunk_summary
from .trim import release_freed, reuse_freed

__all__ = [
    "BEHAVIOUR_ACTUALS",
    "CHUNK_REP_TRIALS",
    "KEPT_MEASURES",
    "PROGRESS_BINS",
    "ChunkResult",
    "Collector",
    "annual_actuals",
    "chunk_bounds",
    "effort_by_progress",
    "pay_outcomes",
    "run_chunks",
    "simulate_chunk",
]

#: Rep-trials simulated at once per chunk (bounds the memory of chunks in flight): a
#: chunk is cut into slices of this many rep-trials when its stream block is larger.
CHUNK_REP_TRIALS = 100_000
#: Chunks per worker for engines on processes (load balance of uneven replications).
CHUNKS_PER_WORKER = 8
#: Annual measure values kept per (trial, rep) besides the plan's own measures.
KEPT_MEASURES = ("revenue", "gross_margin")
#: Annual help given, per (trial, rep), where an engine records it (pipeline co-selling).
HELP_ACTUALS = {"co_sell_deals": "help_count", "co_sell_days": "help_days"}
#: Annual values kept when the behaviour model is on (zero without it).
BEHAVIOUR_ACTUALS = ("pulled_in", "pushed_out", "timing_discount", "left")
#: Bins of attainment to date (share of the period target) for the effort profile.
PROGRESS_BINS = np.linspace(0.0, 2.0, 21)


def annual_actuals(outcomes: Outcomes, plan: Plan, behaviour: bool) -> dict[str, np.ndarray]:
    """Annual values kept per (trial, rep): the plan's measures, revenue, margin and,
    when reps respond to the plan, what deal timing moved and who left."""
    names = [m.name for m in plan.measures] + list(KEPT_MEASURES)
    have = set(outcomes.components)  # a collaboration score, say, is not simulated
    names = [n for n in names if set(MEASURES[n].numerator + MEASURES[n].denominator) <= have]
    out = {n: outcomes.measure(n, 1)[..., 0].astype(np.float32) for n in dict.fromkeys(names)}
    for name, comp in HELP_ACTUALS.items():
        if comp in have:
            out[name] = outcomes.components[comp].sum(-1).astype(np.float32)
    if behaviour:
        c = outcomes.components
        for k in BEHAVIOUR_ACTUALS[:-1]:
            out[k] = c[k].sum(-1).astype(np.float32)
        out["left"] = (c["present"].min(-1) < 1.0).astype(np.float32)
    return out


def progress_bin(progress: np.ndarray) -> np.ndarray:
    """The :data:`PROGRESS_BINS` bin of each attainment to date (below the first edge:
    the first bin; at or past the last: the last), as ``np.digitize`` gives it, from
    one division and a check of the edges on either side instead of a binary search
    per value (the bins are evenly spaced; the division is off by at most one)."""
    edges, last = PROGRESS_BINS, len(PROGRESS_BINS) - 1
    progress = np.asarray(progress, dtype=float)
    guess = np.floor((progress - edges[0]) / (edges[1] - edges[0]))
    guess = np.clip(np.nan_to_num(guess, nan=last), 0, last)  # NaN: the last bin
    b = np.asarray(guess.astype(np.intp))
    b -= progress < edges[b]
    b = np.clip(b, 0, last)
    b += (progress >= edges[np.minimum(b + 1, last)]) & (b < last)
    return b


def effort_by_progress(outcomes: Outcomes, plan: Plan, pop: Population) -> np.ndarray:
    """Effort against attainment to date at the start of each month, per trial.

    Returns (trials, 2, 3, bins): sums of effort and counts, by the month's
    position in its period (first, middle, last) and attainment-to-date bin, on
    the plan's first bookings-driven measure (revenue for most plans). Reps without
    a target on it (an overlay paid on other measures) are left out.
    """
    t, r, months = outcomes.shape
    nb = len(PROGRESS_BINS)
    out = np.zeros((t, 2, 3, nb))
    flow = paid_flow_measures(plan)
    if not flow:
        return out
    m, comps = flow[0]
    per = months // plan.periods
    target = plan_targets(plan, pop)[m.id]  # (reps, periods)
    has_target = target > 0  # overlays may have none
    k = np.arange(months) % per
    position = np.where(k == per - 1, 2, np.where(k == 0, 0, 1))  # first, middle, last month
    first = np.arange(t)[:, None] * 3 * nb  # each trial's first bin
    # Worked month by month on (trials, reps) arrays, as the engines store components
    # (each month's values contiguous, small enough to stay in cache), into the index
    # in (trial, rep, month) order, as bincount has always summed them.
    index = np.empty((t, r, months), dtype=np.intp)
    total = None
    for mo in range(months):  # the period's running total, then less the month itself
        month = sum(outcomes.components[c][..., mo] for c in comps)
        total = month.copy() if mo % per == 0 else np.add(total, month, out=total)
        tm, ok = target[:, mo // per], has_target[:, mo // per]
        progress = np.divide(total - month, tm, out=np.zeros((t, r)), where=ok)
        index[..., mo] = progress_bin(progress) + (first + position[mo] * nb)
    index = index.ravel()
    size = t * 3 * nb
    effort = outcomes.components["effort"].ravel()
    if has_target.all():  # every rep counts: counts without weights (the same sums)
        counts = np.bincount(index, minlength=size)
    else:
        by_month = np.repeat(has_target, per, axis=1)  # (reps, months)
        counted = np.broadcast_to(by_month, (t, r, months)).ravel().astype(float)
        effort, counts = effort * counted, np.bincount(index, counted, size)
    out[:, 0] = np.bincount(index, effort, size).reshape(t, 3, nb)
    out[:, 1] = counts.reshape(t, 3, nb)
    return out


def pay_outcomes(
    plan: Plan, outcomes: Outcomes, pop: Population, keep: bool, behaviour: bool
) -> dict:
    """One plan paid on one chunk's outcomes: the arrays a variant result is made of.

    Rep bookings by month are returned per trial (trials, reps, months), to be
    summed by stream block, a fixed grouping, so the total does not depend on the
    chunking. Without a behaviour model the effort profile is all zeros and left
    out (``None``), so chunks travel light to and from cluster workers.
    """
    outcomes = originated(outcomes, pop)  # overlays book nothing of their own
    bookings = outcomes.components["new_value"] + outcomes.components["xsell_value"]
    # (trials, reps, periods) per measure is the largest table: kept on request
    outcome = evaluate_plan(plan, outcomes, pop, keep_periods=keep)
    return {
        "outcome": outcome,
        "actuals": annual_actuals(outcomes, plan, behaviour)
        | credited_actuals(outcomes, plan, pop),
        "bookings_by_month": bookings.sum(1),
        # Effort is 1.0 everywhere when reps do not respond: nothing to tabulate.
        "effort_by_progress": effort_by_progress(outcomes, plan, pop) if behaviour else None,
        "rep_bookings": bookings,
    }


@dataclasses.dataclass(frozen=True)
class ChunkResult:
    """What one chunk task hands back: per-plan arrays, variates drawn, outcomes kept."""

    first: int
    n: int
    parts: dict[str, dict]
    draws: int
    kept: Outcomes | None


def simulate_chunk(
    engine: Engine,
    seed: int,
    plans: dict[str, Plan],
    behaviours: dict[str, Behaviour],
    keep: bool,
    trials: int,
    bounds: tuple[int, int],
    helps: dict[str, Callable[[Outcomes, int], Outcomes]] | None = None,
    rep_years: bool = True,
) -> ChunkResult:
    """Simulate trials ``bounds = (first, n)`` of a run of ``trials`` and pay every
    plan on them; ``helps`` adds, per plan, what reps do for each other (help to
    team-mates, referrals to other teams: ``helps[plan](outcomes, first)``).

    Each plan is reduced to its summary (:func:`sim.summary.chunk_summary`); the
    per-(trial, rep) arrays travel back only with ``rep_years``."""
    reuse_freed()  # big temporary arrays reuse freed memory, not fresh pages
    first, n = bounds
    large = n * engine.population.size > CHUNK_REP_TRIALS
    if not behaviours and large and isinstance(engine, TrialSlices):
        # A large team's block, a slice of trials at a time (fixed effort).
        paid, draws, kept = pay_in_slices(engine, seed, first, n, plans, keep, helps)
        parts, base = {}, None
        for name, plan in plans.items():
            parts[name], base = _reduce(
                paid[name], plan, engine.population, first, trials, base, rep_years
            )
        del paid
        release_freed()
        return ChunkResult(first, n, parts, draws, kept)
    shared = None
    if not behaviours:
        shared = engine.simulate_trials(seed, first, n, FixedEffort())
    parts, draws, first_oc, base = {}, 0, None, None
    for name, plan in plans.items():
        oc = (
            shared
            if shared is not None
            else engine.simulate_trials(seed, first, n, behaviours[name], plan)
        )
        if helps and name in helps:
            oc = helps[name](oc, first)
        part = pay_outcomes(plan, oc, engine.population, keep, bool(behaviours))
        parts[name], base = _reduce(part, plan, engine.population, first, trials, base, rep_years)
        draws += 0 if shared is not None else oc.draws
        first_oc = oc if first_oc is None else first_oc
    if shared is not None:
        draws = shared.draws
    kept = first_oc  # the base plan's, with what reps do for each other (help, referrals)
    return ChunkResult(first, n, parts, draws, kept if keep else None)


def _reduce(
    part: dict,
    plan: Plan,
    pop: Population,
    first: int,
    trials: int,
    base: dict | None,
    rep_years: bool,
) -> tuple[dict, dict]:
    """A plan's paid chunk made ready to travel: rep bookings summed per stream block,
    the summary made (paired with ``base``, the first plan's pay and revenue), the
    per-(trial, rep) arrays dropped unless ``rep_years``. Returns it and the base."""
    part["rep_bookings"] = block_pieces(first, part["rep_bookings"], trials)
    part["summary"] = chunk_summary(
        plan, part["outcome"], part["actuals"], pop, first, trials, base
    )
    if base is None:  # the first plan is the base the others are paired with
        base = {"pay": part["outcome"].total, "revenue": part["actuals"]["revenue"]}
    if not rep_years:
        part["outcome"] = dataclasses.replace(
            part["outcome"],
            attainment={},
            payout={},
            true_up=None,
            total=None,
            weighted_attainment=None,
            period_attainment=None,
        )
        part["actuals"] = None
    return part, base


def pay_in_slices(
    engine: TrialSlices,
    seed: int,
    first: int,
    n: int,
    plans: dict[str, Plan],
    keep: bool,
    helps: dict[str, Callable[[Outcomes, int], Outcomes]] | None = None,
) -> tuple[dict[str, dict], int, Outcomes | None]:
    """Every plan paid on trials ``first ..`` of fixed effort, simulated and paid a
    slice of at most :data:`CHUNK_REP_TRIALS` rep-trials at a time; ``helps`` as in
    :func:`simulate_chunk` (their draws are addressed by trial, so a slice gets the
    ones the whole chunk would).

    Each slice holds the whole team of its trials, and paying a plan works trial by
    trial, so the paid arrays, joined in trial order, are those of the whole chunk at
    once: the same bytes. Returns the paid arrays per plan, the variates drawn and,
    with ``keep``, the chunk's outcomes (the base plan's, with what reps do for each
    other).
    """
    paid: dict[str, list[dict]] = {name: [] for name in plans}
    draws, kept = 0, []
    pop = engine.population  # type: ignore[attr-defined]
    for offset, oc in engine.trial_slices(seed, first, n, CHUNK_REP_TRIALS):
        seen = None
        for name, plan in plans.items():
            o = helps[name](oc, first + offset) if helps and name in helps else oc
            paid[name].append(pay_outcomes(plan, o, pop, keep, False))
            seen = o if seen is None else seen
        draws += oc.draws
        if keep:
            kept.append(seen)
    joined = {name: _join(parts) for name, parts in paid.items()}
    return joined, draws, Outcomes.concat(kept) if keep else None


def _join(parts: list):
    """Arrays of consecutive trial slices joined along trials (nested dicts and plan
    outcomes allowed; targets are the team's, the same in every slice)."""
    head = parts[0]
    if head is None:
        return None
    if isinstance(head, np.ndarray):
        return np.concatenate(parts)
    if isinstance(head, dict):
        return {k: _join([p[k] for p in parts]) for k in head}
    if isinstance(head, PlanOutcome):
        return dataclasses.replace(
            head,
            **{
                f.name: _join([getattr(p, f.name) for p in parts])
                for f in fields(PlanOutcome)
                if f.name != "targets"
            },
        )
    raise TypeError(type(head))


def chunk_bounds(
    engine: Engine, trials: int, chunk_trials: int, workers: int
) -> list[tuple[int, int]]:
    """Chunks [(first trial, trials), ...] of whole engine units.

    At most :data:`CHUNK_REP_TRIALS` rep-trials each (memory in flight); engines on
    processes are also cut into about :data:`CHUNKS_PER_WORKER` chunks per worker,
    so that uneven replications balance.
    """
    unit = engine.unit
    size = min(chunk_trials, max(1, CHUNK_REP_TRIALS // max(engine.population.size, 1)))
    if engine.pool == "processes":
        size = min(size, -(-trials // max(1, workers * CHUNKS_PER_WORKER)))
    size = max(unit, size // unit * unit)
    return [(f, min(size, trials - f)) for f in range(0, trials, size)]


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


class Collector:
    """Gathers chunk results in place, so peak memory is the result plus the chunks in flight.

    Each plan's summary is gathered as chunks finish (:class:`sim.summary.SummaryCollector`),
    and so are per-year arrays; per-(trial, rep) arrays only when a run keeps them
    (``rep_years``). Rep bookings are summed per stream block and folded in block order,
    so their total is the same for any chunking.
    """

    def __init__(self, trials: int, reps: int, rep_years: bool = True):
        self.trials = trials
        self.reps = reps
        self.rep_years = rep_years
        self.store: dict[str, dict] = {}
        self.targets: dict[str, dict] = {}
        self.summaries: dict[str, SummaryCollector] = {}
        self.bookings: dict[str, BlockSum] = {}
        self.kept: list[tuple[int, Outcomes]] = []
        self.draws = 0

    def add(self, result: ChunkResult) -> None:
        trial_sl = slice(result.first, result.first + result.n)
        for name, p in result.parts.items():
            st = self.store.setdefault(name, {})
            po = p["outcome"]
            self.targets[name] = po.targets
            for f in fields(PlanOutcome):
                if f.name != "targets":
                    st[f.name] = _place(st.get(f.name), getattr(po, f.name), trial_sl, self.trials)
            for key in ("actuals", "bookings_by_month", "effort_by_progress"):
                st[key] = _place(st.get(key), p[key], trial_sl, self.trials)
            self.bookings.setdefault(name, BlockSum(self.trials)).add(p["rep_bookings"])
            summary = p["summary"]
            self.summaries.setdefault(name, SummaryCollector(self.trials, self.reps)).add(
                result.first, summary
            )
        self.draws += result.draws
        if result.kept is not None:
            self.kept.append((result.first, result.kept))

    def variant(self, name: str, plan: Plan, behaviour: PlanBehaviour | None) -> VariantResult:
        st = self.store[name]
        outcome = None
        if self.rep_years:
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
            rep_bookings_by_month=self.bookings[name].total / self.trials,
            effort_by_progress=st["effort_by_progress"]
            if st["effort_by_progress"] is not None
            else np.zeros((self.trials, 2, 3, len(PROGRESS_BINS))),
            behaviour=behaviour,
            summary=self.summaries[name].summary(),
        )

    def outcomes(self) -> Outcomes | None:
        if not self.kept:
            return None
        return Outcomes.concat([o for _, o in sorted(self.kept, key=lambda x: x[0])])


def run_chunks(
    task: Callable[[tuple[int, int]], ChunkResult],
    bounds: list[tuple[int, int]],
    collect: Callable[[ChunkResult], None],
    *,
    pool: str = "threads",
    workers: int | None = None,
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Run ``task`` on every chunk of ``bounds`` and hand each result to ``collect``
    as it finishes; on ``executor`` if given, else on a local pool of ``workers``
    (default: up to 2) threads or processes, or in this thread for one worker."""
    n_workers = workers or min(2, os.cpu_count() or 1)
    own = executor is None and n_workers > 1 and len(bounds) > 1
    kind = process_pool if pool == "processes" else ThreadPoolExecutor
    runner = kind(n_workers) if own else executor
    done = 0
    failed = True
    try:
        if runner is None:
            for b in bounds:
                collect(task(b))
                done += 1
                if progress:
                    progress(done, len(bounds))
        else:
            futures = {runner.submit(task, b): b for b in bounds}
            for fut in as_completed(futures):
                del futures[fut]  # a collected chunk is not kept alive by its future
                collect(fut.result())
                done += 1
                if progress:
                    progress(done, len(bounds))
        failed = False
    finally:
        if own:
            close_pool(runner, failed)


def chunk_task(
    engine, seed, plans, behaviours, keep, trials, helps=None, rep_years=True
) -> Callable[[tuple[int, int]], ChunkResult]:
    """The picklable chunk task of a run (a partial of :func:`simulate_chunk`)."""
    return functools.partial(
        simulate_chunk,
        engine,
        seed,
        plans,
        behaviours,
        keep,
        trials,
        helps=helps,
        rep_years=rep_years,
    )
