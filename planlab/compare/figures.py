"""Figures of a comparison of plan variants."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from sim.run import SimulationResult

from ..kit.plot import (
    MARKERS,
    colour,
    histogram_upper,
    mathtext_safe,
    panels,
    percent_axis,
    style_axes,
)

__all__ = ["attainment_overlay"]


def attainment_overlay(result: SimulationResult) -> Figure:
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
    fig, axes = panels(2, width=5.2)
    for ax, (title, by_variant) in zip(axes, series.items(), strict=True):
        every = np.concatenate([np.asarray(a, dtype=float).ravel() for a in by_variant.values()])
        hi = histogram_upper(every, [1.0])
        bins = np.linspace(0.0, hi, 41)
        for i, (name, a) in enumerate(by_variant.items()):
            a = np.clip(np.asarray(a, dtype=float).ravel(), 0.0, hi)
            ax.hist(
                a,
                bins=bins,
                weights=np.full(a.size, 1.0 / a.size),
                histtype="step",
                linewidth=max(1.2, 2.6 - 0.4 * i),
                color=colour(i),
                label=mathtext_safe(name),
            )
        ax.axvline(1.0, color=MARKERS["target"], linestyle="--", linewidth=1.1)
        ax.set_title(mathtext_safe(title))
        ax.set_xlabel("Annual attainment (% of target; last bar holds the rest)")
        ax.set_ylabel("Share of rep-years")
        percent_axis(ax.xaxis)
        percent_axis(ax.yaxis)
        ax.legend(fontsize=8, frameon=False)
        style_axes(ax)
    fig.suptitle("Attainment by variant", fontsize=12)
    return fig
