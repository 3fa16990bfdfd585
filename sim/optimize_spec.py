"""The ``[optimize]`` table of a scenario: levers, constraints, objective, solver.

Typed here, on the simulation floor, so that a scenario is validated whole when
it is read (``planlab validate`` catches every error the optimiser would); the
optimiser (``optimize/``) reads these objects and adds nothing to them.

Every constraint is switchable: leave its key out (or set it to ``false`` where
it has a default) and the optimiser drops it. Money is per year and in the
scenario's currency; shares are fractions (0.6 = 60%).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .errors import ScenarioError
from .suggest import did_you_mean

if TYPE_CHECKING:
    from .behaviour.spec import BehaviourSpec
    from .plan import Plan
    from .population import TeamSpec

__all__ = [
    "reps_respond",
    "check_responding",
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
    "SWITCHABLE",
    "TextbookReps",
    "check_optimize",
    "optimize_table",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Band(_Frozen):
    """A range [low, high]."""

    low: float = Field(description="Lower end of the range, in the key's unit.")
    high: float = Field(description="Upper end of the range, in the key's unit.")

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

    basis: Literal["plan", "potential", "history", "blend"] = Field(
        default="plan", description="Where the baseline targets come from (see above)."
    )
    history_weight: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="Share of history in a blend; the rest is potential.",
        json_schema_extra={"unit": "share"},
    )


class Levels(_Frozen):
    """Candidate targets per rep: ``count`` multiples of the baseline from ``low`` to ``high``."""

    low: float = Field(
        default=0.8,
        gt=0,
        description="Lowest candidate target, a multiple of the baseline.",
        json_schema_extra={"unit": "× baseline"},
    )
    high: float = Field(
        default=1.2,
        gt=0,
        description="Highest candidate target, a multiple of the baseline.",
        json_schema_extra={"unit": "× baseline"},
    )
    count: int = Field(
        default=15,
        ge=2,
        le=101,
        description="Candidate targets per rep, evenly spaced.",
        json_schema_extra={"unit": "levels"},
    )

    @model_validator(mode="after")
    def _order(self) -> Levels:
        if self.low >= self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        return self


class BadYear(_Frozen):
    """Chance constraint: total incentive pay at ``quantile`` of simulated years ≤ ``ceiling``."""

    quantile: float = Field(
        default=0.9,
        gt=0,
        lt=1,
        description="Quantile of simulated years the cap holds at (0.9: the 1-in-10 bad year).",
        json_schema_extra={"unit": "share"},
    )
    ceiling: float = Field(
        gt=0,
        description="Most total incentive pay allowed in that year.",
        json_schema_extra={"unit": "currency/year"},
    )


class Fairness(_Frozen):
    """Targets fair across reps: the spread (max − min) of target ÷ potential-based
    target, or of the chance of reaching target, at most ``spread``."""

    basis: Literal["potential", "achievability"] = Field(
        default="potential",
        description="What is compared across reps: target ÷ potential-based target, or the "
        "chance of reaching target.",
    )
    spread: float = Field(
        gt=0,
        description="Largest allowed spread (max − min) of that figure across reps: a "
        "multiple (potential) or a share (achievability), unitless.",
    )


#: Constraints that ``false`` switches off.
SWITCHABLE = (
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


def _false_switches_off(schema: dict) -> None:
    """In the JSON Schema, let each switchable constraint also be ``false``."""
    for key in SWITCHABLE:
        prop = schema["properties"][key]
        prop.setdefault("anyOf", []).append({"type": "boolean", "enum": [False]})


class Constraints(_Frozen):
    """The business's constraints; ``None`` (``false`` in a file) switches one off."""

    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_extra=_false_switches_off)

    company_number: float | None = Field(
        default=None,
        gt=0,
        description="Sum of reps' primary targets (default: of baselines).",
        json_schema_extra={"unit": "primary measure/year"},
    )
    overassign: float = Field(
        default=0.1,
        ge=0,
        description="Targets may sum to this share above the company number.",
        json_schema_extra={"unit": "share"},
    )
    team_numbers: dict[str, float] = Field(
        default_factory=dict,
        description="Least sum of the primary targets of each named team (team = number).",
        json_schema_extra={"unit": "primary measure/year"},
    )
    achievability: Band | None = Field(
        default=Band(low=0.6, high=0.7),
        description="Expected share of reps reaching target lies in [low, high].",
        json_schema_extra={"unit": "share of reps"},
    )
    budget: float | None = Field(
        default=None,
        gt=0,
        description="Expected incentive cost cap.",
        json_schema_extra={"unit": "currency/year"},
    )
    cost_of_sales: float | None = Field(
        default=None,
        gt=0,
        lt=1,
        description="Expected incentive cost ÷ expected revenue cap.",
        json_schema_extra={"unit": "share"},
    )
    bad_year: BadYear | None = Field(
        default=None, description="Cap on total incentive pay in a bad year (chance constraint)."
    )
    fairness: Fairness | None = Field(
        default=None, description="Cap on how unequal the targets are across reps."
    )
    ratchet: float | None = Field(
        default=None,
        gt=0,
        description="Largest change of a rep's target on last period's.",
        json_schema_extra={"unit": "share"},
    )
    min_target: float | None = Field(
        default=None,
        gt=0,
        description="Smallest primary target any rep may get.",
        json_schema_extra={"unit": "primary measure/year"},
    )
    max_target: float | None = Field(
        default=None,
        gt=0,
        description="Largest primary target any rep may get.",
        json_schema_extra={"unit": "primary measure/year"},
    )

    @model_validator(mode="before")
    @classmethod
    def _switched_off(cls, data):
        """``false`` switches a constraint off (as leaving it out does, where it has no default)."""
        if isinstance(data, dict):
            return {k: None if v is False and k in SWITCHABLE else v for k, v in data.items()}
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
        default=0.0,
        ge=0,
        description="Value of one more rep expected to reach target.",
        json_schema_extra={"unit": "currency per rep"},
    )
    outside_option_weight: float = Field(
        default=0.0,
        ge=0,
        description="Cost per unit of a rep's shortfall below outside option.",
        json_schema_extra={"unit": "currency per currency"},
    )
    upside_weight: float = Field(
        default=0.0,
        ge=0,
        description="Value per unit of expected pay above target incentive.",
        json_schema_extra={"unit": "currency per currency"},
    )
    fairness_weight: float = Field(
        default=0.0,
        ge=0,
        description="Cost per unit of spread of target ÷ potential target.",
        json_schema_extra={"unit": "currency per unit of spread"},
    )


class Menu(_Frozen):
    """Plan shapes to choose from: measure weights × threshold × accelerator × cap.

    Weights are listed (``weights``) or generated on a grid of ``step`` over
    ``measures`` with at most ``max_active`` measures, each at least ``floor``.
    The curve family, applied to every volume measure: nothing below
    ``threshold``, then ``threshold_payout`` rising linearly to 100% at target,
    ``accelerator`` × beyond target, up to ``cap``. ``team_shares`` moves a share
    of pay from the primary measure to the sales team's result of it. An empty
    list keeps the base plan's choice.
    """

    weights: list[dict[str, float]] | None = Field(
        default=None,
        description="Weight vectors to choose from, each a table of measure = weight summing "
        "to 1 (default: generated from measures, else the base plan's).",
        json_schema_extra={"unit": "share"},
    )
    measures: list[str] | None = Field(
        default=None, description="Measures to generate weight vectors over (when no weights)."
    )
    max_active: int = Field(
        default=3, ge=1, description="Most measures with a weight in a generated vector (a count)."
    )
    floor: float = Field(
        default=0.2,
        ge=0,
        lt=1,
        description="Least weight of a measure in a generated vector.",
        json_schema_extra={"unit": "share"},
    )
    step: float = Field(
        default=0.1,
        gt=0,
        le=1,
        description="Grid step of generated weights.",
        json_schema_extra={"unit": "share"},
    )
    thresholds: list[float] = Field(
        default_factory=list,
        description="Thresholds to choose from (where pay starts).",
        json_schema_extra={"unit": "attainment"},
    )
    threshold_payout: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="Payout share at threshold (default: the threshold).",
        json_schema_extra={"unit": "payout share"},
    )
    accelerators: list[float] = Field(
        default_factory=list,
        description="Slopes beyond target to choose from.",
        json_schema_extra={"unit": "payout share per attainment"},
    )
    caps: list[float | None] = Field(
        default_factory=list,
        description="Caps to choose from (largest payout share paid).",
        json_schema_extra={"unit": "payout share"},
    )

    team_shares: list[Annotated[float, Field(ge=0, lt=1)]] = Field(
        default_factory=list,
        description="Team shares to choose from: the share of the target incentive that "
        "pays on the sales team's result of the primary measure instead of the rep's own "
        "(taken from the primary measure's weight). Team pay dilutes effort and buys help.",
        json_schema_extra={"unit": "share"},
    )

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
    """Which MILP solver, and how long one solve may take (wall clock, or nodes)."""

    name: Literal["cbc", "highs"] = Field(
        default="cbc", description="MILP solver: cbc (bundled with PuLP) or highs (highspy)."
    )
    time_limit: float = Field(
        default=60.0,
        gt=0,
        description="Longest one solve may run.",
        json_schema_extra={"unit": "seconds"},
    )
    gap: float = Field(
        default=0.001,
        ge=0,
        lt=1,
        description="Relative optimality gap at which a solve stops.",
        json_schema_extra={"unit": "share"},
    )
    nodes: int | None = Field(
        default=None,
        ge=1,
        description="Branch-and-bound nodes one solve may explore (none: no limit). Unlike "
        "the time limit it stops a solve at the same point on any machine under any load, "
        "so the plan is the same every run; the report says when it stopped one short of "
        "proof.",
        json_schema_extra={"unit": "nodes"},
    )


class TextbookReps(_Frozen):
    """Identical reps of the agency model, given directly (to check against theory).

    One measure and one task: numbers ``k``, ``d`` and ``sigma`` (the noise's standard
    deviation). Several (Holmström & Milgrom 1991): ``k`` is the matrix K (one row per
    measure, one column per task), ``d`` the effort cost matrix D (tasks × tasks,
    positive definite; an off-diagonal term makes the tasks compete for time),
    ``noise`` the covariance Σ of the measures (measures × measures) and ``h`` one
    value per measure.
    """

    h: float | list[float] = Field(
        default=0.0,
        description="Sales that come without effort (x = h + K·e + ε); one value per measure.",
        json_schema_extra={"unit": "currency/year"},
    )
    k: float | list[list[float]] = Field(
        description="Sales per unit of effort: a number, or the matrix K (measures × tasks).",
        json_schema_extra={"unit": "currency/year"},
    )
    d: float | list[list[float]] = Field(
        description="Effort cost, in currency/year per unit of effort squared: a number d (cost "
        "d·e²/2), or the matrix D (tasks × tasks, positive definite; cost e′De/2)."
    )
    r: float = Field(
        ge=0, description="CARA risk aversion.", json_schema_extra={"unit": "per currency"}
    )
    sigma: float | None = Field(
        default=None,
        ge=0,
        description="Standard deviation of the sales noise ε (one measure).",
        json_schema_extra={"unit": "currency/year"},
    )
    noise: list[list[float]] | None = Field(
        default=None,
        description="Covariance Σ of the measures' noise (several measures), in (currency/year)².",
    )
    ce0: float = Field(
        default=0.0,
        description="Certainty equivalent of the rep's outside option.",
        json_schema_extra={"unit": "currency/year"},
    )
    measures: list[str] | None = Field(
        default=None, description="Names of the measures, for the report (default: numbered)."
    )
    effort_floor: float | None = Field(
        default=None,
        description="Lowest effort on a task, in units of effort (unitless; default: none, as "
        "the closed form assumes).",
    )

    @model_validator(mode="after")
    def _check(self) -> TextbookReps:
        from .behaviour.agency import check_agency

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
    effort); ``"textbook"`` takes identical reps from ``textbook``.
    """

    reps: Literal["team", "textbook"] = Field(
        default="team", description="Reps from the scenario's team, or textbook's identical reps."
    )
    margin: float | list[float] | None = Field(
        default=None,
        description="The firm's gross margin per unit of each measure paid: one number for "
        "sales, a list with several measures (default: the market's).",
        json_schema_extra={"unit": "share"},
    )
    house_share: float = Field(
        default=0.0,
        ge=0,
        lt=1,
        description="Share of a rep's revenue that comes without effort (house accounts).",
        json_schema_extra={"unit": "share"},
    )
    textbook: TextbookReps | None = Field(
        default=None, description="The identical reps, for reps = 'textbook'."
    )
    draws: int = Field(
        default=20_000,
        ge=1_000,
        description="Normal draws the expected pay is computed on.",
        json_schema_extra={"unit": "draws"},
    )
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
        description="With measures: how much effort on one task raises the cost of the other, "
        "unitless (the cross term of D over √(D_ii·D_jj); 0: separate costs).",
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
            from .behaviour.agency import check_agency

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
    baseline: Baseline = Field(
        default=Baseline(), description="Where each rep's baseline target comes from."
    )
    levels: Levels = Field(
        default=Levels(),
        description="Candidate targets per rep, as multiples of the baseline.",
    )
    constraints: Constraints = Field(
        default=Constraints(), description="The business's constraints on the optimised plan."
    )
    objective: Objective = Field(
        default=Objective(),
        description="What the optimiser maximises: expected gross profit after incentive "
        "cost, plus motivation terms.",
    )
    menu: Menu = Field(
        default=Menu(),
        description="Plan shapes to choose from: measure weights × threshold × accelerator × cap.",
    )
    linear: LinearSpec = Field(
        default=LinearSpec(),
        description='The salary + linear commission family (family = "linear").',
    )
    solver: SolverSpec = Field(
        default=SolverSpec(),
        description="Which MILP solver, and how long it may take per solve.",
    )
    responding: bool | None = Field(
        default=None,
        description="Whether reps best-respond in effort when outcomes are tabulated (and in "
        "the hand-off files). Unset: as [behaviour.effort] enabled says when that is set, "
        "else yes. Set both only if they agree: a conflict is an error.",
    )
    trials: int | None = Field(
        default=None,
        ge=20,
        le=100_000,
        description="Years tabulated per level (default: the behaviour model's calibration "
        "sample, so that reps respond in the tables as they do in a simulation).",
        json_schema_extra={"unit": "simulated years"},
    )
    scenarios: int = Field(
        default=200,
        ge=10,
        le=5_000,
        description="Simulated years in the chance constraint.",
        json_schema_extra={"unit": "simulated years"},
    )
    frontier_points: int = Field(
        default=7,
        ge=0,
        le=50,
        description="Budgets from 85% to 115% of the chosen plan's cost the report re-solves "
        "at (profit-cost frontier); 0 skips it.",
        json_schema_extra={"unit": "points"},
    )
    workers: int = Field(
        default=2,
        ge=1,
        le=64,
        description="Processes that tabulate and solve (the answer is the same for any number).",
        json_schema_extra={"unit": "processes"},
    )


def check_optimize(
    spec: OptimizeSpec,
    plan: Plan,
    team: TeamSpec,
    origin: str,
    teams: Sequence[str] | None = None,
) -> None:
    """Check the ``[optimize]`` names against the plan and team they refer to.

    Raises :class:`ScenarioError` naming the file and key: the primary measure,
    the menu's measures and weights must be measures of the base plan, and
    ``team_numbers`` must name teams — those of a generated team, or ``teams``
    (a roster's, once it is read).
    """
    ids = plan.measure_ids
    listed = ", ".join(ids)
    if spec.primary is not None and spec.primary not in ids:
        raise ScenarioError(
            f"{origin}: optimize.primary: {spec.primary!r} is not a measure of the plan ({listed})"
            + did_you_mean(spec.primary, ids)
        )
    for i, w in enumerate(spec.menu.weights or []):
        unknown = [m for m in w if m not in ids]
        if unknown:
            raise ScenarioError(
                f"{origin}: optimize.menu.weights[{i}]: {unknown[0]!r} is not a measure of the "
                f"plan ({listed})" + did_you_mean(unknown[0], ids)
            )
    unknown = [m for m in spec.menu.measures or [] if m not in ids]
    if unknown:
        raise ScenarioError(
            f"{origin}: optimize.menu.measures: {unknown[0]!r} is not a measure of the plan "
            f"({listed})" + did_you_mean(unknown[0], ids)
        )
    from .behaviour.flows import flow_components

    for m in spec.linear.measures or []:
        if m not in ids or flow_components(m) is None:
            bookings = [i for i in ids if flow_components(i) is not None]
            raise ScenarioError(
                f"{origin}: optimize.linear.measures: {m!r} is not a bookings measure of the "
                f"plan ({', '.join(bookings)})" + did_you_mean(m, bookings)
            )
    if teams is None and team.roster is None and not team.members:  # a generated team
        teams = team.teams
    if teams is not None:
        known = sorted(teams)
        bad = [t for t in spec.constraints.team_numbers if t not in known]
        if bad:
            raise ScenarioError(
                f"{origin}: optimize.constraints.team_numbers: {bad[0]!r} is not a team "
                f"({', '.join(known)})" + did_you_mean(bad[0], known)
            )


def optimize_table(spec: OptimizeSpec) -> dict:
    """The settings that differ from the defaults, as a scenario file's ``[optimize]``
    table (a constraint switched off is written ``false``), so reading it back gives
    ``spec`` again."""
    table = spec.model_dump(mode="json", exclude_defaults=True)
    constraints = table.get("constraints", {})
    for key in SWITCHABLE:
        if key in constraints and constraints[key] is None:
            constraints[key] = False
    return _without_none(table)


def _without_none(value):
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    return value


def reps_respond(behaviour: BehaviourSpec, spec: OptimizeSpec) -> bool:
    """Whether reps best-respond in effort in the optimiser's tables: the one rule.

    ``[optimize] responding`` when set; else ``[behaviour.effort] enabled`` when the
    scenario sets it; else yes (the optimiser's default: a plan is judged on how reps
    answer it). :func:`check_responding` refuses the two keys set to different values."""
    if spec.responding is not None:
        return spec.responding
    if "enabled" in behaviour.effort.model_fields_set:
        return behaviour.effort.enabled
    return True


def check_responding(behaviour: BehaviourSpec, spec: OptimizeSpec) -> None:
    """Refuse ``[optimize] responding`` and ``[behaviour.effort] enabled`` set apart."""
    effort = behaviour.effort
    explicit = spec.responding is not None and "enabled" in effort.model_fields_set
    if explicit and spec.responding != effort.enabled:
        raise ValueError(
            f"optimize.responding = {str(spec.responding).lower()} conflicts with "
            f"behaviour.effort.enabled = {str(effort.enabled).lower()}: whether reps "
            "best-respond in effort is one setting; keep one of the two keys, or give "
            "both the same value"
        )
