"""The ``[actuals]`` and ``[checkin]`` tables of a scenario: where actuals come from,
how their columns are named, and the adjustments a mid-period check-in weighs.

Every company names its columns differently; ``[actuals.columns]`` maps planlab's
field names (left) to the names in the company's file or table (right)::

    [actuals]
    source = "fy_actuals.csv"          # default source for review and checkin
    columns = { rep = "Owner", period = "Month", new_value = "New bookings" }
    decimal = ","                      # and encoding, delimiter, thousands, currency,
    date_format = "%d.%m.%Y"           # skip_footer as in [opportunities]

Fields (one row per rep and month):

=====================  =========================================================
``rep``                rep name, as in the scenario's team (required)
``period``             the month: ``2026-03``, ``2026-03-31`` or a date (required)
``new_value``          bookings from new accounts in the month (required)
``new_count``          new-account deals closed in the month (required)
``xsell_value``        cross-sell bookings (optional, default 0)
``xsell_count``        cross-sell deals closed (optional, default 0)
``team``               the rep's team or region (optional; default from the team)
``target_<measure>``   the month's share of the rep's target of an additive
                       measure, e.g. ``target_revenue`` (optional)
``payout``             incentive paid for the month (optional)
other components       any engine component (``csat``, ``gross_margin``,
                       ``renewals_due``, ``renewals_won`` ...) (optional)
``collaboration_score`` the manager's assessed collaboration score of the month,
                       on the scale of ``[market.collaboration_score]`` (optional)
=====================  =========================================================
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..fileformat import FileFormat
from ..measures import COMPONENTS, MEASURES

__all__ = ["FIELDS", "REQUIRED", "ActualsSpec", "CheckinOption", "CheckinSpec", "known_field"]

#: Fields every actuals source must have.
REQUIRED = ("rep", "period", "new_value", "new_count")
#: Text fields; every other field is a number >= 0.
TEXT_FIELDS = ("rep", "period", "team")
#: Every fixed field name (``target_<measure>`` comes on top).
FIELDS = (
    (*REQUIRED, "team", "xsell_value", "xsell_count", "payout")
    + tuple(
        c for c in COMPONENTS if c not in ("new_value", "new_count", "xsell_value", "xsell_count")
    )
    + ("collaboration_score",)
)


def known_field(name: str) -> bool:
    """A field planlab understands: a fixed field or ``target_<additive measure>``."""
    if name in FIELDS:
        return True
    m = name.removeprefix("target_")
    return name.startswith("target_") and m in MEASURES and MEASURES[m].additive


class ActualsSpec(FileFormat):
    """Where the actuals are, what their columns are called and how a CSV file writes
    its text, numbers and months (the options of :class:`~sim.fileformat.FileFormat`)."""

    source: str | None = Field(
        default=None,
        description="Default source: a .csv, .xlsx or .parquet file (relative to the "
        "scenario) or a SQLAlchemy URL such as sqlite:///actuals.db.",
    )
    table: str | None = Field(default=None, description="SQL table to read (with a URL).")
    query: str | None = Field(default=None, description="SQL query to read (with a URL).")
    sheet: str | None = Field(default=None, description="Excel sheet (default: the first).")
    columns: dict[str, str] = Field(
        default_factory=dict, description="planlab field -> column name in the source."
    )
    plan_year_start: int = Field(
        default=1, ge=1, le=12, description="Calendar month the plan year starts in (1 = January)."
    )
    reps: dict[str, str] = Field(
        default_factory=dict, description="Rep name in the source -> rep name of the team."
    )

    credits: str | None = Field(
        default=None,
        description="CSV file of who worked whose deals (columns period, seller, rep, role: "
        "rep worked seller's deals of that month in role); the review credits actuals "
        "by [plan.credit] over these deal teams (see sim.review.credits).",
    )

    @model_validator(mode="after")
    def _check(self) -> ActualsSpec:
        for k in self.columns:
            if not known_field(k):
                raise ValueError(
                    f"columns.{k}: unknown field; expected one of {', '.join(FIELDS)} "
                    "or target_<measure>"
                )
        if self.table and self.query:
            raise ValueError("give a table or a query, not both")
        return self


class CheckinOption(BaseModel):
    """One adjustment a mid-period check-in weighs against staying the course.

    - ``spif``: pay ``amount`` to every rep (of ``teams``, default all) whose annual
      attainment of ``measure`` reaches ``at_attainment``; ``uplift`` is the
      assumed lift of their bookings in the months left (0.05 = +5%).
    - ``threshold``: lower the threshold of ``measure``'s curve to ``threshold``
      for the reps of ``teams`` (e.g. a region hit by a shock).
    - ``retarget``: multiply the targets of ``measure`` in the periods not yet
      started by ``factor`` for the reps of ``teams`` (default all).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, description="The option's name in the check-in report.")
    kind: Literal["spif", "threshold", "retarget"] = Field(
        description="spif: a bonus at an attainment; threshold: a lower threshold; "
        "retarget: targets of the periods not yet started scaled."
    )
    measure: str = Field(default="revenue", description="Measure of the plan the option acts on.")
    teams: tuple[str, ...] = Field(
        default=(), description="Sales teams whose reps it applies to (default: all)."
    )
    amount: float = Field(
        default=0.0,
        ge=0,
        description="spif: bonus paid to each rep reaching at_attainment.",
        json_schema_extra={"unit": "currency per rep"},
    )
    at_attainment: float = Field(
        default=1.0,
        ge=0,
        description="spif: annual attainment of the measure that earns the bonus.",
        json_schema_extra={"unit": "attainment"},
    )
    uplift: float = Field(
        default=0.0,
        ge=-0.5,
        le=1.0,
        description="spif: assumed lift of the reps' bookings in the months left (0.05 = +5%).",
        json_schema_extra={"unit": "share"},
    )
    threshold: float | None = Field(
        default=None,
        ge=0,
        description="threshold: the lowered threshold of the measure's curve.",
        json_schema_extra={"unit": "attainment"},
    )
    factor: float = Field(
        default=1.0,
        gt=0,
        description="retarget: multiplier on the targets of the periods not yet started.",
        json_schema_extra={"unit": "× target"},
    )

    @model_validator(mode="after")
    def _check(self) -> CheckinOption:
        if self.kind == "spif" and self.amount <= 0:
            raise ValueError(f"option {self.name!r}: a spif needs an amount > 0")
        if self.kind == "threshold" and self.threshold is None:
            raise ValueError(f"option {self.name!r}: give the lowered threshold")
        return self


class CheckinSpec(BaseModel):
    """Settings of the mid-period check-in."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    trials: int = Field(
        default=1_000,
        ge=1,
        le=1_000_000,
        description="Simulated completions of the year in progress (planlab review --trials "
        "overrides it).",
        json_schema_extra={"unit": "simulated years"},
    )
    options: tuple[CheckinOption, ...] = Field(
        default=(),
        description="Adjustments weighed against staying the course.",
    )
