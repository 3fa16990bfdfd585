"""Account teams and crediting: roles, credit rules, credited pay and its cost."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.crediting import credit_outcomes
from sim.errors import ScenarioError
from sim.metrics import company_metrics
from sim.run import simulate
from sim.scenario import parse_scenario
from sim.teams import CreditRule, RoleSpec, account_teams, credit_matrix

TEAMS = ["North", "South", "East"]


def _scenario(variants: dict, roles=None, measures=None) -> object:
    plan = {
        "name": "Teams",
        "period": "quarter",
        "pay_mix": {"base": 150000, "target_incentive": 40000},
        "measures": measures
        or [
            {
                "name": "revenue",
                "weight": 1.0,
                "target": 700000,
                "curve": {"points": [[0.5, 0.0], [1.0, 1.0]], "tail_slope": 1.5, "cap": 2.5},
            }
        ],
    }
    roles = [{"name": "overlay", "per_team": 1, "serves": TEAMS[:2]}] if roles is None else roles
    return parse_scenario(
        {
            "plan": plan,
            "team": {"reps": 12, "teams": TEAMS, "roles": roles},
            "variants": variants,
            "simulation": {"trials": 120, "seed": 7},
        },
        origin="teams.toml",
        source=Path("teams.toml"),
    )


def test_double_credit_costs_exactly_the_overlays_pay():
    s = _scenario({"double": {"credit": {"overlay": "full"}}})
    r = simulate(s, rep_years=True)
    base, double = r.variants["base"], r.variants["double"]
    overlay = ~r.population.account_teams.originates
    assert overlay.sum() == 3
    # The company books the same revenue; account managers are paid the same.
    np.testing.assert_array_equal(base.actuals["revenue"], double.actuals["revenue"])
    np.testing.assert_array_equal(
        base.outcome.total[:, ~overlay], double.outcome.total[:, ~overlay]
    )
    # Under the individual plan overlays are credited nothing and paid nothing.
    assert float(np.abs(base.outcome.total[:, overlay]).max()) == 0.0
    extra = double.outcome.total[:, overlay].astype(float).sum(1)
    assert extra.mean() > 0
    cost = {n: v.outcome.total.astype(float).sum(1) for n, v in r.variants.items()}
    np.testing.assert_allclose(cost["double"] - cost["base"], extra, rtol=1e-5)
    rev = base.actuals["revenue"].astype(float).sum(1).mean()
    cos = {n: company_metrics(v)["cost_of_sales"] for n, v in r.variants.items()}
    assert cos["double"] - cos["base"] == pytest.approx(extra.mean() / rev, rel=1e-5)


def test_overlays_book_nothing_and_carry_the_targets_they_are_credited_on():
    s = _scenario({"double": {"credit": {"overlay": "full"}}})
    r = simulate(s, variants=["double"], trials=40, rep_years=True)
    teams = r.population.account_teams
    overlay = ~teams.originates
    assert float(r.base.actuals["revenue"][:, overlay].max()) == 0.0
    t = r.variants["double"].outcome.targets["revenue"].sum(1)
    served = teams.serves[:, teams.home].T & teams.originates[:, None]  # (origin, rep)
    for j in np.flatnonzero(overlay):
        assert t[j] == pytest.approx(t[served[:, j]].sum())


@settings(max_examples=40, deadline=None)
@given(
    share=st.floats(0.0, 1.0),
    per_team=st.integers(1, 2),
    serves=st.lists(st.sampled_from(TEAMS), min_size=1, max_size=3, unique=True),
)
def test_a_full_split_credits_every_deal_once(share, per_team, serves):
    names = np.array([f"R{i}" for i in range(12)], dtype=object)
    team = np.array([TEAMS[i % 3] for i in range(12)], dtype=object)
    roles = (RoleSpec(name="overlay", per_team=per_team, serves=tuple(serves)),)
    teams = account_teams(roles, names, team)
    for credit in (
        {
            "account_manager": CreditRule(rule="split", share=1 - share),
            "overlay": CreditRule(rule="split", share=share),
        },
        {"account_manager": CreditRule(rule="pool"), "overlay": CreditRule(rule="pool")},
        {"account_manager": CreditRule(rule="split", share=0.5), "overlay": "pool"},
    ):
        c = credit_matrix(teams, {k: CreditRule.model_validate(v) for k, v in credit.items()}, 12)
        np.testing.assert_allclose(c[teams.originates].sum(1), 1.0)
        assert c[~teams.originates].sum() == 0.0
        assert (c >= 0).all()


def test_split_credits_the_company_bookings_once_in_the_simulation():
    split = {"account_manager": {"rule": "split", "share": 0.6}, "overlay": "split"}
    with pytest.raises(ScenarioError, match="share goes with rule = 'split'"):
        _scenario({"split": {"credit": split}})
    split["overlay"] = {"rule": "split", "share": 0.4}
    r = simulate(_scenario({"split": {"credit": split}}), trials=40, rep_years=True)
    v = r.variants["split"]
    np.testing.assert_allclose(
        v.actuals["credited_revenue"].sum(1), v.actuals["revenue"].sum(1), rtol=1e-5
    )


def test_team_pool_shares_each_deal_equally():
    names = np.array([f"R{i}" for i in range(6)], dtype=object)
    team = np.array(["A", "A", "A", "B", "B", "B"], dtype=object)
    teams = account_teams((RoleSpec(name="overlay", reps=("R2",)),), names, team)
    c = credit_matrix(
        teams, {"account_manager": CreditRule(rule="pool"), "overlay": CreditRule(rule="pool")}, 6
    )
    assert c[0].tolist() == pytest.approx([0.5, 0, 0.5, 0, 0, 0])
    assert c[3].tolist() == pytest.approx([0, 0, 0, 1.0, 0, 0])


def test_an_individual_plan_is_paid_on_its_own_outcomes():
    s = _scenario({}, roles=[])
    r = simulate(s, trials=20, keep_outcomes=True, rep_years=True)
    assert r.population.account_teams is None
    oc = r.outcomes
    assert credit_outcomes(oc, s.plan, r.population) is oc


def test_bad_crediting_is_named():
    with pytest.raises(ScenarioError, match=r"teams.toml: variants.x.credit.specialist: no rep"):
        simulate(_scenario({"x": {"credit": {"specialist": "full"}}}), trials=5, rep_years=True)
    over = {
        "account_manager": {"rule": "split", "share": 0.8},
        "overlay": {"rule": "split", "share": 0.4},
    }
    with pytest.raises(ScenarioError, match=r"variants.x.credit: split shares add up to 1.2"):
        simulate(_scenario({"x": {"credit": over}}), trials=5, rep_years=True)
    with pytest.raises(
        ScenarioError, match=r"teams.toml: team.roles\[0\] \(overlay\).reps: 'Nobody'"
    ):
        simulate(
            _scenario({}, roles=[{"name": "overlay", "reps": ["Nobody"]}]), trials=5, rep_years=True
        )
    with pytest.raises(ScenarioError, match=r"serves: 'Mars' is not a sales team"):
        simulate(
            _scenario({}, roles=[{"name": "overlay", "per_team": 1, "serves": ["Mars"]}]),
            rep_years=True,
        )


def test_compare_on_the_shipped_teams_example_shows_cost_revenue_and_help(tmp_path):
    import csv

    from planlab.cli import main

    root = Path(__file__).resolve().parents[1]
    out = tmp_path / "teams"
    args = ["compare", str(root / "scenarios" / "key_account_teams.toml"), "--trials", "60"]
    assert main([*args, "--out", str(out), "--quiet"]) == 0
    rows = {r["metric"]: r for r in csv.DictReader((out / "comparison.csv").open())}
    num = {m: {k: float(v) for k, v in r.items() if k != "metric"} for m, r in rows.items()}
    rev, double = num["revenue_expected"], num["double_credit"]
    # Splits credit every deal once; double credit pays overlays on revenue booked once.
    for v in ("base", "team_share", "collaboration"):
        assert abs(double[v]) <= 1e-5 * rev[v]
    assert double["double_credit"] > rev["double_credit"]
    cost = num["incentive_cost_expected"]
    assert cost["double_credit"] > cost["base"]
    # Team pay and the collaboration measure buy help; free-riding costs revenue.
    help = num["help_given"]
    assert help["team_share"] > help["base"] and help["collaboration"] > help["team_share"]
    assert rev["team_share"] < rev["base"]
    assert num["co_sold_revenue"]["double_credit"] > num["co_sold_revenue"]["base"] > 0
    assert "help given" in (out / "report.html").read_text()


def test_the_earnings_estimator_reads_an_overlays_credited_targets():
    from sim.earnings import earnings_table
    from sim.run import make_population

    s = _scenario({"double": {"credit": {"overlay": "full"}}})
    pop = make_population(s)
    teams = pop.account_teams
    j = int(np.flatnonzero(~teams.originates)[0])
    served = teams.originates & teams.serves[j, teams.home]
    own = earnings_table(s.plan, pop, j, attainments=[1.0])["actual_revenue"].iloc[0]
    assert own == 0.0  # the individual plan credits overlays with nothing
    double = earnings_table(s.variants["double"], pop, j, attainments=[0.5, 1.0])
    assert double["actual_revenue"].tolist() == pytest.approx(
        [0.5 * 700000 * served.sum(), 700000 * served.sum()]
    )


def _pipeline_scenario(lift: float, capacity: int = 6):
    roles = [
        {
            "name": "overlay",
            "per_team": 1,
            "co_sells": lift > 0,
            **({"win_lift": lift} if lift else {}),
        }
    ]
    s = _scenario({}, roles=roles)
    return s.model_copy(update={"pipeline": s.pipeline.model_copy(update={"capacity": capacity})})


def test_co_selling_in_the_pipeline_takes_a_specialists_capacity_and_wins_deals():
    """Overlays with a win lift join their team's deals as co-sellers while they have
    a free slot: the team wins more, and overlays originate nothing themselves."""
    kw = dict(trials=6, seed=3, workers=1, engine="pipeline", rep_years=True)
    off = simulate(_pipeline_scenario(0.0), [], **kw)
    on = simulate(_pipeline_scenario(0.5), [], **kw)
    few = simulate(_pipeline_scenario(0.5, capacity=1), [], **kw)
    overlay = ~on.population.account_teams.originates
    assert float(on.base.actuals["revenue"][:, overlay].max()) == 0.0
    rev = {k: r.base.actuals["revenue"].astype(float).sum() for k, r in (("off", off), ("on", on))}
    assert rev["on"] > 1.1 * rev["off"]
    # With one slot each, a co-seller joins one deal at a time, and still lifts the team.
    # (Whether the lift is smaller than with six slots is not settled by the model: at
    # 80 replications the two lifts were 1.29 and 1.28, so this is not asserted.)
    small = few.base.actuals["revenue"].astype(float).sum()
    few_off = simulate(_pipeline_scenario(0.0, capacity=1), [], **kw)
    assert small > 1.1 * few_off.base.actuals["revenue"].astype(float).sum()


def test_the_cli_names_a_bad_crediting_rule_and_writes_nothing(tmp_path):
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    text = (root / "scenarios" / "key_account_teams.toml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace("solutions = { rule", "solution = { rule"), encoding="utf-8")
    before = bad.read_bytes()
    for args in (["validate", str(bad)], ["simulate", str(bad), "--out", str(tmp_path / "o")]):
        res = subprocess.run(
            [sys.executable, "-m", "planlab.cli", *args], capture_output=True, text=True
        )
        assert res.returncode == 2
        assert "plan.credit.solution: no rep holds this role" in res.stderr
        assert "Traceback" not in res.stderr
    assert not (tmp_path / "o").exists() and bad.read_bytes() == before
