"""Figures of an optimisation: the budget frontier and the targets chosen.

Pure functions, data in and a new ``Figure`` out, in the style of
:mod:`planlab.figures`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..kit.plot import MARKERS, colour, money_axis, percent_axis, style_axes

__all__ = ["frontier", "target_changes"]


def frontier(df: pd.DataFrame) -> Figure:
    """Expected profit against expected incentive cost and against achievability,
    as the budget sweeps; the chosen plan marked."""
    fig = Figure(figsize=(9.5, 3.6), layout="constrained")
    ax_cost, ax_ach = fig.subplots(1, 2)
    ok = df[df["status"].isin(["optimal", "feasible"])]
    chosen = df[df["status"] == "chosen"]
    for ax, x, label in (
        (ax_cost, "expected_incentive", "expected incentive cost"),
        (ax_ach, "share_at_target", "expected share of reps at target"),
    ):
        ax.plot(ok[x], ok["expected_profit"], "o-", color=colour(0), label="best plan per budget")
        ax.plot(
            chosen[x],
            chosen["expected_profit"],
            marker="*",
            markersize=16,
            linestyle="none",
            color=MARKERS["threshold"],
            label="chosen",
        )
        ax.set_xlabel(label)
        ax.set_ylabel("expected gross profit after incentive")
        money_axis(ax.yaxis)
        style_axes(ax)
    money_axis(ax_cost.xaxis)
    percent_axis(ax_ach.xaxis)
    ax_cost.legend(fontsize=8, frameon=False)
    return fig


def target_changes(targets: pd.DataFrame) -> Figure:
    """Each rep's new target against last period's, coloured by chance of reaching it."""
    fig = Figure(figsize=(6.5, 4.2), layout="constrained")
    ax = fig.subplots()
    last, new = targets["last_target"].to_numpy(), targets["target"].to_numpy()
    dots = ax.scatter(last, new, c=targets["p_target"], cmap="viridis", vmin=0, vmax=1, s=28)
    lo, hi = float(np.nanmin([last, new])), float(np.nanmax([last, new]))
    ax.plot([lo, hi], [lo, hi], color="#999999", linewidth=1, label="no change")
    ax.set_xlabel("last period's target")
    ax.set_ylabel("optimised target")
    money_axis(ax.xaxis)
    money_axis(ax.yaxis)
    bar = fig.colorbar(dots, ax=ax)
    bar.set_label("chance of reaching target")
    ax.legend(fontsize=8, frameon=False, loc="upper left")
    style_axes(ax)
    return fig
