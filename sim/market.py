"""The market a sales team sells into: demand, deals, renewals, seasonality, shocks.

All rates are per rep at ability 1 and territory potential 1; the engines
scale them by each rep's ability, potential, the month's seasonality and
growth, a shock shared by every rep in a trial, and the rep's effort.
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .distributions import Distribution, LogNormal

__all__ = [
    "CollaborationScore",
    "CrossSell",
    "Cycle",
    "Margin",
    "Market",
    "NewBusiness",
    "Referrals",
    "Renewal",
    "SalesCost",
    "Satisfaction",
    "Shift",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class NewBusiness(_Frozen):
    """New key accounts: a Poisson number of deals a month, each of a random size."""

    deals_per_month: float = Field(
        default=0.25,
        gt=0,
        # Every deal is drawn: 1,000 deals a rep-month is far beyond key-account selling
        # and already costs about 48 kB per rep-month of memory in flight.
        le=1_000,
        description="Mean new-account deals per rep per month (at most 1,000: each deal "
        "is drawn, so memory grows with them).",
    )
    deal_size: Distribution = Field(
        default=LogNormal(mean=180_000, cv=1.0),
        description="Size of one new-account deal, in currency.",
    )


class CrossSell(_Frozen):
    """Expansion into existing accounts: deals per account per month, and their size."""

    deals_per_account_month: float = Field(
        default=0.03, ge=0, description="Mean cross-sell deals per account held per month."
    )
    deal_size: Distribution = Field(
        default=LogNormal(mean=60_000, cv=0.8),
        description="Size of one cross-sell deal, in currency.",
    )


class Renewal(_Frozen):
    """Each existing account renews once a year with probability ``retention``.

    ``ability_effect`` shifts a rep's retention by that much per unit of
    log-ability (better reps keep more accounts).
    """

    retention: float = Field(
        default=0.9, ge=0, le=1, description="Chance an account renews at its yearly renewal."
    )
    ability_effect: float = Field(
        default=0.05,
        ge=0,
        description="Change of the renewal chance (a share) per unit of log-ability.",
    )
    churn_reduces_cross_sell: bool = Field(
        default=False, description="A lost account stops buying more for the rest of the year."
    )


class Cycle(_Frozen):
    """Sales-cycle length of a closed deal: gamma with ``mean_days`` and ``shape``.

    Abler reps close faster: the mean scales with ability ** -ability_effect.
    """

    mean_days: float = Field(
        default=150.0, gt=0, description="Mean days from first contact to close."
    )
    shape: float = Field(
        default=4.0, gt=0, description="Gamma shape of the cycle length (unitless)."
    )
    ability_effect: float = Field(
        default=0.3,
        ge=0,
        description="Exponent of ability in the mean, unitless (abler reps close faster).",
    )


class Satisfaction(_Frozen):
    """Customer-satisfaction score: rep level plus monthly noise, clipped to 0-10."""

    mean: float = Field(
        default=8.0, ge=0, le=10, description="Mean score, in points on the 0-10 scale."
    )
    rep_sd: float = Field(
        default=0.5, ge=0, description="Spread (sd) of reps' levels, in score points."
    )
    month_sd: float = Field(
        default=0.6, ge=0, description="Month-to-month noise (sd), in score points."
    )


class Margin(_Frozen):
    """Gross margin: cost of goods as a share of list price, discounts off list."""

    cogs_share: float = Field(
        default=0.35, ge=0, lt=1, description="Cost of goods as a share of list price."
    )
    discount_mean: float = Field(
        default=0.08, ge=0, lt=1, description="Mean discount off list price, a share (0.08 = 8%)."
    )
    discount_sd: float = Field(
        default=0.03, ge=0, description="Spread (sd) of the discount, a share of list price."
    )


class SalesCost(_Frozen):
    """Cost of selling: a fixed monthly amount plus a pursuit cost per opportunity.

    Opportunities pursued = deals won / ``win_rate``.
    """

    fixed_per_month: float = Field(
        default=2_500.0, ge=0, description="Fixed cost of selling per rep per month, in currency."
    )
    per_opportunity: float = Field(
        default=6_000.0,
        ge=0,
        description="Pursuit cost (travel, pre-sales) per opportunity, in currency.",
    )
    win_rate: float = Field(default=0.3, gt=0, le=1, description="Share of opportunities won.")


class Shift(_Frozen):
    """A change of demand from a stated month on, for every rep in a trial.

    ``factor`` is a known regime change (0.85: demand −15% from that month);
    ``sd`` adds a random shock shared by all reps (log-sd, mean one). Several
    shifts stack multiplicatively.
    """

    name: str = Field(default="shift", description="Name in reports.")
    month: int = Field(
        ge=1, le=12, description="First month affected (1 = first month of the year)."
    )
    factor: float = Field(
        default=1.0, gt=0, description="Known change of demand, a multiple of demand (×)."
    )
    sd: float = Field(
        default=0.0,
        ge=0,
        description="Log-sd of a shared random shock (unitless: 0.1 is about ±10%).",
    )


class Referrals(_Frozen):
    """Leads a rep passes to account managers of other sales teams (see sim.referrals).

    The defaults are planning assumptions, not fitted to field evidence (no study
    in DESIGN.md measures referral rates): state your own from the CRM's lead
    sources where you can."""

    rate: float = Field(
        default=0.1,
        ge=0,
        description="Leads a rep passes to other sales teams per month with no help effort "
        "(a count; planning assumption).",
    )
    per_help: float = Field(
        default=0.5,
        ge=0,
        description="Extra leads per month for each unit of help the rep gives "
        "(a count per unit of [behaviour.help]; planning assumption).",
    )
    conversion: float = Field(
        default=0.3,
        ge=0,
        le=1,
        description="Share of leads that become opportunities (0-1; planning assumption).",
    )


class CollaborationScore(_Frozen):
    """A manager's assessed collaboration score of each rep, month by month, on a stated
    scale (see sim.assessment). Its mean rises with the help the rep gives.

    The defaults are planning assumptions on a 1-5 scale, not fitted to field evidence
    (no study in DESIGN.md measures how assessments follow help)."""

    low: float = Field(default=1.0, description="Lowest score of the scale (points).")
    high: float = Field(default=5.0, description="Highest score of the scale (points).")
    mean: float = Field(
        default=3.0,
        description="Mean score of a rep who gives no help (points; planning assumption).",
    )
    per_help: float = Field(
        default=1.0,
        ge=0,
        description="Rise of the mean score per unit of help (points per unit of "
        "[behaviour.help]; planning assumption).",
    )
    sd: float = Field(
        default=0.5,
        ge=0,
        description="Assessment noise (points): the sd of each monthly score around its "
        "mean; planning assumption.",
    )

    @model_validator(mode="after")
    def _scale(self) -> CollaborationScore:
        if not self.low < self.high:
            raise ValueError(f"low ({self.low:g}) must be below high ({self.high:g})")
        if not self.low <= self.mean <= self.high:
            raise ValueError(
                f"mean {self.mean:g} lies outside the scale {self.low:g}-{self.high:g}"
            )
        return self


class Market(_Frozen):
    """Demand and deal economics for one plan year."""

    growth: float = Field(
        default=0.0, gt=-1, description="Demand growth, a share per year (0.05 = +5%)."
    )
    seasonality: tuple[float, ...] = Field(
        default=(1.0,) * 12,
        description="Twelve monthly demand factors, multiples of the mean month (normalised to mean 1).",
    )
    shock_sd: float = Field(
        default=0.1,
        ge=0,
        description="Log-sd of the demand shock shared by every rep in a trial (unitless: 0.1 is about ±10%).",
    )
    shifts: tuple[Shift, ...] = Field(
        default=(), description="Regime changes and mid-year shocks, stacked in order."
    )
    new_business: NewBusiness = Field(default=NewBusiness(), description="New key accounts.")
    cross_sell: CrossSell = Field(default=CrossSell(), description="Expansion into accounts.")
    renewal: Renewal = Field(default=Renewal(), description="Yearly account renewals.")
    cycle: Cycle = Field(default=Cycle(), description="Sales-cycle length of closed deals.")
    satisfaction: Satisfaction = Field(
        default=Satisfaction(), description="Customer-satisfaction scores."
    )
    margin: Margin = Field(default=Margin(), description="Gross margin and discounts.")
    sales_cost: SalesCost = Field(default=SalesCost(), description="Cost of selling.")
    referrals: Referrals | None = Field(
        default=None,
        description="Leads passed between sales teams, which a plan can pay on "
        "(the referrals measure); off unless declared.",
    )
    collaboration_score: CollaborationScore | None = Field(
        default=None,
        description="Managers' assessed collaboration score, which a plan can pay on or "
        "use as a modifier (the collaboration_score measure); off unless declared.",
    )

    @field_validator("seasonality")
    @classmethod
    def _season(cls, v: tuple[float, ...]) -> tuple[float, ...]:
        if len(v) != 12:
            raise ValueError(f"seasonality needs 12 monthly factors, got {len(v)}")
        if any(x < 0 for x in v) or sum(v) <= 0:
            raise ValueError("seasonality factors must be >= 0 and not all zero")
        return v

    def deal_rates(
        self, ability: np.ndarray, potential_index: np.ndarray, accounts: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Expected new-account and cross-sell deals per month for each rep, before
        demand, shocks and effort: ability x territory (new), ability x accounts (cross-sell)."""
        new = self.new_business.deals_per_month * ability * potential_index
        xsell = self.cross_sell.deals_per_account_month * accounts * ability
        return new, xsell

    def demand(self, months: int = 12) -> np.ndarray:
        """Deterministic monthly demand factor: seasonality (mean 1) x trend growth."""
        s = np.asarray(self.seasonality, dtype=float)
        s = s / s.mean()
        m = np.arange(months)
        return s[m % 12] * (1.0 + self.growth) ** ((m + 0.5) / 12.0)
