"""Effort as a best response, and the firm's best linear contract, by simulation.

The principal-agent model of sales compensation, with one measure
(Holmström & Milgrom 1987; Lal & Srinivasan 1993) or several (Holmström &
Milgrom 1991): the measures a plan can pay on are

    x = h + K·e + ε,    ε ~ N(0, Σ),

for effort e on each task (K: measures × tasks). A rep with CARA risk
aversion r and effort cost e′De/2 (D positive definite; an off-diagonal term
makes the tasks compete for time) maximises the certainty equivalent

    CE(e) = E[pay(x)] − r/2 · Var[pay(x)] − e′De/2.

Expectation and variance come from simulation with common random numbers
across candidate efforts, so the same code serves any payout rule. For salary
α plus linear commissions β′x it reproduces the closed form: e* = D⁻¹K′β,

    β* = (K D⁻¹ K′ + rΣ)⁻¹ K D⁻¹ K′ m,
    α* = CE₀ − β′h − β′K D⁻¹ K′β/2 + r·β′Σβ/2,

for margins m per unit of each measure. One measure and one task is the
1 × 1 case: β* = m·k² / (k² + r·d·σ²), e* = β·k/d.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from ..market import Market
from ..population import Population
from .flows import expected_flows

__all__ = [
    "EFFORT_MAX",
    "AgencyReps",
    "LinearPlan",
    "best_effort",
    "certainty_equivalent",
    "check_agency",
    "linear_closed_form",
    "linear_response",
    "optimal_linear_plan",
    "standardised_normals",
]

#: Highest effort on a task a rep can choose, as a multiple of the reference effort.
EFFORT_MAX = 5.0

#: measures (draws, reps, n) -> pay (draws, reps)
PayRule = Callable[[np.ndarray], np.ndarray]


def _matrix(value, name: str) -> np.ndarray:
    """A scalar as 1 × 1, a nested list as a 2-d array."""
    a = np.asarray(value, dtype=float)
    if a.ndim == 0:
        a = a.reshape(1, 1)
    if a.ndim != 2:
        raise ValueError(f"{name} must be a number or a matrix (a list of rows), got {a.ndim}-d")
    return a


def check_agency(h, k, d, noise, margin=None) -> tuple[np.ndarray, ...]:
    """Validate the matrices of identical reps and return them as arrays:
    ``h`` (n,), ``k`` (n × t), ``d`` (t × t), ``noise`` Σ (n × n) and ``margin``
    (n,). Scalars are the one-measure, one-task case. Raises ``ValueError``
    saying which matrix is wrong and how."""
    K = _matrix(k, "k")
    n, t = K.shape
    D = _matrix(d, "d")
    if D.shape[0] != D.shape[1]:
        raise ValueError(f"d (effort cost) must be square, got {D.shape[0]} × {D.shape[1]}")
    if D.shape[0] != t:
        raise ValueError(f"d is {D.shape[0]} × {D.shape[0]} but k has {t} task column(s)")
    if not np.allclose(D, D.T):
        raise ValueError("d (effort cost) must be symmetric")
    if np.linalg.eigvalsh(D).min() <= 0:
        raise ValueError(
            "d (effort cost) must be positive definite: every effort must cost something "
            "(a cross term too large against the diagonal makes effort free)"
        )
    S = _matrix(noise, "noise")
    if S.shape != (n, n):
        raise ValueError(f"noise covariance must be {n} × {n} (k has {n} measure row(s))")
    if not np.allclose(S, S.T) or np.linalg.eigvalsh(S).min() < -1e-12 * max(1.0, abs(S).max()):
        raise ValueError("noise covariance must be symmetric and positive semi-definite")
    H = np.broadcast_to(np.asarray(h, float), (n,)) if np.ndim(h) == 0 else np.asarray(h, float)
    if H.shape != (n,):
        raise ValueError(f"h must have {n} value(s), one per measure, got {H.size}")
    out = [H, K, D, S]
    if margin is not None:
        m = np.asarray(margin, float)
        m = np.full(n, float(m)) if m.ndim == 0 and n == 1 else m
        if m.shape != (n,):
            raise ValueError(f"margin must have {n} value(s), one per measure, got {m.size}")
        out.append(m)
    return tuple(out)


def _root(cov: np.ndarray) -> np.ndarray:
    """L with L·L′ = cov for positive semi-definite cov (..., n, n), via eigenvalues."""
    w, v = np.linalg.eigh(cov)
    return v * np.sqrt(np.clip(w, 0.0, None))[..., None, :]


@dataclass(frozen=True)
class AgencyReps:
    """Reps of the agency model, one row per rep: n measures, t tasks."""

    h: np.ndarray  # (reps, n): measures at zero effort (house accounts, inbound demand)
    K: np.ndarray  # (reps, n, t): each measure per unit of effort on each task
    D: np.ndarray  # (reps, t, t): effort cost e′De/2, positive definite
    r: np.ndarray  # (reps,): CARA risk aversion (per unit of pay)
    noise: np.ndarray  # (reps, n, n): covariance Σ of the measures' noise
    ce0: np.ndarray  # (reps,): outside option, as a certainty equivalent

    @classmethod
    def of(cls, **kw) -> AgencyReps:
        """One measure, one task: ``h, k, d, r, sigma`` (noise standard deviation) and
        ``ce0``, each a number or one value per rep."""
        h, k, d, r, s, c = np.broadcast_arrays(
            *(np.atleast_1d(np.asarray(kw[f], float)) for f in ("h", "k", "d", "r", "sigma", "ce0"))
        )
        col = (-1, 1, 1)
        return cls(h[:, None], k.reshape(col), d.reshape(col), r, (s**2).reshape(col), c)

    @classmethod
    def identical(cls, reps: int, h, k, d, r, noise, ce0) -> AgencyReps:
        """``reps`` identical reps with matrices checked by :func:`check_agency`."""
        H, K, D, S = check_agency(h, k, d, noise)

        def rows(a: np.ndarray) -> np.ndarray:
            return np.repeat(a[None], reps, axis=0)

        r_, c_ = (np.full(reps, float(v)) for v in (r, ce0))
        return cls(rows(H), rows(K), rows(D), r_, rows(S), c_)

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
        """The one-measure agency model of a scenario's team: each rep's annual revenue at
        unit effort (``k``, less a ``house_share`` that comes without effort, ``h``) and
        its spread (``sigma``) from the market's expected deal flows; risk aversion,
        effort cost and outside option as given (per rep or for everyone)."""
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
        return self.r.size

    @property
    def measures(self) -> int:
        return self.K.shape[1]

    @property
    def tasks(self) -> int:
        return self.K.shape[2]

    @property
    def k(self) -> np.ndarray:
        """Effectiveness per rep in the one-measure, one-task case."""
        return self.K[:, 0, 0]

    @property
    def d(self) -> np.ndarray:
        """Effort cost coefficient per rep in the one-task case."""
        return self.D[:, 0, 0]

    @property
    def sigma(self) -> np.ndarray:
        """Noise standard deviation per rep in the one-measure case."""
        return np.sqrt(self.noise[:, 0, 0])


def certainty_equivalent(pay: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Mean − r/2 · variance of pay over draws (axis 0): CARA with normal-ish pay."""
    return pay.mean(0) - 0.5 * r * pay.var(0)


def standardised_normals(draws: int, n: int, seed: int | np.random.Generator) -> np.ndarray:
    """``draws`` × ``n`` standard normals whose sample mean is exactly 0 and sample
    covariance exactly the identity (moment matching). Anything that depends on the
    first two moments only, such as the certainty equivalent of a linear commission,
    is then computed without sampling error, on every seed."""
    z = np.random.default_rng(seed).standard_normal((draws, n))
    z = z - z.mean(0)
    chol = np.linalg.cholesky(z.T @ z / draws)
    return np.linalg.solve(chol, z.T).T


def _noise(reps: AgencyReps, eps: np.ndarray) -> np.ndarray:
    """Each rep's noise (draws, reps, n) from standard normals ``eps`` (draws, n)."""
    if eps.ndim != 2 or eps.shape[1] != reps.measures:
        raise ValueError(f"eps must be (draws, {reps.measures}) standard normals")
    return np.einsum("dk,rnk->drn", eps, _root(reps.noise))


def _ce(pay_rule: PayRule, reps: AgencyReps, noise: np.ndarray, e: np.ndarray) -> np.ndarray:
    """Certainty equivalent net of effort cost per rep at effort ``e`` (reps, t)."""
    x = reps.h + np.einsum("rnt,rt->rn", reps.K, e) + noise
    cost = 0.5 * np.einsum("rt,rts,rs->r", e, reps.D, e)
    return certainty_equivalent(pay_rule(x), reps.r) - cost


def _derivatives(pay_rule: PayRule, reps: AgencyReps, noise: np.ndarray, e: np.ndarray, step):
    """CE, its gradient and Hessian in effort per rep, by central differences."""
    t = reps.tasks
    unit = np.eye(t) * step
    f0 = _ce(pay_rule, reps, noise, e)
    grad = np.empty((reps.size, t))
    hess = np.empty((reps.size, t, t))
    for i in range(t):
        fp = _ce(pay_rule, reps, noise, e + unit[i])
        fm = _ce(pay_rule, reps, noise, e - unit[i])
        grad[:, i] = (fp - fm) / (2 * step)
        hess[:, i, i] = (fp - 2 * f0 + fm) / step**2
        for j in range(i):
            pp = _ce(pay_rule, reps, noise, e + unit[i] + unit[j])
            pm = _ce(pay_rule, reps, noise, e + unit[i] - unit[j])
            mp = _ce(pay_rule, reps, noise, e - unit[i] + unit[j])
            mm = _ce(pay_rule, reps, noise, e - unit[i] - unit[j])
            hess[:, i, j] = hess[:, j, i] = (pp - pm - mp + mm) / (4 * step**2)
    return f0, grad, hess


def best_effort(
    pay_rule: PayRule,
    reps: AgencyReps,
    eps: np.ndarray,
    e_max: float = EFFORT_MAX,
    grid: int = 21,
    tol: float = 1e-6,
    e_min: float = 0.0,
) -> np.ndarray:
    """Each rep's CE-maximising effort on every task, in [e_min, e_max], shape (reps, t).

    ``eps`` are standard-normal draws of shape (draws, measures) shared by every
    candidate effort (common random numbers); ``pay_rule`` maps the measures
    (draws, reps, measures) to pay (draws, reps). A grid over the effort box
    (``grid`` levels per task, at most 11 per task when there are several) finds
    each rep's best region, so a rep who gives up is found at zero; Newton steps
    on central differences of the simulated CE then refine it, each step kept
    only where it raises the CE (exact in one step when the CE is quadratic, as
    under a linear commission).
    """
    noise = _noise(reps, eps)
    t = reps.tasks
    axis = np.linspace(e_min, e_max, grid if t == 1 else min(grid, 11))
    points = np.array(list(itertools.product(axis, repeat=t)))
    ce = np.stack([_ce(pay_rule, reps, noise, np.broadcast_to(p, (reps.size, t))) for p in points])
    e = points[ce.argmax(0)].copy()
    for _ in range(50):
        f0, grad, hess = _derivatives(pay_rule, reps, noise, e, 1e-4 * (e_max - e_min))
        # Newton on the tasks not held at a bound by their gradient (projected Newton)
        held = ((e <= e_min) & (grad < 0)) | ((e >= e_max) & (grad > 0))
        free = ~held[:, :, None] & ~held[:, None, :]
        hess = np.where(free, hess, -np.eye(t))
        grad = np.where(held, 0.0, grad)
        concave = np.linalg.eigvalsh(hess).max(-1) < 0
        safe = np.where(concave[:, None, None], hess, -np.eye(t))
        newton = -np.linalg.solve(safe, grad[..., None])[..., 0]
        delta = np.clip(e + np.where(concave[:, None], newton, 0.0), e_min, e_max) - e
        if np.abs(delta).max() <= tol:
            break
        moved = False
        while np.abs(delta).max() > tol:  # backtrack: keep a step only where it raises the CE
            ok = _ce(pay_rule, reps, noise, e + delta) >= f0
            moved = moved or bool((ok & (np.abs(delta).max(-1) > 0)).any())
            e = np.where(ok[:, None], e + delta, e)
            delta = np.where(ok[:, None], 0.0, 0.5 * delta)
        if not moved:
            break
    return e


@dataclass(frozen=True)
class LinearPlan:
    """Salary α plus commissions β (one per measure), the reps' response and the
    firm's expected profit."""

    beta: np.ndarray  # (measures,)
    alpha: float
    effort: np.ndarray  # (reps, tasks)
    profit: float


def linear_response(k, d, beta) -> np.ndarray:
    """e* = D⁻¹K′β: the best response to commissions β when effort is free in sign
    (the pay variance β′Σβ does not depend on effort, so neither r nor Σ enter)."""
    return np.linalg.solve(_matrix(d, "d"), _matrix(k, "k").T @ np.atleast_1d(beta))


def linear_closed_form(h, k, d, r: float, sigma2, m, ce0: float) -> LinearPlan:
    """The textbook optimum for identical reps (Holmström & Milgrom 1987, 1991).

    ``h`` (n,), ``k`` = K (n × t), ``d`` = D (t × t), ``sigma2`` = Σ (n × n) and
    ``m`` (n,); numbers are the one-measure, one-task case.
    """
    H, K, D, S, M = check_agency(h, k, d, sigma2, m)
    A = K @ np.linalg.solve(D, K.T)  # K D⁻¹ K′
    # Least squares: with more measures than tasks and some free of noise, A + rΣ is
    # singular and many β are best; this is the smallest of them.
    beta = np.linalg.lstsq(A + r * S, A @ M, rcond=None)[0]
    e = linear_response(K, D, beta)
    alpha = ce0 - beta @ H - beta @ A @ beta / 2 + r * beta @ S @ beta / 2
    x = H + K @ e
    profit = M @ x - alpha - beta @ x
    return LinearPlan(beta, float(alpha), e[None, :], float(profit))


def _linear_outcome(beta: np.ndarray, reps: AgencyReps, eps: np.ndarray, m: np.ndarray, e_min):
    # Pay variance under a linear commission does not depend on effort, so the CE is
    # concave in effort: a coarse grid is enough to start the Newton steps.
    e = best_effort(lambda x: x @ beta, reps, eps, grid=3, e_min=e_min)
    x = reps.h + np.einsum("rnt,rt->rn", reps.K, e) + _noise(reps, eps)
    cost = 0.5 * np.einsum("rt,rts,rs->r", e, reps.D, e)
    surplus = certainty_equivalent(x @ beta, reps.r) - cost
    alpha = float(np.max(reps.ce0 - surplus))  # every rep must be willing to stay
    mean = x.mean(0)
    profit = float(np.sum(mean @ m - alpha - mean @ beta))
    return e, alpha, profit


def optimal_linear_plan(
    reps: AgencyReps,
    margin: float | np.ndarray,
    draws: int = 100_000,
    seed: int | np.random.Generator = 0,
    effort_floor: float | None = 0.0,
    standardise: bool = True,
) -> LinearPlan:
    """The salary + linear commissions that maximise the firm's expected profit
    when every rep best-responds and must reach their outside option.

    ``margin`` is the firm's value per unit of each measure. The draws are
    standardised (:func:`standardised_normals`), so the answer does not wander
    with the seed (``standardise=False`` keeps plain draws, to measure the sampling
    error this removes). Effort on a task cannot fall below ``effort_floor``; ``None``
    lets it go as low as −EFFORT_MAX, as the closed form assumes: with several
    tasks whose costs interact, a floor at zero can make paying on fewer
    measures better than the closed form (a corner solution, Holmström &
    Milgrom 1991).
    """
    m = np.broadcast_to(np.asarray(margin, float), (reps.measures,))
    if standardise:
        eps = standardised_normals(draws, reps.measures, seed)
    else:
        eps = np.random.default_rng(seed).standard_normal((draws, reps.measures))
    e_min = -EFFORT_MAX if effort_floor is None else effort_floor
    bound = 1.5 * float(np.abs(m).max())
    res = minimize(
        lambda b: -_linear_outcome(b, reps, eps, m, e_min)[2],
        x0=0.5 * m,
        method="Powell",
        bounds=[(-bound, bound)] * reps.measures,
        options={"xtol": 1e-6, "ftol": 1e-12},
    )
    beta = np.asarray(res.x, float)
    e, alpha, profit = _linear_outcome(beta, reps, eps, m, e_min)
    return LinearPlan(beta, alpha, e, profit)
