"""The catalogue of measures a plan can pay on.

Every engine produces the same monthly *components* (bookings, deal counts,
renewals due and won, summed cycle days, satisfaction scores, margin, cost);
a measure is a named aggregation of components over a period and over reps.
Additive measures sum; rates are a ratio of sums, so a team's retention is the
team's renewals won over the team's renewals due, not an average of averages.

The seven measures of the source article map to: ``revenue``; new accounts
(``new_accounts`` by count, ``new_account_value`` by value); ``retention``;
``cross_sell``; ``cycle_days`` (lower is better); ``csat``; and sales cost /
gross profit (``sales_cost`` lower is better, ``gross_margin``, ``margin_rate``).
Collaboration targets pay on ``co_sold`` and ``help_given``, read from the
components crediting adds (:mod:`sim.crediting`), not from the engines, and on
``referrals``, which the referral flow adds (:mod:`sim.referrals`), and on
managers' ``collaboration_score`` (:mod:`sim.assessment`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

__all__ = ["COLLABORATION_MEASURES", "COMPONENTS", "MEASURES", "MeasureKind"]

#: Monthly components every engine returns, shape (trials, reps, months).
COMPONENTS: tuple[str, ...] = (
    "new_value",  # bookings from new accounts
    "new_count",  # deals closed with new accounts
    "xsell_value",  # bookings from extra products into existing accounts
    "xsell_count",  # cross-sell deals closed
    "cycle_days_sum",  # first contact to close, summed over deals closed
    "renewals_due",  # existing accounts up for renewal
    "renewals_won",  # of which renewed
    "csat",  # customer-satisfaction survey score, 0-10
    "gross_margin",  # bookings less cost of goods, after discounts
    "discount_given",  # list price given away as discount
    "sales_cost",  # pre-sales, travel and pursuit cost
    "effort",  # effort multiplier on new business (1.0 = as the market describes)
    "present",  # productivity of the seat (1.0 = rep in place; less while vacant or ramping)
    "pulled_in",  # bookings pulled into this month from the next one (deal timing)
    "pushed_out",  # bookings pushed out of this month into the next one
    "timing_discount",  # extra discount given to pull deals forward
)
#: Measures of collaboration: read from components crediting, help and referrals add.
COLLABORATION_MEASURES: tuple[str, ...] = (
    "co_sold",
    "help_given",
    "referrals",
    "collaboration_score",
)


@dataclass(frozen=True)
class MeasureKind:
    """How one measure is computed from components and which way is better."""

    name: str
    direction: Literal["higher", "lower"]
    numerator: tuple[str, ...]
    denominator: tuple[str, ...] = ()
    average: bool = False  # mean over months and reps instead of a sum
    empty: float = np.nan  # value when the denominator is zero
    unit: str = "currency"
    description: str = ""

    @property
    def additive(self) -> bool:
        """Team value is the sum of member values; targets add up too."""
        return not self.denominator and not self.average

    def aggregate(self, comps: dict[str, np.ndarray], axis) -> np.ndarray:
        """Aggregate components over ``axis`` (months, and reps for teams)."""
        sums = {c: comps[c].sum(axis=axis) for c in self.numerator + self.denominator}
        if self.average:
            n = np.prod([comps[self.numerator[0]].shape[a] for a in np.atleast_1d(axis)])
            return sum(sums[c] for c in self.numerator) / n
        return self.combine(sums)

    def combine(self, totals: dict[str, np.ndarray]) -> np.ndarray:
        """The measure from its components' totals (already summed over what it
        covers): numerator over denominator, :attr:`empty` where that is zero. Not
        for averages, which need the count of what was summed."""
        num = sum(totals[c] for c in self.numerator)
        if not self.denominator:
            return num
        den = sum(totals[c] for c in self.denominator)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = num / den
        return np.where(den > 0, out, self.empty)


MEASURES: dict[str, MeasureKind] = {
    m.name: m
    for m in (
        MeasureKind(
            "revenue",
            "higher",
            ("new_value", "xsell_value"),
            description="Bookings: new accounts plus cross-sell.",
        ),
        MeasureKind(
            "new_accounts",
            "higher",
            ("new_count",),
            unit="count",
            description="New key accounts won (count).",
        ),
        MeasureKind(
            "new_account_value",
            "higher",
            ("new_value",),
            description="Bookings from new key accounts (value).",
        ),
        MeasureKind(
            "retention",
            "higher",
            ("renewals_won",),
            ("renewals_due",),
            empty=1.0,
            unit="rate",
            description="Renewals won / renewals due (1.0 when none due).",
        ),
        MeasureKind(
            "cross_sell",
            "higher",
            ("xsell_value",),
            description="Bookings from extra products into existing accounts.",
        ),
        MeasureKind(
            "cycle_days",
            "lower",
            ("cycle_days_sum",),
            ("new_count", "xsell_count"),
            unit="days",
            description="Average days from first contact to close.",
        ),
        MeasureKind(
            "csat",
            "higher",
            ("csat",),
            average=True,
            unit="score",
            description="Customer-satisfaction survey score (0-10).",
        ),
        MeasureKind(
            "gross_margin",
            "higher",
            ("gross_margin",),
            description="Gross profit on bookings after discounts.",
        ),
        MeasureKind(
            "margin_rate",
            "higher",
            ("gross_margin",),
            ("new_value", "xsell_value"),
            unit="rate",
            description="Gross margin / revenue.",
        ),
        MeasureKind(
            "sales_cost",
            "lower",
            ("sales_cost",),
            description="Pre-sales, travel and pursuit cost.",
        ),
        MeasureKind(
            "co_sold",
            "higher",
            ("co_sold_value",),
            description="Revenue credited on deals of accounts outside one's own sales team "
            "(collaboration; see sim.crediting).",
        ),
        MeasureKind(
            "help_given",
            "higher",
            ("help_value",),
            description="Team-mates' bookings one's help added (collaboration; "
            "see sim.behaviour.collaboration).",
        ),
        MeasureKind(
            "referrals",
            "higher",
            ("referrals",),
            unit="count",
            description="Leads passed to other sales teams that became opportunities "
            "(collaboration; see sim.referrals).",
        ),
        MeasureKind(
            "collaboration_score",
            "higher",
            ("collaboration_score",),
            average=True,
            unit="score",
            description="Managers' assessed collaboration score, on the scale of "
            "[market.collaboration_score] (see sim.assessment).",
        ),
    )
}
