"""Annual effort as a best response to a plan, and its split across tasks.

For each candidate effort level the plan is paid on a calibration sample drawn
with the *same* random numbers (deal counts are drawn by inversion and each kind
of variate has its own stream, so more effort means more deals in the same
trial, never a different draw of everything else). Each rep's utility is the CARA
certainty equivalent of pay, E[pay] − r/2·Var[pay], plus the declared value
of the non-monetary rewards they may win, minus the effort cost d·e²/2.

The effort cost d of each rep is calibrated on the base plan so that today's
effort (1.0) is the best response to today's plan; a variant then moves
effort by changing the marginal return. Effort then splits across tasks (new
accounts, cross-sell, account service) by the marginal utility of each
(multi-task agency, Holmström & Milgrom 1991).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from ..market import Market
from ..montecarlo import MonteCarloEngine
from ..payout import PlanOutcome, evaluate_plan
from ..plan import Plan
from ..population import Population
from ..rewards import qualification
from ..streams import BLOCK_TRIALS, CALIBRATION, TRAITS, generator
from .base import Effort
from .spec import EffortSpec

__all__ = [
    "TASKS",
    "PlanSample",
    "Response",
    "TaskEffort",
    "best_response",
    "calibrated_cost",
    "plan_value",
    "refine_effort",
    "risk_aversion",
    "task_split",
]

TASKS = ("new", "xsell", "service")
_STEP = 0.1  # effort step for a task's marginal utility


@dataclass(frozen=True)
class Response:
    """Each rep's chosen effort under one plan, and what the plan is worth to them."""

    effort: np.ndarray  # annual effort level e* (reps,)
    task: dict[str, np.ndarray]  # effort multiplier per task (reps,)
    shares: dict[str, np.ndarray]  # share of effort per task (reps,)
    pay_mean: np.ndarray  # expected incentive pay (reps,)
    pay_sd: np.ndarray
    ce: np.ndarray  # certainty equivalent of base + incentive (reps,)
    utility: np.ndarray  # ce + reward value − effort cost (reps,)
    p_target: np.ndarray  # chance of reaching the first measure's annual target (reps,)
    cost: np.ndarray  # effort cost coefficient d (reps,)
    risk: np.ndarray  # CARA risk aversion r (reps,)


@dataclass(frozen=True)
class TaskEffort:
    """A fixed effort per task (scalars or per-rep arrays), for calibration samples."""

    level: Effort
    plan_dependent: bool = False
    shifts_deals: bool = False

    def effort(self, state) -> Effort:
        return self.level

    def shift(self, kind, state, values) -> None:
        return None

    def presence(self, seed, block, trials, months) -> None:
        return None


def risk_aversion(spec: EffortSpec, population: Population, ote: float, seed: int) -> np.ndarray:
    """Each rep's CARA coefficient: relative risk aversion at OTE, log-normally spread."""
    z = generator(seed, TRAITS, 0).standard_normal(population.size)
    s = np.sqrt(np.log1p(spec.risk_aversion_cv**2))
    return spec.risk_aversion / ote * np.exp(s * z - 0.5 * s * s)


class PlanSample:
    """Pays one plan on the calibration sample at any effort (common random numbers)."""

    def __init__(
        self,
        plan: Plan,
        market: Market,
        population: Population,
        trials: int,
        seed: int,
        risk: np.ndarray,
    ):
        self.plan, self.pop, self.trials, self.seed, self.risk = (
            plan,
            population,
            trials,
            seed,
            risk,
        )
        self.engine = MonteCarloEngine(market, population, stream=CALIBRATION)
        self.n_blocks = -(-trials // BLOCK_TRIALS)

    def outcome(self, effort: Effort) -> PlanOutcome:
        oc = self.engine.simulate_blocks(
            self.seed, 0, self.n_blocks, self.trials, TaskEffort(effort)
        )
        return evaluate_plan(self.plan, oc, self.pop)

    def value(self, effort: Effort) -> tuple[np.ndarray, PlanOutcome]:
        """Certainty equivalent of pay plus expected reward value, per rep."""
        po = self.outcome(effort)
        return plan_value(self.plan, po, self.pop, self.risk), po


def plan_value(plan: Plan, po: PlanOutcome, population: Population, risk: np.ndarray) -> np.ndarray:
    """What a plan is worth to each rep: base salary plus the CARA certainty equivalent
    of incentive pay, E − r/2·Var over trials, plus the expected value of rewards won."""
    pay = po.total.astype(float)
    ce = plan.pay_mix.base + pay.mean(0) - 0.5 * risk * pay.var(0)
    won = qualification(plan.rewards, po.weighted_attainment, population.tenure_years)
    for reward in plan.rewards:
        ce = ce + reward.value * won[reward.name].mean(0)
    return ce


def _parallel(fn, items) -> list:
    """``[fn(x) for x in items]`` on two threads (numpy releases the GIL while drawing);
    each item draws its own streams, so the result does not depend on the order."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(fn, items))


def refine_effort(levels: np.ndarray, net: np.ndarray) -> np.ndarray:
    """Argmax per rep over the grid, refined by the vertex of the parabola through the
    best level and its neighbours (levels need not be evenly spaced)."""
    i = net.argmax(0)
    j = np.clip(i, 1, len(levels) - 2)
    cols = np.arange(net.shape[1])
    x0, x1, x2 = levels[j - 1], levels[j], levels[j + 1]
    y0, y1, y2 = net[j - 1, cols], net[j, cols], net[j + 1, cols]
    num = (x1 - x0) ** 2 * (y1 - y2) - (x1 - x2) ** 2 * (y1 - y0)
    den = (x1 - x0) * (y1 - y2) - (x1 - x2) * (y1 - y0)
    with np.errstate(divide="ignore", invalid="ignore"):
        vertex = x1 - 0.5 * num / den
    concave = (y0 - y1) * (x2 - x1) + (y2 - y1) * (x1 - x0) < 0
    best = np.where(concave & np.isfinite(vertex), np.clip(vertex, x0, x2), x1)
    edge = (i == 0) | (i == len(levels) - 1)
    return np.where(edge, levels[i], best)


def best_response(
    plan: Plan,
    market: Market,
    population: Population,
    spec: EffortSpec,
    seed: int,
    base: Response | None = None,
) -> Response:
    """Each rep's best annual effort and task split under ``plan``.

    Without ``base`` the plan is treated as today's plan: effort costs are
    calibrated so that its best response is 1.0 on every task. With ``base``
    (the base plan's response) costs and task shares are taken from it.
    """
    ote = plan.pay_mix.ote
    risk = base.risk if base is not None else risk_aversion(spec, population, ote, seed)
    sample = PlanSample(plan, market, population, spec.calibration_trials, seed, risk)
    levels = np.asarray(spec.levels, dtype=float)
    if not spec.enabled:
        ones = np.ones(population.size)
        effort, cost = ones, (base.cost if base is not None else np.zeros_like(ones))
        task = {t: ones for t in TASKS}
        shares = {t: ones / 3 for t in TASKS}
    else:
        value = np.stack(_parallel(lambda e: sample.value(Effort(e, e, e))[0], levels))
        if base is None:
            cost = calibrated_cost(levels, value)
            effort = np.ones(population.size)
        else:
            cost = base.cost
            effort = refine_effort(levels, value - 0.5 * cost * levels[:, None] ** 2)
        one = np.flatnonzero(np.isclose(levels, 1.0))
        at_one = value[one[0]] if base is None and one.size else None  # already evaluated
        task, shares = task_split(
            sample, effort, spec, base.shares if base is not None else None, at_one
        )
    ce, po = sample.value(Effort(task["new"], task["xsell"], task["service"]))
    pay = po.total.astype(float)
    first = plan.measures[0].id
    return Response(
        effort=effort,
        task=task,
        shares=shares,
        pay_mean=pay.mean(0),
        pay_sd=pay.std(0),
        ce=ce,
        utility=ce - 0.5 * cost * effort**2,
        p_target=(po.attainment[first] >= 1.0).mean(0),
        cost=cost,
        risk=risk,
    )


def calibrated_cost(levels: np.ndarray, value: np.ndarray) -> np.ndarray:
    """d such that effort 1.0 is optimal: the slope of value at 1.0 (quadratic fit)."""
    i = int(np.clip(np.searchsorted(levels, 1.0), 1, len(levels) - 2))
    x = levels[i - 1 : i + 2]
    coef = np.polyfit(x, value[i - 1 : i + 2], 2)  # per rep, value ≈ a x² + b x + c
    slope = 2 * coef[0] + coef[1]
    floor = 0.05 * np.median(np.abs(slope)) + 1e-9
    return np.maximum(slope, floor)


def task_split(
    sample: PlanSample,
    effort: np.ndarray,
    spec: EffortSpec,
    base_shares: dict[str, np.ndarray] | None,
    at: np.ndarray | None = None,
) -> tuple[dict, dict]:
    """Task multipliers from the marginal utility of each task at effort e*, relative
    to ``base_shares`` (today's plan's split; ``None`` when this is today's plan)."""
    efforts = [Effort(**{u: effort + (_STEP if u == t else 0.0) for u in TASKS}) for t in TASKS]
    if at is None:
        efforts.insert(0, Effort(effort, effort, effort))
    values = _parallel(lambda eff: sample.value(eff)[0], efforts)
    if at is None:
        at = values.pop(0)
    bumped = values
    gains = {t: (v - at) / _STEP for t, v in zip(TASKS, bumped, strict=True)}
    # Pooled over reps: a single rep's marginal gain per task is too noisy on a
    # calibration sample of lumpy deals; the team's is not.
    g = np.array([gains[t].sum() for t in TASKS])
    g = np.maximum(g, 0.05 * max(g.max(), 1e-12))
    w = g**spec.focus
    shares = np.repeat((w / w.sum())[:, None], effort.size, axis=1)
    today = np.stack([base_shares[t] for t in TASKS]) if base_shares is not None else shares
    ratio = np.clip(shares / today, spec.min_task_share, 1.0 / spec.min_task_share)
    mult = effort * ratio
    return ({t: mult[k] for k, t in enumerate(TASKS)}, {t: shares[k] for k, t in enumerate(TASKS)})
