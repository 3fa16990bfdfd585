"""Co-selling as events in the pipeline engine: a specialist's capacity, the lift, the help."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.behaviour import Effort, FixedEffort
from sim.behaviour.collaboration import HelpSpec
from sim.errors import ScenarioError
from sim.measures import COMPONENTS
from sim.metrics import company_metrics
from sim.pipeline import PipelineEngine
from sim.pipeline.coselling import CoSelling, co_selling_effect, co_selling_help, deal_lift
from sim.pipeline.model import MONTH_DAYS
from sim.run import make_population, simulate
from sim.scenario import parse_scenario

CURVE = {"points": [[0.0, 0.0], [1.0, 1.0]], "tail_slope": 1.0}


def _scenario(
    reps: int = 2,
    teams=("A",),
    role: dict | None = None,
    pipeline: dict | None = None,
    measures: list | None = None,
    variants: dict | None = None,
    behaviour: dict | None = None,
):
    role = {"name": "solutions", "per_team": 1, "co_sells": True} if role is None else role
    data = {
        "plan": {
            "name": "p",
            "pay_mix": {"base": 100000, "target_incentive": 40000},
            "measures": measures
            or [{"name": "revenue", "weight": 1.0, "target": 1e6, "curve": CURVE}],
        },
        "team": {"reps": reps, "teams": list(teams), "roles": [role]},
        "market": {"growth": 0.0, "shock_sd": 0.0},
        "pipeline": pipeline or {},
        "variants": variants or {},
        "simulation": {"trials": 8, "seed": 11},
    }
    if behaviour is not None:
        data["behaviour"] = behaviour
    return parse_scenario(data, origin="co.toml", source=Path("co.toml"))


def _engine(s):
    return PipelineEngine(s.market, make_population(s), s.pipeline)


def _same(a, b, cols=slice(None)) -> None:
    for c in COMPONENTS:
        np.testing.assert_array_equal(a.components[c][:, cols], b.components[c][:, cols], c)


@pytest.mark.parametrize("originates", [False, True])
def test_lift_zero_and_unlimited_capacity_equal_the_engine_without_co_selling(originates):
    """Requests are made and accepted (slots taken), yet nothing moves: the acceptance
    draws come from a stream of their own and the specialist is never short of a slot."""
    role = {"name": "solutions", "per_team": 1, "originates": originates, "capacity": 10**6}
    on = _scenario(6, ("A", "B"), {**role, "co_sells": True, "win_lift": 0.0})
    off = _scenario(6, ("A", "B"), role)
    a = _engine(on).replications(3, 0, 4).outcomes
    b = _engine(off).replications(3, 0, 4).outcomes
    _same(a, b)
    assert a.components["help_count"].sum() > 0 and a.components["help_days"].sum() > 0
    assert a.components["help_value"].sum() == 0.0  # no lift, nothing added
    assert "help_count" not in b.components


def _pair(lift: float, capacity: int):
    role = {
        "name": "solutions",
        "per_team": 1,
        "co_sells": True,
        "win_lift": lift,
        "capacity": capacity,
    }
    pipeline = {
        "opportunities_per_month": 3.0,
        "expansion_per_account_month": 0.0,
        "skill_win": 0.0,
        "skill_speed": 0.0,
        "service_slots": 0.0,
        "capacity": 10**6,
        "slip_probability": 0.0,
    }
    return _engine(_scenario(role=role, pipeline=pipeline))


def test_co_sold_share_and_win_rate_match_the_closed_form():
    """One account manager and one specialist who accepts a share q of requests, never
    short of a slot: a share q of opportunities is co-sold, and the win rate is
    q·Π min(1, w(1 + lift)) + (1 − q)·Π w over the stages (ability and effort 1).
    Tolerances 0.02 on the share and 0.025 on the win rate: about 3 standard errors
    at 200 replications. With two slots the specialist is short, and fewer are."""
    lift, q = 0.3, 0.7
    eng = _pair(lift, 10**6)
    behaviour = CoSelling(FixedEffort(), np.array([1.0, q]))
    run = eng.replications(5, 0, 200, behaviour, ledger=True)
    led = run.ledger
    in_year = (led.created >= 0) & (led.created < 12 * MONTH_DAYS)
    share = run.outcomes.components["help_count"].sum() / in_year.sum()
    assert share == pytest.approx(q, abs=0.02)

    stages = eng.spec.stages
    w1 = np.prod([min(1.0, st.win * (1 + lift)) for st in stages])
    w0 = np.prod([st.win for st in stages])
    early = led[(led.created >= 0) & (led.created < 3 * MONTH_DAYS)]  # resolved by year end
    won = (early.status == "won").mean()
    assert won == pytest.approx(q * w1 + (1 - q) * w0, abs=0.025)

    short = _pair(lift, 2).replications(5, 0, 50, behaviour).outcomes.components
    assert short["help_count"].sum() / (in_year.sum() / 4) < q - 0.1


def test_help_value_is_what_the_lift_adds_in_expectation():
    """Each co-sold win credits its specialist value × (1 − P(win without) / P(win with)):
    in expectation the bookings the help added. Against the same engine with the lift 0
    (same seed), the account manager's extra bookings agree within 10% (no slot is ever
    short, so the lift is all that differs)."""
    role = {"name": "solutions", "per_team": 1, "co_sells": True, "capacity": 10**6}
    pipeline = {
        "opportunities_per_month": 3.0,
        "expansion_per_account_month": 0.0,
        "capacity": 10**6,  # no account manager's deal waits for a slot
    }
    on = _engine(_scenario(role={**role, "win_lift": 0.3}, pipeline=pipeline))
    off = _engine(_scenario(role={**role, "win_lift": 0.0}, pipeline=pipeline))
    a = on.replications(2, 0, 150).outcomes.components
    b = off.replications(2, 0, 150).outcomes.components
    added = (a["new_value"] - b["new_value"])[:, 0].sum()
    assert a["help_value"][:, 1].sum() == pytest.approx(added, rel=0.1)


def test_when_a_specialists_capacity_binds_their_own_bookings_fall():
    """Specialists who also sell their own accounts: co-selling takes slots their own
    opportunities then wait for, so they book less (same draws); with unlimited
    capacity their own bookings are exactly as without co-selling."""
    role = {"name": "solutions", "per_team": 1, "originates": True}
    pipeline = {"opportunities_per_month": 1.0, "service_slots": 0.0}

    def run(co: bool, capacity: int):
        r = {**role, "capacity": capacity, **({"co_sells": True, "win_lift": 0.3} if co else {})}
        return _engine(_scenario(8, ("A", "B"), r, pipeline)).replications(4, 0, 40).outcomes

    specialist = make_population(_scenario(8, ("A", "B"), role)).account_teams.role == "solutions"
    rev = {}
    for co in (False, True):
        for cap in (4, 10**6):
            c = run(co, cap).components
            rev[co, cap] = (c["new_value"] + c["xsell_value"]).sum((0, 2))
    # Four slots do for their own deals alone, not with three account managers' as well.
    assert rev[True, 4][specialist].sum() < 0.9 * rev[False, 4][specialist].sum()
    assert rev[True, 4][~specialist].sum() > rev[False, 4][~specialist].sum()
    np.testing.assert_array_equal(rev[True, 10**6][specialist], rev[False, 10**6][specialist])


class _OneRepEffort(FixedEffort):
    """Everyone at effort 1 but rep 0, at ``level`` on every task."""

    def __init__(self, level: float, reps: int):
        object.__setattr__(self, "vector", np.where(np.arange(reps) == 0, level, 1.0))

    def effort(self, state):
        return Effort(self.vector, self.vector, self.vector)


def test_changing_one_reps_effort_moves_others_only_through_a_specialists_capacity():
    """What stays identical when account manager 0 works harder: with unlimited capacity,
    every other rep's outcomes (their own draws, and co-sold deals that never wait for
    a specialist); with binding capacity, every rep on a team the specialists of rep
    0's team do not serve. Only the specialist's help moves with rep 0's requests."""
    for capacity in (10**6, 3):
        role = {"name": "solutions", "per_team": 1, "co_sells": True, "capacity": capacity}
        eng = _engine(_scenario(8, ("A", "B"), role, {"opportunities_per_month": 2.0}))
        teams = eng.population.account_teams
        other_team = teams.home != teams.home[0]
        same = np.flatnonzero(other_team if capacity == 3 else np.arange(8) != 0)
        specialist = int(np.flatnonzero(teams.co_sells & ~other_team)[0])
        a = eng.replications(6, 0, 4, _OneRepEffort(1.0, 8)).outcomes
        b = eng.replications(6, 0, 4, _OneRepEffort(1.6, 8)).outcomes
        comps = [c for c in COMPONENTS if c not in ("effort", "csat")] + ["csat"]
        for c in comps:
            np.testing.assert_array_equal(a.components[c][:, same], b.components[c][:, same], c)
        assert not np.array_equal(a.components["new_value"][:, 0], b.components["new_value"][:, 0])
        assert not np.array_equal(
            a.components["help_count"][:, specialist], b.components["help_count"][:, specialist]
        )


def _team_plan(w: float) -> list:
    revenue = {"name": "revenue", "target": 1.5e6, "curve": CURVE}
    out = [{**revenue, "weight": 1.0 - w}]
    if w > 0:
        out.append({**revenue, "key": "team_revenue", "level": "team", "weight": w})
    return out


def test_more_team_pay_gives_more_help():
    """The share of requests a specialist accepts is the one best response of
    choose_help on co-selling's effect: nothing under an individual plan that credits
    them nothing, more with a larger team share (Itoh 1991)."""
    s = _scenario(10, ("A", "B"), measures=_team_plan(0.0))
    pop = make_population(s)
    specialist = pop.account_teams.co_sells
    plans = {w: _scenario(10, ("A", "B"), measures=_team_plan(w)).plan for w in (0.0, 0.2, 0.5)}
    help = HelpSpec(enabled=True, cost=2.0)  # dear enough that no one is at the bound
    accept = co_selling_help(plans, help, s.market, s.pipeline, pop, 100, s.simulation.seed)
    assert (accept[0.0] == 0).all()
    assert (accept[0.2][specialist] > 0).all() and (accept[0.2][~specialist] == 0).all()
    assert (accept[0.5][specialist] > accept[0.2][specialist]).all()
    assert (accept[0.5] < 1).all()


def test_co_selling_effect_is_the_lift_of_a_deal_from_the_stated_stage():
    s = _scenario(4, ("A",), pipeline={"co_sell_stage": "negotiate"})
    stages = s.pipeline.stages
    expected = np.prod([min(1, st.win * 1.2) / st.win for st in stages[2:]]) - 1
    assert deal_lift(s.pipeline, 0.2) == pytest.approx(expected, rel=1e-12)
    e = co_selling_effect(make_population(s).account_teams, s.pipeline, 2.0)
    assert e[3, :3] == pytest.approx([expected / 2] * 3) and e[:3].sum() == 0 and e[3, 3] == 0


def _help_scenario(**pipeline):
    roles = {"name": "solutions", "per_team": 1, "co_sells": True, "capacity": 3}
    return _scenario(
        8,
        ("A", "B"),
        roles,
        {"opportunities_per_month": 1.5, **pipeline},
        measures=_team_plan(0.0),
        variants={
            "team": {"measures": {"revenue": {"weight": 0.6}, "team_revenue": _team_plan(0.4)[1]}}
        },
        behaviour={
            "effort": {"enabled": True, "calibration_trials": 100},
            "help": {"enabled": True},
        },
    )


def test_help_reaches_metrics_and_compare_and_is_the_same_for_any_chunking():
    s = _help_scenario()
    kw = dict(trials=6, seed=5, engine="pipeline", rep_years=True)
    one = simulate(s, workers=1, chunk_trials=6, **kw)
    two = simulate(s, workers=2, chunk_trials=1, **kw)
    for v in ("base", "team"):
        for k, x in one.variants[v].actuals.items():
            np.testing.assert_array_equal(x, two.variants[v].actuals[k], k)
    m = {v: company_metrics(one.variants[v]) for v in ("base", "team")}
    assert m["base"]["co_sell_opportunities"] == 0 and m["base"]["help_given"] == 0
    assert m["team"]["co_sell_opportunities"] > 0 and m["team"]["co_sell_days"] > 0
    assert m["team"]["help_given"] > 0
    specialist = one.population.account_teams.co_sells
    own = one.variants["team"].actuals["revenue"][:, specialist].sum(1).mean()
    assert m["team"]["co_sellers_revenue"] == pytest.approx(own, rel=1e-6)


def test_bad_co_selling_keys_are_named():
    with pytest.raises(ScenarioError, match="co_sell_stage: 'pitch' is not a stage"):
        _scenario(pipeline={"co_sell_stage": "pitch"})
    with pytest.raises(ScenarioError, match="win_lift needs co_sells = true"):
        _scenario(role={"name": "solutions", "per_team": 1, "win_lift": 0.3})


@pytest.mark.parametrize("serves", [(), ("A", "B")])
def test_help_chosen_in_rounds_equals_each_helper_moving_alone(serves):
    """choose_help moves helpers together only when no one's help reaches another's pay:
    its answer equals the marginal pay of each helper moving alone (the plan paid with
    apply_help), over the cost, whether the specialists serve their own team or both."""
    from sim.behaviour.collaboration import apply_help, choose_help
    from sim.behaviour.response import TeamSample
    from sim.payout import evaluate_plan

    role = {"name": "solutions", "per_team": 2, "co_sells": True, "serves": list(serves)}
    s = _scenario(12, ("A", "B"), role, measures=_team_plan(0.3))
    pop = make_population(s)
    spec = HelpSpec(enabled=True, cost=2.0)
    effect = co_selling_effect(pop.account_teams, s.pipeline, spec.max_level)
    sample = TeamSample(s.market, pop, 100, 3)
    chosen = choose_help(s.plan, sample, pop, spec, effect=effect)
    base = sample.at(1.0)

    def pay(help):
        oc = apply_help(base, help, pop.team_index, spec.lift, effect)
        return evaluate_plan(s.plan, oc, pop).total.astype(float).mean(0)

    alone = np.zeros(pop.size)
    for j in np.flatnonzero(effect.any(1)):
        step = np.where(np.arange(pop.size) == j, 0.1, 0.0)
        alone[j] = (pay(step) - pay(np.zeros(pop.size)))[j] / 0.1
    ti = s.plan.pay_mix.target_incentive
    expected = np.clip(alone / (spec.cost * ti), 0.0, spec.max_level)
    assert (expected[effect.any(1)] > 0).all()
    np.testing.assert_allclose(chosen, expected, rtol=1e-9, atol=1e-12)


COMPARE_TOML = """
[team]
reps = 12
teams = ["North", "South"]

[[team.roles]]
name = "solutions"
per_team = 1
originates = true
co_sells = true
capacity = 4

[pipeline]
opportunities_per_month = 1.0
co_sell_stage = "propose"

[plan]
name = "Individual"
period = "quarter"
pay_mix = { base = 150000, target_incentive = 40000 }

[[plan.measures]]
name = "revenue"
weight = 1.0
target = 600000
curve = { points = [[0.5, 0.0], [1.0, 1.0]], tail_slope = 1.0 }

[behaviour.effort]
enabled = true
calibration_trials = 100

[behaviour.help]
enabled = true
cost = 0.5

[variants.team_share]
description = "40% of pay on the sales team's revenue"
[variants.team_share.measures.revenue]
weight = 0.6
[variants.team_share.measures.team_revenue]
name = "revenue"
level = "team"
weight = 0.4
target = 600000
curve = { points = [[0.5, 0.0], [1.0, 1.0]], tail_slope = 1.0 }
"""


def test_compare_on_the_pipeline_engine_reports_help_and_its_cost(tmp_path):
    """planlab compare --engine pipeline: the team share buys co-selling, and the
    comparison table shows opportunities co-sold, days co-selling and the co-sellers'
    own revenue for both plans."""
    import pandas as pd

    from planlab.cli import main

    path = tmp_path / "co.toml"
    path.write_text(COMPARE_TOML, encoding="utf-8")
    out = tmp_path / "out"
    args = ["compare", path, "--engine", "pipeline", "--trials", 4, "--out", out, "--quiet"]
    assert main([str(a) for a in args]) == 0
    table = pd.read_csv(out / "comparison.csv", index_col=0)
    row = table.loc["co_sell_opportunities"]  # metrics down, variants across
    assert float(row["team_share"]) > float(row["base"]) == 0.0
    assert float(table.loc["co_sell_days", "team_share"]) > 0
    assert float(table.loc["co_sellers_revenue", "base"]) > 0
    html = (out / "report.html").read_text(encoding="utf-8")
    for label in ("Opportunities co-sold", "Days co-selling", "Co-sellers&#39; own revenue"):
        assert label in html


def test_co_selling_specialists_who_sell_their_own_accounts_are_credited_by_the_rules():
    """A co-selling role that originates: a plan naming no role credits each deal to its
    originator alone (identity); a split credits the specialist their share of their
    team's deals and keeps the rest of their own deals with them."""
    from sim.teams import CreditRule, credit_matrix

    role = {"name": "solutions", "per_team": 1, "originates": True, "co_sells": True}
    teams = make_population(_scenario(6, ("A", "B"), role)).account_teams
    np.testing.assert_array_equal(credit_matrix(teams, {}, 6), np.eye(6))
    split = {"account_manager": CreditRule(rule="split", share=0.8)}
    split["solutions"] = CreditRule(rule="split", share=0.2)
    c = credit_matrix(teams, split, 6)
    np.testing.assert_allclose(c.sum(1), 1.0)  # every deal credited once
    for i in range(6):
        j = int(np.flatnonzero(teams.co_sells & (teams.home == teams.home[i]))[0])
        if i != j:
            assert c[i, j] == pytest.approx(0.2) and c[i, i] == pytest.approx(0.8)
        else:
            assert c[i, i] == pytest.approx(1.0)
