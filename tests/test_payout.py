"""Hand-computed payouts on tiny outcome tables."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.curves import PayoutCurve, linear_commission
from sim.measures import COMPONENTS
from sim.outcomes import Outcomes
from sim.payout import evaluate_plan, modifier_factor, rep_targets
from sim.plan import Gate, Measure, Modifier, PayMix, Plan
from sim.population import Population

TI = 1200.0  # target incentive per rep and year: 300 a quarter at weight 1


def outcomes(trials: int = 1, reps: int = 2, **components: np.ndarray) -> Outcomes:
    """An outcome table of zeros except the given (trials, reps, 12) components."""
    comps = {c: np.zeros((trials, reps, 12)) for c in COMPONENTS}
    for name, values in components.items():
        comps[name] = np.broadcast_to(np.asarray(values, dtype=float), (trials, reps, 12)).copy()
    return Outcomes(comps)


def monthly(*per_month: list[float]) -> np.ndarray:
    """Rows of 12 monthly values per rep -> (1, reps, 12)."""
    return np.array(per_month, dtype=float)[None]


def population(reps: int = 2, teams=None, potential=None, targets=None) -> Population:
    return Population(
        name=np.array([f"r{i}" for i in range(reps)], dtype=object),
        team=np.array(teams or ["A"] * reps, dtype=object),
        ability=np.ones(reps),
        potential=np.ones(reps) if potential is None else np.asarray(potential, dtype=float),
        tenure_years=np.full(reps, 3.0),
        accounts=np.full(reps, 10, dtype=np.int64),
        csat_base=np.full(reps, 8.0),
        renewals_due=np.zeros((reps, 12), dtype=np.int64),
        targets=targets or {},
    )


def plan(*measures: Measure, **kw) -> Plan:
    kw.setdefault("pay_mix", PayMix(base=5000.0, target_incentive=TI))
    return Plan(measures=measures, **kw)


def revenue(curve: PayoutCurve | None = None, **kw) -> Measure:
    kw.setdefault("weight", 1.0)
    kw.setdefault("target", 1200.0)
    return Measure(name="revenue", curve=curve or linear_commission(), **kw)


CAPPED = PayoutCurve(points=((0.0, 0.0), (1.0, 1.0)), tail_slope=1.0, cap=2.0)
THRESHOLD = PayoutCurve(points=((0.5, 0.0), (1.0, 1.0)), tail_slope=1.0)

EVEN = [100.0] * 12  # 1200 a year, 300 a quarter: exactly on target
LATE = [0.0] * 11 + [1200.0]  # the whole year booked in December


def test_attainment_period_payouts_and_true_up():
    oc = outcomes(new_value=monthly(EVEN, LATE))
    out = evaluate_plan(plan(revenue(CAPPED)), oc, population())
    # Annual attainment 1200 / 1200 for both reps.
    np.testing.assert_allclose(out.attainment["revenue"], [[1.0, 1.0]])
    # Quarterly targets 300: rep 0 attains 1 each quarter; rep 1 attains 0, 0, 0, 4.
    np.testing.assert_allclose(out.period_attainment["revenue"], [[[1, 1, 1, 1], [0, 0, 0, 4]]])
    np.testing.assert_allclose(out.targets["revenue"], np.full((2, 4), 300.0))
    # Rep 0: 4 x 300 = 1200. Rep 1: Q4 share capped at 2 -> 600 only.
    np.testing.assert_allclose(out.payout["revenue"], [[1200.0, 600.0]])
    # Annual attainment 1 pays 1200, so rep 1 is trued up by 600.
    np.testing.assert_allclose(out.true_up, [[0.0, 600.0]])
    np.testing.assert_allclose(out.total, [[1200.0, 1200.0]])
    np.testing.assert_allclose(out.weighted_attainment, [[1.0, 1.0]])


def test_no_true_up():
    oc = outcomes(new_value=monthly(EVEN, LATE))
    out = evaluate_plan(plan(revenue(CAPPED), true_up=False), oc, population())
    np.testing.assert_array_equal(out.true_up, [[0.0, 0.0]])
    np.testing.assert_allclose(out.total, [[1200.0, 600.0]])


def test_revenue_sums_new_and_cross_sell():
    oc = outcomes(
        new_value=monthly([60.0] * 12, [0.0] * 12), xsell_value=monthly([40.0] * 12, [50.0] * 12)
    )
    out = evaluate_plan(plan(revenue(), period="year"), oc, population())
    np.testing.assert_allclose(out.attainment["revenue"], [[1.0, 0.5]])
    np.testing.assert_allclose(out.total, [[1200.0, 600.0]])


@pytest.mark.parametrize(
    ("clawback", "true_up", "total"), [(False, 0.0, 600.0), (True, -600.0, 0.0)]
)
def test_clawback_recovers_overpayment(clawback, true_up, total):
    # 300 booked in each of Q1 and Q2: both quarters at target pay 300 each; the
    # year ends at 50%, the threshold, which pays nothing.
    front = [100.0] * 6 + [0.0] * 6
    oc = outcomes(reps=1, new_value=monthly(front))
    out = evaluate_plan(plan(revenue(THRESHOLD), clawback=clawback), oc, population(1))
    np.testing.assert_allclose(out.payout["revenue"], [[600.0]])
    np.testing.assert_allclose(out.attainment["revenue"], [[0.5]])
    np.testing.assert_allclose(out.true_up, [[true_up]])
    np.testing.assert_allclose(out.total, [[total]])


def test_two_trials_paid_independently():
    vals = np.zeros((2, 2, 12))
    vals[0] = 100.0  # trial 0: both reps on target
    vals[1, 0] = 200.0  # trial 1: rep 0 at 200%, rep 1 books nothing
    out = evaluate_plan(plan(revenue(CAPPED)), outcomes(2, 2, new_value=vals), population())
    np.testing.assert_allclose(out.attainment["revenue"], [[1.0, 1.0], [2.0, 0.0]])
    np.testing.assert_allclose(out.total, [[1200.0, 1200.0], [2400.0, 0.0]])


def test_lower_is_better_cycle_days():
    m = Measure(name="cycle_days", weight=1.0, target=90.0, curve=linear_commission())
    # One deal a month taking 60 days: average 60 days, attainment 90 / 60 = 1.5.
    oc = outcomes(reps=1, new_count=monthly([1.0] * 12), cycle_days_sum=monthly([60.0] * 12))
    out = evaluate_plan(plan(m), oc, population(1))
    # A rate keeps its level in every period.
    np.testing.assert_allclose(out.targets["cycle_days"], np.full((1, 4), 90.0))
    np.testing.assert_allclose(out.period_attainment["cycle_days"], np.full((1, 1, 4), 1.5))
    np.testing.assert_allclose(out.attainment["cycle_days"], [[1.5]])
    np.testing.assert_allclose(out.total, [[1.5 * TI]])


def test_lower_is_better_slower_rep_attains_less():
    m = Measure(name="cycle_days", weight=1.0, target=90.0, curve=linear_commission())
    # Rep 0 closes 2 deals in 180 days each; rep 1 a cross-sell deal of 45 days.
    oc = outcomes(
        new_count=monthly([2.0] * 12, [0.0] * 12),
        xsell_count=monthly([0.0] * 12, [1.0] * 12),
        cycle_days_sum=monthly([360.0] * 12, [45.0] * 12),
    )
    out = evaluate_plan(plan(m, period="year"), oc, population())
    np.testing.assert_allclose(out.attainment["cycle_days"], [[0.5, 2.0]])


def test_lower_is_better_no_deals_attains_zero():
    m = Measure(name="cycle_days", weight=1.0, target=90.0, curve=linear_commission())
    oc = outcomes(reps=1)  # no deals at all: the average cycle is undefined
    out = evaluate_plan(plan(m, period="year"), oc, population(1))
    np.testing.assert_array_equal(out.attainment["cycle_days"], [[0.0]])
    np.testing.assert_array_equal(out.total, [[0.0]])


def test_lower_is_better_zero_actual_attains_the_maximum():
    # Sales cost: target / actual; a rep who spent nothing gets the largest
    # attainment there is (10), not an undefined one.
    m = Measure(name="sales_cost", weight=1.0, target=12000.0, curve=CAPPED)
    oc = outcomes(sales_cost=monthly([2000.0] * 12, [0.0] * 12))
    out = evaluate_plan(plan(m, period="year"), oc, population())
    np.testing.assert_allclose(out.attainment["sales_cost"], [[0.5, 10.0]])
    np.testing.assert_allclose(out.total, [[0.5 * TI, 2.0 * TI]])


def test_team_measure_pays_every_member_on_team_attainment():
    team = Measure(
        name="revenue",
        key="team_revenue",
        level="team",
        weight=0.5,
        target=1200.0,
        curve=linear_commission(),
    )
    own = revenue(weight=0.5)
    # Team A (reps 0, 1) books 1800 + 600 = 2400 against 2 x 1200: attainment 1.
    # Team B (rep 2) books 600 against 1200: attainment 0.5.
    oc = outcomes(reps=3, new_value=monthly([150.0] * 12, [50.0] * 12, [50.0] * 12))
    pop = population(3, teams=["A", "A", "B"])
    out = evaluate_plan(plan(own, team, period="year"), oc, pop)
    np.testing.assert_allclose(out.attainment["team_revenue"], [[1.0, 1.0, 0.5]])
    np.testing.assert_allclose(out.attainment["revenue"], [[1.5, 0.5, 0.5]])
    np.testing.assert_allclose(out.targets["team_revenue"], [[2400.0], [2400.0], [1200.0]])
    np.testing.assert_allclose(out.payout["team_revenue"], [[600.0, 600.0, 300.0]])
    np.testing.assert_allclose(out.total, [[600.0 + 900.0, 600.0 + 300.0, 300.0 + 300.0]])
    np.testing.assert_allclose(out.weighted_attainment, [[1.25, 0.75, 0.5]])


def test_team_rate_pools_components():
    # Retention of the team is renewals won over renewals due of the team, not
    # the mean of the members' rates: (1 + 3) / (2 + 4) = 2/3.
    m = Measure(name="retention", level="team", weight=1.0, target=1.0, curve=linear_commission())
    due = monthly([2.0] + [0.0] * 11, [4.0] + [0.0] * 11)
    won = monthly([1.0] + [0.0] * 11, [3.0] + [0.0] * 11)
    out = evaluate_plan(
        plan(m, period="year"), outcomes(renewals_due=due, renewals_won=won), population()
    )
    np.testing.assert_allclose(out.attainment["retention"], [[2 / 3, 2 / 3]])


def test_gate_blocks_pay_above_target():
    gate = Gate(measure="margin_rate", floor=0.6, max_attainment=1.0, applies_to=("revenue",))
    # Both reps book 2400 (attainment 2); rep 0 at a 50% margin fails the gate.
    oc = outcomes(
        new_value=monthly([200.0] * 12, [200.0] * 12),
        gross_margin=monthly([100.0] * 12, [140.0] * 12),
    )
    out = evaluate_plan(plan(revenue(), period="year", gates=(gate,)), oc, population())
    np.testing.assert_allclose(out.total, [[TI, 2 * TI]])
    # Attainment is reported as achieved; the gate only limits what it pays.
    np.testing.assert_allclose(out.attainment["revenue"], [[2.0, 2.0]])


def test_gate_below_target_and_zero_gate():
    # A gate at max_attainment 1 does not touch pay below target ...
    gate = Gate(measure="margin_rate", floor=0.6, max_attainment=1.0)
    oc = outcomes(
        new_value=monthly([50.0] * 12, [50.0] * 12), gross_margin=monthly([10.0] * 12, [40.0] * 12)
    )
    out = evaluate_plan(plan(revenue(), period="year", gates=(gate,)), oc, population())
    np.testing.assert_allclose(out.total, [[600.0, 600.0]])
    # ... and a gate at 0 pays nothing when it fails.
    zero = Gate(measure="margin_rate", floor=0.6, max_attainment=0.0)
    out = evaluate_plan(plan(revenue(), period="year", gates=(zero,)), oc, population())
    np.testing.assert_allclose(out.total, [[0.0, 600.0]])


def test_gate_applies_per_quarter_and_to_true_up():
    gate = Gate(measure="margin_rate", floor=0.6, max_attainment=1.0)
    # 600 a quarter (attainment 2 each quarter and for the year) at a 50% margin.
    oc = outcomes(reps=1, new_value=monthly([200.0] * 12), gross_margin=monthly([100.0] * 12))
    out = evaluate_plan(plan(revenue(), gates=(gate,)), oc, population(1))
    np.testing.assert_allclose(out.payout["revenue"], [[TI]])
    np.testing.assert_allclose(out.true_up, [[0.0]])


def test_csat_modifier_bands():
    mod = Modifier(measure="csat", bands=(7.0, 8.5), factors=(0.9, 1.0, 1.1))
    csat = monthly([6.0] * 12, [8.0] * 12, [8.5] * 12, [9.5] * 12)
    oc = outcomes(reps=4, new_value=np.full((1, 4, 12), 100.0), csat=csat)
    out = evaluate_plan(plan(revenue(), period="year", modifiers=(mod,)), oc, population(4))
    # Bands are closed below: 8.5 already earns the +10%.
    np.testing.assert_allclose(out.total, [[0.9 * TI, TI, 1.1 * TI, 1.1 * TI]])


def test_csat_modifier_uses_the_period_average():
    mod = Modifier(measure="csat", bands=(7.0, 8.5), factors=(0.9, 1.0, 1.1))
    # Quarterly csat averages 6, 8, 9, 8 -> factors 0.9, 1.0, 1.1, 1.0 on 300 each;
    # the annual average 7.75 has factor 1.0, so the year pays 1200: true-up 0.
    csat = monthly([6.0] * 3 + [8.0] * 3 + [9.0] * 3 + [8.0] * 3)
    oc = outcomes(reps=1, new_value=monthly(EVEN), csat=csat)
    out = evaluate_plan(plan(revenue(), modifiers=(mod,)), oc, population(1))
    np.testing.assert_allclose(out.payout["revenue"], [[270.0 + 300.0 + 330.0 + 300.0]])
    np.testing.assert_allclose(out.true_up, [[0.0]])


def test_targets_by_potential():
    m = revenue(target_basis="potential")
    pop = population(potential=[1.0, 3.0])  # potential index 0.5 and 1.5
    np.testing.assert_allclose(rep_targets(m, pop, 4), [[150.0] * 4, [450.0] * 4])
    oc = outcomes(new_value=monthly([50.0] * 12, [50.0] * 12))
    out = evaluate_plan(plan(m, period="year"), oc, pop)
    np.testing.assert_allclose(out.attainment["revenue"], [[1.0, 1 / 3]])


def test_targets_by_roster():
    m = revenue(target_basis="roster")
    pop = population(targets={"revenue": np.array([600.0, 2400.0])})
    np.testing.assert_allclose(rep_targets(m, pop, 4), [[150.0] * 4, [600.0] * 4])
    with pytest.raises(ValueError, match="target_revenue"):
        rep_targets(m, population(), 4)


def test_targets_by_period_shares():
    m = revenue(period_shares=(0.1, 0.2, 0.3, 0.4))
    # Bookings follow the shares exactly: 120, 240, 360, 480 a quarter.
    per_month = [40.0] * 3 + [80.0] * 3 + [120.0] * 3 + [160.0] * 3
    oc = outcomes(reps=1, new_value=monthly(per_month))
    out = evaluate_plan(plan(m), oc, population(1))
    np.testing.assert_allclose(out.targets["revenue"], [[120.0, 240.0, 360.0, 480.0]])
    np.testing.assert_allclose(out.period_attainment["revenue"], np.ones((1, 1, 4)))
    # The same bookings against even quarterly targets of 300.
    even = evaluate_plan(plan(revenue()), oc, population(1))
    np.testing.assert_allclose(even.period_attainment["revenue"], [[[0.4, 0.8, 1.2, 1.6]]])


def test_non_additive_targets_keep_their_level():
    m = Measure(name="csat", weight=1.0, target=8.0, curve=linear_commission())
    np.testing.assert_allclose(rep_targets(m, population(), 4), np.full((2, 4), 8.0))


def test_payout_by_month_timing():
    oc = outcomes(new_value=monthly(EVEN, LATE))
    out = evaluate_plan(plan(revenue(CAPPED), payout_lag_months=1), oc, population())
    cash = out.payout_by_month
    assert cash.shape == (1, 13)
    want = np.zeros(13)
    # Quarter ends are months 2, 5, 8, 11; paid a month later. Rep 0 earns 300 a
    # quarter; rep 1 earns 600 in Q4 and is trued up by 600 after the year end.
    want[[3, 6, 9]] = 300.0
    want[12] = 300.0 + 600.0 + 600.0
    np.testing.assert_allclose(cash[0], want)
    assert cash.sum() == pytest.approx(float(out.total.sum()))


def test_payout_by_month_monthly_plan_with_lag():
    oc = outcomes(reps=1, new_value=monthly([100.0] * 12))
    out = evaluate_plan(plan(revenue(), period="month", payout_lag_months=2), oc, population(1))
    cash = out.payout_by_month[0]
    assert cash.shape == (14,)
    np.testing.assert_allclose(cash, [0.0, 0.0] + [100.0] * 12)


def test_payout_by_month_annual_plan_no_lag():
    oc = outcomes(new_value=monthly(EVEN, LATE))
    out = evaluate_plan(plan(revenue(), period="year", payout_lag_months=0), oc, population())
    np.testing.assert_allclose(out.payout_by_month[0], [0.0] * 11 + [2400.0])


@given(
    st.lists(st.floats(-5, 15, allow_nan=False), min_size=1, max_size=4, unique=True),
    st.lists(st.one_of(st.floats(-10, 20), st.just(np.nan), st.just(7.0)), max_size=30),
)
@settings(max_examples=200, deadline=None)
def test_modifier_factor_is_the_band_the_value_falls_in(bands, values):
    """A modifier multiplies by the factor of the band a value falls in (a value on an
    edge takes the higher band) and by 1 where the value is undefined."""
    bands = tuple(sorted(bands))
    factors = tuple(0.5 + 0.25 * i for i in range(len(bands) + 1))
    mod = Modifier(measure="csat", bands=bands, factors=factors)
    v = np.array(values + list(bands), dtype=float)
    band = np.searchsorted(np.array(bands), np.nan_to_num(v), side="right")
    want = np.where(np.isnan(v), 1.0, np.array(factors)[band])
    assert np.array_equal(modifier_factor(mod, {"csat": v}), want)


@pytest.mark.parametrize("periods", [1, 2, 3, 4, 6, 12])
def test_period_sums_are_numpy_s_own(periods):
    """Paying sums period payouts by adds where that is numpy's own order (under 8
    periods) and with numpy's sum beyond: the same bytes either way."""
    from sim.payout import _period_sum

    x = np.random.default_rng(periods).lognormal(0.0, 1.0, (50, 7, periods))
    assert np.array_equal(_period_sum(x), x.sum(-1))
