"""Benchmark: the share of a command's wall time spent writing its outputs, and how fast
``planlab --help`` answers against the interpreter starting.

Measures, in one run, for ``simulate`` and ``compare`` on the key-account baseline:

* simulate: ``sim.simulate`` over the scenario's variants;
* tables: the run's tables (``planlab.simulate.tables.run_tables``), built once;
* outputs: every file built in memory (report with its figures, CSV, JSON, Excel)
  and written to disk.

It prints the outputs' share of the command's time (tables + outputs over the
whole) for each trial count, and the ratio of ``planlab --help`` to a bare
``python -c pass``, both as subprocesses. Ratios only; see benchmarks/README.md.

Usage::

    .venv/bin/python benchmarks/outputs.py            # 2,000 and 20,000 trials
    .venv/bin/python benchmarks/outputs.py --quick    # 500 and 2,000 trials
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from planlab.compare.command import LEVEL, compare_files  # noqa: E402
from planlab.kit.files import write_files  # noqa: E402
from planlab.simulate.files import run_files  # noqa: E402
from planlab.simulate.tables import run_tables  # noqa: E402
from sim import load_scenario, simulate  # noqa: E402
from sim.compare import differences  # noqa: E402

BASELINE = ROOT / "scenarios" / "key_account_baseline.toml"


def _timed(f):
    t = time.perf_counter()
    out = f()
    return out, time.perf_counter() - t


def measure(command: str, trials: int, out: Path) -> dict[str, float]:
    sc = load_scenario(BASELINE)
    result, t_sim = _timed(lambda: simulate(sc, None, trials=trials, seed=1))
    tables, t_tables = _timed(lambda: run_tables(result))
    if command == "simulate":
        files, t_files = _timed(lambda: run_files(result, [], xlsx=True, tables=tables))
    else:
        diffs, t_diffs = _timed(lambda: differences(result, level=LEVEL))
        t_sim += t_diffs  # the comparison's own statistics, not output writing
        files, t_files = _timed(lambda: compare_files(result, [], True, tables, diffs))
    _, t_write = _timed(lambda: write_files(out / f"{command}-{trials}", files))
    writing = t_tables + t_files + t_write
    return {"simulate": t_sim, "writing": writing, "share": writing / (t_sim + writing)}


def help_ratio(repeat: int = 5) -> float:
    def best(cmd: list[str]) -> float:
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            subprocess.run(cmd, capture_output=True, check=True)
            times.append(time.perf_counter() - t)
        return min(times)

    bare = best([sys.executable, "-c", "pass"])
    helped = best([sys.executable, "-m", "planlab", "--help"])
    return helped / bare


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    sizes = (500, 2_000) if args.quick else (2_000, 20_000)
    with tempfile.TemporaryDirectory() as tmp:
        for command in ("simulate", "compare"):
            for trials in sizes:
                m = measure(command, trials, Path(tmp))
                print(
                    f"{command:8s} {trials:>7,} trials: writing outputs is "
                    f"{m['share']:.0%} of the command's time "
                    f"(writing / simulating = {m['writing'] / m['simulate']:.2f})"
                )
    print(f"planlab --help takes {help_ratio():.1f}x the time of python -c pass")


if __name__ == "__main__":
    main()
