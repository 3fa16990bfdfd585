"""Heatmaps of a sweep: one headline metric, variants down, markets across."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..kit.format import column_kind, format_value

__all__ = ["heatmap"]


def heatmap(grid: pd.DataFrame, metric: str, higher_is_better: bool) -> Figure:
    """``grid`` (variants x markets) of ``metric``, greener where it reads better."""
    values = grid.to_numpy(dtype=float)
    fig = Figure(figsize=(1.6 + 1.3 * grid.shape[1], 1.0 + 0.45 * grid.shape[0]))
    ax = fig.subplots()
    cmap = "RdYlGn" if higher_is_better else "RdYlGn_r"
    finite = values[np.isfinite(values)]
    lo, hi = (finite.min(), finite.max()) if finite.size else (0.0, 1.0)
    ax.imshow(values, cmap=cmap, vmin=lo, vmax=hi if hi > lo else lo + 1, aspect="auto")
    ax.set_xticks(range(grid.shape[1]), [str(c).replace("$", r"\$") for c in grid.columns])
    ax.set_yticks(range(grid.shape[0]), [str(i).replace("$", r"\$") for i in grid.index])
    ax.tick_params(axis="x", labelrotation=30)
    kind = column_kind(metric)
    for (i, j), v in np.ndenumerate(values):
        ax.text(j, i, format_value(v, kind), ha="center", va="center", fontsize=8)
    ax.set_title(metric.replace("_", " "), fontsize=10)
    return fig
