"""Hand-checked metrics: inequality, rank correlation, quota accuracy, metric tables."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.curves import PayoutCurve
from sim.metrics import (
    BEHAVIOUR_KEYS,
    METRICS,
    company_metrics,
    gini,
    measure_metrics,
    quantile_pseudo,
    quota_accuracy,
    rank_correlation,
    ratio_pseudo,
    reward_metrics,
    team_metrics,
    yearly_metrics,
)
from sim.payout import PlanOutcome
from sim.plan import Measure, PayMix, Plan, Reward
from sim.population import Population
from sim.run import SimulationResult, VariantResult

# ---- gini --------------------------------------------------------------------


@pytest.mark.parametrize("n", [2, 5, 40])
def test_gini_equal_is_zero(n):
    assert float(gini(np.full(n, 7.5))) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("n", [2, 5, 40])
def test_gini_one_takes_all(n):
    x = np.zeros(n)
    x[n // 2] = 100.0
    assert float(gini(x)) == pytest.approx((n - 1) / n)


def test_gini_hand_case_and_order():
    # Mean absolute difference over all ordered pairs / (2 * mean):
    # sum |xi - xj| = 2 * (1 + 2 + 3 + 1 + 2 + 1) = 20; 20 / (2 * 16 * 2.5) = 0.25.
    assert float(gini(np.array([1.0, 2.0, 3.0, 4.0]))) == pytest.approx(0.25)
    assert float(gini(np.array([4.0, 1.0, 3.0, 2.0]))) == pytest.approx(0.25)
    assert float(gini(np.zeros(4))) == 0.0  # nobody paid: no inequality


def test_gini_along_an_axis():
    x = np.array([[1.0, 2.0, 3.0, 4.0], [5.0, 5.0, 5.0, 5.0], [0.0, 0.0, 0.0, 9.0]])
    np.testing.assert_allclose(gini(x, axis=1), [0.25, 0.0, 0.75], atol=1e-12)
    np.testing.assert_allclose(gini(x.T, axis=0), [0.25, 0.0, 0.75], atol=1e-12)


# ---- rank correlation ----------------------------------------------------------


def test_rank_correlation_monotone_and_reversed():
    a = np.array([0.3, 1.0, 2.5, 7.0, 9.0])
    assert float(rank_correlation(a, a**3 + 1)) == pytest.approx(1.0)
    assert float(rank_correlation(a, -np.exp(a))) == pytest.approx(-1.0)


def test_rank_correlation_ties_use_average_ranks():
    # Ranks (1, 2.5, 2.5, 4) vs (1, 2, 3, 4): centred (-1.5, 0, 0, 1.5) and
    # (-1.5, -0.5, 0.5, 1.5); 4.5 / sqrt(4.5 * 5) = 0.948683...
    r = float(rank_correlation(np.array([1.0, 2.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0, 4.0])))
    assert r == pytest.approx(4.5 / np.sqrt(22.5))


def test_rank_correlation_constant_is_nan_and_axis():
    assert np.isnan(rank_correlation(np.ones(4), np.arange(4.0)))
    a = np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])
    b = np.array([[2.0, 4.0, 8.0], [3.0, 2.0, 1.0]])
    np.testing.assert_allclose(rank_correlation(a, b, axis=1), [1.0, -1.0])
    np.testing.assert_allclose(rank_correlation(a.T, b.T, axis=0), [1.0, -1.0])


# ---- quota accuracy ------------------------------------------------------------


def test_quota_accuracy():
    a = np.array([0.8, 1.2, 0.79, 1.21, 1.0])  # the band's edges count as accurate
    assert quota_accuracy(a) == pytest.approx(3 / 5)
    assert quota_accuracy(a, band=0.25) == pytest.approx(1.0)
    assert quota_accuracy(a, band=0.0) == pytest.approx(1 / 5)
    assert quota_accuracy(np.array([[0.5, 1.1], [1.5, 0.95]])) == pytest.approx(0.5)


# ---- metric tables on a small synthetic result --------------------------------

CURVE = PayoutCurve(points=((0.5, 0.0), (1.0, 1.0)), tail_slope=1.0, cap=2.0)  # cap at 200%


def _plan() -> Plan:
    return Plan(
        pay_mix=PayMix(base=5000.0, target_incentive=1000.0),
        measures=(Measure(name="revenue", weight=1.0, target=2000.0, curve=CURVE),),
        rewards=(
            Reward(name="club", kind="recognition", top_percent=50),
            Reward(name="promo", kind="promotion", min_attainment=1.2, min_tenure_years=2),
        ),
    )


def _variant() -> VariantResult:
    # Two trials of two reps.
    att = np.array([[0.4, 1.0], [2.0, 1.5]], dtype=np.float32)
    total = np.array([[100.0, 300.0], [200.0, 400.0]], dtype=np.float32)
    outcome = PlanOutcome(
        attainment={"revenue": att},
        period_attainment={"revenue": att[..., None]},
        period_at_target={"revenue": (att >= 1.0).mean(1, keepdims=True)},
        payout={"revenue": np.array([[100.0, 200.0], [200.0, 400.0]], dtype=np.float32)},
        true_up=np.array([[0.0, 100.0], [0.0, 0.0]], dtype=np.float32),
        total=total,
        weighted_attainment=att,
        payout_by_month=np.zeros((2, 13)),
        targets={"revenue": np.full((2, 4), 500.0)},
    )
    actuals = {
        "revenue": np.array([[1000.0, 3000.0], [1000.0, 1000.0]], dtype=np.float32),
        "gross_margin": np.array([[400.0, 1200.0], [400.0, 400.0]], dtype=np.float32),
    }
    return VariantResult(
        name="base",
        plan=_plan(),
        outcome=outcome,
        actuals=actuals,
        bookings_by_month=np.zeros((2, 12)),
        rep_bookings_by_month=np.zeros((2, 12)),
        effort_by_progress=np.zeros((2, 2, 3, 21)),
    )


def test_measure_metrics():
    row = measure_metrics(_variant()).loc["revenue"]
    # Attainments 0.4, 1.0, 2.0, 1.5; numpy's linear quantiles of the sorted
    # (0.4, 1.0, 1.5, 2.0): p10 at position 0.3, p50 at 1.5, p90 at 2.7.
    assert row["attainment_mean"] == pytest.approx(1.225)
    # Quantiles come from the attainment sketch: within 1% of the exact ones.
    assert row["attainment_p10"] == pytest.approx(0.4 + 0.3 * 0.6, rel=0.01)
    assert row["attainment_p50"] == pytest.approx(1.25, rel=0.01)
    assert row["attainment_p90"] == pytest.approx(1.5 + 0.7 * 0.5, rel=0.01)
    assert row["share_at_threshold"] == pytest.approx(0.75)
    assert row["share_at_target"] == pytest.approx(0.75)
    assert row["share_at_cap"] == pytest.approx(0.25)  # only the 200% rep
    assert row["quota_accuracy"] == pytest.approx(0.25)
    # Period payouts per measure (the annual true-up is not split by measure).
    assert row["period_payout_per_rep"] == pytest.approx(225.0)
    assert row["weight"] == 1.0 and row["level"] == "individual"


def test_company_metrics():
    c = company_metrics(_variant())
    # Per trial: cost 400 and 600, revenue 4000 and 2000, margin 1600 and 800.
    assert c["revenue_expected"] == pytest.approx(3000.0)
    assert c["gross_margin_expected"] == pytest.approx(1200.0)
    assert c["incentive_cost_expected"] == pytest.approx(500.0)
    assert c["incentive_cost_p90"] == pytest.approx(580.0)
    assert c["incentive_cost_p95"] == pytest.approx(590.0)
    assert c["incentive_vs_target_incentive"] == pytest.approx(500.0 / 2000.0)
    assert c["cost_of_sales"] == pytest.approx(500.0 / 3000.0)
    assert c["cost_of_sales_p90"] == pytest.approx(0.1 + 0.9 * (0.3 - 0.1))
    assert c["total_comp_cost_of_sales"] == pytest.approx((500.0 + 2 * 5000.0) / 3000.0)
    assert c["gross_margin_after_incentive"] == pytest.approx(((1600 - 400) + (800 - 600)) / 2)
    # Trial 0 pays in revenue order (1); trial 1's revenues tie (undefined, skipped).
    assert c["pay_for_performance"] == pytest.approx(1.0)
    # Gini of (100, 300) is 0.25, of (200, 400) is 1/6.
    assert c["payout_gini"] == pytest.approx((0.25 + 1 / 6) / 2)
    assert c["true_up_share"] == pytest.approx(100.0 / 1000.0)
    assert c["weighted_attainment_mean"] == pytest.approx(1.225)


def _result() -> SimulationResult:
    pop = Population(
        name=np.array(["a", "b"], dtype=object),
        team=np.array(["North", "South"], dtype=object),
        ability=np.ones(2),
        potential=np.ones(2),
        tenure_years=np.array([1.0, 5.0]),
        accounts=np.array([10, 10]),
        csat_base=np.full(2, 8.0),
        renewals_due=np.zeros((2, 12), dtype=np.int64),
    )
    return SimulationResult(
        scenario=None, population=pop, seed=1, trials=2, variants={"base": _variant()}, draws=0
    )


def test_team_metrics():
    t = team_metrics(_result())
    assert list(t.index) == ["North", "South"]
    assert t.loc["North", "revenue_expected"] == pytest.approx(1000.0)
    assert t.loc["South", "revenue_expected"] == pytest.approx(2000.0)
    assert t.loc["North", "incentive_expected"] == pytest.approx(150.0)
    assert t.loc["South", "cost_of_sales"] == pytest.approx(350.0 / 2000.0)
    assert t.loc["North", "share_at_target"] == pytest.approx(0.5)
    assert t.loc["South", "share_at_target"] == pytest.approx(1.0)


def test_reward_metrics():
    r = reward_metrics(_result())
    # Top 50% of two reps is one rep per trial: b in trial 0, a in trial 1.
    assert r.loc["a", "club"] == pytest.approx(0.5)
    assert r.loc["b", "club"] == pytest.approx(0.5)
    # Promotion needs attainment >= 1.2 and tenure >= 2: rep a (tenure 1) never,
    # rep b (1.0 then 1.5) in one trial of two.
    assert r.loc["a", "promo"] == 0.0
    assert r.loc["b", "promo"] == pytest.approx(0.5)


def test_company_figures_are_the_means_of_the_yearly_metrics():
    v = _variant()
    yearly = yearly_metrics(v)
    assert list(yearly.columns) == [m.key for m in METRICS]
    assert len(yearly) == 2
    assert company_metrics(v).to_dict() == pytest.approx(yearly.mean().to_dict(), nan_ok=True)
    # Per year as they stand: cost 400 and 600, and the share of reps at target.
    assert yearly["incentive_cost_expected"].tolist() == [400.0, 600.0]
    assert yearly["share_at_target"].tolist() == [0.5, 1.0]


def test_every_metric_has_one_name_a_label_and_a_kind():
    keys = [m.key for m in METRICS]
    assert len(keys) == len(set(keys))
    assert all(
        m.label and m.meaning and m.kind in {"money", "percent", "number", "count"} for m in METRICS
    )
    assert set(keys) >= BEHAVIOUR_KEYS


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=2, max_size=60),
    st.sampled_from([0.1, 0.5, 0.9, 0.95]),
)
def test_pseudo_values_average_to_the_metric(xs, p):
    """Whatever the sample, the mean of the per-year values is the quantile (and the
    ratio of means) itself, so a company figure is the mean of its yearly values."""
    x = np.asarray(xs)
    assert quantile_pseudo(x, p).mean() == pytest.approx(np.quantile(x, p), rel=1e-9, abs=1e-6)
    den = np.abs(x) + 1.0
    assert ratio_pseudo(x, den).mean() == pytest.approx(x.mean() / den.mean(), rel=1e-9, abs=1e-9)
