"""Referrals between sales teams: leads a rep passes to account managers of other teams.

Each month a rep passes a Poisson number of leads with mean ``rate`` plus
``per_help`` for each unit of help they give (help is chosen by its marginal
pay, :func:`sim.behaviour.collaboration.choose_help`, so paying on referrals
raises it). A share ``conversion`` of the leads becomes opportunities. Each
opportunity goes to an account manager of another sales team, drawn uniformly,
who pursues it (one ``per_opportunity`` of sales cost) and wins it at their win
rate — the market's ``win_rate`` times their ability, at most 1 — as a new
account of the market's deal size, booked and credited to the receiver. The
referring rep's ``referrals`` measure counts their referrals that became
opportunities; the expected count is 12 × conversion × (rate + per_help × help)
a year.

Draws come from the referral streams of :mod:`sim.streams`, addressed by
(seed, block, month, kind) and counted per (trial, rep, draw), so a rep's leads
depend on their own help alone and a trial gets the same referrals whatever
the chunking. The flow is added to the engine's outcomes after its month loop,
as help is: referred deals do not move the receiver's effort or deal timing,
and demand shocks do not move the number of leads.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .distributions import Distribution
from .market import Market, Referrals
from .outcomes import Outcomes
from .population import Population
from .sampling import binomial, poisson
from .streams import (
    BLOCK_TRIALS,
    REFERRAL_KINDS,
    REFERRALS,
    hashed_uniforms,
    rep_counters,
    stream_key,
)

__all__ = [
    "ReferralFlow",
    "expected_referrals",
    "lead_rate",
    "referral_flow",
]

LEADS, OPPORTUNITIES, RECEIVER, WIN, SIZE = range(len(REFERRAL_KINDS))


def lead_rate(spec: Referrals, help: np.ndarray) -> np.ndarray:
    """Leads each rep passes per month: ``rate + per_help × help`` (reps,)."""
    return spec.rate + spec.per_help * np.asarray(help, dtype=float)


def expected_referrals(outcomes: Outcomes, help: np.ndarray, spec: Referrals) -> Outcomes:
    """``outcomes`` with each rep's expected referrals that become opportunities per
    month (conversion × lead rate, no draws): what help's marginal pay is read from."""
    t, r, m = outcomes.shape
    mean = spec.conversion * lead_rate(spec, help)
    comps = dict(outcomes.components)
    comps["referrals"] = np.broadcast_to(mean[None, :, None], (t, r, m))
    return Outcomes(comps, draws=outcomes.draws)


@dataclass(frozen=True)
class ReferralFlow:
    """The referral flow of one team in one market (picklable: any executor runs it)."""

    spec: Referrals
    seed: int
    home: np.ndarray  # sales team index per rep (reps,)
    receivers: np.ndarray  # account managers per sales team, padded with -1 (teams, k)
    win: np.ndarray  # win rate of each rep as a receiver (reps,)
    cycle_days: np.ndarray  # expected days to close a deal won by each rep (reps,)
    deal_size: Distribution
    cogs_share: float
    discount: float
    per_opportunity: float

    def __call__(self, outcomes: Outcomes, first: int, help: np.ndarray) -> Outcomes:
        """``outcomes`` of trials ``first ..`` with the referrals of reps giving ``help``:
        the ``referrals`` component per referring rep and the deals won added to the
        receivers' bookings, margin, discount, cycle days and sales cost."""
        t, r, months = outcomes.shape
        lam = lead_rate(self.spec, help)
        referred = np.zeros((t, r, months))
        received = np.zeros((t, r, months))
        won = np.zeros((t, r, months))
        value = np.zeros((t, r, months))
        draws = 0
        trial = first + np.arange(t)
        block = trial // BLOCK_TRIALS
        counters_all = rep_counters(BLOCK_TRIALS, r)
        width = (self.receivers >= 0).sum(1)
        for b in np.unique(block):
            rows = np.flatnonzero(block == b)
            counters = counters_all[trial[rows] % BLOCK_TRIALS]
            for m in range(months):

                def uniforms(kind: int, at: np.ndarray, b=b, m=m) -> np.ndarray:
                    return hashed_uniforms(stream_key(self.seed, REFERRALS, int(b), m, kind), at)

                leads = poisson(uniforms(LEADS, counters), lam[None, :])
                opps = binomial(uniforms(OPPORTUNITIES, counters), leads, self.spec.conversion)
                referred[rows, :, m] = opps
                draws += 2 * counters.size
                flat = opps.ravel()
                k = int(flat.sum())
                if k == 0:
                    continue
                starts = np.cumsum(flat) - flat
                at = np.repeat(counters.ravel(), flat)
                at += (np.arange(k) - np.repeat(starts, flat)).astype(np.uint64)
                src = np.repeat(np.arange(flat.size), flat)
                row, giver = np.divmod(src, r)
                team = self.home[giver]
                pick = np.minimum(
                    (uniforms(RECEIVER, at) * width[team]).astype(np.intp), width[team] - 1
                )
                to = self.receivers[team, pick]
                hit = uniforms(WIN, at) < self.win[to]
                size = np.where(hit, self.deal_size.quantile(uniforms(SIZE, at)), 0.0)
                draws += 3 * k
                cell = row * r + to
                n = len(rows) * r
                received[rows, :, m] = np.bincount(cell, minlength=n).reshape(len(rows), r)
                won[rows, :, m] = np.bincount(cell, hit, n).reshape(len(rows), r)
                value[rows, :, m] = np.bincount(cell, size, n).reshape(len(rows), r)
        comps = dict(outcomes.components)
        list_price = value / (1.0 - self.discount)

        def plus(name: str, extra: np.ndarray) -> np.ndarray:
            return np.asarray(comps[name], dtype=float) + extra

        comps["referrals"] = referred
        comps["new_value"] = plus("new_value", value)
        comps["new_count"] = plus("new_count", won)
        comps["gross_margin"] = plus("gross_margin", value - self.cogs_share * list_price)
        comps["discount_given"] = plus("discount_given", list_price - value)
        comps["cycle_days_sum"] = plus("cycle_days_sum", won * self.cycle_days[None, :, None])
        comps["sales_cost"] = plus("sales_cost", self.per_opportunity * received)
        return Outcomes(comps, draws=outcomes.draws + draws)


def referral_flow(
    spec: Referrals, market: Market, population: Population, seed: int
) -> ReferralFlow:
    """The referral flow of ``population`` in ``market`` on the streams of ``seed``.

    Raises ValueError when some sales team has no account manager in another team to
    pass leads to (one sales team, say)."""
    teams = population.account_teams
    originates = np.ones(population.size, bool) if teams is None else teams.originates
    home = population.team_index
    n_teams = int(home.max()) + 1 if home.size else 0
    lists = [np.flatnonzero(originates & (home != g)) for g in range(n_teams)]
    empty = [population.team_names[g] for g, x in enumerate(lists) if x.size == 0]
    if empty:
        raise ValueError(
            f"referrals: team {empty[0]!r} has no account manager in another sales team "
            "to pass leads to (referrals go between sales teams)"
        )
    width = max(len(x) for x in lists)
    receivers = np.full((n_teams, width), -1, dtype=np.intp)
    for g, x in enumerate(lists):
        receivers[g, : len(x)] = x
    cyc = market.cycle
    return ReferralFlow(
        spec=spec,
        seed=seed,
        home=home,
        receivers=receivers,
        win=np.clip(market.sales_cost.win_rate * population.ability, 0.0, 1.0),
        cycle_days=cyc.mean_days * population.ability ** (-cyc.ability_effect),
        deal_size=market.new_business.deal_size,
        cogs_share=market.margin.cogs_share,
        discount=market.margin.discount_mean,
        per_opportunity=market.sales_cost.per_opportunity,
    )
