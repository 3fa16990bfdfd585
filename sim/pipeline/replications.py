"""Replications across processes: the same result for any number of workers.

SimPy runs Python code under the GIL, so replications go to a process pool
(threads would not scale). Work is split into small batches of consecutive
replications for load balance; each replication draws from its own spawned
stream, so batching and worker count never change a number.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from concurrent.futures import Executor

import pandas as pd

from ..behaviour import Behaviour
from ..executors import close_pool, process_pool
from ..outcomes import Outcomes
from ..plan import Plan
from .engine import PipelineEngine, PipelineRun

__all__ = ["batches", "run_replications"]


def batches(replications: int, workers: int, per_worker: int = 8) -> list[tuple[int, int]]:
    """Consecutive (first, count) batches, about ``per_worker`` per worker."""
    size = max(1, -(-replications // max(1, workers * per_worker)))
    return [(f, min(size, replications - f)) for f in range(0, replications, size)]


def _task(engine, seed, behaviour, plan, ledger, bounds) -> PipelineRun:
    return engine.replications(seed, bounds[0], bounds[1], behaviour, plan, ledger)


def run_replications(
    engine: PipelineEngine,
    seed: int,
    replications: int,
    *,
    behaviour: Behaviour | None = None,
    plan: Plan | None = None,
    workers: int | None = None,
    executor: Executor | None = None,
    ledger: bool = False,
    progress: Callable[[int, int], None] | None = None,
    first: int = 0,
) -> PipelineRun:
    """Simulate replications ``first .. first + replications - 1``; ``workers``
    processes (default: up to 2) unless an ``executor`` is given (any
    ``concurrent.futures.Executor``)."""
    if replications < 1:
        raise ValueError("replications must be >= 1")
    n_workers = workers or min(2, os.cpu_count() or 1)
    bounds = [(first + f, n) for f, n in batches(replications, n_workers)]
    task = functools.partial(_task, engine, seed, behaviour, plan, ledger)
    own = executor is None and n_workers > 1 and len(bounds) > 1
    pool = process_pool(n_workers) if own else executor
    results: list[PipelineRun] = []
    failed = True
    try:
        if pool is None:
            for i, b in enumerate(bounds):
                results.append(task(b))
                if progress:
                    progress(i + 1, len(bounds))
        else:
            futures = [pool.submit(task, b) for b in bounds]
            for i, fut in enumerate(futures):
                results.append(fut.result())
                if progress:
                    progress(i + 1, len(bounds))
        failed = False
    finally:
        if own:
            close_pool(pool, failed)
    table = None
    if ledger:
        table = pd.concat([r.ledger for r in results], ignore_index=True)
    return PipelineRun(
        Outcomes.concat([r.outcomes for r in results]), sum(r.events for r in results), table
    )
