"""Figures of a plan review and a check-in (matplotlib ``Figure`` objects, no pyplot state)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..kit.plot import MARKERS, colour, mathtext_safe, money_axis, percent_axis, style_axes

__all__ = ["checkin_cost", "fit_histogram", "shrinkage_plot"]


def fit_histogram(actual: np.ndarray, simulated: np.ndarray, measure: str) -> Figure:
    """Actual attainment per rep against the calibrated model's simulated distribution."""
    fig = Figure(figsize=(7.5, 4.4), layout="constrained")
    ax = fig.subplots()
    hi = min(max(float(np.quantile(simulated, 0.99)), float(actual.max()), 1.5), 4.0)
    bins = np.linspace(0.0, hi, 41)
    sim = np.clip(simulated.ravel(), 0, hi)
    ax.hist(
        sim,
        bins=bins,
        weights=np.full(sim.size, 1 / sim.size),
        color=colour(0),
        alpha=0.35,
        label="calibrated model (all simulated years)",
    )
    act = np.clip(actual, 0, hi)
    ax.hist(
        act,
        bins=bins,
        weights=np.full(act.size, 1 / act.size),
        histtype="step",
        linewidth=2,
        color=colour(1),
        label="actual, last year",
    )
    ax.axvline(1.0, color=MARKERS["target"], linestyle="--", linewidth=1.2, label="target")
    ax.set_title(mathtext_safe(f"Annual {measure} attainment: actual against the calibrated model"))
    ax.set_xlabel("Attainment")
    ax.set_ylabel("Share of reps")
    percent_axis(ax.xaxis)
    percent_axis(ax.yaxis)
    ax.legend(fontsize=8, frameon=False)
    style_axes(ax)
    return fig


def shrinkage_plot(reps: pd.DataFrame) -> Figure:
    """Raw productivity against the shrunk estimate: few deals, more pull towards the team."""
    fig = Figure(figsize=(7.5, 4.4), layout="constrained")
    ax = fig.subplots()
    raw, shrunk, deals = reps["productivity_raw"], reps["productivity"], reps["deals"]
    sc = ax.scatter(raw, shrunk, c=deals, cmap="viridis", s=18)
    lim = [0, float(np.nanmax([raw.max(), shrunk.max(), 1.5])) * 1.05]
    ax.plot(lim, lim, color="#999999", linewidth=1, label="no shrinkage")
    ax.axhline(1.0, color=MARKERS["target"], linestyle="--", linewidth=1, label="team average")
    fig.colorbar(sc, ax=ax, label="deals observed")
    ax.set_xlim(lim)
    ax.set_ylim(lim)
    ax.set_title("Rep productivity: raw rate against the estimate shrunk towards peers")
    ax.set_xlabel("Raw productivity (deals / expected at average productivity)")
    ax.set_ylabel("Shrunk estimate")
    ax.legend(fontsize=8, frameon=False)
    style_axes(ax)
    return fig


def checkin_cost(options: pd.DataFrame) -> Figure:
    """Expected incentive cost (P10-P90) and revenue of each option."""
    fig = Figure(figsize=(7.5, 0.6 * len(options) + 1.8), layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(options))
    mid = options["incentive_cost_expected"].to_numpy()
    lo, hi = options["incentive_cost_p10"].to_numpy(), options["incentive_cost_p90"].to_numpy()
    ax.errorbar(mid, y, xerr=[mid - lo, hi - mid], fmt="o", color=colour(0), capsize=4)
    ax.set_yticks(y, [mathtext_safe(n) for n in options.index])
    ax.invert_yaxis()
    ax.set_title("Year-end incentive cost by option (expected, P10–P90)")
    ax.set_xlabel("Total incentive cost")
    money_axis(ax.xaxis)
    style_axes(ax)
    return fig
