"""Figures of an optimisation: the budget frontier and the targets chosen.

Pure functions, data in and a new ``Figure`` out, in the style of
:mod:`planlab.simulate.figures`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from ..kit.plot import MARKERS, colour, money_axis, style_axes

__all__ = ["frontier", "frontier_points", "target_changes"]


def frontier_points(df: pd.DataFrame, gap: float = 1e-3) -> pd.DataFrame:
    """The budget frontier as a reader should see it: solved points by incentive cost,
    a point left out when a cheaper one earns more profit (beyond the solver's relative
    ``gap``, within which two solves cannot be told apart), the chosen plan always kept."""
    ok = df[df["status"].isin(["optimal", "feasible", "chosen"])].sort_values(
        ["expected_incentive", "expected_profit"]
    )
    tol = gap * float(ok["expected_profit"].abs().max()) if len(ok) else 0.0
    keep, best = [], -np.inf
    for i, row in ok.iterrows():
        if row["status"] == "chosen" or row["expected_profit"] > best + tol:
            keep.append(i)
        best = max(best, row["expected_profit"])
    return ok.loc[keep]


def _readable_range(ax, values: pd.Series, axis: str, floor: float) -> None:
    """Widen an axis whose values differ by less than ``floor`` of their size (a range
    inside the solver's gap would only show noise and repeated tick labels)."""
    lo, hi = float(values.min()), float(values.max())
    mid, half = (lo + hi) / 2, max((hi - lo) / 2, floor * abs((lo + hi) / 2), 1e-9)
    (ax.set_ylim if axis == "y" else ax.set_xlim)(mid - 1.3 * half, mid + 1.3 * half)


def frontier(df: pd.DataFrame, currency: str | None = None, gap: float = 1e-3) -> Figure:
    """Expected profit against expected incentive cost and against achievability, as the
    budget sweeps (:func:`frontier_points`); the chosen plan marked with a star."""
    fig = Figure(figsize=(10, 3.8), layout="constrained")
    ax_cost, ax_ach = fig.subplots(1, 2)
    pts = frontier_points(df, gap)
    chosen = pts[pts["status"] == "chosen"]
    for ax, x, label in (
        (ax_cost, "expected_incentive", "Expected incentive cost"),
        (ax_ach, "share_at_target", "Expected share of reps at target"),
    ):
        line = pts.sort_values(x)
        ax.plot(
            line[x], line["expected_profit"], "o-", color=colour(0), label="best plan per budget"
        )
        ax.plot(
            chosen[x],
            chosen["expected_profit"],
            marker="*",
            markersize=16,
            linestyle="none",
            color=MARKERS["threshold"],
            label="chosen plan",
            zorder=3,
        )
        ax.set_xlabel(label)
        ax.set_ylabel("Expected gross profit after incentive")
        money_axis(ax.yaxis, currency)
        _readable_range(ax, pts["expected_profit"], "y", 0.005)
        style_axes(ax)
    money_axis(ax_cost.xaxis, currency)
    _readable_range(ax_cost, pts["expected_incentive"], "x", 0.01)
    _readable_range(ax_ach, pts["share_at_target"], "x", 0.02)
    ax_ach.xaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=1))
    ax_ach.xaxis.set_major_locator(MaxNLocator(5))
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
