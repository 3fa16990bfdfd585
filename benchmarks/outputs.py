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
of ``planlab --help`` to a bare ``python -c pass``, both as subprocesses. Each
figure is the best of ``--repeat`` runs.

Then, with ``--commands``, every command as a user runs it: ``planlab CMD ...`` in a
child process, timed from the child's start to the command's return (imports, reading
the scenario, simulating, printing), against the time the command spent building and
writing its output files (its ``*_files`` function, the report's findings, and the
atomic write to disk), for simulate, compare (each with and without ``--xlsx``),
sweep, calibrate, optimize, review and check-in on the shipped scenarios. Ratios
only; see benchmarks/README.md.

Usage::

    .venv/bin/python benchmarks/outputs.py            # 2,000 and 20,000 trials
    .venv/bin/python benchmarks/outputs.py --quick    # 500 and 2,000 trials
    .venv/bin/python benchmarks/outputs.py --quick --commands   # and every command
"""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SCENARIOS = ROOT / "scenarios"
BASELINE = SCENARIOS / "key_account_baseline.toml"

#: What counts as writing outputs in each command's module: the functions that build the
#: files in memory (report, tables, workbook, findings) and the ones that write them.
WRITERS = {
    "planlab.simulate.command": ("run_files", "write_files"),
    "planlab.compare.command": ("compare_files", "comparison_findings", "write_files"),
    "planlab.sweep.command": ("sweep_files", "write_files"),
    "planlab.calibrate.command": ("to_csv", "write_files"),
    "planlab.optimize.command": ("optimize_files", "write_files"),
    "planlab.review.command": ("review_files", "checkin_files", "stage", "write_files"),
}

#: Commands that take a minute or more: timed once.
SLOW = frozenset({"optimize", "review", "checkin", "calibrate"})

#: The commands timed end to end: name -> planlab arguments (before --out).
COMMANDS = {
    "simulate": ["simulate", str(BASELINE), "--trials", "2000"],
    "simulate --xlsx": ["simulate", str(BASELINE), "--trials", "2000", "--xlsx"],
    "compare": ["compare", str(BASELINE), "--trials", "2000"],
    "compare --xlsx": ["compare", str(BASELINE), "--trials", "2000", "--xlsx"],
    "sweep": ["sweep", str(SCENARIOS / "key_account_sweep.toml"), "--trials", "500"],
    "calibrate": [
        "calibrate",
        str(SCENARIOS / "key_account_pipeline.toml"),
        "--replications",
        "20",
        "--check",
        "4",
    ],
    "optimize": ["optimize", str(BASELINE)],
    "review": ["review", str(SCENARIOS / "review_example.toml"), "--drop-bad-rows"],
    "checkin": ["checkin", str(SCENARIOS / "review_example.toml"), "--drop-bad-rows"],
}


def _timed(f):
    t = time.perf_counter()
    out = f()
    return out, time.perf_counter() - t


def measure(command: str, trials: int, out: Path, xlsx: bool) -> dict[str, float]:
    from planlab.compare.command import LEVEL, compare_files
    from planlab.kit.files import write_files
    from planlab.simulate.files import run_files
    from planlab.simulate.tables import run_tables
    from sim import load_scenario, simulate
    from sim.compare import differences
    from sim.rep_differences import rep_differences

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
    target = out / f"{command}-{trials}-{xlsx}-{time.perf_counter_ns()}"
    _, t_write = _timed(lambda: write_files(target, files))
    return {"simulate": t_sim, "tables": t_tables, "writing": t_files + t_write}


def best_share(runs: list[dict[str, float]]) -> dict[str, float]:
    """Shares from the best (least disturbed) time of each part over the runs."""
    t = {k: min(r[k] for r in runs) for k in runs[0]}
    whole = t["simulate"] + t["tables"] + t["writing"]
    return {
        **t,
        "share": t["writing"] / whole,
        "share_with_tables": (t["writing"] + t["tables"]) / whole,
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


def child(argv: list[str], started: float) -> None:
    """Run ``planlab ARGV`` in this process, timing the output writing; print the times
    as JSON on the last line."""
    spent = [0.0]
    depth = [0]  # a writer calling another is counted once

    def timed(f):
        def wrapper(*a, **k):
            depth[0] += 1
            t = time.perf_counter()
            try:
                return f(*a, **k)
            finally:
                depth[0] -= 1
                if depth[0] == 0:
                    spent[0] += time.perf_counter() - t

        return wrapper

    from planlab.cli import main as planlab

    for module, names in WRITERS.items():
        m = importlib.import_module(module)
        for name in names:
            if hasattr(m, name):
                setattr(m, name, timed(getattr(m, name)))
    code = planlab(argv)
    wall = time.perf_counter() - started
    print(json.dumps({"code": code, "wall": wall, "writing": spent[0]}))


def command_share(name: str, tmp: Path, repeat: int) -> dict[str, float]:
    """The best of ``repeat`` end-to-end runs of a command: wall time and writing time."""
    best: dict[str, float] = {}
    for i in range(repeat):
        out = tmp / f"{name.replace(' ', '')}-{i}"
        argv = [*COMMANDS[name], "--out", str(out), "--store", str(tmp / "history.sqlite")]
        if not name.startswith(("review", "checkin")):
            argv = argv[:-2]
        run = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--child", "--", *argv],
            capture_output=True,
            text=True,
            cwd=tmp,
        )
        if run.returncode not in (0, 1) or not run.stdout.strip():
            raise SystemExit(f"{name} failed:\n{run.stderr[-2000:]}")
        got = json.loads(run.stdout.strip().splitlines()[-1])
        if not best or got["wall"] < best["wall"]:
            best = got
    return best


def main() -> None:
    started = time.perf_counter()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    ap.add_argument("--commands", action="store_true", help="also time every command")
    ap.add_argument("--only-commands", action="store_true", help="only time every command")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("argv", nargs="*", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.argv, started)
        return
    sizes = (500, 2_000) if args.quick else (2_000, 20_000)
    with tempfile.TemporaryDirectory() as tmp:
        if args.commands or args.only_commands:
            for name in COMMANDS:
                once = name in SLOW  # minutes each; their writing is a small share
                m = command_share(name, Path(tmp), 1 if once else args.repeat)
                print(
                    f"planlab {name:16s}: writing outputs is {m['writing'] / m['wall']:.1%} "
                    f"of the command's wall time (writing / whole = "
                    f"{m['writing'] / m['wall']:.3f})",
                    flush=True,
                )
        if args.only_commands:
            return
        for command in ("simulate", "compare"):
            for trials in sizes:
                for xlsx in (False, True):
                    runs = [measure(command, trials, Path(tmp), xlsx) for _ in range(args.repeat)]
                    m = best_share(runs)
                    print(
                        f"{command:8s} {trials:>7,} trials{' --xlsx' if xlsx else '       '}: "
                        f"writing outputs is {m['share']:.0%} of the command's time "
                        f"({m['share_with_tables']:.0%} counting the metric tables; "
                        f"writing / simulating = {m['writing'] / m['simulate']:.2f})"
                    )
    print(f"planlab --help takes {help_ratio():.1f}x the time of python -c pass")


if __name__ == "__main__":
    main()
