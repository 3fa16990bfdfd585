"""The output files of a sweep, built once from its tables.

``sweep.csv`` (one row per variant x market x metric, with paired intervals
against the base plan in the same market), ``ranking.csv`` (robustness: worst
case and regret per variant, with its plain-language line),
``rep_differences.csv`` (per market, variant and rep: who gains, who loses),
``summary.json`` (results only: same scenario and seed, same bytes, on any
executor), ``report.html`` (heatmaps per headline metric) and
``workbook.xlsx``.
"""

from __future__ import annotations

from html import escape

from sim.sweep.run import HEADLINE, SweepResult

from ..kit.excel import workbook_bytes
from ..kit.files import to_csv, to_json
from ..kit.html import page, render_table
from ..kit.plot import to_data_uri
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


def _summary(result: SweepResult, manifest: dict) -> dict:
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
        "findings": sweep_lines(result),
        "cells": nested,
        "ranking": result.ranking.drop(columns="line").to_dict(orient="index"),
        "verdicts": {f"{m}/{v}": row.to_dict() for (m, v), row in result.verdicts.iterrows()},
        **manifest,
    }


def _report(result: SweepResult) -> str:
    title = f"planlab — sweep — {result.scenario.name}"
    items = "".join(f"<li>{escape(line)}</li>" for line in sweep_lines(result))
    body = [
        f"<h1>{escape(title)}</h1>",
        f"<p>{len(result.variants)} plan variants x {len(result.markets)} markets, "
        f"{result.trials:,} trials each on the same draws (seed {result.seed}).</p>",
        f'<section id="robustness"><h2>Robustness</h2><ul>{items}</ul>',
        render_table(result.ranking.drop(columns="line")),
        "</section>",
        '<section id="heatmaps"><h2>Headline metrics by market</h2>',
    ]
    for metric, higher in HEADLINE.items():
        uri = to_data_uri(heatmap(result.grid(metric), metric, higher))
        alt = f"Heatmap of {metric} for each plan variant and market"
        body.append(f'<figure><img src="{uri}" alt="{escape(alt)}"></figure>')
    body.append("</section>")
    verdicts = "".join(f"<li>{escape(x)}</li>" for x in _verdict_lines(result))
    body.append(
        f'<section id="who-gains"><h2>Who gains, who loses</h2><ul>{verdicts}</ul></section>'
    )
    cells = result.cells.set_index(["variant", "market", "metric"])
    body.append(
        '<section id="cells"><h2>Every cell</h2>'
        "<p>Each variant against the base plan in the same market, with 95% paired "
        "intervals.</p>" + render_table(cells) + "</section>"
    )
    return page(title, "".join(body))


def sweep_files(result: SweepResult, argv: list[str] | None = None) -> dict[str, str | bytes]:
    """Every output file of a sweep, name -> text (or bytes for the workbook)."""
    manifest = {"command": argv or [], "scenario_digest": result.scenario.digest}
    reps = result.reps.reset_index()
    return {
        "sweep.csv": to_csv(result.cells),
        "ranking.csv": to_csv(result.ranking),
        "rep_differences.csv": to_csv(reps),
        "summary.json": to_json(_summary(result, {})),
        "manifest.json": to_json({**manifest, "command_kind": "sweep"}),
        "report.html": _report(result),
        "workbook.xlsx": workbook_bytes(
            {
                "ranking": result.ranking,
                "cells": result.cells,
                "who gains": result.verdicts,
                "reps": reps,
                **{m: result.grid(m) for m in HEADLINE},
            }
        ),
    }
