"""``planlab simulate``, ``demo`` and ``validate``: simulate a scenario's plans and write
a report (or only check the scenario file)."""

from __future__ import annotations

import argparse
from importlib import resources
from pathlib import Path

import pandas as pd

from sim import load_scenario, simulate
from sim import metrics as M

from ..kit.files import check_out, write_files
from ..kit.options import EXIT_OK, Progress, add_output_options, check_variants

__all__ = ["add_simulate_commands"]


def _print_summary(result, out: Path) -> None:
    table = M.summary_table(result)
    show = pd.DataFrame(
        {
            "revenue": table["revenue_expected"].map(lambda x: f"{x / 1e6:,.2f}M"),
            "incentive": table["incentive_cost_expected"].map(lambda x: f"{x / 1e6:,.2f}M"),
            "incentive P90": table["incentive_cost_p90"].map(lambda x: f"{x / 1e6:,.2f}M"),
            "cost of sales": table["cost_of_sales"].map(lambda x: f"{x:.2%}"),
            "at target": table.filter(like="share_at_target_").iloc[:, 0].map(lambda x: f"{x:.0%}"),
            "pay-for-perf": table["pay_for_performance"].map(lambda x: f"{x:.2f}"),
        }
    )
    print(
        f"{result.scenario.name}: {result.population.size} reps, {result.trials} trials, "
        f"seed {result.seed}"
    )
    print(show.to_string())
    print(f"wrote {out}/summary.json, manifest.json, reps.csv, report.html")
    if (out / "workbook.xlsx").exists():
        print(f"wrote {out}/workbook.xlsx")


def _run(scenario_path: Path, args, argv) -> int:
    from .files import run_files

    scenario = load_scenario(scenario_path)
    variants = args.variant
    check_variants(scenario_path, scenario, variants)
    out = Path(args.out) if args.out else Path("out") / scenario_path.stem
    check_out(out, args.force)
    progress = Progress(quiet=args.quiet)
    try:
        engine = getattr(args, "engine", "montecarlo")
        result = simulate(
            scenario, variants, trials=args.trials, seed=args.seed, progress=progress, engine=engine
        )
    finally:
        progress.close()
    files = run_files(result, argv)
    if args.xlsx:
        from ..kit.excel import workbook_bytes
        from .excel import run_sheets
        from .narrative import summary_lines

        files["workbook.xlsx"] = workbook_bytes(run_sheets(result, summary_lines(result)))
    write_files(out, files, args.force)
    if not args.quiet:
        _print_summary(result, out)
    return EXIT_OK


def cmd_simulate(args, argv) -> int:
    return _run(Path(args.scenario), args, argv)


def cmd_demo(args, argv) -> int:
    demo = resources.files("planlab") / "data" / "demo.toml"
    with resources.as_file(demo) as path:
        if args.out is None:
            args.out = "out/demo"
        return _run(Path(path), args, argv)


def cmd_validate(args, argv) -> int:
    scenario = load_scenario(args.scenario)
    from sim.run import check_roster_targets, make_population

    population = make_population(scenario)  # reads the roster
    check_roster_targets(scenario, population)
    names = ", ".join(scenario.variants) or "no variants"
    print(
        f"{args.scenario}: OK — {scenario.name}; base plan {scenario.plan.name!r} on "
        f"{', '.join(scenario.plan.measure_ids)}; {names}"
    )
    return EXIT_OK


def _add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--variant",
        action="append",
        metavar="NAME",
        help="plan variant to simulate beside the base (repeatable; default: all)",
    )
    add_output_options(p, "out/<scenario name>")
    p.add_argument("--xlsx", action="store_true", help="also write the tables as workbook.xlsx")


def add_simulate_commands(sub) -> None:
    """Register simulate, demo and validate on the ``planlab`` sub-command parser."""
    p = sub.add_parser("simulate", help="simulate a scenario's plans and write a report")
    p.add_argument("scenario", help="scenario TOML file")
    _add_run_options(p)
    p.add_argument(
        "--engine",
        choices=("montecarlo", "pipeline"),
        default="montecarlo",
        help="montecarlo (fast, default) or pipeline (SimPy deals, stages, renewals, capacity)",
    )
    p.set_defaults(func=cmd_simulate)
    p = sub.add_parser("demo", help="simulate the bundled key-account demo scenario")
    _add_run_options(p)
    p.set_defaults(func=cmd_demo)
    p = sub.add_parser("validate", help="check a scenario file without running it")
    p.add_argument("scenario", help="scenario TOML file")
    p.set_defaults(func=cmd_validate)
