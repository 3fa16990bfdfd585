"""Effort as a best response, and the firm's best plan in a family, by simulation.

The principal-agent model of sales compensation (Holmström & Milgrom 1987;
Lal & Srinivasan 1993): sales x = h + k·e + ε with ε ~ N(0, σ²); a rep with
CARA risk aversion r and effort cost d·e²/2 maximises the certainty equivalent

    CE(e) = E[pay(x)] − r/2 · Var[pay(x)] − d·e²/2.

Expectation and variance come from simulation with common random numbers
across candidate efforts, so the same code serves any payout rule, and for
salary + linear commission it reproduces the closed form: e* = β·k/d,
β* = m·k² / (k² + r·d·σ²), α* = CE₀ − β·h − β²k²/(2d) + r·β²σ²/2.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize_scalar

from ..market import Market
from ..population import Population
from .flows import expected_flows

__all__ = [
    "AgencyReps",
    "LinearPlan",
    "best_effort",
    "certainty_equivalent",
    "linear_closed_form",
    "optimal_linear_plan",
]

PayRule = Callable[[np.ndarray], np.ndarray]  # sales (draws, reps) -> pay (draws, reps)


@dataclass(frozen=True)
class AgencyReps:
    """Reps of the agency model; every field broadcasts to one value per rep."""

    h: np.ndarray  # sales at zero effort (house accounts, inbound demand)
    k: np.ndarray  # effectiveness: sales per unit of effort
    d: np.ndarray  # effort cost coefficient (cost d·e²/2)
    r: np.ndarray  # CARA risk aversion (per unit of pay)
    sigma: np.ndarray  # standard deviation of the sales noise
    ce0: np.ndarray  # outside option, as a certainty equivalent

    @classmethod
    def of(cls, **kw) -> AgencyReps:
        arrays = np.broadcast_arrays(
            *(np.atleast_1d(np.asarray(kw[f], float)) for f in ("h", "k", "d", "r", "sigma", "ce0"))
        )
        return cls(*arrays)

    @classmethod
    def from_team(
        cls,
        market: Market,
        population: Population,
        risk_aversion: np.ndarray | float,
        effort_cost: np.ndarray | float,
        outside_option: np.ndarray | float,
        house_share: float = 0.0,
    ) -> AgencyReps:
        """The agency model of a scenario's team: each rep's annual revenue at unit effort
        (``k``, less a ``house_share`` that comes without effort, ``h``) and its spread
        (``sigma``) from the market's expected deal flows; risk aversion, effort cost and
        outside option as given (per rep or for everyone)."""
        flows = expected_flows(market, population)
        mean, var = flows.measure(
            ("new_value", "xsell_value"), {"new": 1.0, "xsell": 1.0}, slice(None)
        )
        return cls.of(
            h=house_share * mean,
            k=(1 - house_share) * mean,
            d=effort_cost,
            r=risk_aversion,
            sigma=np.sqrt(var),
            ce0=outside_option,
        )

    @property
    def size(self) -> int:
        return self.h.size


def certainty_equivalent(pay: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Mean − r/2 · variance of pay over draws (axis 0): CARA with normal-ish pay."""
    return pay.mean(0) - 0.5 * r * pay.var(0)


def _ce(pay_rule: PayRule, reps: AgencyReps, eps: np.ndarray, e: np.ndarray) -> np.ndarray:
    x = reps.h + reps.k * e + reps.sigma * eps
    return certainty_equivalent(pay_rule(x), reps.r) - 0.5 * reps.d * e**2


def best_effort(
    pay_rule: PayRule,
    reps: AgencyReps,
    eps: np.ndarray,
    e_max: float = 5.0,
    grid: int = 21,
    tol: float = 1e-6,
) -> np.ndarray:
    """Each rep's CE-maximising effort in [0, e_max] under ``pay_rule``.

    ``eps`` are standard-normal draws of shape (draws, 1) shared by every
    candidate effort (common random numbers). A grid search finds the best
    bracket per rep, then a vectorised golden-section search refines it.
    """
    levels = np.linspace(0.0, e_max, grid)
    ce = np.stack([_ce(pay_rule, reps, eps, np.full(reps.size, e)) for e in levels])
    i = ce.argmax(0)
    lo = levels[np.maximum(i - 1, 0)]
    hi = levels[np.minimum(i + 1, grid - 1)]
    g = (np.sqrt(5.0) - 1) / 2
    a, b = lo.copy(), hi.copy()
    c, d = b - g * (b - a), a + g * (b - a)
    fc, fd = _ce(pay_rule, reps, eps, c), _ce(pay_rule, reps, eps, d)
    while np.max(b - a) > tol:
        left = fc > fd
        b = np.where(left, d, b)
        a = np.where(left, a, c)
        c_new, d_new = b - g * (b - a), a + g * (b - a)
        fc_new = _ce(pay_rule, reps, eps, c_new)
        fd_new = _ce(pay_rule, reps, eps, d_new)
        c, d, fc, fd = c_new, d_new, fc_new, fd_new
    return 0.5 * (a + b)


@dataclass(frozen=True)
class LinearPlan:
    """Salary α plus commission β on sales, with the reps' response and the firm's profit."""

    beta: float
    alpha: float
    effort: np.ndarray
    profit: float


def linear_closed_form(
    h: float, k: float, d: float, r: float, sigma2: float, m: float, ce0: float
) -> LinearPlan:
    """The textbook optimum for identical reps (used to check the simulation)."""
    beta = m * k**2 / (k**2 + r * d * sigma2)
    e = beta * k / d
    alpha = ce0 - beta * h - beta**2 * k**2 / (2 * d) + r * beta**2 * sigma2 / 2
    profit = m * (h + k * e) - alpha - beta * (h + k * e)
    return LinearPlan(beta, alpha, np.array([e]), profit)


def _linear_outcome(beta: float, reps: AgencyReps, eps: np.ndarray, m: float):
    e = best_effort(lambda x: beta * x, reps, eps)
    x = reps.h + reps.k * e + reps.sigma * eps
    surplus = certainty_equivalent(beta * x, reps.r) - 0.5 * reps.d * e**2
    alpha = float(np.max(reps.ce0 - surplus))  # every rep must be willing to stay
    profit = float(np.sum(m * x.mean(0) - alpha - beta * x.mean(0)))
    return e, alpha, profit


def optimal_linear_plan(
    reps: AgencyReps, margin: float, draws: int = 100_000, seed: int | np.random.Generator = 0
) -> LinearPlan:
    """The salary + linear commission that maximises the firm's expected profit
    when every rep best-responds and must reach their outside option."""
    rng = np.random.default_rng(seed)
    eps = rng.standard_normal((draws, 1))
    res = minimize_scalar(
        lambda b: -_linear_outcome(b, reps, eps, margin)[2],
        bounds=(0.0, 1.5 * margin),
        method="bounded",
        options={"xatol": 1e-6},
    )
    e, alpha, profit = _linear_outcome(float(res.x), reps, eps, margin)
    return LinearPlan(float(res.x), alpha, e, profit)
