"""Referrals between sales teams: the flow, what help brings, the measure, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.behaviour.response import TeamSample
from sim.errors import ScenarioError
from sim.market import Referrals
from sim.metrics import company_metrics
from sim.plan import Plan
from sim.referrals import expected_referrals, lead_rate, referral_flow
from sim.run import make_population, simulate, team_steps
from sim.scenario import parse_scenario

LINEAR = {"points": [[0.0, 0.0], [1.0, 1.0]], "tail_slope": 1.0}
TI = 40000


def _plan(w: float = 0.0, target: float = 10.0) -> dict:
    measures = [{"name": "revenue", "weight": 1 - w, "target": 700000, "curve": LINEAR}]
    if w:
        measures.append({"name": "referrals", "weight": w, "target": target, "curve": LINEAR})
    return {
        "period": "year",
        "pay_mix": {"base": 150000, "target_incentive": TI},
        "measures": measures,
    }


def _scenario(referrals: dict | None, w: float = 0.2, behaviour: bool = True, **extra):
    data = {
        "plan": _plan(),
        "variants": {"referral": _plan(w)},
        "team": {"reps": 12, "teams": ["A", "B", "C"]},
        "behaviour": {
            "effort": {"enabled": behaviour, "calibration_trials": 40},
            "help": {"enabled": behaviour},
        },
        "simulation": {"trials": 100, "seed": 5},
        **extra,
    }
    if referrals is not None:
        data["market"] = {"referrals": referrals}
    return parse_scenario(data)


def test_help_paid_per_referral_matches_the_closed_form():
    """A linear payment b = w·TI/T per referral that becomes an opportunity makes help
    worth b·12·conversion·per_help a year; at help cost c·TI·a²/2 each rep chooses
    a* = b·12·conversion·per_help / (c·TI), within 1%."""
    ref = {"rate": 0.1, "per_help": 0.2, "conversion": 0.25}
    w, target = 0.1, 12.0
    s = _scenario(ref, w)
    s = s.model_copy(update={"variants": {"referral": Plan.model_validate(_plan(w, target))}})
    pop = make_population(s)
    steps = team_steps(s.behaviour, s.plans, s, pop, 5)
    spec = s.behaviour.help
    b = w * TI / target
    expected = b * 12 * ref["conversion"] * ref["per_help"] / (spec.cost * TI)
    assert 0 < expected < spec.max_level  # an interior optimum
    np.testing.assert_allclose(steps["referral"].help, expected, rtol=0.01)
    # The individual plan pays nothing for help: nobody helps, referrals flow at ``rate``.
    assert (steps["base"].help == 0).all()


def test_referral_count_mean_is_rate_times_conversion():
    """With no help the referrals that become opportunities are Poisson with mean
    12·conversion·rate per rep-year; the simulated mean lies within 4 standard errors."""
    ref = {"rate": 0.3, "per_help": 0.5, "conversion": 0.4}
    r = simulate(_scenario(ref, behaviour=False), trials=400, rep_years=True)
    count = r.base.actuals["referrals"].astype(float)
    mean = 12 * 0.4 * 0.3
    se = np.sqrt(mean / count.size)
    assert abs(count.mean() - mean) < 4 * se
    assert company_metrics(r.base)["referrals"] == pytest.approx(count.sum(1).mean(), rel=1e-6)


def test_paying_on_referrals_raises_help_and_the_referrals_it_brings():
    ref = {"rate": 0.1, "per_help": 0.5, "conversion": 0.3}
    r = simulate(_scenario(ref, 0.2), trials=100, rep_years=True)
    base, paid = r.base, r.variants["referral"]
    assert paid.actuals["referrals"].sum() > 1.5 * base.actuals["referrals"].sum()
    assert float(paid.outcome.payout["referrals"].mean()) > 0
    assert company_metrics(paid)["referrals"] > company_metrics(base)["referrals"]


def test_measure_off_gives_the_individual_plan():
    """A referral measure of weight 0 pays nothing and buys no help: every number is
    the individual plan's for the same seed; referrals declared at rate 0 with no
    help add nothing to the scenario without them."""
    ref = {"rate": 0.2, "per_help": 0.5, "conversion": 0.3}
    s = _scenario(ref)
    off = _plan(0.2)
    off["measures"][0]["weight"] = 1.0
    off["measures"][1]["weight"] = 0.0
    s = s.model_copy(update={"variants": {"off": Plan.model_validate(off)}})
    r = simulate(s, trials=100, rep_years=True)
    a, b = r.base, r.variants["off"]
    np.testing.assert_array_equal(a.outcome.total, b.outcome.total)
    np.testing.assert_array_equal(a.actuals["revenue"], b.actuals["revenue"])
    np.testing.assert_array_equal(a.actuals["referrals"], b.actuals["referrals"])

    none = simulate(_scenario(None, 0.0, behaviour=False), trials=100, rep_years=True)
    zero = simulate(
        _scenario({"rate": 0.0, "per_help": 0.5}, 0.0, behaviour=False), trials=100, rep_years=True
    )
    np.testing.assert_array_equal(none.base.outcome.total, zero.base.outcome.total)
    np.testing.assert_array_equal(none.base.actuals["revenue"], zero.base.actuals["revenue"])
    assert (zero.base.actuals["referrals"] == 0).all()


def test_referred_deals_go_to_other_teams_and_cost_a_pursuit_each():
    """Every opportunity is received once, by an account manager of another sales team;
    its pursuit adds ``per_opportunity`` to the receiver's sales cost."""
    s = _scenario({"rate": 0.5, "conversion": 0.5}, behaviour=False)
    pop = make_population(s)
    from sim.montecarlo import MonteCarloEngine

    oc = MonteCarloEngine(s.market, pop).simulate_trials(5, 0, 100)
    flow = referral_flow(s.market.referrals, s.market, pop, 5)
    out = flow(oc, 0, np.zeros(pop.size))
    given = out.components["referrals"].sum()
    extra_cost = out.components["sales_cost"].sum() - oc.components["sales_cost"].sum()
    assert given > 0
    per = s.market.sales_cost.per_opportunity
    assert extra_cost == pytest.approx(per * given, rel=1e-9)
    won = out.components["new_count"].sum() - oc.components["new_count"].sum()
    assert 0 < won < given
    # Expected win rate: the market's win rate times the receivers' ability.
    assert won / given == pytest.approx(np.mean(np.clip(0.3 * pop.ability, 0, 1)), abs=0.08)


@settings(max_examples=10, deadline=None)
@given(first=st.integers(0, 3), split=st.integers(1, 3))
def test_flow_is_the_same_whatever_the_chunking(first, split):
    """A trial's referrals depend on the seed and the trial alone, not on the chunk."""
    s = _scenario({"rate": 0.4, "conversion": 0.5}, behaviour=False)
    pop = make_population(s)
    from sim.montecarlo import MonteCarloEngine

    oc = MonteCarloEngine(s.market, pop).simulate_trials(5, 100 * first, 300)
    flow = referral_flow(s.market.referrals, s.market, pop, 5)
    help = np.linspace(0, 1, pop.size)
    whole = flow(oc, 100 * first, help)
    cut = 100 * split
    parts = [
        flow(type(oc)({k: v[a:b] for k, v in oc.components.items()}), 100 * first + a, help)
        for a, b in ((0, cut), (cut, 300))
        if b > a
    ]
    for k in ("referrals", "new_value", "sales_cost"):
        np.testing.assert_array_equal(
            whole.components[k], np.concatenate([p.components[k] for p in parts])
        )


def test_one_reps_help_moves_only_their_own_referrals():
    s = _scenario({"rate": 0.4, "per_help": 1.0, "conversion": 0.5}, behaviour=False)
    pop = make_population(s)
    from sim.montecarlo import MonteCarloEngine

    oc = MonteCarloEngine(s.market, pop).simulate_trials(5, 0, 100)
    flow = referral_flow(s.market.referrals, s.market, pop, 5)
    help = np.zeros(pop.size)
    a = flow(oc, 0, help).components["referrals"]
    help[3] = 1.0
    b = flow(oc, 0, help).components["referrals"]
    others = np.arange(pop.size) != 3
    np.testing.assert_array_equal(a[:, others], b[:, others])
    assert b[:, 3].sum() > a[:, 3].sum()


def test_expected_referrals_are_conversion_times_lead_rate():
    spec = Referrals(rate=0.2, per_help=0.4, conversion=0.5)
    s = _scenario(spec.model_dump(), behaviour=False)
    pop = make_population(s)
    oc = TeamSample(s.market, pop, 10, 5).at(1.0)
    help = np.linspace(0, 1, pop.size)
    got = expected_referrals(oc, help, spec).components["referrals"]
    np.testing.assert_allclose(got[0, :, 0], 0.5 * lead_rate(spec, help))
    np.testing.assert_allclose(lead_rate(spec, help), 0.2 + 0.4 * help)


def test_bad_referral_input_is_named():
    with pytest.raises(
        ScenarioError, match=r"plan\.measures\[1\]: pays on referrals.*market\.referrals"
    ):
        parse_scenario({"plan": _plan(0.2)})
    with pytest.raises(ScenarioError, match="market.referrals.conversion"):
        _scenario({"rate": 0.1, "conversion": 1.5})
    with pytest.raises(ScenarioError, match="market.referrals.rate"):
        _scenario({"rate": -1})
    one = _scenario({"rate": 0.1}, team={"reps": 6, "teams": ["A"]})
    with pytest.raises(ScenarioError, match="market.referrals: team 'A' has no account manager"):
        simulate(one, trials=10)


def test_compare_through_the_cli_shows_referrals_and_the_linear_family_refuses_them(
    tmp_path, capsys
):
    """End to end: a scenario file with [market.referrals] and a variant paying on them;
    compare reports the referrals each plan brings, and names them in its findings."""
    import csv

    import tomli_w

    from planlab.cli import main

    data = {
        "team": {"reps": 12, "teams": ["A", "B", "C"]},
        "market": {"referrals": {"rate": 0.1, "per_help": 0.5, "conversion": 0.3}},
        "plan": _plan(),
        "variants": {"referral": _plan(0.2)},
        "behaviour": {
            "effort": {"enabled": True, "calibration_trials": 40},
            "help": {"enabled": True},
        },
        "simulation": {"trials": 100, "seed": 5},
    }
    path = tmp_path / "referrals.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["compare", str(path), "--out", str(out), "--quiet"]) == 0
    rows = {r["metric"]: r for r in csv.DictReader((out / "comparison.csv").open())}
    refs = {k: float(v) for k, v in rows["referrals"].items() if k != "metric"}
    assert refs["referral"] > 1.5 * refs["base"] > 0
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Referrals that became opportunities" in html
    assert "referrals a year" in html  # the finding names the difference
    # The linear family's reps are simulated without referrals: that one is refused.
    linear = tmp_path / "linear.toml"
    linear.write_text(
        f'extends = "{path.as_posix()}"\n[optimize]\nfamily = "linear"\n', encoding="utf-8"
    )
    code = main(["optimize", str(linear), "--out", str(tmp_path / "o"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "market.referrals: the linear family" in err
    assert "Traceback" not in err and not (tmp_path / "o").exists()
