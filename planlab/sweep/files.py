"""The output files of a sweep, built once from its tables.

``sweep.csv`` (one row per variant x market x metric, with paired intervals
against the base plan in the same market), ``ranking.csv`` (robustness: worst
case and regret per variant, with its plain-language line),
``rep_differences.csv`` (per market, variant and rep: who gains, who loses),
``summary.json`` (results only: same scenario and seed, same bytes, on any
executor), ``report.html`` (heatmaps per headline metric, drawn as SVG) and
``workbook.xlsx``.
"""

from __future__ import annotations

import pandas as pd

from planlab import __version__
from sim.sweep.run import HEADLINE, SweepResult

from ..kit.excel import workbook_bytes
from ..kit.files import to_csv, to_json
from ..kit.format import column_kind, label
from ..kit.html import (
    blocks,
    bullets,
    executive_summary,
    figure_html,
    markup,
    more_findings,
    note,
    render_table,
    report_page,
)
from .figures import heatmap

__all__ = ["sweep_files", "sweep_lines"]


def sweep_lines(result: SweepResult) -> list[str]:
    """The executive summary: one plain-language line per variant, best ranked first."""
    return list(result.ranking["line"])


def _verdict_lines(result: SweepResult) -> list[str]:
    out = []
    for (market, variant), row in result.verdicts.iterrows():
        out.append(
            f"{variant} in {market}: {row['gains']} reps gain, {row['loses']} lose, "
            f"{row['no clear change']} show no clear change (95% paired intervals on payout)."
        )
    return out


def _summary(result: SweepResult, manifest: dict, lines: list[str]) -> dict:
    cells = result.cells
    nested: dict = {}
    for row in cells.itertuples(index=False):
        nested.setdefault(row.market, {}).setdefault(row.variant, {})[row.metric] = {
            "value": row.value,
            "difference": row.difference,
            "ci_low": row.ci_low,
            "ci_high": row.ci_high,
            "significant": row.significant,
        }
    return {
        "scenario": result.scenario.name,
        "seed": result.seed,
        "trials": result.trials,
        "variants": result.variants,
        "markets": result.markets,
        "findings": lines,
        "cells": nested,
        "ranking": result.ranking.drop(columns="line").to_dict(orient="index"),
        "verdicts": {f"{m}/{v}": row.to_dict() for (m, v), row in result.verdicts.iterrows()},
        **manifest,
    }


def _report(result: SweepResult, lines: list[str], grids: dict[str, pd.DataFrame]) -> str:
    """The sweep's report in the layout of every report: the robustness lines and the
    first headline heatmap on the first screen, then the ranking, the other heatmaps and
    who gains; every cell in the appendix."""
    cur = result.scenario.currency
    charts = [
        (
            f"fig-{metric.replace('_', '-')}",
            label(metric),
            heatmap(grids[metric], metric, higher, cur),
            f"Heatmap of {label(metric)} for each plan variant and market",
            "Variants down, markets across; greener where the metric reads better.",
        )
        for metric, higher in HEADLINE.items()
    ]
    cells = result.cells.set_index(["variant", "market", "metric"])
    sections = [
        (
            "executive-summary",
            "Executive summary",
            executive_summary(lines, figure_html(*charts[0])),
        ),
        (
            "robustness",
            "Robustness",
            blocks(
                note(
                    "Each variant judged on profit after incentive: its worst market, and its "
                    "largest regret (how far it falls short of the best variant in a market); "
                    "ranked by regret."
                ),
                markup(render_table(result.ranking.drop(columns="line"), currency=cur)),
            ),
        ),
        (
            "heatmaps",
            "Headline metrics by market",
            blocks(*(markup(figure_html(*c)) for c in charts[1:])),
        ),
        ("who-gains", "Who gains, who loses", blocks(bullets(_verdict_lines(result)))),
    ]
    appendix = [
        *more_findings(lines),
        (
            "cells",
            "Every cell",
            blocks(
                note(
                    "Each variant against the base plan in the same market, with 95% paired "
                    "intervals."
                ),
                markup(render_table(cells, currency=cur, every_row_in="sweep.csv")),
            ),
        ),
    ]
    facts = [
        ("Seed", str(result.seed)),
        ("Trials", f"{result.trials:,}"),
        ("Plan variants", f"{len(result.variants):,}"),
        ("Markets", f"{len(result.markets):,}"),
    ]
    return report_page(
        f"planlab — sweep — {result.scenario.name}",
        [*sections, *appendix],
        facts,
        f"planlab {__version__} · every variant meets every market on the same draws",
        lead="Scenario:",
        lead_strong=result.scenario.name,
        description=result.scenario.description,
        appendix=frozenset(a for a, _, _ in appendix),
    )


def sweep_files(result: SweepResult, argv: list[str] | None = None) -> dict[str, str | bytes]:
    """Every output file of a sweep, name -> text (or bytes for the workbook); the findings
    and the headline grids are built once and handed to every writer."""
    manifest = {"command": argv or [], "scenario_digest": result.scenario.digest}
    reps = result.reps.reset_index()
    lines = sweep_lines(result)
    grids = {m: result.grid(m) for m in HEADLINE}
    return {
        "sweep.csv": to_csv(result.cells),
        "ranking.csv": to_csv(result.ranking),
        "rep_differences.csv": to_csv(reps),
        "summary.json": to_json(_summary(result, {}, lines)),
        "manifest.json": to_json({**manifest, "command_kind": "sweep"}),
        "report.html": _report(result, lines, grids),
        "workbook.xlsx": workbook_bytes(
            {
                "ranking": result.ranking,
                "cells": result.cells,
                "who gains": result.verdicts,
                "reps": reps,
                **grids,
            },
            result.scenario.currency,
            kinds={m: column_kind(m) for m in grids},  # a grid holds one metric
        ),
    }
