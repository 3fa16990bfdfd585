"""Check an optimised plan by simulating it again, on fresh random numbers.

The optimiser works on tabulated estimates; this simulates the base plan and
the optimised plan side by side with a seed the optimiser never saw, reps
best-responding, and sets what the model promised beside what happened.
"""

from __future__ import annotations

from concurrent.futures import Executor

import numpy as np
import pandas as pd

from sim.behaviour.spec import BehaviourSpec
from sim.money import money_amount
from sim.optimize_spec import reps_respond
from sim.run import SimulationResult, simulate

from .budget import Budget
from .model import bad_year_cost, evaluate_choice
from .run import Optimisation
from .tabulate import tabulation_trials

__all__ = ["OPTIMISED", "optimised_behaviour", "verify"]

OPTIMISED = "optimised"


def optimised_behaviour(opt: Optimisation) -> BehaviourSpec:
    """The behaviour the optimised plan's numbers are made with: the scenario's, with
    reps best-responding in effort when the optimiser tabulated them so. A hand-off
    file carries this, so that simulating it gives what the report promised."""
    behaviour = opt.scenario.behaviour
    if reps_respond(behaviour, opt.spec):
        # The reps the tables were made with: effort costs and task split calibrated on
        # the same sample (``[optimize] trials`` years when set, else the behaviour's).
        trials = tabulation_trials(opt.scenario, opt.spec)
        effort = behaviour.effort.model_copy(update={"enabled": True, "calibration_trials": trials})
        behaviour = behaviour.model_copy(update={"effort": effort})
    return behaviour


def verify(
    opt: Optimisation,
    trials: int = 1_000,
    seed: int | None = None,
    executor: Executor | None = None,
    budget: Budget | None = None,
) -> tuple[SimulationResult, pd.DataFrame]:
    """Simulate base and optimised plans on draws the optimiser never saw (the trial
    streams; it tabulated on the calibration streams); compare with its promises.
    With a ``budget`` (the command's --time-limit) the simulation stops when it is spent."""
    if opt.plan is None:
        raise ValueError("no optimised plan to verify")
    sc = opt.scenario
    scenario = sc.model_copy(update={"variants": {**sc.variants, OPTIMISED: opt.plan}})
    behaviour = optimised_behaviour(opt)
    # The tables came from the calibration streams; a run draws from the trial
    # streams, which the optimiser never saw, whatever the seed.
    seed = sc.simulation.seed if seed is None else int(seed)
    result = simulate(
        scenario,
        [OPTIMISED],
        trials=trials,
        seed=seed,
        behaviour=behaviour,
        executor=executor,
        rep_years=False,
        progress=None
        if budget is None
        else budget.watch(
            "the check simulation of the chosen plan", "lower --trials or raise --time-limit"
        ),
    )
    return result, promises(opt, result)


def promises(opt: Optimisation, result: SimulationResult) -> pd.DataFrame:
    """Each promise of the model (and each constraint's limit) against the simulation."""
    p, level = opt.chosen.problem, opt.chosen.solution.level
    c, cur = p.constraints, opt.scenario.currency
    model = evaluate_choice(p, level)
    v = result.variants[OPTIMISED]
    s = v.summary
    at_target = float(s.per_rep[f"at_target:{opt.primary}"].sum() / (s.trials * s.reps))
    pay, revenue = s.yearly["cost"], s.yearly["revenue"]
    rows = [
        (
            "share of reps at target",
            model["reps_at_target"] / p.reps,
            at_target,
            f"{c.achievability.low:.0%}–{c.achievability.high:.0%}" if c.achievability else "",
        ),
        (
            "expected incentive cost",
            model["expected_pay"],
            float(pay.mean()),
            f"≤ {money_amount(c.budget, cur)}" if c.budget else "",
        ),
        (
            "cost of sales",
            model["expected_pay"] / model["expected_revenue"],
            float(pay.mean() / revenue.mean()),
            f"≤ {c.cost_of_sales:.2%}" if c.cost_of_sales else "",
        ),
        (
            "expected revenue",
            model["expected_revenue"],
            float(revenue.mean()),
            "",
        ),
    ]
    table = opt.chosen.table
    if table.help_value is not None and table.help_value.any():
        rows.append(
            (
                "revenue added by help",
                float(table.help_value[np.arange(p.reps), level].sum()),
                float(s.yearly["help_given"].mean()),
                "",
            )
        )
    if c.bad_year is not None:
        rows.append(
            (
                f"incentive cost, P{100 * c.bad_year.quantile:.0f} year",
                model.get("bad_year_pay", np.nan),
                bad_year_cost(pay, c.bad_year.quantile),
                f"≤ {money_amount(c.bad_year.ceiling, cur)}",
            )
        )
    return pd.DataFrame(rows, columns=["quantity", "model", "simulated", "limit"])
