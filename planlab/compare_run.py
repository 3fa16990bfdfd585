"""``planlab compare``: plan variants side by side on the same draws, for sign-off.

Writes, all at once: ``comparison.csv`` (metrics down, variants across),
``differences.csv`` (each variant against the base plan, with paired
confidence intervals), ``rep_differences.csv`` (who gains and who loses: each
rep's paired payout and revenue differences with intervals), ``summary.json`` (results only: same scenario and seed,
same bytes), ``manifest.json``, ``report.html`` and, with ``--xlsx``,
``workbook.xlsx``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from sim import load_scenario, simulate
from sim.compare import comparison_table, differences
from sim.rep_differences import gains_and_losses, rep_differences
from sim.run import SimulationResult

from .compare_narrative import comparison_lines, material_differences
from .export import to_csv, to_json
from .narrative import summary_lines
from .scheduler import add_scheduler_option, scheduler_executor

__all__ = ["add_compare_parser", "cmd_compare", "compare_files", "comparison_findings"]

LEVEL = 0.95


def _nested(diffs: pd.DataFrame) -> dict:
    """Differences as {variant: {metric: {...}}} for JSON."""
    return {v: diffs.loc[v].to_dict(orient="index") for v in diffs.index.unique(level="variant")}


def comparison_findings(result: SimulationResult, diffs: pd.DataFrame) -> list[str]:
    """The executive summary of a comparison: one line per variant, then the base plan's
    achievability, cost and cost of sales (the simulate report has the rest)."""
    first = result.base.plan.measures[0].id
    lines = comparison_lines(diffs, result.population.size, first, LEVEL)
    return lines + summary_lines(result, variants=False)[:3]


def compare_files(
    result: SimulationResult, argv: list[str] | None = None, xlsx: bool = False
) -> dict[str, str | bytes]:
    """Every output file of a comparison, name -> text (or bytes for the workbook)."""
    from .report import comparison_section, render_report
    from .run_files import manifest

    table = comparison_table(result)
    diffs = differences(result, level=LEVEL)
    material = material_differences(diffs, result.population.size)
    findings = comparison_findings(result, diffs)
    flagged = diffs.assign(material=material)
    per_rep = rep_differences(result, level=LEVEL)
    summary = {
        "scenario": result.scenario.name,
        "seed": result.seed,
        "trials": result.trials,
        "reps": result.population.size,
        "confidence_level": LEVEL,
        "findings": findings,
        "comparison": table,
        "differences": _nested(flagged),
        "who_gains": gains_and_losses(per_rep).to_dict(orient="index"),
    }
    section = comparison_section(result, table, diffs, material, LEVEL)
    title = f"planlab — comparison — {result.scenario.name}"
    files: dict[str, str | bytes] = {
        "comparison.csv": to_csv(table),
        "differences.csv": to_csv(flagged),
        "rep_differences.csv": to_csv(per_rep.reset_index()),
        "summary.json": to_json(summary),
        "manifest.json": to_json({**manifest(result, argv), "command_kind": "compare"}),
        "report.html": render_report(
            result, title, {}, findings, [("comparison", "Comparison", section)]
        ),
    }
    if xlsx:
        from .excel import run_sheets, workbook_bytes

        files["workbook.xlsx"] = workbook_bytes(run_sheets(result, findings, flagged))
    return files


def _print(result: SimulationResult, files: dict, out: Path) -> None:
    table = comparison_table(result)
    show = {
        "revenue": table.loc["revenue_expected"].map(lambda x: f"{x / 1e6:,.2f}M"),
        "incentive": table.loc["incentive_cost_expected"].map(lambda x: f"{x / 1e6:,.2f}M"),
        "incentive P90": table.loc["incentive_cost_p90"].map(lambda x: f"{x / 1e6:,.2f}M"),
        "cost of sales": table.loc["cost_of_sales"].map(lambda x: f"{x:.2%}"),
        "at target": table.loc["share_at_target"].map(lambda x: f"{x:.0%}"),
        "gini": table.loc["payout_gini"].map(lambda x: f"{x:.2f}"),
    }
    print(
        f"{result.scenario.name}: {result.population.size} reps, {result.trials} trials, "
        f"seed {result.seed}"
    )
    print(pd.DataFrame(show).to_string())
    for line in comparison_findings(result, differences(result, level=LEVEL)):
        print(f"- {line}")
    print(f"wrote {out}/{', '.join(files)}")


def cmd_compare(args, argv) -> int:
    from .cli import EXIT_OK, Progress, UsageError, check_variants
    from .export import check_out, write_files

    path = Path(args.scenario)
    scenario = load_scenario(path)
    check_variants(path, scenario, args.variants)
    names = [v for v in (args.variants or scenario.variants) if v != "base"]
    if not names:
        raise UsageError(
            f"{path}: nothing to compare: name a variant with --variants "
            f"(the scenario's variants: {', '.join(scenario.variants) or 'none'})"
        )
    out = Path(args.out) if args.out else Path("out") / f"{path.stem}-compare"
    check_out(out, args.force)
    progress = Progress(quiet=args.quiet)
    try:
        with scheduler_executor(args) as executor:
            result = simulate(
                scenario,
                names,
                trials=args.trials,
                seed=args.seed,
                progress=progress,
                executor=executor,
            )
    finally:
        progress.close()
    files = compare_files(result, argv, xlsx=args.xlsx)
    write_files(out, files, args.force)
    if not args.quiet:
        _print(result, files, out)
    return EXIT_OK


def add_compare_parser(sub) -> argparse.ArgumentParser:
    """Register ``planlab compare`` on the command line's subparsers."""
    from .cli import add_output_options

    p = sub.add_parser(
        "compare", help="compare plan variants on the same draws and write a sign-off report"
    )
    p.add_argument("scenario", help="scenario TOML file")
    p.add_argument(
        "--variants",
        nargs="+",
        metavar="NAME",
        help="variants to compare with the base plan (default: all)",
    )
    add_output_options(p, "out/<scenario name>-compare", min_trials=2)
    p.add_argument("--xlsx", action="store_true", help="also write the tables as workbook.xlsx")
    add_scheduler_option(p)
    p.set_defaults(func=cmd_compare)
    return p
