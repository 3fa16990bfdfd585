"""Benchmark: the share of a command's wall time spent writing its outputs, and how fast
``planlab --help`` answers against the interpreter starting.

Measures, in one run, for ``simulate`` and ``compare`` on the key-account baseline:

* simulate: ``sim.simulate`` over the scenario's variants (and, for compare, the
  paired differences, per metric and per rep);
* tables: the run's metric tables (``planlab.simulate.tables.run_tables``), built
  once — the metrics themselves, computed over every trial;
* outputs: every file built in memory from those tables (report with its figures,
  CSV, JSON, Excel) and written to disk.

It prints the outputs' share of the command's time (outputs over the whole) for
each trial count, with and without the Excel workbook, and also the share when the
metric tables are counted as output work too (the stricter reading). Then the ratio
of ``planlab --help`` to a bare ``python -c pass``, both as subprocesses. Ratios
only; see benchmarks/README.md.

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
from sim.rep_differences import rep_differences  # noqa: E402

BASELINE = ROOT / "scenarios" / "key_account_baseline.toml"


def _timed(f):
    t = time.perf_counter()
    out = f()
    return out, time.perf_counter() - t


def measure(command: str, trials: int, out: Path, xlsx: bool) -> dict[str, float]:
    sc = load_scenario(BASELINE)
    result, t_sim = _timed(lambda: simulate(sc, None, trials=trials, seed=1))
    tables, t_tables = _timed(lambda: run_tables(result))
    if command == "simulate":
        files, t_files = _timed(lambda: run_files(result, [], xlsx=xlsx, tables=tables))
    else:
        diffs, t_diffs = _timed(lambda: differences(result, level=LEVEL))
        per_rep, t_reps = _timed(lambda: rep_differences(result, level=LEVEL))
        t_sim += t_diffs + t_reps  # the comparison's own statistics, not output writing
        files, t_files = _timed(lambda: compare_files(result, [], xlsx, tables, diffs, per_rep))
    _, t_write = _timed(lambda: write_files(out / f"{command}-{trials}-{xlsx}", files))
    writing = t_files + t_write
    whole = t_sim + t_tables + writing
    return {
        "simulate": t_sim,
        "writing": writing,
        "share": writing / whole,
        "share_with_tables": (writing + t_tables) / whole,
    }


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
                for xlsx in (False, True):
                    m = measure(command, trials, Path(tmp), xlsx)
                    print(
                        f"{command:8s} {trials:>7,} trials{' --xlsx' if xlsx else '       '}: "
                        f"writing outputs is {m['share']:.0%} of the command's time "
                        f"({m['share_with_tables']:.0%} counting the metric tables; "
                        f"writing / simulating = {m['writing'] / m['simulate']:.2f})"
                    )
    print(f"planlab --help takes {help_ratio():.1f}x the time of python -c pass")


if __name__ == "__main__":
    main()
