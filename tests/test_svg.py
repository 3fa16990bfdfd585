"""The SVG chart kit: round ticks that cover the data, distinct tick labels, escaped
text, well-formed documents, and marks placed where the data says."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import numpy as np
from hypothesis import assume, given
from hypothesis import strategies as st

from planlab.kit.svg import (
    Panel,
    chart,
    money_format,
    nice_ticks,
    number_format,
    percent_format,
    shares,
)

SVG = "{http://www.w3.org/2000/svg}"
finite = st.floats(-1e9, 1e9, allow_nan=False)


@given(finite, st.floats(1e-3, 1e9))
def test_nice_ticks_are_round_even_and_inside(lo, width):
    assume(width > 1e-6 * abs(lo))  # an axis spans more than float noise
    hi = lo + width
    ticks = nice_ticks(lo, hi)
    assert 2 <= len(ticks) <= 12
    step = ticks[1] - ticks[0]
    slack = 1e-9 * width + 1e-12 * (abs(lo) + abs(hi))
    assert all(lo - slack <= t <= hi + slack for t in ticks)
    scale = abs(lo) + abs(hi)  # float spacing near the data
    np.testing.assert_allclose(np.diff(ticks), step, rtol=1e-6, atol=1e-12 * scale)
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert any(math.isclose(mantissa, m, rel_tol=1e-6) for m in (1, 2, 2.5, 5, 10))
    assert step <= width / 2 + 1e-9 * width  # at least two steps fit


@given(st.floats(0.0, 5.0), st.floats(1e-4, 5.0))
def test_tick_labels_differ(lo, width):
    ticks = nice_ticks(lo, lo + width)
    step = ticks[1] - ticks[0]
    for fmt in (percent_format, number_format, money_format("EUR"), money_format(None)):
        scaled = [t * 1e6 for t in ticks] if fmt is not percent_format else ticks
        labels = [fmt(t, step * (1e6 if fmt is not percent_format else 1)) for t in scaled]
        assert len(set(labels)) == len(labels), labels


def test_shares_sum_to_one_and_clip_into_the_last_bin():
    a = np.array([0.1, 0.5, 0.9, 7.0])
    s = shares(a, np.linspace(0.0, 1.0, 5))
    np.testing.assert_allclose(s, [0.25, 0.0, 0.25, 0.5])
    assert math.isclose(s.sum(), 1.0)


def test_chart_is_well_formed_and_escapes_text():
    payload = "<script>alert(1)</script> & $x"
    p = Panel(title=payload, xlabel="x", ylabel="y", xformat=percent_format)
    p.line([0, 1], [0, 2], "#123456", label=payload).vline(0.5, "#000000").note(payload)
    c = chart([p, Panel().bars([0, 1, 2], [1, 3], "#abcdef")], title=payload)
    assert "<script" not in c.svg
    root = ET.fromstring(c.svg)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts.count(payload) == 4  # chart title, panel title, legend entry, note
    assert len({e.get("id") for e in root.iter(f"{SVG}clipPath")}) == 2


def test_marks_land_where_the_data_says():
    p = Panel(xlim=(0.0, 10.0), ylim=(0.0, 100.0))
    p.line([0, 10], [0, 100], "#ff0000")
    root = ET.fromstring(chart([p], panel_size=(400, 300)).svg)
    line = next(e for e in root.iter(f"{SVG}polyline") if e.get("stroke") == "#ff0000")
    (x0, y0), (x1, y1) = (map(float, pt.split(",")) for pt in line.get("points").split())
    assert x1 > x0 and y1 < y0  # up and to the right on screen
    grid_x = sorted(
        float(e.get("x1"))
        for e in root.iter(f"{SVG}line")
        if e.get("class") == "g" and e.get("x1") == e.get("x2")
    )
    assert math.isclose(grid_x[0], x0, abs_tol=0.1) and math.isclose(grid_x[-1], x1, abs_tol=0.1)


def test_same_data_same_bytes():
    def build():
        return chart([Panel().points(np.arange(5), np.arange(5) ** 2, "#000")]).svg

    assert build() == build()


@given(st.floats(-5.0, 5.0), st.floats(1e-3, 5.0))
def test_tick_labels_read_back_as_their_values(lo, width):
    """A label never rounds its tick: 2.5% reads 2.5%, not 2%."""
    ticks = nice_ticks(lo, lo + width)
    step = ticks[1] - ticks[0]
    for t in ticks:
        assert math.isclose(float(percent_format(t, step)[:-1]) / 100, t, abs_tol=1e-9 * step)
        assert math.isclose(float(number_format(t, step).replace(",", "")), t, abs_tol=1e-9)
