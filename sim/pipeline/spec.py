"""Parameters of the key-account pipeline (``[pipeline]`` in a scenario file).

Deal sizes, discounts, margin, base retention, the fixed monthly sales cost,
seasonality, growth and shocks come from the scenario's ``[market]`` — the
same objects the Monte Carlo engine reads. What is here is what only the
pipeline has: opportunity creation, stages, rep capacity, attention and
satisfaction mechanics, and the cost of pursuing an opportunity.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = ["PipelineSpec", "Stage"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Stage(_Frozen):
    """One sales stage: how long it takes and the chance the opportunity moves on.

    Durations are gamma with mean ``days`` and shape ``shape`` (1 = exponential),
    for a rep of ability 1 at full attention.
    """

    name: str = Field(default="stage", description="The stage's name, as reports show it.")
    days: float = Field(ge=0, description="Mean days in the stage.")
    win: float = Field(ge=0, le=1, description="Chance of passing the stage.")
    shape: float = Field(default=1.0, gt=0, description="Gamma shape of the duration (unitless).")


#: Default stages: qualify, propose, negotiate, close — about 140 days to a won
#: deal and a 29% win rate for a new-account opportunity (48% for expansion,
#: which skips qualification).
DEFAULT_STAGES = (
    Stage(name="qualify", days=20, win=0.6, shape=2.0),
    Stage(name="propose", days=35, win=0.7, shape=2.0),
    Stage(name="negotiate", days=45, win=0.8, shape=2.0),
    Stage(name="close", days=40, win=0.85, shape=2.0),
)


class PipelineSpec(_Frozen):
    """Opportunities, stages, capacity, attention and satisfaction of the pipeline engine."""

    opportunities_per_month: float = Field(
        default=0.9,
        ge=0,
        # Each opportunity is a SimPy process alive for its sales cycle (about 2 kB).
        le=1_000,
        description="New-account opportunities a rep creates a month by prospecting "
        "(ability 1, territory potential 1, effort 1, demand 1; at most 1,000: each is "
        "simulated as it moves through the stages).",
    )
    expansion_per_account_month: float = Field(
        default=0.065, ge=0, description="Expansion opportunities per existing account a month."
    )
    expansion_potential_cv: float = Field(
        default=0.5,
        ge=0,
        description="Spread of expansion potential across existing accounts (gamma, mean 1; a "
        "coefficient of variation, unitless): "
        "expansion opportunities come from the accounts held in proportion to it.",
    )
    csat_expansion: float = Field(
        default=0.1,
        ge=0,
        description="Expansion opportunities change by this share per satisfaction point "
        "above the mean (satisfied accounts buy more).",
    )
    expansion_skips: int = Field(
        default=1, ge=0, description="Leading stages an expansion opportunity skips (a count)."
    )
    stages: tuple[Stage, ...] = Field(
        default=DEFAULT_STAGES,
        description="Sales stages an opportunity passes in order (default: qualify, "
        "propose, negotiate, close).",
    )
    capacity: int = Field(
        default=12,
        ge=1,
        le=1_000_000_000,
        description="Slots of work a rep holds at once, a count (a SimPy resource): account service "
        "takes some, each opportunity in progress one; more wait.",
    )
    service_slots: float = Field(
        default=2.0,
        ge=0,
        description="Slots of the capacity (a count) that servicing accounts holds at service effort 1 "
        "(scaled by service effort; at least one slot is left for opportunities).",
    )
    skill_win: float = Field(
        default=0.1,
        ge=0,
        description="Stage win chance scales with ability ** skill_win (an exponent, unitless).",
    )
    skill_speed: float = Field(
        default=0.3,
        ge=0,
        description="Stage durations scale with ability ** -skill_speed (an exponent, unitless).",
    )
    attention_win: float = Field(
        default=0.2,
        ge=0,
        description="Stage win chance scales with task effort ** attention_win (an exponent, "
        "unitless).",
    )
    attention_speed: float = Field(
        default=0.3,
        ge=0,
        description="Durations scale with task effort ** -attention_speed (an exponent, unitless).",
    )
    slip_probability: float = Field(
        default=0.2, ge=0, le=1, description="Chance a won deal's close date slips."
    )
    slip_days: float = Field(
        default=30.0,
        ge=0,
        description="Mean slip of a won deal's close date, in days (exponential).",
    )
    service_retention: float = Field(
        default=0.05, ge=0, description="Renewal chance per unit of service effort above 1."
    )
    csat_retention: float = Field(
        default=0.03, ge=0, description="Renewal chance per satisfaction point above the mean."
    )
    service_csat: float = Field(
        default=0.5,
        ge=0,
        description="Satisfaction target, in score points, per unit of service effort above 1.",
    )
    overload_csat: float = Field(
        default=1.0,
        ge=0,
        description="Satisfaction lost, in score points, per opportunity waiting as a share of capacity "
        "(an overloaded rep answers slowly).",
    )
    csat_pull: float = Field(
        default=0.3,
        ge=0,
        le=1,
        description="Monthly pull of satisfaction towards its target: the share of the gap closed "
        "each month.",
    )
    account_csat_sd: float = Field(
        default=0.3, ge=0, description="Monthly account-level noise (sd), in score points."
    )
    travel_per_opportunity: float = Field(
        default=1_500.0,
        ge=0,
        description="Travel cost of pursuing an opportunity, in currency per opportunity.",
    )
    presales_per_stage: float = Field(
        default=1_500.0,
        ge=0,
        description="Pre-sales cost of each stage an opportunity enters, in currency per stage.",
    )
    co_sell_stage: str | None = Field(
        default=None,
        description="On account teams with co-selling roles ([[team.roles]] co_sells): the "
        "stage, by name, at which an opportunity asks its team's specialists to join (default: "
        "the first stage it works; an expansion opportunity that skips the stage asks at its "
        "first).",
    )
    warmup_months: int = Field(
        default=9,
        ge=0,
        le=60,
        description="Months simulated before the plan year so that it starts with a "
        "pipeline in flight (nothing is recorded for them).",
    )

    @field_validator("stages")
    @classmethod
    def _stages(cls, v: tuple[Stage, ...]) -> tuple[Stage, ...]:
        if not v:
            raise ValueError("stages needs at least one stage")
        return v

    @model_validator(mode="after")
    def _co_sell_stage(self) -> PipelineSpec:
        names = [s.name for s in self.stages]
        if self.co_sell_stage is not None and self.co_sell_stage not in names:
            raise ValueError(
                f"co_sell_stage: {self.co_sell_stage!r} is not a stage (the stages: "
                f"{', '.join(names)})"
            )
        return self

    @property
    def co_sell_index(self) -> int:
        """Index in ``stages`` of the stage at which opportunities ask for co-sellers."""
        names = [s.name for s in self.stages]
        return 0 if self.co_sell_stage is None else names.index(self.co_sell_stage)

    @property
    def win_rate(self) -> float:
        """Chance a new-account opportunity is won (ability 1, effort 1)."""
        p = 1.0
        for s in self.stages:
            p *= s.win
        return p

    @property
    def expansion_stages(self) -> tuple[Stage, ...]:
        return self.stages[min(self.expansion_skips, len(self.stages) - 1) :]
