"""``simulate(..., engine="pipeline")``: the scenario's plans paid on pipeline outcomes.

Replications stand in for trials. They are simulated and paid in chunks of
whole stream blocks (memory stays bounded, as with the Monte Carlo engine) on
one process pool. Without a plan-dependent behaviour every plan is paid on one
outcome table (common random numbers by construction); with one, each plan is
simulated from the same replication streams.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor

from ..behaviour import Behaviour
from ..plan import Plan
from ..population import Population
from ..scenario import Scenario
from ..streams import BLOCK_TRIALS
from .engine import PipelineEngine
from .replications import batches, run_replications

__all__ = ["simulate_pipeline"]


def simulate_pipeline(
    scenario: Scenario,
    population: Population,
    seed: int,
    trials: int,
    plans: dict[str, Plan],
    behaviours: dict[str, Behaviour],
    pull_discount: float,
    keep_outcomes: bool = False,
    workers: int | None = None,
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
):
    """Run the pipeline engine for every plan and collect a :class:`SimulationResult`."""
    from ..run import CHUNK_REP_TRIALS, SimulationResult, _Collector, _pay

    engine = PipelineEngine(scenario.market, population, scenario.pipeline, 12, pull_discount)
    n_blocks = -(-trials // BLOCK_TRIALS)
    per_chunk = max(1, CHUNK_REP_TRIALS // max(population.size, 1) // BLOCK_TRIALS)
    chunks = [(b, min(per_chunk, n_blocks - b)) for b in range(0, n_blocks, per_chunk)]
    collect = _Collector(trials, n_blocks)
    n_workers = workers or min(2, os.cpu_count() or 1)
    own = executor is None and n_workers > 1
    pool = ProcessPoolExecutor(n_workers) if own else executor
    sizes = [min(trials, (b + k) * BLOCK_TRIALS) - b * BLOCK_TRIALS for b, k in chunks]
    runs_per_chunk = len(plans) if behaviours else 1
    steps = runs_per_chunk * sum(len(batches(n, n_workers)) for n in sizes)
    done = 0

    def tick(d: int, total: int) -> None:  # progress by batch of replications
        if progress:
            progress(done + d, steps)

    try:
        for first_block, blocks in chunks:
            first = first_block * BLOCK_TRIALS
            n = min(trials, (first_block + blocks) * BLOCK_TRIALS) - first
            parts, draws, kept, shared = {}, 0, None, None
            for name, plan in plans.items():
                if shared is None or behaviours:
                    run = run_replications(
                        engine,
                        seed,
                        n,
                        behaviour=behaviours.get(name),
                        plan=plan if behaviours else None,
                        workers=n_workers,
                        executor=pool,
                        progress=tick,
                        first=first,
                    )
                    draws += run.outcomes.draws
                    shared = run.outcomes
                    done += len(batches(n, n_workers))
                kept = shared if kept is None else kept  # with behaviour: the base plan's
                parts[name] = _pay(plan, shared, population, keep_outcomes, bool(behaviours))
            collect.add(first_block, blocks, (parts, draws, kept if keep_outcomes else None))
    finally:
        if own:
            pool.shutdown(cancel_futures=True)
    return SimulationResult(
        scenario=scenario,
        population=population,
        seed=seed,
        trials=trials,
        variants={n: collect.variant(n, p, behaviours.get(n)) for n, p in plans.items()},
        draws=collect.draws,
        outcomes=collect.outcomes(),
    )
