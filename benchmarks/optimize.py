"""Benchmark of the optimiser: the target MILP on both solvers, and ``planlab optimize``.

Measures, in one run (benchmarks/README.md explains each figure):

* the target MILP (one level per rep, company number and its cap, achievability
  band, cost-of-sales cap, ratchet) at 200 and 2,000 reps x 15 levels: build and
  solve times to a 0.1% gap with CBC and with HiGHS, and their ratio;
* the same at 200 reps with the bad-year chance constraint over 200 simulated
  years (one binary per year);
* the whole ``planlab optimize`` on the key-account baseline (tabulation with
  best-responding reps, its 24 plan shapes, solves, explanations, the check
  simulation, the report) with 1 and with 2 workers, and their ratio.

Each time is also printed as a share of its target (below 1 = within target).

Usage::

    .venv/bin/python benchmarks/optimize.py            # full run, about 3-5 minutes
    .venv/bin/python benchmarks/optimize.py --quick    # smaller problems, smoke test
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from optimize.model import TargetProblem  # noqa: E402
from optimize.solve import SolverPool  # noqa: E402
from optimize.spec import BadYear, Band, Constraints, Objective  # noqa: E402

SCENARIO = ROOT / "scenarios" / "key_account_baseline.toml"
TARGETS = {"milp_2000": 5.0, "chance_200": 30.0, "optimize": 120.0}


def synthetic_problem(n: int, levels: int, scenarios: int = 0, seed: int = 0) -> TargetProblem:
    """A target problem shaped like a real tabulation: higher targets mean a lower
    chance of reaching them, a little more revenue and less pay; shared shocks make
    simulated years move together."""
    rng = np.random.default_rng(seed)
    mult = np.linspace(0.75, 1.15, levels)
    base = rng.lognormal(np.log(700e3), 0.35, n)
    targets = base[:, None] * mult
    skill = rng.normal(0, 0.1, (n, 1))
    p = np.clip(0.85 - 1.1 * (mult - 0.75) + skill, 0.02, 0.98)
    revenue = base[:, None] * (1.25 + 0.12 * (mult - 1)) * rng.lognormal(0, 0.02, (n, levels))
    pay = 40e3 * (0.7 + 0.7 * p) * rng.lognormal(0, 0.03, (n, levels))
    constraints = {
        "achievability": Band(low=0.6, high=0.7),
        "cost_of_sales": 0.06,
        "ratchet": 0.2,
    }
    sp = None
    if scenarios:
        year = rng.lognormal(0, 0.15, (scenarios, 1, 1))
        sp = (pay[None] * year * rng.lognormal(0, 0.4, (scenarios, n, 1))).astype(np.float32)
        mid = sp[:, :, levels // 2].astype(float).sum(1)
        constraints["bad_year"] = BadYear(quantile=0.9, ceiling=float(np.quantile(mid, 0.9)))
    return TargetProblem(
        targets=targets,
        revenue=revenue,
        margin=0.45 * revenue,
        pay=pay,
        p_target=p,
        utility=pay + 150e3,
        upside=0.1 * pay,
        constraints=Constraints(**constraints),
        objective=Objective(achievability_weight=20e3),
        company_number=float(0.95 * base.sum()),
        last_target=base,
        scenario_pay=sp,
    )


def milp(label: str, problem: TargetProblem, pool: SolverPool, limit: float) -> dict:
    """Build and solve with each solver; print times and their ratio."""
    out = {}
    for solver in ("cbc", "highs"):
        sol = pool.solve(problem, solver, time_limit=limit, gap=0.001)
        total = sol.build_seconds + sol.solve_seconds
        out[solver] = (sol, total)
        print(
            f"  {label:32s} {solver:5s}: {sol.status:10s} gap "
            f"{(sol.gap or 0):.3%}  build {sol.build_seconds:5.2f} s  solve "
            f"{sol.solve_seconds:6.2f} s  total {total:6.2f} s"
        )
    (a, ta), (b, tb) = out["cbc"], out["highs"]
    if a.ok and b.ok:
        agree = abs(a.objective - b.objective) / abs(a.objective)
        print(f"  {'':32s} HiGHS ÷ CBC time: {tb / ta:.2f}; objectives differ by {agree:.4%}")
    return {s: t for s, (_, t) in out.items()}


def full_optimize(workers: int) -> float:
    """Wall time of ``planlab optimize`` on the baseline with ``workers`` workers."""
    from optimize.run import optimize_plan
    from optimize.verify import verify
    from planlab.optimize.files import optimize_files
    from sim import load_scenario

    sc = load_scenario(SCENARIO)
    sc = sc.model_copy(update={"optimize": sc.optimize.model_copy(update={"workers": workers})})
    out = Path(tempfile.mkdtemp())
    try:
        start = time.perf_counter()
        opt = optimize_plan(sc)
        result, check = verify(opt, trials=1_000)
        files = optimize_files(opt, out, result, check)
        for name, text in files.items():
            (out / name).write_text(text, encoding="utf-8")
        took = time.perf_counter() - start
    finally:
        shutil.rmtree(out, ignore_errors=True)
    t = opt.timings
    print(
        f"  planlab optimize, {workers} worker(s): {took:6.1f} s  (tabulation "
        f"{t['tabulated']:.1f} s, {len(opt.shapes)} shapes solved in {t['solved']:.1f} s, "
        f"explanations {t['explained']:.1f} s, check simulation and report "
        f"{took - sum(t.values()):.1f} s); shape: {opt.chosen.shape.label}"
    )
    return took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="smaller problems (smoke test)")
    ap.add_argument("--skip-full", action="store_true", help="skip the planlab optimize runs")
    args = ap.parse_args()
    big = 400 if args.quick else 2_000
    print("Target MILP, 15 levels per rep, gap 0.1%")
    with SolverPool(1) as pool:
        milp("200 reps", synthetic_problem(200, 15), pool, 60)
        t_big = milp(f"{big:,} reps", synthetic_problem(big, 15), pool, 60)
        years = 50 if args.quick else 200
        t_ch = milp(
            f"200 reps, chance over {years} years",
            synthetic_problem(200, 15, scenarios=years, seed=1),
            pool,
            60,
        )
    best_big, best_ch = min(t_big.values()), min(t_ch.values())
    print(
        f"  best solver vs target: {big:,} reps {best_big:.2f} s = "
        f"{best_big / TARGETS['milp_2000']:.2f} of {TARGETS['milp_2000']:.0f} s; chance "
        f"{best_ch:.2f} s = {best_ch / TARGETS['chance_200']:.2f} of "
        f"{TARGETS['chance_200']:.0f} s"
    )
    if args.skip_full:
        return
    print("planlab optimize on the key-account baseline")
    one = full_optimize(1)
    two = full_optimize(2)
    print(
        f"  2 workers vs 1: {one / two:.2f}× faster; 2 workers = "
        f"{two / TARGETS['optimize']:.2f} of the {TARGETS['optimize']:.0f} s target"
    )


if __name__ == "__main__":
    main()
