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

from ..payout import ToDate, annual_marginal_pay, annual_targets, marginal_pay, pay_to_date
from ..plan import Plan
from .base import MonthState, pull_discount
from .dynamics import paid_flow_measures, remaining_flows
from .flows import Flows
from .spec import TimingSpec

__all__ = ["PRICED", "shift_share"]

#: Components a pull discount lowers (the engine takes the discount off these).
PRICED = ("new_value", "xsell_value")


def _next_value(plan, targets, team_index, flows, period, values, task_effort):
    """Expected pay the deals would earn at the start of the next period (marginal)."""
    nxt = (period + 1) % plan.periods
    per = 12 // plan.periods
    zero = {c: np.zeros((1, v.shape[-1])) for c, v in values.items()}  # same for every trial
    start = ToDate(plan, targets, team_index, zero, nxt)
    rest = remaining_flows(plan, flows, task_effort, slice(nxt * per, (nxt + 1) * per))
    unit = marginal_pay(start, rest)
    moved = ToDate(plan, targets, team_index, values, nxt)
    return sum(unit[m.id] * moved.value(m.name) for m, _ in paid_flow_measures(plan))


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
    moved = {c: v * share for c, v in values.items()}
    hurdle = spec.hurdle * plan.pay_mix.target_incentive / plan.periods
    later = _next_value(plan, targets, team_index, flows, state.period, moved, task_effort)

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
    if plan.true_up and plan.periods > 1 and (last or (gain > hurdle).any()):
        gain = _with_true_up(
            kind, plan, targets, team_index, flows, state, moved, paid, task_effort, spec, gain
        )
    return np.where(gain > hurdle, share, 0.0)


def _with_true_up(
    kind, plan, targets, team_index, flows, state, moved, paid, task_effort, spec, gain
):
    """The gain of a move for reps whose pay the annual true-up governs.

    As for effort (:func:`sim.payout.marginal_pay`), a rep is paid at the larger of
    the period curve's and the annual curve's marginal rate. Where the annual rate is
    the larger, the move is worth its change in the year's bookings at that rate: a
    move within the year only loses the discount (pull) or the deals that slip away
    (push); across the year's end it moves bookings between this year's curve and
    next year's, like a period move."""
    year_t = annual_targets(plan, targets)
    ytd = ToDate(plan, year_t, team_index, state.booked, 0)
    rest = remaining_flows(plan, flows, task_effort, slice(state.month + 1, state.months))
    unit = annual_marginal_pay(ytd, rest)
    per = state.months // plan.periods
    end = (state.period + 1) * per
    close = ToDate(plan, targets, team_index, state.booked_period, state.period)
    unit_p = marginal_pay(
        close, remaining_flows(plan, flows, task_effort, slice(state.month + 1, end))
    )
    measures = paid_flow_measures(plan)

    def worth(u: dict, totals: dict, t=targets, period=state.period) -> np.ndarray:
        amounts = ToDate(plan, t, team_index, totals, period)
        return sum(u[m.id] * amounts.value(m.name) for m, _ in measures)

    annual_rate = worth(unit, moved, year_t, 0)
    governs = annual_rate > worth(unit_p, moved)
    if state.period == plan.periods - 1:  # across the year's end: next year's curve from zero
        zero = {c: np.zeros((1, v.shape[-1])) for c, v in moved.items()}
        start = ToDate(plan, year_t, team_index, zero, 0)
        full = remaining_flows(plan, flows, task_effort, slice(0, state.months))
        later = worth(annual_marginal_pay(start, full), moved, year_t, 0)
        if kind == "pull":
            annual = worth(unit, paid, year_t, 0) - later
        else:
            annual = (1.0 - spec.slip_risk) * later - annual_rate
    elif kind == "pull":
        annual = worth(unit, paid, year_t, 0) - annual_rate
    else:
        annual = -spec.slip_risk * annual_rate
    return np.where(governs, annual, gain)
