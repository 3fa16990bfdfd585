"""Deal timing at period ends: pulling deals forward, pushing them out.

At a period's close a rep compares the pay a block of deals earns in this
period with what it would earn in the next (Oyer 1998; Larkin 2014). Pulling
next month's deals forward (at an extra discount the firm pays) is worth it
when it carries attainment across a threshold, a step or into an accelerator;
pushing this month's deals out is worth it when they earn nothing now (past a
cap, or hopelessly short of the threshold) but would next period. Under a
straight linear commission neither move gains anything.
"""

from __future__ import annotations

import numpy as np

from ..plan import Plan
from .base import MonthState
from .dynamics import paid_flow_measures
from .flows import Flows
from .spec import TimingSpec

__all__ = ["shift_share"]


def _pay(plan, targets, period, booked):
    """Period pay (money) from the flow measures at the given to-date totals."""
    ti = plan.pay_mix.target_incentive / plan.periods
    total = 0.0
    for m, comps in paid_flow_measures(plan):
        a = sum(booked[c] for c in comps) / targets[m.id][:, period]
        total = total + m.weight * ti * m.curve.payout(a)
    return total


def _next_value(plan, targets, flows, period, values, task_effort):
    """Expected pay the deals would earn at the start of the next period (marginal)."""
    nxt = (period + 1) % plan.periods
    per = 12 // plan.periods
    ti = plan.pay_mix.target_incentive / plan.periods
    total = 0.0
    for m, comps in paid_flow_measures(plan):
        target = targets[m.id][:, nxt]
        mean, var = flows.measure(comps, task_effort, slice(nxt * per, (nxt + 1) * per))
        slope = m.curve.expected_slope(0.0, mean / target, np.sqrt(var) / target)
        total = total + m.weight * ti * slope * sum(values[c] for c in comps) / target
    return total


def shift_share(
    kind: str,
    plan: Plan,
    targets: dict[str, np.ndarray],
    flows: Flows,
    state: MonthState,
    values: dict[str, np.ndarray],
    task_effort: dict[str, np.ndarray],
    spec: TimingSpec,
) -> np.ndarray:
    """Share of ``values`` each rep moves: into the closing period (pull) or out of it (push)."""
    share = spec.max_shift_share
    moved = {c: v * share for c, v in values.items()}
    hurdle = spec.hurdle * plan.pay_mix.target_incentive / plan.periods
    later = _next_value(plan, targets, flows, state.period, moved, task_effort)
    now = _pay(plan, targets, state.period, state.booked_period)
    if kind == "pull":
        with_deals = {c: state.booked_period[c] + moved.get(c, 0.0) for c in state.booked_period}
        gain = _pay(plan, targets, state.period, with_deals) - now - later
    else:
        without = {c: state.booked_period[c] - moved.get(c, 0.0) for c in state.booked_period}
        gain = (1.0 - spec.slip_risk) * later - (now - _pay(plan, targets, state.period, without))
    return np.where(gain > hurdle, share, 0.0)
