"""The plan as data: measures, weights, targets, curves, pay mix, gates, modifiers, rewards.

A plan is a frozen, validated object; plan variants are named overrides of a
base plan (see :mod:`sim.scenario`). Nothing here draws random numbers or
computes payouts: :mod:`sim.payout` applies a plan to simulated outcomes.
"""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .curves import PayoutCurve
from .measures import MEASURES
from .suggest import did_you_mean
from .teams import CreditRule

__all__ = [
    "PERIODS_PER_YEAR",
    "Gate",
    "Measure",
    "Modifier",
    "PayMix",
    "Plan",
    "Reward",
]

PERIODS_PER_YEAR = {"month": 12, "quarter": 4, "year": 1}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _known_measure(name: str) -> str:
    if name not in MEASURES:
        raise ValueError(
            f"unknown measure {name!r}"
            + (did_you_mean(name, MEASURES) or f"; known: {', '.join(MEASURES)}")
        )
    return name


class Measure(_Frozen):
    """One thing the plan pays on.

    ``target`` is per rep for the plan year (for additive measures such as
    revenue) or the level to reach in every period (for rates and scores such
    as retention or csat). Team-level measures pay every member on the team's
    attainment against the sum (or level) of the members' targets.
    """

    name: str = Field(
        description="The measure paid on (one of sim.measures.MEASURES).",
        json_schema_extra={"enum": list(MEASURES)},
    )
    key: str | None = Field(
        default=None,
        description="Name in reports when a measure is paid twice (e.g. team_revenue).",
    )
    weight: float = Field(
        ge=0,
        le=1,
        description="Share of the target incentive paid on this measure.",
        json_schema_extra={"unit": "share"},
    )
    level: Literal["individual", "team"] = Field(
        default="individual",
        description="individual: the rep's own attainment; team: the team's, paid to every member.",
    )
    target: float = Field(
        gt=0,
        description="Per rep for the plan year (amounts, counts) or the level to reach in every "
        "period (rates, scores).",
        json_schema_extra={"unit": "the measure's unit"},
    )
    target_basis: Literal["flat", "potential", "roster", "listed"] = Field(
        default="flat",
        description="flat: same target for every rep; potential: scaled by the rep's "
        "territory potential (mean 1); roster: the roster's target_<measure> column; "
        "listed: each rep's own target in rep_targets (as the optimiser writes them).",
    )
    rep_targets: dict[str, float] | None = Field(
        default=None,
        description="Annual target per rep name, in the measure's unit, for target_basis = 'listed'.",
    )
    period_shares: tuple[float, ...] | None = Field(
        default=None, description="Share of an additive annual target in each period (sums to 1)."
    )
    curve: PayoutCurve = Field(description="Payout share of the measure's incentive by attainment.")

    _check_name = field_validator("name")(_known_measure)

    @model_validator(mode="after")
    def _basis(self) -> Measure:
        if self.target_basis == "potential" and not MEASURES[self.name].additive:
            raise ValueError(
                f"target_basis 'potential' scales amounts; {self.name} is a rate or score, "
                "give it a flat target"
            )
        if (self.target_basis == "listed") != (self.rep_targets is not None):
            raise ValueError("rep_targets goes with target_basis = 'listed', and only with it")
        if self.rep_targets is not None:
            bad = [n for n, t in self.rep_targets.items() if not t > 0]
            if bad:
                raise ValueError(
                    f"rep_targets must be > 0; {bad[0]!r} has {self.rep_targets[bad[0]]}"
                )
        return self

    @property
    def id(self) -> str:
        """Unique name of this measure within its plan."""
        return self.key or self.name

    @property
    def direction(self) -> str:
        return MEASURES[self.name].direction

    @property
    def additive(self) -> bool:
        return MEASURES[self.name].additive

    @field_validator("period_shares")
    @classmethod
    def _shares(cls, v):
        if v is not None:
            if any(s <= 0 for s in v):
                raise ValueError(
                    "period shares must be > 0 (a period with no target cannot be attained)"
                )
            if abs(sum(v) - 1.0) > 1e-6:
                raise ValueError(f"period shares must sum to 1, got {sum(v):.4g}")
        return v


class PayMix(_Frozen):
    """Base salary and target incentive per rep per year; OTE is their sum."""

    base: float = Field(
        ge=0, description="Base salary.", json_schema_extra={"unit": "currency/year"}
    )
    target_incentive: float = Field(
        gt=0,
        description="Incentive paid at 100% attainment on every measure.",
        json_schema_extra={"unit": "currency/year"},
    )

    @property
    def ote(self) -> float:
        return self.base + self.target_incentive

    @property
    def base_share(self) -> float:
        return self.base / self.ote


class Gate(_Frozen):
    """Limit payout when a condition fails (e.g. no upside unless margin holds).

    When ``measure`` (its value, or its attainment for a paid measure) is below
    ``floor`` in a period, the measures in ``applies_to`` (default: all) pay as
    if attainment were at most ``max_attainment`` (1.0: nothing above target;
    0.0: nothing at all).
    """

    measure: str = Field(description="The measure whose value (or attainment) is checked.")
    floor: float = Field(
        description="Below this in a period, the gate closes (the measure's unit, or "
        "attainment with on = 'attainment')."
    )
    on: Literal["value", "attainment"] = Field(
        default="value", description="Check the measure's value, or its attainment (paid measures)."
    )
    max_attainment: float = Field(
        default=1.0,
        ge=0,
        description="Attainment paid at most while the gate is closed.",
        json_schema_extra={"unit": "attainment"},
    )
    applies_to: tuple[str, ...] = Field(
        default=(), description="Measures the gate limits (default: all)."
    )


class Modifier(_Frozen):
    """Multiply payout by a factor chosen by the band a measure falls in.

    ``bands`` are ascending cut points; ``factors`` has one more entry than
    ``bands``. E.g. csat bands [7.0, 8.5] with factors [0.9, 1.0, 1.1] gives
    -10% below 7 and +10% from 8.5.
    """

    measure: str = Field(description="The measure whose value picks the band.")
    bands: tuple[float, ...] = Field(
        min_length=1,
        description="Ascending cut points of the measure's value, in the measure's unit.",
    )
    factors: tuple[float, ...] = Field(
        description="Payout multiplier per band (one more than bands).",
        json_schema_extra={"unit": "× payout"},
    )
    applies_to: tuple[str, ...] = Field(
        default=(), description="Measures whose payout is multiplied (default: all)."
    )

    _check_name = field_validator("measure")(_known_measure)

    @model_validator(mode="after")
    def _check(self) -> Modifier:
        if len(self.factors) != len(self.bands) + 1:
            raise ValueError(
                f"factors needs {len(self.bands) + 1} entries (one more than bands), "
                f"got {len(self.factors)}"
            )
        if any(b <= a for a, b in zip(self.bands, self.bands[1:], strict=False)):
            raise ValueError("bands must be strictly ascending")
        if any(f < 0 for f in self.factors):
            raise ValueError("factors must be >= 0")
        return self


class Reward(_Frozen):
    """A non-monetary reward: recognition for the top N%, or promotion eligibility.

    Recognition goes to the top ``top_percent`` of reps by weighted annual
    attainment in each trial. Promotion eligibility needs weighted annual
    attainment >= ``min_attainment`` and tenure >= ``min_tenure_years``.
    """

    name: str = Field(min_length=1, description="Name in reports, e.g. President's Club.")
    kind: Literal["recognition", "promotion"] = Field(
        description="recognition: the top N% of reps; promotion: eligibility by attainment "
        "and tenure."
    )
    top_percent: float | None = Field(
        default=None,
        gt=0,
        le=100,
        description="Share of reps recognised (recognition).",
        json_schema_extra={"unit": "percent"},
    )
    min_attainment: float | None = Field(
        default=None,
        ge=0,
        description="Weighted annual attainment needed (promotion).",
        json_schema_extra={"unit": "attainment"},
    )
    min_tenure_years: float = Field(
        default=0.0,
        ge=0,
        description="Tenure needed (promotion).",
        json_schema_extra={"unit": "years"},
    )
    value: float = Field(
        default=0.0,
        ge=0,
        description="What qualifying is worth to a rep, in money (utility).",
        json_schema_extra={"unit": "currency"},
    )

    @model_validator(mode="after")
    def _check(self) -> Reward:
        if self.kind == "recognition" and self.top_percent is None:
            raise ValueError("a recognition reward needs top_percent")
        if self.kind == "promotion" and self.min_attainment is None:
            raise ValueError("a promotion reward needs min_attainment")
        return self


def _credit_shorthand(schema: dict) -> None:
    """A role's rule may be written as its name alone (``solutions = "pool"``), as
    :class:`~sim.teams.CreditRule` accepts; a split needs its share, so a table."""
    rule = schema["additionalProperties"]
    named = [r for r in get_args(CreditRule.model_fields["rule"].annotation) if r != "split"]
    schema["additionalProperties"] = {"anyOf": [rule, {"enum": named}]}


class Plan(_Frozen):
    """A complete incentive plan for one plan year."""

    name: str = Field(default="plan", description="Name in reports.")
    description: str = Field(default="", description="What the plan is for, in reports.")
    period: Literal["month", "quarter", "year"] = Field(
        default="quarter", description="How often attainment is measured and paid."
    )
    payout_lag_months: int = Field(
        default=1,
        ge=0,
        le=12,
        description="Months between a period's end and its payout.",
        json_schema_extra={"unit": "months"},
    )
    true_up: bool = Field(
        default=True, description="At year end pay any shortfall of period payouts vs annual."
    )
    clawback: bool = Field(
        default=False, description="With true_up, recover overpayment at year end."
    )
    pay_mix: PayMix = Field(description="Base salary and target incentive per rep per year.")
    measures: tuple[Measure, ...] = Field(
        min_length=1, description="What the plan pays on; weights sum to 1."
    )
    gates: tuple[Gate, ...] = Field(default=(), description="Conditions that limit payout.")
    modifiers: tuple[Modifier, ...] = Field(
        default=(), description="Multipliers by the band a measure falls in."
    )
    rewards: tuple[Reward, ...] = Field(default=(), description="Non-monetary rewards.")
    credit: dict[str, CreditRule] = Field(
        default_factory=dict,
        description="Crediting rule per account-team role (sim.teams); default: each deal "
        "to its originator alone.",
        json_schema_extra=_credit_shorthand,
    )

    @property
    def periods(self) -> int:
        return PERIODS_PER_YEAR[self.period]

    @property
    def measure_ids(self) -> tuple[str, ...]:
        """Unique ids of the paid measures (the key, else the measure name)."""
        return tuple(m.id for m in self.measures)

    def measure(self, mid: str) -> Measure:
        for m in self.measures:
            if m.id == mid:
                return m
        raise KeyError(mid)

    @field_validator("measures")
    @classmethod
    def _weights(cls, measures: tuple[Measure, ...]) -> tuple[Measure, ...]:
        names = [m.id for m in measures]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ValueError(
                f"measure listed twice: {', '.join(sorted(dup))} (give one a distinct key)"
            )
        total = sum(m.weight for m in measures)
        if abs(total - 1.0) > 1e-6:
            listed = ", ".join(f"{m.id} {m.weight:g}" for m in measures)
            raise ValueError(f"weights must sum to 1, got {total:.4g} ({listed})")
        return measures

    @model_validator(mode="after")
    def _check(self) -> Plan:
        names = self.measure_ids
        for m in self.measures:
            if m.period_shares is not None and len(m.period_shares) != self.periods:
                raise ValueError(
                    f"measure {m.id}: period_shares has {len(m.period_shares)} entries, "
                    f"the {self.period}ly plan has {self.periods} periods"
                )
        for rule in (*self.gates, *self.modifiers):
            for a in rule.applies_to:
                if a not in names:
                    raise ValueError(f"applies_to names {a!r}, which the plan does not pay on")
        for g in self.gates:
            if g.on == "attainment" and g.measure not in names:
                raise ValueError(
                    f"gate on the attainment of {g.measure!r} needs it among the plan's measures"
                )
            if g.on == "value":
                _known_measure(g.measure)
        return self
