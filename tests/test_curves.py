"""Property tests of the payout curve: the one place attainment becomes a payout share."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from sim.curves import PayoutCurve, linear_commission, prob_at_least, standard_curve

# Breakpoints live on a 0.01 grid and shares on a 0.01 grid, so every genuine
# segment is at least 0.01 wide and every genuine jump at least 0.01 high. EPS
# is far below both: a one-sided limit taken EPS away from a breakpoint moves
# by at most max|slope| * EPS (slopes are at most 2.0 / 0.01 = 200, so < 2e-5),
# while a real jump moves by >= 0.01.
EPS = 1e-7
TOL = 1e-9


@st.composite
def curves(draw) -> PayoutCurve:
    """Valid monotone curves: sorted attainments, optional steps, cap and tail slope."""
    grid = draw(st.lists(st.integers(0, 300), min_size=1, max_size=6, unique=True))
    if draw(st.booleans()):
        grid = sorted({0, *grid})  # curves that start at zero attainment
    xs: list[float] = []
    for g in sorted(grid):
        xs.append(g / 100)
        if draw(st.integers(0, 3)) == 0:  # a declared step: repeat the attainment
            xs.append(g / 100)
    first = draw(st.one_of(st.just(0), st.integers(0, 150)))
    rises = draw(st.lists(st.integers(0, 200), min_size=len(xs) - 1, max_size=len(xs) - 1))
    ys = list(np.cumsum([first, *rises]) / 100)
    cap = None
    if draw(st.booleans()):
        lo = max(int(round(ys[0] * 100)), 1)
        cap = draw(st.integers(lo, int(round(ys[-1] * 100)) + 300)) / 100
    tail = draw(st.one_of(st.none(), st.integers(0, 300).map(lambda v: v / 100)))
    return PayoutCurve(points=tuple(zip(xs, ys, strict=True)), cap=cap, tail_slope=tail)


def reference(curve: PayoutCurve, a: float) -> float:
    """Independent scalar evaluation straight from the documented definition."""
    if math.isnan(a):
        return 0.0
    pts = curve.points
    xs = [p[0] for p in pts]
    if a < xs[0]:
        return 0.0
    i = max(k for k in range(len(pts)) if xs[k] <= a)  # the last breakpoint reached
    if i == len(pts) - 1:
        if curve.tail_slope is not None:
            slope = curve.tail_slope
        else:
            real = [
                (pts[k + 1][1] - pts[k][1]) / (xs[k + 1] - xs[k])
                for k in range(len(pts) - 1)
                if xs[k + 1] > xs[k]
            ]
            slope = real[-1] if real else 0.0
        value = pts[i][1] + slope * (a - xs[i])
    else:
        (x0, y0), (x1, y1) = pts[i], pts[i + 1]
        value = y0 + (y1 - y0) * (a - x0) / (x1 - x0)
    return value if curve.cap is None else min(value, curve.cap)


def max_slope(curve: PayoutCurve) -> float:
    xs, ys = curve.attainments, curve.shares
    dx = np.diff(xs)
    slopes = [abs(dy / d) for dy, d in zip(np.diff(ys), dx, strict=True) if d > 0]
    return max([*slopes, abs(curve.tail)])


def probe_points(curve: PayoutCurve) -> np.ndarray:
    xs = curve.attainments
    extra = [xs[-1] + 0.37, xs[-1] + 2.0, xs[-1] + 10.0]
    mids = (xs[:-1] + xs[1:]) / 2 if len(xs) > 1 else np.array([])
    return np.unique(np.concatenate([xs, xs - EPS, xs + EPS, mids, extra, np.linspace(0, 5, 51)]))


fast = settings(max_examples=150, deadline=None)


@fast
@given(curves())
def test_matches_linear_interpolation(curve):
    a = probe_points(curve)
    got = curve.payout(a)
    want = np.array([reference(curve, float(x)) for x in a])
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=TOL)


@fast
@given(curves())
def test_non_negative(curve):
    assert np.all(curve.payout(probe_points(curve)) >= 0.0)


@fast
@given(curves())
def test_monotone_non_decreasing(curve):
    assert curve.monotone
    a = np.sort(np.concatenate([probe_points(curve), np.linspace(-1, 15, 2001)]))
    p = curve.payout(a)
    assert np.all(np.diff(p) >= -TOL)


@fast
@given(curves())
def test_never_above_cap(curve):
    p = curve.payout(np.concatenate([probe_points(curve), [50.0, 1e4]]))
    if curve.cap is not None:
        assert np.all(p <= curve.cap)
        # The cap is reached eventually whenever the curve keeps rising.
        if curve.tail > 0:
            assert curve.payout(1e6) == pytest.approx(curve.cap)


@fast
@given(curves())
def test_continuous_except_at_declared_steps(curve):
    bound = max_slope(curve) * EPS * 1.01 + TOL
    steps = set(curve.steps)
    for x in set(curve.attainments.tolist()):
        at = float(curve.payout(x))
        right = float(curve.payout(x + EPS))
        assert abs(right - at) <= bound, f"not right-continuous at {x}"
        if x in steps or x == 0.0:  # no negative attainment: nothing left of 0 to compare
            continue
        left = float(curve.payout(x - EPS))
        assert abs(left - at) <= bound, f"jump at {x} not declared in steps {curve.steps}"


@fast
@given(curves())
def test_steps_are_genuine_and_right_continuous(curve):
    pts = curve.points
    cap = math.inf if curve.cap is None else curve.cap
    for x in curve.steps:
        at_x = [y for a, y in pts if a == x]
        upper = at_x[-1]
        # Just below the step: 0 below the threshold, else the lower value of the pair.
        lower = 0.0 if x == curve.threshold else at_x[0]
        assert upper > lower, f"step at {x} does not jump"
        assert float(curve.payout(x)) == pytest.approx(min(upper, cap), abs=TOL)
        if x > 0:
            bound = max_slope(curve) * EPS * 1.01 + TOL
            assert abs(float(curve.payout(x - EPS)) - min(lower, cap)) <= bound


@fast
@given(curves())
def test_zero_below_threshold(curve):
    t = curve.threshold
    below = np.concatenate([[-5.0, -EPS], np.linspace(0.0, t, 40, endpoint=False)])
    below = below[below < t]
    assert np.all(curve.payout(below) == 0.0)


@fast
@given(curves())
def test_nan_pays_nothing(curve):
    assert float(curve.payout(float("nan"))) == 0.0
    out = curve.payout(np.array([np.nan, 1.0, np.nan]))
    assert out[0] == 0.0 and out[2] == 0.0
    assert out[1] == pytest.approx(reference(curve, 1.0))


@fast
@given(
    curves(), st.lists(st.one_of(st.floats(-1, 12), st.just(float("nan"))), min_size=1, max_size=30)
)
def test_vectorised_equals_scalar(curve, values):
    a = np.array(values, dtype=float)
    vec = curve.payout(a)
    assert vec.shape == a.shape
    scalar = np.array([float(curve.payout(float(v))) for v in values])
    np.testing.assert_array_equal(vec, scalar)
    grid = a.reshape(1, -1).repeat(3, axis=0)
    np.testing.assert_array_equal(curve.payout(grid), np.broadcast_to(vec, grid.shape))


@fast
@given(curves(), st.integers(65, 400), st.integers(0, 2**32 - 1))
def test_large_arrays_equal_scalar(curve, size, seed):
    """Long arrays (which may take a faster path) agree with one-by-one evaluation."""
    rng = np.random.default_rng(seed)
    a = np.concatenate([probe_points(curve), rng.uniform(-1, 12, size), [np.nan]])
    vec = curve.payout(a)
    scalar = np.array([float(curve.payout(float(v))) for v in a])
    np.testing.assert_array_equal(vec, scalar)


@fast
@given(curves())
def test_attainment_at_cap_is_first_point_paying_cap(curve):
    at = curve.attainment_at_cap
    if curve.cap is None:
        assert at == math.inf
        return
    if at == math.inf:
        # Never capped: the curve must stop rising below the cap.
        assert curve.tail == 0.0
        assert curve.shares.max() < curve.cap
        return
    assert float(curve.payout(at)) == pytest.approx(curve.cap, abs=1e-9)
    before = np.concatenate([[at - EPS], np.linspace(-1.0, at, 400, endpoint=False)])
    assert np.all(curve.payout(before) < curve.cap - 1e-12)


def test_nan_pays_nothing_even_where_zero_attainment_pays():
    c = PayoutCurve(points=((0.0, 0.4), (1.0, 1.0)))
    assert float(c.payout(0.0)) == pytest.approx(0.4)
    np.testing.assert_array_equal(c.payout(np.array([np.nan, -0.5])), [0.0, 0.0])
    np.testing.assert_array_equal(c.payout(np.full(100, np.nan)), np.zeros(100))


# ---- validation --------------------------------------------------------------


@pytest.mark.parametrize(
    ("points", "match"),
    [
        (((0.0, 0.0), (1.0, 1.0), (1.5, 0.8)), "non-decreasing payout shares"),
        (((0.0, 0.0), (1.2, 1.0), (1.0, 1.5)), "attainments must be non-decreasing"),
        (((-0.1, 0.0), (1.0, 1.0)), "attainments must be >= 0"),
        (((0.0, -0.1), (1.0, 1.0)), "payout shares must be >= 0"),
        (((0.5, 0.0), (0.5, 0.2), (0.5, 0.4)), "at most two breakpoints"),
    ],
)
def test_invalid_curves_rejected(points, match):
    with pytest.raises(ValidationError, match=match):
        PayoutCurve(points=points)


def test_other_validation():
    with pytest.raises(ValidationError):
        PayoutCurve(points=())
    with pytest.raises(ValidationError, match="cap 0.5 is below"):
        PayoutCurve(points=((0.0, 1.0), (1.0, 2.0)), cap=0.5)
    with pytest.raises(ValidationError):
        PayoutCurve(points=((0.0, 0.0), (1.0, 1.0)), tail_slope=-1.0)
    with pytest.raises(ValidationError):
        PayoutCurve(points=((0.0, 0.0), (1.0, 1.0)), cap=0.0)


def test_non_monotone_curve_allowed_when_declared():
    c = PayoutCurve(points=((0.0, 0.0), (1.0, 1.0), (2.0, 0.5)), monotone=False)
    assert float(c.payout(1.5)) == pytest.approx(0.75)
    # The tail continues the last (falling) segment.
    assert float(c.payout(2.5)) == pytest.approx(0.25)


def test_declared_step_and_paying_threshold():
    c = PayoutCurve(points=((0.5, 0.0), (0.5, 0.3), (1.0, 1.0)))
    assert c.steps == (0.5,)
    assert float(c.payout(0.5 - 1e-9)) == 0.0
    assert float(c.payout(0.5)) == pytest.approx(0.3)
    t = PayoutCurve(points=((0.8, 0.5), (1.0, 1.0)))
    assert t.steps == (0.8,)
    assert float(t.payout(0.8)) == 0.5 and float(t.payout(0.79)) == 0.0
    # A repeated attainment with the same share is not a jump.
    assert PayoutCurve(points=((0.0, 0.0), (1.0, 1.0), (1.0, 1.0))).steps == ()


# ---- building blocks ------------------------------------------------------------


@pytest.mark.parametrize("rate", [0.5, 1.0, 2.5])
def test_linear_commission_is_proportional(rate):
    c = linear_commission(rate)
    a = np.array([0.0, 0.1, 0.5, 1.0, 1.7, 4.0, 9.5])
    np.testing.assert_allclose(c.payout(a), rate * a, rtol=1e-12)
    assert c.threshold == 0.0 and c.steps == ()


def test_linear_commission_cap():
    c = linear_commission(1.0, cap=1.5)
    np.testing.assert_allclose(c.payout(np.array([0.5, 1.5, 3.0])), [0.5, 1.5, 1.5])
    assert c.attainment_at_cap == pytest.approx(1.5)


def test_standard_curve_shape():
    c = standard_curve()
    assert float(c.payout(1.0)) == pytest.approx(1.0)
    assert float(c.payout(0.49)) == 0.0
    assert float(c.payout(0.75)) == pytest.approx(0.5)
    # Accelerator 2 from target to excellence (150%), then the tail, capped at 3.
    assert float(c.payout(1.25)) == pytest.approx(1.5)
    assert float(c.payout(1.5)) == pytest.approx(2.0)
    assert float(c.payout(5.0)) == pytest.approx(3.0)
    assert c.attainment_at_cap == pytest.approx(2.0)
    d = standard_curve(threshold=0.8, threshold_share=0.4, decelerator=0.5, cap=None)
    assert float(d.payout(1.0)) == pytest.approx(1.0)
    assert float(d.payout(0.8)) == pytest.approx(0.4)
    assert float(d.payout(2.5)) == pytest.approx(2.0 + 0.5)
    assert d.steps == (0.8,)


def test_expected_slope_reads_each_segments_slope_exactly():
    """Slopes between kinks are chords of the linear segments: exact, so a breakpoint on
    a straight stretch (target, between threshold and excellence at one rate) is no
    kink and costs no pass."""
    curve = PayoutCurve(points=((0.5, 0.0), (1.0, 1.0), (1.5, 2.0)), cap=2.5)
    zero = np.zeros(3)
    got = curve.expected_slope(np.array([0.7, 1.2, 1.7]), zero, zero)
    assert got.tolist() == [2.0, 2.0, 2.0]  # 2 per unit, on past excellence to the cap
    assert curve.expected_slope(np.array([2.1]), zero[:1], zero[:1]).tolist() == [0.0]  # capped


def test_expected_slope_with_nothing_booked_is_each_reps_row():
    """A period's first month (nothing booked in any trial) is worked out once per rep
    and repeated: the same numbers as trial by trial."""
    curve = PayoutCurve(points=((0.5, 0.0), (1.0, 1.0), (1.5, 2.0)), cap=2.5)
    rem, sd = np.array([0.3, 0.9, 1.4]), np.array([0.2, 0.4, 0.05])
    rows = curve.expected_slope(np.zeros((4, 3)), rem, sd)
    one = curve.expected_slope(np.zeros((1, 3)), rem, sd)
    assert rows.shape == (4, 3) and (rows == one).all()
    booked = np.zeros((4, 3))
    booked[0, 0] = 1e-300  # one trial with a deal: the general path, the same values
    np.testing.assert_allclose(curve.expected_slope(booked, rem, sd), rows, rtol=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    base=st.lists(st.floats(0.0, 3.0), min_size=2, max_size=6),
    rem=st.floats(0.0, 1.5),
    sd=st.floats(1e-4, 0.6),
)
def test_expected_slope_skips_settled_kinks_without_changing_a_value(base, rem, sd):
    """Kinks settled for every entry of a call (at or below where every rep stands, or
    8.3 sd beyond where any can get to) cost no normal CDF. Which kinks are settled
    depends on the other entries of the call, so each entry alone must give the same
    value as the whole array, to rounding (a kink exactly where a rep stands adds
    rounding of 1e-15 when evaluated, nothing when skipped)."""
    curve = PayoutCurve(points=((0.5, 0.0), (1.0, 1.0), (1.5, 2.0)), tail_slope=1.0, cap=2.5)
    b = np.array(base)[:, None]
    r, s = np.array([rem]), np.array([sd])
    whole = curve.expected_slope(b, r, s)
    alone = np.concatenate([curve.expected_slope(row[None], r, s) for row in b])
    np.testing.assert_allclose(whole, alone, rtol=1e-12, atol=1e-12)
    assert (
        (whole >= 0.0) & (whole <= 2.0 + 1e-12)
    ).all()  # between the flattest and steepest slope


def test_expected_slope_far_from_every_kink_is_the_segments_slope():
    """Far below the cap and past the threshold, with little spread left, the expected
    slope is the segment's slope (the settled kinks' terms cancel exactly)."""
    curve = PayoutCurve(points=((0.5, 0.0), (1.0, 1.0)), tail_slope=2.0, cap=10.0)
    got = curve.expected_slope(np.full((3, 2), 0.8), np.array([0.05, 0.1]), np.array([0.01, 0.02]))
    np.testing.assert_allclose(got, 2.0, rtol=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    booked=st.lists(st.sampled_from([0.0, 0.0, 0.3, 0.9, 1.2, 1.6, 2.4]), min_size=6, max_size=24),
    seed=st.integers(0, 2**16),
    stepped=st.booleans(),
)
def test_expected_slope_shares_the_nothing_booked_row_to_the_last_bit(booked, seed, stepped):
    """Entries with nothing booked share one row per rep; the others are worked out on
    their own: every expected slope and chance of reaching target is the one the whole
    formula gives, bit for bit (a rep's rest of the period given as a row of the
    array's shape goes the formula's way)."""
    curve = PayoutCurve(points=((0.5, 0.0), (1.0, 1.0), (1.5, 2.0)), tail_slope=1.5, cap=2.5)
    if stepped:  # a bonus at target: the density of the jump as well
        curve = PayoutCurve(points=((0.5, 0.0), (1.0, 0.8), (1.0, 1.3), (1.5, 2.0)), cap=2.5)
    rng = np.random.default_rng(seed)
    base = np.resize(np.array(booked), (len(booked) // 3 * 3,)).reshape(-1, 3)
    rem, sd = rng.uniform(0.0, 1.2, 3), rng.uniform(0.01, 0.5, 3)
    shared = curve.expected_slope(base, rem, sd)
    whole = curve.expected_slope(
        base, np.broadcast_to(rem, base.shape), np.broadcast_to(sd, base.shape)
    )
    assert shared.shape == base.shape
    assert np.array_equal(shared, whole)
    rows = np.broadcast_to(rem, base.shape), np.broadcast_to(sd, base.shape)
    assert np.array_equal(prob_at_least(1.0, base, rem, sd), prob_at_least(1.0, base, *rows))
