"""The behaviour model of one plan: the enabled components, behind the engine's seam.

:func:`build_behaviours` prepares every plan of a run: the base plan's best
response first (it calibrates effort costs and outside options), then each
variant's. The resulting :class:`PlanBehaviour` objects answer the engine's
monthly questions (effort per task, deals to shift, who is in the seat).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from ..market import Market
from ..montecarlo import MonteCarloEngine
from ..payout import plan_targets
from ..plan import Plan
from ..population import Population
from ..streams import BLOCK_TRIALS, CALIBRATION
from . import dynamics, retention, timing
from .base import Effort, MonthState
from .collaboration import pays_on_team
from .flows import Flows, expected_flows
from .response import BestResponse, Response, TeamSample
from .spec import BehaviourSpec

__all__ = ["PlanBehaviour", "build_behaviours"]


@dataclass(frozen=True)
class PlanBehaviour:
    """How reps act under one plan, with every component its spec enables."""

    spec: BehaviourSpec
    plan: Plan
    flows: Flows
    targets: dict[str, np.ndarray]
    team_index: np.ndarray
    response: Response
    reference: dict[str, np.ndarray] | None = None  # mean marginal pay (reps, periods)
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
                self.plan,
                self.targets,
                self.team_index,
                self.flows,
                state,
                t,
                self.reference,
                self.spec.dynamics,
                self.spec.ratchet,
            )
            new, xsell = new * f["new"], xsell * f["xsell"]
        return Effort(new, xsell, t["service"])

    def shift(
        self, kind: str, state: MonthState, values: dict, ahead: int = 1
    ) -> np.ndarray | None:
        if not self.spec.timing.enabled or ahead > self.spec.timing.pull_months:
            return None
        return timing.shift_share(
            kind,
            self.plan,
            self.targets,
            self.team_index,
            self.flows,
            state,
            values,
            self.response.task,
            self.spec.timing,
            ahead,
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
    # A plan paying on team-mates' results finds its equilibrium on the grid's samples
    # with other team-mates: only then are they kept.
    keep = any(pays_on_team(p, population) for p in plans.values())
    trials = spec.effort.calibration_trials
    sample = TeamSample(market, population, trials, seed, keep=keep)
    today = plans[names[0]]
    others = [plans[n] for n in names[1:]]
    reps = BestResponse.calibrate(today, sample, spec.effort, seed, others)
    base = reps.respond(today, sample)
    option = retention.outside_option(base.utility, population, spec.retention)
    out = {}
    for name in names:
        plan = plans[name]
        resp = base if name == names[0] else reps.respond(plan, sample)
        p_leave = (
            retention.leave_probability(resp.utility, option, spec.retention)
            if spec.retention.enabled
            else None
        )
        targets = plan_targets(plan, population)
        reference = None
        if spec.dynamics.enabled or spec.ratchet.enabled:
            reference = dynamics.reference_marginal(
                plan,
                targets,
                population.team_index,
                flows,
                resp.task,
                sample.at(Effort(resp.task["new"], resp.task["xsell"], resp.task["service"])),
                spec.dynamics,
            )
        behaviour = PlanBehaviour(
            spec,
            plan,
            flows,
            targets,
            population.team_index,
            resp,
            reference,
            p_leave,
            option,
            shifts_deals=spec.timing.enabled,
        )
        if reference is not None:
            behaviour = _level_dynamics(
                behaviour, market, population, seed, spec.effort.calibration_trials
            )
        out[name] = behaviour
    return out


def _level_dynamics(
    b: PlanBehaviour,
    market: Market,
    population: Population,
    seed: int,
    trials: int,
    rounds: int = 2,
) -> PlanBehaviour:
    """Rescale the dynamics so that, on the calibration sample *with* dynamics, each
    rep's effort averages their annual best response in every period: effort that
    falls early lowers attainment to date and so effort later, which the fixed-effort
    reference cannot see. A few fixed-point rounds settle it. The level is read on
    new-business effort (the engine records that task) and applied to cross-sell too."""
    engine = MonteCarloEngine(market, population, stream=CALIBRATION)
    n_blocks = -(-trials // BLOCK_TRIALS)
    per = 12 // b.plan.periods
    core = dataclasses.replace(
        b,
        spec=b.spec.model_copy(
            update={"timing": b.spec.timing.model_copy(update={"enabled": False})}
        ),
        p_leave=None,
    )
    for _ in range(rounds):
        oc = engine.simulate_blocks(seed, 0, n_blocks, trials, core, b.plan)
        realised = oc.components["effort"].reshape(trials, population.size, b.plan.periods, per)
        factor = realised.mean(axis=(0, 3)) / b.response.task["new"][:, None]
        scale = np.maximum(factor, 1e-6) ** (1.0 / max(b.spec.dynamics.elasticity, 1e-9))
        ref = {t: v * scale for t, v in core.reference.items()}
        core = dataclasses.replace(core, reference=ref)
    return dataclasses.replace(b, reference=core.reference)
