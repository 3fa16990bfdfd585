"""Reps who respond to where the actual months left them (the check-in's projection).

A check-in simulates the whole year and then replaces the months observed by the
actuals. With reps who respond to the plan month by month, that is not enough:
effort later in the year depends on attainment to date, which must be the
actual attainment, not the simulated one. :class:`ObservedMonths` wraps a plan's
behaviour model so that from the first month not observed on, every decision
(effort, deal timing) sees the to-date bookings with the observed rep-months
replaced by the actuals. Deals are not moved into or out of the observed months:
the actuals already show whatever timing the reps did.
"""

from __future__ import annotations

import threading
from dataclasses import replace

import numpy as np

from ..behaviour import Behaviour, Effort, MonthState

__all__ = ["OBSERVABLE", "ObservedMonths"]

#: Components the actuals give per rep-month (the rest stay simulated).
OBSERVABLE = ("new_value", "new_count", "xsell_value", "xsell_count")


class ObservedMonths:
    """``inner`` with the first ``months`` months' bookings taken from ``actuals``.

    ``actuals`` maps each of :data:`OBSERVABLE` to a (reps, 12) array; ``observed``
    (reps, 12) says which rep-months have a row. The engine runs chunks on
    threads, each with its own to-date totals: the simulated observed months are
    recorded per chunk (keyed by the identity of its totals) to work out the
    correction.
    """

    def __init__(
        self,
        inner: Behaviour,
        actuals: dict[str, np.ndarray],
        observed: np.ndarray,
        months: int,
        periods: int,
    ) -> None:
        self.inner = inner
        self.plan_dependent = inner.plan_dependent
        self.shifts_deals = inner.shifts_deals
        self.months = months
        self.per = 12 // periods
        k = months
        self.observed = observed[:, :k].astype(float)
        self.actuals = {c: np.nan_to_num(actuals[c][:, :k]) * self.observed for c in OBSERVABLE}
        self._chunks: list[tuple[dict, list, dict]] = []  # (totals, snapshots, corrections)
        self._lock = threading.Lock()

    def __getattr__(self, name):  # what else the engine or a report reads (e.g. response)
        if name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)

    def _chunk(self, booked: dict) -> tuple[list, dict]:
        with self._lock:
            for totals, snaps, corr in self._chunks:
                if totals is booked:
                    return snaps, corr
            snaps, corr = [], {}
            self._chunks.append((booked, snaps, corr))
            return snaps, corr

    def _corrected(self, state: MonthState) -> MonthState:
        """``state`` with the observed months' simulated bookings swapped for the actuals."""
        snaps, corr = self._chunk(state.booked)
        if not corr:
            return state
        p0 = state.period * self.per
        year = {c: v + corr["year"].get(c, 0.0) for c, v in state.booked.items()}
        fix = corr["period"].get(p0, {})
        period = {c: v + fix.get(c, 0.0) for c, v in state.booked_period.items()}
        return replace(state, booked=year, booked_period=period)

    def _record(self, state: MonthState) -> None:
        """Before month ``k`` record the simulated totals; at ``k`` work out the corrections."""
        snaps, corr = self._chunk(state.booked)
        if state.month > self.months or corr:
            return
        snaps.append({c: state.booked[c].copy() for c in OBSERVABLE})
        if state.month < self.months:
            return
        # Month k: simulated bookings of each observed month, from the snapshots.
        k = self.months
        diff = [
            {
                c: self.observed[:, m] * (self.actuals[c][:, m] - (snaps[m + 1][c] - snaps[m][c]))
                for c in OBSERVABLE
            }
            for m in range(k)
        ]
        corr["year"] = {c: sum(d[c] for d in diff) for c in OBSERVABLE}
        corr["period"] = {}
        for p0 in range(0, k, self.per):  # periods that began in the observed months
            corr["period"][p0] = {c: sum(d[c] for d in diff[p0:k]) for c in OBSERVABLE}
        snaps.clear()

    def effort(self, state: MonthState) -> Effort | None:
        self._record(state)
        if state.month < self.months:
            return self.inner.effort(state)  # replaced by the actuals afterwards
        return self.inner.effort(self._corrected(state))

    def shift(self, kind: str, state: MonthState, values: dict, ahead: int = 1):
        if state.month < self.months:  # the actuals show the timing reps did
            return None
        if ahead > 1:
            return self.inner.shift(kind, self._corrected(state), values, ahead)
        return self.inner.shift(kind, self._corrected(state), values)

    def presence(self, seed: int, block: int, trials: int, months: int):
        return self.inner.presence(seed, block, trials, months)
