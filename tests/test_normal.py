"""The table-read normal CDF reps decide with (sim.normal) against scipy's exact one."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import ndtr

from sim.normal import MAX_ERROR, Z_SETTLED, normal_cdf

finite = st.floats(-50, 50, allow_nan=False)


@given(st.lists(finite, min_size=1, max_size=50))
@settings(max_examples=300, deadline=None)
def test_within_its_stated_error_of_the_exact_cdf(zs):
    z = np.array(zs)
    assert np.abs(normal_cdf(z) - ndtr(z)).max() <= MAX_ERROR


def test_within_its_stated_error_on_a_fine_grid_and_exact_at_the_ends():
    z = np.linspace(-10, 10, 1_000_001)
    assert np.abs(normal_cdf(z) - ndtr(z)).max() <= MAX_ERROR
    assert normal_cdf(np.array([Z_SETTLED, 40.0, math.inf])).tolist() == [1.0, 1.0, 1.0]
    assert (normal_cdf(np.array([-Z_SETTLED, -40.0, -math.inf])) < 1e-16).all()


@given(finite, finite)
def test_monotone(a, b):
    lo, hi = min(a, b), max(a, b)
    assert normal_cdf(np.array(lo)) <= normal_cdf(np.array(hi))


def test_nan_stays_nan_and_shapes_are_kept():
    out = normal_cdf(np.array([[np.nan, 0.0], [1.0, -1.0]]))
    assert out.shape == (2, 2) and math.isnan(out[0, 0])
    assert abs(float(normal_cdf(0.0)) - 0.5) <= MAX_ERROR
    buf = np.empty(3)
    assert normal_cdf(np.zeros(3), out=buf) is buf
