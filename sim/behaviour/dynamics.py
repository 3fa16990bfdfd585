"""Within-period effort: pushing near a deadline, giving up, coasting, holding back.

At the start of each month a rep weighs the pay one more unit of effort brings
now: for each measure that bookings drive, the expected slope of its payout
curve at the attainment the rep can still reach, given attainment to date and
the uncertain rest of the period (:meth:`~sim.curves.PayoutCurve.expected_slope`).
Effort scales with this marginal pay relative to its average for the rep over
the period (elasticity 1 under quadratic effort cost): the dynamics move effort
within a period and across reps; the annual best response sets its level. Near a threshold or
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
from ..montecarlo import SHIFTED
from ..outcomes import Outcomes
from ..payout import ToDate, annual_targets, effort_measures
from ..payout import marginal_pay as measure_marginal_pay
from ..plan import Plan
from .base import MonthState
from .flows import Flows, flow_components
from .spec import DynamicsSpec, RatchetSpec

__all__ = [
    "effort_factors",
    "marginal_pay",
    "paid_flow_measures",
    "reference_marginal",
    "remaining_flows",
]

TASK_NAMES = ("new", "xsell")


def paid_flow_measures(plan: Plan):
    """The plan measures that effort on bookings moves, with their components."""
    return [(m, flow_components(m.name)) for m in effort_measures(plan)]


def remaining_flows(
    plan: Plan, flows: Flows, task_effort: dict[str, np.ndarray], months: slice
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Mean and variance of each deal-driven measure's bookings over ``months``."""
    measures = tuple((m.id, c) for m, c in paid_flow_measures(plan))
    return flows.remaining(measures, task_effort, months)


def marginal_pay(
    plan: Plan,
    targets: dict[str, np.ndarray],
    team_index: np.ndarray,
    flows: Flows,
    state: MonthState,
    task_effort: dict[str, np.ndarray],
    ratchet: RatchetSpec | None = None,
) -> dict:
    """Marginal pay of one unit of effort this month, per task, (trials, reps).

    Pay comes from :func:`sim.payout.marginal_pay` (gates, modifiers, team
    measures and the true-up applied); this module only turns a unit of effort
    into the bookings it brings."""
    per = state.months // plan.periods
    p0, p1 = state.period * per, (state.period + 1) * per
    now = ToDate(plan, targets, team_index, state.booked_period, state.period)
    rest = remaining_flows(plan, flows, task_effort, slice(state.month, p1))
    year = None
    if plan.true_up and plan.periods > 1:
        ytd = ToDate(plan, annual_targets(plan, targets), team_index, state.booked, 0)
        year = (ytd, remaining_flows(plan, flows, task_effort, slice(state.month, state.months)))
    unit = measure_marginal_pay(now, rest, year)
    if ratchet is not None and ratchet.enabled:
        # At a period's start nothing is booked: the same for every trial, so one row.
        zero = {c: np.zeros((1, v.shape[-1])) for c, v in state.booked_period.items()}
        start = ToDate(plan, targets, team_index, zero, state.period)
        full = remaining_flows(plan, flows, task_effort, slice(p0, p1))
        unit0 = measure_marginal_pay(start, full)
        for m in effort_measures(plan):
            target = targets[m.id][:, state.period]
            done = now.value(m.name, m.level) / target
            mean, var = rest[m.id]
            reach = prob_at_least(1.0, done, mean / target, np.sqrt(var) / target)
            unit[m.id] = np.maximum(unit[m.id] - ratchet.strength * unit0[m.id] * reach, 0.0)
    out = {"new": 0.0, "xsell": 0.0}
    for m, comps in paid_flow_measures(plan):
        for task in TASK_NAMES:
            # The period's average flow, not this month's: effort answers the incentive,
            # and seasonality already shapes the deals a unit of effort brings.
            flow = sum(flows.window(task, c, slice(p0, p1))[0] / (p1 - p0) for c in comps)
            out[task] = out[task] + unit[m.id] * flow
    return out


def _unit_scale(g: np.ndarray, spec: DynamicsSpec) -> np.ndarray:
    """Per rep (last axis), the scale c with mean(clip((g / c) ** elasticity)) = 1."""
    positive = g.mean(0) > 0
    lo = np.full(g.shape[1], 1e-12)
    hi = np.maximum(g.max(0), 1e-12) / spec.min_effort ** (1 / max(spec.elasticity, 1e-9))
    for _ in range(60):  # bisection on log scale; the mean falls as c grows
        c = np.sqrt(lo * hi)
        f = np.clip((g / c) ** spec.elasticity, spec.min_effort, spec.max_effort).mean(0)
        lo = np.where(f > 1.0, c, lo)
        hi = np.where(f > 1.0, hi, c)
    return np.where(positive, np.sqrt(lo * hi), 0.0)


def reference_marginal(
    plan: Plan,
    targets: dict[str, np.ndarray],
    team_index: np.ndarray,
    flows: Flows,
    task_effort: dict[str, np.ndarray],
    sample: Outcomes,
    spec: DynamicsSpec,
) -> dict[str, np.ndarray]:
    """Scale of the marginal pay per task, rep and period on a calibration sample at
    the annual effort, chosen so that the monthly factors average one over the
    period: the dynamics move effort within a period and across reps; the annual
    best response sets its level.

    ``sample`` is the calibration sample simulated at ``task_effort`` (fixed effort,
    no deals moved): each month's marginal pay is read at the bookings to date, as a
    rep would see them at the start of that month."""
    comps = sample.components
    months = comps["new_value"].shape[-1]
    per = months // plan.periods
    booked = {c: np.zeros(comps[c].shape[:-1]) for c in SHIFTED}
    booked_period = {c: np.zeros_like(v) for c, v in booked.items()}
    seen = {task: [[] for _ in range(plan.periods)] for task in TASK_NAMES}
    for m in range(months):
        period = m // per
        if m % per == 0:
            for v in booked_period.values():
                v[...] = 0.0
        state = MonthState(m, months, plan, booked, booked_period, period)
        g = marginal_pay(plan, targets, team_index, flows, state, task_effort)
        shape = booked["new_value"].shape
        for task in TASK_NAMES:
            seen[task][period].append(np.broadcast_to(g[task], shape))
        for c in SHIFTED:  # the month's deals, booked as the engine books them
            month = comps[c][..., m]
            booked[c] += month
            booked_period[c] += month
    out = {}
    for task, periods in seen.items():
        scale = np.zeros((len(team_index), plan.periods))
        for p, items in enumerate(periods):
            scale[:, p] = _unit_scale(np.concatenate(items), spec)
        out[task] = scale
    return out


def effort_factors(
    plan: Plan,
    targets: dict[str, np.ndarray],
    team_index: np.ndarray,
    flows: Flows,
    state: MonthState,
    task_effort: dict[str, np.ndarray],
    reference: dict[str, np.ndarray],
    spec: DynamicsSpec,
    ratchet: RatchetSpec | None = None,
) -> dict[str, np.ndarray]:
    """Multiplier on each task's annual effort for this month, per (trial, rep)."""
    now = marginal_pay(plan, targets, team_index, flows, state, task_effort, ratchet)
    out = {}
    for task in ("new", "xsell"):
        g = np.asarray(now[task], dtype=float)
        g0 = reference[task][:, state.period]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(g0 > 0, g / g0, 1.0)
        out[task] = np.clip(ratio**spec.elasticity, spec.min_effort, spec.max_effort)
    return out
