"""The Monte Carlo engine: vectorised numpy over trials x reps, month by month.

Per rep and month, key-account outcomes are lumpy: a Poisson number of new
and cross-sell deals whose sizes come from a heavy-tailed distribution (a
compound process, not a normal), scaled by the rep's ability and territory,
the month's seasonality and growth, a demand shock shared by every rep in a
trial, and the rep's effort. Linked measures are drawn coherently with the
deals: sales-cycle days for the deals closed, renewals of the rep's accounts,
satisfaction, margin after the month's discount, and the pursuit cost.

The engine loops over the 12 months (so a behaviour model can act between
them) and vectorises everything else. It fills an :class:`~sim.outcomes.Outcomes`
table and counts the random variates it consumed (for the benchmark's floor
ratio).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .behaviour import Behaviour, FixedEffort, MonthState
from .market import Market
from .measures import COMPONENTS
from .outcomes import Outcomes
from .plan import Plan
from .population import Population
from .sampling import poisson
from .streams import BLOCK_TRIALS, TRIALS, generator

__all__ = ["MonteCarloEngine"]

_SHOCK = 12  # month-key of the per-block stream used for the trial shocks


def _segment_sums(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Sum consecutive runs of ``values`` of lengths ``counts`` (zeros allowed)."""
    ends = np.cumsum(counts.ravel())
    cs = np.concatenate(([0.0], np.cumsum(values)))
    return (cs[ends] - cs[ends - counts.ravel()]).reshape(counts.shape)


@dataclass(frozen=True)
class MonteCarloEngine:
    """Draws monthly outcomes for a population in a market."""

    market: Market
    population: Population
    months: int = 12

    def simulate_blocks(
        self,
        seed: int,
        first_block: int,
        n_blocks: int,
        trials: int,
        behaviour: Behaviour | None = None,
        plan: Plan | None = None,
    ) -> Outcomes:
        """Outcomes for stream blocks ``first_block .. first_block + n_blocks - 1``.

        Each block draws from its own streams, so any grouping of blocks into
        chunks gives the same trials.
        """
        behaviour = behaviour or FixedEffort()
        sizes = [
            min(BLOCK_TRIALS, trials - b * BLOCK_TRIALS)
            for b in range(first_block, first_block + n_blocks)
        ]
        sizes = [n for n in sizes if n > 0]
        out = {c: np.empty((sum(sizes), self.population.size, self.months)) for c in COMPONENTS}
        draws, start = 0, 0
        for i, n in enumerate(sizes):
            view = {c: v[start : start + n] for c, v in out.items()}
            draws += self._block(seed, first_block + i, n, behaviour, plan, view)
            start += n
        return Outcomes(out, draws=draws)

    def _block(
        self,
        seed: int,
        block: int,
        n: int,
        behaviour: Behaviour,
        plan: Plan | None,
        out: dict[str, np.ndarray],
    ) -> int:
        """Fill ``out`` (component -> (n, reps, months) views) for one stream block;
        return the number of random variates drawn."""
        mk, pop = self.market, self.population
        r = pop.size
        draws = 0
        z = generator(seed, TRIALS, block, _SHOCK).standard_normal(n)
        draws += n
        sd = mk.shock_sd
        shock = np.exp(sd * z - 0.5 * sd * sd)[:, None]  # mean-one demand shock per trial

        demand = mk.demand(self.months)
        base_new = mk.new_business.deals_per_month * pop.ability * pop.potential_index
        base_x = mk.cross_sell.deals_per_account_month * pop.accounts * pop.ability
        cyc = mk.cycle
        cycle_scale = np.broadcast_to(
            cyc.mean_days / cyc.shape * pop.ability ** (-cyc.ability_effect), (n, r)
        )
        ren = mk.renewal
        p_keep = np.clip(ren.retention + ren.ability_effect * np.log(pop.ability), 0.0, 1.0)
        sat, mg, sc = mk.satisfaction, mk.margin, mk.sales_cost

        booked = {
            c: np.zeros((n, r)) for c in ("new_value", "xsell_value", "new_count", "xsell_count")
        }
        for m in range(self.months):
            rng = generator(seed, TRIALS, block, m)
            state = MonthState(m, self.months, plan, booked)
            effort = behaviour.effort(state)
            scale = shock * demand[m] if effort is None else shock * demand[m] * effort
            n_new = poisson(rng, scale * base_new)
            n_x = poisson(rng, scale * base_x)
            k_new, k_x = int(n_new.sum()), int(n_x.sum())
            v_new = _segment_sums(mk.new_business.deal_size.sample(rng, k_new), n_new)
            v_x = _segment_sums(mk.cross_sell.deal_size.sample(rng, k_x), n_x)
            draws += 2 * n * r + k_new + k_x

            deals = n_new + n_x
            closed = deals > 0
            k_closed = int(closed.sum())
            cycle = np.zeros((n, r))
            cycle[closed] = rng.gamma(cyc.shape * deals[closed], cycle_scale[closed])

            due_m = pop.renewals_due[:, m]
            cols = np.flatnonzero(due_m)
            won = np.zeros((n, r))
            won[:, cols] = rng.binomial(due_m[cols], p_keep[cols], size=(n, cols.size))

            csat = np.clip(pop.csat_base + sat.month_sd * rng.standard_normal((n, r)), 0.0, 10.0)
            disc = np.clip(
                mg.discount_mean + mg.discount_sd * rng.standard_normal((n, r)), 0.0, 0.9
            )
            draws += k_closed + n * cols.size + 2 * n * r

            revenue = v_new + v_x
            list_price = revenue / (1.0 - disc)
            o = out
            o["new_value"][..., m], o["new_count"][..., m] = v_new, n_new
            o["xsell_value"][..., m], o["xsell_count"][..., m] = v_x, n_x
            o["cycle_days_sum"][..., m] = cycle
            o["renewals_due"][..., m] = due_m
            o["renewals_won"][..., m] = won
            o["csat"][..., m] = csat
            o["gross_margin"][..., m] = revenue - mg.cogs_share * list_price
            o["discount_given"][..., m] = list_price - revenue
            o["sales_cost"][..., m] = sc.fixed_per_month + sc.per_opportunity / sc.win_rate * deals
            booked["new_value"] += v_new
            booked["xsell_value"] += v_x
            booked["new_count"] += n_new
            booked["xsell_count"] += n_x
        return draws
