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

from dataclasses import dataclass

import numpy as np

from ..curves import prob_at_least
from ..payout import ToDate, annual_targets, effort_measures
from ..payout import marginal_pay as measure_marginal_pay
from ..plan import Plan
from ..streams import BLOCK_TRIALS
from .base import Effort, MonthState
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
    return {m.id: flows.measure(c, task_effort, months) for m, c in paid_flow_measures(plan)}


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
            flow = sum(flows.mean[task][c][:, p0:p1].mean(1) for c in comps)
            out[task] = out[task] + unit[m.id] * flow
    return out


@dataclass
class _Recorder:
    """Runs at fixed effort and records the marginal pay of every rep-month."""

    plan: Plan
    targets: dict
    team_index: np.ndarray
    flows: Flows
    task_effort: dict
    seen: dict  # task -> list of (period, (trials, reps) array)
    plan_dependent: bool = True
    shifts_deals: bool = False

    def effort(self, state: MonthState) -> Effort:
        g = marginal_pay(
            self.plan, self.targets, self.team_index, self.flows, state, self.task_effort
        )
        shape = state.booked["new_value"].shape
        for task in ("new", "xsell"):
            self.seen[task].append((state.period, np.broadcast_to(g[task], shape)))
        t = self.task_effort
        return Effort(t["new"], t["xsell"], t["service"])

    def shift(self, kind, state, values, ahead=1) -> None:
        return None

    def presence(self, seed, block, trials, months) -> None:
        return None


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
    engine,
    seed: int,
    trials: int,
    spec: DynamicsSpec,
) -> dict[str, np.ndarray]:
    """Scale of the marginal pay per task, rep and period on a calibration sample at
    the annual effort, chosen so that the monthly factors average one over the
    period: the dynamics move effort within a period and across reps; the annual
    best response sets its level."""
    seen = {"new": [], "xsell": []}
    rec = _Recorder(plan, targets, team_index, flows, task_effort, seen)
    engine.simulate_blocks(seed, 0, -(-trials // BLOCK_TRIALS), trials, rec, plan)
    out = {}
    for task, items in seen.items():
        scale = np.zeros((engine.population.size, plan.periods))
        for p in range(plan.periods):
            g = np.concatenate([a for q, a in items if q == p])
            scale[:, p] = _unit_scale(g, spec)
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
