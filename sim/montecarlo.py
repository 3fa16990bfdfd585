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

from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .behaviour import Behaviour, Effort, FixedEffort, MonthState, pull_discount
from .distributions import Distribution
from .market import Market
from .measures import COMPONENTS
from .outcomes import Outcomes
from .plan import Plan
from .population import Population
from .sampling import binomial, gamma, poisson, segment_sums
from .streams import (
    BLOCK_TRIALS,
    COUNT,
    CYCLE,
    NEW_SIZE,
    NOISE,
    RENEWAL,
    SHOCK,
    TRIALS,
    XSELL_SIZE,
    BlockRows,
    generator,
    hashed_uniforms,
    rep_counters,
    stream_key,
)

__all__ = ["MonteCarloEngine"]


def _deal_sizes(
    dist: Distribution, key: tuple[int, int], counters: np.ndarray, counts: np.ndarray
) -> np.ndarray:
    """Summed sizes of each (trial, rep)'s ``counts`` deals; a rep's ``j``-th deal
    of a trial has the size at counter ``counters[t, r] + j``, whoever else sells."""
    flat = counts.ravel()
    total = int(flat.sum())
    if total == 0:
        return np.zeros(counts.shape)
    # Counter of deal j of entry i: counters[i] + j = (counters[i] - starts[i]) + (starts[i]
    # + j), in uint64 arithmetic modulo 2**64: one repeat of the per-entry offset.
    starts = (np.cumsum(flat) - flat).astype(np.uint64)
    idx = np.repeat(counters.ravel() - starts, flat)
    idx += np.arange(total, dtype=np.uint64)
    return segment_sums(dist.quantile(hashed_uniforms(key, idx)), counts)


@dataclass(frozen=True)
class MonteCarloEngine:
    """Draws monthly outcomes for a population in a market."""

    market: Market
    population: Population
    months: int = 12
    service_retention: float = 0.05  # retention change per unit of service effort above 1
    service_csat: float = 0.5  # csat change per unit of service effort above 1
    pull_discount: float = 0.08  # extra discount a rep gives to pull a deal a month forward
    pull_months: int = 1  # how many months ahead of a close reps can pull deals from
    pull_discount_per: str = "month"  # the discount compounds per month, or one per deal
    stream: int = TRIALS  # stream family (calibration samples use their own)
    #: The :class:`~sim.engine.Engine` interface: chunks of whole stream blocks, on threads.
    unit: ClassVar[int] = BLOCK_TRIALS
    pool: ClassVar[str] = "threads"

    def simulate_trials(
        self,
        seed: int,
        first: int,
        n: int,
        behaviour: Behaviour | None = None,
        plan: Plan | None = None,
    ) -> Outcomes:
        """Outcomes of trials ``first .. first + n - 1``; ``first`` starts a stream block."""
        if first % BLOCK_TRIALS:
            raise ValueError(f"first trial {first} does not start a stream block")
        return self.simulate_blocks(
            seed, first // BLOCK_TRIALS, -(-n // BLOCK_TRIALS), first + n, behaviour, plan
        )

    def trial_slices(
        self, seed: int, first: int, n: int, rep_trials: int
    ) -> Iterator[tuple[int, Outcomes]]:
        """Outcomes of trials ``first .. first + n - 1`` under fixed effort, in runs of
        at most ``rep_trials`` rep-trials (at least one trial each): ``(offset from
        first, outcomes)`` in trial order.

        A large team's stream block is cut into runs of its trials, each simulated
        alone with the numbers the whole block gives (:class:`~sim.streams.BlockRows`),
        so what is held at once does not grow with the team. Every run holds the whole
        team of its trials: whatever reads across reps (company totals, team measures
        and pay, crediting) sees the same values.
        """
        if first % BLOCK_TRIALS:
            raise ValueError(f"first trial {first} does not start a stream block")
        rows = max(1, rep_trials // max(self.population.size, 1))
        if rows >= n:
            yield 0, self.simulate_trials(seed, first, n)
            return
        end = first + n
        for b in range(first // BLOCK_TRIALS, -(-end // BLOCK_TRIALS)):
            size = min(BLOCK_TRIALS, end - b * BLOCK_TRIALS)
            cache: dict = {}  # the block's normals, drawn once for all its runs
            for lo in range(0, size, rows):
                hi = min(size, lo + rows)
                yield (
                    b * BLOCK_TRIALS + lo - first,
                    self._simulate(seed, [(b, size, lo, hi)], FixedEffort(), None, cache),
                )

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
        blocks = [
            (b, size, 0, size)
            for b in range(first_block, first_block + n_blocks)
            if (size := min(BLOCK_TRIALS, trials - b * BLOCK_TRIALS)) > 0
        ]
        return self._simulate(seed, blocks, behaviour or FixedEffort(), plan)

    def _simulate(
        self,
        seed: int,
        blocks: list[tuple[int, int, int, int]],
        behaviour: Behaviour,
        plan: Plan | None,
        cache: dict | None = None,
    ) -> Outcomes:
        """Outcomes of trials ``lo .. hi`` of each stream block ``(block, size, lo, hi)``."""
        n = sum(hi - lo for _, _, lo, hi in blocks)
        # Month-major storage: each month's values are written contiguously; the
        # outcome table sees (trials, reps, months) views of it.
        shape = (n, self.population.size, self.months)
        passive = getattr(behaviour, "passive", False)
        out = {
            c: np.empty((self.months, n, self.population.size)).transpose(1, 2, 0)
            for c in COMPONENTS
            if c != "renewals_due" and (not passive or c not in PASSIVE)
        }
        # Renewals due are the same in every trial: a read-only view of the team's schedule.
        out["renewals_due"] = np.broadcast_to(
            self.population.renewals_due[None, :, : self.months].astype(float), shape
        )
        if passive:  # nothing moves these: constant, read-only views
            out.update({c: np.broadcast_to(v, shape) for c, v in PASSIVE.items()})
        draws = self._run(seed, blocks, behaviour, plan, out, {} if cache is None else cache)
        return Outcomes(out, draws=draws)

    def _demand_path(self, seed: int, block: int, n: int) -> tuple[np.ndarray, int]:
        """Demand multiplier per (trial, month): seasonality, growth, the trial's
        shared shock and any stacked regime changes or mid-year shocks."""
        mk = self.market
        rng = generator(seed, self.stream, block, SHOCK)
        sd = mk.shock_sd
        path = np.exp(sd * rng.standard_normal(n) - 0.5 * sd * sd)[:, None] * mk.demand(self.months)
        draws = n
        months = np.arange(self.months)
        for sh in mk.shifts:
            f = np.full(n, sh.factor)
            if sh.sd > 0:
                f = f * np.exp(sh.sd * rng.standard_normal(n) - 0.5 * sh.sd**2)
                draws += n
            path = path * np.where(months[None, :] >= sh.month - 1, f[:, None], 1.0)
        return path, draws

    def _deals(self, rng: dict, lam_new, lam_x):
        """Deal counts and bookings of one month (new accounts and cross-sell)."""
        mk = self.market
        count = rng["count"]
        n_new = poisson(count.random(lam_new.shape), lam_new)
        n_x = poisson(count.random(lam_x.shape), lam_x)
        k_new, k_x = int(n_new.sum()), int(n_x.sum())
        cnt = rng["counters"]
        v_new = _deal_sizes(mk.new_business.deal_size, rng["new_size"], cnt, n_new)
        v_x = _deal_sizes(mk.cross_sell.deal_size, rng["xsell_size"], cnt, n_x)
        return n_new, n_x, v_new, v_x, 2 * n_new.size + k_new + k_x

    def _streams(self, seed: int, rows: tuple[int, int, int, int], month: int, cache) -> dict:
        """The streams of a block and month, one per kind of variate (see
        :mod:`sim.streams`), for trials ``lo .. hi`` of the block ``rows = (block,
        size, lo, hi)``: the dense kinds' rows of the block's draws, keys and the
        (trial, rep) counters for the hashed ones. More deals of one kind (more
        effort, another plan) leave the other kinds' draws, and every other rep's
        draws, where they were."""
        block, size, lo, hi = rows
        key = (seed, self.stream, block, month)

        def dense(kind: int) -> BlockRows:
            return BlockRows(
                generator(*key, kind), size, lo, hi, cache.setdefault(key + (kind,), {})
            )

        return {
            "count": dense(COUNT),
            "renewal": dense(RENEWAL),
            "noise": dense(NOISE),
            "new_size": stream_key(*key, NEW_SIZE),
            "xsell_size": stream_key(*key, XSELL_SIZE),
            "cycle": stream_key(*key, CYCLE),
            "counters": self._counters(rows, cache),
        }

    def _counters(self, rows: tuple[int, int, int, int], cache: dict) -> np.ndarray:
        """The (trial, rep) counters of trials ``lo .. hi`` of a block: the same every
        month, so made once per block and chunk."""
        block, _, lo, hi = rows
        key = ("counters", block, lo, hi)
        if key not in cache:
            cache[key] = rep_counters(hi - lo, self.population.size, lo)
        return cache[key]

    def _month_draws(self, rng: dict, lam_new, lam_x, cycle_scale, due, cols, p_keep) -> dict:
        """One stream block's draws for one month, each kind from its own stream."""
        mk = self.market
        n_new, n_x, v_new, v_x, k = self._deals(rng, lam_new, lam_x)
        deals = n_new + n_x
        closed = deals > 0
        cycle = np.zeros(deals.shape)
        shape_k = mk.cycle.shape * deals[closed]
        cycle[closed] = gamma(rng["cycle"], rng["counters"][closed], shape_k) * cycle_scale[closed]
        u_won = rng["renewal"].random((deals.shape[0], cols.size))
        won = binomial(u_won, due[cols], p_keep[:, cols])
        shape = deals.shape
        z_csat = rng["noise"].standard_normal(shape)
        z_disc = rng["noise"].standard_normal(shape)
        k += 2 * int(closed.sum()) + won.size + 2 * deals.size
        return {
            "n_new": n_new,
            "n_x": n_x,
            "v_new": v_new,
            "v_x": v_x,
            "cycle": cycle,
            "won": won,
            "z_csat": z_csat,
            "z_disc": z_disc,
            "_draws": k,
        }

    def _run(
        self,
        seed: int,
        blocks: list[tuple[int, int, int, int]],
        behaviour: Behaviour,
        plan: Plan | None,
        out: dict[str, np.ndarray],
        cache: dict,
    ) -> int:
        """Fill ``out`` (component -> (trials, reps, months)) for trials ``lo .. hi`` of
        the stream ``blocks`` [(block, size, lo, hi), ...]; return the number of random
        variates drawn.

        Every block draws from its own streams in a fixed order; everything else is
        computed on the whole chunk at once, so a chunk of many blocks costs few
        numpy calls per month and gives the same numbers as the blocks one by one.
        """
        mk, pop = self.market, self.population
        r = pop.size
        n = sum(hi - lo for _, _, lo, hi in blocks)
        edges = np.cumsum([0] + [hi - lo for _, _, lo, hi in blocks])
        parts = [(self._demand_path(seed, b, size), lo, hi, size) for b, size, lo, hi in blocks]
        demand = np.concatenate([d[lo:hi] for (d, _), lo, hi, _ in parts])
        draws = sum(k // size * (hi - lo) for (_, k), lo, hi, size in parts)  # the rows' share
        seats = [behaviour.presence(seed, b, size, self.months) for b, size, _, _ in blocks]
        presence = (
            None
            if seats[0] is None
            else np.concatenate([s[lo:hi] for s, (_, _, lo, hi) in zip(seats, blocks, strict=True)])
        )
        base_new, base_x = mk.deal_rates(pop.ability, pop.potential_index, pop.accounts)
        cyc = mk.cycle
        cycle_scale = np.broadcast_to(
            cyc.mean_days / cyc.shape * pop.ability ** (-cyc.ability_effect), (n, r)
        )
        ren = mk.renewal
        p_keep = np.clip(ren.retention + ren.ability_effect * np.log(pop.ability), 0.0, 1.0)
        sat, mg, sc = mk.satisfaction, mk.margin, mk.sales_cost
        accounts_left = np.broadcast_to(pop.accounts.astype(float), (n, r)).copy()
        per_period = self.months // (plan.periods if plan is not None else 1)

        passive = getattr(behaviour, "passive", False)
        zero = np.zeros((n, r))
        booked = {c: zero.copy() for c in SHIFTED}
        booked_period = {c: zero.copy() for c in SHIFTED}
        carry = None  # bookings pushed out of the previous month
        last_period = booked_period  # to-date totals of the last closed period
        held = None  # reps who pushed deals out of the last close: they pull none in
        for m in range(self.months):
            period = m // per_period
            if m % per_period == 0:
                for v in booked_period.values():
                    v[...] = 0.0
            state = MonthState(m, self.months, plan, booked, booked_period, period)
            eff = behaviour.effort(state) or Effort()
            seat = 1.0 if presence is None else presence[:, :, m]
            e_new = eff.new * seat
            rate_x = base_x
            if ren.churn_reduces_cross_sell:
                rate_x = base_x * np.divide(
                    accounts_left, pop.accounts, out=np.zeros((n, r)), where=pop.accounts > 0
                )
            lam_new = np.broadcast_to(demand[:, m : m + 1] * e_new * base_new, (n, r))
            lam_x = np.broadcast_to(demand[:, m : m + 1] * (eff.xsell * seat) * rate_x, (n, r))
            due_m = pop.renewals_due[:, m]
            cols = np.flatnonzero(due_m)
            service = np.asarray(eff.service * seat, dtype=float)
            if service.ndim == 0:  # one service level for all: per-rep vectors suffice
                p_m = np.clip(p_keep + self.service_retention * (service - 1.0), 0.0, 1.0)
                p_m = np.broadcast_to(p_m, (n, r))
            else:
                service = np.broadcast_to(service, (n, r))
                p_m = np.clip(p_keep + self.service_retention * (service - 1.0), 0.0, 1.0)
            csat_base = pop.csat_base + self.service_csat * (service - 1.0)
            if passive and m == 0:
                # A passive behaviour's effort is fixed (the same every month) and it
                # seats every rep: its new-business effort is recorded as a view.
                out["effort"] = np.broadcast_to(
                    np.asarray(e_new, dtype=float)[..., None], (n, r, self.months)
                )
            got = [
                self._month_draws(
                    self._streams(seed, rows, m, cache),
                    lam_new[lo:hi],
                    lam_x[lo:hi],
                    cycle_scale[lo:hi],
                    due_m,
                    cols,
                    p_m[lo:hi],
                )
                for rows, lo, hi in zip(blocks, edges[:-1], edges[1:], strict=True)
            ]
            d = (
                got[0]
                if len(got) == 1
                else {
                    k: (
                        sum(g[k] for g in got)
                        if k == "_draws"
                        else np.concatenate([g[k] for g in got])
                    )
                    for k in got[0]
                }
            )
            draws += d["_draws"]
            n_new, n_x, v_new, v_x, cycle = d["n_new"], d["n_x"], d["v_new"], d["v_x"], d["cycle"]
            deals = n_new + n_x
            won = out["renewals_won"][..., m]
            won[...] = 0.0
            won[:, cols] = d["won"]
            if ren.churn_reduces_cross_sell:
                accounts_left -= due_m - won
            o = {c: v[..., m] for c, v in out.items()}
            # Written in place into the month's storage, without temporaries.
            csat = o["csat"]
            np.multiply(d["z_csat"], sat.month_sd, out=csat)
            csat += csat_base
            np.clip(csat, 0.0, 10.0, out=csat)
            disc = np.multiply(d["z_disc"], mg.discount_sd)
            disc += mg.discount_mean
            np.clip(disc, 0.0, 0.9, out=disc)

            revenue = v_new + v_x
            list_price = np.subtract(1.0, disc, out=disc)
            np.divide(revenue, list_price, out=list_price)
            o["new_value"][...], o["new_count"][...] = v_new, n_new
            o["xsell_value"][...], o["xsell_count"][...] = v_x, n_x
            o["cycle_days_sum"][...] = cycle
            np.subtract(list_price, revenue, out=o["discount_given"])
            np.multiply(list_price, mg.cogs_share, out=list_price)
            np.subtract(revenue, list_price, out=o["gross_margin"])
            np.multiply(deals, sc.per_opportunity / sc.win_rate, out=o["sales_cost"])
            o["sales_cost"] += sc.fixed_per_month
            if passive:  # effort is fixed and nothing shifts: no bookkeeping to do
                continue
            o["effort"][...] = e_new
            o["present"][...] = seat
            for c in ("pulled_in", "pushed_out", "timing_discount"):
                o[c][...] = 0.0

            if carry is not None:  # deals pushed out of last month close now
                carry.add_to(o, 1.0)
                held = carry.movers((n, r))
                carry = None
            ahead = m % per_period + 1  # months since the last period's close
            if m >= per_period and ahead <= self.pull_months:
                # Pull some of this month's deals into the closed period's last month.
                c = m - ahead
                prev = {k: v[..., c] for k, v in out.items()}
                close = MonthState(c, self.months, plan, booked, last_period, period - 1)
                self._pull(behaviour, close, o, prev, [booked, last_period], held, ahead)
            _book(booked, booked_period, o)
            if m % per_period == per_period - 1:  # period close: push out, or pull from next year
                close = MonthState(m, self.months, plan, booked, booked_period, period)
                carry = self._push(behaviour, close, o, [booked, booked_period])
                held = None
                if m == self.months - 1 and behaviour.shifts_deals:
                    pushed_now = None if carry is None else carry.movers((n, r))
                    year = mk.demand(self.months + self.pull_months)
                    for ahead in range(1, self.pull_months + 1):
                        # Next year's months: this December's demand path moved on.
                        f = demand[:, -1:] * (year[self.months + ahead - 1] / year[self.months - 1])
                        lam = np.broadcast_to(f * e_new * base_new, (n, r))
                        lam_next_x = np.broadcast_to(f * (eff.xsell * seat) * rate_x, (n, r))
                        nxt = self._next_year(
                            seed, blocks, edges, lam, lam_next_x, cycle_scale, ahead, cache
                        )
                        draws += nxt.pop("_draws")
                        books = [booked, booked_period]
                        self._pull(behaviour, close, nxt, o, books, pushed_now, ahead)
                last_period = {c: v.copy() for c, v in booked_period.items()}
        return draws

    def _next_year(
        self, seed, blocks, edges, lam_new, lam_x, cycle_scale, ahead=1, cache=None
    ) -> dict:
        """Next year's deals of month ``ahead`` (1: January), drawn only so that reps
        can pull them into this year.

        Counts and sizes are drawn; their cycle days, discount and margin are the
        expected ones (no further draws), so pulling never flatters those measures.
        """
        got = [
            self._deals(
                self._streams(seed, rows, self.months + ahead - 1, {} if cache is None else cache),
                lam_new[lo:hi],
                lam_x[lo:hi],
            )
            for rows, lo, hi in zip(blocks, edges[:-1], edges[1:], strict=True)
        ]
        n_new, n_x, v_new, v_x = (np.concatenate([g[i] for g in got]) for i in range(4))
        k = sum(g[4] for g in got)
        mg = self.market.margin
        revenue = v_new + v_x
        list_price = revenue / (1.0 - mg.discount_mean)
        return {
            "new_value": v_new,
            "new_count": n_new.astype(float),
            "xsell_value": v_x,
            "xsell_count": n_x.astype(float),
            "cycle_days_sum": (n_new + n_x) * self.market.cycle.shape * cycle_scale,
            "gross_margin": revenue - mg.cogs_share * list_price,
            "discount_given": list_price - revenue,
            "_draws": k,
        }

    def _pull(self, behaviour, state, source, dest, books, pushed, ahead=1) -> None:
        """Move the share of ``source`` deals (``ahead`` months after the close) that
        reps pull into the closing month ``dest``, at the extra discount
        :func:`~sim.behaviour.base.pull_discount`; ``books`` are the to-date totals
        to update."""
        movable = {c: source[c] for c in SHIFTED}  # what a move takes; the rest stays
        share = (  # ``ahead`` is passed only when a window asks for it
            behaviour.shift("pull", state, movable, ahead)
            if ahead > 1
            else behaviour.shift("pull", state, movable)
        )
        if share is None:
            return
        if pushed is not None:  # a rep who just pushed deals out does not pull any in
            share = np.where(pushed, 0.0, share)
        moved = _Moved.of(source, share)
        moved.add_to(source, -1.0)
        v = moved.values
        value = v["new_value"] + v["xsell_value"]
        rate = pull_discount(self.pull_discount, ahead, self.pull_discount_per)
        given = value * rate
        v["new_value"] = v["new_value"] * (1.0 - rate)
        v["xsell_value"] = v["xsell_value"] * (1.0 - rate)
        v["gross_margin"] = v["gross_margin"] - given
        v["discount_given"] = v["discount_given"] + given
        moved.add_to(dest, 1.0)
        dest["pulled_in"][moved.at] += value - given
        dest["timing_discount"][moved.at] += given
        for book in books:
            moved.add_to(book, 1.0)

    def _push(self, behaviour, state, month, books) -> _Moved | None:
        """Take the share of this month's deals that reps push into the next period."""
        share = behaviour.shift("push", state, {c: month[c] for c in SHIFTED})
        if share is None:
            return None
        moved = _Moved.of(month, share)
        moved.add_to(month, -1.0)
        month["pushed_out"][moved.at] += moved.values["new_value"] + moved.values["xsell_value"]
        for book in books:
            moved.add_to(book, -1.0)
        return moved


@dataclass
class _Moved:
    """Deals moved out of a month: the (trial, rep) entries that move some, and what
    each takes of every :data:`SHIFTED` component. Few entries move at a close, so a
    move touches only theirs (adding nothing elsewhere changes nothing)."""

    at: tuple[np.ndarray, np.ndarray]  # (trials, reps) indices of the entries that move
    values: dict[str, np.ndarray]  # component -> what each entry moves

    @classmethod
    def of(cls, month: dict[str, np.ndarray], share) -> _Moved:
        """``share`` (per entry) of each of the month's components."""
        shape = month["new_value"].shape
        share = np.broadcast_to(share, shape)
        at = np.nonzero(share)
        s = share[at]
        return cls(at, {c: month[c][at] * s for c in SHIFTED})

    def add_to(self, target: dict[str, np.ndarray], sign: float) -> None:
        """Add (``sign`` 1) or take away (-1) the moved values, where ``target`` has them."""
        for c, v in self.values.items():
            if c in target:
                target[c][self.at] += sign * v

    def movers(self, shape: tuple[int, int]) -> np.ndarray:
        """Whether each entry moved any bookings."""
        out = np.zeros(shape, bool)
        out[self.at] = (self.values["new_value"] + self.values["xsell_value"]) > 0
        return out


#: Components only a responding behaviour changes, and their value in a passive run
#: (effort: the fixed level of the run, 1.0 for the foundation engine).
PASSIVE = {
    "effort": 1.0,
    "present": 1.0,
    "pulled_in": 0.0,
    "pushed_out": 0.0,
    "timing_discount": 0.0,
}
#: Components that move with a deal when reps shift its closing date.
SHIFTED = (
    "new_value",
    "new_count",
    "xsell_value",
    "xsell_count",
    "cycle_days_sum",
    "gross_margin",
    "discount_given",
)


def _book(booked: dict, booked_period: dict, month: dict) -> None:
    for c in SHIFTED:
        booked[c] += month[c]
        booked_period[c] += month[c]
