"""The matplotlib kit, for the figures still drawn with matplotlib: one quiet style set
per axes (no global rcParams), axis formatters and PNG data URIs for self-contained
HTML. The palette and the histogram range are shared with :mod:`planlab.kit.svg`."""

from __future__ import annotations

import base64
import io
import math

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from .format import money_text
from .svg import MARKERS, PALETTE, colour, histogram_upper

__all__ = [
    "MARKERS",
    "PALETTE",
    "PANEL_COLUMNS",
    "colour",
    "histogram_upper",
    "mathtext_safe",
    "money_axis",
    "money_tick",
    "panels",
    "percent_axis",
    "style_axes",
    "to_data_uri",
]

PANEL_COLUMNS = 3


def mathtext_safe(text: object) -> str:
    """User text for matplotlib: ``$`` would otherwise start mathtext."""
    return str(text).replace("$", r"\$")


def money_tick(value: float, _pos: object = None, currency: str | None = None) -> str:
    """An axis label for an amount: ``$2.1M``, ``€850k`` (the plain number without a currency)."""
    if currency is None:
        return f"{value:,.0f}"
    return mathtext_safe(money_text(value, currency))


def style_axes(ax: Axes) -> None:
    """A quiet, readable look set per axes (no global rcParams)."""
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(True, color="#e3e3e3", linewidth=0.8)
    ax.set_axisbelow(True)
    ax.tick_params(labelsize=9, color="#888888")
    ax.title.set_fontsize(11)
    ax.xaxis.label.set_fontsize(9.5)
    ax.yaxis.label.set_fontsize(9.5)


def percent_axis(axis) -> None:
    axis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))


def money_axis(axis, currency: str | None = None) -> None:
    """Amounts on an axis, in ``currency`` when given, with few enough ticks to read."""
    axis.set_major_formatter(FuncFormatter(lambda v, pos: money_tick(v, pos, currency)))
    axis.set_major_locator(MaxNLocator(6))


def panels(n: int, width: float = 4.2, height: float = 3.4) -> tuple[Figure, list[Axes]]:
    """A figure with ``n`` panels in rows of at most three; spare panels hidden."""
    cols = max(1, min(n, PANEL_COLUMNS))
    rows = max(1, math.ceil(n / cols))
    fig = Figure(figsize=(width * cols, height * rows), layout="constrained")
    axes = list(fig.subplots(rows, cols, squeeze=False).ravel())
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n]


def to_data_uri(fig: Figure, dpi: int = 100) -> str:
    """The figure as a ``data:image/png;base64,...`` URI, for self-contained HTML.

    The figure is cleared afterwards to free its memory.
    """
    buf = io.BytesIO()
    try:
        fig.savefig(
            buf,
            format="png",
            dpi=dpi,
            bbox_inches="tight",
            facecolor="white",
            metadata={"Software": None},
        )
    finally:
        fig.clear()
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
