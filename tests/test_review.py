"""The annual review, the mid-period check-in and the history store, end to end."""

from __future__ import annotations

import json
import tomllib

import numpy as np
import pandas as pd
import pytest

from planlab.cli import main
from planlab.review.history import Record, list_records, read_record, record
from sim import load_scenario, parse_scenario
from sim.actuals import load_actuals
from sim.review import check_in, goodness_of_fit, prepare_review
from sim.review.checkin import _condition, _retargeted
from sim.run import simulate
from tests.conftest import ROOT
from tests.sections import assert_each_section_once, assert_first_screen

EXAMPLE = ROOT / "scenarios" / "review_example.toml"
EVIL = "<script>alert(1)</script>=cmd"


@pytest.fixture(scope="module")
def example():
    sc = load_scenario(EXAMPLE)
    return sc, load_actuals(sc, drop_bad_rows=True)


@pytest.fixture
def evil_scenario(tmp_path):
    """The shipped example with one rep renamed to markup and a formula, in roster and actuals."""
    roster = pd.read_csv(ROOT / "scenarios" / "review_team.csv", dtype=str)
    actuals = pd.read_csv(ROOT / "scenarios" / "review_actuals.csv", dtype=str)
    old = roster.loc[0, "name"]
    roster.loc[0, "name"] = EVIL
    actuals.loc[actuals["Account Manager"] == old, "Account Manager"] = EVIL
    roster.to_csv(tmp_path / "team.csv", index=False)
    actuals.to_csv(tmp_path / "actuals.csv", index=False)
    path = tmp_path / "scenario.toml"
    path.write_text(
        f'extends = "{EXAMPLE.as_posix()}"\n[team]\nroster = "team.csv"\n'
        '[actuals]\nsource = "actuals.csv"\n',
        encoding="utf-8",
    )
    return path


def run(args, capsys):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_review_end_to_end(evil_scenario, tmp_path, capsys):
    out, store = tmp_path / "review", tmp_path / "h.sqlite"
    args = ["review", evil_scenario, "--out", out, "--store", store, "--trials", 150]
    args.append("--no-optimize")  # next period's targets: tests/test_next_period.py
    code, _, err = run(args, capsys)
    assert code == 2 and "--drop-bad-rows" in err and not out.exists()
    code, stdout, err = run([*args, "--drop-bad-rows"], capsys)
    assert code == 0, err
    assert "Goodness of fit" in stdout and "history version 1" in stdout
    names = {p.name for p in out.iterdir()}
    assert names == {
        "report.html",
        "design_vs_reality.csv",
        "market.csv",
        "reps.csv",
        "fairness.csv",
        "calibration.csv",
        "calibrated_scenario.toml",
        "summary.json",
        "review.xlsx",
        "dropped_rows.csv",
        ".planlab.json",
    }
    html = (out / "report.html").read_text(encoding="utf-8")
    assert_each_section_once(html)
    summary = assert_first_screen(html, "fig-fit")
    assert summary[0].startswith("Reps do not respond to the plan")
    assert any("see Actuals in the appendix" in line for line in summary)
    assert 'id="data" class="appendix"' in html and 'id="fit" class="appendix"' in html
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "4 problem(s) in the actuals" in html
    reps = (out / "reps.csv").read_text(encoding="utf-8")
    assert "'<script>" not in reps and "<script>alert(1)</script>=cmd" in reps
    assert len(pd.read_csv(out / "dropped_rows.csv")) == 4
    summary = json.loads((out / "summary.json").read_text())
    assert summary["fit"]["status"] in ("pass", "warn", "fail") and summary["rows_dropped"] == 4
    assert summary["history_version"] == 1
    table = pd.read_csv(out / "design_vs_reality.csv").set_index("metric")
    for key in (
        "share_at_target_revenue",
        "cost_of_sales",
        "quota_accuracy",
        "share_windfall",
        "pay_for_performance",
        "share_at_cap_revenue",
        "last_month_of_quarter_share",
        "paid_minus_plan_rules",
    ):
        assert isinstance(table.loc[key, "finding"], str) and table.loc[key, "finding"]
    # The calibrated scenario is a scenario file planlab reads back.
    text = (out / "calibrated_scenario.toml").read_text(encoding="utf-8")
    sc = parse_scenario(tomllib.loads(text), origin="calibrated_scenario.toml")
    assert EVIL in [m["name"] for m in sc.team.members]
    # Only the plan the review's figures are for; the header says why the variants went.
    original = load_scenario(evil_scenario)
    assert original.variants and not sc.variants
    assert all(name in text for name in original.variants) and "left out" in text
    assert sc.behaviour == original.behaviour
    assert main(["validate", str(out / "calibrated_scenario.toml")]) == 0
    capsys.readouterr()


def test_paid_matches_the_plan_rules_on_the_example(example):
    """The example's payouts come from the plan's own math: the review finds no gap."""
    from sim.review import actual_variant

    review = prepare_review(*example)
    actual, computed = actual_variant(review)
    np.testing.assert_allclose(actual.outcome.total, computed.total, atol=1.0)


def test_fit_passes_on_a_year_drawn_from_the_calibrated_model(example):
    """A year simulated from the calibrated model itself fits it (pass or warn at most
    1% of the time by construction); the example's actual year passes."""
    review = prepare_review(*example)
    year = simulate(review.calibrated, [], trials=1, seed=99, rep_years=True)
    drawn = np.asarray(year.base.outcome.attainment["revenue"][0])
    fit = goodness_of_fit(review, drawn, trials=300, seed=5)
    assert fit.status in ("pass", "warn")
    from sim.review import actual_variant

    actual, _ = actual_variant(review)
    fit = goodness_of_fit(review, actual.outcome.attainment["revenue"][0], trials=300, seed=5)
    assert fit.status == "pass"
    shifted = goodness_of_fit(review, actual.outcome.attainment["revenue"][0] * 2, 300, 5)
    assert shifted.status == "fail" and "do not rely" in shifted.finding


def test_checkin_conditions_on_the_months_observed(example):
    sc, actuals = example
    c = check_in(sc, actuals, trials=120, seed=3)
    assert c.year == "FY2027" and c.months_observed == 6
    assert set(c.options.index) == {"stay the course", *(o.name for o in sc.checkin.options)}
    # Lowering a threshold or a target never lowers what is paid (same draws).
    base = c.options.loc["stay the course", "incentive_cost_expected"]
    assert c.options.loc["West threshold 35%", "incentive_cost_expected"] >= base
    assert c.options.loc["West H2 target -20%", "incentive_cost_expected"] >= base
    spif = sc.checkin.options[0]
    assert c.options.loc[spif.name, "delta_revenue"] > 0  # its stated uplift
    # The West region, hit from April, runs below the company's level.
    assert c.factors["West"] == c.factors.drop("company").min()
    assert (c.reps["p_threshold"].between(0, 1)).all() and c.reps["at_risk"].any()


def test_conditioning_replaces_exactly_the_observed_rep_months(example):
    sc, actuals = example
    review = prepare_review(sc, actuals)
    cur = review.in_progress
    res = simulate(review.calibrated, [], trials=20, seed=1, keep_outcomes=True, rep_years=True)
    cond = _condition(res.outcomes, cur)
    k = cur.months_observed
    for c in ("new_value", "new_count", "xsell_value"):
        got = cond.components[c]
        mask = cur.observed[:, :k]
        np.testing.assert_array_equal(
            got[:, :, :k][:, mask], np.broadcast_to(cur.field(c)[:, :k][mask], (20, mask.sum()))
        )
        np.testing.assert_array_equal(got[:, :, k:], res.outcomes.components[c][:, :, k:])


def test_retarget_keeps_the_periods_already_started(example):
    sc, _ = example
    review = prepare_review(*example)
    plan, pop = review.calibrated.plan, review.population
    from sim.payout import plan_targets

    new_plan, new_pop = _retargeted(plan, pop, "revenue", 0.8, 6)
    before, after = plan_targets(plan, pop)["revenue"], plan_targets(new_plan, new_pop)["revenue"]
    np.testing.assert_allclose(after[:, :2], before[:, :2])
    np.testing.assert_allclose(after[:, 2:], 0.8 * before[:, 2:])


def test_history_keeps_every_version(tmp_path):
    store = tmp_path / "h.sqlite"

    def rec(period, value):
        return Record(
            scenario="S",
            kind="review",
            period=period,
            plan_name="p",
            plan={"x": 1},
            targets={"a": 1.0},
            assumptions={},
            calibration={},
            results={"headline": {"v": value}},
        )

    assert record(rec("FY2025", 1), store) == 1
    assert record(rec("FY2026", 2), store) == 2
    assert record(rec("FY2026", 3), store) == 3  # the same year again: a new version
    table = list_records(store)
    assert table["version"].tolist() == [1, 2, 3]
    assert table["v"].tolist() == [1, 2, 3]
    assert read_record("S", 1, store)["results"]["headline"] == {"v": 1}
    assert read_record("S", 2, store)["period"] == "FY2026"
    assert list_records(f"sqlite:///{store}", scenario="other").empty


def test_checkin_and_history_through_the_cli(tmp_path, capsys):
    store = tmp_path / "h.sqlite"
    code, out, _ = run(["history", "--store", store], capsys)
    assert code == 0 and "no reviews recorded yet" in out
    for i in (1, 2):
        code, stdout, err = run(
            [
                "checkin",
                EXAMPLE,
                "--drop-bad-rows",
                "--trials",
                100,
                "--store",
                store,
                "--out",
                tmp_path / f"c{i}",
            ],
            capsys,
        )
        assert code == 0, err
        assert "check-in of FY2027 after 6 months" in stdout
    html = (tmp_path / "c1" / "report.html").read_text(encoding="utf-8")
    assert_each_section_once(html)
    summary = assert_first_screen(html, "fig-options")
    assert summary[1].startswith("After 6 months of FY2027")
    assert 'id="assumptions" class="appendix"' in html
    assert {p.name for p in (tmp_path / "c1").iterdir()} == {
        "report.html",
        "reps.csv",
        "options.csv",
        "summary.json",
        "dropped_rows.csv",
        ".planlab.json",
    }
    code, out, _ = run(["history", "--store", store], capsys)
    assert code == 0
    lines = [x for x in out.splitlines() if " checkin " in x]  # the table rows
    assert len(lines) == 2 and "FY2027 (6 months)" in lines[0]
    code, _, err = run(
        ["checkin", EXAMPLE, "--drop-bad-rows", "--out", tmp_path / "c1", "--store", store], capsys
    )
    assert code == 2 and "exists" in err
    assert len(list_records(store)) == 2  # the refused run recorded nothing


def test_review_with_only_the_required_columns(tmp_path, capsys):
    """No targets, payouts or cross-sell in the actuals: the plan's own targets are used,
    cost is what the plan's rules pay, and nothing is recorded with --no-history."""
    full = pd.read_csv(ROOT / "scenarios" / "review_actuals.csv", dtype=str)
    cols = ["Account Manager", "Month", "New logo bookings", "New logos"]
    path = tmp_path / "thin.csv"
    full[cols].iloc[:-2].to_csv(path, index=False)  # without the duplicate and the unknown rep
    out = tmp_path / "out"
    code, _, err = run(
        [
            "review",
            EXAMPLE,
            "--actuals",
            path,
            "--drop-bad-rows",
            "--trials",
            100,
            "--out",
            out,
            "--no-history",
            "--no-optimize",
        ],
        capsys,
    )
    assert code == 0, err
    table = pd.read_csv(out / "design_vs_reality.csv").set_index("metric")
    assert "paid_minus_plan_rules" not in table.index
    assert json.loads((out / "summary.json").read_text())["history_version"] is None


def test_checkin_expectation_is_observed_plus_expected_rest(example):
    """Theory check of the conditioning: expected year-end revenue equals the revenue
    observed so far plus the check-in model's expected bookings of the months left
    (random shocks average to one), within four standard errors."""
    from sim.behaviour.flows import expected_flows
    from sim.run import make_population

    sc, actuals = example
    c = check_in(sc, actuals, trials=400, seed=11)
    review = prepare_review(sc, actuals)
    cur, k = review.in_progress, c.months_observed
    observed = cur.revenue[:, :k].sum()
    pop = make_population(c.scenario)
    flows = expected_flows(c.scenario.market, pop)
    rest = sum(flows.mean[t][f"{t}_value"][:, k:].sum() for t in ("new", "xsell"))
    spread = (c.company["revenue_p90"] - c.company["revenue_p10"]) / 2.56
    assert c.company["revenue_expected"] == pytest.approx(
        observed + rest, abs=4 * spread / np.sqrt(400)
    )


def test_review_needs_a_complete_year_and_checkin_a_year_in_progress(tmp_path, capsys):
    full = pd.read_csv(ROOT / "scenarios" / "review_actuals.csv", dtype=str).iloc[:-2]
    done = tmp_path / "complete.csv"
    full[full["Month"] < "2027"].to_csv(done, index=False)
    started = tmp_path / "started.csv"
    full[full["Month"] >= "2027"].to_csv(started, index=False)
    for command, path, message in (
        ("checkin", done, "a check-in needs a year in progress"),
        ("review", started, "no complete plan year to review"),
    ):
        code, _, err = run(
            [
                command,
                EXAMPLE,
                "--actuals",
                path,
                "--drop-bad-rows",
                "--out",
                tmp_path / command,
                "--no-history",
            ],
            capsys,
        )
        assert code == 2 and message in err, err
        assert not (tmp_path / command).exists()
