"""Scenario files: the shipped ones load, variants resolve, bad input is explained."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim import ScenarioError, load_scenario, simulate
from sim.run import make_population

SCENARIOS = sorted((Path(__file__).resolve().parent.parent / "scenarios").glob("*.toml"))

MINIMAL = """\
[scenario]
name = "tiny"

[team]
reps = 4
teams = ["A", "B"]

[plan]
name = "tiny plan"

[plan.pay_mix]
base = 100000
target_incentive = 20000

[[plan.measures]]
name = "revenue"
weight = 0.6
target = 700000
curve = { points = [[0.5, 0.0], [1.0, 1.0]], cap = 2.0 }

[[plan.measures]]
name = "cross_sell"
weight = 0.4
target = 200000
curve = { points = [[0.0, 0.0], [1.0, 1.0]] }

[simulation]
trials = 100
seed = 3
"""


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load_error(path: Path) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    msg = str(info.value)
    assert str(path) in msg, f"message does not name the file: {msg}"
    return msg


# ---- what loads ------------------------------------------------------------------


def test_there_are_shipped_scenarios():
    assert SCENARIOS, "no scenarios/*.toml found"


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_shipped_scenario_loads_and_runs(path):
    s = load_scenario(path)
    assert s.source == str(path)
    assert len(s.digest) == 64
    for name, plan in s.plans.items():
        assert sum(m.weight for m in plan.measures) == pytest.approx(1.0), name
    result = simulate(s, trials=50, workers=1, rep_years=True)
    assert set(result.variants) == set(s.plans)
    assert np.all(np.isfinite(result.base.outcome.total))


def test_minimal_scenario_takes_defaults(tmp_path):
    s = load_scenario(write(tmp_path, MINIMAL))
    assert s.name == "tiny"
    assert s.plan.period == "quarter" and s.plan.true_up
    assert s.market.seasonality == (1.0,) * 12
    assert s.simulation.trials == 100 and s.simulation.chunk_trials == 500
    assert s.variants == {}


def test_baseline_variants_resolve():
    s = load_scenario(next(p for p in SCENARIOS if p.name == "key_account_baseline.toml"))
    base = s.plan
    assert list(s.plans) == ["base", "uncapped", "team_component", "margin_gate", "retention_focus"]

    # Overrides merge into the base plan; a curve is replaced as a whole.
    unc = s.variants["uncapped"]
    assert "uncapped" in unc.name
    assert unc.measure("revenue").curve.cap is None
    assert unc.measure("revenue").curve.tail_slope == 2.5
    assert unc.measure("revenue").curve.points == ((0.5, 0.0), (1.0, 1.0))
    assert unc.measure("revenue").target == base.measure("revenue").target
    assert unc.measure("revenue").target_basis == "potential"
    assert unc.measure_ids == base.measure_ids
    # Everything not overridden comes from the base.
    assert unc.modifiers == base.modifiers and unc.rewards == base.rewards
    assert unc.pay_mix == base.pay_mix and unc.period == base.period

    # A table under a new key adds a measure with that key.
    team = s.variants["team_component"]
    assert team.measure_ids == ("revenue", "new_accounts", "cross_sell", "team_revenue")
    tr = team.measure("team_revenue")
    assert (tr.name, tr.key, tr.level, tr.weight) == ("revenue", "team_revenue", "team", 0.15)
    assert team.measure("revenue").weight == 0.45
    assert team.measure("revenue").curve == base.measure("revenue").curve

    gate = s.variants["margin_gate"]
    assert len(gate.gates) == 1
    assert (gate.gates[0].measure, gate.gates[0].floor) == ("margin_rate", 0.615)
    assert gate.gates[0].applies_to == ("revenue",)
    assert base.gates == ()

    # drop_measures removes a measure; the new one is appended.
    ret = s.variants["retention_focus"]
    assert ret.measure_ids == ("revenue", "cross_sell", "retention")
    assert ret.measure("retention").target == 0.9


def test_variant_measure_list_replaces_and_drop(tmp_path):
    text = (
        MINIMAL
        + """
[variants.only_revenue]
measures = [{ name = "revenue", weight = 1.0, target = 500000, curve = { points = [[0.0, 0.0], [1.0, 1.0]] } }]

[variants.dropped]
drop_measures = ["cross_sell"]
[variants.dropped.measures.revenue]
weight = 1.0
"""
    )
    s = load_scenario(write(tmp_path, text))
    assert s.variants["only_revenue"].measure_ids == ("revenue",)
    assert s.variants["only_revenue"].measure("revenue").target == 500000
    d = s.variants["dropped"]
    assert d.measure_ids == ("revenue",)
    assert d.measure("revenue").curve.cap == 2.0  # merged, not replaced


def test_extends_merges_and_digests(tmp_path):
    write(tmp_path, MINIMAL, "base.toml")
    child = write(
        tmp_path,
        """\
extends = "base.toml"

[scenario]
name = "child"

[simulation]
trials = 50

[variants.richer.pay_mix]
target_incentive = 30000
""",
        "child.toml",
    )
    s = load_scenario(child)
    parent = load_scenario(tmp_path / "base.toml")
    assert s.name == "child"
    assert s.simulation.trials == 50 and s.simulation.seed == 3  # merged key by key
    assert s.plan == parent.plan
    assert s.variants["richer"].pay_mix.target_incentive == 30000
    assert s.variants["richer"].pay_mix.base == 100000
    assert s.digest != parent.digest


def test_roster_is_read(tmp_path):
    (tmp_path / "team.csv").write_text(
        "name,team,ability,target_revenue\nAda,North,1.2,800000\nBo,South,0.9,600000\n",
        encoding="utf-8",
    )
    s = load_scenario(write(tmp_path, MINIMAL.replace("reps = 4", 'roster = "team.csv"')))
    pop = make_population(s, 1)
    assert list(pop.name) == ["Ada", "Bo"] and list(pop.team) == ["North", "South"]
    np.testing.assert_allclose(pop.ability, [1.2, 0.9])
    np.testing.assert_allclose(pop.targets["revenue"], [800000, 600000])


# ---- what fails, and how it is explained --------------------------------------------


def test_weights_not_summing_to_one(tmp_path):
    msg = load_error(write(tmp_path, MINIMAL.replace("weight = 0.4", "weight = 0.55")))
    assert "plan.measures" in msg
    assert "weights must sum to 1" in msg
    assert "1.15" in msg


def test_weights_not_summing_to_one_in_a_variant(tmp_path):
    text = MINIMAL + "\n[variants.heavy.measures.revenue]\nweight = 0.7\n"
    msg = load_error(write(tmp_path, text))
    assert "variants.heavy.measures" in msg and "weights must sum to 1" in msg


def test_negative_target(tmp_path):
    msg = load_error(write(tmp_path, MINIMAL.replace("target = 200000", "target = -5")))
    assert "plan.measures[1].target" in msg


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ("[simulation]", "colour = 'red'\n[simulation]", "plan.measures[1].colour"),
        ('name = "tiny plan"', 'name = "tiny plan"\nbonus = 1', "plan.bonus"),
        ("base = 100000", "base = 100000\nbonus = 1", "plan.pay_mix.bonus"),
        ("reps = 4", "reps = 4\nsize = 9", "team.size"),
        ('name = "tiny"', 'name = "tiny"\nauthor = "x"', "scenario.author"),
        ("seed = 3", "seed = 3\nruns = 2", "simulation.runs"),
    ],
)
def test_unknown_key(tmp_path, old, new, where):
    text = MINIMAL.replace(old, new, 1)
    assert text != MINIMAL
    msg = load_error(write(tmp_path, text))
    parent, leaf = where.rsplit(".", 1)
    assert f"unknown key {leaf!r} in {parent}" in msg


def test_unknown_top_level_table(tmp_path):
    msg = load_error(write(tmp_path, MINIMAL + "\n[markets]\ngrowth = 0.1\n"))
    assert "markets" in msg and "unknown key" in msg


def test_unknown_nested_market_key(tmp_path):
    msg = load_error(write(tmp_path, MINIMAL + "\n[market.new_business]\ndeals = 0.3\n"))
    assert "unknown key 'deals' in market.new_business" in msg


def test_broken_toml(tmp_path):
    msg = load_error(write(tmp_path, MINIMAL.replace("[simulation]", "[simulation")))
    assert "not valid TOML" in msg


def test_unknown_measure_name(tmp_path):
    msg = load_error(write(tmp_path, MINIMAL.replace('name = "revenue"', 'name = "revnue"')))
    assert "plan.measures[0].name" in msg and "unknown measure 'revnue'" in msg


def test_unknown_measure_in_a_variant(tmp_path):
    text = MINIMAL + "\n[variants.v]\ndrop_measures = ['new_accounts']\n"
    msg = load_error(write(tmp_path, text))
    assert "variants.v.drop_measures" in msg and "new_accounts" in msg


def test_missing_scenario_file(tmp_path):
    msg = load_error(tmp_path / "nope.toml")
    assert "not found" in msg


def test_missing_roster_file(tmp_path):
    msg = load_error(write(tmp_path, MINIMAL.replace("reps = 4", 'roster = "people.csv"')))
    assert "team.roster" in msg and "people.csv" in msg and "not found" in msg


def test_roster_with_a_bad_row(tmp_path):
    roster = tmp_path / "team.csv"
    roster.write_text(
        "name,team,ability\nAda,North,1.2\nBo,South,fast\nCy,North,1.0\n", encoding="utf-8"
    )
    path = write(tmp_path, MINIMAL.replace("reps = 4", 'roster = "team.csv"'))
    with pytest.raises(ScenarioError) as info:  # at load time or when the team is built
        make_population(load_scenario(path), 1)
    msg = str(info.value)
    assert "team.csv" in msg and "row 3" in msg and "ability" in msg and "'fast'" in msg


def test_roster_with_a_short_row(tmp_path):
    (tmp_path / "team.csv").write_text("name,team\nAda,North\nBo\n", encoding="utf-8")
    path = write(tmp_path, MINIMAL.replace("reps = 4", 'roster = "team.csv"'))
    with pytest.raises(ScenarioError, match="row 3"):
        make_population(load_scenario(path), 1)


def test_roster_target_missing_for_roster_basis(tmp_path):
    (tmp_path / "team.csv").write_text("name,team\nAda,North\n", encoding="utf-8")
    text = MINIMAL.replace("reps = 4", 'roster = "team.csv"').replace(
        "target = 700000", 'target = 700000\ntarget_basis = "roster"'
    )
    with pytest.raises(ScenarioError, match="target_revenue"):
        simulate(load_scenario(write(tmp_path, text)), trials=10, workers=1, rep_years=True)


def test_extends_loop(tmp_path):
    write(tmp_path, 'extends = "b.toml"\n' + MINIMAL, "a.toml")
    write(tmp_path, 'extends = "a.toml"\n', "b.toml")
    msg = load_error(tmp_path / "a.toml")
    assert "extends" in msg and "loops" in msg


def test_extends_self(tmp_path):
    path = write(tmp_path, 'extends = "s.toml"\n' + MINIMAL)
    assert "loops" in load_error(path)


def test_write_variant_round_trips_and_lists_only_overrides(tmp_path):
    from sim.curves import PayoutCurve
    from sim.scenario import variant_overrides, write_variant

    sc = load_scenario(next(p for p in SCENARIOS if p.name == "key_account_baseline.toml"))
    revenue, accounts, cross = sc.plan.measures
    steeper = PayoutCurve(points=((0.6, 0.0), (1.0, 1.0), (1.4, 2.0)), tail_slope=1.0, cap=3.0)
    draft = sc.plan.model_copy(
        update={
            "measures": (
                revenue.model_copy(update={"curve": steeper, "weight": 0.5}),
                accounts,
                cross.model_copy(update={"weight": 0.3}),
            ),
            "payout_lag_months": 2,
        }
    )
    over = variant_overrides(sc.plan, draft)
    assert set(over) == {"measures", "payout_lag_months"}  # nothing else differs
    path = write_variant(tmp_path / "draft.toml", sc, "draft", draft, "a draft")
    again = load_scenario(path)
    assert again.variants["draft"].measures == draft.measures
    assert again.variants["draft"].payout_lag_months == 2
    assert set(again.variants) == {*sc.variants, "draft"}
    assert again.plan == sc.plan
    with pytest.raises(ScenarioError, match="variant name"):
        write_variant(tmp_path / "bad.toml", sc, "no spaces", draft)
