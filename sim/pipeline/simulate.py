"""``simulate(..., engine="pipeline")``: the scenario's plans paid on pipeline outcomes.

Replications stand in for trials. Without a plan-dependent behaviour every
plan is paid on one outcome table (common random numbers by construction);
with one, each plan is simulated from the same replication streams.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor

from ..behaviour import Behaviour
from ..plan import Plan
from ..population import Population
from ..scenario import Scenario
from ..streams import BLOCK_TRIALS
from .engine import PipelineEngine
from .replications import run_replications

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
    from ..run import SimulationResult, _Collector, _pay  # the shared payout bookkeeping

    engine = PipelineEngine(scenario.market, population, scenario.pipeline, 12, pull_discount)
    n_blocks = -(-trials // BLOCK_TRIALS)
    collect = _Collector(trials, n_blocks)
    parts, draws, kept = {}, 0, None
    shared = None
    for name, plan in plans.items():
        if shared is None or behaviours:
            run = run_replications(
                engine,
                seed,
                trials,
                behaviour=behaviours.get(name),
                plan=plan if behaviours else None,
                workers=workers,
                executor=executor,
                progress=progress,
            )
            draws += run.outcomes.draws
            shared = run.outcomes
        kept = shared if kept is None else kept
        parts[name] = _pay(plan, shared, population, keep_outcomes, bool(behaviours))
    collect.add(0, n_blocks, (parts, draws, kept if keep_outcomes else None))
    return SimulationResult(
        scenario=scenario,
        population=population,
        seed=seed,
        trials=trials,
        variants={n: collect.variant(n, p, behaviours.get(n)) for n, p in plans.items()},
        draws=draws,
        outcomes=collect.outcomes(),
    )
