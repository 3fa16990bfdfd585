"""The agency model against its closed form, and the curve maths the behaviour model reads.

Effort as a best response (Holmström & Milgrom 1987): with sales
x = h + k·e + ε, ε ~ N(0, σ²), CARA risk aversion r and effort cost d·e²/2,
salary α plus commission β on sales gives e* = β·k/d and the firm's optimum
β* = m·k² / (k² + r·d·σ²). The simulated best response must reproduce this;
a nonlinear rule (a quota bonus) must make reps whose target is out of reach
give up.

The behaviour model's within-period effort reads
:meth:`~sim.curves.PayoutCurve.expected_slope` and
:func:`~sim.curves.prob_at_least`; both are checked against Monte Carlo over
the truncated normal they describe. Seeds are fixed, so every check is
deterministic; statistical checks allow ``Z = 4`` standard errors (a correct
formula fails one with probability about 6e-5 over the choice of seed).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from sim.behaviour.agency import (
    AgencyReps,
    best_effort,
    linear_closed_form,
    optimal_linear_plan,
)
from sim.curves import PayoutCurve, prob_at_least

Z = 4.0

# -- closed form -------------------------------------------------------------------------

TEXTBOOK = {"h": 1.0, "k": 1.0, "d": 1.0, "r": 2.0, "sigma": math.sqrt(0.5), "ce0": 1.0}


def test_closed_form_textbook_numbers():
    # β* = 1 / (1 + 2·1·0.5) = 0.5, e* = 0.5, α* = 1 − 0.5 − 0.125 + 0.125 = 0.5,
    # profit = 1.5 − 0.5 − 0.75 = 0.25: pure arithmetic, so only rounding is allowed.
    lp = linear_closed_form(h=1, k=1, d=1, r=2, sigma2=0.5, m=1, ce0=1)
    assert lp.beta == pytest.approx(0.5, abs=1e-12)
    assert lp.alpha == pytest.approx(0.5, abs=1e-12)
    assert lp.effort[0] == pytest.approx(0.5, abs=1e-12)
    assert lp.profit == pytest.approx(0.25, abs=1e-12)


def test_optimal_linear_plan_reproduces_closed_form():
    # The simulated optimum uses 100,000 standardised normal draws (sample mean 0 and
    # variance 1 exactly), so the CE of a linear commission carries no sampling error
    # and only the optimiser's tolerance remains; 1% is the bar, while a wrong
    # risk premium or effort rule moves these by tens of percent.
    reps = AgencyReps.of(**TEXTBOOK)
    plan = optimal_linear_plan(reps, margin=1.0)
    cf = linear_closed_form(1, 1, 1, 2, 0.5, 1, 1)
    assert plan.beta == pytest.approx(cf.beta, rel=0.01)
    assert plan.alpha == pytest.approx(cf.alpha, rel=0.01)
    assert plan.effort[0] == pytest.approx(cf.effort[0], rel=0.01)
    assert plan.profit == pytest.approx(cf.profit, rel=0.01)


@pytest.fixture(scope="module")
def eps() -> np.ndarray:
    return np.random.default_rng(20240601).standard_normal((20_000, 1))


@pytest.mark.parametrize("b", [0.1, 0.25, 0.5, 0.8, 1.2])
def test_best_effort_linear_is_b_k_over_d(eps, b):
    # Under a linear rule the pay variance b²σ² does not depend on effort, so the
    # CE is b·(h + k·e) − const − d·e²/2 for *any* draws: the maximiser b·k/d is exact
    # and only the Newton tolerance (1e-6) remains. 1e-4 leaves room for it.
    reps = AgencyReps.of(**TEXTBOOK)
    e = best_effort(lambda x: b * x[..., 0], reps, eps)
    assert e.shape == (1, 1)
    assert e[0, 0] == pytest.approx(b * 1.0 / 1.0, abs=1e-4)


def test_best_effort_linear_heterogeneous_reps_vectorised(eps):
    # One call for six different reps: each gets its own b·k/d, whatever its
    # baseline, risk aversion or noise (the same exactness argument as above).
    reps = AgencyReps.of(
        h=[0.0, 1.0, 2.0, 0.5, 3.0, 1.0],
        k=[0.5, 1.0, 1.5, 2.0, 0.8, 1.2],
        d=[1.0, 2.0, 0.5, 3.0, 0.4, 1.0],
        r=[0.5, 1.0, 2.0, 4.0, 0.0, 8.0],
        sigma=[0.2, 0.5, 1.0, 2.0, 0.1, 3.0],
        ce0=0.0,
    )
    for b in (0.3, 0.6, 0.9):
        e = best_effort(lambda x, b=b: b * x[..., 0], reps, eps)
        assert e.shape == (6, 1)
        np.testing.assert_allclose(e[:, 0], b * reps.k / reps.d, atol=1e-4)


def test_quota_bonus_out_of_reach_gives_up(eps):
    # A lump sum B = 2 for reaching T. Rep 0's target T = 1 is in reach (effort 1.3
    # costs 0.85 and wins the bonus 84% of the time: CE ≈ 0.7 > 0 at zero effort);
    # rep 1's T = 5 would need effort ~5, costing 12.5 for a bonus of 2, so its best
    # response is (near) zero. Otherwise the two reps are identical. The margins are
    # structural, not noise.
    reps = AgencyReps.of(h=0.0, k=1.0, d=1.0, r=[0.5, 0.5], sigma=0.3, ce0=0.0)
    target = np.array([1.0, 5.0])
    e = best_effort(lambda x: 2.0 * (x[..., 0] >= target), reps, eps)[:, 0]
    assert e[0] > 0.5
    assert e[1] < 0.1
    assert e[1] < 0.2 * e[0]


# -- expected slope and probability of reaching a level ----------------------------------

CURVES = {
    # threshold 50%, 2x accelerator to 150%, then 1x, capped at 2.5 (the baseline's)
    "threshold": PayoutCurve(points=((0.5, 0.0), (1.0, 1.0), (1.5, 2.0)), tail_slope=1.0, cap=2.5),
    # quota bonus: a lump sum at 100%, nothing else
    "step": PayoutCurve(points=((1.0, 0.0), (1.0, 1.0)), tail_slope=0.0),
    # linear from zero with a 2x accelerator, capped at 1.5
    "capped": PayoutCurve(points=((0.0, 0.0), (1.0, 1.0)), tail_slope=2.0, cap=1.5),
}

# (attainment to date, mean of the rest, sd of the rest): early, mid, near a deadline,
# past target, and with heavy truncation at zero (mean small against the sd).
STATES = [
    (0.3, 0.5, 0.3),
    (0.6, 0.3, 0.15),
    (0.9, 0.05, 0.05),
    (1.2, 0.3, 0.2),
    (0.1, 0.9, 0.5),
    (0.2, 0.1, 0.4),
]

MC_DRAWS = 2_000_000


def _rest(seed: int, rm: float, rs: float) -> np.ndarray:
    """Draws of the rest of the period: normal(rm, rs) truncated at zero (rejection)."""
    x = rm + rs * np.random.default_rng(seed).standard_normal(MC_DRAWS)
    return x[x >= 0.0]


@pytest.mark.parametrize("name", list(CURVES))
@pytest.mark.parametrize("k", range(len(STATES)))
def test_expected_slope_matches_monte_carlo(name, k):
    # d/d(base) E[payout(base + X)] by a central difference with common draws:
    # D_i = (payout(base + h + X_i) − payout(base − h + X_i)) / 2h, averaged. The
    # standard error comes from the D_i themselves; h = 0.05·sd keeps the
    # difference's own bias (≈ (h/sd)²/6 of the density terms, 4e-4 relative)
    # well below the 1e-3 relative allowance added to Z standard errors. A missing
    # jump term, slope or truncation shows up as an error of 10-100%.
    curve = CURVES[name]
    base, rm, rs = STATES[k]
    x = _rest(1000 + k, rm, rs)
    h = 0.05 * rs
    d = (curve.payout(base + h + x) - curve.payout(base - h + x)) / (2 * h)
    est, se = d.mean(), d.std() / math.sqrt(d.size)
    got = float(curve.expected_slope(np.array(base), np.array(rm), np.array(rs)))
    assert abs(got - est) <= Z * se + 1e-3 * abs(est) + 1e-9, (name, STATES[k], got, est, se)


def test_expected_slope_step_is_zero_past_the_step_and_positive_before():
    # Structural: past the bonus nothing more is paid; before it the density at the
    # step is positive. Exact statements, no noise.
    step = CURVES["step"]
    assert float(step.expected_slope(np.array(1.2), np.array(0.3), np.array(0.2))) == 0.0
    assert float(step.expected_slope(np.array(0.8), np.array(0.2), np.array(0.1))) > 1.0


def test_linear_from_zero_expected_slope_is_the_constant_slope():
    # For a curve linear from zero the expected slope is the slope itself, whatever the
    # position and the uncertainty. The curve's own slopes are read by central
    # differences of width 1e-7 (relative rounding ~1e-9), so 1e-8 is the numerical
    # floor; any real dependence on the spread would be orders of magnitude larger.
    base, rm, rs = np.meshgrid(
        [0.0, 0.2, 0.55, 0.9, 1.0, 1.5, 3.0],
        [0.0, 0.13, 0.5, 1.0, 3.0],
        [0.01, 0.05, 0.3, 1.0, 10.0, 100.0],
        indexing="ij",
    )
    for rate in (1.0, 0.7, 2.5):
        curve = PayoutCurve(points=((0.0, 0.0), (1.0, rate)), tail_slope=rate)
        got = curve.expected_slope(base, rm, rs)
        np.testing.assert_allclose(got, rate, rtol=0, atol=1e-8 * rate)


def test_linear_from_zero_expected_slope_with_degenerate_spread():
    # Same statement as above at spreads 0 and 1e-6, with base + mean exactly on the
    # breakpoint at 1.0 (0.9 + 0.1 == 1.0 in floating point).
    curve = PayoutCurve(points=((0.0, 0.0), (1.0, 1.0)), tail_slope=1.0)
    for sd in (0.0, 1e-6):
        got = float(curve.expected_slope(np.array(0.9), np.array(0.1), np.array(sd)))
        assert got == pytest.approx(1.0, abs=1e-8), sd


def test_expected_slope_broadcasts_rem_mean():
    curve = CURVES["threshold"]
    got = curve.expected_slope(0.5, np.array([0.1, 0.4, 0.8]), 0.2)
    want = [
        float(curve.expected_slope(np.array(0.5), np.array(m), np.array(0.2)))
        for m in (0.1, 0.4, 0.8)
    ]
    np.testing.assert_allclose(got, want)


@pytest.mark.parametrize("level", [0.5, 1.0, 1.5])
@pytest.mark.parametrize("k", range(len(STATES)))
def test_prob_at_least_matches_monte_carlo(level, k):
    # A proportion over ~1-2 million truncated draws: binomial standard error, Z of them
    # (plus 1e-6 for probabilities of exactly 0 or 1, where the SE vanishes).
    base, rm, rs = STATES[k]
    x = _rest(2000 + k, rm, rs)
    p = float(np.mean(base + x >= level))
    se = math.sqrt(p * (1 - p) / x.size)
    got = float(prob_at_least(level, np.array(base), np.array(rm), np.array(rs)))
    assert abs(got - p) <= Z * se + 1e-6, (level, STATES[k], got, p, se)


def test_prob_at_least_is_one_once_reached():
    got = prob_at_least(1.0, np.array([1.0, 1.3]), np.array([0.0, 0.2]), np.array([0.1, 0.0]))
    np.testing.assert_array_equal(got, [1.0, 1.0])


def test_agency_reps_from_a_scenario_team():
    # k is each rep's expected annual revenue at today's effort (from the market's deal
    # flows): it matches the simulated mean per rep within 4 standard errors, and the
    # linear-plan optimiser runs on the team (beta between 0 and the margin).
    from sim import load_scenario, simulate
    from sim.run import make_population

    root = Path(__file__).resolve().parents[1]
    sc = load_scenario(root / "scenarios" / "key_account_baseline.toml")
    pop = make_population(sc)
    ote = sc.plan.pay_mix.ote
    reps = AgencyReps.from_team(
        sc.market,
        pop,
        risk_aversion=1.0 / ote,
        effort_cost=4.0 * ote,
        outside_option=ote,
        house_share=0.25,
    )
    assert reps.size == pop.size
    run = simulate(sc, [], trials=2000, rep_years=True)
    rev = run.base.actuals["revenue"].astype(float)
    se = rev.std(0) / np.sqrt(rev.shape[0])
    np.testing.assert_array_less(np.abs(rev.mean(0) - (reps.h[:, 0] + reps.k)), 4 * se)
    plan = optimal_linear_plan(reps, margin=0.6, draws=5_000, seed=1)
    assert 0.0 < plan.beta < 0.6
