"""Pay to date and marginal pay while a period runs: the engine's pay rule, seen mid-period.

Closed forms on tiny plans (linear commission, a failed margin gate, a team
measure, a modifier), agreement with the period payouts of a full outcome
table, and monotonicity as a property.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.curves import PayoutCurve, linear_commission
from sim.measures import MEASURES
from sim.payout import (
    ToDate,
    annual_targets,
    marginal_pay,
    pay_to_date,
    period_payouts,
    plan_targets,
)
from sim.plan import Gate, Measure, Modifier

from .test_payout import TI, outcomes, plan, population, revenue

ACCEL = PayoutCurve(points=((0.5, 0.0), (1.0, 1.0), (1.5, 2.0)), tail_slope=2.0)
QUARTER = 300.0  # each rep's quarterly revenue target (1200 a year)


def totals(revenue_value, margin_value=None) -> dict[str, np.ndarray]:
    v = np.atleast_2d(np.asarray(revenue_value, dtype=float))
    gm = 0.7 * v if margin_value is None else np.atleast_2d(np.asarray(margin_value, dtype=float))
    zero = np.zeros_like(v)
    return {
        "new_value": v,
        "xsell_value": zero,
        "new_count": zero,
        "xsell_count": zero,
        "gross_margin": gm,
        "cycle_days_sum": zero,
        "discount_given": zero,
    }


def to_date(p, booked, reps=2, teams=None) -> ToDate:
    pop = population(reps, teams=teams)
    return ToDate(p, plan_targets(p, pop), pop.team_index, booked, 0)


def remaining(p, mean, sd=1e-6):
    return {m.id: (np.asarray(mean, float), np.asarray(sd, float) ** 2) for m in p.measures}


def test_linear_commission_pays_a_constant_rate_per_unit():
    p = plan(revenue())
    for booked in (0.0, 150.0, 900.0):
        td = to_date(p, totals([[booked, booked]]))
        unit = marginal_pay(td, remaining(p, [100.0, 100.0], 50.0))["revenue"]
        np.testing.assert_allclose(unit, TI / 4 / QUARTER, rtol=1e-9)
        np.testing.assert_allclose(pay_to_date(td), TI / 4 * booked / QUARTER, rtol=1e-9)


def test_failed_margin_gate_shows_no_upside_slope():
    gate = Gate(measure="margin_rate", floor=0.6, max_attainment=1.0)
    p = plan(revenue(ACCEL), gates=(gate,))
    above = 1.2 * QUARTER  # past target, on the 2x accelerator
    held = to_date(p, totals([[above, above]], [[0.7 * above, 0.5 * above]]))
    unit = marginal_pay(held, remaining(p, [0.0, 0.0]))["revenue"]
    # Rep 0's margin holds: the accelerator's slope 2; rep 1's fails: nothing more to earn.
    np.testing.assert_allclose(unit[0], [TI / 4 * 2.0 / QUARTER, 0.0], atol=1e-12)
    # Pay to date: rep 1 is held at target.
    np.testing.assert_allclose(pay_to_date(held)[0], [TI / 4 * 1.4, TI / 4 * 1.0])


def test_failed_gate_keeps_the_slope_below_its_cap():
    gate = Gate(measure="margin_rate", floor=0.6, max_attainment=1.0)
    p = plan(revenue(ACCEL), gates=(gate,))
    below = 0.8 * QUARTER  # on the slope 2 segment between threshold and target
    td = to_date(p, totals([[below, below]], [[0.5 * below, 0.5 * below]]))
    unit = marginal_pay(td, remaining(p, [0.0, 0.0]))["revenue"]
    np.testing.assert_allclose(unit, TI / 4 * 2.0 / QUARTER, rtol=1e-6)


def test_modifier_scales_marginal_pay():
    mod = Modifier(measure="margin_rate", bands=(0.6,), factors=(0.5, 1.2))
    p = plan(revenue(), modifiers=(mod,))
    td = to_date(p, totals([[100.0, 100.0]], [[50.0, 70.0]]))
    unit = marginal_pay(td, remaining(p, [10.0, 10.0]))["revenue"]
    np.testing.assert_allclose(unit[0], np.array([0.5, 1.2]) * TI / 4 / QUARTER, rtol=1e-9)


def test_team_measure_pays_per_unit_of_the_team_total():
    team = Measure(
        name="revenue",
        key="team_revenue",
        level="team",
        weight=0.5,
        target=1200.0,
        curve=linear_commission(),
    )
    p = plan(revenue(weight=0.5), team)
    td = to_date(p, totals([[100.0, 50.0, 80.0]]), reps=3, teams=["A", "A", "B"])
    unit = marginal_pay(td, remaining(p, [10.0, 10.0, 10.0]))
    np.testing.assert_allclose(unit["revenue"], 0.5 * TI / 4 / QUARTER)
    # Team A's target is two reps' targets: each unit earns half as much per rep.
    np.testing.assert_allclose(unit["team_revenue"][0], 0.5 * TI / 4 / np.array([600, 600, 300.0]))
    np.testing.assert_allclose(
        pay_to_date(td)[0],
        0.5 * TI / 4 * (np.array([100, 50, 80]) / 300 + [150 / 600, 150 / 600, 80 / 300]),
    )


def test_true_up_gives_the_annual_curves_marginal_pay():
    """A rep short of the quarter's threshold still earns on the annual curve's slope."""
    p = plan(revenue(ACCEL), true_up=True)
    pop = population(1)
    targets = plan_targets(p, pop)
    quarter = ToDate(p, targets, pop.team_index, totals([[0.0]]), 1)
    year = ToDate(p, annual_targets(p, targets), pop.team_index, totals([[600.0]]), 0)
    rest_q = remaining(p, [1.0], 1.0)
    rest_y = remaining(p, [600.0], 1e-6)
    alone = marginal_pay(quarter, rest_q)["revenue"]
    with_year = marginal_pay(quarter, rest_q, (year, rest_y))["revenue"]
    assert alone[0] < 1e-6
    np.testing.assert_allclose(with_year, TI * 2.0 / 1200.0, rtol=1e-6)


def test_pay_to_date_matches_the_period_payouts_of_a_full_table():
    gate = Gate(measure="margin_rate", floor=0.6, max_attainment=1.0)
    mod = Modifier(measure="margin_rate", bands=(0.65,), factors=(0.9, 1.1))
    p = plan(revenue(ACCEL), gates=(gate,), modifiers=(mod,))
    booked = np.array([[200.0, 420.0, 500.0]])
    margin = booked * np.array([0.7, 0.55, 0.62])
    month = np.zeros((1, 3, 12))
    month[..., 0] = booked
    gm = np.zeros((1, 3, 12))
    gm[..., 0] = margin
    table = outcomes(1, 3, new_value=month, gross_margin=gm)
    expected = period_payouts(p, table, population(3))[..., 0]
    np.testing.assert_allclose(pay_to_date(to_date(p, totals(booked, margin), reps=3)), expected)


@settings(max_examples=60, deadline=None)
@given(
    st.floats(0.0, 3.0),
    st.floats(0.0, 1.0),
    st.floats(0.01, 1.0),
    st.floats(0.0, 0.5),
)
def test_pay_to_date_never_falls_and_marginal_pay_is_never_negative(done, rem, sd, more):
    gate = Gate(measure="margin_rate", floor=0.6, max_attainment=1.0)
    p = plan(revenue(ACCEL), gates=(gate,))
    base = done * QUARTER
    a = to_date(p, totals([[base, base]], [[0.7 * base, 0.5 * base]]))
    b = to_date(
        p,
        totals(
            [[base + more * QUARTER] * 2],
            [[0.7 * (base + more * QUARTER), 0.5 * (base + more * QUARTER)]],
        ),
    )
    assert np.all(pay_to_date(b) >= pay_to_date(a) - 1e-9)
    unit = marginal_pay(a, remaining(p, [rem * QUARTER] * 2, sd * QUARTER))["revenue"]
    assert np.all(unit >= 0.0)


@settings(max_examples=50, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    name=st.sampled_from(sorted(n for n, k in MEASURES.items() if not k.average)),
)
def test_a_measure_on_totals_is_its_sum_over_one_month(seed, name):
    """Totals to date are a measure's components already summed: the measure on them is
    the measure of one month holding those totals, bit for bit (zeros and empty
    denominators included)."""
    kind = MEASURES[name]
    rng = np.random.default_rng(seed)
    totals = {
        c: np.where(rng.random((4, 5)) < 0.3, 0.0, rng.gamma(2.0, 1e5, (4, 5)))
        for c in kind.numerator + kind.denominator
    }
    one_month = kind.aggregate({c: v[..., None] for c, v in totals.items()}, axis=-1)
    got = kind.combine(totals)
    assert np.array_equal(got, one_month, equal_nan=True)
