"""The comparison section of a report: variants side by side, their differences from
the base plan with paired intervals, and attainment overlaid."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from sim.metrics import BEHAVIOUR_KEYS, METRIC_BY_KEY
from sim.run import SimulationResult

from ..kit.format import column_kind, format_change
from ..kit.html import blocks, figure_html, heading, markup, note, render_table
from ..simulate.tables import behaviour_applies, idle_left_out
from . import figures as F

__all__ = ["comparison_section"]


def _difference_cell(row: Mapping[str, float], metric: str, material: bool, currency: str) -> str:
    kind = column_kind(metric)
    if not np.isfinite(row["difference"]):
        return "–"
    d = format_change(float(row["difference"]), kind, currency)
    lo, hi = (format_change(float(row[k]), kind, currency) for k in ("ci_low", "ci_high"))
    return f"{'● ' if material else ''}{d} ({lo} to {hi})"


def comparison_section(
    result: SimulationResult,
    table: pd.DataFrame,
    diffs: pd.DataFrame,
    material: pd.Series,
    level: float = 0.95,
) -> str:
    """Variants side by side, their differences from the base plan with paired intervals,
    and the attainment of each variant overlaid (see :mod:`sim.compare`). Behaviour
    metrics are left out when reps do not respond to the plan (they would be zeros)."""
    cur = result.scenario.currency
    if not behaviour_applies(result):
        table = table.drop(index=[m for m in table.index if m in BEHAVIOUR_KEYS])
    table, idle = idle_left_out(table)
    rows = diffs[["difference", "ci_low", "ci_high"]].to_dict(orient="index")
    flags = material.to_dict()
    cells = {
        variant: [
            _difference_cell(rows[(variant, m)], m, bool(flags.get((variant, m), False)), cur)
            for m in table.index
        ]
        for variant in diffs.index.unique(level="variant")
    }
    dtable = pd.DataFrame(cells, index=table.index)
    table = table.assign(
        what_it_measures=[
            METRIC_BY_KEY[m].meaning if m in METRIC_BY_KEY else "" for m in table.index
        ]
    )
    notes = (
        "Each metric per variant, estimated on the same simulated years (metrics of attainment "
        "read the base plan's first measure; behaviour metrics appear when reps respond to "
        "the plan)."
    )
    dnotes = (
        f"Difference from the base plan and its {level:.0%} confidence interval, from the "
        "per-year (paired) differences: every variant is simulated on the same draws, so luck "
        "cancels and the intervals are tight. ● marks a material difference: the interval "
        "excludes zero and the size matters."
    )
    fig = F.attainment_overlay(result)
    left_out = (
        [
            note(
                f"Not shown, zero in every variant (that part of the model is off): {', '.join(idle)}."
            )
        ]
        if idle
        else []
    )
    return blocks(
        note(notes),
        markup(render_table(table, currency=cur, verbatim=result.variants)),
        *left_out,
        heading("Differences from the base plan"),
        note(dnotes),
        markup(render_table(dtable, verbatim=result.variants)),
        markup(
            figure_html(
                "fig-attainment-overlay",
                "Attainment by variant",
                fig,
                "Overlaid histograms of annual attainment for each variant",
                "Share of rep-years at each attainment; the dashed line marks target. When "
                "reps' effort does not depend on the plan, attainment is the same under every "
                "variant and the lines coincide.",
            )
        ),
    )
