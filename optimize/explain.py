"""Why the optimiser chose what it chose, in business words.

- :func:`binding`: re-solve with each constraint loosened by a stated step and
  report what that would buy (MILPs have no useful duals; a re-solve is honest);
- :func:`relaxation`: for an infeasible problem, the smallest relaxations that
  make it feasible (the elastic model), one sentence each;
- :func:`rationale`: for each rep, why this target;
- :func:`team_tradeoff`: why this team share: the effort it costs (free-riding),
  the help it buys, and what both do to cost, achievability and profit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.measures import COLLABORATION_MEASURES, MEASURES
from sim.money import money_amount, money_text
from sim.scenario import Scenario

from .model import TargetProblem, evaluate_choice
from .solve import Solution

__all__ = [
    "STEPS",
    "binding",
    "describe_relaxation",
    "rationale",
    "relaxation",
    "target_currency",
    "team_pay_share",
    "team_tradeoff",
    "usage",
]

#: How far each family is loosened to see what relaxing it buys.
STEPS = {
    "company_number": (0.02, "company number 2% lower"),
    "team_numbers": (0.02, "team numbers 2% lower"),
    "achievability_low": (0.05, "achievability floor 5 points lower"),
    "achievability_high": (0.05, "achievability ceiling 5 points higher"),
    "budget": (0.05, "budget 5% higher"),
    "cost_of_sales": (0.005, "cost-of-sales cap 0.5 points higher"),
    "bad_year": (0.05, "bad-year ceiling 5% higher"),
    "fairness": (0.05, "fairness spread 0.05 wider"),
    "ratchet": (0.05, "year-on-year limit 5 points wider"),
    "min_target": (0.05, "minimum target 5% lower"),
    "max_target": (0.05, "maximum target 5% higher"),
}


def target_currency(scenario: Scenario, primary: str) -> str | None:
    """The currency the primary measure's targets are in, or None when it counts something
    other than money (accounts, units)."""
    name = scenario.plan.measure(primary).name
    return scenario.currency if MEASURES[name].unit == "currency" else None


def _amount(x: float, currency: str | None) -> str:
    """A target-sized amount: money in ``currency``, or a count when targets are not money."""
    return money_amount(x, currency) if currency else f"{x:,.0f}"


def usage(
    p: TargetProblem,
    level: np.ndarray,
    currency: str = "USD",
    target_currency: str | None = "USD",
) -> dict[str, tuple[float, str]]:
    """Each active family's value at the chosen levels and its limit, for people: pay in
    ``currency``, targets in ``target_currency`` (None when the primary measure counts
    something other than money)."""
    c, e, n = p.constraints, evaluate_choice(p, level), p.reps
    rows = np.arange(n)
    chosen = p.targets[rows, level]
    out = {
        "company_number": (e["targets"], f"≥ {_amount(p.company_number, target_currency)}"),
        "achievability_low": (e["reps_at_target"] / n, f"≥ {c.achievability.low:.0%}")
        if c.achievability
        else None,
        "achievability_high": (e["reps_at_target"] / n, f"≤ {c.achievability.high:.0%}")
        if c.achievability
        else None,
        "budget": (e["expected_pay"], f"≤ {money_amount(c.budget, currency)}")
        if c.budget
        else None,
        "cost_of_sales": (
            e["expected_pay"] / e["expected_revenue"],
            f"≤ {c.cost_of_sales:.2%}",
        )
        if c.cost_of_sales
        else None,
        "bad_year": (
            e.get("bad_year_pay", np.nan),
            f"≤ {money_amount(c.bad_year.ceiling, currency)}",
        )
        if c.bad_year
        else None,
        "ratchet": (
            float(np.max(np.abs(chosen / p.last_target - 1))),
            f"≤ {c.ratchet:.0%} change",
        )
        if c.ratchet is not None and p.last_target is not None
        else None,
        "min_target": (float(chosen.min()), f"≥ {_amount(c.min_target, target_currency)}")
        if c.min_target
        else None,
        "max_target": (float(chosen.max()), f"≤ {_amount(c.max_target, target_currency)}")
        if c.max_target
        else None,
    }
    return {k: v for k, v in out.items() if v is not None}


def binding(
    p: TargetProblem,
    solution: Solution,
    resolve,
    currency: str = "USD",
    target_currency: str | None = "USD",
) -> pd.DataFrame:
    """One row per active constraint: its value and limit at the chosen plan, and the
    objective gained by loosening it one step (``resolve([relax, ...]) -> [Solution]``);
    limits in words as :func:`usage` gives them."""
    used = usage(p, solution.level, currency, target_currency)
    rows = []
    families = p.active()
    answers = resolve([{f: STEPS[f][0]} for f in families])
    tolerance = max(abs(solution.objective or 0.0) * max(solution.gap or 0.0, 1e-6), 1e-6)
    for f, ans in zip(families, answers, strict=True):
        gain = (ans.objective - solution.objective) if ans.ok else np.nan
        value, limit = used.get(f, (np.nan, ""))
        rows.append(
            {
                "constraint": f,
                "value": value,
                "limit": limit,
                "relaxed": STEPS[f][1],
                "objective_gain": gain,
                "binding": bool(gain > tolerance) if np.isfinite(gain) else False,
            }
        )
    return pd.DataFrame(rows)


_WORDS = {
    "company_number": "the company number must come down {pct}: the other limits do not "
    "allow targets that add up to it",
    "team_numbers": "the team numbers must come down {pct}: the other limits do not allow "
    "targets that add up to them",
    "achievability_low": "the achievability floor must come down {pts} points",
    "achievability_high": "the achievability ceiling must go up {pts} points",
    "budget": "the incentive budget must grow {pct}",
    "cost_of_sales": "the cost-of-sales cap must rise {pts} points",
    "bad_year": "the bad-year ceiling must rise {pct}",
    "fairness": "the fairness spread must widen by {abs}",
    "ratchet": "the year-on-year limit must widen by {pts} points",
    "min_target": "the minimum target must come down {pct}",
    "max_target": "the maximum target must go up {pct}",
}


def describe_relaxation(family: str, amount: float) -> str:
    """One relaxation in business words."""
    return _WORDS[family].format(
        pct=f"{amount:.1%}", pts=f"{100 * amount:.1f}", abs=f"{amount:.3f}"
    )


def relaxation(solution: Solution) -> pd.DataFrame:
    """The elastic model's answer: the smallest relaxations that make the problem feasible."""
    rows = [
        {"constraint": f, "relax_by": v, "in_words": describe_relaxation(f, v)}
        for f, v in solution.slack.items()
        if v > 1e-7
    ]
    return pd.DataFrame(rows, columns=["constraint", "relax_by", "in_words"])


def _versus(change: float) -> str:
    if abs(change) < 0.005:
        return "level with"
    return f"{abs(change):.0%} {'above' if change > 0 else 'below'}"


def rationale(
    p: TargetProblem,
    level: np.ndarray,
    names,
    teams,
    baseline: np.ndarray,
    potential: np.ndarray,
    multipliers: np.ndarray,
    basis: str,
) -> pd.DataFrame:
    """Per rep: the target, where it comes from, and what it means for them."""
    rows = np.arange(p.reps)
    target = p.targets[rows, level]
    last = p.last_target if p.last_target is not None else np.full(p.reps, np.nan)
    df = pd.DataFrame(
        {
            "rep": list(names),
            "team": list(teams),
            "baseline": baseline,
            "potential_index": potential,
            "last_target": last,
            "target": target,
            "vs_baseline": multipliers[level] - 1,
            "change_on_last": target / last - 1,
            "p_target": p.p_target[rows, level],
            "expected_revenue": p.revenue[rows, level],
            "expected_pay": p.pay[rows, level],
            "utility": p.utility[rows, level],
            "outside_option": p.outside if p.outside is not None else np.nan,
        }
    )
    lo, hi = 0, p.levels - 1
    why = []
    for i, r in df.iterrows():
        parts = [f"target {_versus(r.vs_baseline)} the {basis} baseline"]
        if np.isfinite(r.change_on_last):
            parts.append(f"{_versus(r.change_on_last)} last period's target")
        parts.append(f"{r.p_target:.0%} chance of reaching it")
        if level[i] == lo:
            parts.append("lowest level offered")
        elif level[i] == hi:
            parts.append("highest level offered")
        if p.outside is not None and r.utility < r.outside_option:
            parts.append("worth less to the rep than their outside option")
        why.append("; ".join(parts))
    df["why"] = why
    return df


def team_pay_share(plan) -> float:
    """Share of the target incentive a plan pays on team or collaboration results
    (:data:`sim.measures.COLLABORATION_MEASURES`: co-selling, help, referrals and the
    assessed score)."""
    return float(
        sum(
            m.weight for m in plan.measures if m.level == "team" or m.name in COLLABORATION_MEASURES
        )
    )


def _referrals_bought(lo: pd.Series, hi: pd.Series) -> str:
    """The referrals a year the shape with team and collaboration pay adds, when the
    scenario declares referrals (the ``referrals`` column); else nothing."""
    if "referrals" not in lo.index or pd.isna(lo["referrals"]) or pd.isna(hi["referrals"]):
        return ""
    change = hi["referrals"] - lo["referrals"]
    if abs(change) < 0.05:  # the same help, the same referrals: nothing to say
        return ""
    return f" and {'adds' if change >= 0 else 'loses'} {abs(change):,.1f} referrals a year"


def team_tradeoff(shapes: pd.DataFrame, chosen: str, currency: str = "USD") -> str | None:
    """Why the chosen shape pays what it pays on team and collaboration results, in
    one sentence: set against the best feasible shape on the other side (without
    such pay when the chosen one has it, with it when not).

    ``shapes`` is the optimiser's table of shapes (``team_pay``, ``mean_effort``,
    ``help_revenue``, ``referrals`` …); None when the menu offered no choice between the two."""
    if "team_pay" not in shapes:
        return None
    ok = shapes[shapes["status"].isin(["optimal", "feasible"])]
    row = ok.loc[ok["shape"] == chosen].iloc[0]
    paid = row["team_pay"] > 1e-9
    others = ok[(ok["team_pay"] > 1e-9) != paid]
    if others.empty:
        return None
    other = others.loc[others["objective"].idxmax()]
    lo, hi = (other, row) if paid else (row, other)
    effort = hi["mean_effort"] / lo["mean_effort"] - 1
    help_ = hi.get("help_revenue", 0.0) - lo.get("help_revenue", 0.0)
    revenue = hi["expected_revenue"] / lo["expected_revenue"] - 1
    profit = row["expected_profit"] - other["expected_profit"]
    what = (
        f"{'costs' if effort < 0 else 'adds'} {abs(effort):.1%} of individual effort "
        f"(free-riding on team-mates) and buys {money_text(max(help_, 0.0), currency)} of "
        "team-mates' revenue "
        f"in help{_referrals_bought(lo, hi)}; revenue moves {revenue:+.1%}, cost of sales {lo['cost_of_sales']:.2%} → "
        f"{hi['cost_of_sales']:.2%}, reps at target {lo['share_at_target']:.0%} → "
        f"{hi['share_at_target']:.0%}"
    )
    verdict = f"expected profit {profit:+,.0f} and objective {row['objective'] - other['objective']:+,.0f}"
    if paid:
        return (
            f"{hi['team_pay']:.0%} of pay on team and collaboration results ({chosen}) against "
            f"the best shape without ({other['shape']}): it {what}; {verdict}, so the "
            "optimiser chose it."
        )
    return (
        f"No pay on team or collaboration results: the best shape with "
        f"{hi['team_pay']:.0%} of it ({other['shape']}) {what}; against it the chosen shape "
        f"has {verdict}, so the optimiser kept pay individual."
    )
