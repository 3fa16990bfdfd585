"""Plan shapes and baselines: the menu the optimiser chooses from, and where targets start."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from optimize.shapes import apply_shape, family_curve, menu_shapes, weight_grid
from optimize.spec import Menu, OptimizeSpec, optimize_spec
from optimize.tabulate import baselines, plan_at
from sim import load_scenario
from sim.errors import ScenarioError
from sim.payout import rep_targets
from sim.run import make_population
from tests.conftest import BASELINE


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(BASELINE)


def test_weight_grid_respects_floor_and_active_count():
    grid = weight_grid(["a", "b", "c"], max_active=2, floor=0.2, step=0.1)
    assert all(abs(sum(w.values()) - 1) < 1e-9 for w in grid)
    assert all(len(w) <= 2 and min(w.values()) >= 0.2 - 1e-9 for w in grid)
    # one measure alone (3) + each pair split in steps of 0.1 with both >= 0.2 (3 x 7)
    assert len(grid) == 3 + 3 * 7
    assert len(weight_grid(["a", "b", "c"], 3, 0.2, 0.1)) == 3 + 21 + 15


def test_shipped_menu_has_24_shapes_that_apply(scenario):
    spec = optimize_spec(scenario)
    shapes = menu_shapes(scenario.plan, spec.menu)
    assert len(shapes) == 24 and len(set(shapes)) == 24
    for shape in shapes:
        plan = apply_shape(scenario.plan, shape)
        assert set(plan.measure_ids) == {m for m, _ in shape.weights}
        assert sum(m.weight for m in plan.measures) == pytest.approx(1.0)
        revenue = plan.measure("revenue").curve
        assert revenue.points[0][0] == shape.threshold
        assert revenue.tail_slope == shape.accelerator and revenue.cap == shape.cap


def test_menu_without_curves_keeps_the_base_plans_curves(scenario):
    (shape,) = menu_shapes(scenario.plan, Menu())
    plan = apply_shape(scenario.plan, shape)
    assert plan.measures == scenario.plan.measures


@given(
    threshold=st.floats(0.0, 0.95),
    accelerator=st.floats(0.0, 4.0),
    cap=st.one_of(st.none(), st.floats(1.0, 4.0)),
)
def test_family_curve_is_monotone_hits_target_and_respects_cap(threshold, accelerator, cap):
    curve = family_curve(threshold, accelerator, cap, None)
    a = np.linspace(0, 3, 301)
    pay = curve.payout(a)
    assert np.all(np.diff(pay) >= -1e-12)
    assert curve.payout(np.array([1.0]))[0] == pytest.approx(1.0)
    assert pay[a < threshold].max(initial=0.0) == 0.0
    if cap is not None:
        assert pay.max() <= cap + 1e-12


def test_baselines_by_basis(scenario):
    pop = make_population(scenario)
    plan_base = baselines(scenario, pop, OptimizeSpec())["revenue"]
    np.testing.assert_allclose(
        plan_base, rep_targets(scenario.plan.measure("revenue"), pop, 1)[:, 0]
    )
    pot = baselines(scenario, pop, OptimizeSpec(baseline={"basis": "potential"}))["new_accounts"]
    np.testing.assert_allclose(pot / pot.mean(), pop.potential_index)
    with pytest.raises(ScenarioError, match="optimize.baseline.basis.*actual_revenue"):
        baselines(scenario, pop, OptimizeSpec(baseline={"basis": "history"}))


def test_history_baseline_reads_last_periods_actuals(write_scenario):
    roster = "name,team,actual_revenue,actual_new_accounts,actual_cross_sell\n"
    roster += "Ana,North,800000,4,150000\nBo,South,500000,2,250000\n"
    path = write_scenario(
        f'extends = "{BASELINE.as_posix()}"\n[team]\nroster = "roster.csv"\n', roster=roster
    )
    sc = load_scenario(path)
    pop = make_population(sc)
    blend = OptimizeSpec(baseline={"basis": "blend", "history_weight": 0.5})
    hist = baselines(sc, pop, OptimizeSpec(baseline={"basis": "history"}))
    np.testing.assert_allclose(hist["revenue"], [800000, 500000])
    mixed = baselines(sc, pop, blend)["revenue"]
    potential = baselines(sc, pop, OptimizeSpec(baseline={"basis": "potential"}))["revenue"]
    np.testing.assert_allclose(mixed, 0.5 * hist["revenue"] + 0.5 * potential)


def test_plan_at_sets_every_volume_measure_per_rep(scenario):
    pop = make_population(scenario)
    base = baselines(scenario, pop, OptimizeSpec())
    multiple = np.linspace(0.8, 1.2, pop.size)
    plan = plan_at(scenario.plan, base, multiple, pop.name)
    for mid in ("revenue", "new_accounts", "cross_sell"):
        got = rep_targets(plan.measure(mid), pop, 1)[:, 0]
        np.testing.assert_allclose(got, base[mid] * multiple)
