"""Hand-off files reproduce what their report promised.

``planlab optimize`` writes ``optimised.toml``; simulating it with ``planlab
simulate`` must give the revenue, incentive cost and share of reps at target
the optimise report shows for its check simulation (exactly: same reps, same
behaviour, same draws; the issue asks for 2% or 2 points), and the model's
promise within the sampling error of 200-trial tables against a 200-trial run
(5% or 5 points); it must carry the behaviour settings and only its own variant.
"""

from __future__ import annotations

import json

import pytest

from optimize.run import optimize_plan
from planlab.cli import main
from sim import load_scenario
from tests.test_optimize import SMALL

TRIALS = "200"


@pytest.fixture(scope="module")
def handed_off(tmp_path_factory):
    root = tmp_path_factory.mktemp("handoff")
    (root / "small.toml").write_text(SMALL, encoding="utf-8")
    out = root / "opt"
    code = main(
        ["optimize", str(root / "small.toml"), "--out", str(out), "--trials", TRIALS, "--quiet"]
    )
    assert code == 0
    sim_out = root / "sim"
    code = main(
        [
            "simulate",
            str(out / "optimised.toml"),
            "--trials",
            TRIALS,
            "--out",
            str(sim_out),
            "--quiet",
        ]
    )
    assert code == 0
    promised = json.loads((out / "summary.json").read_text())["check"]
    got = json.loads((sim_out / "summary.json").read_text())["variants"]
    return out, promised, got, sim_out


@pytest.fixture(scope="module")
def small_opt(tmp_path_factory):
    path = tmp_path_factory.mktemp("handoff_model") / "small.toml"
    path.write_text(SMALL, encoding="utf-8")
    return optimize_plan(load_scenario(path), time_limit=60)


def _row(promised, quantity):
    return next(r for r in promised.values() if r["quantity"] == quantity)


def test_handoff_carries_its_behaviour_and_only_its_variant(handed_off):
    out = handed_off[0]
    sc = load_scenario(out / "optimised.toml")
    assert list(sc.variants) == ["optimised"]  # the scenario's other variants dropped
    assert sc.behaviour.effort.enabled  # the optimiser's reps best-responded
    text = (out / "optimised.toml").read_text()
    assert "drop_variants" in text and "[behaviour.effort]" in text


@pytest.mark.parametrize(
    ("quantity", "metric", "tolerance"),
    [
        ("expected revenue", "revenue_expected", 0.05),
        ("expected incentive cost", "incentive_cost_expected", 0.05),
    ],
)
def test_simulating_the_handoff_gives_the_promised_amounts(handed_off, quantity, metric, tolerance):
    _, promised, got, _ = handed_off
    row = _row(promised, quantity)
    value = got["optimised"]["company"][metric]
    assert value == pytest.approx(row["simulated"], rel=1e-9)  # the report's check run
    assert value == pytest.approx(row["model"], rel=tolerance)  # the model's promise


def test_simulating_the_handoff_gives_the_promised_share_at_target(handed_off):
    _, promised, got, _ = handed_off
    row = _row(promised, "share of reps at target")
    share = got["optimised"]["measures"]["revenue"]["share_at_target"]
    assert share == pytest.approx(row["simulated"], abs=1e-9)
    assert share == pytest.approx(row["model"], abs=0.05)


def test_every_report_says_first_whether_reps_respond(handed_off):
    html = (handed_off[3] / "report.html").read_text()
    summary = html.split('class="exec"', 1)[1]
    assert summary.index("Reps respond to the plan") < 200


def test_the_promise_is_the_written_plan_on_the_tabulated_sample(small_opt):
    """Where a gap between promise and check comes from. Simulated on the very sample
    the tables were made from (calibration streams, same years), with the hand-off's
    behaviour, the written plan gives the model's promise within 0.5% (the table reads
    effort between its grid levels and splits it across tasks as at today's targets);
    what remains against a check on fresh draws is the sampling error of the
    tabulated years, which falls as one over the square root of their number."""
    from optimize.model import evaluate_choice
    from optimize.tabulate import tabulation_trials
    from optimize.verify import optimised_behaviour
    from sim.behaviour.model import build_behaviours
    from sim.montecarlo import MonteCarloEngine
    from sim.payout import evaluate_plan
    from sim.streams import BLOCK_TRIALS, CALIBRATION

    opt = small_opt
    sc, pop, seed = opt.scenario, opt.population, opt.scenario.simulation.seed
    behaviour = optimised_behaviour(opt)
    trials = tabulation_trials(sc, opt.spec)
    assert behaviour.effort.enabled and behaviour.effort.calibration_trials == trials
    plans = {"base": sc.plan, "optimised": opt.plan}
    reps = build_behaviours(behaviour, plans, sc.market, pop, seed)["optimised"]
    engine = MonteCarloEngine(sc.market, pop, stream=CALIBRATION)
    oc = engine.simulate_blocks(seed, 0, -(-trials // BLOCK_TRIALS), trials, reps, opt.plan)
    paid = evaluate_plan(opt.plan, oc, pop)
    model = evaluate_choice(opt.chosen.problem, opt.chosen.solution.level)
    revenue = float(oc.measure("revenue", 1)[..., 0].sum(1).mean())
    assert revenue == pytest.approx(model["expected_revenue"], rel=0.005)
    assert float(paid.total.astype(float).sum(1).mean()) == pytest.approx(
        model["expected_pay"], rel=0.005
    )
    share = float((paid.attainment[opt.primary] >= 1).mean())
    assert share == pytest.approx(model["reps_at_target"] / pop.size, abs=0.005)
