"""Expected monthly deal flow per rep at unit effort: what a rep can count on.

Reps plan with expectations, not with the draws: the mean and variance of
each bookings component per month (compound Poisson moments), scaled by
effort on the task that produces it. The trial's shock is not known to them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..market import Market
from ..measures import MEASURES
from ..population import Population

__all__ = ["Flows", "agency_moments", "expected_flows", "flow_components"]

#: Components that bookings measures sum, and the task whose effort drives each.
TASK_OF = {
    "new_value": "new",
    "new_count": "new",
    "xsell_value": "xsell",
    "xsell_count": "xsell",
    "gross_margin": "both",
}


def flow_components(measure: str) -> tuple[str, ...] | None:
    """The bookings components a measure adds up, or None if effort does not drive it."""
    kind = MEASURES[measure]
    if not kind.additive or any(c not in TASK_OF for c in kind.numerator):
        return None
    return kind.numerator


@dataclass(frozen=True)
class Flows:
    """Per task ("new", "xsell"), component mean and variance, shape (reps, months)."""

    mean: dict[str, dict[str, np.ndarray]]
    var: dict[str, dict[str, np.ndarray]]
    #: Sums over a run of months (by task, component and months) and what is still to
    #: come of each measure (by measures, effort and months): reps ask for the same few
    #: every month of every trial.
    _windows: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    _remaining: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def window(self, task: str, component: str, months: slice) -> tuple[np.ndarray, np.ndarray]:
        """Mean and variance of one component's flow at unit effort over ``months``."""
        key = (task, component, months.start, months.stop, months.step)
        got = self._windows.get(key)
        if got is None:
            got = tuple(
                _shared(v[task][component][:, months].sum(1)) for v in (self.mean, self.var)
            )
            self._windows[key] = got
        return got

    def remaining(
        self,
        measures: tuple[tuple[str, tuple[str, ...]], ...],
        effort: dict[str, np.ndarray],
        months: slice,
    ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """:meth:`measure` of each ``(measure id, components)`` over ``months``, kept
        for the same measures and ``effort`` (by identity: reps plan with one effort
        per task for a whole run, and ask every month)."""
        key = (measures, id(effort), months.start, months.stop, months.step)
        kept = self._remaining.get(key)
        if kept is None or kept[0] is not effort:  # an id is only unique while alive
            out = {
                i: tuple(_shared(a) for a in self.measure(c, effort, months)) for i, c in measures
            }
            kept = self._remaining[key] = (effort, out)
        return dict(kept[1])

    def __getstate__(self) -> dict:
        """The flows without what was kept for reps' questions (a worker asks its own)."""
        return {"mean": self.mean, "var": self.var}

    def __setstate__(self, state: dict) -> None:
        for name, value in (*state.items(), ("_windows", {}), ("_remaining", {})):
            object.__setattr__(self, name, value)

    def measure(
        self, components: tuple[str, ...], effort: dict[str, np.ndarray], months: slice
    ) -> tuple[np.ndarray, np.ndarray]:
        """Mean and variance of a measure's flow over ``months`` at the given task
        efforts (each broadcastable to (trials, reps))."""
        mean = var = 0.0
        for task in ("new", "xsell"):
            e = effort[task]
            for c in components:
                mu, v = self.window(task, c, months)
                mean = mean + e * mu
                var = var + e * v
        return mean, var


def _shared(a) -> np.ndarray:
    """``a`` as a read-only array: kept and handed to every rep-month that asks."""
    a = np.array(a, dtype=float)  # a copy: the caller's array stays writable
    a.flags.writeable = False
    return a


def expected_flows(market: Market, population: Population, months: int = 12) -> Flows:
    """Monthly mean and variance of each bookings component per rep, by task."""
    demand = market.demand(months)
    for sh in market.shifts:  # known regime changes; random shocks average to one
        demand = demand * np.where(np.arange(months) >= sh.month - 1, sh.factor, 1.0)
    rate_new, rate_x = market.deal_rates(
        population.ability, population.potential_index, population.accounts
    )
    lam = {"new": np.outer(rate_new, demand), "xsell": np.outer(rate_x, demand)}
    size = {"new": market.new_business.deal_size, "xsell": market.cross_sell.deal_size}
    mg = market.margin
    gm_ratio = 1.0 - mg.cogs_share / (1.0 - mg.discount_mean)
    zero = np.zeros_like(lam["new"])
    mean, var = {}, {}
    for task in ("new", "xsell"):
        s = size[task]
        m1, m2 = s.mean, s.variance + s.mean**2
        rate = lam[task]
        value_mean, value_var = rate * m1, rate * m2
        mean[task] = {c: zero for c in TASK_OF}
        var[task] = {c: zero for c in TASK_OF}
        mean[task][f"{task}_value"], var[task][f"{task}_value"] = value_mean, value_var
        mean[task][f"{task}_count"], var[task][f"{task}_count"] = rate, rate
        mean[task]["gross_margin"] = gm_ratio * value_mean
        var[task]["gross_margin"] = gm_ratio**2 * value_var
    return Flows(mean, var)


def agency_moments(flows: Flows, measures: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The multi-task agency model of each rep's year (Holmström & Milgrom 1991):
    K (reps, measures, tasks), each measure's expected amount per unit of effort on
    the tasks ("new", "xsell"), and Σ (reps, measures, measures), the covariance of
    the measures at today's effort.

    Within a task every bookings component is a loading on the same compound Poisson
    pair (bookings S, deal count N): Var S = λ·E[Y²], Var N = λ, Cov(S, N) = λ·E[Y] =
    E[S]; gross margin is a fixed share of bookings. So measures that share deals
    (revenue and gross margin, new accounts by count and by value) are correlated, and
    the two tasks' deals are independent.
    """
    comps = {}
    for m in measures:
        c = flow_components(m)
        if c is None:
            raise ValueError(f"{m} is not a bookings measure that effort drives")
        comps[m] = c
    reps = next(iter(flows.mean["new"].values())).shape[0]
    K = np.zeros((reps, len(measures), 2))
    S = np.zeros((reps, len(measures), len(measures)))
    for j, task in enumerate(("new", "xsell")):
        mean = {c: v.sum(1) for c, v in flows.mean[task].items()}
        value, count = mean[f"{task}_value"], mean[f"{task}_count"]
        var_value = flows.var[task][f"{task}_value"].sum(1)
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(value > 0, mean["gross_margin"] / value, 0.0)
        loads = {
            f"{task}_value": (1.0, 0.0),
            f"{task}_count": (0.0, 1.0),
            "gross_margin": (share, 0),
        }
        # loading of each measure on (S, N), per rep
        L = np.zeros((reps, len(measures), 2))
        for i, m in enumerate(measures):
            for c in comps[m]:
                if c in loads:
                    a, b = loads[c]
                    L[:, i, 0] += a
                    L[:, i, 1] += b
        cov = np.stack([np.stack([var_value, value], -1), np.stack([value, count], -1)], -2)
        K[:, :, j] = L[:, :, 0] * value[:, None] + L[:, :, 1] * count[:, None]
        S += L @ cov @ np.swapaxes(L, 1, 2)
    return K, S
