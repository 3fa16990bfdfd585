"""Figures of an optimisation: the budget frontier and the targets chosen, as SVG charts
(:mod:`planlab.kit.svg`), in the style of :mod:`planlab.simulate.figures`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..kit.svg import MARKERS, Chart, Panel, chart, colour, money_format, percent_format

__all__ = ["frontier", "frontier_points", "target_changes"]

#: Colours of a rep's chance of reaching the new target, from low to high.
CHANCE_COLOURS = ("#b03a48", "#d9822b", "#3a8fb7", "#2e8b57")
CHANCE_BANDS = (0.25, 0.5, 0.75)


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


def _readable_range(values: pd.Series, floor: float) -> tuple[float, float]:
    """An axis range around ``values``, at least ``floor`` of their size wide (a range
    inside the solver's gap would only show noise and repeated tick labels)."""
    lo, hi = float(values.min()), float(values.max())
    mid, half = (lo + hi) / 2, max((hi - lo) / 2, floor * abs((lo + hi) / 2), 1e-9)
    return mid - 1.3 * half, mid + 1.3 * half


def frontier(df: pd.DataFrame, currency: str | None = None, gap: float = 1e-3) -> Chart:
    """Expected profit against expected incentive cost and against achievability, as the
    budget sweeps (:func:`frontier_points`); the chosen plan marked in red."""
    pts = frontier_points(df, gap)
    chosen = pts[pts["status"] == "chosen"]
    money = money_format(currency)
    profit = _readable_range(pts["expected_profit"], 0.005)
    panels = []
    for x, xlabel, fmt, floor in (
        ("expected_incentive", "Expected incentive cost", money, 0.01),
        ("share_at_target", "Expected share of reps at target", percent_format, 0.02),
    ):
        panel = Panel(
            xlabel=xlabel,
            ylabel="Expected gross profit after incentive",
            xformat=fmt,
            yformat=money,
            xlim=_readable_range(pts[x], floor),
            ylim=profit,
            legend="upper left",
        )
        line = pts.sort_values(x)
        label = "best plan per budget" if not panels else None
        panel.line(line[x], line["expected_profit"], colour(0), label, marker=True)
        panel.points(
            chosen[x],
            chosen["expected_profit"],
            MARKERS["threshold"],
            "chosen plan" if not panels else None,
            opacity=1.0,
            radius=7.0,
        )
        panels.append(panel)
    return chart(panels, panel_size=(500, 340))


def target_changes(targets: pd.DataFrame, currency: str | None = None) -> Chart:
    """Each rep's new target against last period's, coloured by their chance of reaching
    the new one."""
    last = targets["last_target"].to_numpy(dtype=float)
    new = targets["target"].to_numpy(dtype=float)
    p = targets["p_target"].to_numpy(dtype=float)
    lo, hi = float(np.nanmin([last, new])), float(np.nanmax([last, new]))
    fmt = money_format(currency)
    panel = Panel(
        xlabel="Last period's target",
        ylabel="Optimised target",
        xformat=fmt,
        yformat=fmt,
        legend="upper left",
    )
    panel.line([lo, hi], [lo, hi], "#999999", "no change", 1.0)
    band = np.searchsorted(CHANCE_BANDS, p, side="right")
    edges = (0.0, *CHANCE_BANDS, 1.0)
    for b, shade in enumerate(CHANCE_COLOURS):
        inside = band == b
        if inside.any():
            text = f"chance of target {edges[b]:.0%}–{edges[b + 1]:.0%}"
            panel.points(last[inside], new[inside], shade, text, opacity=0.9, radius=3.5)
    return chart([panel], panel_size=(680, 440))
