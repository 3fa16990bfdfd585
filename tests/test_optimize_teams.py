"""The optimiser chooses the team share: free-riding against help, explained.

A team share w moves pay from a rep's own result to the team's (Holmström 1982:
own sales then pay (1 − w) + w/N of the individual plan's); help between
team-mates is chosen by its own marginal pay, which only team pay gives (Itoh
1991). With help worth having the optimiser buys some; with help worthless it
keeps pay individual. The written plan reproduces the report's numbers.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimize.explain import team_tradeoff
from optimize.run import optimize_plan
from optimize.shapes import PlanShape, apply_shape, menu_shapes, team_key
from optimize.spec import Menu
from planlab.cli import main
from sim import load_scenario
from sim.behaviour.collaboration import own_effort_outcomes, own_marginal_share
from sim.behaviour.response import TeamSample
from sim.errors import ScenarioError
from sim.payout import evaluate_plan
from sim.run import make_population
from sim.scenario import parse_scenario
from tests.conftest import ROOT

KEY_ACCOUNTS = ROOT / "scenarios" / "key_account_teams.toml"
LINEAR = {"points": [[0.0, 0.0], [1.0, 1.0]], "tail_slope": 1.0}


def _individual(revenue: float = 1.0) -> dict:
    measures = [{"name": "revenue", "weight": revenue, "target": 700000, "curve": LINEAR}]
    if revenue < 1:
        measures.append(
            {"name": "cross_sell", "weight": 1 - revenue, "target": 200000, "curve": LINEAR}
        )
    return {
        "period": "year",
        "pay_mix": {"base": 150000, "target_incentive": 40000},
        "measures": measures,
    }


@settings(max_examples=40, deadline=None)
@given(big=st.integers(1, 10), share=st.integers(0, 10))
def test_a_team_share_moves_weight_from_own_to_team_result(big, share):
    """Weights still sum to 1; the team copy pays w, the rep's own result W − w, and
    it keeps the primary's target and curve. A share above W is refused."""
    weight, w = big / 10, share / 10
    plan = parse_scenario({"plan": _individual(weight)}).plan
    shape = PlanShape(weights=tuple((m.id, m.weight) for m in plan.measures), team_share=w)
    if w > weight + 1e-9:
        with pytest.raises(ValueError, match="exceeds revenue's weight"):
            apply_shape(plan, shape, primary="revenue")
        return
    out = apply_shape(plan, shape, primary="revenue")
    weights = {m.id: m.weight for m in out.measures}
    assert sum(weights.values()) == pytest.approx(1.0)
    assert weights["revenue"] == pytest.approx(weight - w)
    assert weights.get(team_key("revenue"), 0.0) == pytest.approx(w)
    if w > 0:
        team = out.measure(team_key("revenue"))
        assert team.level == "team" and team.name == "revenue"
        assert team.target == out.measure("revenue").target
        assert team.curve == out.measure("revenue").curve
    assert f"team share {w:.0%}" in shape.label


def test_menu_offers_every_team_share_with_every_weight_vector():
    plan = parse_scenario({"plan": _individual(0.8)}).plan
    shapes = menu_shapes(plan, Menu(team_shares=[0.0, 0.2, 0.4]))
    assert [s.team_share for s in shapes] == [0.0, 0.2, 0.4]
    assert menu_shapes(plan, Menu())[0].team_share is None  # off: the plan as weighted


@pytest.mark.parametrize("w", [0.2, 0.4, 0.7])
def test_a_team_share_pays_own_sales_at_the_closed_form_rate(w):
    """On linear curves, one rep's extra sales under the shape's plan pay exactly
    (1 − w) + w/N of what the individual plan pays (Holmström 1982), N = 5."""
    s = parse_scenario(
        {
            "plan": _individual(),
            "team": {"reps": 15, "teams": ["A", "B", "C"]},
            "simulation": {"trials": 60, "seed": 11},
        }
    )
    shaped = apply_shape(
        s.plan, PlanShape(weights=(("revenue", 1.0),), team_share=w), None, "revenue"
    )
    pop = make_population(s)
    sample = TeamSample(s.market, pop, 60, s.simulation.seed)
    lo, hi = sample.at(1.0), sample.at(1.2)
    slope = {}
    for name, plan in (("individual", s.plan), ("team", shaped)):
        paid = [evaluate_plan(plan, own_effort_outcomes(plan, oc, lo, pop), pop) for oc in (lo, hi)]
        slope[name] = paid[1].total.astype(float).mean(0) - paid[0].total.astype(float).mean(0)
    n = np.bincount(pop.team_index)[pop.team_index]
    assert (n == 5).all()
    np.testing.assert_allclose(
        slope["team"] / slope["individual"], own_marginal_share(w, 5), rtol=1e-4
    )


def _key_accounts(tmp_path, lift: float, name: str, menu: str = "team_shares = [0.0, 0.2, 0.4]"):
    """The shipped key-account teams with help of the given value and a team-share menu
    (a small tabulation, to keep the test quick)."""
    path = tmp_path / f"{name}.toml"
    path.write_text(
        f"""
extends = "{KEY_ACCOUNTS.as_posix()}"

[behaviour.effort]
calibration_trials = 100

[behaviour.help]
enabled = true
lift = {lift}
cost = 0.05

[optimize]
frontier_points = 0
levels = {{ low = 0.8, high = 1.2, count = 5 }}

[optimize.constraints]
achievability = {{ low = 0.3, high = 0.9 }}

[optimize.menu]
{menu}
""",
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def valuable_help(tmp_path_factory):
    """``planlab optimize`` where help lifts each team-mate 5% per unit: worth buying."""
    tmp = tmp_path_factory.mktemp("teams")
    out = tmp / "out"
    code = main(
        ["optimize", str(_key_accounts(tmp, 0.05, "valuable")), "--out", str(out), "--quiet"]
        + ["--trials", "400"]
    )
    assert code == 0
    return out


def test_with_help_valuable_the_optimiser_buys_a_team_share(valuable_help):
    summary = json.loads((valuable_help / "summary.json").read_text())
    assert "team share 0%" not in summary["shape"] and "team share" in summary["shape"]
    (why,) = [f for f in summary["findings"] if "on team and collaboration results" in f]
    assert "of individual effort" in why and "in help" in why and "chose it" in why
    assert "the best shape without (revenue 80%/cross_sell 20%; team share 0%)" in why
    html = (valuable_help / "report.html").read_text()
    assert "free-riding on team-mates" in html
    shapes = (valuable_help / "shapes.csv").read_text().splitlines()
    assert "team_share" in shapes[0] and "team_pay" in shapes[0] and "mean_help" in shapes[0]


def test_the_written_plan_reproduces_the_reports_numbers(valuable_help):
    """Simulating the hand-off file on fresh draws gives what the report promised:
    the team measure, the help and the reps' effort all travel with it."""
    summary = json.loads((valuable_help / "summary.json").read_text())
    check = {r["quantity"]: r for r in summary["check"].values()}
    at = check["share of reps at target"]
    assert abs(at["simulated"] - at["model"]) < 0.06
    for what, tol in (
        ("expected incentive cost", 0.06),
        ("expected revenue", 0.04),
        ("revenue added by help", 0.1),
    ):
        assert check[what]["simulated"] == pytest.approx(check[what]["model"], rel=tol)
    written = load_scenario(valuable_help / "optimised.toml")
    plan = written.variants["optimised"]
    assert plan.measure(team_key("revenue")).level == "team"
    assert written.behaviour.help.enabled and written.behaviour.help.lift == 0.05


def test_with_help_worthless_the_optimiser_keeps_pay_individual(tmp_path):
    opt = optimize_plan(load_scenario(_key_accounts(tmp_path, 0.0, "worthless")), explain=False)
    assert opt.chosen.shape.team_share == 0.0
    rows = opt.shapes.set_index("team_share")
    assert (rows["help_revenue"] == 0).all()
    # Free-riding alone: more team share, less effort.
    assert (
        rows.loc[0.0, "mean_effort"] > rows.loc[0.2, "mean_effort"] > rows.loc[0.4, "mean_effort"]
    )
    assert opt.team_choice.startswith("No pay on team or collaboration results")
    assert "kept pay individual" in opt.team_choice
    assert opt.team_choice == team_tradeoff(opt.shapes, opt.chosen.shape.label)


def test_a_team_share_above_the_primary_weight_is_a_clear_error(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(
        f'extends = "{KEY_ACCOUNTS.as_posix()}"\n[optimize.menu]\nteam_shares = [0.9]\n',
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError, match=r"optimize\.menu: .*team share 90% exceeds revenue"):
        optimize_plan(load_scenario(path))
    out = tmp_path / "out"
    assert main(["optimize", str(path), "--out", str(out), "--quiet"]) == 2
    assert not out.exists()


COLLABORATION_MENU = """team_shares = []
weights = [
  { revenue = 0.8, cross_sell = 0.2 },
  { revenue = 0.7, cross_sell = 0.2, help_given = 0.1 },
]

[[plan.measures]]
name = "revenue"
weight = 0.8
target = 480000
target_basis = "potential"
curve = { points = [[0.5, 0.0], [1.0, 1.0], [1.5, 2.0]], tail_slope = 1.0, cap = 2.5 }

[[plan.measures]]
name = "cross_sell"
weight = 0.2
target = 200000
curve = { points = [[0.4, 0.0], [1.0, 1.0]], tail_slope = 1.5, cap = 2.0 }

[[plan.measures]]
name = "help_given"
weight = 0.0
target = 30000
curve = { points = [[0.0, 0.0], [1.0, 1.0]], tail_slope = 1.0, cap = 2.0 }"""


def test_a_collaboration_measure_is_weighed_against_individual_pay(tmp_path):
    """A menu with and without 10% on help given: with help worth having the optimiser
    pays for it, reps help more, and the report says what it cost and bought."""
    path = _key_accounts(tmp_path, 0.05, "collab", COLLABORATION_MENU)
    opt = optimize_plan(load_scenario(path), explain=False)
    assert dict(opt.chosen.shape.weights).get("help_given") == pytest.approx(0.1)
    rows = opt.shapes.set_index("team_pay")
    assert rows.loc[0.1, "mean_help"] > rows.loc[0.0, "mean_help"]
    assert rows.loc[0.1, "help_revenue"] > rows.loc[0.0, "help_revenue"]
    assert opt.team_choice.startswith("10% of pay on team and collaboration results")
