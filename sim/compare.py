"""Plan variants side by side, and their differences against the base plan.

Every variant of a run is simulated on the same draws, so the difference of a
metric between two variants is best measured trial by trial: the luck of a
trial (a good year, a big deal) is shared and cancels in the difference. Each
metric is defined once, per simulated year, by :func:`sim.metrics.yearly_metrics`
(sums and shares as they stand; ratios and quantiles as per-year pseudo-values
whose mean is the metric); this module adds only the intervals: the paired
difference of two variants' per-year values gives its standard error (the delta
method), so one formula serves every metric. Intervals are normal-approximation
intervals.

They are about the plan's effect on the scenario's team (a run's seed redraws
the market, never the team). Their coverage is checked by simulation in the test suite.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import norm

from .metrics import company_table, variant_metrics
from .run import SimulationResult

__all__ = ["comparison_table", "differences"]


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
    return company_table(result).loc[:, _names(result, variants)]


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
    ref = variant_metrics(result, _names(result, [base])[0])
    z = float(norm.ppf(0.5 + level / 2))
    n = len(ref)
    rows = []
    for name in names:
        tv = variant_metrics(result, name)
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
