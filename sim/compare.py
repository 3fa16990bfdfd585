"""Plan variants side by side, and their differences against the base plan.

Every variant of a run is simulated on the same draws, so the difference of a
metric between two variants is best measured trial by trial: the luck of a
trial (a good year, a big deal) is shared and cancels in the difference. Each
metric is written as one *pseudo-value per trial* whose mean is the metric:

- sums and shares over reps (revenue, cost, share of reps at target, leavers)
  are per-trial values as they stand;
- a ratio of means (cost of sales) is linearised: ``R + (C_t - R·V_t) / mean(V)``;
- a quantile (incentive cost P90) takes its influence function:
  ``q + (p - 1[x_t <= q]) / f(q)`` with a kernel density estimate of ``f``;
- a spread across reps of per-rep probabilities (achievability spread) is
  linearised in the same way.

The mean of the pseudo-values is the metric; the paired difference of two
variants' pseudo-values gives its standard error (the delta method), so one
formula serves every metric. Intervals are normal-approximation intervals.

They are about the plan's effect on the scenario's team (a run's seed redraws
the market, never the team). Their coverage is checked by simulation in the test suite.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import norm

from .metrics import gini, rank_correlation
from .run import SimulationResult, VariantResult

__all__ = [
    "COMPARISON_METRICS",
    "comparison_table",
    "differences",
    "quantile_pseudo",
    "ratio_pseudo",
    "trial_values",
]

#: The metrics of a comparison, in table order: (name, what it is).
COMPARISON_METRICS: tuple[tuple[str, str], ...] = (
    ("revenue_expected", "expected revenue of the team per year"),
    ("gross_margin_expected", "expected gross profit (margin after discounts) per year"),
    ("gross_margin_after_incentive", "gross profit less the incentive paid"),
    ("incentive_cost_expected", "expected incentive paid per year"),
    ("incentive_cost_p90", "incentive paid in a bad year (90th percentile)"),
    ("cost_of_sales", "incentive paid per unit of revenue"),
    ("share_at_threshold", "share of rep-years at or above the first measure's threshold"),
    ("share_at_target", "share of rep-years at or above the first measure's target"),
    ("share_at_cap", "share of rep-years at the first measure's cap"),
    ("share_weighted_at_target", "share of rep-years with weighted attainment at target"),
    ("quota_accuracy", "share of rep-years within ±20% of the first measure's target"),
    ("pay_for_performance", "rank correlation of payout with revenue across reps"),
    ("payout_gini", "concentration of payout across reps (Gini)"),
    ("achievability_spread", "spread across reps of the chance of reaching target"),
    ("fairness_spread", "spread across reps of target per unit of territory potential"),
    ("leavers_expected", "reps expected to leave in the year (behaviour model)"),
    ("attrition_cost", "replacement cost of the reps who leave"),
    ("revenue_moved", "revenue pulled in or pushed out across period ends"),
    ("timing_discount_cost", "discount given to pull deals in (the timing game's cost)"),
    ("double_credit", "revenue credited to reps beyond what was booked (double credit)"),
    ("co_sold_revenue", "revenue credited on deals of other sales teams' accounts"),
    ("help_given", "bookings team-mates' help added (behaviour model)"),
)


def ratio_pseudo(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """Per-trial pseudo-values of ``mean(num) / mean(den)`` (their mean is the ratio)."""
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    d = den.mean()
    r = num.mean() / d
    return r + (num - r * den) / d


def quantile_pseudo(x: np.ndarray, p: float) -> np.ndarray:
    """Per-trial pseudo-values of the ``p`` quantile of ``x`` (influence function).

    The density at the quantile comes from a Gaussian kernel with Silverman's
    bandwidth; a sample with no spread gives the quantile itself every trial.
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
    return q + (p - (x <= q)) / f


def _spread_pseudo(hits: np.ndarray) -> np.ndarray:
    """Pseudo-values of the spread (population SD) across reps of per-rep hit rates.

    ``hits`` is (trials, reps) of 0/1; the mean of the result is the SD of the
    column means.
    """
    hits = np.asarray(hits, dtype=float)
    p = hits.mean(0)
    s = p.std()
    if s <= 0:
        return np.full(hits.shape[0], s)
    return s + ((hits - p) @ (p - p.mean())) / (p.size * s)


def _first_measure_targets(v: VariantResult, mid: str) -> np.ndarray:
    m = v.plan.measure(mid)
    t = v.outcome.targets[mid]
    return t.sum(1) if m.additive else t[:, 0]


def trial_values(result: SimulationResult, name: str) -> pd.DataFrame:
    """Pseudo-values of every comparison metric for variant ``name``, one row per trial.

    Attainment metrics read the base plan's first measure (NaN for a variant
    that does not pay on it); behaviour metrics are zero when reps do not respond.
    """
    v = result.variants[name]
    trials = result.trials
    cost = v.outcome.total.astype(float)
    rev = v.actuals["revenue"].astype(float)
    margin = v.actuals["gross_margin"].astype(float)
    c, r, g = cost.sum(1), rev.sum(1), margin.sum(1)
    zero = np.zeros_like(rev)
    act = {k: v.actuals.get(k, zero).astype(float) for k in ("pulled_in", "pushed_out")}
    discount = v.actuals.get("timing_discount", zero).astype(float).sum(1)
    leavers = v.actuals.get("left", zero).astype(float).sum(1)
    replacement = v.behaviour.spec.retention.replacement_cost if v.behaviour is not None else 0.0
    p4p = rank_correlation(cost, rev, axis=1)
    p4p = np.where(np.isnan(p4p), np.nanmean(p4p) if np.isfinite(p4p).any() else 0.0, p4p)

    first = result.base.plan.measures[0].id
    nan = np.full(trials, np.nan)
    shares = dict.fromkeys(
        ("share_at_threshold", "share_at_target", "share_at_cap", "quota_accuracy"), nan
    )
    achievability = fairness = nan
    if first in v.plan.measure_ids:
        m = v.plan.measure(first)
        a = v.outcome.attainment[first].astype(float)
        cap_at = m.curve.attainment_at_cap
        shares = {
            "share_at_threshold": (a >= m.curve.threshold).mean(1),
            "share_at_target": (a >= 1.0).mean(1),
            "share_at_cap": (a >= cap_at).mean(1) if np.isfinite(cap_at) else np.zeros(trials),
            "quota_accuracy": (np.abs(a - 1.0) <= 0.2 + 1e-12).mean(1),
        }
        achievability = _spread_pseudo(a >= 1.0)
        load = _first_measure_targets(v, first) / result.population.potential_index
        spread = float((load / load.mean()).std())
        fairness = np.full(trials, spread if spread > 1e-12 else 0.0)  # rounding noise is 0
    return pd.DataFrame(
        {
            "revenue_expected": r,
            "gross_margin_expected": g,
            "gross_margin_after_incentive": g - c,
            "incentive_cost_expected": c,
            "incentive_cost_p90": quantile_pseudo(c, 0.9),
            "cost_of_sales": ratio_pseudo(c, r),
            **shares,
            "share_weighted_at_target": (v.outcome.weighted_attainment >= 1.0).mean(1),
            "pay_for_performance": p4p,
            "payout_gini": gini(cost, axis=1),
            "achievability_spread": achievability,
            "fairness_spread": fairness,
            "leavers_expected": leavers,
            "attrition_cost": leavers * replacement * v.plan.pay_mix.ote,
            "revenue_moved": (act["pulled_in"] + act["pushed_out"]).sum(1),
            "timing_discount_cost": discount,
            "double_credit": v.actuals.get("credited_revenue", rev).astype(float).sum(1) - r,
            **{
                k: v.actuals.get(a, zero).astype(float).sum(1)
                for k, a in (
                    ("co_sold_revenue", "co_sold"),
                    ("help_given", "help_given"),
                )
            },
        },
        index=pd.RangeIndex(trials, name="trial"),
    )[[k for k, _ in COMPARISON_METRICS]]


def _names(result: SimulationResult, variants: Sequence[str] | None) -> list[str]:
    names = list(result.variants) if variants is None else list(variants)
    unknown = [n for n in names if n not in result.variants]
    if unknown:
        known = ", ".join(result.variants)
        raise KeyError(f"unknown variant {unknown[0]!r}; the result has: {known}")
    return names


def comparison_table(
    result: SimulationResult, variants: Sequence[str] | None = None
) -> pd.DataFrame:
    """The variants side by side: one row per metric, one column per variant.

    The index is named ``metric`` so reports format each row by its own unit.
    """
    names = _names(result, variants)
    df = pd.DataFrame({n: trial_values(result, n).mean() for n in names})
    df.index.name = "metric"
    return df


def differences(
    result: SimulationResult,
    base: str = "base",
    variants: Sequence[str] | None = None,
    level: float = 0.95,
    paired: bool = True,
) -> pd.DataFrame:
    """Each variant's difference from ``base`` per metric, with a confidence interval.

    ``paired`` (the default) takes the standard error from per-trial
    differences, which the common random numbers make small; ``paired=False``
    treats the variants as independent samples (for comparison only: it ignores
    the shared draws and gives wider intervals). Rows are (variant, metric);
    ``significant`` is true when the interval excludes zero.
    """
    names = [n for n in _names(result, variants) if variants is not None or n != base]
    ref = trial_values(result, _names(result, [base])[0])
    z = float(norm.ppf(0.5 + level / 2))
    n = len(ref)
    rows = []
    for name in names:
        tv = trial_values(result, name)
        for metric in ref.columns:
            a, b = ref[metric].to_numpy(), tv[metric].to_numpy()
            if paired:
                se = np.std(b - a, ddof=1) / np.sqrt(n) if n > 1 else np.nan
            else:
                var = (np.var(a, ddof=1) + np.var(b, ddof=1)) if n > 1 else np.nan
                se = np.sqrt(var / n)
            d = b.mean() - a.mean()
            rows.append(
                {
                    "variant": name,
                    "metric": metric,
                    "base": a.mean(),
                    "value": b.mean(),
                    "difference": d,
                    "std_error": se,
                    "ci_low": d - z * se,
                    "ci_high": d + z * se,
                    "significant": bool(np.isfinite(se) and abs(d) > z * se),
                }
            )
    return pd.DataFrame(rows).set_index(["variant", "metric"])
