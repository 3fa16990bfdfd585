"""The best-response object: effort chosen on a growing grid, against the closed form.

With plan value linear in effort, a·e, and effort cost d·e^γ/γ, the best
response is e* = (a/d)^(1/(γ-1)). The grid must grow until e* is interior
(no truncation at the starting grid's edge), and a rep whose e* lies beyond a
declared bound is put at the bound and counted.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.behaviour.response import BestResponse, calibrated_cost
from sim.behaviour.spec import EffortSpec

SPEC = EffortSpec(enabled=True)  # levels 0.55..1.45, bounds 0.1 and 3.0


def reps(cost, spec=SPEC) -> BestResponse:
    cost = np.asarray(cost, dtype=float)
    return BestResponse(spec, np.zeros(cost.size), cost, None)


def closed_form(a, d, g):
    return (np.asarray(a) / np.asarray(d)) ** (1.0 / (g - 1.0))


@pytest.mark.parametrize("g", [2.0, 3.0, 8.0])
def test_interior_optimum_matches_the_closed_form(g):
    spec = SPEC.model_copy(update={"cost_curvature": g})
    a = np.array([0.5, 1.0, 1.3])
    d = np.ones(3)
    choice = reps(d, spec).choose(lambda e: a * e)
    # A parabola through three grid points of a smooth concave function: 1% here.
    np.testing.assert_allclose(choice.effort, closed_form(a, d, g), rtol=0.01)
    assert not choice.at_bound.any()


def test_grid_grows_past_its_starting_edge_instead_of_truncating():
    # e* = 2.2 under quadratic cost: beyond the starting grid's top level (1.45).
    spec = SPEC.model_copy(update={"cost_curvature": 2.0})
    choice = reps([1.0], spec).choose(lambda e: np.array([2.2 * e]))
    assert choice.levels.max() > 2.2 > SPEC.levels[-1]
    assert choice.effort[0] == pytest.approx(2.2, rel=0.01)
    assert not choice.at_bound.any()


def test_an_optimum_beyond_a_declared_bound_is_put_there_and_counted():
    spec = SPEC.model_copy(update={"cost_curvature": 2.0})
    a = np.array([1.0, 5.0, 0.01])  # e* = 1, 5 (above max 3), 0.01 (below min 0.1)
    choice = reps(np.ones(3), spec).choose(lambda e: a * e)
    assert choice.at_bound.tolist() == [False, True, True]
    assert choice.effort[1] == pytest.approx(spec.max_level)
    assert choice.effort[2] == pytest.approx(spec.min_level)


@settings(max_examples=40, deadline=None)
@given(st.floats(0.7, 2.5), st.floats(2.0, 10.0))
def test_calibrated_cost_makes_today_optimal_for_concave_value(slope, g):
    # value(e) = slope·e − e²/4 is concave and rising at 1.0: the calibrated d puts the
    # optimum there (to the fine search step, 0.3/400, and float rounding).
    levels = np.asarray(SPEC.levels)
    value = (slope * levels - 0.25 * levels**2)[:, None] + 10.0
    d = calibrated_cost(levels, value, g)
    spec = SPEC.model_copy(update={"cost_curvature": g})
    choice = reps(d, spec).choose(lambda e: np.array([slope * e - 0.25 * e * e + 10.0]))
    assert choice.effort[0] == pytest.approx(1.0, abs=2e-3)
