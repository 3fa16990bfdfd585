"""Expected monthly deal flow per rep at unit effort: what a rep can count on.

Reps plan with expectations, not with the draws: the mean and variance of
each bookings component per month (compound Poisson moments), scaled by
effort on the task that produces it. The trial's shock is not known to them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..market import Market
from ..measures import MEASURES
from ..population import Population

__all__ = ["Flows", "expected_flows", "flow_components"]

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

    def measure(
        self, components: tuple[str, ...], effort: dict[str, np.ndarray], months: slice
    ) -> tuple[np.ndarray, np.ndarray]:
        """Mean and variance of a measure's flow over ``months`` at the given task
        efforts (each broadcastable to (trials, reps))."""
        mean = var = 0.0
        for task in ("new", "xsell"):
            e = effort[task]
            for c in components:
                mu = self.mean[task][c][:, months].sum(1)
                v = self.var[task][c][:, months].sum(1)
                mean = mean + e * mu
                var = var + e * v
        return mean, var


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
