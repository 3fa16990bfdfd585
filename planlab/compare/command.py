"""``planlab compare``: plan variants side by side on the same draws, for sign-off.

Writes, all at once: ``comparison.csv`` (metrics down, variants across),
``differences.csv`` (each variant against the base plan, with paired
confidence intervals), ``rep_differences.csv`` (who gains and who loses: each
rep's paired payout and revenue differences with intervals), ``summary.json`` (results only: same scenario and seed,
same bytes), ``manifest.json``, ``report.html`` and, with ``--xlsx``,
``workbook.xlsx``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from sim import load_scenario, simulate
from sim.compare import differences
from sim.rep_differences import gains_and_losses, rep_differences
from sim.run import SimulationResult

from ..kit.excel import workbook_bytes
from ..kit.files import check_out, manifest, run_inputs, to_csv, to_json, write_files
from ..kit.html import Table
from ..kit.memory import check_run_memory
from ..kit.options import EXIT_OK, Progress, UsageError, check_variants
from ..kit.scheduler import scheduler_executor
from ..kit.terminal import metric_table
from ..simulate.excel import run_sheets
from ..simulate.narrative import summary_lines
from ..simulate.report import render_report
from ..simulate.tables import earnings_tables, run_tables
from .narrative import comparison_lines, material_differences
from .report import comparison_section

__all__ = ["cmd_compare", "compare_files", "comparison_findings"]

LEVEL = 0.95


def _nested(diffs: pd.DataFrame) -> dict:
    """Differences as {variant: {metric: {...}}} for JSON."""
    return {v: diffs.loc[v].to_dict(orient="index") for v in diffs.index.unique(level="variant")}


def comparison_findings(
    result: SimulationResult,
    diffs: pd.DataFrame,
    tables: Mapping[str, Table] | None = None,
    material: pd.Series | None = None,
) -> list[str]:
    """The executive summary of a comparison: one line per variant, then the base plan's
    achievability, cost and cost of sales (the simulate report has the rest)."""
    first = result.base.plan.measures[0].id
    cur = result.scenario.currency
    lines = comparison_lines(diffs, result.population.size, first, LEVEL, cur, material)
    return lines + summary_lines(result, variants=False, tables=tables)[:3]


def compare_files(
    result: SimulationResult,
    argv: list[str] | None = None,
    xlsx: bool = False,
    tables: Mapping[str, Table] | None = None,
    diffs: pd.DataFrame | None = None,
    per_rep: pd.DataFrame | None = None,
    findings: list[str] | None = None,
) -> dict[str, str | bytes]:
    """Every output file of a comparison, name -> text (or bytes for the workbook).

    The run's tables, the differences and the per-rep differences are built once
    (here, unless given) and handed to every writer; the comparison table is the
    run's company table; ``findings`` are :func:`comparison_findings` (worked out here
    unless given).
    """
    tables = run_tables(result) if tables is None else tables
    table = tables["company"]
    diffs = differences(result, level=LEVEL) if diffs is None else diffs
    material = material_differences(diffs, result.population.size)
    if findings is None:
        findings = comparison_findings(result, diffs, tables, material)
    flagged = diffs.assign(material=material)
    per_rep = rep_differences(result, level=LEVEL) if per_rep is None else per_rep
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
    earnings = earnings_tables(result)
    title = f"planlab — comparison — {result.scenario.name}"
    files: dict[str, str | bytes] = {
        "comparison.csv": to_csv(table),
        "differences.csv": to_csv(flagged),
        "rep_differences.csv": to_csv(per_rep.reset_index()),
        "summary.json": to_json(summary),
        "manifest.json": to_json({**manifest(result, argv), "command_kind": "compare"}),
        "report.html": render_report(
            result,
            title,
            tables,
            findings,
            [("comparison", "Comparison", section)],
            leave_out={"company"},  # the comparison section shows it
            earnings=earnings,
        ),
    }
    if xlsx:
        files["workbook.xlsx"] = workbook_bytes(
            run_sheets(result, findings, flagged, tables=tables, earnings=earnings),
            result.scenario.currency,
        )
    return files


def _print(result: SimulationResult, table: pd.DataFrame, findings: list[str], files, out) -> None:
    keys = (
        "revenue_expected",
        "incentive_cost_expected",
        "incentive_cost_p90",
        "cost_of_sales",
        "share_at_target",
        "payout_gini",
    )
    print(
        f"{result.scenario.name}: {result.population.size:,} reps, {result.trials:,} trials, "
        f"seed {result.seed}"
    )
    print(metric_table(table.T, keys, result.scenario.currency))
    for line in findings:
        print(f"- {line}")
    print(f"wrote {out}/{', '.join(files)}")


def cmd_compare(args, argv) -> int:
    path = Path(args.scenario)
    scenario = load_scenario(path)
    check_variants(path, scenario, args.variants)
    names = [v for v in (args.variants or scenario.variants) if v != "base"]
    if not names:
        raise UsageError(
            f"{path}: nothing to compare: name a variant with --variants "
            f"(the scenario's variants: {', '.join(scenario.variants) or 'none'})"
        )
    engine = getattr(args, "engine", "montecarlo")
    check_run_memory(args, scenario, path, trials=args.trials, plans=1 + len(names), engine=engine)
    out = Path(args.out) if args.out else Path("out") / f"{path.stem}-compare"
    inputs = run_inputs(scenario)
    check_out(out, args.force, inputs)
    progress = Progress(quiet=args.quiet)
    with progress.step("simulating") as tick, scheduler_executor(args) as executor:
        result = simulate(
            scenario,
            names,
            trials=args.trials,
            seed=args.seed,
            progress=tick,
            executor=executor,
            rep_years=False,
            engine=engine,
        )
    with progress.step("comparing and writing the report"):
        tables = run_tables(result)
        diffs = differences(result, level=LEVEL)
        per_rep = rep_differences(result, level=LEVEL)
        findings = comparison_findings(result, diffs, tables)
        files = compare_files(result, argv, args.xlsx, tables, diffs, per_rep, findings)
    write_files(out, files, args.force, inputs)
    if not args.quiet:
        _print(result, tables["company"], findings, files, out)
    return EXIT_OK
