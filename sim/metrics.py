"""Metrics of a simulated plan, as pandas DataFrames.

Small pure functions on arrays (hand-checkable) and table builders on top.
Attainment metrics use annual attainment per (trial, rep); cost metrics sum
over reps within a trial and then summarise the distribution across trials.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from .rewards import qualification
from .run import SimulationResult, VariantResult
from .summary import QUOTA_BAND, VariantSummary, gini, rank_correlation, within_band

__all__ = [
    "BEHAVIOUR_KEYS",
    "METRICS",
    "METRIC_BY_KEY",
    "QUOTA_BAND",
    "Metric",
    "SUMMARY_KEYS",
    "behaviour_metrics",
    "company_table",
    "company_metrics",
    "effort_profile",
    "gini",
    "measure_metrics",
    "quantile_pseudo",
    "ratio_pseudo",
    "quota_accuracy",
    "rank_correlation",
    "rep_behaviour",
    "rep_metrics",
    "reward_metrics",
    "reward_qualification",
    "spread_pseudo",
    "summary_table",
    "team_metrics",
    "variant_metrics",
    "variant_summary",
    "within_band",
    "yearly_metrics",
]

QUANTILES = (0.10, 0.50, 0.90)


def quota_accuracy(attainment: np.ndarray, band: float = QUOTA_BAND) -> float:
    """Share of attainments within ±``band`` of target (1.0)."""
    return float(np.mean(within_band(attainment, band)))


def variant_summary(v: VariantResult) -> VariantSummary:
    """The bounded summary of a variant every metric reads (see :mod:`sim.summary`)."""
    assert v.summary is not None  # made from the arrays when a result is built without one
    return v.summary


def measure_metrics(v: VariantResult) -> pd.DataFrame:
    """Per paid measure: attainment distribution and shares at threshold, target and cap.

    Quantiles come from the pooled attainment sketch (within 1% of the exact ones)."""
    s = variant_summary(v)
    rep_years = s.trials * s.reps
    rows = []
    for m in v.plan.measures:
        q = s.attainment_sketch[m.id].quantile
        cap_at = m.curve.attainment_at_cap

        def share(key: str, mid: str = m.id) -> float:
            return float(s.per_rep[f"{key}:{mid}"].sum() / rep_years)

        rows.append(
            {
                "measure": m.id,
                "level": m.level,
                "weight": m.weight,
                "attainment_mean": share("attainment"),
                "attainment_p10": float(q(QUANTILES[0])),
                "attainment_p50": float(q(QUANTILES[1])),
                "attainment_p90": float(q(QUANTILES[2])),
                "share_at_threshold": share("at_threshold"),
                "share_at_target": share("at_target"),
                "share_at_cap": share("at_cap") if np.isfinite(cap_at) else 0.0,
                "quota_accuracy": share("in_band"),
                # Period payouts only: the annual true-up is not split by measure.
                "period_payout_per_rep": share("payout"),
            }
        )
    return pd.DataFrame(rows).set_index("measure")


@dataclass(frozen=True)
class Metric:
    """One company metric: its key (in CSV and JSON), the label a reader sees, how its
    numbers read (``money``, ``percent``, ``number`` or ``count``) and what it measures."""

    key: str
    label: str
    kind: str
    meaning: str


#: Every company metric, in report order. Each is defined once, per simulated year, by
#: :func:`yearly_metrics`; the company figure is the mean over years.
METRICS: tuple[Metric, ...] = (
    Metric("revenue_expected", "Revenue", "money", "expected revenue of the team per year"),
    Metric(
        "gross_margin_expected",
        "Gross profit",
        "money",
        "expected gross profit (margin after discounts) per year",
    ),
    Metric(
        "gross_margin_after_incentive",
        "Gross profit after incentive",
        "money",
        "gross profit less the incentive paid",
    ),
    Metric(
        "incentive_cost_expected", "Incentive cost", "money", "expected incentive paid per year"
    ),
    Metric(
        "incentive_cost_p90",
        "Incentive cost, bad year (P90)",
        "money",
        "incentive paid in a bad year (90th percentile)",
    ),
    Metric(
        "incentive_cost_p95",
        "Incentive cost, P95",
        "money",
        "incentive paid in one year out of twenty (95th percentile)",
    ),
    Metric(
        "incentive_vs_target_incentive",
        "Incentive paid vs target incentive",
        "percent",
        "incentive paid as a share of the target incentive of every rep",
    ),
    Metric("cost_of_sales", "Cost of sales", "percent", "incentive paid per unit of revenue"),
    Metric(
        "cost_of_sales_p90",
        "Cost of sales, bad year (P90)",
        "percent",
        "cost of sales in a bad year (90th percentile across years)",
    ),
    Metric(
        "total_comp_cost_of_sales",
        "Total pay cost of sales",
        "percent",
        "base salary and incentive per unit of revenue",
    ),
    Metric(
        "share_at_threshold",
        "Reps at threshold",
        "percent",
        "share of rep-years at or above the first measure's threshold",
    ),
    Metric(
        "share_at_target",
        "Reps at target",
        "percent",
        "share of rep-years at or above the first measure's target",
    ),
    Metric(
        "share_at_cap", "Reps at cap", "percent", "share of rep-years at the first measure's cap"
    ),
    Metric(
        "share_weighted_at_target",
        "Reps at target (all measures)",
        "percent",
        "share of rep-years with weighted attainment at or above target",
    ),
    Metric(
        "weighted_attainment_mean",
        "Mean attainment (all measures)",
        "percent",
        "mean weighted attainment of a rep-year",
    ),
    Metric(
        "quota_accuracy",
        "Quota accuracy",
        "percent",
        "share of rep-years within ±20% of the first measure's target",
    ),
    Metric(
        "pay_for_performance",
        "Pay for performance",
        "number",
        "rank correlation of payout with revenue across reps (1 = perfectly aligned)",
    ),
    Metric(
        "payout_gini",
        "Payout concentration (Gini)",
        "number",
        "concentration of payout across reps (0 = equal, 1 = one rep takes all)",
    ),
    Metric(
        "true_up_share",
        "Paid at year-end true-up",
        "percent",
        "share of the incentive paid by the annual true-up",
    ),
    Metric(
        "achievability_spread",
        "Spread of achievability",
        "percent",
        "spread across reps of the chance of reaching target",
    ),
    Metric(
        "fairness_spread",
        "Spread of target load",
        "number",
        "spread across reps of target per unit of territory potential (1.0 = average)",
    ),
    Metric(
        "leavers_expected",
        "Expected leavers",
        "count",
        "reps expected to leave in the year (behaviour model)",
    ),
    Metric(
        "attrition_cost",
        "Attrition cost",
        "money",
        "replacement cost of the reps who leave (behaviour model)",
    ),
    Metric(
        "revenue_pulled_in",
        "Revenue pulled in",
        "money",
        "revenue pulled into a period from the next (behaviour model)",
    ),
    Metric(
        "revenue_pushed_out",
        "Revenue pushed out",
        "money",
        "revenue pushed out of a period into the next (behaviour model)",
    ),
    Metric(
        "revenue_moved",
        "Revenue moved across period ends",
        "money",
        "revenue pulled in or pushed out across period ends (behaviour model)",
    ),
    Metric(
        "timing_discount_cost",
        "Discount to pull deals in",
        "money",
        "discount given to pull deals in: the timing game's cost (behaviour model)",
    ),
    Metric(
        "double_credit",
        "Revenue credited twice",
        "money",
        "revenue credited to reps beyond what was booked (double credit of account teams)",
    ),
    Metric(
        "co_sold_revenue",
        "Co-sold revenue",
        "money",
        "revenue credited on deals of other sales teams' accounts",
    ),
    Metric(
        "help_given",
        "Bookings from help",
        "money",
        "bookings team-mates' help added (behaviour model; in the pipeline engine, by co-selling)",
    ),
    Metric(
        "co_sell_opportunities",
        "Opportunities co-sold",
        "count",
        "other reps' opportunities specialists joined per year (pipeline engine)",
    ),
    Metric(
        "co_sell_days",
        "Days co-selling",
        "number",
        "slot-days specialists held on other reps' deals per year: capacity taken from their "
        "own pipeline (pipeline engine)",
    ),
    Metric(
        "co_sellers_revenue",
        "Co-sellers' own revenue",
        "money",
        "revenue co-selling specialists booked on their own deals: what their help costs them "
        "shows as its fall against a plan with less help (pipeline engine)",
    ),
    Metric(
        "referrals",
        "Referrals that became opportunities",
        "count",
        "leads passed to other sales teams that became opportunities ([market.referrals])",
    ),
)

#: Metrics that only move when reps respond to the plan (the behaviour model is on).
BEHAVIOUR_KEYS = frozenset(
    {
        "leavers_expected",
        "attrition_cost",
        "revenue_pulled_in",
        "revenue_pushed_out",
        "revenue_moved",
        "timing_discount_cost",
        "help_given",
    }
)
METRIC_BY_KEY: dict[str, Metric] = {m.key: m for m in METRICS}


def ratio_pseudo(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """Per-year values of ``mean(num) / mean(den)``, linearised: ``R + (N_t - R·D_t) / mean(D)``.

    Their mean is the ratio exactly; their spread gives its standard error (delta method).
    """
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    d = den.mean()
    r = num.mean() / d
    return r + (num - r * den) / d


def quantile_pseudo(x: np.ndarray, p: float) -> np.ndarray:
    """Per-year values of the ``p`` quantile of ``x``: its influence function
    ``q + (p - 1[x_t <= q]) / f(q)``, centred so that their mean is the quantile exactly.

    The density at the quantile comes from a Gaussian kernel with Silverman's
    bandwidth (at least that of one sample's share spread over the range); a sample
    with no spread gives the quantile itself every year.
    """
    x = np.asarray(x, dtype=float)
    q = float(np.quantile(x, p))
    n = x.size
    sd = x.std(ddof=1) if n > 1 else 0.0
    iqr = float(np.subtract(*np.quantile(x, [0.75, 0.25])))
    scale = min(sd, iqr / 1.349) if iqr > 0 else sd
    if n < 2 or scale <= 0:
        return np.full(n, q)
    h = 0.9 * scale * n ** (-0.2)
    f = float(norm.pdf((q - x) / h).mean() / h)
    # A quantile in a gap between far-apart values: the kernel estimate is no lower than a
    # uniform spread over the sample's range (else the values would lose the quantile).
    span = float(x.max() - x.min())
    if span > 0:
        f = max(f, 1.0 / (n * span))
    step = (p - (x <= q)) / f
    return q + (step - step.mean())


def spread_pseudo(hits: np.ndarray) -> np.ndarray:
    """Per-year values of the spread (population SD) across reps of per-rep hit rates.

    ``hits`` is (years, reps) of 0/1; the mean of the result is the SD of the
    column means.
    """
    hits = np.asarray(hits, dtype=float)
    p = hits.mean(0)
    s = p.std()
    if s <= 0:
        return np.full(hits.shape[0], s)
    return s + ((hits - p) @ (p - p.mean())) / (p.size * s)


def spread_of_hits(s: VariantSummary, mid: str, rows: int = 4096) -> np.ndarray:
    """:func:`spread_pseudo` of who reached target on ``mid``, read from the summary's
    bits a few thousand trials at a time (never the whole trials x reps array)."""
    p = s.mean(f"at_target:{mid}")
    sd = p.std()
    if sd <= 0:
        return np.full(s.trials, sd)
    w = p - p.mean()
    out = np.empty(s.trials)
    for lo in range(0, s.trials, rows):
        hits = s.hit_rows(mid, lo, lo + rows).astype(float)
        out[lo : lo + len(hits)] = sd + ((hits - p) @ w) / (p.size * sd)
    return out


def _annual_targets(v: VariantResult, mid: str) -> np.ndarray:
    m = v.plan.measure(mid)
    t = variant_summary(v).targets[mid]
    return t.sum(1) if m.additive else t[:, 0]


def yearly_metrics(
    v: VariantResult, measure: str | None = None, potential: np.ndarray | None = None
) -> pd.DataFrame:
    """Every company metric of :data:`METRICS` per simulated year, one row per year.

    The one definition of each metric: sums and shares over reps are per-year values
    as they stand; ratios of means and quantiles are written as per-year pseudo-values
    (:func:`ratio_pseudo`, :func:`quantile_pseudo`) whose mean is the metric, so the
    company figure is the mean of a column and a comparison's interval comes from the
    per-year differences. Shares of reps read ``measure`` (default: the plan's first
    measure; NaN when the plan does not pay on it); the fairness spread needs each rep's
    territory ``potential`` (NaN without it). Behaviour metrics are zero when reps do
    not respond to the plan.
    """
    s = variant_summary(v)
    y = s.yearly
    years, reps = s.trials, s.reps
    c, r, g = y["cost"], y["revenue"], y["margin"]
    mix = v.plan.pay_mix
    pulled, pushed, discount, leavers = (
        y[k] for k in ("pulled_in", "pushed_out", "timing_discount", "left")
    )
    replacement = v.behaviour.spec.retention.replacement_cost if v.behaviour is not None else 0.0
    p4p = y["pay_for_performance"]
    p4p = np.where(np.isnan(p4p), np.nanmean(p4p) if np.isfinite(p4p).any() else 0.0, p4p)

    mid = v.plan.measures[0].id if measure is None else measure
    nan = np.full(years, np.nan)
    shares = dict.fromkeys(
        ("share_at_threshold", "share_at_target", "share_at_cap", "quota_accuracy"), nan
    )
    achievability = fairness = nan
    if mid in v.plan.measure_ids:
        shares = {
            "share_at_threshold": y[f"at_threshold:{mid}"],
            "share_at_target": y[f"at_target:{mid}"],
            "share_at_cap": y[f"at_cap:{mid}"],
            "quota_accuracy": y[f"in_band:{mid}"],
        }
        achievability = spread_of_hits(s, mid)
        if potential is not None:
            load = _annual_targets(v, mid) / np.asarray(potential, dtype=float)
            spread = float((load / load.mean()).std())
            fairness = np.full(years, spread if spread > 1e-12 else 0.0)  # rounding noise is 0
    values = {
        "revenue_expected": r,
        "gross_margin_expected": g,
        "gross_margin_after_incentive": g - c,
        "incentive_cost_expected": c,
        "incentive_cost_p90": quantile_pseudo(c, 0.9),
        "incentive_cost_p95": quantile_pseudo(c, 0.95),
        "incentive_vs_target_incentive": c / (mix.target_incentive * reps),
        "cost_of_sales": ratio_pseudo(c, r),
        "cost_of_sales_p90": quantile_pseudo(c / r, 0.9),
        "total_comp_cost_of_sales": ratio_pseudo(c + mix.base * reps, r),
        **shares,
        "share_weighted_at_target": y["weighted_at_target"],
        "weighted_attainment_mean": y["weighted_attainment"],
        "pay_for_performance": p4p,
        "payout_gini": y["payout_gini"],
        "true_up_share": ratio_pseudo(y["true_up"], c) if c.sum() > 0 else np.zeros(years),
        "achievability_spread": achievability,
        "fairness_spread": fairness,
        "leavers_expected": leavers,
        "attrition_cost": leavers * replacement * mix.ote,
        "revenue_pulled_in": pulled,
        "revenue_pushed_out": pushed,
        "revenue_moved": pulled + pushed,
        "timing_discount_cost": discount,
        "double_credit": y["credited_revenue"] - r,
        "co_sold_revenue": y["co_sold"],
        "help_given": y["help_given"],
        "referrals": y["referrals"],
        "co_sell_opportunities": y.get("co_sell_deals", np.zeros(years)),
        "co_sell_days": y.get("co_sell_days", np.zeros(years)),
        "co_sellers_revenue": y.get("co_sellers_revenue", np.zeros(years)),
    }
    return pd.DataFrame(values, index=pd.RangeIndex(years, name="trial"))[[k.key for k in METRICS]]


def company_metrics(
    v: VariantResult, measure: str | None = None, potential: np.ndarray | None = None
) -> pd.Series:
    """Company figures of a variant: the mean over simulated years of :func:`yearly_metrics`."""
    return yearly_metrics(v, measure, potential).mean().rename(v.name)


def variant_metrics(result: SimulationResult, name: str) -> pd.DataFrame:
    """:func:`yearly_metrics` of one variant of a run, as every comparison reads them:
    shares on the base plan's first measure, fairness on the team's territory potential."""
    return yearly_metrics(
        result.variants[name],
        result.base.plan.measures[0].id,
        result.population.potential_index,
    )


def team_metrics(result: SimulationResult, variant: str = "base") -> pd.DataFrame:
    """Per team: expected revenue, incentive, cost of sales, share of reps at target."""
    v = result.variants[variant]
    s = variant_summary(v)
    pop = result.population
    y = s.yearly
    if "team_revenue" not in y:  # a summary made without the team: sum the arrays
        members = [pop.team == t for t in pop.team_names]
        rev = v.actuals["revenue"].astype(float)
        pay = v.outcome.total.astype(float)
        y = {
            "team_revenue": np.stack([rev[:, m].sum(1) for m in members], axis=1),
            "team_cost": np.stack([pay[:, m].sum(1) for m in members], axis=1),
        }
    at_target = s.per_rep["weighted_at_target"]
    rows = []
    for i, team in enumerate(pop.team_names):
        members = pop.team == team
        rev, cost = y["team_revenue"][:, i], y["team_cost"][:, i]
        rows.append(
            {
                "team": team,
                "reps": int(members.sum()),
                "revenue_expected": rev.mean(),
                "incentive_expected": cost.mean(),
                "cost_of_sales": cost.mean() / rev.mean(),
                "share_at_target": float(at_target[members].sum() / (s.trials * members.sum())),
            }
        )
    return pd.DataFrame(rows).set_index("team")


def reward_qualification(result: SimulationResult, variant: str = "base") -> dict[str, np.ndarray]:
    """Per reward, a (trials, reps) boolean array of who qualifies (a run that kept
    its per-(trial, rep) arrays only; :func:`reward_metrics` reads the summary)."""
    v = result.variants[variant]
    if v.outcome is None:
        raise ValueError("who qualifies per year needs a run with rep_years=True")
    return qualification(
        v.plan.rewards, v.outcome.weighted_attainment, result.population.tenure_years
    )


def _reward_chances(result: SimulationResult, variant: str) -> dict[str, np.ndarray]:
    """Per reward, each rep's chance of qualifying."""
    v = result.variants[variant]
    s = variant_summary(v)
    if all(f"reward:{r.name}" in s.per_rep for r in v.plan.rewards):
        return {r.name: s.mean(f"reward:{r.name}") for r in v.plan.rewards}
    return {k: a.mean(0) for k, a in reward_qualification(result, variant).items()}


def reward_metrics(result: SimulationResult, variant: str = "base") -> pd.DataFrame:
    """Per rep, the probability of qualifying for each non-monetary reward."""
    pop = result.population
    df = pd.DataFrame({"rep": pop.name, "team": pop.team})
    for name, p in _reward_chances(result, variant).items():
        df[name] = p
    return df.set_index("rep")


def rep_metrics(result: SimulationResult, variant: str = "base") -> pd.DataFrame:
    """Per rep: targets, expected outcomes, chance of reaching target, payout spread.

    Payout quantiles come from each rep's payout sketch (within 1% of the exact ones)."""
    v = result.variants[variant]
    s = variant_summary(v)
    pop = result.population
    q = [s.pay_sketch.quantile(p) for p in QUANTILES]
    df = pd.DataFrame(
        {
            "rep": pop.name,
            "team": pop.team,
            "ability": pop.ability,
            "potential": pop.potential_index,
            "tenure_years": pop.tenure_years,
            "revenue_expected": s.mean("revenue"),
        }
    )
    for m in v.plan.measures:
        df[f"target_{m.id}"] = s.targets[m.id].sum(1) if m.additive else s.targets[m.id][:, 0]
        df[f"p_target_{m.id}"] = s.mean(f"at_target:{m.id}")
    df["payout_expected"] = s.mean("pay")
    df["payout_p10"], df["payout_p50"], df["payout_p90"] = q
    df["ote_expected"] = v.plan.pay_mix.base + df["payout_expected"]
    for name, p in _reward_chances(result, variant).items():
        df[f"p_{name}"] = p
    return df.set_index("rep")


#: The headline metrics of :func:`summary_table`, in column order.
SUMMARY_KEYS = (
    "revenue_expected",
    "incentive_cost_expected",
    "incentive_cost_p90",
    "cost_of_sales",
    "gross_margin_after_incentive",
    "share_at_target",
    "share_weighted_at_target",
    "pay_for_performance",
    "payout_gini",
)


def summary_table(result: SimulationResult, company: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per plan variant: the headline numbers leadership compares.

    Read from the company figures (``company``: metrics down, variants across, as
    :func:`company_table` builds them; built here when not given). Achievability is
    read on the base plan's first measure (NaN for a variant that does not pay on it)
    and on weighted attainment across all measures.
    """
    company = company_table(result) if company is None else company
    df = company.loc[list(SUMMARY_KEYS)].T
    df.insert(0, "plan", [v.plan.name for v in result.variants.values()])
    df.index.name = "variant"
    return df


def company_table(result: SimulationResult) -> pd.DataFrame:
    """Company figures of every variant of a run: metrics down, variants across (the
    index is named ``metric``), as the mean of :func:`variant_metrics`."""
    df = pd.DataFrame({n: variant_metrics(result, n).mean() for n in result.variants})
    df.index.name = "metric"
    return df


def behaviour_metrics(v: VariantResult) -> pd.Series:
    """How reps responded to a plan: effort, deal timing, attrition (per year, expected)."""
    b = v.behaviour
    if b is None:  # fixed effort: 1.0 in every first, middle and last month the plan has
        per = 12 // v.plan.periods
        by_pos = np.where([per > 1, per > 2, True], 1.0, np.nan)
    else:
        eb = v.effort_by_progress.sum(0)  # (2, positions, bins)
        counts = eb[1].sum(-1)
        with np.errstate(divide="ignore", invalid="ignore"):
            by_pos = np.where(counts > 0, eb[0].sum(-1) / counts, np.nan)  # NaN: no such month
    yearly = company_metrics(v)
    return pd.Series(
        {
            "effort_annual_mean": float(b.response.effort.mean()) if b is not None else 1.0,
            "reps_at_effort_bound": int(b.response.at_bound.sum()) if b is not None else 0,
            "effort_first_month": by_pos[0],
            "effort_last_month": by_pos[2],
            "last_month_bookings_share": _last_month_share(v),
            **{
                k: float(yearly[k])
                for k in (
                    "revenue_pulled_in",
                    "revenue_pushed_out",
                    "timing_discount_cost",
                    "leavers_expected",
                    "attrition_cost",
                )
            },
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
    s = variant_summary(v)
    pop = result.population
    first = v.plan.measures[0]
    target = s.targets[first.id].sum(1) if first.additive else s.targets[first.id][:, 0]
    load = target / pop.potential_index  # target per unit of territory potential
    df = pd.DataFrame(
        {
            "rep": pop.name,
            "team": pop.team,
            "achievability": s.mean(f"at_target:{first.id}"),
            "fairness_index": load / load.mean(),
            "left_share": s.mean("left"),
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
