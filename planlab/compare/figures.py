"""Figures of a comparison of plan variants, as SVG charts (:mod:`planlab.kit.svg`)."""

from __future__ import annotations

import numpy as np

from sim.run import SimulationResult

from ..kit.svg import (
    MARKERS,
    Chart,
    attainment_panel,
    chart,
    colour,
    histogram_upper,
    shares,
)

__all__ = ["attainment_overlay"]


def attainment_overlay(result: SimulationResult) -> Chart:
    """Attainment distributions of every variant overlaid: weighted attainment, and the
    base plan's first measure (variants that do not pay on it are left out)."""
    first = result.base.plan.measures[0]
    series = {
        "Weighted attainment (all measures)": {
            n: v.summary.sample["weighted_attainment"] for n, v in result.variants.items()
        },
        f"{first.id} attainment": {
            n: v.summary.sample[f"attainment:{first.id}"]
            for n, v in result.variants.items()
            if f"attainment:{first.id}" in v.summary.sample
        },
    }
    panels = []
    for title, by_variant in series.items():
        every = np.concatenate([np.asarray(a, dtype=float).ravel() for a in by_variant.values()])
        hi = histogram_upper(every, [1.0])
        edges = np.linspace(0.0, hi, 41)
        panel = attainment_panel(
            title,
            hi,
            "Annual attainment (% of target; last bar holds the rest)",
            "Share of rep-years",
        )
        for i, (name, a) in enumerate(by_variant.items()):
            panel.steps(edges, shares(a, edges), colour(i), name, max(1.2, 2.6 - 0.4 * i))
        panel.vline(1.0, MARKERS["target"])
        panels.append(panel)
    return chart(panels, "Attainment by variant", panel_size=(540, 340))
