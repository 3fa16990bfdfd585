"""``planlab sweep SCENARIO``: the scenario's ``[sweep]`` run and written at once."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim import load_scenario
from sim.sweep.run import run_sweep

from ..scheduler import add_scheduler_option, scheduler_executor
from .files import sweep_files, sweep_lines

__all__ = ["add_sweep_parser", "cmd_sweep"]


def cmd_sweep(args, argv) -> int:
    from ..cli import EXIT_OK, Progress, UsageError, check_variants
    from ..export import check_out, write_files

    path = Path(args.scenario)
    scenario = load_scenario(path)
    check_variants(path, scenario, scenario.sweep.variants)
    if not scenario.sweep.markets:
        raise UsageError(
            f"{path}: sweep.markets: nothing to sweep: add a [sweep.markets.NAME] table "
            "(demand, recession, churn, deal_size or market overrides)"
        )
    out = Path(args.out) if args.out else Path("out") / f"{path.stem}-sweep"
    check_out(out, args.force)
    progress = Progress(quiet=args.quiet)
    try:
        with scheduler_executor(args) as executor:
            result = run_sweep(
                scenario, trials=args.trials, seed=args.seed, executor=executor, progress=progress
            )
    finally:
        progress.close()
    files = sweep_files(result, argv)
    write_files(out, files, args.force)
    if not args.quiet:
        print(
            f"{scenario.name}: {len(result.variants)} variants x {len(result.markets)} markets, "
            f"{result.trials} trials, seed {result.seed}"
        )
        print(result.grid("cost_of_sales").map(lambda x: f"{x:.2%}").to_string())
        for line in sweep_lines(result):
            print(f"- {line}")
        print(f"wrote {out}/{', '.join(files)}")
    return EXIT_OK


def add_sweep_parser(sub) -> argparse.ArgumentParser:
    """Register ``planlab sweep`` on the command line's subparsers."""
    from ..cli import add_output_options

    p = sub.add_parser(
        "sweep", help="every plan variant in every market of the scenario's [sweep] table"
    )
    p.add_argument("scenario", help="scenario TOML file with a [sweep] table")
    add_output_options(p, "out/<scenario file>-sweep", "trials per cell", min_trials=2)
    add_scheduler_option(p)
    p.set_defaults(func=cmd_sweep)
    return p
