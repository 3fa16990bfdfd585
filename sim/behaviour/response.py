"""Annual effort as a best response to a plan, and its split across tasks.

For each candidate effort level the plan is paid on a calibration sample drawn
with the *same* random numbers (deal counts are drawn by inversion and each kind
of variate has its own stream, so more effort means more deals in the same
trial, never a different draw of everything else). Each rep's utility is the CARA
certainty equivalent of pay, E[pay] − r/2·Var[pay] (:func:`~sim.behaviour.agency.certainty_equivalent`),
plus the declared value of the non-monetary rewards they may win, minus the
effort cost d·e²/2.

:class:`BestResponse` is the one best-response object: each rep's risk
aversion, effort cost and today's task split, calibrated once on today's plan
(so that today's effort, 1.0, is the best response to it). The simulation
(:func:`best_response`) and the optimiser's tables both ask it for effort. The
effort grid grows until every rep's optimum is interior or at a declared bound
(``min_level``, ``max_level``); reps at a bound are counted. Effort then splits
across tasks (new accounts, cross-sell, account service) by the marginal
utility of each (multi-task agency, Holmström & Milgrom 1991).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field

import numpy as np

from ..market import Market
from ..montecarlo import MonteCarloEngine
from ..outcomes import Outcomes
from ..payout import PlanOutcome, evaluate_plan
from ..plan import Plan
from ..population import Population
from ..rewards import qualification
from ..streams import BLOCK_TRIALS, CALIBRATION, TRAITS, generator
from .agency import certainty_equivalent
from .base import Effort, side_by_side
from .collaboration import Equilibrium, own_effort_outcomes, pays_on_team, team_equilibrium
from .spec import EffortSpec

__all__ = [
    "TASKS",
    "BestResponse",
    "Choice",
    "PlanSample",
    "Response",
    "TaskEffort",
    "TeamSample",
    "best_response",
    "calibrated_cost",
    "plan_value",
    "refine_effort",
    "risk_aversion",
    "task_efforts",
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
    at_bound: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # (reps,)
    equilibrium: Equilibrium | None = None  # how team-mates' best responses settled


@dataclass(frozen=True)
class TaskEffort:
    """A fixed effort per task (scalars or per-rep arrays), for calibration samples."""

    level: Effort
    plan_dependent: bool = False
    shifts_deals: bool = False
    #: Nothing moves with the plan: the engine skips its bookkeeping and records the
    #: fixed new-business effort as a view (a sample holds a third less).
    passive: bool = True

    def effort(self, state) -> Effort:
        return self.level

    def shift(self, kind, state, values, ahead=1) -> None:
        return None

    def presence(self, seed, block, trials, months) -> None:
        return None


def risk_aversion(spec: EffortSpec, population: Population, ote: float, seed: int) -> np.ndarray:
    """Each rep's CARA coefficient: relative risk aversion at OTE, log-normally spread."""
    z = generator(seed, TRAITS, 0).standard_normal(population.size)
    s = np.sqrt(np.log1p(spec.risk_aversion_cv**2))
    return spec.risk_aversion / ote * np.exp(s * z - 0.5 * s * s)


def _sample_at(engine: MonteCarloEngine, seed: int, blocks: int, trials: int, effort: Effort):
    """The calibration sample at one effort per task (a pure task: any worker runs it)."""
    return engine.simulate_blocks(seed, 0, blocks, trials, TaskEffort(effort))


def _one_level(effort: Effort) -> float | None:
    """The one effort level of every task and rep, if ``effort`` has one."""
    parts = [np.asarray(v, dtype=float) for v in (effort.new, effort.xsell, effort.service)]
    if any(p.size == 0 for p in parts):
        return None
    first = float(parts[0].flat[0])
    return first if all((p == first).all() for p in parts) else None


class TeamSample:
    """The calibration sample: the team's simulated years at any effort, on common
    random numbers; uniform effort levels are simulated once and kept. New levels run
    side by side on ``executor`` (a Dask client's, say) if given, else on threads.
    ``stream`` is the calibration streams by default; on the trial streams the sample
    is the first ``trials`` years a simulation with the same seed draws.

    With ``keep=False`` only today's effort (1.0, every plan's team-mates) is kept:
    each other level is simulated when asked, for whoever pays plans on it at once
    (:meth:`BestResponse.calibrate` pays every plan of a run on each level of its
    grid), and a calibration holds a few samples instead of a dozen."""

    def __init__(
        self,
        market: Market,
        population: Population,
        trials: int,
        seed: int,
        workers: int = 2,
        executor: Executor | None = None,
        stream: int = CALIBRATION,
        keep: bool = True,
    ):
        self.pop, self.trials, self.seed, self.workers = population, trials, seed, workers
        self.keep = keep
        self.engine = MonteCarloEngine(market, population, stream=stream)
        self.n_blocks = -(-trials // BLOCK_TRIALS)
        self.executor = executor
        self._run = functools.partial(_sample_at, self.engine, seed, self.n_blocks, trials)
        self._cache: dict[float, Future] = {}  # level -> its sample, once simulated
        self._lock = threading.Lock()
        self._plans: dict[int, Plan] = {}  # the plans whose values are kept, by id
        self._values: dict[tuple, tuple] = {}  # (plan, risk, level) -> value, see value_of()

    def remember(self, plans: Sequence[Plan]) -> None:
        """Keep the values of ``plans`` (a run's plans, paid on every grid level) for
        :meth:`value_of`; others (an optimiser's many candidates) are not kept."""
        self._plans.update((id(p), p) for p in plans)

    def remembers(self, plan: Plan) -> bool:
        """Whether :meth:`value_of` keeps ``plan``'s values."""
        return self._plans.get(id(plan)) is plan

    def value_of(
        self,
        plan: Plan,
        risk: np.ndarray,
        level: float,
        value: Callable[[float], tuple[np.ndarray, PlanOutcome]],
    ) -> np.ndarray:
        """``plan``'s value to reps of aversion ``risk`` at uniform ``level`` with
        today's team-mates, as ``value(level)`` gives it: worked out once for a plan
        the sample remembers (by identity; the objects are kept alive with it)."""
        if not self.remembers(plan):
            return value(level)[0]
        key = (id(plan), id(risk), round(level, 12))
        kept = self._values.get(key)
        if kept is None:
            out = value(level)[0]
            out.flags.writeable = False  # shared by whoever asks
            kept = self._values[key] = (risk, out)
        return kept[1]

    def at(self, effort: Effort | float) -> Outcomes:
        """The sample at ``effort``: one level for every task, or an effort per task
        (kept, like a level, when it is one level of the grid's precision, 12
        decimals, for every task and rep)."""
        if isinstance(effort, Effort):
            level = _one_level(effort)
            if level is None or round(level, 12) != level:  # not a level of the grid's
                return self._run(effort)
            effort = level
        key = round(float(effort), 12)
        with self._lock:  # one simulation of a level; threads asking for it wait for it
            kept, mine = self._cache.get(key), False
            if kept is None and (self.keep or key == 1.0):
                kept, mine = self._cache.setdefault(key, Future()), True
        if kept is None:  # not kept: simulated for this caller alone
            return self._run(Effort(key, key, key))
        if mine:  # other levels are simulated side by side meanwhile
            try:
                oc = self._run(Effort(key, key, key))
            except BaseException as exc:
                with self._lock:
                    self._cache.pop(key, None)  # a later call tries again
                kept.set_exception(exc)
                raise
            kept.set_result(oc)
        return kept.result()

    def levels(self, levels) -> list[Outcomes]:
        """The sample at each uniform level (new ones simulated side by side)."""
        if self.executor is None:
            return side_by_side(self.at, [float(e) for e in levels], self.workers)
        keys = [round(float(e), 12) for e in levels]
        with self._lock:
            todo = list(dict.fromkeys(k for k in keys if k not in self._cache))
        runs = list(self.executor.map(self._run, [Effort(k, k, k) for k in todo]))
        done = dict(zip(todo, runs, strict=True))
        with self._lock:
            for k, oc in done.items():
                if self.keep or k == 1.0:
                    kept = Future()
                    kept.set_result(oc)
                    self._cache.setdefault(k, kept)
        return [done[k] if k in done else self.at(k) for k in keys]


class PlanSample:
    """Pays one plan on the calibration sample at any effort (common random numbers)."""

    def __init__(
        self,
        plan: Plan,
        sample: TeamSample,
        risk: np.ndarray,
        mates: Outcomes | None = None,
    ):
        self.plan, self.sample, self.pop, self.risk = plan, sample, sample.pop, risk
        self.mates = mates  # the team-mates' work (default: today's, effort 1.0)

    def outcome(self, effort: Effort | float, own: Outcomes | None = None) -> PlanOutcome:
        """The plan paid with each rep working at ``effort`` and their team-mates as
        in ``mates`` (today's by default): a rep's own effort, not the team's, is what
        they choose. ``own`` is the sample at ``effort``, when already at hand."""
        mates = self.sample.at(1.0) if self.mates is None else self.mates
        own = self.sample.at(effort) if own is None else own
        return evaluate_plan(
            self.plan, own_effort_outcomes(self.plan, own, mates, self.pop), self.pop
        )

    def value(
        self, effort: Effort | float, own: Outcomes | None = None
    ) -> tuple[np.ndarray, PlanOutcome]:
        """Certainty equivalent of pay plus expected reward value, per rep."""
        po = self.outcome(effort, own)
        return plan_value(self.plan, po, self.pop, self.risk), po

    def worth(self, effort: Effort | float, own: Outcomes | None = None) -> np.ndarray:
        """The plan's value to each rep at ``effort`` (:meth:`value` without the
        outcome); at a uniform level with today's team-mates it is worked out once
        for a plan the sample remembers, whichever plan sample on it asks (the grid
        of a calibration and of the best response to the same plan)."""
        if self.mates is not None or isinstance(effort, Effort):
            return self.value(effort, own)[0]
        return self.sample.value_of(
            self.plan, self.risk, float(effort), lambda e: self.value(e, own)
        )


def plan_value(plan: Plan, po: PlanOutcome, population: Population, risk: np.ndarray) -> np.ndarray:
    """What a plan is worth to each rep: base salary plus the CARA certainty equivalent
    of incentive pay, E − r/2·Var over trials, plus the expected value of rewards won."""
    ce = plan.pay_mix.base + certainty_equivalent(po.total.astype(float), risk)
    won = qualification(plan.rewards, po.weighted_attainment, population.tenure_years)
    for reward in plan.rewards:
        ce = ce + reward.value * won[reward.name].mean(0)
    return ce


def refine_effort(
    levels: np.ndarray, value: np.ndarray, cost: Callable[[np.ndarray], np.ndarray]
) -> np.ndarray:
    """Each rep's effort maximising value − cost, continuous between grid levels.

    Value (simulated, so known only on the grid) is the parabola through the best
    level and its neighbours (levels need not be evenly spaced); the cost is exact.
    Their difference is maximised on a fine grid between the neighbours. A best
    level at the grid's edge stays there (the grid grows until that is a bound)."""
    net = value - cost(levels[:, None])
    i = net.argmax(0)
    j = np.clip(i, 1, len(levels) - 2)
    cols = np.arange(net.shape[1])
    x0, x1, x2 = levels[j - 1], levels[j], levels[j + 1]
    y0, y1, y2 = value[j - 1, cols], value[j, cols], value[j + 1, cols]
    t = x0 + (x2 - x0) * np.linspace(0.0, 1.0, 401)[:, None]  # (401, reps)
    q = (
        y0 * (t - x1) * (t - x2) / ((x0 - x1) * (x0 - x2))
        + y1 * (t - x0) * (t - x2) / ((x1 - x0) * (x1 - x2))
        + y2 * (t - x0) * (t - x1) / ((x2 - x0) * (x2 - x1))
    )
    best = t[(q - cost(t)).argmax(0), cols]
    edge = (i == 0) | (i == len(levels) - 1)
    return np.where(edge, levels[i], best)


@dataclass(frozen=True)
class Choice:
    """Each rep's chosen effort and the grid it was chosen on."""

    effort: np.ndarray  # (reps,)
    at_bound: np.ndarray  # (reps,) the optimum lies at a declared bound of effort
    levels: np.ndarray  # (K,) the grid, grown until every optimum is interior or bound
    values: np.ndarray  # (K, reps) plan value at each level


@dataclass(frozen=True)
class BestResponse:
    """The reps as decision makers: risk aversion, effort cost and today's task split,
    calibrated once on today's plan. The simulation and the optimiser's tables ask
    it for each rep's effort under any plan."""

    spec: EffortSpec
    risk: np.ndarray  # CARA r per rep
    cost: np.ndarray  # effort cost coefficient d per rep
    shares: dict[str, np.ndarray] | None  # today's split of effort across tasks
    today: Plan | None = None  # the plan it was calibrated on

    @classmethod
    def calibrate(
        cls,
        plan: Plan,
        sample: TeamSample,
        spec: EffortSpec,
        seed: int,
        others: Sequence[Plan] = (),
    ) -> BestResponse:
        """Calibrate on today's plan: effort 1.0 is each rep's best response to it.
        ``others`` (the run's other plans) are paid on the grid's samples too, for
        their best responses to read."""
        pop = sample.pop
        risk = risk_aversion(spec, pop, plan.pay_mix.ote, seed)
        if not spec.enabled:
            return cls(spec, risk, np.zeros(pop.size), None)
        levels = np.asarray(spec.levels, dtype=float)
        ps = PlanSample(plan, sample, risk)
        rest = [PlanSample(p, sample, risk) for p in others]
        ones = np.ones(pop.size)

        sample.remember([plan, *others])
        if sample.executor is not None:  # a cluster simulates the grid, kept for all
            sample.levels(levels)

        def pay_all(effort: Effort | float) -> np.ndarray:
            own = sample.at(effort)  # one simulation for every plan paid on it
            for other in rest if not isinstance(effort, Effort) else ():
                other.worth(effort, own)
            return ps.worth(effort, own)

        # The grid and today's task split read the plan at effort levels known up
        # front: simulated and paid side by side, the split's at effort 1.0 from the grid.
        grid = [float(e) for e in levels] + task_efforts(ones)
        values = side_by_side(pay_all, grid, sample.workers)
        value = np.stack(values[: len(levels)])
        cost = calibrated_cost(levels, value, spec.cost_curvature)
        today = np.flatnonzero(levels == 1.0)
        at = value[today[0]] if today.size else None
        _, shares = task_split(ps, ones, spec, None, at, values[len(levels) :])
        return cls(spec, risk, cost, shares, plan)

    def effort_cost(self, effort: np.ndarray | float) -> np.ndarray:
        """Each rep's cost of annual effort e: d·e^γ/γ (γ = ``cost_curvature``; the
        textbook quadratic d·e²/2 at γ = 2). Its slope at today's effort is d."""
        g = self.spec.cost_curvature
        return self.cost * np.asarray(effort, dtype=float) ** g / g

    def value(self, plan: Plan, po: PlanOutcome, population: Population) -> np.ndarray:
        """What ``plan`` paid as ``po`` is worth to each rep (certainty equivalent)."""
        return plan_value(plan, po, population, self.risk)

    def choose(
        self,
        value_at: Callable[[float], np.ndarray],
        levels: np.ndarray | None = None,
    ) -> Choice:
        """Each rep's utility-maximising effort; ``value_at(e)`` is the plan's value to
        every rep at uniform effort e. The grid grows by its outer step while some
        rep's best level is at its edge, up to ``min_level`` / ``max_level``; the
        optimum is continuous between levels (:func:`refine_effort`)."""
        spec = self.spec
        grid = list(np.asarray(spec.levels if levels is None else levels, dtype=float))
        values = {e: value_at(e) for e in grid}
        lo_step, hi_step = grid[1] - grid[0], grid[-1] - grid[-2]
        while True:
            lv = np.array(sorted(values))
            v = np.stack([values[e] for e in lv])
            net = v - self.effort_cost(lv[:, None])
            best = net.argmax(0)
            if (best == len(lv) - 1).any() and lv[-1] < spec.max_level - 1e-12:
                e = min(lv[-1] + hi_step, spec.max_level)
            elif (best == 0).any() and lv[0] > spec.min_level + 1e-12:
                e = max(lv[0] - lo_step, spec.min_level)
            else:
                break
            values[float(e)] = value_at(float(e))
        effort = refine_effort(lv, v, self.effort_cost)
        at_bound = ((best == 0) & (lv[0] <= spec.min_level + 1e-12)) | (
            (best == len(lv) - 1) & (lv[-1] >= spec.max_level - 1e-12)
        )
        return Choice(effort, at_bound, lv, v)

    def team_choice(
        self, plan: Plan, sample: TeamSample
    ) -> tuple[Choice, PlanSample, Equilibrium | None]:
        """Each rep's effort as a best response to team-mates' best responses (the
        team's equilibrium, :func:`~sim.behaviour.collaboration.team_equilibrium`),
        with the plan sample it was chosen on (team-mates at their chosen effort,
        split across tasks as the plan makes them split it). Without pay on
        team-mates' results a rep's choice is their own: the first response is the
        equilibrium (None)."""
        ps = PlanSample(plan, sample, self.risk)
        choice = self.choose(ps.worth)
        if not self.spec.enabled or not pays_on_team(plan, sample.pop):
            return choice, ps, None
        ratio = {t: np.ones(sample.pop.size) for t in TASKS}
        if plan is not self.today and self.shares is not None:
            task, _ = self.split(ps, choice.effort)
            ratio = {t: task[t] / choice.effort for t in TASKS}
        last = [choice, ps]

        def respond(effort: np.ndarray) -> np.ndarray:
            mates = sample.at(Effort(*(effort * ratio[t] for t in TASKS)))
            q = PlanSample(plan, sample, self.risk, mates)
            last[:] = [self.choose(lambda e: q.value(e)[0], last[0].levels), q]
            return last[0].effort

        eq = team_equilibrium(respond, choice.effort)
        return last[0], last[1], eq

    def split(self, sample: PlanSample, effort: np.ndarray) -> tuple[dict, dict]:
        """Task multipliers under ``sample``'s plan at annual effort ``effort``."""
        return task_split(sample, effort, self.spec, self.shares)

    def respond(self, plan: Plan, sample: TeamSample) -> Response:
        """Each rep's best annual effort and task split under ``plan``."""
        pop = sample.pop
        ps = PlanSample(plan, sample, self.risk)
        if not self.spec.enabled or self.shares is None:
            ones = np.ones(pop.size)
            effort, at_bound, eq = ones, np.zeros(pop.size, bool), None
            task = {t: ones for t in TASKS}
            shares = {t: ones / 3 for t in TASKS}
        else:
            grid = [float(e) for e in self.spec.levels]
            if sample.remembers(plan):  # the grid's values side by side, kept
                side_by_side(ps.worth, grid, sample.workers)
            else:  # the grid's samples side by side, paid as the choice asks
                sample.levels(grid)
            choice, ps, eq = self.team_choice(plan, sample)
            effort, at_bound = choice.effort, choice.at_bound
            if plan is self.today:  # today's split, by definition of the calibration
                task, shares = {t: effort for t in TASKS}, self.shares
            else:
                task, shares = self.split(ps, effort)
        ce, po = ps.value(Effort(task["new"], task["xsell"], task["service"]))
        pay = po.total.astype(float)
        first = plan.measures[0].id
        return Response(
            effort=effort,
            task=task,
            shares=shares,
            pay_mean=pay.mean(0),
            pay_sd=pay.std(0),
            ce=ce,
            utility=ce - self.effort_cost(effort),
            p_target=(po.attainment[first] >= 1.0).mean(0),
            cost=self.cost,
            risk=self.risk,
            at_bound=at_bound,
            equilibrium=eq,
        )


def best_response(
    plan: Plan,
    market: Market,
    population: Population,
    spec: EffortSpec,
    seed: int,
    base: BestResponse | None = None,
    sample: TeamSample | None = None,
) -> tuple[Response, BestResponse]:
    """Each rep's best annual effort and task split under ``plan``, and the
    best-response object it came from: calibrated on ``plan`` (today's plan)
    unless ``base`` is given."""
    sample = sample or TeamSample(market, population, spec.calibration_trials, seed)
    reps = base or BestResponse.calibrate(plan, sample, spec, seed)
    return reps.respond(plan, sample), reps


def calibrated_cost(levels: np.ndarray, value: np.ndarray, curvature: float = 2.0) -> np.ndarray:
    """Each rep's d such that effort 1.0 is their best response on the grid.

    The local slope of value at 1.0 (quadratic fit) makes 1.0 a stationary point;
    when pay is convex in effort (steps, accelerators) that point can be a minimum,
    so d is kept between the steepest chord to a higher level (no higher effort
    pays more) and the flattest chord to a lower one (no lower effort pays more).
    Where no d satisfies both, the first wins: nobody works harder than today
    under today's plan."""
    i = int(np.clip(np.searchsorted(levels, 1.0), 1, len(levels) - 2))
    x = levels[i - 1 : i + 2]
    coef = np.polyfit(x, value[i - 1 : i + 2], 2)  # per rep, value ≈ a x² + b x + c
    slope = 2 * coef[0] + coef[1]
    one = int(np.argmin(np.abs(levels - 1.0)))
    c = levels**curvature / curvature
    chord = (value - value[one]) / np.where(levels == levels[one], 1.0, c - c[one])[:, None]
    above = levels > levels[one]
    up = chord[above].max(0) if above.any() else np.full(value.shape[1], -np.inf)
    down = chord[levels < levels[one]].min(0) if one > 0 else np.full(value.shape[1], np.inf)
    d = np.maximum(np.minimum(slope, down), up)
    floor = 0.05 * np.median(np.abs(slope)) + 1e-9
    return np.maximum(d, floor)


def task_efforts(effort: np.ndarray) -> list[Effort]:
    """The efforts a task's marginal utility is read at: ``effort`` with one task's
    raised by a step, for each task in :data:`TASKS` order."""
    return [Effort(**{u: effort + (_STEP if u == t else 0.0) for u in TASKS}) for t in TASKS]


def task_split(
    sample: PlanSample,
    effort: np.ndarray,
    spec: EffortSpec,
    base_shares: dict[str, np.ndarray] | None,
    at: np.ndarray | None = None,
    bumped: list[np.ndarray] | None = None,
) -> tuple[dict, dict]:
    """Task multipliers from the marginal utility of each task at effort e*, relative
    to ``base_shares`` (today's plan's split; ``None`` when this is today's plan).
    ``at`` and ``bumped`` are the plan's values at e* and at :func:`task_efforts`,
    when already worked out."""
    efforts = task_efforts(effort) if bumped is None else []
    uniform = np.allclose(effort, effort.flat[0])
    if at is None:
        at_effort = float(effort.flat[0]) if uniform else Effort(effort, effort, effort)
        efforts.insert(0, at_effort)
    values = side_by_side(lambda eff: sample.value(eff)[0], efforts) if efforts else []
    if at is None:
        at = values.pop(0)
    bumped = values if bumped is None else bumped
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
