"""Calibration: what the simulator needs, estimated from actuals.

The engine's model of a rep-month (see :mod:`sim.montecarlo`) is a compound
Poisson process: new-account deals arrive at ``b_new x ability x potential x
demand(month)``, cross-sell deals at ``b_x x ability x accounts x demand(month)``,
each deal of a log-normal size. From monthly deal counts and bookings per rep
this module estimates, in order:

1. **demand**: seasonality (twelve factors, mean 1) and annual growth, by a
   log-linear fit of the team's deal count per rep-month (with one plan year
   of actuals, growth cannot be told apart from seasonality and is kept);
2. **base deal rates** ``b_new`` and ``b_x`` pooled over the team;
3. **productivity** per rep with shrinkage towards peers (empirical Bayes):
   ``deals_i ~ Poisson(theta_i X_i)`` with ``theta ~ Gamma(a, a)`` (mean 1);
   ``a`` by maximum marginal (negative binomial) likelihood, and each rep's posterior mean
   ``(a + deals_i) / (a + X_i)`` — a rep with one lucky quarter is pulled
   back towards the team;
4. **deal sizes**: mean ``sum(V) / sum(N)``, and variance from the months'
   compound sums, ``E[(V - N mu)^2] = sigma^2 E[N]`` (log-normal fitted to both);
5. **noise**: the dispersion of monthly deal counts around the fitted rates
   (1 for a Poisson process; more means shocks or timing games not modelled);
6. **timing signatures**: the share of deals closed in the last month of a
   quarter, per rep and for the team, against the share seasonality explains.

The shared demand shock is kept from the scenario: one plan year of shock is
one draw, not enough to estimate its spread.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import minimize_scalar
from scipy.special import gammaln

from .distributions import LogNormal
from .errors import ScenarioError
from .market import Market
from .population import Population, TeamSpec
from .scenario import Scenario

__all__ = [
    "Calibration",
    "DealSize",
    "calibrate",
    "calibrated_scenario",
    "demand_fit",
    "shrink_productivity",
]

#: Lowest prior shape a (productivity cv at most 1/sqrt(a) = 3).
MIN_SHAPE = 0.11
#: Highest prior shape (productivity spread too small to see: almost full pooling).
MAX_SHAPE = 1e4


@dataclass(frozen=True)
class DealSize:
    """A fitted deal-size distribution: mean and coefficient of variation, from ``deals``."""

    mean: float
    cv: float
    deals: int

    def distribution(self) -> LogNormal:
        return LogNormal(mean=self.mean, cv=self.cv)


@dataclass(frozen=True)
class Calibration:
    """Everything estimated from the actuals, and the calibrated scenario built on it."""

    reps: pd.DataFrame  # per rep: deals, exposure, raw and shrunk productivity, signatures
    seasonality: np.ndarray  # (12,) plan-year months, mean 1
    growth: float  # annual demand growth
    growth_estimated: bool  # False when one year of actuals could not separate it
    new_rate: float  # new-account deals per rep-month at productivity 1, demand 1
    xsell_rate: float  # cross-sell deals per account-month at productivity 1, demand 1
    prior_shape: float  # a of the Gamma(a, a) productivity prior
    new_size: DealSize
    xsell_size: DealSize
    dispersion: float  # variance / mean of monthly deal counts around the fit (1 = Poisson)
    last_month_share: float  # team's share of deals in a quarter's last month
    last_month_share_expected: float  # the share seasonality alone gives
    months: int  # rep-months read
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def productivity_cv(self) -> float:
        """Spread of true productivity across reps the prior implies."""
        return float(1.0 / np.sqrt(self.prior_shape))

    def parameters(self) -> pd.Series:
        """The headline estimates as one table (for reports and the history store)."""
        return pd.Series(
            {
                "new_deals_per_month": self.new_rate,
                "xsell_deals_per_account_month": self.xsell_rate,
                "new_deal_size_mean": self.new_size.mean,
                "new_deal_size_cv": self.new_size.cv,
                "xsell_deal_size_mean": self.xsell_size.mean,
                "xsell_deal_size_cv": self.xsell_size.cv,
                "growth": self.growth,
                "productivity_cv": self.productivity_cv,
                "count_dispersion": self.dispersion,
                "last_month_share": self.last_month_share,
                "last_month_share_expected": self.last_month_share_expected,
                "rep_months": self.months,
                **{f"season_{i + 1:02d}": s for i, s in enumerate(self.seasonality)},
            },
            name="estimate",
        )


def demand_fit(
    counts: np.ndarray, observed: np.ndarray, growth: float | None = None
) -> tuple[np.ndarray, float]:
    """Seasonality (12, mean 1) and annual growth from deal counts (years, reps, 12).

    Poisson regression of the team's monthly deal count on month-of-year and a
    log-linear trend, exposure = reps observed that month, solved by iteratively
    reweighted least squares. ``growth`` given: the trend is fixed at it.
    """
    years = counts.shape[0]
    y = counts.sum(1).ravel()  # (years * 12)
    expo = observed.sum(1).ravel().astype(float)
    keep = expo > 0
    t = (np.arange(years * 12) + 0.5) / 12.0
    month = np.tile(np.eye(12), (years, 1))
    fit_trend = growth is None and years > 1
    X = np.column_stack([month, t]) if fit_trend else month
    offset = np.log(np.where(keep, expo, 1.0))
    if not fit_trend:
        offset = offset + t * np.log1p(growth or 0.0)
    X, y, offset = X[keep], y[keep], offset[keep]
    # Months never observed keep a neutral factor.
    seen = X[:, :12].sum(0) > 0
    beta = np.zeros(X.shape[1])
    beta[:12] = np.log(max(y.sum(), 1.0) / np.exp(offset).sum())
    for _ in range(50):
        eta = X @ beta + offset
        mu = np.exp(eta)
        z = eta - offset + (y - mu) / np.maximum(mu, 1e-12)
        w = mu
        A = X.T @ (w[:, None] * X) + 1e-9 * np.eye(X.shape[1])
        new = np.linalg.solve(A, X.T @ (w * z))
        if np.max(np.abs(new - beta)) < 1e-10:
            beta = new
            break
        beta = new
    season = np.where(seen, np.exp(beta[:12]), np.nan)
    season = np.where(np.isnan(season), np.nanmean(season), season)
    g = float(np.expm1(beta[12])) if fit_trend else float(growth or 0.0)
    # Level lives in the base rates: seasonality normalised to mean 1.
    return season / season.mean(), g


def shrink_productivity(deals: np.ndarray, exposure: np.ndarray) -> tuple[np.ndarray, float]:
    """Posterior mean productivity per rep and the prior shape ``a``.

    ``deals_i ~ Poisson(theta_i X_i)`` with ``theta ~ Gamma(a, a)`` (mean 1), so
    deals are negative binomial given ``a``; ``a`` maximises that marginal
    likelihood over the team (empirical Bayes), and each rep's posterior mean
    is ``(a + deals_i) / (a + X_i)``.
    """
    ok = exposure > 0
    n, x = deals[ok], exposure[ok]

    def nll(log_a: float) -> float:
        a = np.exp(log_a)
        return -float(
            np.sum(gammaln(a + n) - gammaln(a) + a * np.log(a / (a + x)) + n * np.log(x / (a + x)))
        )

    res = minimize_scalar(nll, bounds=(np.log(MIN_SHAPE), np.log(MAX_SHAPE)), method="bounded")
    a = float(np.exp(res.x))
    return (a + deals) / (a + exposure), a


def _deal_size(values: np.ndarray, counts: np.ndarray, fallback: LogNormal, said: str) -> DealSize:
    """Mean and cv of one kind's deal sizes; ``said`` names the columns for an error."""
    n = float(counts.sum())
    if n < 2:
        return DealSize(fallback.mean, fallback.cv, int(n))
    total = float(values.sum())
    if not total > 0:
        raise ScenarioError(
            f"{said}: {int(n):,} deals counted but their bookings are all 0, so no deal size "
            "can be fitted; check which columns [actuals.columns] maps"
        )
    mu = total / n
    with np.errstate(over="ignore", invalid="ignore"):
        var = float(((values - counts * mu) ** 2).sum() / n)
    if not (np.isfinite(mu) and np.isfinite(var)):
        raise ScenarioError(f"{said}: bookings too large to fit a deal size (sum {total:.3g})")
    return DealSize(float(mu), float(np.sqrt(max(var, 0.0)) / mu), int(n))


def _last_month(counts: np.ndarray) -> np.ndarray:
    """Deals in the last month of a quarter and in all months, summed over axis -1."""
    last = counts.reshape(*counts.shape[:-1], 4, 3)[..., 2].sum(-1)
    return last, counts.sum(-1)


def calibrate(
    scenario: Scenario,
    population: Population,
    years: list,
    growth: float | None = None,
    origin: str = "actuals",
) -> Calibration:
    """Estimate the market and each rep's productivity from plan years of actuals.

    ``years`` are :class:`sim.actuals.years.PlanYear` for the reps of
    ``population``, oldest first; the last is the year the scenario simulates.
    ``origin`` names the actuals in errors (counted deals without bookings).
    """
    obs = np.stack([y.observed for y in years])  # (Y, reps, 12)
    n_new = np.stack([y.field("new_count") for y in years])
    n_x = np.stack([y.field("xsell_count") for y in years])
    v_new = np.stack([y.field("new_value") for y in years])
    v_x = np.stack([y.field("xsell_value") for y in years])
    deals = n_new + n_x
    notes = []
    season, g = demand_fit(deals, obs, growth)
    fitted_growth = growth is None and len(years) > 1
    if not fitted_growth:
        g = scenario.market.growth if growth is None else growth
        notes.append("growth kept from the scenario: one plan year cannot separate it from level")
    n_years = len(years)
    # Demand of each plan month relative to the last (simulated) year's curve.
    t = (np.arange(n_years * 12) + 0.5) / 12.0 - (n_years - 1)
    demand = (np.tile(season, n_years) * (1.0 + g) ** t).reshape(n_years, 12)
    exposure_m = obs * demand[:, None, :]  # (Y, reps, 12)
    pot = population.potential_index
    acc = population.accounts.astype(float)
    e_new = exposure_m.sum((0, 2)) * pot
    e_x = exposure_m.sum((0, 2)) * acc
    b_new = n_new.sum() / max(e_new.sum(), 1e-12)
    b_x = n_x.sum() / max(e_x.sum(), 1e-12) if n_x.sum() > 0 else 0.0
    X = b_new * e_new + b_x * e_x  # expected deals at productivity 1
    total = deals.sum((0, 2))
    theta, a = shrink_productivity(total, X)
    raw = np.where(X > 0, total / np.where(X > 0, X, 1.0), np.nan)
    # Noise: dispersion of monthly counts around the fitted rep-month rates.
    lam = (b_new * pot + b_x * acc)[None, :, None] * exposure_m * theta[None, :, None]
    used = obs & (lam > 0)
    dispersion = float(((deals - lam) ** 2)[used].sum() / max(lam[used].sum(), 1e-12))
    mk = scenario.market
    col = scenario.actuals.columns
    new_size = _deal_size(
        v_new[obs],
        n_new[obs],
        mk.new_business.deal_size,
        f"{origin}: new deals ({col.get('new_count', 'new_count')!r}, "
        f"{col.get('new_value', 'new_value')!r})",
    )
    xsell_size = _deal_size(
        v_x[obs],
        n_x[obs],
        mk.cross_sell.deal_size,
        f"{origin}: cross-sell deals ({col.get('xsell_count', 'xsell_count')!r}, "
        f"{col.get('xsell_value', 'xsell_value')!r})",
    )
    last, all_ = _last_month(deals.sum(0))  # per rep
    share_team = float(last.sum() / max(all_.sum(), 1))
    expected = float(season.reshape(4, 3)[:, 2].sum() / season.sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        share_rep = np.where(all_ > 0, last / all_, np.nan)
        z = (share_rep - share_team) / np.sqrt(share_team * (1 - share_team) / all_)
    months = obs.sum((0, 2))
    reps = pd.DataFrame(
        {
            "rep": population.name,
            "team": population.team,
            "tenure_years": population.tenure_years,
            "months_observed": months,
            "deals": total,
            "expected_deals_at_1": X,
            "productivity_raw": raw,
            "productivity": theta,
            "productivity_sd": np.sqrt(a + total) / (a + X),
            "shrinkage": a / (a + X),
            "revenue": (v_new + v_x).sum((0, 2)),
            "last_month_share": share_rep,
            "last_month_z": z,
        }
    ).set_index("rep")
    return Calibration(
        reps=reps,
        seasonality=season,
        growth=float(g),
        growth_estimated=fitted_growth,
        new_rate=float(b_new),
        xsell_rate=float(b_x) if b_x > 0 else mk.cross_sell.deals_per_account_month,
        prior_shape=a,
        new_size=new_size,
        xsell_size=xsell_size,
        dispersion=dispersion,
        last_month_share=share_team,
        last_month_share_expected=expected,
        months=int(obs.sum()),
        notes=tuple(notes),
    )


def calibrated_market(market: Market, cal: Calibration) -> Market:
    """The scenario's market with the estimated demand, deal rates and sizes."""
    return market.model_copy(
        update={
            "growth": cal.growth,
            "seasonality": tuple(float(s) for s in cal.seasonality),
            "new_business": market.new_business.model_copy(
                update={
                    "deals_per_month": cal.new_rate,
                    "deal_size": cal.new_size.distribution(),
                }
            ),
            "cross_sell": market.cross_sell.model_copy(
                update={
                    "deals_per_account_month": cal.xsell_rate,
                    "deal_size": cal.xsell_size.distribution(),
                }
            ),
        }
    )


def calibrated_team(population: Population, cal: Calibration) -> TeamSpec:
    """The team as inline roster rows: each rep's estimated productivity as ability,
    and the targets the population carries (e.g. last year's actual targets)."""
    members = []
    for i, name in enumerate(population.name):
        row: dict[str, str | float] = {
            "name": str(name),
            "team": str(population.team[i]),
            "ability": float(cal.reps["productivity"].iloc[i]),
            "potential": float(population.potential[i]),
            "tenure_years": float(population.tenure_years[i]),
            "accounts": float(population.accounts[i]),
        }
        for m, t in population.targets.items():
            row[f"target_{m}"] = float(t[i])
        members.append(row)
    return TeamSpec(members=tuple(members), reps=len(members), teams=tuple(population.team_names))


def calibrated_scenario(scenario: Scenario, population: Population, cal: Calibration) -> Scenario:
    """The scenario with the calibrated team and market; measures whose targets the
    population carries read them (``target_basis = "roster"``). Plans and the rest unchanged.

    This is the model the review's later steps (goodness of fit, check-ins and
    re-optimising next period's targets) start from.
    """

    def retarget(plan):
        ms = tuple(
            m.model_copy(update={"target_basis": "roster"})
            if m.name in population.targets and m.additive and m.level == "individual"
            else m
            for m in plan.measures
        )
        return plan.model_copy(update={"measures": ms})

    return scenario.model_copy(
        update={
            "name": f"{scenario.name} (calibrated)",
            # The account teams stay as declared: roles name reps, or take the last of
            # each sales team, and the rows keep the team's order.
            "team": calibrated_team(population, cal).model_copy(
                update={"roles": scenario.team.roles}
            ),
            "market": calibrated_market(scenario.market, cal),
            "plan": retarget(scenario.plan),
            "variants": {k: retarget(v) for k, v in scenario.variants.items()},
        }
    )
