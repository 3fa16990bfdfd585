"""Next period's targets, re-optimised at the end of an annual review.

The optimiser runs on :func:`sim.review.next_period_scenario`: the calibrated
team and market one plan year on, whose base plan is last period's plan at the
targets the actuals give. So the ratchet limits (year-on-year change per rep)
apply to last period's *actual* targets, and the ``plan`` baseline starts from
them; with ``history`` or ``blend`` baselines the team carries last period's
actual results (``actual_<measure>``). The company's new number and the limits
come from the scenario's ``[optimize]`` table, with overrides as arguments.
With ``targets_only`` the menu is emptied, so the plan shape (weights and
curves) stays last period's and only the targets are re-set. The new plan is
then simulated beside last period's plan as `planlab simulate` of
next_plan.toml runs it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.actuals.observed import missing_measures, observed_outcomes
from sim.actuals.years import year_of
from sim.errors import ScenarioError
from sim.payout import rep_targets
from sim.plan import Plan
from sim.review import Review, next_period_scenario
from sim.run import SimulationResult
from sim.scenario import Scenario

from .budget import Budget
from .run import Optimisation, optimize_plan
from .shapes import volume_measures
from .spec import optimize_spec
from .tabulate import primary_measure
from .verify import Holding, verify

__all__ = [
    "NextPeriod",
    "new_targets",
    "next_period_label",
    "next_period_plan",
    "reoptimisation_scenario",
]


@dataclass(frozen=True)
class NextPeriod:
    """Next period's plan and targets, how they were chosen, and the check simulation."""

    label: str  # the plan year the targets are for
    scenario: Scenario  # the calibrated scenario one year on, with the [optimize] table used
    optimisation: Optimisation
    targets_only: bool
    last_targets: pd.Series  # last period's actual target of the primary measure, per rep
    result: SimulationResult | None  # last period's plan and the new one, simulated again
    check: pd.DataFrame | None  # what the model promised against the simulation
    notes: tuple[str, ...] = ()

    @property
    def plan(self) -> Plan | None:
        return self.optimisation.plan

    @property
    def targets(self) -> pd.DataFrame | None:
        return self.optimisation.targets

    @property
    def feasible(self) -> bool:
        return self.optimisation.plan is not None


def next_period_label(review: Review) -> str:
    """The plan year after the reviewed one (``FY2026`` -> ``FY2027``)."""
    return year_of(review.year.months[-1] + 1, review.scenario.actuals.plan_year_start)


def _with_history(scenario: Scenario, review: Review) -> Scenario:
    """The team rows with last period's actual result of each volume measure the
    actuals hold (``actual_<measure>``), for the ``history`` and ``blend`` baselines."""
    plan = scenario.plan
    missing = set(missing_measures(plan, review.year))
    observed = observed_outcomes(review.year)
    extra = {}
    for m in volume_measures(plan):
        if m.id not in missing and m.level == "individual":
            extra[f"actual_{m.name}"] = observed.measure(m.name, 1)[0, :, 0]
    members = tuple(
        {**row, **{k: float(v[i]) for k, v in extra.items()}}
        for i, row in enumerate(scenario.team.members)
    )
    return scenario.model_copy(
        update={"team": scenario.team.model_copy(update={"members": members})}
    )


def reoptimisation_scenario(
    review: Review,
    *,
    company_number: float | None = None,
    ratchet: float | None = None,
    targets_only: bool = False,
) -> Scenario:
    """The calibrated scenario one year on, with the ``[optimize]`` table the
    re-optimisation uses (the scenario's, with the given overrides)."""
    sc = _with_history(next_period_scenario(review), review)
    table = optimize_spec(sc).model_dump()
    if company_number is not None:
        table["constraints"]["company_number"] = float(company_number)
    if ratchet is not None:
        table["constraints"]["ratchet"] = float(ratchet)
    if targets_only:
        table["menu"] = {}  # an empty menu keeps the base plan's weights and curves
    sc = sc.model_copy(update={"optimize": table})
    spec = optimize_spec(sc)  # errors name the scenario file and the key
    sc = sc.model_copy(update={"optimize": spec})
    if spec.family != "menu":  # errors name the scenario file and the key
        raise ScenarioError(
            f"{sc.source or '<scenario>'}: optimize.family: a review re-sets next period's "
            "targets, which needs family = 'menu' ('linear' chooses a commission rate)"
        )
    return sc


def next_period_plan(
    review: Review,
    *,
    company_number: float | None = None,
    ratchet: float | None = None,
    targets_only: bool = False,
    trials: int | None = None,
    seed: int | None = None,
    solver: str | None = None,
    time_limit: float | None = None,
    gap: float | None = None,
    check: bool = True,
    budget: float | Budget | None = None,
    progress: Callable[[str], None] | None = None,
) -> NextPeriod:
    """Re-optimise next period's targets (and, unless ``targets_only``, the plan shape)
    from the review's calibrated model; simulate the new plan beside last period's."""
    sc = reoptimisation_scenario(
        review, company_number=company_number, ratchet=ratchet, targets_only=targets_only
    )
    spec = optimize_spec(sc)
    budget = budget if isinstance(budget, Budget) else Budget(budget)  # tables, solves, check
    label = next_period_label(review)
    primary = primary_measure(sc.plan, spec)
    notes = []
    if f"target_{sc.plan.measure(primary).name}" not in review.year.values:
        notes.append(
            f"The actuals hold no {primary} targets: last period's targets are the plan's "
            "design, and the ratchet limits apply to them."
        )
    opt = optimize_plan(
        sc,
        solver=solver,
        time_limit=time_limit,
        gap=gap,
        seed=seed,
        progress=progress,
        budget=budget,
        hold=Holding(sc, seed, budget=budget) if check else None,
    )
    pop = opt.population
    last = rep_targets(sc.plan.measure(primary), pop, 1)[:, 0]
    last_targets = pd.Series(last, index=pd.Index(pop.name, name="rep"), name="last_target")
    result = table = None
    if opt.plan is not None:
        name = f"{review.scenario.plan.name} [re-set for {label}]"
        opt = dataclasses.replace(opt, plan=opt.plan.model_copy(update={"name": name}))
        if check:
            if progress:
                progress("simulating the new plan beside last period's plan")
            trials = sc.simulation.trials if trials is None else int(trials)
            seed = sc.simulation.seed if seed is None else int(seed)
            # The optimiser's seed: reps choose effort on the sample the tables were
            # built on, and the first years are the ones the promises were read on.
            result, table = verify(opt, trials=trials, seed=seed, budget=budget)
    return NextPeriod(
        label=label,
        scenario=sc,
        optimisation=opt,
        targets_only=targets_only,
        last_targets=last_targets,
        result=result,
        check=table,
        notes=tuple(notes),
    )


def new_targets(plan: Plan, population) -> dict[str, dict[str, float]]:
    """Each rep's annual target per measure under ``plan`` (rep -> measure -> target)."""
    out: dict[str, dict[str, float]] = {str(n): {} for n in population.name}
    for m in plan.measures:
        if m.level != "individual":
            continue
        t = rep_targets(m, population, 1)[:, 0]
        for n, v in zip(population.name, t, strict=True):
            out[str(n)][m.id] = float(v) if np.isfinite(v) else None
    return out
