"""The files of a ``planlab simulate`` run, built in memory before anything is written.

``summary.json`` holds results only (same scenario and seed, same bytes);
``manifest.json`` holds provenance (file hash, seed, versions, time);
``reps.csv`` the per-rep table; ``report.html`` the self-contained report.
"""

from __future__ import annotations

from collections.abc import Mapping

from sim import metrics as M
from sim.run import SimulationResult

from ..kit.excel import workbook_bytes
from ..kit.files import manifest, to_csv, to_json
from ..kit.html import Table
from .excel import run_sheets
from .narrative import summary_lines
from .tables import earnings_tables, run_tables

__all__ = ["run_files", "summary"]


def summary(result: SimulationResult, tables: Mapping[str, Table], findings: list[str]) -> dict:
    """Results of the run, per variant: company, measure, team and reward metrics, read
    from the run's tables."""
    variants = {}
    for name, v in result.variants.items():
        rewards = M.reward_metrics(result, name)[[r.name for r in v.plan.rewards]].sum()
        variants[name] = {
            "plan": v.plan.name,
            "company": tables["company"][name],
            "measures": tables["measures"].xs(name, level="variant"),
            "teams": tables["teams"].xs(name, level="variant"),
            "rewards_expected_qualifiers": rewards,
        }
        if v.behaviour is not None:
            variants[name]["behaviour"] = tables["behaviour"][name]
    return {
        "scenario": result.scenario.name,
        "seed": result.seed,
        "trials": result.trials,
        "reps": result.population.size,
        "findings": findings,
        "variants": variants,
    }


def run_files(
    result: SimulationResult,
    argv: list[str] | None = None,
    xlsx: bool = False,
    tables: Mapping[str, Table] | None = None,
    findings: list[str] | None = None,
) -> dict[str, str | bytes]:
    """Every output file of a run, name -> text (bytes for the workbook). The tables and
    findings are built once (here, unless given) and handed to every writer."""
    from .report import render_report

    tables = run_tables(result) if tables is None else tables
    findings = summary_lines(result, tables=tables) if findings is None else findings
    title = f"planlab — {result.scenario.name}"
    earnings = earnings_tables(result)
    files: dict[str, str | bytes] = {
        "summary.json": to_json(summary(result, tables, findings)),
        "manifest.json": to_json(manifest(result, argv)),
        "reps.csv": to_csv(tables["reps"]),
        "report.html": render_report(result, title, tables, findings, earnings=earnings),
    }
    if xlsx:
        files["workbook.xlsx"] = workbook_bytes(
            run_sheets(result, findings, tables=tables, earnings=earnings),
            result.scenario.currency,
        )
    return files
