"""Who gains and who loses under a plan variant: per-rep paired differences.

Every rep draws from streams of their own (see :mod:`sim.streams`), so a rep's
outcome in a trial under two plans differs only by what the plan changes for
that rep — their payout, and their bookings when their effort responds — never
by another rep's luck. The per-trial difference for one rep is therefore a
paired sample; its mean and standard error give each rep's interval
(normal approximation, as in :func:`sim.compare.differences`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import norm

from .results import SimulationResult

__all__ = ["VERDICTS", "gains_and_losses", "rep_differences"]

#: A rep's verdict: the interval of their payout difference above zero, below, or across it.
VERDICTS = ("gains", "loses", "no clear change")


def _paired(total: np.ndarray, squares: np.ndarray, n: int, z: float) -> tuple[np.ndarray, ...]:
    """Mean and ``z`` interval of per-trial differences from their sum and sum of squares."""
    mean = total / n
    if n > 1:
        var = np.maximum(squares - n * mean**2, 0.0) / (n - 1)
        se = np.sqrt(var / n)
    else:
        se = np.full(mean.shape, np.nan)
    return mean, mean - z * se, mean + z * se


def _sums(result: SimulationResult, base: str, name: str) -> dict[str, np.ndarray]:
    """Per rep, sums over trials of the payout and revenue differences from ``base`` and
    their squares: from the summary (paired with the run's first plan as it ran), else
    from a run's kept per-(trial, rep) arrays."""
    ref, v = result.variants[base], result.variants[name]
    if base == next(iter(result.variants)) and "d_pay" in v.summary.per_rep:
        return v.summary.per_rep
    if ref.outcome is None or v.outcome is None:
        raise ValueError(
            f"per-rep differences against {base!r} need a run that kept its per-(trial, rep) "
            "arrays (rep_years=True); the summary pairs each variant with the first plan only"
        )
    d_pay = v.outcome.total.astype(float) - ref.outcome.total.astype(float)
    d_rev = v.actuals["revenue"].astype(float) - ref.actuals["revenue"].astype(float)
    return {
        "d_pay": d_pay.sum(0),
        "d_pay2": (d_pay**2).sum(0),
        "d_rev": d_rev.sum(0),
        "d_rev2": (d_rev**2).sum(0),
    }


def rep_differences(
    result: SimulationResult,
    base: str = "base",
    variants: Sequence[str] | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Per (variant, rep): expected payout and revenue under ``base`` and the variant,
    their paired differences with ``level`` intervals, and the verdict on payout."""
    names = [n for n in (variants or result.variants) if n != base]
    ref = result.variants[base]
    pop = result.population
    z = float(norm.ppf(0.5 + level / 2))
    frames = []
    for name in names:
        v = result.variants[name]
        d, n = _sums(result, base, name), result.trials
        pay, pay_lo, pay_hi = _paired(d["d_pay"], d["d_pay2"], n, z)
        rev, rev_lo, rev_hi = _paired(d["d_rev"], d["d_rev2"], n, z)
        verdict = np.where(pay_lo > 0, VERDICTS[0], np.where(pay_hi < 0, VERDICTS[1], VERDICTS[2]))
        frames.append(
            pd.DataFrame(
                {
                    "variant": name,
                    "rep": pop.name,
                    "team": pop.team,
                    "payout_base": ref.summary.mean("pay"),
                    "payout": v.summary.mean("pay"),
                    "payout_difference": pay,
                    "payout_ci_low": pay_lo,
                    "payout_ci_high": pay_hi,
                    "revenue_difference": rev,
                    "revenue_ci_low": rev_lo,
                    "revenue_ci_high": rev_hi,
                    "verdict": verdict,
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=["variant", "rep"]).set_index(["variant", "rep"])
    return pd.concat(frames, ignore_index=True).set_index(["variant", "rep"])


def gains_and_losses(table: pd.DataFrame) -> pd.DataFrame:
    """Reps per verdict for each variant of a :func:`rep_differences` table."""
    counts = table.groupby(level="variant", sort=False)["verdict"].value_counts().unstack()
    return counts.reindex(columns=list(VERDICTS), fill_value=0).fillna(0).astype(int)
