"""Values a file can hold but a business cannot: placeholder dates, runaway amounts
and cycles, found from the data itself.

A CRM writes ``9999-12-31`` or ``2099-12-31`` for "no date", ``1970-01-01`` for
"unknown", or an amount typed in the wrong unit; one such row among a thousand
can move a fitted rate by orders of magnitude. Readers flag these as bad rows
(listed, or left out with ``--drop-bad-rows``) by three stated rules:

- **dates** outside the data's plausible window: the middle 90% of its dates,
  widened on each side by that span (at least a year) — see :func:`date_window`;
- **amounts** above :data:`AMOUNT_MULTIPLE` times the median positive amount;
- **cycles** (created to closed) longer than :data:`MAX_CYCLE_DAYS`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "AMOUNT_MULTIPLE",
    "BULK",
    "MAX_CYCLE_DAYS",
    "MIN_MARGIN",
    "DateWindow",
    "amount_limit",
    "date_window",
]

#: The share of dates in the middle that defines the bulk of the data.
BULK = 0.90
#: The least widening of the bulk's span on each side.
MIN_MARGIN = pd.Timedelta(days=365)
#: Amounts above this multiple of the median positive amount are implausible.
AMOUNT_MULTIPLE = 1_000
#: Sales cycles (created to closed) longer than this many days (5 years) are implausible.
MAX_CYCLE_DAYS = 1_826


@dataclass(frozen=True)
class DateWindow:
    """Plausible dates ``first`` to ``last``: the bulk's ``bulk_first`` to ``bulk_last``
    widened by ``margin`` on each side."""

    first: pd.Timestamp
    last: pd.Timestamp
    bulk_first: pd.Timestamp
    bulk_last: pd.Timestamp

    def holds(self, when: pd.Timestamp) -> bool:
        return bool(self.first <= when <= self.last)

    def said(self) -> str:
        """The window and how it was found, for a message."""
        return (
            f"{self.first:%Y-%m-%d} to {self.last:%Y-%m-%d} (the middle {BULK:.0%} of the "
            f"file's dates, {self.bulk_first:%Y-%m-%d} to {self.bulk_last:%Y-%m-%d}, widened "
            "by their span, at least a year, on each side)"
        )


def date_window(dates: pd.Series) -> DateWindow | None:
    """The plausible window of ``dates`` (None with fewer than 10 dates: too few to say)."""
    d = pd.to_datetime(pd.Series(dates)).dropna()
    if len(d) < 10:
        return None
    tail = (1.0 - BULK) / 2.0
    lo, hi = d.quantile(tail), d.quantile(1.0 - tail)
    margin = max(hi - lo, MIN_MARGIN)
    return DateWindow(lo - margin, hi + margin, lo, hi)


def amount_limit(amounts: pd.Series | np.ndarray) -> float | None:
    """The largest plausible amount: :data:`AMOUNT_MULTIPLE` times the median positive
    amount (None when fewer than 10 amounts are positive: too few to say)."""
    a = np.asarray(amounts, dtype=float)
    a = a[np.isfinite(a) & (a > 0)]
    if a.size < 10:
        return None
    return float(AMOUNT_MULTIPLE * np.median(a))
