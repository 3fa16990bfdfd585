"""Calibration: theory checks on synthetic data, and recovery of the shipped example's
known true parameters within tolerances set from their sampling error."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sim import load_scenario
from sim.actuals import load_actuals
from sim.actuals.years import plan_years
from sim.calibrate import calibrate, demand_fit, shrink_productivity
from sim.review import prepare_review
from sim.run import make_population
from tests.conftest import ROOT

EXAMPLE = ROOT / "scenarios" / "review_example.toml"
TRUTH = json.loads((ROOT / "scenarios" / "review_truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def review():
    sc = load_scenario(EXAMPLE)
    return prepare_review(sc, load_actuals(sc, drop_bad_rows=True))


def test_demand_fit_is_exact_on_expected_counts():
    """Counts equal to their expectation give back the seasonality and growth exactly."""
    season = np.array([0.8, 0.9, 1.1, 0.95, 1.0, 1.1, 0.8, 0.75, 1.1, 1.05, 1.15, 1.3])
    season /= season.mean()
    t = (np.arange(24) + 0.5) / 12
    expected = 50 * np.tile(season, 2) * 1.08**t
    counts = np.broadcast_to(expected.reshape(2, 1, 12) / 10, (2, 10, 12))
    s, g = demand_fit(counts, np.ones(counts.shape, dtype=bool))
    np.testing.assert_allclose(s, season, rtol=1e-8)
    assert g == pytest.approx(0.08, rel=1e-8)


def test_shrinkage_recovers_the_prior_and_beats_raw_rates():
    """Gamma-Poisson with a known spread: the fitted prior shape is within 25% of the truth
    (2,000 reps), and the shrunk estimates are closer to the true rates than the raw ones."""
    rng = np.random.default_rng(7)
    a_true = 1 / 0.3**2
    theta = rng.gamma(a_true, 1 / a_true, 2000)
    exposure = rng.uniform(3, 20, 2000)
    deals = rng.poisson(theta * exposure)
    post, a = shrink_productivity(deals.astype(float), exposure)
    assert a == pytest.approx(a_true, rel=0.25)
    raw = deals / exposure
    assert np.mean((post - theta) ** 2) < 0.7 * np.mean((raw - theta) ** 2)


def test_recovers_the_true_market_of_the_shipped_example(review):
    """Tolerances are about three standard errors for 120 reps x 24 months: about 630 new
    deals (rates and mean sizes within 15%); a log-normal's spread is estimated from its
    fourth moment, so its cv only within 40%; one pair of years with shocks of sd 0.05
    leaves growth within 0.2; twelve seasonal factors from ~125 deals a month each, a RMS
    error under 0.15."""
    cal = review.calibration
    ability = np.array([TRUTH["true_ability"][n] for n in review.population.name])
    rate = cal.new_rate * cal.reps["productivity"].mean()
    assert rate == pytest.approx(TRUTH["new_deals_per_month"] * ability.mean(), rel=0.15)
    assert cal.new_size.mean == pytest.approx(TRUTH["new_deal_size_mean"], rel=0.15)
    assert cal.new_size.cv == pytest.approx(TRUTH["new_deal_size_cv"], rel=0.4)
    assert cal.xsell_size.mean == pytest.approx(TRUTH["xsell_deal_size_mean"], rel=0.15)
    assert cal.xsell_size.cv == pytest.approx(TRUTH["xsell_deal_size_cv"], rel=0.4)
    xrate = cal.xsell_rate * cal.reps["productivity"].mean()
    assert xrate == pytest.approx(TRUTH["xsell_deals_per_account_month"] * ability.mean(), rel=0.15)
    assert abs(cal.growth - TRUTH["growth"]) < 0.2
    season = np.array(TRUTH["seasonality"]) / np.mean(TRUTH["seasonality"])
    assert np.sqrt(np.mean((cal.seasonality - season) ** 2)) < 0.15
    assert cal.productivity_cv == pytest.approx(TRUTH["ability_cv"], abs=0.12)
    assert 0.7 < cal.dispersion < 1.3  # compound Poisson: deal counts are Poisson


def test_productivity_estimates_track_true_ability(review):
    """Reliability of a rep's rate over ~12 expected deals is about 0.5, so the estimates
    correlate with true ability near sqrt(0.5) = 0.7; at least 0.55 is required."""
    ability = np.array([TRUTH["true_ability"][n] for n in review.population.name])
    est = review.calibration.reps["productivity"].to_numpy()
    assert np.corrcoef(est, ability)[0, 1] > 0.55


def test_shrinkage_beats_raw_averages_on_a_held_out_year(review):
    """Estimate on FY2025 only, predict each rep's FY2026 deal count: shrunk estimates
    have the smaller squared error than raw per-rep rates."""
    sc = review.scenario
    pop = review.population
    years = [y for y in plan_years(review.actuals, list(pop.name)) if y.complete]
    first, held = years
    cal = calibrate(sc, pop, [first], growth=TRUTH["growth"])
    per_month = cal.new_rate * pop.potential_index + cal.xsell_rate * pop.accounts
    demand = cal.seasonality * (1 + cal.growth) ** ((np.arange(12) + 12.5) / 12)
    exposure = per_month[:, None] * demand[None, :]
    exposure = (exposure * held.observed).sum(1)
    actual = (held.field("new_count") + held.field("xsell_count")).sum(1)
    shrunk = cal.reps["productivity"].to_numpy() * exposure
    raw = np.nan_to_num(cal.reps["productivity_raw"].to_numpy(), nan=1.0) * exposure
    assert np.mean((shrunk - actual) ** 2) < np.mean((raw - actual) ** 2)


def test_calibrated_scenario_reflects_the_actuals(review):
    sc = review.calibrated
    pop = make_population(sc)
    np.testing.assert_allclose(pop.ability, review.calibration.reps["productivity"])
    np.testing.assert_allclose(pop.targets["revenue"], review.year.values["target_revenue"].sum(1))
    assert sc.plan.measure("revenue").target_basis == "roster"
    assert sc.market.new_business.deals_per_month == review.calibration.new_rate
    assert list(pop.name) == list(review.population.name)


def test_next_period_scenario_grows_demand_by_the_estimate(review):
    from sim.behaviour.flows import expected_flows
    from sim.review import next_period_scenario

    nxt = next_period_scenario(review)
    pop = make_population(nxt)
    now = expected_flows(review.calibrated.market, pop).mean["new"]["new_value"].sum()
    later = expected_flows(nxt.market, pop).mean["new"]["new_value"].sum()
    assert later / now == pytest.approx(1 + review.calibration.growth, rel=1e-9)
