"""The optimiser end to end: a scenario in, targets and a plan shape out, checked by
simulating the answer again on fresh random numbers; the linear family against
theory; infeasible and malformed settings through the command line."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from optimize.budget import Budget, OutOfTime
from optimize.run import optimize_plan
from optimize.solve import Solution
from optimize.verify import verify
from planlab.cli import main
from sim import load_scenario
from sim.payout import rep_targets
from tests.conftest import BASELINE, OPTIMIZE_16
from tests.sections import assert_each_section_once

SMALL = f"""
extends = "{BASELINE.as_posix()}"

[team]
reps = 16

{OPTIMIZE_16}
[optimize.menu]
weights = [
  {{ revenue = 0.6, new_accounts = 0.2, cross_sell = 0.2 }},
  {{ revenue = 0.8, new_accounts = 0.2 }},
]
thresholds = [0.5]
accelerators = [1.5]
caps = [3.0]
"""


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    path = tmp_path_factory.mktemp("opt") / "small.toml"
    path.write_text(SMALL, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def optimised(small):
    return optimize_plan(load_scenario(small), time_limit=60)


def test_answer_respects_every_constraint_in_the_model(optimised):
    opt = optimised
    assert opt.feasible and opt.chosen.solution.status in ("optimal", "feasible")
    c = opt.spec.constraints
    t = opt.targets
    assert t["target"].sum() >= c.company_number * (1 - 1e-9)
    assert t["target"].sum() <= c.company_number * (1 + c.overassign) + 1e-6
    assert c.achievability.low - 1e-9 <= t["p_target"].mean() <= c.achievability.high + 1e-9
    assert t["expected_pay"].sum() <= c.cost_of_sales * t["expected_revenue"].sum() + 1e-6
    assert (t["change_on_last"].abs() <= c.ratchet + 1e-9).all()
    assert len(opt.shapes) == 2 and set(opt.binding["constraint"]) >= {"company_number", "ratchet"}


def test_optimised_plan_carries_each_reps_target(optimised):
    opt = optimised
    revenue = opt.plan.measure("revenue")
    assert revenue.target_basis == "listed"
    np.testing.assert_allclose(
        rep_targets(revenue, opt.population, 1)[:, 0], opt.targets["target"].to_numpy()
    )


def test_constraints_hold_when_the_answer_is_simulated_again(optimised):
    """Fresh seed, reps best-responding: the promises hold within sampling tolerance.

    Tolerances: 1,000 simulated years of 16 reps estimate the share at target to
    about ±0.01; the model's tables come from 200 years and interpolated effort,
    so the share may differ by a few points and costs by a few percent.
    """
    c = optimised.spec.constraints
    result, check = verify(optimised, trials=1_000, seed=987)  # a seed the optimiser never used
    row = check.set_index("quantity")
    share = row.loc["share of reps at target", "simulated"]
    assert c.achievability.low - 0.06 <= share <= c.achievability.high + 0.06
    assert row.loc["cost of sales", "simulated"] <= c.cost_of_sales * 1.08
    assert row.loc["incentive cost, P90 year", "simulated"] <= c.bad_year.ceiling * 1.08
    model_cost = row.loc["expected incentive cost", "model"]
    assert row.loc["expected incentive cost", "simulated"] == pytest.approx(model_cost, rel=0.1)
    assert result.seed == 987


def test_frontier_is_monotone_in_budget(optimised):
    f = optimised.frontier
    ok = f[f["status"].isin(["optimal", "feasible"])].sort_values("budget")
    # More budget never buys less expected profit (each point is an optimum).
    assert np.all(
        np.diff(ok["expected_profit"].to_numpy()) >= -1e-6 * ok["expected_profit"].abs().max()
    )
    assert (f["status"] == "chosen").sum() == 1


def test_same_seed_same_answer_for_any_worker_count(small):
    sc = load_scenario(small)
    one = sc.model_copy(
        update={"optimize": sc.optimize.model_copy(update={"workers": 1, "frontier_points": 0})}
    )
    a = optimize_plan(one, explain=False)
    b = optimize_plan(
        sc.model_copy(
            update={"optimize": sc.optimize.model_copy(update={"workers": 2, "frontier_points": 0})}
        ),
        explain=False,
    )
    np.testing.assert_array_equal(a.targets["target"], b.targets["target"])
    assert a.chosen.shape == b.chosen.shape
    assert a.chosen.solution.objective == pytest.approx(b.chosen.solution.objective, rel=1e-9)
    cols = ["shape", "status", "objective", "expected_incentive", "share_at_target"]
    pd.testing.assert_frame_equal(a.shapes[cols], b.shapes[cols])


def test_linear_family_reaches_the_textbook_optimum(write_scenario):
    # Identical reps, h=1, k=1, d=1, r=2, σ²=0.5, margin 1: β* = 1/(1 + 2·0.5) = 0.5.
    path = write_scenario(
        f'extends = "{BASELINE.as_posix()}"\n'
        "[optimize]\nfamily = 'linear'\n"
        "[optimize.linear]\nreps = 'textbook'\nmargin = 1.0\n"
        "textbook = { h = 1.0, k = 1.0, d = 1.0, r = 2.0, sigma = 0.7071067811865476, ce0 = 1.0 }\n"
    )
    opt = optimize_plan(load_scenario(path))
    assert opt.linear is not None
    assert opt.linear.plan.beta == pytest.approx(0.5, rel=0.01)
    assert opt.linear.closed_form.beta == pytest.approx(0.5)
    assert opt.linear.plan.alpha == pytest.approx(opt.linear.closed_form.alpha, abs=0.01)


def test_linear_family_on_the_team_gives_a_positive_commission():
    sc = load_scenario(BASELINE)
    linear = {"draws": 2_000}
    sc = sc.model_copy(update={"optimize": {"family": "linear", "trials": 100, "linear": linear}})
    lin = optimize_plan(sc).linear
    assert 0 < lin.plan.beta < lin.margin
    assert np.all(lin.plan.effort > 0)


def test_cli_optimize_writes_a_plan_that_simulate_reads(small, tmp_path, capsys):
    out = tmp_path / "opt"
    code = main(["optimize", str(small), "--out", str(out), "--trials", "200", "--quiet"])
    assert code == 0, capsys.readouterr().err
    names = {p.name for p in out.iterdir()}
    assert {"optimised.toml", "targets.csv", "report.html", "summary.json", "shapes.csv"} <= names
    summary = json.loads((out / "summary.json").read_text())
    assert summary["solver"]["status"] in ("optimal", "feasible")
    html = (out / "report.html").read_text()
    assert_each_section_once(html)
    assert "Targets and why" in html and "fig-frontier" in html and "<script" not in html
    # The variant file is a scenario planlab simulate runs as it stands.
    code = main(
        [
            "simulate",
            str(out / "optimised.toml"),
            "--variant",
            "optimised",
            "--trials",
            "100",
            "--out",
            str(tmp_path / "sim"),
            "--quiet",
        ]
    )
    assert code == 0, capsys.readouterr().err
    reloaded = load_scenario(out / "optimised.toml")
    assert reloaded.variants["optimised"].measure("revenue").target_basis == "listed"


def test_cli_infeasible_reports_smallest_relaxation(write_scenario, tmp_path, capsys):
    path = write_scenario(
        SMALL.replace("company_number = 9_800_000", "company_number = 30_000_000").replace(
            "ratchet = 0.25", "ratchet = 0.1"
        )
    )
    out = tmp_path / "infeasible"
    code = main(["optimize", str(path), "--out", str(out), "--quiet"])
    assert code == 1
    relax = (out / "relaxation.csv").read_text()
    assert "company_number" in relax or "ratchet" in relax
    findings = json.loads((out / "summary.json").read_text())["findings"]
    assert findings[0] == "No plan meets every constraint."
    assert any("must" in f or "needs" in f for f in findings[1:])


def test_cli_out_of_time_says_so(small, tmp_path, capsys, monkeypatch):
    """When every solve runs out of time the answer says so, instead of a relaxation."""
    import optimize.run as run

    class Slow:
        def __init__(self, *a, **kw):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return None

        def solve(self, problem, solver, time_limit, gap, **kw):
            return Solution("timed out", solver, message=f"stopped at the {time_limit:g} s limit")

    monkeypatch.setattr(run, "SolverPool", Slow)
    out = tmp_path / "slow"
    code = main(["optimize", str(small), "--out", str(out), "--time-limit", "3000", "--quiet"])
    assert code == 1
    head, proven, unsolved, advice = json.loads((out / "summary.json").read_text())["findings"]
    assert head == (
        "No plan found within the limits (60 s per solve, --time-limit 3000 s for the "
        "whole optimisation)."
    )
    assert proven == "No plan shape was proven infeasible." and "(timed out)" in unsolved
    assert "--time-limit" in advice and not (out / "relaxation.csv").exists()


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        (
            "[optimize.menu]\nweights = [{ revenue = 0.5, bogus = 0.5 }]\n",
            "optimize.menu.weights[0]: 'bogus' is not a measure",
        ),
        (
            "[optimize.constraints]\nachievability = { low = 0.8, high = 0.6 }\n",
            "optimize.constraints.achievability",
        ),
        ("[optimize]\nsolver = { name = 'gurobi' }\n", "optimize.solver.name"),
        ("[optimize.levels]\nlow = 1.2\nhigh = 0.9\n", "optimize.levels"),
        (
            "[optimize.constraints]\nteam_numbers = { Atlantis = 1e6 }\n",
            "'Atlantis' is not a team",
        ),
        ("[optimize]\nprimary = 'csat'\n", "optimize.primary"),
    ],
)
def test_cli_bad_optimize_settings_exit_2(write_scenario, tmp_path, capsys, setting, message):
    path = write_scenario(f'extends = "{BASELINE.as_posix()}"\n{setting}')
    out = tmp_path / "never"
    code = main(["optimize", str(path), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and str(path) in err
    assert "Traceback" not in err
    assert not out.exists()


def test_check_simulation_stops_when_the_time_limit_is_spent(optimised):
    """--time-limit bounds the whole command: the check simulation of the chosen plan
    stops (OutOfTime, counted by a stopped clock, not timed) once the budget is spent,
    and runs to the end while some is left."""

    class Stopped:
        now = 0.0

        def __call__(self) -> float:
            return self.now

    clock = Stopped()
    budget = Budget(10, clock)
    clock.now = 11.0  # the optimisation used it all
    with pytest.raises(
        OutOfTime, match=r"check simulation .* --time-limit 10 s \(\d+ of \d+ chunks"
    ):
        verify(optimised, trials=1_000, seed=987, budget=budget)
    clock.now = 5.0
    result, _ = verify(optimised, trials=1_000, seed=987, budget=budget)
    assert result.trials == 1_000
