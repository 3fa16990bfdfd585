"""The optimiser on a scenario with referrals and a plan paying on the assessed
collaboration score: its tables apply help, referrals and scores by the simulation's
own team step (:func:`sim.run.team_step`), so the hand-off reproduces the promise."""

from __future__ import annotations

import json

import numpy as np
import pytest

from optimize.run import optimize_plan
from optimize.spec import optimize_spec
from optimize.tabulate import team_outlook
from planlab.cli import main
from sim import load_scenario
from sim.run import make_population, team_flows, team_step
from tests.conftest import OPTIMIZE_16, ROOT

BASELINE = ROOT / "scenarios" / "key_account_baseline.toml"
CURVE = "{ points = [[0.5, 0.0], [1.0, 1.0], [1.5, 2.0]], tail_slope = 1.0, cap = 2.5 }"
FLOWS = f"""
extends = "{BASELINE.as_posix()}"
drop_variants = ["uncapped", "team_component", "margin_gate", "retention_focus"]

[team]
reps = 16
teams = ["North", "South", "East", "West"]

[market.referrals]
rate = 0.2
per_help = 0.5
conversion = 0.3

[market.collaboration_score]
low = 1
high = 5
mean = 3.0
per_help = 1.0
sd = 0.5

[[plan.measures]]
name = "revenue"
weight = 0.55
target = 700000
target_basis = "potential"
curve = {CURVE}

[[plan.measures]]
name = "new_accounts"
weight = 0.2
target = 3
curve = {{ points = [[0.0, 0.0], [1.0, 1.0]], tail_slope = 1.0, cap = 2.0 }}

[[plan.measures]]
name = "cross_sell"
weight = 0.15
target = 200000
curve = {{ points = [[0.4, 0.0], [1.0, 1.0]], tail_slope = 1.5, cap = 2.0 }}

[[plan.measures]]
name = "collaboration_score"
weight = 0.1
target = 3.5
curve = {{ points = [[0.6, 0.0], [1.0, 1.0]], tail_slope = 1.0, cap = 1.3 }}

[behaviour.help]
enabled = true

{OPTIMIZE_16}
[optimize.menu]
weights = [{{ revenue = 0.55, new_accounts = 0.2, cross_sell = 0.15, collaboration_score = 0.1 }}]
thresholds = [0.5]
accelerators = [1.5]
caps = [3.0]
"""


def _row(check: dict, quantity: str) -> dict:
    return next(r for r in check.values() if r["quantity"] == quantity)


@pytest.fixture(scope="module")
def handed_off(tmp_path_factory):
    root = tmp_path_factory.mktemp("flows")
    (root / "flows.toml").write_text(FLOWS, encoding="utf-8")
    out = root / "opt"
    argv = ["optimize", str(root / "flows.toml"), "--out", str(out), "--trials", "200"]
    assert main([*argv, "--seed", "11", "--quiet"]) == 0
    promised = json.loads((out / "summary.json").read_text())["check"]
    assert (
        main(["simulate", str(out / "optimised.toml"), "--out", str(root / "sim"), "--quiet"]) == 0
    )
    got = json.loads((root / "sim" / "summary.json").read_text())["variants"]["optimised"]
    return out, promised, got


def test_the_optimiser_runs_with_referrals_and_a_paid_score(handed_off):
    out, _, got = handed_off
    sc = load_scenario(out / "optimised.toml")
    assert sc.market.referrals is not None and sc.market.collaboration_score is not None
    assert "collaboration_score" in sc.variants["optimised"].measure_ids
    assert got["company"]["referrals"] > 0  # the flows ran in the check
    assert got["measures"]["collaboration_score"]["weight"] == pytest.approx(0.1)


@pytest.mark.parametrize(
    ("quantity", "metric"),
    [
        ("expected revenue", "revenue_expected"),
        ("expected incentive cost", "incentive_cost_expected"),
    ],
)
def test_simulating_the_handoff_gives_the_promised_amounts(handed_off, quantity, metric):
    _, promised, got = handed_off
    row = _row(promised, quantity)
    assert got["company"][metric] == pytest.approx(row["simulated"], rel=1e-9)  # the check run
    assert got["company"][metric] == pytest.approx(row["model"], rel=0.02)  # the promise
    assert row["tables"] == pytest.approx(row["model"], rel=0.02)  # the tables carried it


def test_simulating_the_handoff_gives_the_promised_share_at_target(handed_off):
    _, promised, got = handed_off
    row = _row(promised, "share of reps at target")
    assert got["measures"]["revenue"]["share_at_target"] == pytest.approx(row["model"], abs=0.02)


def test_the_tables_read_the_flows_off_the_simulations_streams(tmp_path):
    """The tabulated years with the base plan's team step carry the same referrals and
    scores a simulation's team step gives those trials (one implementation), and
    referred deals raise the receivers' bookings over the years without them."""
    path = tmp_path / "flows.toml"
    path.write_text(FLOWS, encoding="utf-8")
    sc = load_scenario(path)
    spec = optimize_spec(sc)
    pop = make_population(sc)
    outlook = team_outlook(sc, pop, spec, 11)
    step = team_step(sc.plan, sc.behaviour.help, outlook.sample, pop, team_flows(sc, pop, 11))
    assert step is not None and step.referrals is not None and step.score is not None
    years = outlook.years.at(1.0)
    with_flows = step(years, 0)
    again = outlook.flows.referrals(years, 0, step.help)
    np.testing.assert_array_equal(with_flows.components["referrals"], again.components["referrals"])
    assert with_flows.components["new_value"].sum() > years.components["new_value"].sum()
    score = with_flows.components["collaboration_score"]
    assert (score >= 1).all() and (score <= 5).all()


def test_the_review_reoptimises_with_referrals_and_its_next_plan_keeps_the_promise(tmp_path):
    """``planlab review`` with ``[market.referrals]`` re-sets next period's targets
    (on the first 20 reps of the shipped example) and ``next_plan.toml`` gives what
    the review promised."""
    import pandas as pd

    roster = pd.read_csv(ROOT / "scenarios" / "review_team.csv")
    actuals = pd.read_csv(ROOT / "scenarios" / "review_actuals.csv", dtype=str)
    team = roster.iloc[:20]
    team.to_csv(tmp_path / "team.csv", index=False)
    rows = actuals["Account Manager"].isin(team["name"])
    actuals[rows].to_csv(tmp_path / "actuals.csv", index=False)
    share = team["target_revenue"].sum() / roster["target_revenue"].sum()
    (tmp_path / "scenario.toml").write_text(
        f'extends = "{(ROOT / "scenarios" / "review_example.toml").as_posix()}"\n'
        '[team]\nroster = "team.csv"\n[actuals]\nsource = "actuals.csv"\n'
        "[market.referrals]\nrate = 0.2\nper_help = 0.5\nconversion = 0.3\n"
        "[optimize]\ntrials = 100\nscenarios = 50\n[optimize.constraints]\n"
        f"company_number = {round(86e6 * share, -3):.0f}\n"
        "achievability = { low = 0.2, high = 0.8 }\n"
        f"bad_year = {{ quantile = 0.9, ceiling = {7e6 * share:.0f} }}\n",
        encoding="utf-8",
    )
    out = tmp_path / "rev"
    argv = ["review", str(tmp_path / "scenario.toml"), "--trials", "100", "--seed", "11"]
    assert main([*argv, "--out", str(out), "--quiet", "--no-history", "--drop-bad-rows"]) == 0
    check = json.loads((out / "summary.json").read_text())["next_period"]["check"]
    sim = tmp_path / "sim"
    argv = ["simulate", str(out / "next_plan.toml"), "--out", str(sim), "--quiet"]
    assert main([*argv, "--variant", "next_period"]) == 0
    got = json.loads((sim / "summary.json").read_text())["variants"]["next_period"]
    assert got["company"]["referrals"] > 0
    revenue = _row(check, "expected revenue")["model"]
    cost = _row(check, "expected incentive cost")["model"]
    share_at = _row(check, "share of reps at target")["model"]
    assert got["company"]["revenue_expected"] == pytest.approx(revenue, rel=0.02)
    assert got["company"]["incentive_cost_expected"] == pytest.approx(cost, rel=0.02)
    assert got["measures"]["revenue"]["share_at_target"] == pytest.approx(share_at, abs=0.02)


def test_referrals_with_one_sales_team_are_named_and_nothing_is_written(tmp_path, capsys):
    path = tmp_path / "one.toml"
    one = FLOWS.replace('teams = ["North", "South", "East", "West"]', 'teams = ["A"]')
    path.write_text(one, encoding="utf-8")
    out = tmp_path / "o"
    assert main(["optimize", str(path), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "market.referrals: team 'A' has no account manager" in err
    assert "Traceback" not in err and not out.exists()


def test_the_team_share_choice_names_the_referrals_help_brings(tmp_path):
    """Referrals declared and a menu offering a team share: help (and so referrals)
    comes only with the team share, and the sentence explaining the choice names the
    referrals a year it adds, as the shapes table has them."""
    text = FLOWS.replace("weight = 0.55", "weight = 0.6").replace("weight = 0.15", "weight = 0.2")
    start = text.index('[[plan.measures]]\nname = "collaboration_score"')
    text = text[:start] + text[text.index("[behaviour.help]") :]
    text = text.replace(
        "revenue = 0.55, new_accounts = 0.2, cross_sell = 0.15, collaboration_score = 0.1",
        "revenue = 0.6, new_accounts = 0.2, cross_sell = 0.2",
    )
    text += "team_shares = [0.0, 0.4]\n"
    path = tmp_path / "shares.toml"
    path.write_text(text, encoding="utf-8")
    opt = optimize_plan(load_scenario(path), time_limit=60)
    shapes = opt.shapes.set_index("team_share")
    added = shapes.loc[0.4, "referrals"] - shapes.loc[0.0, "referrals"]
    assert added > 0.05  # team pay buys help, and help passes leads
    assert f"adds {added:,.1f} referrals a year" in opt.team_choice
