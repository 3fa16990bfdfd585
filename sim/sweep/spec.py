"""The ``[sweep]`` table: which plan variants meet which market scenarios.

Example::

    [sweep]
    variants = ["uncapped", "team_component"]   # default: every variant
    cost_of_sales_band = [0.03, 0.09]

    [sweep.markets.downturn_20]
    description = "Demand 20% lower from April on"
    recession = { month = 4, depth = 0.2 }

    [sweep.markets.churn]
    churn = 0.1          # 10 points more key accounts lost at renewal

    [sweep.markets.boom]
    demand = 1.15        # deal flow, new and cross-sell
    deal_size = 1.1      # deal sizes
    market = { shock_sd = 0.2 }   # any [market] key, by name

The scenario's own market is always the first market, ``base``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..market import Market, Shift
from ..overrides import merge_tables

__all__ = ["BASE_MARKET", "MarketCase", "Recession", "SweepSpec", "apply_case"]

#: Name of the scenario's own market in a sweep.
BASE_MARKET = "base"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Recession(_Frozen):
    """Demand falls by ``depth`` from ``month`` on (a shared shock; ``sd`` adds spread)."""

    month: int = Field(ge=1, le=12, description="First month of the downturn (1 = January).")
    depth: float = Field(gt=0, lt=1, description="Share of demand lost, e.g. 0.2.")
    sd: float = Field(
        default=0.0, ge=0, description="Log-sd of the downturn's size per trial (unitless)."
    )


class MarketCase(_Frozen):
    """One market scenario: levers on the scenario's market, then any override by name."""

    description: str = Field(default="", description="The market scenario in words, for reports.")
    demand: float = Field(default=1.0, gt=0, description="Multiplies deal flow (× the market's).")
    deal_size: float = Field(
        default=1.0, gt=0, description="Multiplies deal sizes (× the market's)."
    )
    churn: float = Field(
        default=0.0,
        ge=0,
        le=1,
        description="Key-account churn: renewal chance lowered by this share (0.1: 10 points "
        "more accounts lost; lost accounts buy no more).",
    )
    recession: Recession | None = Field(
        default=None,
        description="A downturn in demand from a month on (none: no downturn).",
    )
    market: dict[str, Any] = Field(
        default_factory=dict, description="Any [market] keys, merged over the scenario's."
    )


class SweepSpec(_Frozen):
    """Plan variants x market scenarios, and how to judge them."""

    variants: tuple[str, ...] | None = Field(
        default=None, description="Variants beside the base plan (default: all)."
    )
    markets: dict[str, MarketCase] = Field(
        default_factory=dict,
        description="Market scenarios by name, run beside the scenario's own market (base).",
    )
    cost_of_sales_band: tuple[float, float] = Field(
        default=(0.03, 0.09),
        description="Acceptable cost of sales, low and high, as shares of revenue.",
    )
    trials: int | None = Field(
        default=None, ge=2, description="Trials per cell, in simulated years."
    )

    @field_validator("markets")
    @classmethod
    def _names(cls, v: dict[str, MarketCase]) -> dict[str, MarketCase]:
        if BASE_MARKET in v:
            raise ValueError(f"{BASE_MARKET!r} is the scenario's own market; name it otherwise")
        return v

    @field_validator("cost_of_sales_band")
    @classmethod
    def _band(cls, v: tuple[float, float]) -> tuple[float, float]:
        if not 0 <= v[0] < v[1]:
            raise ValueError(f"expected [low, high] with 0 <= low < high, got {list(v)}")
        return v


def apply_case(market: Market, case: MarketCase) -> Market:
    """The scenario's market under ``case`` (raises ``ValidationError`` on a bad override)."""
    raw = merge_tables(market.model_dump(by_alias=True), case.market)
    m = Market.model_validate(raw)
    nb, xs, ren = m.new_business, m.cross_sell, m.renewal
    shifts = m.shifts
    if case.recession is not None:
        r = case.recession
        shifts = (*shifts, Shift(name="recession", month=r.month, factor=1 - r.depth, sd=r.sd))
    return m.model_copy(
        update={
            "new_business": nb.model_copy(
                update={
                    "deals_per_month": nb.deals_per_month * case.demand,
                    "deal_size": nb.deal_size.scaled(case.deal_size),
                }
            ),
            "cross_sell": xs.model_copy(
                update={
                    "deals_per_account_month": xs.deals_per_account_month * case.demand,
                    "deal_size": xs.deal_size.scaled(case.deal_size),
                }
            ),
            # Lost key accounts are lost for cross-sell too.
            "renewal": ren.model_copy(
                update={
                    "retention": max(0.0, ren.retention - case.churn),
                    "churn_reduces_cross_sell": ren.churn_reduces_cross_sell or case.churn > 0,
                }
            ),
            "shifts": shifts,
        }
    )
