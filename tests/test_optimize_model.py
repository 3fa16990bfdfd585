"""The target MILP against known optima and brute force, on both solvers.

The brute-force oracle below checks every assignment of levels with its own
implementation of the constraints (not the model's), so the MILP is compared
with an independent reading of the same rules.
"""

from __future__ import annotations

import dataclasses
import itertools
import time

import numpy as np
import pulp
import pytest

from optimize.explain import describe_relaxation, relaxation
from optimize.model import TargetProblem, build_model, evaluate_choice
from optimize.solve import SolverPool, solution_state, solve_now
from optimize.spec import BadYear, Band, Constraints, Fairness, Objective

SOLVERS = ["cbc", "highs"]


def problem(n=6, levels=4, scenarios=0, seed=0, **constraints) -> TargetProblem:
    """A small target problem with the shape real tables have: higher targets, lower
    chance of reaching them, more revenue, less pay."""
    rng = np.random.default_rng(seed)
    mult = np.linspace(0.8, 1.2, levels)
    base = rng.uniform(0.6, 1.4, n) * 1e6
    targets = base[:, None] * mult
    p = np.clip(0.95 - 0.9 * (mult - 0.8) + rng.normal(0, 0.08, (n, 1)), 0.02, 0.98)
    revenue = base[:, None] * (1 + 0.15 * (mult - 1) + rng.normal(0, 0.01, (n, levels)))
    pay = 50e3 * (0.6 + 0.8 * p) + rng.normal(0, 2e3, (n, levels))
    sp = None
    if scenarios:
        year = rng.lognormal(0, 0.2, (scenarios, 1, 1))
        sp = (pay[None] * year * rng.lognormal(0, 0.2, (scenarios, n, 1))).astype(np.float32)
    return TargetProblem(
        targets=targets,
        revenue=revenue,
        margin=0.45 * revenue,
        pay=pay,
        p_target=p,
        utility=pay + 100e3,
        upside=0.1 * pay,
        constraints=Constraints(**constraints),
        objective=Objective(),
        company_number=float(base.sum()),
        team=np.arange(n) % 2,
        team_names=("A", "B"),
        last_target=base,
        fair_reference=base,
        outside=np.full(n, 140e3),
        scenario_pay=sp,
    )


def brute_force(p: TargetProblem):
    """The best assignment by enumeration, with the constraints written out afresh."""
    c, n = p.constraints, p.reps
    best = (-np.inf, None)
    rows = np.arange(n)
    for combo in itertools.product(range(p.levels), repeat=n):
        lv = np.array(combo)
        t = p.targets[rows, lv]
        if not p.company_number * (1 - 1e-9) <= t.sum() <= p.company_number * (1 + c.overassign):
            continue
        reach = p.p_target[rows, lv].sum()
        if c.achievability and not (
            c.achievability.low * n - 1e-9 <= reach <= c.achievability.high * n + 1e-9
        ):
            continue
        pay = p.pay[rows, lv].sum()
        if c.budget and pay > c.budget + 1e-6:
            continue
        if c.cost_of_sales and pay > c.cost_of_sales * p.revenue[rows, lv].sum() + 1e-6:
            continue
        if c.ratchet and np.any(np.abs(t / p.last_target - 1) > c.ratchet + 1e-9):
            continue
        if c.min_target and t.min() < c.min_target - 1e-6:
            continue
        if c.max_target and t.max() > c.max_target + 1e-6:
            continue
        teams_ok = all(
            number - 1e-6
            <= t[p.team == p.team_names.index(name)].sum()
            <= number * (1 + c.overassign) + 1e-6
            for name, number in c.team_numbers.items()
        )
        if not teams_ok:
            continue
        ratio = None
        if c.fairness or p.objective.fairness_weight:
            basis = c.fairness.basis if c.fairness else "potential"
            ratio = p.p_target[rows, lv] if basis == "achievability" else t / p.fair_reference
            if c.fairness and ratio.max() - ratio.min() > c.fairness.spread + 1e-9:
                continue
        if c.bad_year:
            years = p.scenario_pay[:, rows, lv].astype(float).sum(1)
            allowed = int(np.floor((1 - c.bad_year.quantile) * len(years) + 1e-9))
            if (years > c.bad_year.ceiling + 1e-6).sum() > allowed:
                continue
        o = p.objective
        value = (p.margin - p.pay)[rows, lv].sum()
        value += o.achievability_weight * reach + o.upside_weight * p.upside[rows, lv].sum()
        short = np.maximum(p.outside - p.utility[rows, lv], 0).sum()
        value -= o.outside_option_weight * short
        if ratio is not None:
            value -= o.fairness_weight * (ratio.max() - ratio.min())
        if value > best[0]:
            best = (value, lv)
    return best


CASES = {
    "achievability band": {"achievability": Band(low=0.5, high=0.7)},
    "budget and ratchet": {"achievability": None, "budget": 370e3, "ratchet": 0.15},
    "cost of sales and fairness": {
        "achievability": Band(low=0.3, high=0.9),
        "cost_of_sales": 0.06,
        "fairness": Fairness(spread=0.25),
    },
    "team numbers and target bounds": {
        "achievability": None,
        "team_numbers": "A 3% above its baseline, B 5% below",
        "min_target": 6e5,
        "max_target": 1.45e6,
    },
    "fairness of achievability": {
        "achievability": Band(low=0.4, high=0.8),
        "fairness": Fairness(basis="achievability", spread=0.3),
    },
}

#: Motivation terms in the objective, each with a weight the scenario sets.
MOTIVATION = Objective(
    achievability_weight=30e3, outside_option_weight=1.5, upside_weight=0.5, fairness_weight=2e5
)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("seed", [0, 1])
def test_milp_optimum_equals_brute_force(solver, case, seed):
    settings = dict(CASES[case])
    if "team_numbers" in settings:  # set from the teams' baselines
        base = problem(seed=seed).last_target
        settings["team_numbers"] = {"A": 1.03 * base[0::2].sum(), "B": 0.95 * base[1::2].sum()}
    p = problem(seed=seed, **settings)
    want, _ = brute_force(p)
    assert np.isfinite(want)  # every case is feasible; infeasibility is tested below
    got = solve_now(p, solver, time_limit=30)
    assert got.status == "optimal", got.describe()
    assert got.objective == pytest.approx(want, rel=1e-6)
    value = (p.margin - p.pay)[np.arange(p.reps), got.level].sum()
    assert value == pytest.approx(want, rel=1e-6)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("seed", [0, 2])
def test_motivation_terms_equal_brute_force(solver, seed):
    p = problem(seed=seed, achievability=Band(low=0.3, high=0.9))
    p = dataclasses.replace(p, objective=MOTIVATION)
    want, _ = brute_force(p)
    plain, _ = brute_force(dataclasses.replace(p, objective=Objective()))
    got = solve_now(p, solver, time_limit=30)
    assert got.status == "optimal", got.describe()
    assert got.objective == pytest.approx(want, rel=1e-6)
    assert want != pytest.approx(plain, rel=1e-6)  # the terms change the objective


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("seed", [4, 5])
def test_chance_constraint_equals_brute_force(solver, seed):
    # Pay rising with the level (an accelerator at work), so the profit-best plan is
    # also the one that pays most in a bad year, and the limit has to trade them off.
    p = problem(n=5, levels=3, scenarios=20, seed=seed, achievability=None, overassign=0.3)
    rng = np.random.default_rng(seed)
    pay = 40e3 * (0.5 + np.linspace(0.8, 1.2, 3))[None, :] * rng.uniform(0.8, 1.2, (5, 1))
    year = rng.lognormal(0, 0.25, (20, 1, 1)) * rng.lognormal(0, 0.15, (20, 5, 1))
    p = dataclasses.replace(p, pay=pay, scenario_pay=(pay[None] * year).astype(np.float32))
    free, free_levels = brute_force(p)
    years = p.scenario_pay[:, np.arange(5), free_levels].astype(float).sum(1)
    limit = BadYear(quantile=0.8, ceiling=0.97 * float(np.quantile(years, 0.8)))
    p = dataclasses.replace(p, constraints=p.constraints.model_copy(update={"bad_year": limit}))
    want, _ = brute_force(p)
    assert np.isfinite(want) and want < free  # feasible, and the limit costs something
    got = solve_now(p, solver, time_limit=30)
    assert got.status == "optimal", got.describe()
    assert got.objective == pytest.approx(want, rel=1e-6)
    # The bad-year cost the report shows reads the limit as the constraint does.
    shown = evaluate_choice(p, got.level)["bad_year_pay"]
    assert shown <= limit.ceiling + 1e-6
    years = p.scenario_pay[:, np.arange(5), got.level].astype(float).sum(1)
    assert (years > shown + 1e-9).sum() <= 4  # at most (1 − 0.8) of 20 years above it


@pytest.mark.parametrize("solver", SOLVERS)
def test_unconstrained_problem_picks_each_reps_best_level(solver):
    p = problem(n=8, levels=5, achievability=None, overassign=1e9)
    p = dataclasses.replace(p, company_number=1.0)
    got = solve_now(p, solver)
    value = p.margin - p.pay
    np.testing.assert_array_equal(got.level, value.argmax(1))
    assert got.objective == pytest.approx(value.max(1).sum(), rel=1e-9)


@pytest.mark.parametrize("solver", SOLVERS)
def test_infeasible_problem_reports_smallest_relaxation(solver):
    p = problem(achievability=Band(low=0.5, high=0.7))
    p = dataclasses.replace(p, company_number=float(p.targets[:, -1].sum()) * 1.05)
    assert solve_now(p, solver).status == "infeasible"
    elastic = solve_now(p, solver, elastic=True)
    assert elastic.ok
    table = relaxation(elastic)
    assert "company_number" in set(table["constraint"])
    need = elastic.slack["company_number"]
    # Enough and no more: the largest targets on offer are 1/1.05 of the number asked
    # for, so the number must come down by more than nothing and at most 1 − 1/1.05.
    assert 0 < need <= 1 - 1 / 1.05 + 1e-6
    relaxed = solve_now(p, solver, relax={k: v + 1e-6 for k, v in elastic.slack.items()})
    assert relaxed.ok
    short = {k: max(v - 1e-3, 0.0) for k, v in elastic.slack.items()}
    assert solve_now(p, solver, relax=short).status == "infeasible"  # smallest: less fails
    assert "company number must come down" in " ".join(table["in_words"])


def test_relaxation_words_are_business_words():
    assert describe_relaxation("company_number", 0.06).startswith(
        "the company number must come down 6.0%"
    )
    assert "5.0 points" in describe_relaxation("achievability_low", 0.05)


def test_status_reads_sol_status_not_the_optimal_label():
    # PuLP labels a solve stopped at its time limit with a plan "Optimal" (status 1);
    # sol_status says whether optimality was proven.
    assert solution_state(pulp.LpSolutionIntegerFeasible, 0.08, 0.001) == "feasible"
    assert solution_state(pulp.LpSolutionOptimal, 0.08, 0.001) == "feasible"
    assert solution_state(pulp.LpSolutionOptimal, 0.0005, 0.001) == "optimal"
    assert solution_state(pulp.LpSolutionOptimal, None, 0.001) == "optimal"


def test_model_is_built_fresh_and_never_mutates_the_problem():
    p = problem(achievability=Band(low=0.5, high=0.7))
    before = {k: v.copy() for k, v in vars(p).items() if isinstance(v, np.ndarray)}
    a, _ = build_model(p)
    b, _ = build_model(p)
    assert a is not b and a.numConstraints() == b.numConstraints()
    first = solve_now(p)
    second = solve_now(p)
    np.testing.assert_array_equal(first.level, second.level)
    for k, v in before.items():
        np.testing.assert_array_equal(getattr(p, k), v)


def test_wall_clock_limit_holds_even_when_the_solver_would_not_stop():
    # A problem too big to even build within the limit: the worker is killed at the
    # deadline and the caller gets a clear answer instead of a hang.
    big = problem(n=2000, levels=15, scenarios=200, achievability=Band(low=0.6, high=0.7))
    big = dataclasses.replace(
        big,
        constraints=Constraints(
            achievability=Band(low=0.6, high=0.7), bad_year=BadYear(quantile=0.9, ceiling=1e8)
        ),
    )
    with SolverPool(1) as pool:
        start = time.perf_counter()
        got = pool.solve(big, "cbc", time_limit=1.0)
        took = time.perf_counter() - start
        assert got.status == "timed out" and "1 s limit" in got.message
        assert took < 10  # killed near the 1 s deadline; generous for a loaded machine
        small = pool.solve(problem(achievability=None), "cbc", time_limit=30)
        assert small.ok  # the pool replaces a killed worker


def test_guarded_and_in_process_solves_agree():
    p = problem(scenarios=30, achievability=Band(low=0.4, high=0.8))
    with SolverPool(1) as pool:
        guarded = pool.solve(p, "cbc")
    assert guarded.ok
    np.testing.assert_array_equal(guarded.level, solve_now(p, "cbc").level)
