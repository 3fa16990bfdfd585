"""Peak memory of ``simulate()`` whatever the trials: one child process per case.

Each case runs ``sim.simulate`` (fixed effort, 2 workers, the result kept as bounded
summaries: ``rep_years=False``, as the CLI runs it) alone in a fresh Python process
and reports its peak resident set (``resource.getrusage``'s ``ru_maxrss``; Linux
``VmHWM`` when it is there), next to the estimate ``sim.memory.estimate_peak``
makes before a run starts and the limit the issue sets.

Usage::

    .venv/bin/python benchmarks/memory.py            # the two target cases
    .venv/bin/python benchmarks/memory.py --quick    # trials / 10
    .venv/bin/python benchmarks/memory.py --case 2000 10000 --case 200 500

The scenario is scenarios/key_account_baseline.toml with the team resized and
only the base plan: three measures (revenue, new accounts, cross-sell), paid
quarterly with a csat modifier and the annual true-up.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SCENARIO = ROOT / "scenarios" / "key_account_baseline.toml"
SEED = 20261127
#: (reps, trials, limit in GB): the issue's targets.
CASES = ((2_000, 10_000, 1.0), (10_000, 10_000, 3.0))


def _vm_hwm() -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def make_scenario(reps: int):
    import sim

    s = sim.load_scenario(SCENARIO)
    return s.model_copy(update={"team": s.team.model_copy(update={"reps": reps}), "variants": {}})


def child(reps: int, trials: int, rep_years: int) -> None:
    import sim
    from sim.memory import estimate_peak

    scenario = make_scenario(reps)
    estimate = estimate_peak(scenario, trials=trials, rep_years=bool(rep_years), workers=2)
    t0 = time.perf_counter()
    sim.simulate(
        scenario, trials=trials, seed=SEED, workers=2, behaviour=False, rep_years=bool(rep_years)
    )
    seconds = time.perf_counter() - t0
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    peak = _vm_hwm() or maxrss
    print(json.dumps({"peak": peak, "maxrss": maxrss, "estimate": estimate, "seconds": seconds}))


def run_case(reps: int, trials: int, rep_years: bool = False) -> dict:
    cmd = [sys.executable, __file__, "--child", str(reps), str(trials), str(int(rep_years))]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="trials / 10")
    ap.add_argument("--case", nargs=2, type=int, action="append", metavar=("REPS", "TRIALS"))
    ap.add_argument("--rep-years", action="store_true", help="keep per-(trial, rep) arrays too")
    ap.add_argument("--child", nargs=3, type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(*args.child)
        return 0
    cases = [(r, t, None) for r, t in args.case] if args.case else list(CASES)
    print(f"{'reps':>7} {'trials':>7}  {'peak GB':>8}  {'estimate GB':>11}  {'est/peak':>8}  limit")
    for reps, trials, limit in cases:
        trials = max(100, trials // 10) if args.quick else trials
        m = run_case(reps, trials, args.rep_years)
        gb, est = m["peak"] / 1e9, m["estimate"] / 1e9
        verdict = "" if limit is None else ("ok" if gb < limit else "MISSED") + f" (< {limit} GB)"
        print(f"{reps:>7,} {trials:>7,}  {gb:>8.2f}  {est:>11.2f}  {est / gb:>8.2f}  {verdict}")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
