"""Benchmark of the pipeline engine (SimPy): events per second and parallel speed-up.

Two cases on the key-account pipeline scenario, team resized: 40 reps x one
year x 500 replications, and 200 reps x one year x 100 replications. Each is
run on one worker and on two worker processes (replications from their own
spawned streams, so both give identical outcomes — checked here), and the
script prints events per second (SimPy events processed, counted by the
environment), replications per second, and the speed-up of two workers over
one, measured in the same run. Targets: >= 150k events/s per core, >= 1.8x on
two workers, the 40-rep x 500-replication run under 90 s on two cores.

Usage::

    .venv/bin/python benchmarks/pipeline.py            # full run (a few minutes)
    .venv/bin/python benchmarks/pipeline.py --quick    # 1/10 of the replications
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT, ROOT / "benchmarks"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

import numpy as np  # noqa: E402
from montecarlo import _machine_busy, wait_quiet  # noqa: E402

import sim  # noqa: E402
from sim.pipeline import PipelineEngine, run_replications  # noqa: E402
from sim.run import make_population  # noqa: E402

SCENARIO = ROOT / "scenarios" / "key_account_pipeline.toml"
CASES = ((40, 500), (200, 100))
SEED = 20261127


def engine_for(reps: int) -> PipelineEngine:
    scenario = sim.load_scenario(SCENARIO)
    scenario = scenario.model_copy(update={"team": scenario.team.model_copy(update={"reps": reps})})
    pop = make_population(scenario, SEED)
    return PipelineEngine(scenario.market, pop, scenario.pipeline)


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the worker processes)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def timed_run(engine: PipelineEngine, replications: int, workers: int, max_wait: float):
    """Wall time, CPU time (this process and its workers), the run, and the cores other
    processes kept busy meanwhile."""
    wait_quiet(max_wait)
    busy0, cpu0 = _machine_busy(), _cpu()
    t0 = time.perf_counter()
    run = run_replications(engine, SEED, replications, workers=workers)
    wall = time.perf_counter() - t0
    cpu = _cpu() - cpu0
    other = max(_machine_busy() - busy0 - cpu, 0.0) / wall if busy0 is not None else float("nan")
    return wall, cpu, run, other


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="1/10 of the replications")
    ap.add_argument(
        "--max-wait", type=float, default=20.0, help="seconds to wait for a quiet machine"
    )
    args = ap.parse_args(argv)
    scale = 10 if args.quick else 1
    print(f"pipeline engine benchmark{' (quick: 1/10 of the replications)' if args.quick else ''}")
    header = (
        f"{'case':>22} {'workers':>7} {'wall s':>7} {'cpu s':>7} {'events':>10} "
        f"{'events/s':>9} {'ev/cpu-s':>9} {'repl/s':>7} {'others':>6}"
    )
    print(header)
    results = {}
    for reps, replications in CASES:
        n = max(4, replications // scale)
        engine = engine_for(reps)
        runs = {}
        for workers in (1, 2):
            wall, cpu, run, other = timed_run(engine, n, workers, args.max_wait)
            runs[workers] = (wall, cpu, run)
            print(
                f"{f'{reps} reps x {n} repl.':>22} {workers:>7} {wall:>7.2f} {cpu:>7.2f} "
                f"{run.events:>10,} {run.events / wall:>9,.0f} {run.events / cpu:>9,.0f} "
                f"{n / wall:>7.2f} {other:>6.2f}"
            )
        (w1, c1, r1), (w2, c2, r2) = runs[1], runs[2]
        for c, v in r1.outcomes.components.items():
            if not np.array_equal(v, r2.outcomes.components[c]):
                raise SystemExit(f"1 and 2 workers differ on {c}")
        results[(reps, n)] = (w1, c1, w2, c2, r1.events)
        print(
            f"{'':>22} speed-up 2 vs 1 workers: {w1 / w2:.2f}x wall; CPU cost of going "
            f"parallel {c2 / c1:.2f}x (idle 2 cores would give ~{2 * c1 / c2:.2f}x); "
            f"events per replication {r1.events / n:,.0f}; identical outcomes: yes"
        )
    w1, c1, w2, c2, events = results[(CASES[0][0], max(4, CASES[0][1] // scale))]
    print()
    print("(others: cores other processes kept busy during the run; > 0.1 distorts wall times)")
    print(
        f"events/s per core, 1 worker, 40 reps: {events / w1:,.0f} wall, {events / c1:,.0f} per CPU-s"
    )
    print("  (target >= 150,000)")
    print(f"speed-up on 2 workers, 40 reps: {w1 / w2:.2f}x wall, ~{2 * c1 / c2:.2f}x from CPU time")
    print("  (target >= 1.8x)")
    print(
        f"40 reps x 500 replications on 2 workers: {w2 * scale:.1f} s wall, {c2 * scale / 2:.1f} s"
    )
    print("  if both cores were free (target < 90 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
