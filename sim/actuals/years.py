"""Actuals laid out as plan years: arrays of (reps, 12 months) per field.

A plan year starts in the calendar month ``plan_year_start`` of the
``[actuals]`` table. A rep-month without a row is *unobserved* (the rep had not
joined, or had left): its amounts are zero and its ``observed`` flag is off, so
calibration does not read it as a month without sales.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .validate import Actuals

__all__ = ["PlanYear", "plan_years", "year_of"]


@dataclass(frozen=True)
class PlanYear:
    """One plan year of actuals for a fixed list of reps."""

    label: str
    months: tuple[pd.Period, ...]  # the year's 12 months, in order
    reps: tuple[str, ...]
    values: dict[str, np.ndarray]  # field -> (reps, 12)
    observed: np.ndarray  # (reps, 12) bool

    @property
    def months_observed(self) -> int:
        """Months up to the last one with any row (a year in progress has fewer than 12)."""
        seen = np.flatnonzero(self.observed.any(0))
        return int(seen[-1] + 1) if seen.size else 0

    @property
    def complete(self) -> bool:
        return self.months_observed == 12

    def field(self, name: str) -> np.ndarray:
        return self.values.get(name, np.zeros(self.observed.shape))

    @property
    def revenue(self) -> np.ndarray:
        return self.field("new_value") + self.field("xsell_value")


def _year_start(p: pd.Period, start: int) -> pd.Period:
    offset = (p.month - start) % 12
    return p - offset


def year_of(p: pd.Period, start: int) -> str:
    """Label of the plan year a month belongs to: FY + calendar year it ends in."""
    first = _year_start(p, start)
    return f"FY{(first + 11).year}"


def plan_years(actuals: Actuals, reps: list[str], start: int = 1) -> list[PlanYear]:
    """Every plan year the actuals touch, oldest first, with rows in the order of ``reps``."""
    df = actuals.frame
    index = {r: i for i, r in enumerate(reps)}
    numeric = [c for c in df.columns if c not in ("rep", "team", "period")]
    firsts = sorted({_year_start(p, start) for p in df["period"]})
    out = []
    for first in firsts:
        months = tuple(first + k for k in range(12))
        sub = df[df["period"].isin(months)]
        ri = sub["rep"].map(index).to_numpy()
        mi = np.array([(p - first).n for p in sub["period"]], dtype=np.intp)
        observed = np.zeros((len(reps), 12), dtype=bool)
        observed[ri, mi] = True
        values = {}
        for c in numeric:
            arr = np.zeros((len(reps), 12))
            arr[ri, mi] = sub[c].to_numpy(dtype=float)
            values[c] = arr
        out.append(PlanYear(year_of(first, start), months, tuple(reps), values, observed))
    return out
