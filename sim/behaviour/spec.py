"""Behaviour settings: one switchable, parameterised section per research effect.

Every component is off by default, so a scenario without ``[behaviour]`` runs
the foundation engine exactly. Defaults and their sources are given per field.

Calibration (what was fitted to what; ``benchmarks/evidence.py`` prints the
table, ``tests/test_evidence.py`` asserts it, scenarios in ``scenarios/evidence/``):

- ``effort.cost_curvature`` γ = 8 (annual effort moves with marginal pay at
  elasticity 1/7) was fitted to Chung, Steenburgh & Sudhir (2014): removing pay
  above quota costs about 6% of revenue (planlab: about -6%, 58% of it from the
  top quarter of reps by sales potential) and checked, not fitted, against Misra
  & Nair (2011): the plan without ratchet and ceiling gains about 9% (planlab:
  about +9%). With γ = 2 (the textbook quadratic) both effects were 4-9 times
  too large.
- ``dynamics.elasticity`` = 2 (within a period effort moves more freely than
  over the year) was fitted so that a quarterly quota bonus concentrates
  bookings in the last month of a quarter against an equal-cost commission with
  every component on (Oyer 1998; Steenburgh 2008); it also gives the give-up
  effect (reps far below a threshold late in a period work less than under a
  commission).
- ``timing.max_push_share`` = 0.05 and ``timing.slip_risk`` = 0.5 were fitted
  to the same study: with pushes as free as pulls (0.3, 0.25) reps past or far
  from quota pushed out more than was pulled in and the hockey stick reversed.
- ``ratchet.strength`` = 0.5 and every other default are as before, not fitted.
- Deal timing across several months (Larkin 2014): ``timing.pull_months`` lets
  reps pull deals from up to that many months after a close into it, at an extra
  discount (:func:`sim.behaviour.base.pull_discount`) that either compounds for
  every month a deal is brought forward (``pull_discount_per = "month"``, the
  default) or is one price cut per timed deal whatever the distance (``"deal"``:
  the form Larkin estimates, lower prices granted so that a deal closes on the
  rep's timeline). With the default one-month window the two are the same, so no
  other study moves. The Larkin scenario takes from its sources whole deals moved
  both ways, one discount per deal of 10% (the author's teaching case on the same
  practice: about 40% off on deals timed to a quarter's edge against 30% or less
  mid-quarter; a teaching case's figures, not the paper's estimate) and a year's
  window (12-24-month sales cycles). No parameter was fitted to the published cost,
  but both settings were chosen knowing that a year's window with 9% or more a deal
  reaches the band: planlab gives about 3.5% of revenue in timing discounts, near
  the band's lower edge (3-10%) and half the published 6-8% (the paper's quarterly
  deadlines, whose terms were not found, are not modelled;
  scenarios/evidence/larkin_2014.toml).

Effort costs d are calibrated per rep on today's plan (today's effort 1.0 is
the best response to it); the studies' firms enter through their scenarios
(plan, period, deal sizes, spread of ability around quota), not through
per-study behaviour parameters.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .collaboration import HelpSpec

__all__ = [
    "BehaviourSpec",
    "DynamicsSpec",
    "EffortSpec",
    "HelpSpec",
    "RatchetSpec",
    "RetentionSpec",
    "TimingSpec",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class EffortSpec(_Frozen):
    """Annual effort as a best response to the plan (Holmström & Milgrom 1987;
    Lal & Srinivasan 1993), split across tasks by their marginal payoffs
    (Holmström & Milgrom 1991, multi-task: a heavily weighted, easy measure
    crowds out the rest).

    The effort cost d of each rep is calibrated so that the *base* plan's best
    response is the effort the market parameters describe (1.0): variants then
    move effort relative to today.
    """

    enabled: bool = Field(
        default=False, description="Switches annual effort as a best response to the plan on."
    )
    risk_aversion: float = Field(
        default=1.0,
        ge=0,
        description="Relative risk aversion at OTE, unitless: CARA r = risk_aversion / OTE. Field "
        "estimates for salespeople are low to moderate (Misra & Nair 2011).",
    )
    cost_curvature: float = Field(
        default=8.0,
        ge=1.2,
        description="Exponent γ of the effort cost d·e^γ/γ; effort moves with marginal pay "
        "at elasticity 1/(γ-1) (2: the textbook quadratic).",
    )
    risk_aversion_cv: float = Field(
        default=0.3,
        ge=0,
        description="Spread of r across reps (coefficient of variation, unitless).",
    )
    levels: tuple[float, ...] = Field(
        default=(0.55, 0.7, 0.85, 1.0, 1.15, 1.3, 1.45),
        description="Starting grid of annual effort levels, multiples of today's effort (1.0), "
        "evaluated on common random numbers; it grows by its outer step while a rep's best level is at its edge.",
    )
    min_level: float = Field(
        default=0.1,
        gt=0,
        description="Least effort a rep can choose, a multiple of today's effort (a declared bound: reps whose best "
        "response is here are counted and reported).",
    )
    max_level: float = Field(
        default=3.0,
        description="Most effort a rep can choose, a multiple of today's effort (a declared bound, counted "
        "like min_level).",
    )
    focus: float = Field(
        default=1.0,
        ge=0,
        description="How strongly effort follows each task's marginal payoff, an exponent (0: fixed "
        "split).",
    )
    min_task_share: float = Field(
        default=0.25,
        gt=0,
        le=1,
        description="No task falls below this share of its base-plan effort.",
    )
    calibration_trials: int = Field(
        default=300,
        ge=20,
        le=100_000,
        description="Simulated years of the calibration sample on which reps choose their "
        "effort (and the optimiser tabulates outcomes).",
        json_schema_extra={"unit": "simulated years"},
    )

    @field_validator("levels")
    @classmethod
    def _levels(cls, v):
        if len(v) < 3 or any(b <= a for a, b in zip(v, v[1:], strict=False)):
            raise ValueError("levels needs at least 3 strictly increasing effort levels")
        if not v[0] < 1.0 < v[-1] or v[0] <= 0:
            raise ValueError("levels must be positive and bracket 1.0")
        return v

    @model_validator(mode="after")
    def _bounds(self) -> EffortSpec:
        if not self.min_level <= self.levels[0] or not self.max_level >= self.levels[-1]:
            raise ValueError(
                f"min_level ({self.min_level:g}) and max_level ({self.max_level:g}) must "
                f"enclose levels ({self.levels[0]:g} to {self.levels[-1]:g})"
            )
        return self


class DynamicsSpec(_Frozen):
    """Within-period effort: each month reps scale effort with the marginal pay of a
    unit of effort now, given attainment to date and time left, against the
    same at the period's start. Near a deadline with the target in reach this
    rises (the hockey stick: Oyer 1998; Larkin 2014); far out of reach or past a
    cap it falls (giving up, coasting: Steenburgh 2008; Chung, Steenburgh &
    Sudhir 2014). Under a straight linear commission it stays constant.
    """

    enabled: bool = Field(default=False, description="Switches within-period effort on.")
    elasticity: float = Field(
        default=2.0,
        ge=0,
        description="Effort within a period ∝ (marginal pay)^elasticity (unitless). Moving effort "
        "between months of a period costs far less than working more over the year, so "
        "this is larger than the annual elasticity 1/(cost_curvature - 1); fitted to the "
        "hockey stick of quota bonuses (Oyer 1998; Steenburgh 2008).",
    )
    min_effort: float = Field(
        default=0.3,
        ge=0,
        le=1,
        description="Least a month's effort can fall to, as a multiple of the annual "
        "effort (a rep giving up or coasting).",
        json_schema_extra={"unit": "× annual effort"},
    )
    max_effort: float = Field(
        default=2.0,
        ge=1,
        description="Most a month's effort can rise to, as a multiple of the annual "
        "effort (a rep pushing for a deadline).",
        json_schema_extra={"unit": "× annual effort"},
    )


class TimingSpec(_Frozen):
    """Deal timing at period ends (Oyer 1998; Larkin 2014): reps pull deals forward,
    at an extra discount, when that carries them across a threshold, target or
    accelerator; they push deals out when those deals earn nothing this period
    (past a cap, or hopelessly short) but would next period.
    """

    enabled: bool = Field(default=False, description="Switches deal timing at period ends on.")
    max_shift_share: float = Field(
        default=0.3, gt=0, le=1, description="Share of next month's deals a rep can pull in."
    )
    max_push_share: float = Field(
        default=0.05,
        ge=0,
        le=1,
        description="Share of a period's last month of deals a rep can push out: a deal "
        "the customer is ready to sign is hard to hold back (fitted with slip_risk so that "
        "quota bonuses concentrate bookings at period ends, Oyer 1998; Steenburgh 2008).",
    )
    pull_discount: float = Field(
        default=0.08,
        ge=0,
        lt=1,
        description="Extra discount given to close a deal one month early; a deal pulled k "
        "months ahead gets 1 - (1 - pull_discount)^k (sim.behaviour.base.pull_discount).",
        json_schema_extra={"unit": "share of the deal's value per month pulled"},
    )
    pull_discount_per: Literal["month", "deal"] = Field(
        default="month",
        description="How the pull discount grows with distance: 'month' compounds "
        "pull_discount for every month a deal is brought forward; 'deal' gives one extra "
        "discount per moved deal, whatever the distance (Larkin 2014 estimates the price "
        "cut on deals timed to the rep's incentive quarter, not a rate per month).",
    )
    pull_months: int = Field(
        default=1,
        ge=1,
        le=12,
        description="How many months ahead of a period's close a rep can pull deals from "
        "(at most the next period within the year; at the year's close, next year's first "
        "months). Long sales cycles give reps control over which quarter a deal closes "
        "in (Larkin 2014). Monte Carlo engine; the pipeline engine pulls only final-stage "
        "deals due next month.",
        json_schema_extra={"unit": "months"},
    )
    slip_risk: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="Chance, as a rep sees it, that a deal pushed out slips away; pushing "
        "is worth only (1 - slip_risk) of the pay it would earn later.",
    )
    hurdle: float = Field(
        default=0.05,
        ge=0,
        description="Smallest gain, as a share of the period's target incentive, worth a move.",
    )


class RatchetSpec(_Frozen):
    """Ratchet anticipation (Weitzman 1980; Leone, Misra & Zimmerman 2004): when next
    period's target is set from this period's result, each unit sold above
    target raises the next target by ``strength``, so reps hold back above it.
    """

    enabled: bool = Field(default=False, description="Switches ratchet anticipation on.")
    strength: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="Rise of next period's target per unit sold above this period's "
        "target, as reps expect it.",
        json_schema_extra={"unit": "share"},
    )


class RetentionSpec(_Frozen):
    """Motivation and attrition: reps whose certainty equivalent under the plan falls
    below their outside option leave with a probability that rises with the gap;
    a leaver's territory is covered at reduced productivity, then a hire ramps
    up. Better reps have better outside options.
    """

    enabled: bool = Field(default=False, description="Switches motivation and attrition on.")
    base_attrition: float = Field(
        default=0.10,
        ge=0,
        le=1,
        description="Annual attrition at no gap, a share of reps per year.",
    )
    max_attrition: float = Field(
        default=0.6,
        ge=0,
        le=1,
        description="Annual attrition that a rep far below their outside option approaches.",
        json_schema_extra={"unit": "share"},
    )
    sensitivity: float = Field(
        default=4.0,
        ge=0,
        description="Rise of annual attrition (a share) per unit of relative CE gap (the gap "
        "÷ the outside option, unitless).",
    )
    outside_option: float = Field(
        default=1.0, gt=0, description="Outside option as a multiple of the base plan's CE."
    )
    ability_premium: float = Field(
        default=0.2,
        ge=0,
        description="Outside option scales with ability ** premium (an exponent, unitless).",
    )
    vacancy_months: int = Field(
        default=3,
        ge=0,
        le=12,
        description="Months a leaver's territory stays vacant (covered at coverage) "
        "before a hire starts.",
        json_schema_extra={"unit": "months"},
    )
    coverage: float = Field(
        default=0.4, ge=0, le=1, description="Productivity while vacant, a share of a full rep's."
    )
    ramp_months: int = Field(
        default=6,
        ge=0,
        le=24,
        description="Months a hire takes to ramp up to full productivity (0: "
        "productive from the first day).",
        json_schema_extra={"unit": "months"},
    )
    ramp_start: float = Field(
        default=0.3,
        ge=0,
        le=1,
        description="A hire's productivity in their first month, rising linearly to 1.",
        json_schema_extra={"unit": "share"},
    )
    replacement_cost: float = Field(
        default=0.5, ge=0, description="Hiring and onboarding cost as a multiple of OTE."
    )


class BehaviourSpec(_Frozen):
    """All behaviour components of a scenario (``[behaviour]`` in the TOML file)."""

    effort: EffortSpec = Field(
        default=EffortSpec(),
        description="Annual effort as a best response to the plan, split across tasks.",
    )
    dynamics: DynamicsSpec = Field(
        default=DynamicsSpec(),
        description="Within-period effort: the hockey stick near a deadline, giving up "
        "out of reach.",
    )
    timing: TimingSpec = Field(
        default=TimingSpec(),
        description="Deals pulled forward or pushed out at period ends.",
    )
    ratchet: RatchetSpec = Field(
        default=RatchetSpec(),
        description="Reps holding back above target when next target is set from this result.",
    )
    retention: RetentionSpec = Field(
        default=RetentionSpec(),
        description="Reps leaving when the plan pays less than their outside option, "
        "vacancies and ramp-up.",
    )
    help: HelpSpec = Field(
        default=HelpSpec(),
        description="Help between team-mates (sim.behaviour.collaboration).",
    )

    @model_validator(mode="after")
    def _ratchet_needs_dynamics(self) -> BehaviourSpec:
        if self.ratchet.enabled and not self.dynamics.enabled:
            raise ValueError(
                "ratchet acts through the monthly effort decisions: enable dynamics too"
            )
        return self

    @property
    def enabled(self) -> bool:
        return any(
            c.enabled
            for c in (
                self.effort,
                self.dynamics,
                self.timing,
                self.ratchet,
                self.retention,
                self.help,
            )
        )

    def all_on(self) -> BehaviourSpec:
        """The same settings with every component switched on."""
        return self.model_copy(
            update={
                k: getattr(self, k).model_copy(update={"enabled": True})
                for k in ("effort", "dynamics", "timing", "ratchet", "retention", "help")
            }
        )
