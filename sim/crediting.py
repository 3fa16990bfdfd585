"""Credit deals to the reps of their account team, as the plan's crediting rules say.

Engines book each deal to the rep who originated it. A plan pays on
*credited* values: each deal component of rep j is Σ_i C[i, j]·x_i with the
credit matrix C of :func:`sim.teams.credit_matrix`. The company's bookings
stay the originated ones, so double credit raises the incentive paid and
never the revenue: it shows as cost of sales.

A rep's ``co_sold`` measure is the revenue credited to them on deals of
accounts outside their own sales team (collaboration across teams).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from .measures import COLLABORATION_MEASURES, MEASURES
from .outcomes import Outcomes
from .plan import Measure, Plan
from .population import Population
from .teams import credit_matrix

__all__ = [
    "COLLABORATION_COMPONENTS",
    "CREDITED",
    "CreditedOutcomes",
    "credit",
    "credit_by_month",
    "credit_outcomes",
    "originated",
    "plan_credit",
    "read_components",
]

#: Components that belong to a deal (or an account) and so follow its credit.
CREDITED: tuple[str, ...] = (
    "new_value",
    "new_count",
    "xsell_value",
    "xsell_count",
    "cycle_days_sum",
    "renewals_due",
    "renewals_won",
    "gross_margin",
    "discount_given",
    "sales_cost",
    "pulled_in",
    "pushed_out",
    "timing_discount",
)
#: Components collaboration measures read, added to credited outcomes.
COLLABORATION_COMPONENTS: tuple[str, ...] = (
    "co_sold_value",
    "help_value",
    "referrals",
    "collaboration_score",
)
_REVENUE = ("new_value", "xsell_value")


@dataclass(frozen=True)
class CreditedOutcomes(Outcomes):
    """Outcomes after crediting: what each rep is paid on (not what the company booked)."""

    credit: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)), compare=False)


def plan_credit(plan: Plan, population: Population) -> np.ndarray:
    """The credit matrix of ``plan`` on ``population``'s account teams (identity without);
    read-only, built once per team and set of rules."""
    teams = population.account_teams
    if teams is None:
        return np.eye(population.size)
    key = tuple(sorted((r, c.rule, c.share) for r, c in plan.credit.items()))
    if key not in teams.memo:
        c = credit_matrix(teams, plan.credit, population.size)
        c.flags.writeable = False
        teams.memo[key] = c
    return teams.memo[key]


def credit(x: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Credited values: y[t, j, m] = Σ_i c[i, j]·x[t, i, m] (a sparse product: each
    deal is credited to a handful of reps)."""
    t, r, m = x.shape
    flat = np.ascontiguousarray(np.moveaxis(x, 1, 0)).reshape(r, t * m)
    y = sparse.csr_matrix(c.T) @ flat
    return np.moveaxis(np.asarray(y, dtype=x.dtype).reshape(r, t, m), 0, 1)


def _pays_on_collaboration(plan: Plan) -> bool:
    names = {m.name for m in plan.measures} | {g.measure for g in plan.gates}
    names |= {d.measure for d in plan.modifiers}
    return bool(names & set(COLLABORATION_MEASURES))


def read_components(plan: Plan) -> set[str]:
    """The components ``plan`` reads (its measures, gates and modifiers) and revenue's."""
    names = {m.name for m in plan.measures} | {g.measure for g in plan.gates}
    names |= {d.measure for d in plan.modifiers} | {"revenue"}
    return {c for n in names for c in MEASURES[n].numerator + MEASURES[n].denominator}


def credit_outcomes(outcomes: Outcomes, plan: Plan, population: Population) -> Outcomes:
    """The outcomes ``plan`` pays on: deal components credited by its rules (those the
    plan reads; the others stay as booked), and the collaboration components when the
    plan reads them. An individual plan without account teams gets ``outcomes`` itself
    (same object, same numbers)."""
    if isinstance(outcomes, CreditedOutcomes):
        return outcomes
    collab = _pays_on_collaboration(plan)
    if not collab and population.account_teams is None:
        return outcomes  # no identity matrix of the team's size: it grows with reps squared
    c = plan_credit(plan, population)
    if not collab and np.array_equal(c, np.eye(len(c))):
        return outcomes
    key = ("credited", c.tobytes(), collab)
    memo = outcomes._memo  # the table's own cache: many plans share one crediting
    if key not in memo:
        comps = dict(outcomes.components)
        for k in set(CREDITED) & read_components(plan):
            comps[k] = credit(outcomes.components[k], c)
        for k in COLLABORATION_COMPONENTS:
            comps.setdefault(k, np.zeros(outcomes.shape))
        teams = population.account_teams
        if teams is not None:
            away = c * (teams.home[:, None] != teams.home[None, :])
            revenue = sum(outcomes.components[k] for k in _REVENUE)
            comps["co_sold_value"] = comps["co_sold_value"] + credit(revenue, away)
        memo[key] = CreditedOutcomes(comps, draws=outcomes.draws, credit=c)
    return memo[key]


def credit_by_month(
    outcomes: Outcomes,
    plan: Plan,
    population: Population,
    members: Sequence[dict[int, list[int]] | None],
) -> CreditedOutcomes:
    """The outcomes ``plan`` pays on when who worked whose deals is recorded, month
    by month (``members[m]``: originator -> reps on their deals in month m, as actuals
    give it) instead of read off the account teams: each month is credited by the
    plan's rules over that month's deal teams (:func:`sim.teams.credit_matrix`); a
    month of ``None`` is credited over the account teams."""
    teams = population.account_teams
    if teams is None:
        raise ValueError("crediting recorded deal teams needs [[team.roles]]")
    if len(members) != outcomes.months:
        raise ValueError(f"{len(members)} months of deal teams for {outcomes.months} months")
    matrices = [credit_matrix(teams, plan.credit, population.size, m) for m in members]
    away = teams.home[:, None] != teams.home[None, :]
    revenue = sum(outcomes.components[k] for k in _REVENUE)
    comps = dict(outcomes.components)
    for k in set(CREDITED) & read_components(plan):
        x = outcomes.components[k]
        comps[k] = np.concatenate(
            [credit(x[..., m : m + 1], c) for m, c in enumerate(matrices)], axis=-1
        )
    co_sold = [credit(revenue[..., m : m + 1], c * away) for m, c in enumerate(matrices)]
    comps["co_sold_value"] = comps.get("co_sold_value", 0.0) + np.concatenate(co_sold, axis=-1)
    for k in COLLABORATION_COMPONENTS[1:]:
        comps.setdefault(k, np.zeros(outcomes.shape))
    return CreditedOutcomes(comps, draws=outcomes.draws, credit=np.mean(matrices, axis=0))


def originated(outcomes: Outcomes, population: Population) -> Outcomes:
    """The company's bookings: reps of roles that do not originate deals book none."""
    teams = population.account_teams
    if teams is None or teams.originates.all():
        return outcomes
    keep = teams.originates[None, :, None]
    comps = {
        k: (np.where(keep, v, 0.0).astype(v.dtype) if k in CREDITED else v)
        for k, v in outcomes.components.items()
    }
    return Outcomes(comps, draws=outcomes.draws)


def credited_actuals(outcomes: Outcomes, plan: Plan, population: Population) -> dict:
    """Annual values per (trial, rep) of what ``plan`` credits: credited revenue and
    the collaboration measures (revenue co-sold outside one's team, help given,
    referrals that became opportunities)."""
    c = credit_outcomes(outcomes, plan, population)
    out = {"credited_revenue": c.measure("revenue", 1)[..., 0].astype(np.float32)}
    pairs = (("co_sold", "co_sold_value"), ("help_given", "help_value"), ("referrals", "referrals"))
    for name, comp in pairs:
        if comp in c.components:
            out[name] = c.components[comp].sum(-1).astype(np.float32)
    return out


def check_credit(plans: dict[str, Plan], population: Population, origin: str) -> None:
    """Every plan's crediting rules name roles the team has and split at most 100%;
    raises ScenarioError naming the file, the plan's key and what is wrong."""
    from .errors import ScenarioError

    for name, plan in plans.items():
        where = "plan" if name == "base" else f"variants.{name}"
        try:
            plan_credit(plan, population)
        except ValueError as exc:
            raise ScenarioError(f"{origin}: {where}.{exc}") from None


def credit_targets(
    targets: np.ndarray, measure: Measure, plan: Plan, population: Population
) -> np.ndarray:
    """Targets (reps, periods) with overlays' credited like deals: a rep of a role
    that originates nothing carries t_j = Σ_i C[i, j]·t_i, the targets of the deals
    they are credited on. Account managers keep the plan's target (a split does not
    lower it), and targets listed per rep or read from a roster are taken as given."""
    if (
        population.account_teams is None
        or not measure.additive
        or measure.target_basis not in ("flat", "potential")
        or measure.name in COLLABORATION_MEASURES
    ):
        return targets
    overlay = ~population.account_teams.originates
    out = targets.copy()
    out[overlay] = (plan_credit(plan, population).T @ targets)[overlay]
    return out
