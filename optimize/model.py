"""The target MILP: one level per rep, built afresh from plain data every time.

Binary x[i, l] picks rep i's target level l. Every statistic is linear in x
because it is tabulated per rep and level. Constraint families (each optional):

- ``company_number``: targets sum to at least the company number, and at most
  ``overassign`` above it; ``team_numbers`` likewise per team;
- ``achievability_low`` / ``achievability_high``: expected share of reps at target;
- ``budget``: expected incentive cost; ``cost_of_sales``: it ÷ expected revenue;
- ``bad_year``: incentive cost at a quantile of simulated years, with one binary
  per year that may exceed the ceiling (at most (1 − quantile) of them);
- ``fairness``: spread of target ÷ potential target (or of achievability);
- ``ratchet``: change on last period's target; ``min_target``/``max_target``.

``relax`` loosens families by a relative amount (for what-if re-solves); the
elastic form gives every family a slack, penalised so that the solver finds the
smallest relaxations that make an infeasible problem feasible.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pulp

from .spec import Constraints, Objective

__all__ = [
    "FAMILIES",
    "TargetProblem",
    "bad_year_allowance",
    "bad_year_cost",
    "build_model",
    "evaluate_choice",
    "objective_values",
]

FAMILIES = (
    "company_number",
    "team_numbers",
    "achievability_low",
    "achievability_high",
    "budget",
    "cost_of_sales",
    "bad_year",
    "fairness",
    "ratchet",
    "min_target",
    "max_target",
)


@dataclass(frozen=True)
class TargetProblem:
    """Everything the MILP needs, as arrays of shape (reps, levels) unless noted."""

    targets: np.ndarray
    revenue: np.ndarray
    margin: np.ndarray
    pay: np.ndarray
    p_target: np.ndarray
    utility: np.ndarray
    upside: np.ndarray
    constraints: Constraints
    objective: Objective
    company_number: float  # resolved (the spec's, or the sum of baselines)
    team: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.intp))  # (reps,)
    team_names: tuple[str, ...] = ()
    last_target: np.ndarray | None = None  # (reps,)
    fair_reference: np.ndarray | None = None  # potential-based target (reps,)
    outside: np.ndarray | None = None  # outside option as utility (reps,)
    scenario_pay: np.ndarray | None = None  # (scenarios, reps, levels)

    @property
    def reps(self) -> int:
        return self.targets.shape[0]

    @property
    def levels(self) -> int:
        return self.targets.shape[1]

    def active(self) -> list[str]:
        """The constraint families this problem switches on."""
        c = self.constraints
        on = {
            "company_number": True,
            "team_numbers": bool(c.team_numbers),
            "achievability_low": c.achievability is not None and c.achievability.low > 0,
            "achievability_high": c.achievability is not None and c.achievability.high < 1,
            "budget": c.budget is not None,
            "cost_of_sales": c.cost_of_sales is not None,
            "bad_year": c.bad_year is not None and self.scenario_pay is not None,
            "fairness": c.fairness is not None,
            "ratchet": c.ratchet is not None and self.last_target is not None,
            "min_target": c.min_target is not None,
            "max_target": c.max_target is not None,
        }
        return [f for f in FAMILIES if on[f]]


def objective_values(p: TargetProblem) -> np.ndarray:
    """Per (rep, level): expected gross profit after incentive, plus motivation terms."""
    o = p.objective
    return p.margin - p.pay + o.achievability_weight * p.p_target + o.upside_weight * p.upside


def _fair_ratio(p: TargetProblem) -> np.ndarray:
    if p.constraints.fairness is not None and p.constraints.fairness.basis == "achievability":
        return p.p_target
    ref = p.fair_reference if p.fair_reference is not None else p.targets.mean(1)
    return p.targets / ref[:, None]


def build_model(
    p: TargetProblem,
    relax: dict[str, float] | None = None,
    elastic: bool = False,
    drop: list[str] | tuple[str, ...] = (),
    exceed: np.ndarray | None = None,
) -> tuple[pulp.LpProblem, dict]:
    """A fresh PuLP model of ``p`` and its variables (``x`` as a (reps, levels) array).

    ``relax[family]`` loosens that family: a share of its bound for amounts, points
    for shares and spreads. ``elastic`` adds a slack per family and minimises
    their sum (same units) instead of maximising profit.
    """
    relax = dict(relax or {})
    c, n, L = p.constraints, p.reps, p.levels
    prob = pulp.LpProblem("targets", pulp.LpMinimize if elastic else pulp.LpMaximize)
    x = np.array(
        [[prob.add_variable(f"x_{i}_{j}", cat="Binary") for j in range(L)] for i in range(n)]
    )
    slack = {}
    active = [f for f in p.active() if f not in drop]

    def loosen(family: str):
        """The family's relaxation: a fixed amount, plus a slack variable when elastic."""
        if elastic and family in active:
            slack[family] = prob.add_variable(f"slack_{family}", lowBound=0)
            return relax.get(family, 0.0) + slack[family]
        return relax.get(family, 0.0)

    def dot(coef: np.ndarray, rows=slice(None)) -> pulp.LpAffineExpression:
        return _affine(x[rows].ravel(), np.asarray(coef)[rows].ravel())

    for i in range(n):
        prob += pulp.lpSum(x[i]) == 1, f"one_level_{i}"

    penalty = []
    if not elastic and p.objective.outside_option_weight > 0 and p.outside is not None:
        for i in range(n):
            s = prob.add_variable(f"short_{i}", lowBound=0)
            prob += s >= float(p.outside[i]) - dot(p.utility, i), f"outside_{i}"
            penalty.append(p.objective.outside_option_weight * s)

    N = p.company_number
    prob += dot(p.targets) >= N * (1 - loosen("company_number")), "company_number"
    prob += dot(p.targets) <= N * (1 + c.overassign), "company_number_cap"
    if "team_numbers" in active:
        r = loosen("team_numbers")
        for t, number in c.team_numbers.items():
            members = np.flatnonzero(p.team == p.team_names.index(t))
            prob += dot(p.targets, members) >= number * (1 - r), f"team_{t}"
            prob += dot(p.targets, members) <= number * (1 + c.overassign), f"team_{t}_cap"
    if "achievability_low" in active:
        prob += (
            dot(p.p_target) >= n * (c.achievability.low - loosen("achievability_low")),
            ("achievability_low"),
        )
    if "achievability_high" in active:
        prob += (
            dot(p.p_target) <= n * (c.achievability.high + loosen("achievability_high")),
            ("achievability_high"),
        )
    if "budget" in active:
        prob += dot(p.pay) <= c.budget * (1 + loosen("budget")), "budget"
    if "cost_of_sales" in active:
        # pay ≤ (cap + r)·revenue; an elastic slack is counted in points of a reference
        # revenue (the mean over levels), which keeps the constraint linear.
        cap = c.cost_of_sales + relax.get("cost_of_sales", 0.0)
        extra = loosen("cost_of_sales") - relax.get("cost_of_sales", 0.0)
        reference = float(p.revenue.mean(1).sum())
        prob += dot(p.pay) - cap * dot(p.revenue) <= extra * reference, "cost_of_sales"
    if "bad_year" in active:
        _bad_year(prob, p, x, loosen("bad_year"), exceed)
    spread = None
    if "fairness" in active or (not elastic and p.objective.fairness_weight > 0):
        ratio = _fair_ratio(p)
        hi, lo = prob.add_variable("fair_high"), prob.add_variable("fair_low")
        for i in range(n):
            prob += hi >= dot(ratio, i), f"fair_high_{i}"
            prob += lo <= dot(ratio, i), f"fair_low_{i}"
        spread = hi - lo
    if "fairness" in active:
        prob += spread <= c.fairness.spread + loosen("fairness"), "fairness"
    if spread is not None and not elastic and p.objective.fairness_weight > 0:
        penalty.append(p.objective.fairness_weight * spread)
    if "ratchet" in active:
        r = c.ratchet + loosen("ratchet")
        for i in range(n):
            last = float(p.last_target[i])
            prob += dot(p.targets, i) <= last * (1 + r), f"ratchet_up_{i}"
            prob += dot(p.targets, i) >= last * (1 - r), f"ratchet_down_{i}"
    if "min_target" in active:
        r = loosen("min_target")
        for i in range(n):
            prob += dot(p.targets, i) >= c.min_target * (1 - r), f"min_target_{i}"
    if "max_target" in active:
        r = loosen("max_target")
        for i in range(n):
            prob += dot(p.targets, i) <= c.max_target * (1 + r), f"max_target_{i}"

    if elastic:
        prob += pulp.lpSum(slack.values()) if slack else pulp.LpAffineExpression(), "relaxation"
    else:
        prob += dot(objective_values(p)) - pulp.lpSum(penalty), "objective"
    return prob, {"x": x, "slack": slack}


def years_allowed_over(years: int, quantile: float) -> int:
    """How many of ``years`` simulated years may pay more than a ``quantile`` ceiling."""
    return int(np.floor((1 - quantile) * years + 1e-9))


def bad_year_cost(totals: np.ndarray, quantile: float) -> float:
    """The bad-year cost as the constraint reads it: the smallest value that at most
    ``years_allowed_over`` years exceed (an order statistic, not an interpolation), so
    a plan meets the constraint exactly when this is at most the ceiling."""
    ordered = np.sort(np.asarray(totals, dtype=float))
    return float(ordered[len(ordered) - years_allowed_over(len(ordered), quantile) - 1])


def bad_year_allowance(p: TargetProblem) -> int:
    """How many simulated years may pay more than the ceiling."""
    return years_allowed_over(p.scenario_pay.shape[0], p.constraints.bad_year.quantile)


def _bad_year(
    prob: pulp.LpProblem, p: TargetProblem, x: np.ndarray, relax, exceed: np.ndarray | None
) -> None:
    """At most (1 − quantile) of simulated years may pay more than the ceiling."""
    bad = p.constraints.bad_year
    sp = p.scenario_pay.astype(float)  # (S, reps, levels)
    S = sp.shape[0]
    worst = sp.max(2).sum(1)  # the most any year could pay
    allowed = bad_year_allowance(p)
    ceiling = bad.ceiling * (1 + relax)  # relax: a number, or a slack expression when elastic
    flat = x.ravel()
    if exceed is not None:  # the restriction: these years are free, the others hard
        for s in np.flatnonzero(~exceed):
            prob += _affine(flat, sp[s].ravel()) <= ceiling, f"bad_year_{s}"
        return
    flags = [prob.add_variable(f"exceeds_{s}", cat="Binary") for s in range(S)]
    for s in range(S):
        big = max(float(worst[s]) - bad.ceiling, 0.0)
        if big == 0.0:
            continue  # this year cannot exceed the ceiling whatever the targets
        prob += _affine(flat, sp[s].ravel()) <= ceiling + big * flags[s], f"bad_year_{s}"
    prob += pulp.lpSum(flags) <= allowed, "bad_year_count"


def _affine(variables: np.ndarray, coef: np.ndarray) -> pulp.LpAffineExpression:
    """sum(coef · variables) built in one go (much faster than summing terms)."""
    keep = coef != 0
    return pulp.LpAffineExpression(
        zip(variables[keep].tolist(), coef[keep].astype(float).tolist(), strict=True)
    )


def evaluate_choice(p: TargetProblem, level: np.ndarray) -> dict[str, float]:
    """The model's statistics for one level per rep (for checks and brute force)."""
    rows = np.arange(p.reps)
    pick = lambda a: a[rows, level]  # noqa: E731
    out = {
        "objective_core": float(pick(objective_values(p)).sum()),
        "targets": float(pick(p.targets).sum()),
        "reps_at_target": float(pick(p.p_target).sum()),
        "expected_pay": float(pick(p.pay).sum()),
        "expected_revenue": float(pick(p.revenue).sum()),
        "expected_margin": float(pick(p.margin).sum()),
    }
    if p.scenario_pay is not None:
        years = p.scenario_pay[:, rows, level].astype(float).sum(1)
        bad = p.constraints.bad_year
        out["bad_year_pay"] = bad_year_cost(years, bad.quantile if bad else 0.9)
    return out
