"""One simulated plan year of the key-account pipeline, as SimPy processes.

Per rep: a capacity of concurrent work (a ``simpy.Resource``), part of it held
for servicing accounts (more with more service effort), the rest working
opportunities; a monthly flow of new-account opportunities from prospecting
and of expansion opportunities from the accounts still held (in proportion to
each account's expansion potential, more when they are satisfied). Each
opportunity waits for a slot, then moves through the stages, each taking time
and passing with a chance that depends on the rep's skill and on the attention
(effort) the task gets; a won deal may slip; a deal size is known once it
reaches the last stage. Accounts renew or churn on their renewal date with a
chance that moves with service effort and the account's satisfaction, which
drifts each month towards a level set by service and by how overloaded the rep
is. At period ends reps push won deals out and pull final-stage deals in, as
the behaviour model decides. On account teams (:mod:`sim.teams`) overlays
originate nothing. Co-selling is a pair of events: an opportunity reaching
``co_sell_stage`` asks each specialist of a co-selling role serving its team;
one who accepts (with the share of requests the behaviour's ``accept`` gives,
chosen by :func:`sim.behaviour.collaboration.choose_help`; all without it)
asks for one of their own slots, in turn with their own opportunities, joins
the deal when it is granted and holds it to the deal's end (a request still
waiting then is withdrawn), so when their capacity binds their own
opportunities wait behind the help; each stage that ends with them on the deal
has its win chance raised by the role's ``win_lift``. Per helper the outcomes
carry ``help_count`` (opportunities joined), ``help_days`` (slot-days on other
reps' deals) and ``help_value`` (bookings the help added, in expectation).

The year is preceded by ``warmup_months`` of the same process (nothing
recorded) so that it starts with a pipeline in flight. Draws are addressed by
rep: everything about one rep (opportunity counts and arrival times, stage
times and wins, deal sizes, discounts, slips, renewals, account satisfaction,
pushes and pulls) comes from that rep's own ``random.Random``, seeded from
``SeedSequence(seed, spawn_key=(PIPELINE, replication, PIPELINE_REP, rep))``, so
changing one rep's effort or plan never changes another rep's draws. Whether a
specialist accepts a request is drawn from the asking rep's own co-selling
stream (``PIPELINE_COSELL``), so asking moves nobody's draws; with co-selling,
other reps' *outcomes* may still move through a specialist's capacity (busy on
one deal, not free for the next). Only the trial-wide demand shock and shifts
come from the replication's own stream.
"""

from __future__ import annotations

import math
import random

import numpy as np
import simpy

from ..behaviour import Behaviour, Effort, MonthState
from ..measures import COMPONENTS
from ..montecarlo import SHIFTED
from ..sampling import poisson
from ..streams import PIPELINE, PIPELINE_COSELL, PIPELINE_REP

__all__ = ["HELP_COMPONENTS", "MONTH_DAYS", "Replication", "events_processed"]

#: Days in a month of the simulation clock (time unit: days).
MONTH_DAYS = 365.25 / 12
#: Deal sizes drawn at once from a rep's stream (by inversion of the size distribution).
SIZE_BATCH = 32
NEW, XSELL = 0, 1
#: Components of help given, per helper, added when an account team co-sells:
#: opportunities joined, slot-days held on other reps' deals, bookings help added.
HELP_COMPONENTS = ("help_count", "help_days", "help_value")
#: Components the behaviour model reads to date: those a won deal books, which move
#: with it when a rep shifts its close (the Monte Carlo engine's list: one for both
#: engines and the timing decision).
BOOKED = SHIFTED


def events_processed(env: simpy.Environment) -> int:
    """Events ``env`` has processed: every event scheduled gets the next number of its
    counter; those still queued were not processed. Reading the counter costs
    nothing per event (a counting ``step`` override cost about 7% of the run)."""
    return next(env._eid) - len(env._queue)


def _gamma(rnd: random.Random, shape: float, mean: float) -> float:
    """A gamma duration with the given shape and mean; a product of uniforms for small
    whole shapes (an Erlang draw, several times faster than ``gammavariate``)."""
    if shape == 1.0:
        return -mean * math.log(1.0 - rnd.random())
    if shape == 2.0:
        return -0.5 * mean * math.log((1.0 - rnd.random()) * (1.0 - rnd.random()))
    return rnd.gammavariate(shape, mean / shape)


def _vector(x, size: int) -> list[float]:
    """An effort value (scalar, (reps,) or (1, reps)) as a list of ``size`` floats."""
    a = np.asarray(x, dtype=float).reshape(-1)
    return (np.broadcast_to(a, (size,)) if a.size in (1, size) else a[-size:]).tolist()


def _rep_stream(seed: int, replication: int, rep: int, kind: int = PIPELINE_REP) -> random.Random:
    """Rep ``rep``'s own stream (of ``kind``) in replication ``replication`` of seed ``seed``."""
    ss = np.random.SeedSequence(seed, spawn_key=(PIPELINE, replication, kind, rep))
    return random.Random(int.from_bytes(ss.generate_state(4).tobytes(), "little"))


class Replication:
    """State and processes of one replication (one simulated plan year)."""

    def __init__(self, engine, seed: int, index: int, behaviour: Behaviour, plan, ledger: bool):
        self.engine, self.behaviour, self.plan = engine, behaviour, plan
        spec, pop, mk = engine.spec, engine.population, engine.market
        self.spec, self.pop, self.mk = spec, pop, mk
        self.R, self.M, self.W = pop.size, engine.months, spec.warmup_months
        self.seed, self.index = seed, index
        ss = np.random.SeedSequence(seed, spawn_key=(PIPELINE, index))
        np_ss, _ = ss.spawn(2)
        self.np_rng = np.random.Generator(np.random.PCG64(np_ss))
        self.rnds = [_rep_stream(seed, index, r) for r in range(self.R)]
        self.env = simpy.Environment()
        teams = pop.account_teams
        caps = np.full(self.R, spec.capacity)
        if teams is not None and teams.capacity.size:  # a role's own capacity, if it states one
            caps = np.where(teams.capacity > 0, teams.capacity, caps)
        self.capacity = caps.astype(float)
        self.slots = [simpy.Resource(self.env, int(c)) for c in caps.tolist()]
        self.waiting = [0] * self.R
        self.service_held: list[list] = [[] for _ in range(self.R)]  # slots held for service
        self.final: list[dict] = [{} for _ in range(self.R)]  # opportunities in the last stage
        self.month_won: list[list] = [[] for _ in range(self.R)]  # deals won this month
        self.comp = {c: np.zeros((self.R, self.M)) for c in COMPONENTS}
        self.costs = [0.0] * (self.R * self.M)  # pursuit costs, added to sales_cost at the end
        self.ledger = [] if ledger else None
        self.live: dict[int, tuple] = {}
        self.draws = 0
        self.next_id = 0
        # Account teams: overlays originate nothing; co-sellers join their teams' deals.
        self.originates = None if teams is None else teams.originates.astype(float)
        co = None if teams is None else teams.co_sellers()
        self.co_sellers = co if co is not None and any(co) else None
        if self.co_sellers is not None:
            self.win_lift = teams.win_lift.tolist()
            accept = getattr(behaviour, "accept", None)
            self.accept = [1.0] * self.R if accept is None else _vector(accept, self.R)
            self.co_rnds = [_rep_stream(seed, index, r, PIPELINE_COSELL) for r in range(self.R)]
            self.ask = max(spec.co_sell_index, 0)
            for c in HELP_COMPONENTS:
                self.comp[c] = np.zeros((self.R, self.M))
        self.timing = getattr(behaviour, "shifts_deals", False)
        self.per_period = self.M // (plan.periods if plan is not None else 1)

        # Per-rep constants.
        ab = pop.ability
        self.skill = (ab**spec.skill_win).tolist()
        self.speed = (ab ** (-spec.skill_speed)).tolist()
        ren = mk.renewal
        self.p_keep = np.clip(ren.retention + ren.ability_effect * np.log(ab), 0.0, 1.0)
        stages = [(s.days, s.shape, s.win) for s in spec.stages]
        self.stages = {
            NEW: stages,
            XSELL: [(s.days, s.shape, s.win) for s in spec.expansion_stages],
        }
        # Accounts: one entry per existing account, in rep order, with its renewal month.
        due = pop.renewals_due[:, : self.M]
        self.acc_rep = np.repeat(np.arange(self.R), due.sum(1))
        self.acc_month = np.concatenate([np.repeat(np.arange(self.M), row) for row in due])
        self.acc_csat = np.clip(
            pop.csat_base[self.acc_rep] + spec.account_csat_sd * self._normals(self.acc_rep),
            0.0,
            10.0,
        )
        self.acc_active = np.ones(self.acc_rep.size, dtype=bool)
        # Expansion potential of each account (mean 1): where expansion comes from.
        cv = spec.expansion_potential_cv
        self.acc_pot = (
            np.array([self.rnds[r].gammavariate(1.0 / cv**2, cv**2) for r in self.acc_rep.tolist()])
            if cv > 0
            else np.ones(self.acc_rep.size)
        )
        self.potential = np.bincount(self.acc_rep, self.acc_pot, self.R)  # of accounts held
        self.rep_csat = pop.csat_base.copy()  # mean satisfaction of the accounts held
        self.rep_accounts = [np.flatnonzero(self.acc_rep == i).tolist() for i in range(self.R)]
        # Demand: seasonality and growth, the trial's shared shock, stacked shifts.
        sd = mk.shock_sd
        shock = math.exp(sd * float(self.np_rng.standard_normal()) - 0.5 * sd * sd)
        s = np.asarray(mk.seasonality, dtype=float)
        s = s / s.mean()
        months = np.arange(-self.W, self.M)
        demand = s[months % 12] * (1.0 + mk.growth) ** ((months + 0.5) / 12.0)
        for sh in mk.shifts:
            f = sh.factor
            if sh.sd > 0:
                f *= math.exp(sh.sd * float(self.np_rng.standard_normal()) - 0.5 * sh.sd**2)
            demand = demand * np.where(months >= sh.month - 1, f, 1.0)
        self.demand = demand * np.where(months >= 0, shock, 1.0)
        self.draws += 2 + 2 * self.acc_rep.size
        seats = behaviour.presence(seed, index, 1, self.M)
        self.presence = None if seats is None else seats[0]
        self.sizes = {NEW: [[] for _ in range(self.R)], XSELL: [[] for _ in range(self.R)]}
        self.service = [1.0] * self.R
        self.att_speed = {NEW: [1.0] * self.R, XSELL: [1.0] * self.R}
        self.att_win = {NEW: [1.0] * self.R, XSELL: [1.0] * self.R}

    # ---- internals -----------------------------------------------------------
    def _month(self, t: float) -> int:
        return int(t / MONTH_DAYS) - self.W

    def _normals(self, reps: np.ndarray) -> np.ndarray:
        """One standard normal per entry of ``reps``, each from that rep's stream."""
        rnds = self.rnds
        return np.array([rnds[r].gauss(0.0, 1.0) for r in reps.tolist()], dtype=float)

    def _size(self, kind: int, rep: int) -> float:
        buf = self.sizes[kind][rep]
        if not buf:
            mk = self.mk
            dist = mk.new_business.deal_size if kind == NEW else mk.cross_sell.deal_size
            rnd = self.rnds[rep]
            u = np.array([rnd.random() for _ in range(SIZE_BATCH)])
            buf.extend(dist.quantile(u).tolist())
            self.draws += SIZE_BATCH
        return buf.pop()

    def _cost(self, rep: int, amount: float) -> None:
        m = self._month(self.env._now)
        if 0 <= m < self.M:
            self.costs[rep * self.M + m] += amount

    # ---- processes -----------------------------------------------------------
    def run(self) -> None:
        self.env.process(self._months())
        self.env.run(until=(self.W + self.M) * MONTH_DAYS)
        self._end_month(self.M - 1)  # the run stops before the last month's own close
        if self.timing:  # deals pulled in at the year's close are booked in it
            self.env.run(until=self.env.now + 1e-6)
        self.comp["sales_cost"] += np.reshape(self.costs, (self.R, self.M))
        if self.ledger is not None:
            t0 = self.W * MONTH_DAYS
            for oid, (rep, kind, acc, created, stage) in self.live.items():
                self.ledger.append(
                    (oid, rep, kind, acc, created - t0, np.nan, "open", np.nan, stage)
                )

    def _opportunity(self, rep: int, kind: int, delay: float, account: int):
        env, rnd, spec = self.env, self.rnds[rep], self.spec
        yield env.timeout(delay)
        created = env._now
        oid = self.next_id
        self.next_id += 1
        stages = self.stages[kind]
        skipped = len(spec.stages) - len(stages)  # ledger stages count from the first
        if self.ledger is not None:
            self.live[oid] = (rep, kind, account, created, skipped)
        self._cost(rep, spec.travel_per_opportunity)
        slots = self.slots[rep]
        req = slots.request()
        self.waiting[rep] += 1
        yield req
        self.waiting[rep] -= 1
        helpers: list = []  # co-sellers asked: [rep, slot request, joined at, share of the win]
        ask = -1 if self.co_sellers is None else max(self.ask - skipped, 0)
        last = len(stages) - 1
        speed, skill = self.speed[rep], self.skill[rep]
        att_speed, att_win = self.att_speed[kind], self.att_win[kind]
        won, pulled, amount = False, None, 0.0
        for i, (days, shape, win) in enumerate(stages):
            if self.ledger is not None:
                self.live[oid] = (rep, kind, account, created, i + skipped)
            self._cost(rep, spec.presales_per_stage)
            if i == ask:
                helpers = self._ask(rep)
            mean = days * speed * att_speed[rep]
            dur = 0.0
            if mean > 0:
                dur = _gamma(rnd, shape, mean)
            self.draws += 2
            if i == last:
                amount = self._size(kind, rep)  # the deal's size is known at the last stage
                final = self.final[rep]
                proc = env.active_process
                final[proc] = (kind, amount)
                try:
                    if dur > 0:
                        yield env.timeout(dur)
                except simpy.Interrupt as stop:
                    pulled = stop.cause
                del final[proc]
            elif dur > 0:
                yield env.timeout(dur)
            p = win * skill * att_win[rep]
            if helpers:  # co-sellers who have joined by the stage's end lift its win chance
                on = [h for h in helpers if h[2] is not None]
                for h in on:
                    p *= 1.0 + self.win_lift[h[0]]
                for h in on if p > 0 else ():  # each one's part: win chance without / with
                    h[3] *= min(p / (1.0 + self.win_lift[h[0]]), 1.0) / min(p, 1.0)
            if rnd.random() >= p:
                break
        else:
            won = True
        if helpers:
            self._release_helpers(helpers)
        if won and pulled is None and spec.slip_probability > 0 and spec.slip_days > 0:
            self.draws += 1
            if rnd.random() < spec.slip_probability:
                slots.release(req)  # the rep waits on the customer, not on their own time
                req = None
                yield env.timeout(rnd.expovariate(1.0 / spec.slip_days))
        if req is not None:
            slots.release(req)
        now = env._now
        if won:
            self._book(rep, kind, amount, now - created, pulled, helpers)
        if self.ledger is not None:
            del self.live[oid]
            t0 = self.W * MONTH_DAYS
            status = "won" if won else "lost"
            self.ledger.append(
                (oid, rep, kind, account, created - t0, now - t0, status, amount, i + skipped)
            )

    def _ask(self, rep: int) -> list:
        """Ask each co-seller of ``rep``'s team to join an opportunity: one who accepts
        (drawn from ``rep``'s co-selling stream) asks for one of their own slots, in turn
        with their own opportunities, and joins the deal when it is granted."""
        out, rnd = [], self.co_rnds[rep]
        for s in self.co_sellers[rep]:
            self.draws += 1
            if rnd.random() >= self.accept[s]:
                continue
            h = [s, self.slots[s].request(), None, 1.0]
            if h[1].triggered:
                self._join(h)
            else:
                h[1].callbacks.append(lambda event, h=h: self._join(h))
            out.append(h)
        return out

    def _join(self, h: list) -> None:
        """A co-seller's slot is granted: they join the deal now."""
        h[2] = self.env._now
        m = self._month(h[2])
        if 0 <= m < self.M:
            self.comp["help_count"][h[0], m] += 1.0

    def _release_helpers(self, helpers: list) -> None:
        """Co-sellers leave a deal that ended: their slots free (or the request withdrawn
        if none came in time), the days they held recorded."""
        now = self.env._now
        m = self._month(now)
        for s, req, joined, _ in helpers:
            if joined is None and not req.triggered:
                req.cancel()
                continue
            joined = now if joined is None else joined  # granted this instant
            self.slots[s].release(req)
            if 0 <= m < self.M:
                self.comp["help_days"][s, m] += now - joined

    def _book(self, rep: int, kind: int, value: float, cycle: float, pulled, helpers=()) -> None:
        """Record a won deal in its month (``pulled``: the month it was pulled into);
        each co-seller is credited in ``help_value`` with the part of the win their
        lift accounts for: value × (1 − win chance without them / with them)."""
        m = self._month(self.env._now) if pulled is None else pulled
        if not 0 <= m < self.M:
            return
        mg = self.mk.margin
        disc = min(max(self.rnds[rep].gauss(mg.discount_mean, mg.discount_sd), 0.0), 0.9)
        self.draws += 1
        list_price = value / (1.0 - disc)
        given = list_price - value
        c = self.comp
        if pulled is not None:  # closed early at an extra discount
            extra = value * self.engine.pull_discount
            value -= extra
            given += extra
            c["pulled_in"][rep, m] += value
            c["timing_discount"][rep, m] += extra
        margin = value - mg.cogs_share * list_price
        key = "new" if kind == NEW else "xsell"
        c[f"{key}_value"][rep, m] += value
        c[f"{key}_count"][rep, m] += 1.0
        c["cycle_days_sum"][rep, m] += cycle
        c["gross_margin"][rep, m] += margin
        c["discount_given"][rep, m] += given
        for s, _, joined, share in helpers:
            if joined is not None:
                c["help_value"][s, m] += value * (1.0 - share)
        if self.timing:
            self.month_won[rep].append((m, key, value, cycle, margin, given))

    def _renew(self, account: int, event) -> None:
        rep = int(self.acc_rep[account])
        m = int(self.acc_month[account])
        sp = self.spec
        p = (
            self.p_keep[rep]
            + sp.service_retention * (self.service[rep] - 1.0)
            + sp.csat_retention * (self.acc_csat[account] - self.mk.satisfaction.mean)
        )
        self.draws += 1
        self.comp["renewals_due"][rep, m] += 1.0
        if self.rnds[rep].random() < p:
            self.comp["renewals_won"][rep, m] += 1.0
        else:
            self.acc_active[account] = False
            self.potential[rep] = max(self.potential[rep] - self.acc_pot[account], 0.0)
            self.rep_accounts[rep].remove(account)

    def _months(self):
        env = self.env
        for m in range(-self.W, self.M):
            self._start_month(m)
            yield env.timeout(MONTH_DAYS)
            if 0 <= m < self.M - 1:
                self._end_month(m)

    def _state(self, m: int, period: int, to: int) -> MonthState:
        """What reps know: bookings to date (before month ``to``), as (1, reps) arrays."""
        lo = period * self.per_period
        booked = {c: self.comp[c][None, :, :to].sum(2) for c in BOOKED}
        booked_period = {c: self.comp[c][None, :, lo:to].sum(2) for c in BOOKED}
        return MonthState(m, self.M, self.plan, booked, booked_period, period)

    def _start_month(self, m: int) -> None:
        R, spec, pop = self.R, self.spec, self.pop
        eff = Effort()
        seat = np.ones(R)
        if m >= 0:
            eff = self.behaviour.effort(self._state(m, m // self.per_period, m)) or Effort()
            if self.presence is not None:
                seat = self.presence[:, m]
        e_new = np.asarray(_vector(eff.new, R)) * seat
        e_x = np.asarray(_vector(eff.xsell, R)) * seat
        service = np.asarray(_vector(eff.service, R)) * seat
        self.service = service.tolist()
        self._hold_service_slots(service)
        tiny = 1e-9
        for kind, e in ((NEW, e_new), (XSELL, e_x)):
            e = np.maximum(e, tiny)
            self.att_speed[kind] = (e ** (-spec.attention_speed)).tolist()
            self.att_win[kind] = (e**spec.attention_win).tolist()
        d = self.demand[m + self.W]
        lam_new = spec.opportunities_per_month * pop.ability * pop.potential_index * d * e_new
        happy = np.maximum(
            1.0 + spec.csat_expansion * (self.rep_csat - self.mk.satisfaction.mean), 0.0
        )
        lam_x = spec.expansion_per_account_month * self.potential * pop.ability * d * e_x * happy
        if self.originates is not None:  # overlays sell only with the account managers
            lam_new, lam_x = lam_new * self.originates, lam_x * self.originates
        rnds = self.rnds
        u = np.array([[rnd.random(), rnd.random()] for rnd in rnds]).reshape(R, 2)
        counts = poisson(u.T.ravel(), np.concatenate([lam_new, lam_x]))
        self.draws += 2 * R + int(counts.sum())
        env, proc = self.env, self._opportunity
        for j, n in enumerate(counts.tolist()):
            kind, rep = (NEW, j) if j < R else (XSELL, j - R)
            rnd = rnds[rep]
            for _ in range(n):
                if kind == NEW:
                    account = -1  # a prospect
                else:
                    held = self.rep_accounts[rep]
                    weights = [self.acc_pot[a] for a in held]
                    account = rnd.choices(held, weights)[0] if held else -1
                env.process(proc(rep, kind, rnd.random() * MONTH_DAYS, account))
        if m < 0:
            return
        c = self.comp
        c["effort"][:, m] = e_new
        c["present"][:, m] = seat
        c["sales_cost"][:, m] += self.mk.sales_cost.fixed_per_month
        due = np.flatnonzero((self.acc_month == m) & self.acc_active)
        at = np.array([rnds[r].random() for r in self.acc_rep[due].tolist()]) * MONTH_DAYS
        self.draws += due.size
        for a, t in zip(due.tolist(), at.tolist(), strict=True):
            ev = env.timeout(t)
            ev.callbacks.append(lambda event, a=a: self._renew(a, event))

    def _hold_service_slots(self, service: np.ndarray) -> None:
        """Account servicing holds part of each rep's capacity (more with more service
        effort); the rest works opportunities. Slot requests queue like any other, and
        are changed only when the number wanted changes (few events)."""
        top = self.capacity - 1  # always leave one slot for opportunities
        want = np.clip(np.rint(self.spec.service_slots * service), 0, top).astype(int)
        for rep, k in enumerate(want.tolist()):
            held, slots = self.service_held[rep], self.slots[rep]
            while len(held) < k:
                held.append(slots.request())
            while len(held) > k:
                req = held.pop()
                if req.triggered:
                    slots.release(req)
                else:
                    req.cancel()

    def _end_month(self, m: int) -> None:
        sp, pop = self.spec, self.pop
        load = np.asarray(self.waiting, dtype=float) / self.capacity
        service = np.asarray(self.service)
        target = pop.csat_base + sp.service_csat * (service - 1.0) - sp.overload_csat * load
        a = self.acc_rep
        z = self._normals(a)
        self.acc_csat = np.clip(
            self.acc_csat + sp.csat_pull * (target[a] - self.acc_csat) + sp.account_csat_sd * z,
            0.0,
            10.0,
        )
        w = self.acc_active.astype(float)
        n = np.bincount(a, w, self.R)
        mean = np.divide(
            np.bincount(a, w * self.acc_csat, self.R), n, out=target.copy(), where=n > 0
        )
        self.rep_csat = mean
        survey = self._normals(np.arange(self.R)) * self.mk.satisfaction.month_sd
        self.draws += a.size + self.R
        self.comp["csat"][:, m] = np.clip(mean + survey, 0.0, 10.0)
        if self.timing and (m + 1) % self.per_period == 0:
            self._period_close(m)
        if self.timing:
            for won in self.month_won:
                won.clear()

    def _period_close(self, m: int) -> None:
        """Push won deals out of the closing month; pull final-stage deals into it."""
        c, R = self.comp, self.R
        period = m // self.per_period
        month = {k: c[k][None, :, m].copy() for k in BOOKED}
        share = self.behaviour.shift("push", self._state(m, period, m + 1), month)
        pushed = np.zeros(R, dtype=bool)
        if share is not None:
            share = _vector(share, R)
            for rep in range(R):
                if share[rep] <= 0:
                    continue
                for mo, key, value, cycle, margin, given in self.month_won[rep]:
                    if mo != m or self.rnds[rep].random() >= share[rep]:
                        continue
                    pushed[rep] = True
                    for comp, v in (
                        (f"{key}_value", value),
                        (f"{key}_count", 1.0),
                        ("cycle_days_sum", cycle),
                        ("gross_margin", margin),
                        ("discount_given", given),
                    ):
                        c[comp][rep, m] -= v
                        if m + 1 < self.M:
                            c[comp][rep, m + 1] += v
                    c["pushed_out"][rep, m] += value
        cand = {k: np.zeros((1, R)) for k in BOOKED}
        for rep, final in enumerate(self.final):
            for kind, amount in final.values():
                key = "new" if kind == NEW else "xsell"
                cand[f"{key}_value"][0, rep] += amount
                cand[f"{key}_count"][0, rep] += 1.0
        share = self.behaviour.shift("pull", self._state(m, period, m + 1), cand)
        if share is None:
            return
        share = _vector(share, R)
        for rep, final in enumerate(self.final):
            if share[rep] <= 0 or pushed[rep]:
                continue
            for proc in list(final):
                if self.rnds[rep].random() < share[rep]:
                    proc.interrupt(m)
