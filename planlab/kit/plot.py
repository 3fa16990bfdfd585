"""A matplotlib figure as a PNG data URI, for self-contained HTML.

planlab draws its own charts as SVG (:mod:`planlab.kit.svg`); this is for
figures a user draws with matplotlib and hands to a report
(``render_report(..., figures=...)``). matplotlib is imported only here.
"""

from __future__ import annotations

import base64
import io

from matplotlib.figure import Figure

__all__ = ["to_data_uri"]


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
