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


def _paired(a: np.ndarray, b: np.ndarray, z: float) -> tuple[np.ndarray, ...]:
    d = b.astype(float) - a.astype(float)
    n = d.shape[0]
    mean = d.mean(0)
    se = d.std(0, ddof=1) / np.sqrt(n) if n > 1 else np.full(d.shape[1], np.nan)
    return mean, mean - z * se, mean + z * se


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
        pay, pay_lo, pay_hi = _paired(ref.outcome.total, v.outcome.total, z)
        rev, rev_lo, rev_hi = _paired(ref.actuals["revenue"], v.actuals["revenue"], z)
        verdict = np.where(pay_lo > 0, VERDICTS[0], np.where(pay_hi < 0, VERDICTS[1], VERDICTS[2]))
        frames.append(
            pd.DataFrame(
                {
                    "variant": name,
                    "rep": pop.name,
                    "team": pop.team,
                    "payout_base": ref.outcome.total.astype(float).mean(0),
                    "payout": v.outcome.total.astype(float).mean(0),
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
