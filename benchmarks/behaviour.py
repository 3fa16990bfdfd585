"""Benchmark of the behaviour model: the same run with every component on and off.

Simulates 200 reps x 12 months x 10,000 trials of the key-account baseline's
base plan twice in one process — behaviour off (the foundation engine), then
with every behaviour component on (best response with its calibration sample,
within-period dynamics, deal timing, ratchet, attrition) — and prints the
ratio of wall times. Target: on / off <= 3.

Usage::

    .venv/bin/python benchmarks/behaviour.py            # full run
    .venv/bin/python benchmarks/behaviour.py --quick    # 1/20 of the trials
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sim  # noqa: E402
from sim.behaviour.model import build_behaviours  # noqa: E402
from sim.run import make_population  # noqa: E402

SCENARIO = ROOT / "scenarios" / "key_account_baseline.toml"
TARGET_RATIO = 3.0


def scenario(reps: int) -> sim.Scenario:
    s = sim.load_scenario(SCENARIO)
    return s.model_copy(update={"team": s.team.model_copy(update={"reps": reps}), "variants": {}})


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1/20 of the trials")
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--trials", type=int, default=10_000)
    args = ap.parse_args()
    trials = args.trials // 20 if args.quick else args.trials
    sc = scenario(args.reps)
    spec = sc.behaviour.all_on()
    rep_months = args.reps * 12 * trials
    print(
        f"{args.reps} reps x 12 months x {trials:,} trials = {rep_months:,} rep-months, 2 workers"
    )

    off, t_off = timed(lambda: sim.simulate(sc, [], trials=trials, workers=2, behaviour=False))
    on, t_on = timed(lambda: sim.simulate(sc, [], trials=trials, workers=2, behaviour=spec))
    pop = make_population(sc)
    _, t_cal = timed(lambda: build_behaviours(spec, sc.plans, sc.market, pop, sc.simulation.seed))

    ratio = t_on / t_off
    print(f"behaviour off : {t_off:8.2f} s  ({rep_months / t_off / 1e6:.2f} M rep-months/s)")
    print(f"behaviour on  : {t_on:8.2f} s  ({rep_months / t_on / 1e6:.2f} M rep-months/s)")
    print(
        f"  of which calibration (best response, dynamics levelling): {t_cal:.2f} s "
        f"({t_cal / t_on:.0%} of the run)"
    )
    print(
        f"ratio on / off: {ratio:.2f}  (target <= {TARGET_RATIO:g}: "
        f"{'PASS' if ratio <= TARGET_RATIO else 'MISS'})"
    )
    rev_off = off.base.summary.yearly["revenue"].mean()
    rev_on = on.base.summary.yearly["revenue"].mean()
    print(f"expected revenue, base plan: off {rev_off / 1e6:.2f}M, on {rev_on / 1e6:.2f}M")


if __name__ == "__main__":
    main()
