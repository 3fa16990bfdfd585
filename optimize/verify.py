"""Check an optimised plan by simulating it again, as ``planlab simulate`` of its
hand-off file does.

The optimiser promises what the chosen plan does on the years it tabulated (the
first years a simulation with its seed draws), simulated with the behaviour the
hand-off carries: every rep at their best response to the plan and every
component the scenario switches on. The check simulates the base plan and the
optimised plan side by side the same way on ``trials`` years and sets each
promise beside it, with the tables' estimate the constraints were held to. With
the optimiser's seed the check's first years are the tabulated ones, so more
trials add only the sampling error of the fresh years.
"""

from __future__ import annotations

from concurrent.futures import Executor

import numpy as np
import pandas as pd

from sim.behaviour.spec import BehaviourSpec
from sim.money import money_amount
from sim.optimize_spec import reps_respond
from sim.plan import Plan
from sim.run import SimulationResult, simulate
from sim.scenario import Scenario

from .budget import Budget
from .model import bad_year_cost, evaluate_choice
from .run import Optimisation
from .spec import BadYear, Constraints, OptimizeSpec, optimize_spec
from .tabulate import primary_measure, tabulation_trials

__all__ = [
    "OPTIMISED",
    "figures",
    "handoff_behaviour",
    "Holding",
    "limit_gaps",
    "optimised_behaviour",
    "outside_limit",
    "verify",
]

OPTIMISED = "optimised"


def optimised_behaviour(opt: Optimisation) -> BehaviourSpec:
    """The behaviour the optimised plan's numbers are made with: the scenario's, with
    reps best-responding in effort when the optimiser tabulated them so. A hand-off
    file carries this, so that simulating it gives what the report promised."""
    return handoff_behaviour(opt.scenario, opt.spec)


def handoff_behaviour(scenario: Scenario, spec: OptimizeSpec) -> BehaviourSpec:
    """:func:`optimised_behaviour` from the scenario and its optimise settings."""
    behaviour = scenario.behaviour
    if reps_respond(behaviour, spec):
        # The reps the tables were made with: effort costs and task split calibrated on
        # the same sample (``[optimize] trials`` years when set, else the behaviour's).
        trials = tabulation_trials(scenario, spec)
        effort = behaviour.effort.model_copy(update={"enabled": True, "calibration_trials": trials})
        behaviour = behaviour.model_copy(update={"effort": effort})
    return behaviour


def _simulate_chosen(
    scenario: Scenario,
    spec: OptimizeSpec,
    plan: Plan,
    trials: int,
    seed: int,
    executor: Executor | None,
    budget: Budget | None,
    what: str,
) -> SimulationResult:
    """The base plan and ``plan`` (as variant ``optimised``) simulated with the
    hand-off's behaviour; ``what`` names the run when the time ``budget`` runs out."""
    sc = scenario
    scenario = sc.model_copy(update={"variants": {**sc.variants, OPTIMISED: plan}})
    return simulate(
        scenario,
        [OPTIMISED],
        trials=trials,
        seed=seed,
        behaviour=handoff_behaviour(sc, spec),
        executor=executor,
        rep_years=False,
        progress=None
        if budget is None
        else budget.watch(what, "lower --trials or raise --time-limit"),
    )


def verify(
    opt: Optimisation,
    trials: int = 1_000,
    seed: int | None = None,
    executor: Executor | None = None,
    budget: Budget | None = None,
    promised: SimulationResult | None = None,
) -> tuple[SimulationResult, pd.DataFrame]:
    """Simulate base and optimised plans with the hand-off's behaviour (the optimiser's
    seed by default) and set each promise beside it. The promise is the chosen plan
    simulated the same way on the years the optimiser tabulated (the same run when
    ``trials`` and ``seed`` are the tables'). With a ``budget`` (the command's
    --time-limit) the simulations stop when it is spent. ``promised``: the chosen plan
    already simulated on the tabulated years (:meth:`Holding.simulated`), not run again."""
    if opt.plan is None:
        raise ValueError("no optimised plan to verify")
    own = opt.scenario.simulation.seed if opt.seed is None else opt.seed
    seed = own if seed is None else int(seed)
    sc, spec = opt.scenario, opt.spec
    years = tabulation_trials(sc, spec)
    on_tables = (trials, seed) == (years, own)  # the check is the promise's own run
    if promised is None:
        what = "the chosen plan on the tabulated years"
        promised = _simulate_chosen(sc, spec, opt.plan, years, own, executor, budget, what)
    result = promised
    if not on_tables:
        what = "the check simulation of the chosen plan"
        result = _simulate_chosen(sc, spec, opt.plan, trials, seed, executor, budget, what)
    return result, promises(opt, result, promised)


def figures(primary: str, bad: BadYear | None, result: SimulationResult) -> dict[str, float]:
    """The quantities the optimiser promises, as one simulation of the chosen plan
    (variant ``optimised``) gives them; ``bad`` the bad-year constraint, if any."""
    s = result.variants[OPTIMISED].summary
    pay, revenue = s.yearly["cost"], s.yearly["revenue"]
    out = {
        "reps_at_target": float(s.per_rep[f"at_target:{primary}"].sum() / s.trials),
        "expected_pay": float(pay.mean()),
        "expected_revenue": float(revenue.mean()),
        "help": float(s.yearly["help_given"].mean()),
        "pay": pay,
    }
    if bad is not None:
        out["bad_year_pay"] = bad_year_cost(pay, bad.quantile)
    return out


class Holding:
    """``hold`` for :func:`~optimize.run.optimize_plan`: simulates a chosen plan as its
    promise is made (the tabulated years from the optimiser's ``seed``, the hand-off's
    behaviour) and returns how far it misses each of the scenario's limits, in
    :func:`~optimize.run.tightened`'s units (empty when it keeps them all). It keeps
    its last simulation, so that the check need not run it again
    (:meth:`simulated`)."""

    def __init__(
        self,
        scenario: Scenario,
        seed: int | None = None,
        executor: Executor | None = None,
        budget: Budget | None = None,
    ):
        self.scenario, self.executor, self.budget = scenario, executor, budget
        self.spec = optimize_spec(scenario)
        self.seed = scenario.simulation.seed if seed is None else int(seed)
        self.years = tabulation_trials(scenario, self.spec)
        self._last: tuple[Plan, SimulationResult] | None = None

    def simulated(self, plan: Plan) -> SimulationResult | None:
        """The promise's simulation of ``plan`` if it was the last one held, else None."""
        return self._last[1] if self._last is not None and self._last[0] == plan else None

    def __call__(self, plan: Plan) -> dict[str, float]:
        sc, spec, c = self.scenario, self.spec, self.spec.constraints
        what = "the chosen plan on the tabulated years (holding the limits)"
        result = _simulate_chosen(
            sc, spec, plan, self.years, self.seed, self.executor, self.budget, what
        )
        self._last = (plan, result)
        f = figures(primary_measure(sc.plan, spec), c.bad_year, result)
        return limit_gaps(
            c,
            share=f["reps_at_target"] / result.population.size,
            pay=f["expected_pay"],
            cost_of_sales=f["expected_pay"] / f["expected_revenue"],
            bad_year_pay=f.get("bad_year_pay"),
        )


def limit_gaps(
    c: Constraints,
    share: float | None = None,
    pay: float | None = None,
    cost_of_sales: float | None = None,
    bad_year_pay: float | None = None,
) -> dict[str, float]:
    """How far each of the figures given lies outside its limit in ``c``, per
    constraint family, in :func:`~optimize.run.tightened`'s units (points for the share
    of reps at target and cost of sales, a share of the bound for money); a limit kept
    has no entry."""
    out = {}
    a = c.achievability
    if a is not None and share is not None and share < a.low:
        out["achievability_low"] = a.low - share
    if a is not None and share is not None and share > a.high:
        out["achievability_high"] = share - a.high
    if c.budget is not None and pay is not None and pay > c.budget:
        out["budget"] = pay / c.budget - 1.0
    cap = c.cost_of_sales
    if cap is not None and cost_of_sales is not None and cost_of_sales > cap:
        out["cost_of_sales"] = cost_of_sales - cap
    if c.bad_year is not None and bad_year_pay is not None and bad_year_pay > c.bad_year.ceiling:
        out["bad_year"] = bad_year_pay / c.bad_year.ceiling - 1.0
    return out


def promises(
    opt: Optimisation, result: SimulationResult, promised: SimulationResult | None = None
) -> pd.DataFrame:
    """Each promise (the chosen plan simulated on the tabulated years, ``promised``;
    ``result`` itself when not given) against the simulation ``result``, with the
    optimiser's tables' estimate (what the constraints were held to) and each limit.
    The tables differ from the promise only by their approximations: every rep at one
    target level, one task split per plan shape, annual effort without the
    within-period dynamics or deal timing."""
    p, level = opt.chosen.problem, opt.chosen.solution.level
    c, cur = opt.spec.constraints, opt.scenario.currency  # the scenario's limits, not held ones
    tables = evaluate_choice(p, level)
    model = figures(opt.primary, c.bad_year, result if promised is None else promised)
    got = figures(opt.primary, c.bad_year, result)
    rows = [
        (
            "share of reps at target",
            model["reps_at_target"] / p.reps,
            got["reps_at_target"] / p.reps,
            f"{c.achievability.low:.0%}–{c.achievability.high:.0%}" if c.achievability else "",
            tables["reps_at_target"] / p.reps,
        ),
        (
            "expected incentive cost",
            model["expected_pay"],
            got["expected_pay"],
            f"≤ {money_amount(c.budget, cur)}" if c.budget else "",
            tables["expected_pay"],
        ),
        (
            "cost of sales",
            model["expected_pay"] / model["expected_revenue"],
            got["expected_pay"] / got["expected_revenue"],
            f"≤ {c.cost_of_sales:.2%}" if c.cost_of_sales else "",
            tables["expected_pay"] / tables["expected_revenue"],
        ),
        (
            "expected revenue",
            model["expected_revenue"],
            got["expected_revenue"],
            "",
            tables["expected_revenue"],
        ),
    ]
    table = opt.chosen.table
    if table.help_value is not None and table.help_value.any():
        rows.append(
            (
                "revenue added by help",
                model["help"],
                got["help"],
                "",
                float(table.help_value[np.arange(p.reps), level].sum()),
            )
        )
    if c.bad_year is not None:
        rows.append(
            (
                f"incentive cost, P{100 * c.bad_year.quantile:.0f} year",
                model["bad_year_pay"],
                got["bad_year_pay"],
                f"≤ {money_amount(c.bad_year.ceiling, cur)}",
                tables.get("bad_year_pay", np.nan),
            )
        )
    out = pd.DataFrame(rows, columns=["quantity", "model", "simulated", "limit", "tables"])
    pairs = zip(out["quantity"], out["model"], strict=True)
    out["outside"] = [outside_limit(c, q, v) for q, v in pairs]
    return out


#: Which figure of :func:`limit_gaps` each promise is.
_FIGURE = {
    "share of reps at target": "share",
    "expected incentive cost": "pay",
    "cost of sales": "cost_of_sales",
}


def outside_limit(c: Constraints, quantity: str, value: float) -> bool:
    """Whether a promise lies outside the constraint it belongs to by more than
    rounding (``c``: the optimiser's constraints; shares of reps as fractions, amounts
    in money)."""
    figure = _FIGURE.get(quantity)
    if figure is None and quantity.startswith("incentive cost, P"):
        figure = "bad_year_pay"
    if figure is None:
        return False
    return any(gap > 1e-9 for gap in limit_gaps(c, **{figure: value}).values())
