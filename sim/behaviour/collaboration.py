"""Team pay, free-riding and help: what a rep gains from their own effort and from helping.

Holmström (1982): with a share w of pay on the result of a team of N reps,
one more unit of a rep's own sales raises their pay by (1 − w) + w/N of what
the individual plan pays, so team pay dilutes effort (free-riding):

    e* = β·k·((1 − w) + w/N) / d.

Itoh (1991): effort spent helping team-mates (help a, cost c·a²/2, each unit
adding ``lift`` to every team-mate's sales) is chosen by its own marginal pay,
which only team pay gives: a* = β·w·lift·(N − 1)/N / c. More team pay, more
help. Peer pressure or mutual monitoring (Kandel & Lazear 1992) is a weight
p ∈ [0, 1] a rep puts on team-mates' pay as if it were their own (the
partners' sanction of shirking, linearised); p = 0 (the default) is off.

In the simulation a rep's best response is taken with the team-mates' effort
held where it is (:func:`own_effort_outcomes`): the plan is paid on the team's
result with only the rep's own contribution moving, so a team measure, a pool
or a split pays a rep's effort at its own marginal rate, not the whole team's.
Team-mates are held at their own best responses, not at today's effort: the
Nash equilibrium of the team, found by iterating best responses
(:func:`team_equilibrium`) until no rep's effort moves by more than
:data:`EQUILIBRIUM_TOLERANCE`, at most :data:`EQUILIBRIUM_ROUNDS` rounds.
With ``[behaviour.help]`` on, each rep chooses help by its marginal pay on the
calibration sample (:func:`choose_help`, the plan paid by :func:`sim.payout.evaluate_plan`)
and the engine's outcomes carry it (:func:`apply_help`): team-mates' bookings
rise, and the helper's ``help_given`` measure records what the help added.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ..crediting import (
    COLLABORATION_COMPONENTS,
    CREDITED,
    CreditedOutcomes,
    credit,
    credit_outcomes,
    plan_credit,
)
from ..measures import MEASURES
from ..outcomes import Outcomes
from ..payout import evaluate_plan
from ..plan import Plan
from ..population import Population
from .base import side_by_side


class Sample(Protocol):
    """The calibration sample as help is chosen on it (:class:`.response.TeamSample`)."""

    def at(self, effort: float) -> Outcomes: ...


__all__ = [
    "EQUILIBRIUM_ROUNDS",
    "EQUILIBRIUM_TOLERANCE",
    "HELPED",
    "HELP_MEASURES",
    "Equilibrium",
    "HelpSpec",
    "OwnEffortOutcomes",
    "apply_help",
    "choose_help",
    "help_cost",
    "help_effort",
    "help_marginal_pay",
    "own_effort_outcomes",
    "own_marginal_share",
    "pays_on_team",
    "team_effort",
    "team_equilibrium",
]


def own_marginal_share(w: float, n: int, peer: float = 0.0) -> float:
    """A rep's marginal pay for their own sales as a share of the individual plan's:
    (1 − w) + w/N, plus p·w·(N − 1)/N under peer pressure p (Holmström 1982;
    Kandel & Lazear 1992)."""
    _check(w, n, peer)
    return (1 - w) + w / n + peer * w * (n - 1) / n


def team_effort(beta: float, k: float, d: float, w: float, n: int, peer: float = 0.0) -> float:
    """Closed-form effort under a linear commission β with team share w over N reps,
    sales x = h + k·e + ε and effort cost d·e²/2."""
    return beta * k * own_marginal_share(w, n, peer) / d


def help_marginal_pay(beta: float, w: float, n: int, lift: float, peer: float = 0.0) -> float:
    """Pay from one more unit of help (each unit adds ``lift`` to every team-mate's
    sales): β·lift·w·(N − 1)/N of one's own pay, plus p·(N − 1) times what it adds
    to each team-mate's pay, β·lift·((1 − w) + w·(N − 1)/N), under peer pressure p."""
    _check(w, n, peer)
    own = beta * lift * w * (n - 1) / n
    mates = (n - 1) * beta * lift * ((1 - w) + w * (n - 1) / n)
    return own + peer * mates


def help_effort(
    beta: float, w: float, n: int, lift: float, cost: float = 1.0, peer: float = 0.0
) -> float:
    """Closed-form help a* with help cost c·a²/2 (Itoh 1991): its marginal pay over c."""
    return help_marginal_pay(beta, w, n, lift, peer) / cost


def _check(w: float, n: int, peer: float) -> None:
    if not 0 <= w <= 1:
        raise ValueError(f"team share w must lie in [0, 1], got {w}")
    if n < 1:
        raise ValueError(f"a team needs at least one rep, got N = {n}")
    if not 0 <= peer <= 1:
        raise ValueError(f"peer pressure must lie in [0, 1], got {peer}")


@dataclass(frozen=True)
class OwnEffortOutcomes(CreditedOutcomes):
    """Credited outcomes in which only each rep's own deals move: individual values
    as the components say, team values (``team_view``) pooled with team-mates held
    at the reference."""

    team_view: dict[str, np.ndarray] = field(default_factory=dict, compare=False)
    team_size: np.ndarray = field(default_factory=lambda: np.ones(0), compare=False)

    def measure(
        self, name: str, periods: int = 1, team_index: np.ndarray | None = None
    ) -> np.ndarray:
        if team_index is None:
            return super().measure(name, periods)
        key = ("own-team", name, periods)
        if key not in self._memo:
            kind = MEASURES[name]
            t, r, m = self.shape
            comps = {
                c: self.team_view[c].reshape(t, r, periods, m // periods)
                for c in kind.numerator + kind.denominator
            }
            value = kind.aggregate(comps, axis=3)
            if kind.average:
                value = value / self.team_size[None, :, None]
            value.flags.writeable = False
            self._memo[key] = value
        return self._memo[key]


#: Largest change of any rep's effort (today's effort = 1) at which best responses
#: to team-mates' best responses count as an equilibrium.
EQUILIBRIUM_TOLERANCE = 1e-3
#: Most rounds of best responses tried before the last one is kept as it is.
EQUILIBRIUM_ROUNDS = 20


@dataclass(frozen=True)
class Equilibrium:
    """Each rep's best response to team-mates' best responses, and how it was found."""

    effort: np.ndarray  # (reps,)
    rounds: int  # best-response rounds after the first response
    gap: float  # largest change of any rep's effort in the last round
    converged: bool  # gap within the tolerance


def team_equilibrium(
    respond: Callable[[np.ndarray], np.ndarray],
    start: np.ndarray,
    tolerance: float = EQUILIBRIUM_TOLERANCE,
    max_rounds: int = EQUILIBRIUM_ROUNDS,
) -> Equilibrium:
    """The fixed point e = respond(e): ``respond(e)`` is every rep's best response
    when the team-mates work as in the profile ``e``. Iterates from ``start`` (the
    response to today's team) until no effort moves by more than ``tolerance``."""
    effort = np.asarray(start, dtype=float)
    gap = np.inf
    for k in range(1, max_rounds + 1):
        new = np.asarray(respond(effort), dtype=float)
        gap = float(np.max(np.abs(new - effort))) if new.size else 0.0
        effort = new
        if gap <= tolerance:
            return Equilibrium(effort, k, gap, True)
    return Equilibrium(effort, max_rounds, gap, False)


def pays_on_team(plan: Plan, population: Population) -> bool:
    """Whether a rep's pay under ``plan`` moves with team-mates' effort: a team
    measure, or credit that moves deals between reps."""
    return _deviates(plan, plan_credit(plan, population))


def _deviates(plan: Plan, c: np.ndarray) -> bool:
    """Whether a rep's own effort pays differently from everyone's: a team measure,
    or credit that moves deals between reps."""
    return any(m.level == "team" for m in plan.measures) or not np.array_equal(
        c, np.diag(np.diag(c))
    )


def own_effort_outcomes(
    plan: Plan, own: Outcomes, reference: Outcomes, population: Population
) -> Outcomes:
    """What ``plan`` pays each rep on when they alone work as in ``own`` and every
    team-mate works as in ``reference`` (both on the same random numbers).

    Returns ``own`` itself when the plan pays no one on anyone else's deals."""
    c = plan_credit(plan, population)
    if not _deviates(plan, c):
        return own
    ref = credit_outcomes(reference, plan, population)
    ref_c = ref.components
    team_index = population.team_index
    same = (team_index[:, None] == team_index[None, :]).astype(float)
    own_credit = np.diag(c)[None, :, None]  # credit of one's own deals to oneself
    team_credit = (c * same).sum(1)[None, :, None]  # ... and to one's team
    indiv, team = {}, {}
    for k, v in own.components.items():
        delta = v - reference.components[k]
        pooled = credit(ref_c[k], same)
        if k in CREDITED:
            indiv[k] = ref_c[k] + own_credit * delta
            team[k] = pooled + team_credit * delta
        else:
            indiv[k] = v
            team[k] = pooled + delta
    for k in COLLABORATION_COMPONENTS:
        if k in ref_c:
            indiv[k] = ref_c[k]
            team[k] = credit(ref_c[k], same)
    return OwnEffortOutcomes(
        indiv, draws=own.draws, credit=c, team_view=team, team_size=same.sum(1)
    )


#: Components help scales on the helped rep's deals.
HELPED: tuple[str, ...] = ("new_value", "xsell_value", "gross_margin")
_STEP = 0.1  # help step for its marginal pay (exact for linear pay)


class HelpSpec(BaseModel):
    """Help between team-mates (Itoh 1991): off by default.

    ``lift``, ``cost`` and ``max_level`` are not calibrated to field evidence (no
    study in DESIGN.md measures them): a rep helping at the bound lifts each
    team-mate's bookings by 1%, so a team of ten all helping fully adds 9%."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = Field(default=False, description="Switches help between team-mates on.")
    lift: float = Field(
        default=0.01,
        ge=0,
        description="Rise of each team-mate's bookings per unit of help, a share (0.01 = +1%).",
    )
    max_level: float = Field(
        default=1.0,
        gt=0,
        description="Most help a rep can give, in units of help (unitless; their time is finite).",
    )
    cost: float = Field(
        default=0.05,
        gt=0,
        description="Help cost c·a²/2, with c a share of the plan's target incentive.",
    )
    peer_pressure: float = Field(
        default=0.0,
        ge=0,
        le=1,
        description="Weight a rep puts on team-mates' pay when choosing help, a share 0-1 (mutual "
        "monitoring, Kandel & Lazear 1992); 0 = off.",
    )


def _mates(team_index: np.ndarray) -> np.ndarray:
    """(reps, reps): 1 for two different reps of the same sales team."""
    same = (team_index[:, None] == team_index[None, :]).astype(float)
    np.fill_diagonal(same, 0.0)
    return same


def apply_help(
    outcomes: Outcomes,
    help: np.ndarray,
    team_index: np.ndarray,
    lift: float,
    effect: np.ndarray | None = None,
) -> Outcomes:
    """Outcomes with help given: each rep's bookings rise by ``lift`` times the help
    their team-mates give, or with ``effect`` (E[j, i]: rise of rep i's bookings per
    unit of rep j's help, as co-selling gives it) by Σ_j E[j, i]·help_j;
    ``help_value`` records, per helper, what their help added."""
    help = np.asarray(help, dtype=float)
    comps = dict(outcomes.components)
    revenue = outcomes.components["new_value"] + outcomes.components["xsell_value"]
    if effect is None:
        mates = _mates(team_index)
        boost = lift * (mates @ help)  # (reps,)
        comps["help_value"] = (lift * help)[None, :, None] * credit(revenue, mates)
    else:
        boost = effect.T @ help
        comps["help_value"] = help[None, :, None] * credit(revenue, effect.T)
    if boost.any():
        factor = (1.0 + boost)[None, :, None]
        for k in HELPED:
            comps[k] = (outcomes.components[k] * factor).astype(outcomes.components[k].dtype)
    return Outcomes(comps, draws=outcomes.draws)


def help_cost(help: np.ndarray, spec: HelpSpec, target_incentive: float) -> np.ndarray:
    """What giving help costs each rep, in pay: c·TI·a²/2, the cost :func:`choose_help`
    weighs against help's marginal pay."""
    return spec.cost * target_incentive * np.square(np.asarray(help, dtype=float)) / 2


#: Measures that pay on help directly: help given to team-mates, referrals it brings,
#: the collaboration score it raises.
HELP_MEASURES = ("help_given", "referrals", "collaboration_score")


def _pays_on_mates(plan: Plan, population: Population) -> bool:
    c = plan_credit(plan, population)
    return (
        _deviates(plan, c)
        or any(m.name in HELP_MEASURES for m in plan.measures)
        or any(g.measure in HELP_MEASURES for g in plan.gates)
        or any(d.measure in HELP_MEASURES for d in plan.modifiers)
    )


def _rounds(effect: np.ndarray, c: np.ndarray, team_index: np.ndarray) -> list[np.ndarray]:
    """Helpers (rows of ``effect`` with any effect) in rounds that can move together:
    no one's help in a round lifts bookings that the pay of another in it, or of
    their team-mates, moves with (credit ``c`` or a shared sales team)."""
    n = len(team_index)
    same = team_index[:, None] == team_index[None, :]
    paid_on = (c.T > 0) | same  # [j, i]: j's pay may move with i's bookings
    reach = (same.astype(float) @ paid_on.astype(float)) > 0  # ... j's or a team-mate's
    lifted = effect > 0
    rounds: list[list[int]] = []
    for j in np.flatnonzero(lifted.any(1)).tolist():
        for r in rounds:
            if not any((lifted[k] & reach[j]).any() or (lifted[j] & reach[k]).any() for k in r):
                r.append(j)
                break
        else:
            rounds.append([j])
    return [np.isin(np.arange(n), r) for r in rounds]


def choose_help(
    plan: Plan,
    sample: Sample,
    population: Population,
    spec: HelpSpec,
    *,
    flow: Callable[[Outcomes, np.ndarray], Outcomes] | None = None,
    effect: np.ndarray | None = None,
) -> np.ndarray:
    """Each rep's help a* = (its marginal pay + peer pressure × team-mates') / cost,
    at most ``max_level``, with marginal pay read off the plan paid on the calibration
    sample (today's effort, no other help): exact for linear pay, first order otherwise.
    ``flow`` adds what else help brings, in expectation (referrals:
    :func:`sim.referrals.expected_referrals`); ``effect`` (see :func:`apply_help`) says
    whose bookings whose help lifts, by default every team-mate's, by ``lift``. Zero
    when the plan pays no rep on help or team-mates' results."""
    n = population.size
    if not spec.enabled or not _pays_on_mates(plan, population):
        return np.zeros(n)
    base = sample.at(1.0)
    team_index = population.team_index
    mates = _mates(team_index)

    def pay(help: np.ndarray) -> np.ndarray:
        oc = apply_help(base, help, team_index, spec.lift, effect)
        if flow is not None:
            oc = flow(oc, help)
        return evaluate_plan(plan, oc, population).total.astype(float).mean(0)

    pay0 = pay(np.zeros(n))
    gain = np.zeros(n)
    if effect is None:
        rank = np.zeros(n, dtype=int)
        for g in np.unique(team_index):
            members = np.flatnonzero(team_index == g)
            rank[members] = np.arange(len(members))
        # One rep per team at a time: team-mates' pay moves by theirs alone.
        ranks = [rank == k for k in range(rank.max() + 1)]
    else:
        ranks = _rounds(effect, plan_credit(plan, population), team_index)
    paid = side_by_side(lambda movers: pay(_STEP * movers), ranks)
    for movers, p in zip(ranks, paid, strict=True):
        d = (p - pay0) / _STEP
        gain[movers] = d[movers] + spec.peer_pressure * (mates @ d)[movers]
    return np.clip(gain / (spec.cost * plan.pay_mix.target_incentive), 0.0, spec.max_level)
