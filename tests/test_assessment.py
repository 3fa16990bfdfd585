"""The assessed collaboration score: what help does to it, paying on it, reading it."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from sim import load_scenario
from sim.actuals import ActualsError, load_actuals
from sim.assessment import ScoreFlow, expected_score, mean_score
from sim.errors import ScenarioError
from sim.market import CollaborationScore
from sim.plan import Plan
from sim.review.prepare import prepare_review
from sim.review.reality import actual_variant
from sim.run import make_population, simulate, team_steps
from sim.scenario import parse_scenario

LINEAR = {"points": [[0.0, 0.0], [1.0, 1.0]], "tail_slope": 1.0}
TI = 40000


def _plan(w: float = 0.0, target: float = 3.0) -> dict:
    measures = [{"name": "revenue", "weight": 1 - w, "target": 700000, "curve": LINEAR}]
    if w:
        measures.append(
            {"name": "collaboration_score", "weight": w, "target": target, "curve": LINEAR}
        )
    return {
        "period": "year",
        "pay_mix": {"base": 150000, "target_incentive": TI},
        "measures": measures,
    }


def _scenario(score: dict | None, w: float = 0.1, behaviour: bool = True, **extra):
    data = {
        "plan": _plan(),
        "variants": {"score": _plan(w)},
        "team": {"reps": 12, "teams": ["A", "B", "C"]},
        "behaviour": {
            "effort": {"enabled": behaviour, "calibration_trials": 40},
            "help": {"enabled": behaviour},
        },
        "simulation": {"trials": 100, "seed": 5},
        **extra,
    }
    if score is not None:
        data["market"] = {"collaboration_score": score}
    return parse_scenario(data)


def test_help_paid_on_the_score_matches_the_closed_form():
    """A linear curve on the score pays w·TI/T per point; a unit of help adds
    ``per_help`` points (far from the scale's ends), so a* = w·per_help/(T·c), within 1%."""
    w, target, per_help = 0.1, 3.0, 1.0
    s = _scenario({"mean": 3.0, "per_help": per_help, "sd": 0.2}, w)
    pop = make_population(s)
    steps = team_steps(s.behaviour, s.plans, s, pop, 5)
    cost = s.behaviour.help.cost
    expected = w * per_help / (target * cost)
    assert 0 < expected < s.behaviour.help.max_level
    np.testing.assert_allclose(steps["score"].help, expected, rtol=0.01)
    assert (steps["base"].help == 0).all()


@settings(max_examples=20, deadline=None)
@given(
    mu=st.floats(0.0, 6.0),
    sd=st.floats(0.05, 2.0),
)
def test_expected_score_is_the_normal_held_to_the_scale(mu, sd):
    """E[min(max(X, 1), 5)] for X ~ N(mu, sd²), against numerical integration (1e-6)."""
    spec = CollaborationScore(low=1, high=5, mean=3, per_help=1.0, sd=sd)
    got = expected_score(_outcomes(), np.array([mu - 3.0]), spec).components
    dens = stats.norm(mu, sd)
    inside, _ = integrate.quad(lambda x: x * dens.pdf(x), 1, 5)
    want = inside + 1 * dens.cdf(1) + 5 * dens.sf(5)
    assert got["collaboration_score"][0, 0, 0] == pytest.approx(want, abs=1e-6)


def _outcomes():
    s = _scenario({"sd": 0.5}, behaviour=False)
    s = s.model_copy(update={"team": s.team.model_copy(update={"reps": 1, "teams": ("A",)})})
    from sim.montecarlo import MonteCarloEngine

    return MonteCarloEngine(s.market, make_population(s)).simulate_trials(5, 0, 2)


def test_simulated_scores_have_the_expected_mean_and_stay_on_the_scale():
    """Without help the monthly scores are N(3, 0.8²) held to 1-5: their mean lies within
    4 standard errors of the closed form, and every score lies on the scale."""
    spec = {"mean": 3.0, "sd": 0.8}
    r = simulate(_scenario(spec, behaviour=False), trials=300, rep_years=True)
    v = r.variants["score"]
    scores = v.actuals["collaboration_score"].astype(float)  # annual mean per rep
    want = expected_score(_outcomes(), np.zeros(1), CollaborationScore(**spec))
    mean = want.components["collaboration_score"][0, 0, 0]
    se = 0.8 / np.sqrt(12 * scores.size)
    assert abs(scores.mean() - mean) < 4 * se
    assert scores.min() >= 1.0 and scores.max() <= 5.0


def test_the_score_is_the_same_whatever_the_chunking():
    s = _scenario({"sd": 0.5}, behaviour=False)
    oc = _outcomes()
    flow = ScoreFlow(s.market.collaboration_score, 5)
    help = np.array([0.3])
    whole = flow(oc, 100, help).components["collaboration_score"]
    parts = [
        flow(type(oc)({k: v[a : a + 1] for k, v in oc.components.items()}), 100 + a, help)
        for a in (0, 1)
    ]
    np.testing.assert_array_equal(
        whole, np.concatenate([p.components["collaboration_score"] for p in parts])
    )
    np.testing.assert_allclose(mean_score(s.market.collaboration_score, help), [3.3])


def test_a_score_modifier_raises_help_and_a_measure_off_gives_the_individual_plan():
    modifier = _plan()
    modifier["modifiers"] = [
        {"measure": "collaboration_score", "bands": [3.05], "factors": [0.9, 1.1]}
    ]
    off = _plan(0.1)
    off["measures"][0]["weight"] = 1.0
    off["measures"][1]["weight"] = 0.0
    s = _scenario({"sd": 0.3})
    plans = {"modifier": Plan.model_validate(modifier), "off": Plan.model_validate(off)}
    s = s.model_copy(update={"variants": plans})
    steps = team_steps(s.behaviour, s.plans, s, make_population(s), 5)
    assert (steps["modifier"].help > 0).all()
    r = simulate(s, trials=100, rep_years=True)
    a, b = r.base, r.variants["off"]
    np.testing.assert_array_equal(a.outcome.total, b.outcome.total)
    np.testing.assert_array_equal(a.actuals["revenue"], b.actuals["revenue"])


def test_bad_score_input_is_named():
    with pytest.raises(ScenarioError, match=r"variants\.score\.measures\[1\]: pays on "):
        _scenario(None)
    with pytest.raises(ScenarioError, match="market.collaboration_score"):
        _scenario({"low": 5, "high": 1})
    with pytest.raises(ScenarioError, match="market.collaboration_score"):
        _scenario({"mean": 7})


def _review_files(tmp_path, scores: list[float], months: int = 12):
    """``months`` of actuals for 12 reps with a collaboration_score column."""
    rows = []
    for i in range(12):
        for m in range(months):
            rows.append(
                {
                    "rep": f"Rep {i + 1:02d}",
                    "period": f"2026-{m + 1:02d}",
                    "new_value": 50_000,
                    "new_count": 1,
                    "collaboration_score": scores[i],
                }
            )
    pd.DataFrame(rows).to_csv(tmp_path / "actuals.csv", index=False)
    path = tmp_path / "s.toml"
    path.write_text(
        """
[team]
reps = 12
teams = ["A", "B", "C"]
[market.collaboration_score]
low = 1
high = 5
[plan]
period = "year"
[plan.pay_mix]
base = 150000
target_incentive = 40000
[[plan.measures]]
name = "revenue"
weight = 0.9
target = 600000
curve = { points = [[0.0, 0.0], [1.0, 1.0]], tail_slope = 1.0 }
[[plan.measures]]
name = "collaboration_score"
weight = 0.1
target = 4
curve = { points = [[0.0, 0.0], [1.0, 1.0]], tail_slope = 1.0 }
[actuals]
source = "actuals.csv"
""",
        encoding="utf-8",
    )
    return path


def test_the_review_reads_the_score_from_the_actuals(tmp_path):
    scores = [2.0 + 0.25 * i for i in range(12)]
    scenario = load_scenario(_review_files(tmp_path, scores))
    review = prepare_review(scenario, load_actuals(scenario))
    _, computed = actual_variant(review)
    np.testing.assert_allclose(
        computed.attainment["collaboration_score"][0], np.array(scores) / 4, rtol=1e-6
    )


def test_an_out_of_range_score_names_file_row_and_scale(tmp_path):
    scores = [3.0] * 12
    scores[1] = 6.0  # Rep 02: rows 14-25 of the file
    scenario = load_scenario(_review_files(tmp_path, scores))
    with pytest.raises(ActualsError) as err:
        load_actuals(scenario)
    text = str(err.value)
    assert "actuals.csv" in text
    assert re.search(r"row 14\b.*collaboration_score.*6 is outside the scale 1-5", text)
    assert "[market.collaboration_score]" in text


def test_compare_on_the_shipped_teams_example_shows_the_score_variant(tmp_path):
    """The shipped key-account example pays 5% on the managers' collaboration score in
    one variant: compare shows its cost, revenue and the help it buys."""
    import csv

    from planlab.cli import main
    from tests.conftest import ROOT

    out = tmp_path / "teams"
    path = ROOT / "scenarios" / "key_account_teams.toml"
    args = ["compare", str(path), "--variants", "collaboration_score", "--trials", "60"]
    assert main([*args, "--out", str(out), "--quiet"]) == 0
    rows = {r["metric"]: r for r in csv.DictReader((out / "comparison.csv").open())}
    num = {m: {k: float(v) for k, v in r.items() if k != "metric"} for m, r in rows.items()}
    paid = "collaboration_score"
    assert num["help_given"][paid] > 2 * num["help_given"]["base"]
    assert num["revenue_expected"][paid] > num["revenue_expected"]["base"]
    assert num["incentive_cost_expected"][paid] > num["incentive_cost_expected"]["base"]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "collaboration score (1-5)" in html
    shown = html.split('<p class="note">Not shown')[0]  # rows before the note naming idle ones
    assert "Referrals that became opportunities" not in shown  # none declared


def test_the_cli_names_a_bad_score_scale(tmp_path, capsys):
    from planlab.cli import main
    from tests.conftest import ROOT

    text = (ROOT / "scenarios" / "key_account_teams.toml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace("mean = 3.0\nper_help", "mean = 9.0\nper_help"), encoding="utf-8")
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "market.collaboration_score" in err and "outside the scale 1-5" in err
    assert "Traceback" not in err


def test_the_checkin_reads_the_observed_scores(tmp_path):
    """Six months observed: the months' assessed scores replace the simulated ones, so
    reps scored 5 so far expect more pay on the score than reps scored 1."""
    from sim.review.checkin import check_in

    pay = {}
    for score in (1.0, 5.0):
        folder = tmp_path / str(score)
        folder.mkdir()
        scenario = load_scenario(_review_files(folder, [score] * 12, months=6))
        got = check_in(scenario, load_actuals(scenario), trials=40)
        pay[score] = got.reps["payout_expected"]
    # The score pays 10% of 40,000 at 4 points, linearly: half a year at 5 rather than 1
    # moves the year's mean by 2 points, about 2,000 of pay per rep.
    np.testing.assert_allclose(pay[5.0] - pay[1.0], 0.1 * 40000 * 2 / 4, rtol=0.05)
