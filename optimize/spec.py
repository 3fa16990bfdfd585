"""The ``[optimize]`` table of a scenario: levers, constraints, objective, solver.

Every constraint is switchable: leave its key out (or set it to ``false`` where
it has a default) and the optimiser drops it. Money is per year and in the
scenario's currency; shares are fractions (0.6 = 60%).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.behaviour.agency import check_agency
from sim.behaviour.flows import flow_components
from sim.errors import ScenarioError
from sim.scenario import Scenario, explain_error

__all__ = [
    "Band",
    "Baseline",
    "BadYear",
    "Constraints",
    "Fairness",
    "Levels",
    "LinearSpec",
    "Menu",
    "Objective",
    "OptimizeSpec",
    "SolverSpec",
    "TextbookReps",
    "optimize_spec",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Band(_Frozen):
    """A range [low, high]."""

    low: float
    high: float

    @model_validator(mode="after")
    def _order(self) -> Band:
        if self.low > self.high:
            raise ValueError(f"low ({self.low}) must not exceed high ({self.high})")
        return self


class Baseline(_Frozen):
    """Where each rep's baseline target comes from.

    plan: the base plan's targets; potential: the base plan's total split by
    territory potential; history: last period's actuals (roster ``actual_<measure>``);
    blend: ``history_weight`` of history, the rest potential.
    """

    basis: Literal["plan", "potential", "history", "blend"] = "plan"
    history_weight: float = Field(default=0.5, ge=0, le=1)


class Levels(_Frozen):
    """Candidate targets per rep: ``count`` multiples of the baseline from ``low`` to ``high``."""

    low: float = Field(default=0.8, gt=0)
    high: float = Field(default=1.2, gt=0)
    count: int = Field(default=15, ge=2, le=101)

    @model_validator(mode="after")
    def _order(self) -> Levels:
        if self.low >= self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        return self


class BadYear(_Frozen):
    """Chance constraint: total incentive pay at ``quantile`` of simulated years ≤ ``ceiling``."""

    quantile: float = Field(default=0.9, gt=0, lt=1)
    ceiling: float = Field(gt=0)


class Fairness(_Frozen):
    """Targets fair across reps: the spread (max − min) of target ÷ potential-based
    target, or of the chance of reaching target, at most ``spread``."""

    basis: Literal["potential", "achievability"] = "potential"
    spread: float = Field(gt=0)


_SWITCHABLE = (
    "company_number",
    "achievability",
    "budget",
    "cost_of_sales",
    "bad_year",
    "fairness",
    "ratchet",
    "min_target",
    "max_target",
)


class Constraints(_Frozen):
    """The business's constraints; ``None`` switches one off."""

    company_number: float | None = Field(
        default=None, gt=0, description="Sum of reps' primary targets (default: of baselines)."
    )
    overassign: float = Field(
        default=0.1, ge=0, description="Targets may sum to this share above the company number."
    )
    team_numbers: dict[str, float] = Field(default_factory=dict)
    achievability: Band | None = Band(low=0.6, high=0.7)
    budget: float | None = Field(default=None, gt=0, description="Expected incentive cost cap.")
    cost_of_sales: float | None = Field(
        default=None, gt=0, lt=1, description="Expected incentive cost ÷ expected revenue cap."
    )
    bad_year: BadYear | None = None
    fairness: Fairness | None = None
    ratchet: float | None = Field(
        default=None, gt=0, description="Largest change of a rep's target on last period's."
    )
    min_target: float | None = Field(default=None, gt=0)
    max_target: float | None = Field(default=None, gt=0)

    @model_validator(mode="before")
    @classmethod
    def _switched_off(cls, data):
        """``false`` switches a constraint off (as leaving it out does, where it has no default)."""
        if isinstance(data, dict):
            return {k: None if v is False and k in _SWITCHABLE else v for k, v in data.items()}
        return data

    @model_validator(mode="after")
    def _check(self) -> Constraints:
        a = self.achievability
        if a is not None and not (0 <= a.low <= a.high <= 1):
            raise ValueError("achievability band must lie within [0, 1]")
        if self.min_target and self.max_target and self.min_target > self.max_target:
            raise ValueError("min_target exceeds max_target")
        return self


class Objective(_Frozen):
    """Expected gross profit after incentive cost, plus motivation terms (money per unit)."""

    achievability_weight: float = Field(
        default=0.0, ge=0, description="Value of one more rep expected to reach target."
    )
    outside_option_weight: float = Field(
        default=0.0, ge=0, description="Cost per unit of a rep's shortfall below outside option."
    )
    upside_weight: float = Field(
        default=0.0, ge=0, description="Value per unit of expected pay above target incentive."
    )
    fairness_weight: float = Field(
        default=0.0, ge=0, description="Cost per unit of spread of target ÷ potential target."
    )


class Menu(_Frozen):
    """Plan shapes to choose from: measure weights × threshold × accelerator × cap.

    Weights are listed (``weights``) or generated on a grid of ``step`` over
    ``measures`` with at most ``max_active`` measures, each at least ``floor``.
    The curve family, applied to every volume measure: nothing below
    ``threshold``, then ``threshold_payout`` rising linearly to 100% at target,
    ``accelerator`` × beyond target, up to ``cap``. An empty list keeps the
    base plan's choice.
    """

    weights: list[dict[str, float]] | None = None
    measures: list[str] | None = None
    max_active: int = Field(default=3, ge=1)
    floor: float = Field(default=0.2, ge=0, lt=1)
    step: float = Field(default=0.1, gt=0, le=1)
    thresholds: list[float] = Field(default_factory=list)
    threshold_payout: float | None = Field(
        default=None, ge=0, le=1, description="Payout share at threshold (default: the threshold)."
    )
    accelerators: list[float] = Field(default_factory=list)
    caps: list[float | None] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> Menu:
        if any(not 0 <= t < 1 for t in self.thresholds):
            raise ValueError("thresholds are attainments in [0, 1)")
        if any(a < 0 for a in self.accelerators):
            raise ValueError("accelerators are slopes >= 0")
        if any(c is not None and c < 1 for c in self.caps):
            raise ValueError("caps are payout shares >= 1 (100% at target)")
        for w in self.weights or []:
            if abs(sum(w.values()) - 1) > 1e-6:
                raise ValueError(f"weights {w} must sum to 1")
        return self


class SolverSpec(_Frozen):
    """Which MILP solver, and how long it may take (wall clock, per solve)."""

    name: Literal["cbc", "highs"] = "cbc"
    time_limit: float = Field(default=60.0, gt=0)
    gap: float = Field(default=0.001, ge=0, lt=1)


class TextbookReps(_Frozen):
    """Identical reps of the agency model, given directly (to check against theory).

    One measure and one task: numbers ``k``, ``d`` and ``sigma`` (the noise's standard
    deviation). Several (Holmström & Milgrom 1991): ``k`` is the matrix K (one row per
    measure, one column per task), ``d`` the effort cost matrix D (tasks × tasks,
    positive definite; an off-diagonal term makes the tasks compete for time),
    ``noise`` the covariance Σ of the measures (measures × measures) and ``h`` one
    value per measure.
    """

    h: float | list[float] = 0.0
    k: float | list[list[float]]
    d: float | list[list[float]]
    r: float = Field(ge=0)
    sigma: float | None = Field(default=None, ge=0)
    noise: list[list[float]] | None = None
    ce0: float = 0.0
    measures: list[str] | None = Field(
        default=None, description="Names of the measures, for the report (default: numbered)."
    )
    effort_floor: float | None = Field(
        default=None,
        description="Lowest effort on a task (default: none, as the closed form assumes).",
    )

    @model_validator(mode="after")
    def _check(self) -> TextbookReps:
        if (self.sigma is None) == (self.noise is None):
            raise ValueError("give either sigma (one measure) or noise (a covariance matrix)")
        _, K, *_ = check_agency(self.h, self.k, self.d, self.covariance)
        if self.measures is not None and len(self.measures) != K.shape[0]:
            raise ValueError(f"measures must name the {K.shape[0]} measure(s) of k")
        return self

    @property
    def covariance(self):
        """Σ: ``noise``, or ``sigma²`` for one measure."""
        return self.noise if self.noise is not None else self.sigma**2


class LinearSpec(_Frozen):
    """The salary + linear commission family (Holmström–Milgrom).

    ``reps = "team"`` builds the agency model from the scenario's team and market
    (effort cost set so that the base plan's commission rate gives today's
    effort); ``"textbook"`` takes identical reps from ``textbook``. ``margin`` is
    the firm's value per unit of each measure (a list when there are several).
    """

    reps: Literal["team", "textbook"] = "team"
    margin: float | list[float] | None = Field(
        default=None,
        description="The firm's gross margin per unit of each measure paid: one number for "
        "sales, a list with several measures (default: the market's).",
    )
    house_share: float = Field(default=0.0, ge=0, lt=1)
    textbook: TextbookReps | None = None
    draws: int = Field(default=20_000, ge=1_000)
    measures: list[str] | None = Field(
        default=None,
        description="With reps = 'team': the plan's bookings measures to pay a commission "
        "on each, reps splitting effort between new accounts and cross-sell (default: one "
        "commission on sales).",
    )
    effort_cost_cross: float = Field(
        default=0.0,
        gt=-1,
        lt=1,
        description="With measures: how much effort on one task raises the cost of the other "
        "(the cross term of D over √(D_ii·D_jj); 0: separate costs).",
    )

    @model_validator(mode="after")
    def _check(self) -> LinearSpec:
        if self.reps == "textbook" and (self.textbook is None or self.margin is None):
            raise ValueError(
                "reps = 'textbook' needs a [optimize.linear.textbook] table and margin"
            )
        margins = [self.margin] if isinstance(self.margin, float | int) else self.margin or []
        if any(m < 0 for m in margins) or (margins and max(margins) <= 0):
            raise ValueError("margins must be zero or more, and at least one above zero")
        if self.reps == "textbook":
            t = self.textbook
            check_agency(t.h, t.k, t.d, t.covariance, self.margin)
        elif self.measures:
            if len(set(self.measures)) != len(self.measures):
                raise ValueError("measures are listed twice")
            if isinstance(self.margin, list) and len(self.margin) != len(self.measures):
                raise ValueError(
                    f"margin must have {len(self.measures)} value(s), one per measure, "
                    f"got {len(self.margin)}"
                )
        elif self.margin is not None and not isinstance(self.margin, float | int):
            raise ValueError("margin is one number with reps = 'team' (one measure: sales)")
        return self


class OptimizeSpec(_Frozen):
    """Everything the optimiser needs beyond the scenario's team, market and plan."""

    family: Literal["menu", "linear"] = Field(
        default="menu",
        description="menu: targets × plan shapes; linear: the best salary + commission.",
    )
    primary: str | None = Field(
        default=None, description="Measure whose target the levels set (default: the largest)."
    )
    baseline: Baseline = Baseline()
    levels: Levels = Levels()
    constraints: Constraints = Constraints()
    objective: Objective = Objective()
    menu: Menu = Menu()
    linear: LinearSpec = LinearSpec()
    solver: SolverSpec = SolverSpec()
    responding: bool = Field(
        default=True, description="Reps best-respond in effort when outcomes are tabulated."
    )
    trials: int | None = Field(
        default=None,
        ge=20,
        le=100_000,
        description="Years tabulated per level (default: the behaviour model's calibration "
        "sample, so that reps respond in the tables as they do in a simulation).",
    )
    scenarios: int = Field(
        default=200, ge=10, le=5_000, description="Simulated years in the chance constraint."
    )
    frontier_points: int = Field(default=7, ge=0, le=50)
    workers: int = Field(default=2, ge=1, le=64)


def optimize_spec(scenario: Scenario) -> OptimizeSpec:
    """The scenario's ``[optimize]`` table, validated (errors name the file and key)."""
    origin = scenario.source or "<scenario>"
    try:
        spec = OptimizeSpec.model_validate(scenario.optimize)
    except ValidationError as exc:
        raise ScenarioError(explain_error(exc, "optimize", origin)) from None
    ids = scenario.plan.measure_ids
    if spec.primary is not None and spec.primary not in ids:
        raise ScenarioError(
            f"{origin}: optimize.primary: {spec.primary!r} is not a measure of the plan "
            f"({', '.join(ids)})"
        )
    for i, w in enumerate(spec.menu.weights or []):
        unknown = [m for m in w if m not in ids]
        if unknown:
            raise ScenarioError(
                f"{origin}: optimize.menu.weights[{i}]: {unknown[0]!r} is not a measure of the "
                f"plan ({', '.join(ids)})"
            )
    unknown = [m for m in spec.menu.measures or [] if m not in ids]
    if unknown:
        raise ScenarioError(
            f"{origin}: optimize.menu.measures: {unknown[0]!r} is not a measure of the plan "
            f"({', '.join(ids)})"
        )
    for m in spec.linear.measures or []:
        if m not in ids or flow_components(m) is None:
            raise ScenarioError(
                f"{origin}: optimize.linear.measures: {m!r} is not a bookings measure of the "
                f"plan ({', '.join(i for i in ids if flow_components(i) is not None)})"
            )
    generated = scenario.team.roster is None and not getattr(scenario.team, "members", ())
    teams = set(scenario.team.teams) if generated else None  # else checked on the roster
    bad = [t for t in spec.constraints.team_numbers if teams is not None and t not in teams]
    if bad:
        raise ScenarioError(
            f"{origin}: optimize.constraints.team_numbers: {bad[0]!r} is not a team "
            f"({', '.join(sorted(teams or ()))})"
        )
    return spec
