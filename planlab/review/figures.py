"""Figures of a plan review and a check-in, as SVG charts (:mod:`planlab.kit.svg`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..kit.svg import (
    MARKERS,
    Chart,
    Panel,
    attainment_panel,
    chart,
    colour,
    money_format,
    number_format,
    shares,
)

__all__ = ["checkin_cost", "fit_histogram", "shrinkage_plot"]

#: Blues from light to dark: reps with more deals observed are drawn darker.
DEAL_SHADES = ("#9ecae1", "#4292c6", "#2171b5", "#08306b")


def fit_histogram(actual: np.ndarray, simulated: np.ndarray, measure: str) -> Chart:
    """Actual attainment per rep against the calibrated model's simulated distribution."""
    actual = np.asarray(actual, dtype=float).ravel()
    simulated = np.asarray(simulated, dtype=float).ravel()
    hi = min(max(float(np.quantile(simulated, 0.99)), float(actual.max()), 1.5), 4.0)
    edges = np.linspace(0.0, hi, 41)
    panel = attainment_panel(
        f"Annual {measure} attainment: actual against the calibrated model",
        hi,
        "Attainment (% of target; the last bar holds the rest)",
        "Share of reps",
    )
    panel.bars(
        edges, shares(simulated, edges), colour(0), "calibrated model (every simulated year)", 0.35
    )
    panel.steps(edges, shares(actual, edges), colour(1), "actual, last year", 2.2)
    panel.vline(1.0, MARKERS["target"], label="target")
    return chart([panel], panel_size=(760, 400))


def shrinkage_plot(reps: pd.DataFrame) -> Chart:
    """Raw productivity against the shrunk estimate: few deals, more pull towards the team.
    Darker dots are reps with more deals observed."""
    raw = reps["productivity_raw"].to_numpy(dtype=float)
    shrunk = reps["productivity"].to_numpy(dtype=float)
    deals = reps["deals"].to_numpy(dtype=float)
    top = float(np.nanmax([np.nanmax(raw), np.nanmax(shrunk), 1.5])) * 1.05
    panel = Panel(
        title="Rep productivity: raw rate against the estimate shrunk towards peers",
        xlabel="Raw productivity (deals / expected at average productivity)",
        ylabel="Shrunk estimate",
        xformat=number_format,
        yformat=number_format,
        xlim=(0.0, top),
        ylim=(0.0, top),
        legend="upper left",
    )
    panel.line([0.0, top], [0.0, top], "#999999", "no shrinkage", 1.0)
    panel.hline(1.0, MARKERS["target"], "team average")
    cuts = np.unique(np.nanquantile(deals, [0.25, 0.5, 0.75])) if deals.size else np.array([])
    group = np.searchsorted(cuts, deals, side="right")
    for g in range(len(cuts) + 1):
        inside = group == g
        if not inside.any():
            continue
        lo, hi = int(np.nanmin(deals[inside])), int(np.nanmax(deals[inside]))
        text = f"{lo} deals" if lo == hi else f"{lo}–{hi} deals"
        shade = DEAL_SHADES[min(g, len(DEAL_SHADES) - 1) + max(0, 3 - len(cuts))]
        panel.points(raw[inside], shrunk[inside], shade, text, opacity=0.9, radius=3.5)
    return chart([panel], panel_size=(760, 440))


def checkin_cost(options: pd.DataFrame, currency: str | None = None) -> Chart:
    """Expected year-end incentive cost of each option, with its P10-P90 range."""
    n = len(options)
    mid = options["incentive_cost_expected"].to_numpy(dtype=float)
    lo = options["incentive_cost_p10"].to_numpy(dtype=float)
    hi = options["incentive_cost_p90"].to_numpy(dtype=float)
    y = np.arange(n)[::-1].astype(float)  # the first option on top
    panel = Panel(
        title="Year-end incentive cost by option (expected, P10–P90)",
        xlabel="Total incentive cost",
        xformat=money_format(currency),
        ylim=(-0.6, n - 0.4),
        yticks=[(float(v), str(name)) for v, name in zip(y, options.index, strict=True)],
    )
    for i in range(n):
        panel.line([lo[i], hi[i]], [y[i], y[i]], colour(0), width=2.0)
    panel.points(mid, y, colour(0), opacity=1.0, radius=4.5)
    return chart([panel], panel_size=(760, 60 * n + 110))
