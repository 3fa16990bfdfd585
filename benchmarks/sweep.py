"""Benchmark of a sweep on a Dask LocalCluster against the local thread pool.

Runs the same sweep — 5 plan variants x 6 markets (scenarios/key_account_sweep.toml)
x 2,000 trials — once on this process's thread pool (2 workers) and once on a
two-worker ``LocalCluster`` (processes, one thread each), checks the two results
are identical, and prints the wall-time ratio measured in this one run
(cluster start-up excluded: a cluster is started once and reused).

Usage::

    .venv/bin/python benchmarks/sweep.py            # 2,000 trials per cell
    .venv/bin/python benchmarks/sweep.py --quick    # 400 trials per cell
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sim import load_scenario  # noqa: E402
from sim.executors import cluster_executor  # noqa: E402
from sim.sweep.run import run_sweep  # noqa: E402

SCENARIO = ROOT / "scenarios" / "key_account_sweep.toml"
TARGET = 1.25  # cluster wall time / thread-pool wall time


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="400 trials per cell")
    ap.add_argument("--seed", type=int, default=20261127)
    args = ap.parse_args(argv)
    trials = 400 if args.quick else 2_000
    sc = load_scenario(SCENARIO)
    n_var = 1 + len(sc.variants)
    n_mk = 1 + len(sc.sweep.markets)
    print(f"sweep benchmark: {n_var} variants x {n_mk} markets x {trials:,} trials")
    print(f"machine: {os.cpu_count()} CPUs; load average at start {os.getloadavg()[0]:.2f}")
    run_sweep(sc, trials=200, seed=args.seed)  # warm-up: imports, caches

    t0 = time.perf_counter()
    local = run_sweep(sc, trials=trials, seed=args.seed, workers=2)
    t_local = time.perf_counter() - t0
    with cluster_executor("local") as executor:
        run_sweep(sc, trials=200, seed=args.seed, executor=executor)  # warm the workers
        t0 = time.perf_counter()
        remote = run_sweep(sc, trials=trials, seed=args.seed, executor=executor)
        t_remote = time.perf_counter() - t0
    same = remote.cells.equals(local.cells) and remote.reps.equals(local.reps)
    ratio = t_remote / t_local
    print(f"  local thread pool, 2 workers: {t_local:7.2f} s")
    print(f"  LocalCluster, 2 processes:    {t_remote:7.2f} s")
    print(f"  identical results: {same}")
    verdict = "PASS" if ratio <= TARGET else "MISS"
    print(f"  {verdict}  cluster / thread pool {ratio:.2f} <= {TARGET}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
