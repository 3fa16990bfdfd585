"""The optimiser's entry point: tabulate, solve every plan shape, pick, explain.

:func:`optimize_plan` takes a scenario and returns an :class:`Optimisation` of
plain tables: the shapes compared, each rep's target and why, the binding
constraints and what relaxing each would buy, the budget frontier, and (when
shapes are proven infeasible) the smallest relaxations that would make them
feasible. A time budget (:mod:`optimize.budget`) bounds tabulation and solves.
With ``family = "linear"`` it returns the best salary + linear commission
(:mod:`optimize.linear`) instead.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from sim.errors import ScenarioError
from sim.optimize_spec import check_optimize, reps_respond
from sim.payout import rep_targets
from sim.plan import Plan
from sim.population import Population
from sim.run import make_population
from sim.scenario import Scenario

from .budget import Budget
from .explain import (
    binding,
    rationale,
    relaxation,
    target_currency,
    team_pay_share,
    team_tradeoff,
)
from .linear import LinearResult, linear_plan
from .model import TargetProblem, evaluate_choice
from .shapes import PlanShape, apply_shape, menu_shapes, team_key
from .solve import Solution, SolverPool
from .spec import Constraints, OptimizeSpec, optimize_spec
from .tabulate import (
    Outlook,
    Table,
    baselines,
    plan_at,
    primary_measure,
    tabulate,
    team_outlook,
)

__all__ = ["Optimisation", "ShapeResult", "optimize_plan", "target_problem", "tightened"]


@dataclass(frozen=True)
class ShapeResult:
    """One plan shape: its tabulation, the MILP built from it, and the solve."""

    shape: PlanShape
    table: Table
    problem: TargetProblem
    solution: Solution


@dataclass(frozen=True)
class Optimisation:
    """What the optimiser found, as plain objects and DataFrames."""

    scenario: Scenario
    spec: OptimizeSpec
    population: Population
    primary: str
    shapes: pd.DataFrame  # one row per shape: status, objective, cost, achievability
    chosen: ShapeResult | None = None
    plan: Plan | None = None  # the optimised plan (per-rep listed targets)
    targets: pd.DataFrame | None = None  # per rep: target and why
    binding: pd.DataFrame | None = None
    frontier: pd.DataFrame | None = None
    relaxation: pd.DataFrame | None = None  # per proven-infeasible shape; None: none found
    linear: LinearResult | None = None
    team_choice: str | None = None  # why this much pay on team and collaboration results
    timings: dict[str, float] = field(default_factory=dict)
    budget: float | None = None  # the whole optimisation's time limit (seconds), if any
    seed: int | None = None  # the seed the tables were drawn with (None: the scenario's)
    held: dict[str, float] = field(default_factory=dict)  # limits tightened in the tables

    @property
    def feasible(self) -> bool:
        return self.plan is not None or self.linear is not None


def target_problem(
    table: Table,
    spec: OptimizeSpec,
    scenario: Scenario,
    pop: Population,
    outlook: Outlook,
    base: dict[str, np.ndarray],
    primary: str,
) -> TargetProblem:
    """The MILP's data for one tabulated shape."""
    c = spec.constraints
    origin = scenario.source or "<scenario>"
    check_optimize(spec, scenario.plan, scenario.team, origin, teams=pop.team_names)
    last = rep_targets(scenario.plan.measure(primary), pop, 1)[:, 0]
    reference = base[primary].mean() * pop.potential_index
    for what, values in (("last period's target", last), ("potential", reference)):
        bad = np.flatnonzero(~(np.isfinite(values) & (values > 0)))
        if bad.size:
            raise ScenarioError(
                f"{origin}: optimize: rep {pop.name[bad[0]]!r} has "
                f"no positive {what} ({values[bad[0]]}); targets cannot be set relative to it"
            )
    number = c.company_number if c.company_number is not None else float(base[primary].sum())
    return TargetProblem(
        targets=table.targets,
        revenue=table.revenue,
        margin=table.margin,
        pay=table.pay,
        p_target=table.p_target,
        utility=table.utility,
        upside=table.upside,
        constraints=c,
        objective=spec.objective,
        company_number=number,
        team=pop.team_index,
        team_names=pop.team_names,
        last_target=last,
        fair_reference=reference,
        outside=outlook.outside,
        scenario_pay=table.scenario_pay if c.bad_year is not None else None,
    )


def _shape_row(r: ShapeResult) -> dict:
    s = r.solution
    row = {
        "shape": r.shape.label,
        "team_share": r.shape.team_share if r.shape.team_share is not None else np.nan,
        "team_pay": team_pay_share(r.table.plan),
        "status": s.status,
        "objective": s.objective if s.ok else np.nan,
        "gap": s.gap,
        "solve_seconds": s.solve_seconds + s.build_seconds,
    }
    if s.ok:
        e = evaluate_choice(r.problem, s.level)
        row.update(
            {
                "expected_profit": e["objective_core"],
                "expected_incentive": e["expected_pay"],
                "expected_revenue": e["expected_revenue"],
                "share_at_target": e["reps_at_target"] / r.problem.reps,
                "cost_of_sales": e["expected_pay"] / e["expected_revenue"],
                **_team_row(r.table, s.level),
            }
        )
    return row


def _team_row(table: Table, level: np.ndarray) -> dict:
    """Effort and help at the chosen levels: what team pay costs and buys."""
    rows = np.arange(len(level))
    out = {"mean_effort": float(table.effort[rows, level].mean())}
    if table.help is not None:
        out["mean_help"] = float(table.help[rows, level].mean())
        out["help_revenue"] = float(table.help_value[rows, level].sum())
    if table.referrals is not None and table.referrals.any():
        out["referrals"] = float(table.referrals[rows, level].sum())
    return out


def _frontier(p: TargetProblem, chosen: Solution, spec: OptimizeSpec, solve) -> pd.DataFrame:
    """Expected profit, cost and achievability as the budget sweeps around the choice."""
    if spec.frontier_points == 0:
        return pd.DataFrame()
    e = evaluate_choice(p, chosen.level)
    budgets = e["expected_pay"] * np.linspace(0.85, 1.15, spec.frontier_points)
    c = p.constraints
    problems = [replace(p, constraints=c.model_copy(update={"budget": float(b)})) for b in budgets]
    answers = solve(problems)
    rows = []
    for b, q, s in zip(budgets, problems, answers, strict=True):
        row = {"budget": b, "status": s.status}
        if s.ok:
            ev = evaluate_choice(q, s.level)
            row.update(
                {
                    "expected_profit": ev["objective_core"],
                    "expected_incentive": ev["expected_pay"],
                    "share_at_target": ev["reps_at_target"] / q.reps,
                }
            )
        rows.append(row)
    rows.append(
        {
            "budget": np.nan,
            "status": "chosen",
            "expected_profit": e["objective_core"],
            "expected_incentive": e["expected_pay"],
            "share_at_target": e["reps_at_target"] / p.reps,
        }
    )
    return pd.DataFrame(rows)


def _refuse_linear_referrals(scenario: Scenario, spec: OptimizeSpec) -> None:
    """The linear family's reps (:mod:`optimize.linear`) are simulated without the
    referral flow, so their revenue would leave out the referred deals a simulation
    books: that one combination is refused. The target tables carry referrals and
    assessed scores (:func:`optimize.tabulate.team_outlook`). Raises ScenarioError
    naming the file and the keys."""
    if spec.family == "linear" and scenario.market.referrals is not None:
        raise ScenarioError(
            f"{scenario.source or '<scenario>'}: market.referrals: the linear family "
            '(optimize.family = "linear") does not model referrals; optimise targets '
            "(the default family) or leave out [market.referrals]"
        )


def optimize_plan(
    scenario: Scenario,
    *,
    solver: str | None = None,
    time_limit: float | None = None,
    gap: float | None = None,
    seed: int | None = None,
    explain: bool = True,
    guard: bool = True,
    progress=None,
    executor: Executor | None = None,
    budget: float | Budget | None = None,
    nodes: int | None = None,
    hold: Callable[[Plan], dict[str, float]] | None = None,
    hold_rounds: int = 3,
) -> Optimisation:
    """Choose per-rep targets and the plan shape that maximise the scenario's objective
    under its constraints (or, with ``family = "linear"``, the best linear contract).
    ``executor`` (a Dask client's, say) runs the tabulation's simulations; by default
    they run on a local thread pool, with the same result. ``time_limit`` and ``nodes``
    bound each solve; ``budget`` (seconds, or a :class:`Budget`) the whole
    optimisation, tabulation included (:class:`~optimize.budget.OutOfTime` when
    tabulation exhausts its share).

    ``hold(plan)`` simulates a chosen plan as its check will and returns, per
    constraint family, how far it misses the scenario's limit (:func:`tightened`'s
    units); the chosen shape is then re-solved with its tables held that much tighter
    (half as much again, as the gap grows with the plan), up to ``hold_rounds`` times,
    so that the plan promised keeps the limits, not only the tables' estimate of it."""
    clock_budget = budget if isinstance(budget, Budget) else Budget(budget)
    spec = optimize_spec(scenario)
    settings = spec.solver.model_copy(
        update={
            k: v
            for k, v in {
                "name": solver,
                "time_limit": time_limit,
                "gap": gap,
                "nodes": nodes,
            }.items()
            if v is not None
        }
    )
    spec = spec.model_copy(update={"solver": settings})
    seed = scenario.simulation.seed if seed is None else int(seed)
    _refuse_linear_referrals(scenario, spec)
    pop = make_population(scenario)
    clock = {"start": time.perf_counter()}
    note = progress or (lambda *_: None)
    if spec.family == "linear":
        lin = linear_plan(scenario, spec, pop, seed)
        return Optimisation(scenario, spec, pop, "", pd.DataFrame(), linear=lin)

    primary = primary_measure(scenario.plan, spec)
    base = baselines(scenario, pop, spec)
    shapes = menu_shapes(scenario.plan, spec.menu)
    try:
        plans = [apply_shape(scenario.plan, s, spec.menu.threshold_payout, primary) for s in shapes]
    except ValueError as exc:
        raise ScenarioError(f"{scenario.source or '<scenario>'}: optimize.menu: {exc}") from None
    if spec.menu.team_shares:  # the team copy's targets are the primary's, summed per team
        base = {**base, team_key(primary): base[primary]}
    primary_ids = [p.measure_ids for p in plans]
    if any(primary not in ids for ids in primary_ids):
        raise ScenarioError(
            f"{scenario.source or '<scenario>'}: optimize.menu: every shape must pay on the "
            f"primary measure {primary!r}"
        )
    how = "reps best-responding" if reps_respond(scenario.behaviour, spec) else "fixed effort"
    note(f"tabulating outcomes with {how}")
    outlook = team_outlook(scenario, pop, spec, seed, executor)
    levels_total = len(plans) * spec.levels.count
    levels_done = [0]
    lock = threading.Lock()
    stop = threading.Event()  # set after Ctrl-C or a failure: running shapes end too

    def level_done(step: int = 1) -> None:  # every shape's thread, after each level
        if stop.is_set():
            raise KeyboardInterrupt
        with lock:
            levels_done[0] += step
            done = levels_done[0]
        clock_budget.check_tabulation(done, levels_total)

    def tabulate_shape(sh: PlanShape, pl: Plan) -> Table:
        level_done(0)  # a shape starts only while tabulation has time left
        return tabulate(sh, pl, outlook, base, pop, spec, primary, scenario, level_done)

    with ThreadPoolExecutor(max_workers=spec.workers) as threads:
        futures = [
            threads.submit(tabulate_shape, sh, pl) for sh, pl in zip(shapes, plans, strict=True)
        ]
        try:
            tables = [f.result() for f in futures]
        except BaseException:  # out of time (or interrupted): start no other shape,
            stop.set()  # and end the running ones at their next target level
            for f in futures:
                f.cancel()
            raise
    clock["tabulated"] = time.perf_counter()
    problems = [target_problem(t, spec, scenario, pop, outlook, base, primary) for t in tables]
    s = spec.solver
    note(f"solving {len(problems)} plan shapes with {s.name}")
    # The pool closes first: after an interrupt its busy workers are killed, so the
    # solving threads return at once instead of waiting out their time limits.
    with ThreadPoolExecutor(spec.workers) as th, SolverPool(spec.workers, guard=guard) as pool:

        def solve_one(q: TargetProblem, **kw) -> Solution:
            limit = clock_budget.solve_limit(s.time_limit)
            if limit is None:
                return Solution(
                    "not solved", s.name, message="the --time-limit ran out before this solve"
                )
            return pool.solve(q, s.name, limit, s.gap, nodes=s.nodes, **kw)

        def solve_all(probs, **kw) -> list[Solution]:
            return list(th.map(lambda q: solve_one(q, **kw), probs))

        solutions = solve_all(problems)
        results = [
            ShapeResult(sh, t, q, so)
            for sh, t, q, so in zip(shapes, tables, problems, solutions, strict=True)
        ]
        table = pd.DataFrame([_shape_row(r) for r in results])
        clock["solved"] = time.perf_counter()
        ok = [r for r in results if r.solution.ok]
        if not ok:
            infeasible = [r for r in results if r.solution.status == "infeasible"]
            relax = None
            if infeasible:
                # Only proven-infeasible shapes need relaxing; the others ran out of time.
                note("finding the smallest relaxations for the infeasible shapes")
                answers = solve_all([r.problem for r in infeasible], elastic=True)
                relax = _relaxations(infeasible, answers)
            return Optimisation(
                scenario,
                spec,
                pop,
                primary,
                table,
                relaxation=relax,
                timings=_timings(clock),
                budget=clock_budget.seconds,
            )
        best = max(ok, key=lambda r: r.solution.objective)

        def chosen_plan(r: ShapeResult) -> Plan:
            plan = plan_at(r.table.plan, base, r.table.multipliers[r.solution.level], pop.name)
            return plan.model_copy(update={"name": f"{scenario.plan.name} [optimised]"})

        held: dict[str, float] = {}
        for _ in range(hold_rounds if hold is not None else 0):
            missed = hold(chosen_plan(best))
            if not missed:
                break
            note("holding the limits the chosen plan missed when simulated: re-solving")
            tighter = dict(held)
            for family, amount in missed.items():
                tighter[family] = tighter.get(family, 0.0) + 1.5 * amount
            problem = replace(best.problem, constraints=tightened(spec.constraints, tighter))
            again = solve_one(problem)
            if not again.ok:  # tighter than the tables can go: keep the last plan
                break
            best, held = replace(best, problem=problem, solution=again), tighter
        plan = chosen_plan(best)
        reasons = rationale(
            best.problem,
            best.solution.level,
            pop.name,
            pop.team,
            base[primary],
            pop.potential_index,
            best.table.multipliers,
            spec.baseline.basis,
        )
        bind = front = None
        if explain:
            note("explaining: re-solving with each constraint relaxed, sweeping budgets")
            bind = binding(
                best.problem,
                best.solution,
                lambda relaxes: list(th.map(lambda r: solve_one(best.problem, relax=r), relaxes)),
                scenario.currency,
                target_currency(scenario, primary),
            )
            front = _frontier(best.problem, best.solution, spec, solve_all)
        clock["explained"] = time.perf_counter()
    return Optimisation(
        scenario,
        spec,
        pop,
        primary,
        table,
        chosen=best,
        plan=plan,
        targets=reasons,
        binding=bind,
        frontier=front,
        team_choice=team_tradeoff(table, best.shape.label, scenario.currency),
        timings=_timings(clock),
        budget=clock_budget.seconds,
        seed=seed,
        held=held,
    )


def tightened(c: Constraints, amounts: dict[str, float]) -> Constraints:
    """The constraints ``c`` with families held tighter: ``achievability_low`` and
    ``achievability_high`` and ``cost_of_sales`` by points (shares), ``budget`` and
    ``bad_year`` by a share of their bound (as the MILP's ``relax`` loosens them)."""
    update: dict = {}
    a = c.achievability
    if a is not None and ("achievability_low" in amounts or "achievability_high" in amounts):
        low = min(a.low + amounts.get("achievability_low", 0.0), a.high)
        high = max(a.high - amounts.get("achievability_high", 0.0), low)
        update["achievability"] = a.model_copy(update={"low": low, "high": high})
    if c.budget is not None and "budget" in amounts:
        update["budget"] = c.budget * (1.0 - amounts["budget"])
    if c.cost_of_sales is not None and "cost_of_sales" in amounts:
        update["cost_of_sales"] = c.cost_of_sales - amounts["cost_of_sales"]
    if c.bad_year is not None and "bad_year" in amounts:
        update["bad_year"] = c.bad_year.model_copy(
            update={"ceiling": c.bad_year.ceiling * (1.0 - amounts["bad_year"])}
        )
    return c.model_copy(update=update)


def _relaxations(infeasible: list[ShapeResult], answers: list[Solution]) -> pd.DataFrame | None:
    """The smallest relaxations, per infeasible shape, ordered by the shape that needs
    the least in all; ``None`` when no elastic solve found any (never an empty table)."""
    found = sorted(
        (
            (a.objective, r.shape.label, relaxation(a))
            for r, a in zip(infeasible, answers, strict=True)
            if a.ok
        ),
        key=lambda t: (t[0], t[1]),
    )
    tables = [t.assign(shape=label) for _, label, t in found if len(t)]
    if not tables:
        return None
    out = pd.concat(tables, ignore_index=True)
    return out[["shape", *[c for c in out.columns if c != "shape"]]]


def _timings(clock: dict[str, float]) -> dict[str, float]:
    names = list(clock)
    return {n: clock[n] - clock[names[i]] for i, n in enumerate(names[1:])}
