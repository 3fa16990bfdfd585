"""The optimiser claims only what it proved, and its time limit bounds the whole run.

"No plan meets every constraint" only when every shape is proven infeasible;
otherwise "no plan found within the limits" with what was proven. ``--time-limit``
bounds tabulation (counted with a fake clock, not timed) and the solves; a node
limit makes a solve stop at the same point on any machine.
"""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pandas as pd
import pytest

import optimize.next_period as next_period
import optimize.run as run
import planlab.optimize.command as optimize_command
from optimize.budget import LEAST_SOLVE, TABULATION_SHARE, Budget, OutOfTime
from optimize.outcome import chosen_lines, limits_text, no_plan_lines, proven_infeasible
from optimize.run import optimize_plan
from optimize.solve import Solution, SolverPool, solve_now, solver_backend
from optimize.spec import BadYear, Constraints, SolverSpec
from planlab.cli import main
from sim import load_scenario
from tests.conftest import BASELINE
from tests.test_optimize_model import problem

LIMITS = limits_text(SolverSpec(time_limit=3))

TINY = f"""
extends = "{BASELINE.as_posix()}"

[team]
reps = 8

[optimize]
trials = 60
scenarios = 30
frontier_points = 0
workers = 1
levels = {{ low = 0.8, high = 1.2, count = 5 }}

[optimize.constraints]
company_number = 30_000_000
achievability = {{ low = 0.5, high = 0.75 }}
ratchet = 0.1

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
def tiny(tmp_path_factory):
    """Two shapes, both proven infeasible by CBC (targets cannot reach the number
    within a 10% ratchet); ``workers = 1`` solves them in menu order."""
    path = tmp_path_factory.mktemp("honest") / "tiny.toml"
    path.write_text(TINY, encoding="utf-8")
    return path


def shapes(*statuses: str) -> pd.DataFrame:
    return pd.DataFrame({"shape": [f"S{i}" for i in range(len(statuses))], "status": statuses})


def relax_table(*shapes_: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "shape": list(shapes_),
            "constraint": ["ratchet"] * len(shapes_),
            "relax_by": [0.05] * len(shapes_),
            "in_words": ["the year-on-year limit must widen by 5.0 points"] * len(shapes_),
        }
    )


# --- wording, from the statuses alone ---------------------------------------------------


def test_infeasible_claimed_only_when_every_shape_is_proven_infeasible():
    assert proven_infeasible(shapes("infeasible", "infeasible"))
    for mixed in [("infeasible", "timed out"), ("infeasible", "no solution"), ("not solved",)]:
        assert not proven_infeasible(shapes(*mixed))
        lines = no_plan_lines(shapes(*mixed), None, LIMITS)
        assert lines[0] == f"No plan found within the limits ({LIMITS})."
        assert not any("meets every constraint" in line for line in lines)
        assert any("--time-limit" in line for line in lines)
    assert not proven_infeasible(shapes())


def test_no_plan_found_names_what_was_proven_and_what_was_not():
    lines = no_plan_lines(
        shapes("infeasible", "timed out", "no solution", "timed out"), relax_table("S0"), LIMITS
    )
    assert "Proven infeasible: S0." in lines
    assert "Not solved: S2 (no solution); S1, S3 (timed out)." in lines
    assert "For shape S0 to be feasible, the year-on-year limit must widen by 5.0 points." in lines


def test_proven_infeasible_lists_relaxations_or_says_none_was_found():
    lines = no_plan_lines(shapes("infeasible"), relax_table("S0"), LIMITS)
    assert lines == [
        "No plan meets every constraint.",
        "To make one feasible, the year-on-year limit must widen by 5.0 points.",
    ]
    (head, why) = no_plan_lines(shapes("infeasible"), None, LIMITS)
    assert head == "No plan meets every constraint."
    assert "not found within the limits" in why and "no relaxation.csv" in why


def test_a_plan_stopped_short_of_proof_is_the_best_found():
    table = shapes("feasible", "timed out", "optimal")
    lines = chosen_lines(table, "feasible", 0.012, LIMITS)
    assert "S1 (timed out)" in lines[0] and "best of the shapes solved" in lines[0]
    assert "best found, not proven optimal" in lines[1] and "1.20%" in lines[1]
    assert chosen_lines(shapes("optimal", "infeasible"), "optimal", 0.0, LIMITS) == []


# --- the budget ---------------------------------------------------------------------------


class Ticks:
    """A clock that moves ``step`` seconds each time it is read."""

    def __init__(self, step: float = 1.0):
        self.now, self.step, self.reads = 0.0, step, 0

    def __call__(self) -> float:
        self.reads += 1
        self.now += self.step
        return self.now


def test_budget_arithmetic():
    clock = Ticks(0.0)
    b = Budget(100, clock)
    assert b.left() == 100 and b.solve_limit(60) == 60
    clock.now = 70
    assert b.left() == 30 and b.solve_limit(60) == 30
    clock.now = 100 - LEAST_SOLVE / 2
    assert b.solve_limit(60) is None
    assert Budget(None).left() == math.inf and Budget(None).solve_limit(60) == 60
    with pytest.raises(ValueError):
        Budget(0)


def test_tabulation_stops_when_its_share_of_the_budget_is_spent(tiny):
    """Each level checks the budget; a clock moving 1 s per read stops tabulation at
    the level where more than half of a 10 s budget is used (counted, not timed)."""
    clock = Ticks(1.0)
    levels = []

    class Counting(Budget):
        def check_tabulation(self, done, total):
            levels.append(done)
            super().check_tabulation(done, total)

    with pytest.raises(
        OutOfTime, match=r"more than 5 s.*--time-limit 10 s it may use \(5 of 10 target"
    ):
        optimize_plan(load_scenario(tiny), budget=Counting(10, clock))
    # One read at the start, one per check: with 4 levels done 5 s have passed (not
    # more than the 5 s share); the check after the fifth reads 6 s and stops there,
    # and the second shape is not started.
    assert levels[:6] == [0, 1, 2, 3, 4, 5] and set(levels[6:]) <= {5}
    assert TABULATION_SHARE == 0.5


def test_cli_tabulation_out_of_time_is_one_line_exit_1_nothing_written(
    tiny, tmp_path, capsys, monkeypatch
):
    class Ticking(Budget):
        def __init__(self, seconds):
            super().__init__(seconds, Ticks(1.0))

    monkeypatch.setattr(run, "Budget", Ticking)
    monkeypatch.setattr(optimize_command, "Budget", Ticking)
    out = tmp_path / "never"
    code = main(["optimize", str(tiny), "--out", str(out), "--time-limit", "4", "--quiet"])
    err = capsys.readouterr().err
    assert code == 1 and not out.exists()
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "--time-limit 4 s" in err and "nothing was written" in err


def test_solves_not_started_once_the_budget_is_spent(tiny, monkeypatch):
    """Tabulation within its share, then the clock jumps past the budget: no solve
    starts, and the answer says no plan was found within the limits."""
    now = [0.0]
    real = run.target_problem

    def after_tabulation(*a, **kw):
        now[0] = 1e6
        return real(*a, **kw)

    monkeypatch.setattr(run, "target_problem", after_tabulation)
    opt = optimize_plan(load_scenario(tiny), budget=Budget(10, lambda: now[0]))
    assert list(opt.shapes["status"]) == ["not solved", "not solved"]
    assert opt.plan is None and opt.relaxation is None
    lines = no_plan_lines(opt.shapes, opt.relaxation, limits_text(opt.spec.solver, opt.budget))
    assert lines[0].startswith("No plan found within the limits") and "10 s" in lines[0]


# --- honest outcomes end to end -----------------------------------------------------------


class SecondShapeTimesOut(SolverPool):
    """The real solver (in process), except the second shape's first solve, which is
    reported as cut at the time limit, as a slow machine would."""

    def __init__(self, workers=1, guard=True):
        super().__init__(workers, guard=False)
        self.calls = 0

    def solve(self, problem, solver="cbc", time_limit=60.0, gap=0.001, **kw):
        self.calls += 1
        if self.calls == 2:
            return Solution("timed out", solver, message=f"stopped at the {time_limit:g} s limit")
        return super().solve(problem, solver, time_limit, gap, **kw)


def test_cli_some_infeasible_some_timed_out_is_not_called_infeasible(tiny, tmp_path, monkeypatch):
    monkeypatch.setattr(run, "SolverPool", SecondShapeTimesOut)
    out = tmp_path / "mixed"
    code = main(["optimize", str(tiny), "--out", str(out), "--time-limit", "600", "--quiet"])
    assert code == 1
    summary = json.loads((out / "summary.json").read_text())
    findings = summary["findings"]
    assert findings[0].startswith("No plan found within the limits (60 s per solve")
    assert "--time-limit 600 s for the whole optimisation" in findings[0]
    assert not any("meets every constraint" in f for f in findings)
    first, second = pd.read_csv(out / "shapes.csv")["shape"]
    assert f"Proven infeasible: {first}." in findings
    assert f"Not solved: {second} (timed out)." in findings
    # Relaxations for the proven-infeasible shape only, never an empty file.
    relax = pd.read_csv(out / "relaxation.csv")
    assert len(relax) and set(relax["shape"]) == {first}
    assert any(f.startswith(f"For shape {first} to be feasible, ") for f in findings)


def test_cli_every_shape_proven_infeasible_says_so(tiny, tmp_path):
    out = tmp_path / "infeasible"
    code = main(["optimize", str(tiny), "--out", str(out), "--quiet"])
    assert code == 1
    findings = json.loads((out / "summary.json").read_text())["findings"]
    shapes_csv = pd.read_csv(out / "shapes.csv")
    assert (shapes_csv["status"] == "infeasible").all()
    assert findings[0] == "No plan meets every constraint."
    relax = pd.read_csv(out / "relaxation.csv")
    assert len(relax) and set(relax["shape"]) <= set(shapes_csv["shape"])


def test_no_relaxation_found_writes_no_relaxation_file(tiny, tmp_path, monkeypatch):
    class NoElastic(SolverPool):
        def __init__(self, workers=1, guard=True):
            super().__init__(workers, guard=False)

        def solve(self, problem, solver="cbc", time_limit=60.0, gap=0.001, **kw):
            if kw.get("elastic"):
                return Solution("timed out", solver, message="stopped at the limit")
            return super().solve(problem, solver, time_limit, gap, **kw)

    monkeypatch.setattr(run, "SolverPool", NoElastic)
    out = tmp_path / "norelax"
    assert main(["optimize", str(tiny), "--out", str(out), "--quiet"]) == 1
    assert not (out / "relaxation.csv").exists()
    findings = json.loads((out / "summary.json").read_text())["findings"]
    assert findings[0] == "No plan meets every constraint."
    assert "no relaxation.csv was written" in findings[1]


# --- node limits: the same answer whatever the load ----------------------------------------


def test_node_limit_reaches_the_solver():
    """The limit is CBC's ``maxNodes`` (and HiGHS's ``mip_max_nodes``): a solve stops
    after the same nodes on any machine. Without one, nothing is passed."""
    cbc = solver_backend("cbc", 60, 0.001, None, nodes=25)
    assert "maxNodes 25" in " ".join(cbc.getOptions()) and cbc.optionsDict["threads"] == 1
    assert not any("maxNodes" in o for o in solver_backend("cbc", 60, 0.001, None).getOptions())
    pytest.importorskip("highspy")
    assert solver_backend("highs", 60, 0.001, None, nodes=25).optionsDict["mip_max_nodes"] == 25


def test_node_limited_solves_agree_run_after_run():
    p = problem(n=40, levels=6, scenarios=30, seed=4)
    years = p.scenario_pay[:, np.arange(p.reps), 3].sum(1)
    ceiling = float(np.quantile(years, 0.9))
    p = dataclasses.replace(
        p, constraints=Constraints(bad_year=BadYear(quantile=0.9, ceiling=ceiling))
    )
    first = solve_now(p, "cbc", time_limit=60, nodes=3)
    with SolverPool(1) as pool:
        second = pool.solve(p, "cbc", time_limit=60, nodes=3)
    assert first.ok and first.status == second.status
    np.testing.assert_array_equal(first.level, second.level)


def test_review_time_limit_bounds_the_reoptimisation(tmp_path, capsys, monkeypatch):
    """``review --time-limit`` is the re-optimisation's budget: when tabulation runs
    out, one line (with the way round it), exit 1, nothing written."""
    from tests.conftest import ROOT

    class Ticking(Budget):
        def __init__(self, seconds):
            super().__init__(seconds, Ticks(1.0))

    monkeypatch.setattr(run, "Budget", Ticking)
    monkeypatch.setattr(next_period, "Budget", Ticking)
    example = ROOT / "scenarios" / "review_example.toml"
    out = tmp_path / "review"
    args = ["review", str(example), "--drop-bad-rows", "--no-history", "--trials", "100"]
    code = main([*args, "--time-limit", "6", "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 1 and not out.exists()
    warning, line = err.splitlines()  # the rows left out, then why it stopped
    assert "Traceback" not in err and "bad row(s) left out" in warning
    assert "--time-limit 6 s" in line and line.endswith(
        "or review with --no-optimize; nothing was written"
    )


def test_a_promise_outside_its_limit_is_named_in_the_report_table():
    """A promise the simulation puts outside the limit the tables were held to is
    flagged: in the check table and its report rendering."""
    from optimize.spec import Band
    from optimize.verify import outside_limit
    from planlab.optimize.tables import promises_shown

    c = Constraints(
        achievability=Band(low=0.55, high=0.7),
        budget=1000.0,
        cost_of_sales=0.05,
        bad_year=BadYear(quantile=0.9, ceiling=1500.0),
    )
    assert outside_limit(c, "share of reps at target", 0.546)
    assert outside_limit(c, "share of reps at target", 0.71)
    assert not outside_limit(c, "share of reps at target", 0.55)
    assert outside_limit(c, "expected incentive cost", 1001.0)
    assert not outside_limit(c, "expected incentive cost", 1000.0)
    assert outside_limit(c, "cost of sales", 0.051) and not outside_limit(c, "cost of sales", 0.05)
    assert outside_limit(c, "incentive cost, P90 year", 1600.0)
    assert not outside_limit(c, "expected revenue", 1e12)
    assert not outside_limit(Constraints(achievability=None), "share of reps at target", 0.1)
    check = pd.DataFrame(
        {
            "quantity": ["share of reps at target", "expected revenue"],
            "model": [0.546, 5e6],
            "simulated": [0.542, 5.1e6],
            "limit": ["55%–70%", ""],
            "tables": [0.55, 5.2e6],
            "outside": [True, False],
        }
    )
    shown = promises_shown(check, "USD")
    assert shown["limit"].tolist() == ["55%–70% (missed)", ""]


def test_the_missed_limit_finding_says_how_far_in_the_quantity_s_unit():
    from planlab.optimize.files import _gap

    assert _gap({"tables": 0.55, "model": 0.546}, "USD") == "0.4 points"
    assert _gap({"tables": 2_273_674.0, "model": 2_280_000.0}, "USD") == "$6,326"


def test_tightened_limits_hold_tighter_in_each_family_s_unit():
    from optimize.run import tightened
    from optimize.spec import Band

    c = Constraints(
        achievability=Band(low=0.55, high=0.7),
        budget=1000.0,
        cost_of_sales=0.05,
        bad_year=BadYear(quantile=0.9, ceiling=1500.0),
    )
    t = tightened(
        c,
        {
            "achievability_low": 0.01,
            "achievability_high": 0.02,
            "budget": 0.1,
            "cost_of_sales": 0.005,
            "bad_year": 0.2,
        },
    )
    assert (t.achievability.low, t.achievability.high) == pytest.approx((0.56, 0.68))
    assert t.budget == pytest.approx(900.0) and t.cost_of_sales == pytest.approx(0.045)
    assert t.bad_year.ceiling == pytest.approx(1200.0) and t.bad_year.quantile == 0.9
    assert tightened(c, {}) == c
    # A floor is never held above its ceiling.
    over = tightened(c, {"achievability_low": 0.5})
    assert over.achievability.low <= over.achievability.high


def test_a_limit_the_simulated_plan_misses_is_held_tighter_and_solved_again(tmp_path):
    """The optimiser re-solves with the tables held tighter by half as much again as
    the simulated plan missed, keeps the tightened limit in the problem it explains,
    and says so on the first screen."""
    from planlab.optimize.files import optimisation_lines
    from tests.conftest import SMALL_OPTIMIZE

    path = tmp_path / "small.toml"
    floor = "achievability = { low = 0.5, high = 0.8 }"
    assert floor in SMALL_OPTIMIZE
    low_floor = SMALL_OPTIMIZE.replace(floor, "achievability = { low = 0.4, high = 0.8 }")
    path.write_text(low_floor, encoding="utf-8")
    sc = load_scenario(path)
    first = optimize_plan(sc, explain=False)
    p0 = first.chosen.problem
    share0 = run.evaluate_choice(p0, first.chosen.solution.level)["reps_at_target"] / p0.reps
    assert share0 < 0.49  # the floor (40%) does not bind at 49%
    asked = []

    def hold(plan):
        asked.append(plan.name)
        return {"achievability_low": 0.06} if len(asked) == 1 else {}

    opt = optimize_plan(sc, explain=False, hold=hold)
    assert len(asked) == 2 and opt.held == pytest.approx({"achievability_low": 0.09})
    c = opt.chosen.problem.constraints
    assert c.achievability.low == pytest.approx(0.49)
    p, level = opt.chosen.problem, opt.chosen.solution.level
    share = run.evaluate_choice(p, level)["reps_at_target"] / p.reps
    assert share >= 0.49 - 1e-9 > share0
    assert any("held its tables tighter" in line for line in optimisation_lines(opt))
    assert first.held == {}
    # Tighter than the tables can go: the last plan is kept, and nothing is said held.
    never = optimize_plan(sc, explain=False, hold=lambda plan: {"achievability_low": 0.5})
    assert never.held == {} and never.chosen.problem.constraints == never.spec.constraints


def test_the_check_reuses_the_promise_the_limits_were_held_on(tmp_path):
    """The last simulation the optimiser held its limits on is the promise's own run:
    the check takes it instead of simulating the same plan on the same years again."""
    from optimize.tabulate import tabulation_trials
    from optimize.verify import Holding, verify
    from tests.conftest import SMALL_OPTIMIZE

    path = tmp_path / "small.toml"
    path.write_text(SMALL_OPTIMIZE, encoding="utf-8")
    sc = load_scenario(path)
    hold = Holding(sc)
    opt = optimize_plan(sc, explain=False, hold=hold)
    last = hold.simulated(opt.plan)
    assert last is not None
    assert hold.simulated(sc.plan) is None
    years = tabulation_trials(sc, opt.spec)
    result, table = verify(opt, trials=years, promised=last)
    assert result is last
    again, fresh = verify(opt, trials=years)
    pd.testing.assert_frame_equal(table, fresh)
