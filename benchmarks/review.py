"""Benchmark of the annual review: 500 reps x 8 quarters of actuals, phase by phase.

Makes the actuals with the example generator (the shipped review example's
plan and true model, resized to 500 reps, two plan years), writes them as a
CSV, then times the whole ``planlab review`` path in one process: reading and
validating, calibration, the goodness-of-fit simulation, the design
simulation, design against reality, re-optimising next period's targets (the
optimiser on the calibrated model, with the example's [optimize] settings and a
company number 3% above last period's targets; the new plan simulated beside
last period's), building the files and recording the history. Target: the
whole review under 3 minutes on two cores.

Usage::

    .venv/bin/python benchmarks/review.py            # the scenario's 2,000 trials per simulation
    .venv/bin/python benchmarks/review.py --quick    # 200 trials
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from optimize.next_period import next_period_plan  # noqa: E402
from planlab.review.example_actuals import write_example  # noqa: E402
from planlab.review.files import review_files, review_record  # noqa: E402
from planlab.review.history import record  # noqa: E402
from sim import load_scenario  # noqa: E402
from sim.actuals import load_actuals  # noqa: E402
from sim.review import annual_review  # noqa: E402

EXAMPLE = ROOT / "scenarios" / "review_example.toml"
BASELINE = ROOT / "scenarios" / "key_account_baseline.toml"
TARGET_SECONDS = 180.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=500)
    ap.add_argument("--years", type=int, default=2, help="complete plan years of actuals")
    ap.add_argument("--trials", type=int, default=None, help="default: the scenario's 2,000")
    ap.add_argument("--quick", action="store_true", help="200 trials per simulation")
    ap.add_argument("--solver", choices=("cbc", "highs"), default=None, help="default: cbc")
    ap.add_argument(
        "--growth", type=float, default=1.03, help="company number / last period's targets"
    )
    args = ap.parse_args()
    trials = 200 if args.quick else args.trials
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        write_example(
            folder, BASELINE, reps=args.reps, years=args.years, partial_months=0, messy=False
        )
        (folder / "scenario.toml").write_text(
            f'extends = "{EXAMPLE.as_posix()}"\n[team]\nroster = "review_team.csv"\n'
            '[actuals]\nsource = "review_actuals.csv"\n'
            # The example's bad-year ceiling is for its 120 reps: scaled to the team.
            f"[optimize.constraints.bad_year]\nceiling = {7e6 * args.reps / 120:.0f}\n",
            encoding="utf-8",
        )
        made = time.perf_counter() - t0
        print(f"made {args.reps} reps x {args.years * 12} months of actuals in {made:.1f} s")

        phases: dict[str, float] = {}
        start = time.perf_counter()
        scenario = load_scenario(folder / "scenario.toml")
        actuals = load_actuals(scenario)
        phases["read and validate"] = time.perf_counter() - start
        result = annual_review(scenario, actuals, trials=trials)
        phases.update(result.seconds)
        clock = time.perf_counter()
        last = result.review.year.values["target_revenue"].sum()
        nxt = next_period_plan(
            result.review, company_number=args.growth * last, trials=trials, solver=args.solver
        )
        t = nxt.optimisation.timings
        phases["re-optimisation: tabulate"] = t["tabulated"]
        phases["re-optimisation: solve"] = t["solved"]
        phases["re-optimisation: explain"] = t.get("explained", 0.0)
        phases["re-optimisation: check"] = time.perf_counter() - clock - sum(t.values())
        clock = time.perf_counter()

        def write(version: int) -> None:
            files.update(review_files(result, version, None, nxt))

        files: dict = {}
        record(review_record(result, "review_actuals.csv", nxt), folder / "h.sqlite", then=write)
        phases["files and history"] = time.perf_counter() - clock
        total = time.perf_counter() - start

    n = result.fit.simulated.trials
    print(f"review of {len(actuals.frame):,} rep-months, {n:,} trials per simulation")
    for name, s in phases.items():
        print(f"  {name:<24} {s:7.1f} s  {s / total:6.1%}")
    print(f"  {'total':<24} {total:7.1f} s  (target < {TARGET_SECONDS:.0f} s)")
    print(f"report.html {len(files['report.html']) / 1e6:.1f} MB; fit {result.fit.status}")
    opt = nxt.optimisation
    found = opt.chosen.solution.describe() if nxt.feasible else "no feasible plan"
    print(f"next period: {len(opt.shapes)} plan shape(s), {opt.spec.levels.count} levels; {found}")


if __name__ == "__main__":
    main()
