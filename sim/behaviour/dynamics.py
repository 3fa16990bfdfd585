"""Within-period effort: pushing near a deadline, giving up, coasting, holding back.

At the start of each month a rep weighs the pay one more unit of effort brings
now: for each measure that bookings drive, the expected slope of its payout
curve at the attainment the rep can still reach, given attainment to date and
the uncertain rest of the period (:meth:`~sim.curves.PayoutCurve.expected_slope`).
Effort scales with this marginal pay relative to the same quantity at the
period's start (elasticity 1 under quadratic effort cost). Near a threshold or
target with little time left the marginal pay jumps (the hockey stick); far
out of reach or past a cap it vanishes (giving up, coasting); under a straight
linear commission it is constant, so there is no deadline effect.

With a ratchet, each unit above target also raises next period's target by
``strength``, which costs the rep the plan's marginal pay on it: reps hold back
once target is likely.
"""

from __future__ import annotations

import numpy as np

from ..curves import prob_at_least
from ..plan import Plan
from .base import MonthState
from .flows import Flows, flow_components
from .spec import DynamicsSpec, RatchetSpec

__all__ = ["effort_factors", "paid_flow_measures"]


def paid_flow_measures(plan: Plan):
    """The individual plan measures that effort on bookings moves, with their components."""
    return [
        (m, flow_components(m.name))
        for m in plan.measures
        if m.level == "individual" and flow_components(m.name) is not None
    ]


def _marginal(plan, targets, flows, state, task_effort, ratchet):
    """Marginal pay of one unit of effort this month per task, (trials, reps), and the
    same for a rep at the period's start (the reference)."""
    per = state.months // plan.periods
    p0, p1 = state.period * per, (state.period + 1) * per
    ti = plan.pay_mix.target_incentive / plan.periods
    now = {"new": 0.0, "xsell": 0.0}
    ref = {"new": 0.0, "xsell": 0.0}
    for m, comps in paid_flow_measures(plan):
        target = targets[m.id][:, state.period]
        full_mean, full_var = flows.measure(comps, task_effort, slice(p0, p1))
        rem_mean, rem_var = flows.measure(comps, task_effort, slice(state.month, p1))
        done = sum(state.booked_period[c] for c in comps) / target
        rm, rs = rem_mean / target, np.sqrt(rem_var) / target
        slope = m.curve.expected_slope(done, rm, rs)
        slope0 = m.curve.expected_slope(0.0, full_mean / target, np.sqrt(full_var) / target)
        if ratchet is not None and ratchet.enabled:
            slope = slope - ratchet.strength * slope0 * prob_at_least(1.0, done, rm, rs)
        unit = m.weight * ti / target
        for task in ("new", "xsell"):
            flow = sum(flows.mean[task][c][:, state.month] for c in comps)
            now[task] = now[task] + unit * np.maximum(slope, 0.0) * flow
            ref[task] = ref[task] + unit * slope0 * flow
    return now, ref


def effort_factors(
    plan: Plan,
    targets: dict[str, np.ndarray],
    flows: Flows,
    state: MonthState,
    task_effort: dict[str, np.ndarray],
    spec: DynamicsSpec,
    ratchet: RatchetSpec | None = None,
) -> dict[str, np.ndarray]:
    """Multiplier on each task's annual effort for this month, per (trial, rep)."""
    now, ref = _marginal(plan, targets, flows, state, task_effort, ratchet)
    out = {}
    for task in ("new", "xsell"):
        g, g0 = np.asarray(now[task], dtype=float), np.asarray(ref[task], dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(g0 > 0, g / g0, 1.0)
        out[task] = np.clip(ratio**spec.elasticity, spec.min_effort, spec.max_effort)
    return out
