"""Metrics of a simulated plan, as pandas DataFrames.

Small pure functions on arrays (hand-checkable) and table builders on top.
Attainment metrics use annual attainment per (trial, rep); cost metrics sum
over reps within a trial and then summarise the distribution across trials.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from .rewards import qualification
from .run import SimulationResult, VariantResult

__all__ = [
    "behaviour_metrics",
    "company_metrics",
    "effort_profile",
    "gini",
    "measure_metrics",
    "quota_accuracy",
    "rank_correlation",
    "rep_behaviour",
    "rep_metrics",
    "reward_metrics",
    "reward_qualification",
    "summary_table",
    "team_metrics",
]

QUANTILES = (0.10, 0.50, 0.90)


def gini(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """Gini coefficient of non-negative amounts along ``axis`` (0 = equal, ->1 = one takes all)."""
    x = np.sort(np.moveaxis(np.asarray(x, dtype=float), axis, -1), axis=-1)
    n = x.shape[-1]
    total = x.sum(-1)
    i = np.arange(1, n + 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = (2.0 * (i * x).sum(-1) / (n * total)) - (n + 1.0) / n
    return np.where(total > 0, g, 0.0)


def rank_correlation(a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray:
    """Spearman rank correlation of ``a`` and ``b`` along ``axis`` (ties get average ranks)."""
    ra = rankdata(a, axis=axis)
    rb = rankdata(b, axis=axis)
    ra = ra - ra.mean(axis=axis, keepdims=True)
    rb = rb - rb.mean(axis=axis, keepdims=True)
    den = np.sqrt((ra**2).sum(axis) * (rb**2).sum(axis))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, (ra * rb).sum(axis) / den, np.nan)


def quota_accuracy(attainment: np.ndarray, band: float = 0.2) -> float:
    """Share of attainments within ±``band`` of target (1.0)."""
    a = np.asarray(attainment, dtype=float)
    return float(np.mean(np.abs(a - 1.0) <= band + 1e-12))


def measure_metrics(v: VariantResult) -> pd.DataFrame:
    """Per paid measure: attainment distribution and shares at threshold, target and cap."""
    rows = []
    for m in v.plan.measures:
        a = np.asarray(v.outcome.attainment[m.id], dtype=float)
        q = np.quantile(a, QUANTILES)
        cap_at = m.curve.attainment_at_cap
        rows.append(
            {
                "measure": m.id,
                "level": m.level,
                "weight": m.weight,
                "attainment_mean": a.mean(),
                "attainment_p10": q[0],
                "attainment_p50": q[1],
                "attainment_p90": q[2],
                "share_at_threshold": float(np.mean(a >= m.curve.threshold)),
                "share_at_target": float(np.mean(a >= 1.0)),
                "share_at_cap": float(np.mean(a >= cap_at)) if np.isfinite(cap_at) else 0.0,
                "quota_accuracy": quota_accuracy(a),
                # Period payouts only: the annual true-up is not split by measure.
                "period_payout_per_rep": float(np.mean(v.outcome.payout[m.id])),
            }
        )
    return pd.DataFrame(rows).set_index("measure")


def _trial_totals(v: VariantResult) -> dict[str, np.ndarray]:
    cost = v.outcome.total.astype(float).sum(1)
    revenue = v.actuals["revenue"].astype(float).sum(1)
    margin = v.actuals["gross_margin"].astype(float).sum(1)
    return {"cost": cost, "revenue": revenue, "margin": margin}


def company_metrics(v: VariantResult) -> pd.Series:
    """Company-level cost, cost of sales, pay-for-performance and concentration."""
    t = _trial_totals(v)
    pay = v.outcome.total.astype(float)
    rev = v.actuals["revenue"].astype(float)
    ti = v.plan.pay_mix.target_incentive * pay.shape[1]
    return pd.Series(
        {
            "reps": int(pay.shape[1]),
            "revenue_expected": t["revenue"].mean(),
            "gross_margin_expected": t["margin"].mean(),
            "incentive_cost_expected": t["cost"].mean(),
            "incentive_cost_p90": np.quantile(t["cost"], 0.9),
            "incentive_cost_p95": np.quantile(t["cost"], 0.95),
            "incentive_vs_target_incentive": t["cost"].mean() / ti,
            "cost_of_sales": t["cost"].mean() / t["revenue"].mean(),
            "cost_of_sales_p90": float(np.quantile(t["cost"] / t["revenue"], 0.9)),
            "total_comp_cost_of_sales": (t["cost"].mean() + v.plan.pay_mix.base * pay.shape[1])
            / t["revenue"].mean(),
            "gross_margin_after_incentive": (t["margin"] - t["cost"]).mean(),
            "pay_for_performance": float(np.nanmean(rank_correlation(pay, rev, axis=1))),
            "payout_gini": float(np.mean(gini(pay, axis=1))),
            "true_up_share": float(v.outcome.true_up.sum() / max(pay.sum(), 1e-12)),
            "weighted_attainment_mean": float(np.mean(v.outcome.weighted_attainment)),
        },
        name=v.name,
    )


def team_metrics(result: SimulationResult, variant: str = "base") -> pd.DataFrame:
    """Per team: expected revenue, incentive, cost of sales, share of reps at target."""
    v = result.variants[variant]
    pop = result.population
    rows = []
    for team in pop.team_names:
        members = pop.team == team
        rev = v.actuals["revenue"][:, members].astype(float).sum(1)
        cost = v.outcome.total[:, members].astype(float).sum(1)
        rows.append(
            {
                "team": team,
                "reps": int(members.sum()),
                "revenue_expected": rev.mean(),
                "incentive_expected": cost.mean(),
                "cost_of_sales": cost.mean() / rev.mean(),
                "share_at_target": float(np.mean(v.outcome.weighted_attainment[:, members] >= 1.0)),
            }
        )
    return pd.DataFrame(rows).set_index("team")


def reward_qualification(result: SimulationResult, variant: str = "base") -> dict[str, np.ndarray]:
    """Per reward, a (trials, reps) boolean array of who qualifies."""
    v = result.variants[variant]
    return qualification(
        v.plan.rewards, v.outcome.weighted_attainment, result.population.tenure_years
    )


def reward_metrics(result: SimulationResult, variant: str = "base") -> pd.DataFrame:
    """Per rep, the probability of qualifying for each non-monetary reward."""
    pop = result.population
    q = reward_qualification(result, variant)
    df = pd.DataFrame({"rep": pop.name, "team": pop.team})
    for name, arr in q.items():
        df[name] = arr.mean(0)
    return df.set_index("rep")


def rep_metrics(result: SimulationResult, variant: str = "base") -> pd.DataFrame:
    """Per rep: targets, expected outcomes, chance of reaching target, payout spread."""
    v = result.variants[variant]
    pop = result.population
    pay = v.outcome.total.astype(float)
    q = np.quantile(pay, QUANTILES, axis=0)
    df = pd.DataFrame(
        {
            "rep": pop.name,
            "team": pop.team,
            "ability": pop.ability,
            "potential": pop.potential_index,
            "tenure_years": pop.tenure_years,
            "revenue_expected": v.actuals["revenue"].astype(float).mean(0),
        }
    )
    for m in v.plan.measures:
        df[f"target_{m.id}"] = (
            v.outcome.targets[m.id].sum(1) if m.additive else v.outcome.targets[m.id][:, 0]
        )
        df[f"p_target_{m.id}"] = np.mean(v.outcome.attainment[m.id] >= 1.0, axis=0)
    df["payout_expected"] = pay.mean(0)
    df["payout_p10"], df["payout_p50"], df["payout_p90"] = q
    df["ote_expected"] = v.plan.pay_mix.base + df["payout_expected"]
    for name, arr in reward_qualification(result, variant).items():
        df[f"p_{name}"] = arr.mean(0)
    return df.set_index("rep")


def summary_table(result: SimulationResult) -> pd.DataFrame:
    """One row per plan variant: the headline numbers leadership compares.

    Achievability is read on the base plan's first measure (NaN for a variant
    that does not pay on it) and on weighted attainment across all measures.
    """
    first = result.base.plan.measures[0].id
    rows = []
    for name, v in result.variants.items():
        c = company_metrics(v)
        at = v.outcome.attainment.get(first)
        rows.append(
            {
                "variant": name,
                "plan": v.plan.name,
                "revenue_expected": c["revenue_expected"],
                "incentive_cost_expected": c["incentive_cost_expected"],
                "incentive_cost_p90": c["incentive_cost_p90"],
                "cost_of_sales": c["cost_of_sales"],
                "gross_margin_after_incentive": c["gross_margin_after_incentive"],
                f"share_at_target_{first}": float(np.mean(at >= 1.0)) if at is not None else np.nan,
                "share_weighted_attainment_at_target": float(
                    np.mean(v.outcome.weighted_attainment >= 1.0)
                ),
                "pay_for_performance": c["pay_for_performance"],
                "payout_gini": c["payout_gini"],
            }
        )
    return pd.DataFrame(rows).set_index("variant")


def behaviour_metrics(v: VariantResult) -> pd.Series:
    """How reps responded to a plan: effort, deal timing, attrition (per year, expected)."""
    zero = np.zeros_like(v.actuals["revenue"])
    a = {k: v.actuals.get(k, zero) for k in ("pulled_in", "pushed_out", "timing_discount", "left")}
    pay_mix = v.plan.pay_mix
    b = v.behaviour
    if b is None:  # fixed effort: 1.0 in every first, middle and last month the plan has
        per = 12 // v.plan.periods
        by_pos = np.where([per > 1, per > 2, True], 1.0, np.nan)
    else:
        eb = v.effort_by_progress.sum(0)  # (2, positions, bins)
        counts = eb[1].sum(-1)
        with np.errstate(divide="ignore", invalid="ignore"):
            by_pos = np.where(counts > 0, eb[0].sum(-1) / counts, np.nan)  # NaN: no such month
    leavers = float(a["left"].sum(1).mean())
    replacement = b.spec.retention.replacement_cost if b is not None else 0.0
    return pd.Series(
        {
            "effort_annual_mean": float(b.response.effort.mean()) if b is not None else 1.0,
            "reps_at_effort_bound": int(b.response.at_bound.sum()) if b is not None else 0,
            "effort_first_month": by_pos[0],
            "effort_last_month": by_pos[2],
            "last_month_bookings_share": _last_month_share(v),
            "revenue_pulled_in": float(a["pulled_in"].sum(1).mean()),
            "revenue_pushed_out": float(a["pushed_out"].sum(1).mean()),
            "timing_discount_cost": float(a["timing_discount"].sum(1).mean()),
            "leavers_expected": leavers,
            "attrition_cost": leavers * replacement * pay_mix.ote,
        },
        name=v.name,
    )


def _last_month_share(v: VariantResult) -> float:
    """Share of bookings that close in the last month of a plan period."""
    per = 12 // v.plan.periods
    book = v.bookings_by_month.mean(0)
    return float(book[per - 1 :: per].sum() / max(book.sum(), 1e-12))


def effort_profile(v: VariantResult) -> pd.DataFrame:
    """Mean effort by attainment to date, in the first, middle and last month of a period."""
    from .run import PROGRESS_BINS

    eb = v.effort_by_progress.sum(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(eb[1] > 0, eb[0] / eb[1], np.nan)
    return pd.DataFrame(
        mean.T,
        index=pd.Index(PROGRESS_BINS, name="attainment_to_date"),
        columns=["first_month", "middle_month", "last_month"],
    )


def rep_behaviour(result: SimulationResult, variant: str = "base") -> pd.DataFrame:
    """Per rep: chosen effort, achievability, fairness of the target and the pull of the
    outside option (when the behaviour model is on)."""
    v = result.variants[variant]
    pop = result.population
    first = v.plan.measures[0]
    target = (
        v.outcome.targets[first.id].sum(1) if first.additive else v.outcome.targets[first.id][:, 0]
    )
    load = target / pop.potential_index  # target per unit of territory potential
    df = pd.DataFrame(
        {
            "rep": pop.name,
            "team": pop.team,
            "achievability": np.mean(v.outcome.attainment[first.id] >= 1.0, axis=0),
            "fairness_index": load / load.mean(),
            "left_share": v.actuals["left"].mean(0) if "left" in v.actuals else 0.0,
        }
    )
    b = v.behaviour
    if b is not None:
        r = b.response
        df["effort"] = r.effort
        for task, mult in r.task.items():
            df[f"effort_{task}"] = mult
        df["certainty_equivalent"] = r.ce
        df["utility"] = r.utility
        if b.option is not None:
            df["outside_option"] = b.option
        if b.p_leave is not None:
            df["p_leave"] = b.p_leave
    return df.set_index("rep")
