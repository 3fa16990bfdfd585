"""The behaviour model of one plan: the enabled components, behind the engine's seam.

:func:`build_behaviours` prepares every plan of a run: the base plan's best
response first (it calibrates effort costs and outside options), then each
variant's. The resulting :class:`PlanBehaviour` objects answer the engine's
monthly questions (effort per task, deals to shift, who is in the seat).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..market import Market
from ..payout import plan_targets
from ..plan import Plan
from ..population import Population
from . import dynamics, retention, timing
from .base import Effort, MonthState
from .flows import Flows, expected_flows
from .response import Response, best_response
from .spec import BehaviourSpec

__all__ = ["PlanBehaviour", "build_behaviours"]


@dataclass(frozen=True)
class PlanBehaviour:
    """How reps act under one plan, with every component its spec enables."""

    spec: BehaviourSpec
    plan: Plan
    flows: Flows
    targets: dict[str, np.ndarray]
    response: Response
    p_leave: np.ndarray | None = None  # annual chance of leaving (reps,)
    option: np.ndarray | None = None  # outside option (reps,)
    plan_dependent: bool = True
    shifts_deals: bool = field(default=False)

    @property
    def task_effort(self) -> dict[str, np.ndarray]:
        return self.response.task

    def effort(self, state: MonthState) -> Effort | None:
        t = self.response.task
        new, xsell = t["new"], t["xsell"]
        if self.spec.dynamics.enabled or self.spec.ratchet.enabled:
            f = dynamics.effort_factors(
                self.plan, self.targets, self.flows, state, t, self.spec.dynamics, self.spec.ratchet
            )
            new, xsell = new * f["new"], xsell * f["xsell"]
        return Effort(new, xsell, t["service"])

    def shift(self, kind: str, state: MonthState, values: dict) -> np.ndarray | None:
        if not self.spec.timing.enabled:
            return None
        return timing.shift_share(
            kind,
            self.plan,
            self.targets,
            self.flows,
            state,
            values,
            self.response.task,
            self.spec.timing,
        )

    def presence(self, seed: int, block: int, trials: int, months: int) -> np.ndarray | None:
        if self.p_leave is None:
            return None
        return retention.presence(self.p_leave, self.spec.retention, seed, block, trials, months)


def build_behaviours(
    spec: BehaviourSpec, plans: dict[str, Plan], market: Market, population: Population, seed: int
) -> dict[str, PlanBehaviour]:
    """Behaviour of every plan; the first plan is today's plan (calibration anchor)."""
    flows = expected_flows(market, population)
    names = list(plans)
    base = best_response(plans[names[0]], market, population, spec.effort, seed)
    option = retention.outside_option(base.utility, population, spec.retention)
    out = {}
    for name in names:
        plan = plans[name]
        resp = (
            base
            if name == names[0]
            else best_response(plan, market, population, spec.effort, seed, base=base)
        )
        p_leave = (
            retention.leave_probability(resp.utility, option, spec.retention)
            if spec.retention.enabled
            else None
        )
        out[name] = PlanBehaviour(
            spec,
            plan,
            flows,
            plan_targets(plan, population),
            resp,
            p_leave,
            option,
            shifts_deals=spec.timing.enabled,
        )
    return out
