"""Comparing plan variants: paired differences on common draws, and the earnings estimator."""

from __future__ import annotations

import numpy as np
import pytest

from sim import PayoutCurve, load_scenario, simulate
from sim import metrics as M
from sim.compare import comparison_table, differences
from sim.earnings import earnings_table
from sim.metrics import quantile_pseudo, ratio_pseudo
from sim.run import make_population
from tests.conftest import BASELINE, ROOT


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(BASELINE)


@pytest.fixture(scope="module")
def result(scenario):
    """The baseline's variants, a copy of the base plan, and a variant that only raises the cap."""
    revenue = scenario.plan.measures[0]
    higher_cap = revenue.curve.model_copy(update={"cap": 3.0})
    capped = scenario.plan.model_copy(
        update={
            "measures": (
                revenue.model_copy(update={"curve": higher_cap}),
                *scenario.plan.measures[1:],
            )
        }
    )
    steep = revenue.curve.model_copy(update={"points": ((0.7, 0.0), (1.0, 1.0), (1.5, 2.0))})
    threshold = scenario.plan.model_copy(
        update={
            "measures": (revenue.model_copy(update={"curve": steep}), *scenario.plan.measures[1:])
        }
    )
    variants = {
        **scenario.variants,
        "same": scenario.plan,
        "higher_cap": capped,
        "higher_threshold": threshold,
    }
    sc = scenario.model_copy(update={"variants": variants})
    return simulate(sc, trials=400, seed=11, keep_outcomes=True, rep_years=True)


def test_a_variant_against_itself_differs_by_nothing(result):
    for d in (differences(result, variants=["same"]), differences(result, variants=["base"])):
        assert (d["difference"] == 0).all()
        assert (d["ci_low"] <= 0).all() and (d["ci_high"] >= 0).all()
        assert not d["significant"].any()


def test_raising_the_cap_changes_nothing_below_it(result):
    base, capped = result.variants["base"], result.variants["higher_cap"]
    old_cap_at = result.base.plan.measures[0].curve.attainment_at_cap  # 2.0 on the baseline
    reached = np.maximum(
        base.outcome.period_attainment["revenue"].max(-1), base.outcome.attainment["revenue"]
    )
    below = reached < old_cap_at
    assert 0.2 < below.mean() < 0.9  # both kinds of rep-year occur
    np.testing.assert_array_equal(capped.outcome.total[below], base.outcome.total[below])
    assert (capped.outcome.total[~below] >= base.outcome.total[~below]).all()
    d = differences(result, variants=["higher_cap"]).loc["higher_cap", "difference"]
    for metric in ("share_at_threshold", "share_at_target", "quota_accuracy", "revenue_expected"):
        assert d[metric] == 0
    assert d["incentive_cost_expected"] > 0


def test_paired_intervals_are_narrower_than_unpaired(result):
    paired = differences(result)
    unpaired = differences(result, paired=False)
    assert (paired["difference"] == unpaired["difference"]).all()
    for metric in ("incentive_cost_expected", "incentive_cost_p90", "gross_margin_after_incentive"):
        p = paired.xs(metric, level="metric")
        u = unpaired.xs(metric, level="metric")
        changed = p["difference"] != 0
        assert changed.sum() >= 4
        assert (p["std_error"][changed] < u["std_error"][changed]).all(), metric
        if metric != "incentive_cost_p90":  # a quantile's pseudo-values pair less well
            assert (p["std_error"][changed] < 0.5 * u["std_error"][changed]).all(), metric


def test_comparison_table_agrees_with_the_metrics(result):
    table = comparison_table(result)
    assert table.index.name == "metric"
    assert list(table.columns) == list(result.variants)
    for name, v in result.variants.items():
        c = M.company_metrics(v)
        for k in (
            "revenue_expected",
            "incentive_cost_expected",
            "cost_of_sales",
            "gross_margin_after_incentive",
            "payout_gini",
            "pay_for_performance",
        ):
            assert table.loc[k, name] == pytest.approx(c[k], rel=1e-9), (name, k)
        assert table.loc["incentive_cost_p90", name] == pytest.approx(c["incentive_cost_p90"])
        if "revenue" in v.plan.measure_ids:
            mm = M.measure_metrics(v).loc["revenue"]
            for k in ("share_at_threshold", "share_at_target", "share_at_cap", "quota_accuracy"):
                assert table.loc[k, name] == pytest.approx(mm[k]), (name, k)
    spread = M.rep_behaviour(result, "base")["achievability"].std(ddof=0)
    assert table.loc["achievability_spread", "base"] == pytest.approx(spread, rel=1e-9)


def test_unknown_variant_is_named(result):
    with pytest.raises(KeyError, match="nope"):
        differences(result, variants=["nope"])


def test_pseudo_values_match_theory():
    rng = np.random.default_rng(0)
    n = 20_000
    x = rng.standard_normal(n)
    pq = quantile_pseudo(x, 0.9)
    assert pq.mean() == pytest.approx(np.quantile(x, 0.9), abs=1e-9)
    # Asymptotic SE of a sample quantile: sqrt(p(1-p)) / (f(q) sqrt(n)).
    theory = np.sqrt(0.9 * 0.1) / (np.exp(-(1.2816**2) / 2) / np.sqrt(2 * np.pi))
    assert pq.std() == pytest.approx(theory, rel=0.1)
    num, den = rng.gamma(2.0, 1.0, n), rng.gamma(5.0, 1.0, n) + 1
    pr = ratio_pseudo(num, den)
    assert pr.mean() == pytest.approx(num.mean() / den.mean(), rel=1e-12)
    assert np.all(quantile_pseudo(np.full(10, 3.0), 0.9) == 3.0)


def test_behaviour_costs_show_in_the_comparison():
    sc = load_scenario(ROOT / "scenarios" / "key_account_behaviour.toml")
    r = simulate(sc, ["uncapped"], trials=100, seed=2, rep_years=True)
    table = comparison_table(r)
    for name, v in r.variants.items():
        b = M.behaviour_metrics(v)
        assert table.loc["leavers_expected", name] == pytest.approx(b["leavers_expected"])
        assert table.loc["attrition_cost", name] == pytest.approx(b["attrition_cost"])
        assert table.loc["timing_discount_cost", name] == pytest.approx(b["timing_discount_cost"])
        moved = b["revenue_pulled_in"] + b["revenue_pushed_out"]
        assert table.loc["revenue_moved", name] == pytest.approx(moved)
    assert table.loc["revenue_moved"].min() > 0
    assert table.loc["timing_discount_cost"].min() > 0
    from planlab.compare.narrative import comparison_lines, material_differences

    diffs = differences(r)
    (line,) = comparison_lines(diffs, reps=40, first="revenue")
    n = (table.loc["share_at_target", "uncapped"] - table.loc["share_at_target", "base"]) * 40
    # With reps responding, the line counts the reps the variant moves across the target
    # whenever that difference is material (either way: the calibrated effort response
    # to uncapping is small, about one rep on 100 years).
    if material_differences(diffs, 40).loc["uncapped", "share_at_target"]:
        word = "moves" if n > 0 else "leaves"
        assert f"{word} {abs(n):.0f} more rep" in line, line


# -- the earnings estimator ---------------------------------------------------------


def test_earnings_follow_the_plan_curves(scenario):
    plan = scenario.plan
    df = earnings_table(plan)
    ti = plan.pay_mix.target_incentive
    assert df.index.tolist()[0] == 0.0 and df.index.tolist()[-1] == 2.0 and len(df) == 21
    assert df.loc[1.0, "incentive_total"] == pytest.approx(ti)
    assert df.loc[1.0, "total_pay"] == pytest.approx(plan.pay_mix.ote)
    a = df.index.to_numpy()
    for m in plan.measures:
        np.testing.assert_allclose(df[f"payout_{m.id}"], m.weight * ti * m.curve.payout(a))
    assert (np.diff(df["incentive_total"]) >= 0).all()
    np.testing.assert_allclose(df["incentive_share"], df["incentive_total"] / ti)


def test_earnings_for_a_rep_and_one_measure(scenario):
    pop = make_population(scenario)
    rep = pop.name[3]
    df = earnings_table(scenario.plan, pop, rep, measure="revenue")
    target = M.rep_metrics(simulate(scenario, [], trials=1, seed=1, rep_years=True)).loc[
        rep, "target_revenue"
    ]
    np.testing.assert_allclose(df["actual_revenue"], df.index * target)
    assert (df["actual_new_accounts"] == scenario.plan.measure("new_accounts").target).all()
    # The others stay at target: they pay their full weight in every row.
    assert (df["payout_cross_sell"] == 0.2 * scenario.plan.pay_mix.target_incentive).all()
    with pytest.raises(KeyError, match="nobody"):
        earnings_table(scenario.plan, pop, "nobody")


def test_earnings_with_gates_and_modifiers(scenario):
    gated = scenario.variants["margin_gate"]  # no revenue pay above target under a 61.5% margin
    met = earnings_table(gated)
    failed = earnings_table(gated, conditions={"margin_rate": 0.55})
    assert met.loc[1.5, "payout_revenue"] > failed.loc[1.5, "payout_revenue"]
    assert failed.loc[1.5, "payout_revenue"] == failed.loc[1.0, "payout_revenue"]
    assert (met.loc[:1.0] == failed.loc[:1.0]).all().all()
    happy = earnings_table(gated, conditions={"csat": 9.0})  # +10% from 8.5
    np.testing.assert_allclose(happy["incentive_total"], 1.1 * met["incentive_total"])
    with pytest.raises(KeyError, match="no gate or modifier"):
        earnings_table(gated, conditions={"retention": 0.5})


def test_earnings_invert_lower_is_better(tmp_path):
    plan = load_scenario(BASELINE).plan
    cycle = plan.measures[1].model_copy(
        update={
            "name": "cycle_days",
            "target": 120.0,
            "curve": PayoutCurve(points=[(0, 0), (1, 1)]),
        }
    )
    p = plan.model_copy(update={"measures": (plan.measures[0], cycle, plan.measures[2])})
    pop = make_population(load_scenario(BASELINE), 0)
    df = earnings_table(p, pop, 0, attainments=[0.5, 1.0, 2.0])
    assert df["actual_cycle_days"].tolist() == [240.0, 120.0, 60.0]


def test_plain_language_lines_name_material_differences(result):
    from planlab.compare.narrative import comparison_lines, material_differences

    d = differences(result, variants=["same", "uncapped", "higher_cap"])
    material = material_differences(d, reps=40)
    assert not material.loc["same"].any()
    assert material.loc[("uncapped", "cost_of_sales")]
    assert not material.loc[("higher_cap", "share_at_target")]  # zero difference
    same, uncapped, higher_cap = comparison_lines(d, reps=40, first="revenue")
    assert same == "Variant same shows no material difference from the base plan on these draws."
    cos = d.loc[("uncapped", "cost_of_sales"), "difference"] * 100
    assert uncapped.startswith(f"Variant uncapped costs {cos:.2f} points more of revenue (95% CI")
    n = -d.loc[("uncapped", "share_at_cap"), "difference"] * 40
    assert f"puts {n:.0f} fewer reps at the revenue cap" in uncapped
    assert "over the revenue target" not in higher_cap and "more of revenue" in higher_cap
    d = differences(result, variants=["higher_threshold"])
    (line,) = comparison_lines(d, reps=40, first="revenue")
    n = -d.loc[("higher_threshold", "share_at_threshold"), "difference"] * 40
    assert n >= 1 and f"puts {n:.0f} fewer reps past the revenue threshold" in line
    assert "less of revenue" in line


def test_paired_intervals_cover_the_true_difference(scenario):
    """95% intervals from 200-year runs cover the difference a 5,000-year run measures
    about 95% of the time (every run seed sees the scenario's one team)."""
    names = ["uncapped", "margin_gate"]
    metrics = ["incentive_cost_expected", "incentive_cost_p90", "cost_of_sales"]
    metrics += ["gross_margin_after_incentive", "payout_gini"]
    truth = differences(simulate(scenario, names, trials=5000, seed=999, rep_years=True))[
        "difference"
    ]
    covered = []
    for seed in range(40):
        d = differences(simulate(scenario, names, trials=200, seed=seed, rep_years=True))
        for key in ((v, m) for v in names for m in metrics):
            covered.append(d.loc[key, "ci_low"] <= truth[key] <= d.loc[key, "ci_high"])
    assert 0.88 <= np.mean(covered) <= 0.99, np.mean(covered)


def test_every_material_metric_has_one_clause():
    """The narrative's table: each metric with a materiality rule reads as one clause."""
    from planlab.compare.narrative import CLAUSES, MATERIAL

    metrics = [c.metric for c in CLAUSES]
    assert len(metrics) == len(set(metrics)) and set(metrics) == set(MATERIAL)
    assert all(c.unless is None or c.unless in MATERIAL for c in CLAUSES)


def test_a_clause_reads_the_difference_and_its_direction(result):
    from planlab.compare.narrative import comparison_lines

    diffs = differences(result)
    lines = comparison_lines(diffs, result.population.size, "revenue", currency="EUR")
    uncapped = next(line for line in lines if line.startswith("Variant uncapped"))
    d = diffs.loc[("uncapped", "cost_of_sales"), "difference"]
    assert f"costs {abs(d) * 100:.2f} points {'more' if d > 0 else 'less'} of revenue" in uncapped
    assert "$" not in " ".join(lines)  # amounts in the given currency
