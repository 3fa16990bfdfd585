"""Deal timing at period ends: pulling deals forward, pushing them out.

At a period's close a rep compares the pay a block of deals earns in this
period with what it would earn in the next (Oyer 1998; Larkin 2014). Pulling
next month's deals forward (at an extra discount the firm pays) is worth it
when it carries attainment across a threshold, a step or into an accelerator;
pushing this month's deals out is worth it when they earn nothing now (past a
cap, or hopelessly short of the threshold) but would next period. Under a
straight linear commission neither move gains anything.

Deals can be pulled from up to ``pull_months`` months after the close, at a
discount that grows with the distance (:func:`~sim.behaviour.base.pull_discount`);
the rep is paid on the discounted value. With an annual true-up a move is weighed
at the larger of the period's and the annual curve's marginal rate, the rule
effort follows (:func:`sim.payout.marginal_pay`).
"""

from __future__ import annotations

import numpy as np

from ..measures import MEASURES
from ..payout import ToDate, annual_marginal_pay, annual_targets, marginal_pay, pay_to_date
from ..plan import Plan
from .base import MonthState, pull_discount
from .dynamics import paid_flow_measures, remaining_flows
from .flows import Flows
from .spec import TimingSpec

__all__ = ["PRICED", "shift_share"]

#: Components a pull discount lowers (the engine takes the discount off these).
PRICED = ("new_value", "xsell_value")


class _Entries:
    """The (trial, rep) entries ``sel`` of a team's arrays, gathered into one row of
    "reps" (each entry with its rep's targets and flows). Only for plans without team
    measures: nothing then pools entries, so each is worked out on its own numbers."""

    def __init__(self, sel: np.ndarray, plan: Plan):
        self.shape = sel.shape
        self.flat = np.flatnonzero(sel)
        self.t, self.r = np.unravel_index(self.flat, self.shape)
        self.read = _read(plan)

    def __call__(self, x) -> np.ndarray:
        x = np.asarray(x)
        if x.shape == self.shape and x.flags.c_contiguous:
            return x.reshape(-1).take(self.flat)[None]
        if x.ndim and x.shape[:-1] in ((), (1,)) and x.shape[-1] == self.shape[1]:
            return x.reshape(-1).take(self.r)[None]  # one value per rep, as flows are
        return np.broadcast_to(x, self.shape)[self.t, self.r][None]

    def totals(self, d: dict) -> dict:
        return {c: self(v) for c, v in d.items() if c in self.read}

    def state(self, s: MonthState) -> MonthState:
        booked, period = self.totals(s.booked), self.totals(s.booked_period)
        return MonthState(s.month, s.months, s.plan, booked, period, s.period)

    def targets(self, targets: dict) -> dict:
        return {k: v[self.r] for k, v in targets.items()}

    def rest(self, rest):
        def sub(months: slice) -> dict:
            return {k: (self(mean), self(var)) for k, (mean, var) in rest(months).items()}

        return sub

    def setting(self, targets: dict, team_index: np.ndarray, rest, state: MonthState) -> tuple:
        """Targets, team index, flows still to come and month state of the entries: what
        every decision on them reads, in that order."""
        return self.targets(targets), team_index[self.r], self.rest(rest), self.state(state)

    def year(self, year: tuple | None) -> tuple | None:
        """:func:`_year` of the team, for the entries."""
        if year is None:
            return None
        year_t, next_year = year
        return self.targets(year_t), None if next_year is None else {
            k: self(v) for k, v in next_year.items()
        }

    def scatter(self, sub: np.ndarray, base: np.ndarray) -> np.ndarray:
        out = np.array(base, dtype=float, copy=True)
        out[self.t, self.r] = sub[0]
        return out


def _read(plan: Plan) -> set[str]:
    """The components pay to date reads: those of the plan's measures, gates and
    modifiers that bookings give (:class:`~sim.payout.ToDate` counts averages such as
    csat as on target, whatever was booked)."""
    names = {m.name for m in plan.measures} | {g.measure for g in plan.gates}
    names |= {d.measure for d in plan.modifiers}
    kinds = [MEASURES[n] for n in names if not MEASURES[n].average]
    return {c for k in kinds for c in k.numerator + k.denominator}


def _next_unit(plan, targets, team_index, rest, period, values) -> dict:
    """Marginal pay per unit of each measure at the start of the next period: nothing
    booked, the same for every trial, so one row of reps."""
    nxt = (period + 1) % plan.periods
    per = 12 // plan.periods
    zero = {c: np.zeros((1, np.shape(v)[-1])) for c, v in values.items()}
    start = ToDate(plan, targets, team_index, zero, nxt)
    return marginal_pay(start, rest(slice(nxt * per, (nxt + 1) * per)))


def _next_value(plan, targets, team_index, unit, period, values):
    """Expected pay the deals would earn at the start of the next period (marginal)."""
    moved = ToDate(plan, targets, team_index, values, (period + 1) % plan.periods)
    return sum(unit[m.id] * moved.value(m.name) for m, _ in paid_flow_measures(plan))


def _year(plan, targets, team_index, rest, state, values) -> tuple | None:
    """Per rep, what the annual true-up weighs a move with: the year's targets and, in
    the year's last period, the marginal pay of next year's curve from nothing booked
    (the same in every trial). None without a true-up."""
    if not (plan.true_up and plan.periods > 1):
        return None
    year_t = annual_targets(plan, targets)
    next_year = None
    if state.period == plan.periods - 1:
        zero = {c: np.zeros((1, len(team_index))) for c in values}
        start = ToDate(plan, year_t, team_index, zero, 0)
        next_year = annual_marginal_pay(start, rest(slice(0, state.months)))
    return year_t, next_year


def shift_share(
    kind: str,
    plan: Plan,
    targets: dict[str, np.ndarray],
    team_index: np.ndarray,
    flows: Flows,
    state: MonthState,
    values: dict[str, np.ndarray],
    task_effort: dict[str, np.ndarray],
    spec: TimingSpec,
    ahead: int = 1,
) -> np.ndarray:
    """Share of ``values`` each rep moves: into the closing period (pull, from ``ahead``
    months after the close, at :func:`~sim.behaviour.base.pull_discount`) or out of it
    (push)."""
    share = spec.max_shift_share if kind == "pull" else spec.max_push_share
    hurdle = spec.hurdle * plan.pay_mix.target_incentive / plan.periods

    def rest(months: slice) -> dict:
        return remaining_flows(plan, flows, task_effort, months)

    unit = _next_unit(plan, targets, team_index, rest, state.period, values)
    year = _year(plan, targets, team_index, rest, state, values)
    arrays = [*values.values(), *state.booked_period.values()]
    shape = np.broadcast_shapes(*(np.shape(v) for v in arrays))
    if len(shape) != 2 or any(m.level == "team" for m in plan.measures):
        args = (targets, team_index, rest, state, values, unit)
        gain = _gain(kind, plan, *args, spec, ahead, share, year)
    else:
        # A rep with no deals to move gains nothing by moving them (a gain of 0, never
        # above the hurdle); most rep-months close no deal, so only the others are
        # worked out, each on its own numbers.
        some = np.zeros(shape, bool)
        for c in _read(plan) & set(values):
            some |= np.asarray(values[c]) != 0
        gain = np.zeros(shape)
        if some.any():
            e = _Entries(some, plan)
            sub = _gain(
                kind,
                plan,
                *e.setting(targets, team_index, rest, state),
                e.totals(values),
                {k: v[..., e.r] for k, v in unit.items()},
                spec,
                ahead,
                share,
                e.year(year),
            )
            gain = e.scatter(sub, gain)
    return np.where(gain > hurdle, share, 0.0)


def _gain(kind, plan, targets, team_index, rest, state, values, unit, spec, ahead, share, year):
    """What moving ``share`` of ``values`` is worth to each rep (money); ``unit`` is
    :func:`_next_unit`, ``year`` :func:`_year`."""
    moved = {c: v * share for c, v in values.items()}
    hurdle = spec.hurdle * plan.pay_mix.target_incentive / plan.periods
    later = _next_value(plan, targets, team_index, unit, state.period, moved)

    def pay(totals: dict) -> np.ndarray:
        return pay_to_date(ToDate(plan, targets, team_index, totals, state.period))

    now = pay(state.booked_period)
    if kind == "pull":
        # The rep is paid on what the customer pays: the value less the discount.
        rate = pull_discount(spec.pull_discount, ahead, spec.pull_discount_per)
        paid = {c: v * (1.0 - rate) if c in PRICED else v for c, v in moved.items()}
        if "gross_margin" in paid:  # the discount comes off the margin too
            paid["gross_margin"] = paid["gross_margin"] - rate * sum(moved[c] for c in PRICED)
        booked = state.booked_period
        with_deals = {c: booked[c] + paid[c] if c in paid else booked[c] for c in booked}
        gain = pay(with_deals) - now - later
    else:
        paid = moved
        booked = state.booked_period
        without = {c: booked[c] - moved[c] if c in moved else booked[c] for c in booked}
        gain = (1.0 - spec.slip_risk) * later - (now - pay(without))
    # Within the year the true-up pays the same bookings whichever period they fall in
    # (less a discount or a slipped deal): it can only cancel a move, so it is worked
    # out only when some rep would move.
    last = state.period == plan.periods - 1
    if year is not None and (last or (gain > hurdle).any()):
        args = (kind, plan, targets, team_index, rest, state, moved, paid, spec)
        if last or np.ndim(gain) != 2 or any(m.level == "team" for m in plan.measures):
            gain = _with_true_up(*args, gain, year)
        else:
            # Within the year the true-up only cancels moves (its gain is never above
            # zero), so only the entries that would move need it.
            e = _Entries(gain > hurdle, plan)
            sub = _with_true_up(
                kind,
                plan,
                *e.setting(targets, team_index, rest, state),
                e.totals(moved),
                e.totals(paid),
                spec,
                e(gain),
                e.year(year),
            )
            gain = e.scatter(sub, gain)
    return gain


def _with_true_up(kind, plan, targets, team_index, rest, state, moved, paid, spec, gain, year):
    """The gain of a move for reps whose pay the annual true-up governs.

    As for effort (:func:`sim.payout.marginal_pay`), a rep is paid at the larger of
    the period curve's and the annual curve's marginal rate. Where the annual rate is
    the larger, the move is worth its change in the year's bookings at that rate: a
    move within the year only loses the discount (pull) or the deals that slip away
    (push); across the year's end it moves bookings between this year's curve and
    next year's, like a period move. ``rest(months)`` gives the reps' bookings still
    to come over ``months`` (:func:`~sim.behaviour.dynamics.remaining_flows`); ``year``
    is :func:`_year` for the same reps."""
    year_t, next_year = year
    ytd = ToDate(plan, year_t, team_index, state.booked, 0)
    unit = annual_marginal_pay(ytd, rest(slice(state.month + 1, state.months)))
    per = state.months // plan.periods
    end = (state.period + 1) * per
    close = ToDate(plan, targets, team_index, state.booked_period, state.period)
    unit_p = marginal_pay(close, rest(slice(state.month + 1, end)))
    measures = paid_flow_measures(plan)

    def worth(u: dict, totals: dict, t=targets, period=state.period) -> np.ndarray:
        amounts = ToDate(plan, t, team_index, totals, period)
        return sum(u[m.id] * amounts.value(m.name) for m, _ in measures)

    annual_rate = worth(unit, moved, year_t, 0)
    governs = annual_rate > worth(unit_p, moved)
    if next_year is not None:  # across the year's end: next year's curve from zero
        later = worth(next_year, moved, year_t, 0)
        if kind == "pull":
            annual = worth(unit, paid, year_t, 0) - later
        else:
            annual = (1.0 - spec.slip_risk) * later - annual_rate
    elif kind == "pull":
        annual = worth(unit, paid, year_t, 0) - annual_rate
    else:
        annual = -spec.slip_risk * annual_rate
    return np.where(governs, annual, gain)
