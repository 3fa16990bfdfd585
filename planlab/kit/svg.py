"""Charts drawn as SVG directly from the data: crisp at any zoom, a few kilobytes, and
drawn in milliseconds with no plotting library (a report's figures used to take most
of a command's time).

A :class:`Panel` collects marks in data coordinates (lines, step and filled
histograms, points, marker lines, a note); :func:`chart` lays panels out in rows
of at most three and returns a :class:`Chart`. Reports embed its SVG; notebooks
show it inline (``_repr_svg_``). Every piece of text is XML-escaped here.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape

import numpy as np

from .format import currency_sign

__all__ = [
    "Chart",
    "MARKERS",
    "PALETTE",
    "Panel",
    "attainment_panel",
    "chart",
    "colour",
    "dash",
    "grid_chart",
    "histogram_upper",
    "money_format",
    "nice_ticks",
    "number_format",
    "percent_format",
    "shares",
]

#: One colour per plan variant, in the order variants appear.
PALETTE = (
    "#1f5f99",
    "#d9822b",
    "#2e8b57",
    "#b03a48",
    "#6a4c93",
    "#8c6d31",
    "#3a8fb7",
    "#7f7f7f",
)

#: Colours of marker lines: threshold, target, cap and a 90th percentile.
MARKERS = {"threshold": "#b03a48", "target": "#2e8b57", "cap": "#6a4c93", "p90": "#222222"}

#: Dash patterns, one per variant after the first, so overlapping lines stay apart.
DASHES = ("", "7 4", "9 3 2 3", "2 3")

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
#: Rough width of one character of 11-pixel text, to size legends and margins.
CHAR_WIDTH = 6.2

Format = Callable[[float, float], str]


def colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def dash(i: int) -> str:
    return DASHES[i % len(DASHES)]


def histogram_upper(a: np.ndarray, lines: list[float]) -> float:
    """Right edge of an attainment histogram: most of the data and every marker."""
    hi = float(np.quantile(a, 0.98)) if a.size else 1.5
    hi = max(hi, 1.5, *(x * 1.1 for x in lines))
    return min(hi, 4.0)


def shares(a: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Share of the values in each bin; values beyond the last edge count in the last bin."""
    a = np.clip(np.asarray(a, dtype=float).ravel(), edges[0], edges[-1])
    counts, _ = np.histogram(a, bins=edges)
    return counts / max(a.size, 1)


def attainment_panel(title: str, hi: float, xlabel: str, ylabel: str) -> Panel:
    """An empty panel for a histogram of attainment: shares of reps (or rep-years) up
    the side, attainment from 0 to ``hi`` along the bottom, both as percentages."""
    return Panel(
        title=title,
        xlabel=xlabel,
        ylabel=ylabel,
        xformat=percent_format,
        yformat=percent_format,
        xlim=(0.0, hi),
        ylim=(0.0, None),
    )


def nice_ticks(lo: float, hi: float, n: int = 6) -> list[float]:
    """Round tick values (steps of 1, 2, 2.5 or 5 times a power of ten) covering
    ``[lo, hi]`` with about ``n`` ticks."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        lo, hi = (lo - 1.0, lo + 1.0) if math.isfinite(lo) else (0.0, 1.0)
    raw = (hi - lo) / max(n - 1, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw * (1 - 1e-9))
    first = math.ceil(lo / step - 1e-9)
    last = math.floor(hi / step + 1e-9)
    return [round(i * step, 12) for i in range(first, last + 1)]


def _decimals(step: float, most: int = 8) -> int:
    """Fewest decimals that write a tick step exactly (0.25 needs two, 2.5 one)."""
    if not step > 0:
        return 0
    return next((d for d in range(most) if abs(round(step, d) - step) <= 1e-9 * step), most)


def percent_format(value: float, step: float) -> str:
    """``45%``, or ``2.5%`` when ticks are closer than one point."""
    return f"{value * 100:.{_decimals(step * 100)}f}%"


def number_format(value: float, step: float) -> str:
    return f"{value:,.{_decimals(step)}f}"


def money_format(currency: str | None) -> Format:
    """Amounts as ``$2.1M`` or ``€850k`` (plain numbers without a currency), with as many
    digits as the tick step needs, so neighbouring ticks differ."""
    if currency is None:
        return number_format
    sign = currency_sign(currency)

    def fmt(value: float, step: float) -> str:
        size = max(abs(value), abs(step))
        div, suffix, least = (
            next((d, s, n) for d, s, n in ((1e6, "M", 1), (1e3, "k", 0), (1.0, "", 0)) if size >= d)
            if size >= 1.0
            else (1.0, "", 0)
        )
        decimals = max(least, -math.floor(math.log10(step / div) + 1e-9)) if step > 0 else least
        minus = "-" if value < 0 else ""
        return f"{minus}{sign}{abs(value) / div:,.{min(decimals, 8)}f}{suffix}"

    return fmt


def _esc(text: object) -> str:
    return escape(str(text), quote=True)


def _num(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


@dataclass
class _Mark:
    kind: str  # line, steps, bars, points, vline, hline
    x: np.ndarray
    y: np.ndarray
    colour: str
    label: str | None = None
    width: float = 2.0
    dash: str = ""
    opacity: float = 1.0
    marker: bool = False


@dataclass
class Panel:
    """One set of axes: marks in data coordinates, titles and tick formats."""

    title: str = ""
    xlabel: str = ""
    ylabel: str = ""
    xformat: Format = number_format
    yformat: Format = number_format
    xlim: tuple[float | None, float | None] = (None, None)
    ylim: tuple[float | None, float | None] = (None, None)
    xticks: Sequence[tuple[float, str]] | None = None
    yticks: Sequence[tuple[float, str]] | None = None
    legend: str = "upper right"
    notes: list[str] = field(default_factory=list)
    marks: list[_Mark] = field(default_factory=list)

    def _add(self, kind: str, x, y, colour: str, **kw) -> Panel:
        xs = np.asarray(x, dtype=float).ravel()
        ys = np.asarray(y, dtype=float).ravel()
        self.marks.append(_Mark(kind, xs, ys, colour, **kw))
        return self

    def line(self, x, y, colour: str, label: str | None = None, width: float = 2.0, **kw):
        """A polyline through the points (``marker=True`` adds a dot at each)."""
        return self._add("line", x, y, colour, label=label, width=width, **kw)

    def steps(self, edges, heights, colour: str, label: str | None = None, width: float = 1.8):
        """An outlined histogram: ``len(edges) == len(heights) + 1``."""
        return self._add("steps", edges, heights, colour, label=label, width=width)

    def bars(self, edges, heights, colour: str, label: str | None = None, opacity: float = 0.85):
        """A filled histogram: ``len(edges) == len(heights) + 1``."""
        return self._add("bars", edges, heights, colour, label=label, opacity=opacity)

    def points(
        self,
        x,
        y,
        colour: str,
        label: str | None = None,
        opacity: float = 0.35,
        radius: float = 2.0,
    ):
        """Dots of ``radius`` pixels."""
        return self._add("points", x, y, colour, label=label, opacity=opacity, width=radius)

    def vline(self, x: float, colour: str, label: str | None = None, dash: str = "6 4"):
        return self._add("vline", [x], [np.nan], colour, label=label, width=1.4, dash=dash)

    def hline(self, y: float, colour: str, label: str | None = None, dash: str = "6 4"):
        return self._add("hline", [np.nan], [y], colour, label=label, width=1.4, dash=dash)

    def note(self, text: str) -> Panel:
        """A short note in the panel's top right corner, under the legend."""
        self.notes.append(text)
        return self

    # -- layout ---------------------------------------------------------------

    def _range(self, axis: str) -> tuple[float, float]:
        lim = self.xlim if axis == "x" else self.ylim
        values = []
        for m in self.marks:
            v = m.x if axis == "x" else m.y
            if m.kind in ("vline", "hline") and (m.kind == "vline") != (axis == "x"):
                continue
            values.append(v[np.isfinite(v)])
        data = np.concatenate(values) if values else np.array([0.0, 1.0])
        lo = float(data.min()) if data.size else 0.0
        hi = float(data.max()) if data.size else 1.0
        if lim[0] is not None:
            lo = lim[0]
        if lim[1] is not None:
            hi = lim[1]
        if hi <= lo:
            hi = lo + (abs(lo) or 1.0)
        pad = 0.04 * (hi - lo)
        return (lo if lim[0] is not None else lo - pad, hi if lim[1] is not None else hi + pad)

    def ticks(self, axis: str) -> list[tuple[float, str]]:
        """The ticks of the ``"x"`` or ``"y"`` axis as drawn: (value, label)."""
        lo, hi = self._range(axis)
        given = self.xticks if axis == "x" else self.yticks
        if given is not None:
            return [(t, s) for t, s in given if lo <= t <= hi]
        fmt = self.xformat if axis == "x" else self.yformat
        values = [t for t in nice_ticks(lo, hi, 6) if lo - 1e-12 <= t <= hi + 1e-12]
        step = values[1] - values[0] if len(values) > 1 else 1.0
        return [(t, fmt(t, step)) for t in values]

    def render(self, left: float, top: float, width: float, height: float, key: str = "p") -> str:
        """The panel's SVG elements inside the box at ``(left, top)``; ``key`` names its
        clipping path, unique within the chart."""
        x0, x1 = self._range("x")
        y0, y1 = self._range("y")
        ticks = self.ticks("y")
        yticks, ylabels = [t for t, _ in ticks], [s for _, s in ticks]
        margin_l = 30 + CHAR_WIDTH * max((len(s) for s in ylabels), default=2)
        pl, pr = left + margin_l, left + width - 22
        pt, pb = top + (28 if self.title else 10), top + height - 42
        sx = (pr - pl) / (x1 - x0)
        sy = (pb - pt) / (y1 - y0)

        def X(v):  # noqa: N802 - data to pixel
            return pl + (np.asarray(v, dtype=float) - x0) * sx

        def Y(v):  # noqa: N802
            return pb - (np.asarray(v, dtype=float) - y0) * sy

        out = []
        if self.title:
            out.append(
                f'<text x="{_num((pl + pr) / 2)}" y="{_num(top + 16)}" text-anchor="middle" '
                f'font-size="13" font-weight="600">{_esc(self.title)}</text>'
            )
        # grid and tick labels
        for t, s in zip(yticks, ylabels, strict=True):
            y = _num(float(Y(t)))
            out.append(f'<line x1="{_num(pl)}" x2="{_num(pr)}" y1="{y}" y2="{y}" class="g"/>')
            out.append(
                f'<text x="{_num(pl - 6)}" y="{y}" dy="0.32em" text-anchor="end">{_esc(s)}</text>'
            )
        for t, s in self.ticks("x"):
            x = _num(float(X(t)))
            out.append(f'<line x1="{x}" x2="{x}" y1="{_num(pt)}" y2="{_num(pb)}" class="g"/>')
            out.append(f'<text x="{x}" y="{_num(pb + 15)}" text-anchor="middle">{_esc(s)}</text>')
        out.append(
            f'<line x1="{_num(pl)}" x2="{_num(pr)}" y1="{_num(pb)}" y2="{_num(pb)}" class="a"/>'
            f'<line x1="{_num(pl)}" x2="{_num(pl)}" y1="{_num(pt)}" y2="{_num(pb)}" class="a"/>'
        )
        if self.xlabel:
            out.append(
                f'<text x="{_num((pl + pr) / 2)}" y="{_num(pb + 33)}" text-anchor="middle" '
                f'class="l">{_esc(self.xlabel)}</text>'
            )
        if self.ylabel:
            cy = (pt + pb) / 2
            out.append(
                f'<text transform="translate({_num(left + 12)},{_num(cy)}) rotate(-90)" '
                f'text-anchor="middle" class="l">{_esc(self.ylabel)}</text>'
            )
        clip = f"clip-{key}"
        out.append(
            f'<clipPath id="{clip}"><rect x="{_num(pl)}" y="{_num(pt - 2)}" '
            f'width="{_num(pr - pl)}" height="{_num(pb - pt + 2)}"/></clipPath>'
            f'<g clip-path="url(#{clip})">'
        )
        for m in self.marks:
            out.append(self._mark(m, X, Y, (pl, pr, pt, pb)))
        out.append("</g>")
        out.append(self._legend(pl, pr, pt))
        return "".join(out)

    @staticmethod
    def _mark(m: _Mark, X, Y, box) -> str:  # noqa: N803
        pl, pr, pt, pb = box
        stroke = f'stroke="{m.colour}" stroke-width="{m.width:g}"'
        if m.dash:
            stroke += f' stroke-dasharray="{m.dash}"'
        if m.kind in ("line", "steps"):
            if m.kind == "steps":
                xs = np.repeat(m.x, 2)[1:-1]
                ys = np.repeat(m.y, 2)
                xs = np.concatenate([[m.x[0]], xs, [m.x[-1]]])
                ys = np.concatenate([[0.0], ys, [0.0]])
            else:
                xs, ys = m.x, m.y
            ok = np.isfinite(xs) & np.isfinite(ys)
            px, py = X(xs[ok]), Y(ys[ok])
            pts = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(px, py, strict=True))
            s = f'<polyline points="{pts}" fill="none" {stroke} stroke-linejoin="round"/>'
            if m.marker:
                s += "".join(
                    f'<circle cx="{a:.1f}" cy="{b:.1f}" r="3" fill="{m.colour}"/>'
                    for a, b in zip(px, py, strict=True)
                )
            return s
        if m.kind == "bars":
            base = float(Y(0.0))
            lefts, rights, tops = X(m.x[:-1]), X(m.x[1:]), Y(m.y)
            rects = "".join(
                f'<rect x="{a:.1f}" y="{t:.1f}" width="{max(b - a - 0.6, 0.4):.1f}" '
                f'height="{max(base - t, 0):.1f}"/>'
                for a, b, t in zip(lefts, rights, tops, strict=True)
            )
            return f'<g fill="{m.colour}" fill-opacity="{m.opacity:g}">{rects}</g>'
        if m.kind == "points":
            px, py = X(m.x), Y(m.y)
            dots = "".join(
                f'<circle cx="{a:.1f}" cy="{b:.1f}" r="{m.width:g}"/>'
                for a, b in zip(px, py, strict=True)
            )
            return f'<g fill="{m.colour}" fill-opacity="{m.opacity:g}">{dots}</g>'
        if m.kind == "vline":
            x = _num(float(X(m.x[0])))
            return f'<line x1="{x}" x2="{x}" y1="{_num(pt)}" y2="{_num(pb)}" {stroke}/>'
        y = _num(float(Y(m.y[0])))
        return f'<line x1="{_num(pl)}" x2="{_num(pr)}" y1="{y}" y2="{y}" {stroke}/>'

    def _legend(self, pl: float, pr: float, pt: float) -> str:
        items = [m for m in self.marks if m.label]
        lines = [(m, m.label) for m in items] + [(None, n) for n in self.notes]
        if not lines:
            return ""
        w = 34 + CHAR_WIDTH * max(len(t) for _, t in lines)
        x = pl + 8 if self.legend == "upper left" else pr - w - 4
        y = pt + 6
        out = [
            f'<rect x="{_num(x - 4)}" y="{_num(y - 4)}" width="{_num(w)}" '
            f'height="{_num(16 * len(lines) + 6)}" fill="#fff" fill-opacity="0.85"/>'
        ]
        for i, (m, text) in enumerate(lines):
            cy = y + 8 + 16 * i
            if m is not None:
                sw = f'stroke="{m.colour}" stroke-width="{min(m.width, 3):g}"'
                if m.kind in ("bars", "points"):
                    out.append(
                        f'<rect x="{_num(x)}" y="{_num(cy - 5)}" width="20" height="10" '
                        f'fill="{m.colour}" fill-opacity="{max(m.opacity, 0.6):g}"/>'
                    )
                else:
                    d = f' stroke-dasharray="{m.dash}"' if m.dash else ""
                    out.append(
                        f'<line x1="{_num(x)}" x2="{_num(x + 20)}" y1="{_num(cy)}" '
                        f'y2="{_num(cy)}" {sw}{d}/>'
                    )
            cls = "" if m is not None else ' class="l"'
            out.append(
                f'<text x="{_num(x + 26)}" y="{_num(cy)}" dy="0.32em"{cls}>{_esc(text)}</text>'
            )
        return "".join(out)


@dataclass(frozen=True)
class Chart:
    """A finished chart: its SVG text, and the panels it was drawn from (for tests and
    notebooks that read the data back)."""

    svg: str
    panels: tuple[Panel, ...] = ()
    title: str = ""

    def _repr_svg_(self) -> str:
        return self.svg

    def data_uri(self) -> str:
        """The chart as a ``data:image/svg+xml;base64,...`` URI, for an ``<img>``."""
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode()).decode("ascii")

    def save(self, path) -> None:
        """Write the chart to an ``.svg`` file."""
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.svg)


STYLE = (
    "text{font-size:11px;fill:#333}.l{fill:#555;font-size:11.5px}"
    ".g{stroke:#e6e6e6;stroke-width:1}.a{stroke:#999;stroke-width:1}"
)


def chart(
    panels: Sequence[Panel],
    title: str = "",
    panel_size: tuple[float, float] = (400, 300),
    columns: int = 3,
) -> Chart:
    """Panels in rows of at most ``columns``, under an optional title, as one SVG."""
    panels = tuple(panels)
    cols = max(1, min(len(panels), columns))
    rows = max(1, math.ceil(len(panels) / cols))
    pw, ph = panel_size
    head = 30 if title else 4
    width, height = pw * cols, head + ph * rows
    body = []
    if title:
        body.append(
            f'<text x="{_num(width / 2)}" y="20" text-anchor="middle" font-size="14" '
            f'font-weight="600">{_esc(title)}</text>'
        )
    for i, p in enumerate(panels):
        r, c = divmod(i, cols)
        body.append(p.render(c * pw, head + r * ph, pw, ph, key=str(i)))
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_num(width)}" height="{_num(height)}" '
        f'viewBox="0 0 {_num(width)} {_num(height)}" font-family="{FONT}">'
        f'<style>{STYLE}</style><rect width="100%" height="100%" fill="#fff"/>'
        + "".join(body)
        + "</svg>"
    )
    return Chart(svg, panels, title)


#: Red, amber, green: a cell's colour from worst to best.
_RAMP = ((0xD7, 0x30, 0x27), (0xFE, 0xE0, 0x8B), (0x1A, 0x98, 0x50))


def _ramp(t: float) -> str:
    """The colour at ``t`` in [0, 1] on the red-amber-green ramp."""
    t = min(max(t, 0.0), 1.0) * (len(_RAMP) - 1)
    i = min(int(t), len(_RAMP) - 2)
    f = t - i
    rgb = (round(a + (b - a) * f) for a, b in zip(_RAMP[i], _RAMP[i + 1], strict=True))
    return "#" + "".join(f"{c:02x}" for c in rgb)


def grid_chart(
    values: np.ndarray,
    rows: Sequence[str],
    columns: Sequence[str],
    cells: Sequence[Sequence[str]],
    title: str,
    higher_is_better: bool = True,
) -> Chart:
    """A heatmap: one cell per row and column, its text in ``cells``, greener where the
    value reads better (blank where it is not a number)."""
    values = np.asarray(values, dtype=float)
    finite = values[np.isfinite(values)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    cw, ch = max(90.0, CHAR_WIDTH * max((len(str(c)) for c in columns), default=4) + 16), 30.0
    left = 16 + CHAR_WIDTH * max((len(str(r)) for r in rows), default=4)
    top = 52.0
    width, height = left + cw * len(columns) + 12, top + ch * len(rows) + 10
    out = [
        f'<text x="{_num(width / 2)}" y="20" text-anchor="middle" font-size="14" '
        f'font-weight="600">{_esc(title)}</text>'
    ]
    for j, c in enumerate(columns):
        x = left + cw * (j + 0.5)
        out.append(f'<text x="{_num(x)}" y="{_num(top - 8)}" text-anchor="middle">{_esc(c)}</text>')
    for i, r in enumerate(rows):
        y = top + ch * i
        out.append(
            f'<text x="{_num(left - 8)}" y="{_num(y + ch / 2)}" dy="0.32em" '
            f'text-anchor="end">{_esc(r)}</text>'
        )
        for j in range(len(columns)):
            v = values[i, j]
            good = (v - lo) / (hi - lo) if hi > lo else 0.5
            fill = _ramp(good if higher_is_better else 1 - good) if math.isfinite(v) else "#ffffff"
            x = left + cw * j
            out.append(
                f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(cw - 2)}" height="{_num(ch - 2)}" '
                f'fill="{fill}"/><text x="{_num(x + cw / 2 - 1)}" y="{_num(y + ch / 2 - 1)}" '
                f'dy="0.32em" text-anchor="middle">{_esc(cells[i][j])}</text>'
            )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_num(width)}" height="{_num(height)}" '
        f'viewBox="0 0 {_num(width)} {_num(height)}" font-family="{FONT}">'
        f'<style>{STYLE}</style><rect width="100%" height="100%" fill="#fff"/>'
        + "".join(out)
        + "</svg>"
    )
    return Chart(svg, (), title)
