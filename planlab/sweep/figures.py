"""Heatmaps of a sweep: one headline metric, variants down, markets across, as SVG
(:func:`planlab.kit.svg.grid_chart`)."""

from __future__ import annotations

import pandas as pd

from ..kit.format import column_kind, format_value, label
from ..kit.svg import Chart, grid_chart

__all__ = ["heatmap"]


def heatmap(
    grid: pd.DataFrame, metric: str, higher_is_better: bool, currency: str | None = None
) -> Chart:
    """``grid`` (variants x markets) of ``metric``, greener where it reads better."""
    kind = column_kind(metric)
    cells = [[format_value(v, kind, currency) for v in row] for row in grid.to_numpy()]
    return grid_chart(
        grid.to_numpy(dtype=float),
        [str(i) for i in grid.index],
        [str(c) for c in grid.columns],
        cells,
        label(metric),
        higher_is_better,
    )
