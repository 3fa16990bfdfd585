"""Goodness of fit: simulate last year under last year's plan with the calibrated
model and compare with the attainment the team actually reached.

Distance: the Wasserstein-1 distance between the actual attainment of the
reviewed year (one value per rep, on the plan's first measure) and the
simulated attainment pooled over trials — in attainment points, so 0.05 reads
"five points of quota apart on average". Its threshold is not a fixed number:
each simulated year is itself a sample of one value per rep, so the distances
of simulated years from the pool show how far a year drawn from the model
lands by chance. The fit **passes** when the actual year is closer than 90%
of simulated years, **warns** up to 99%, and **fails** beyond. A two-sample
Kolmogorov-Smirnov statistic is reported beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import ks_2samp, wasserstein_distance

from ..run import SimulationResult, simulate
from .prepare import Review

__all__ = ["PASS_QUANTILE", "WARN_QUANTILE", "Fit", "goodness_of_fit"]

PASS_QUANTILE = 0.90
WARN_QUANTILE = 0.99
#: Simulated years compared with the pool to find the chance distance.
NULL_YEARS = 200


@dataclass(frozen=True)
class Fit:
    """The calibrated model against last year."""

    measure: str
    distance: float  # Wasserstein-1 between actual and simulated attainment
    quantile: float  # share of simulated years closer to the pool than the actual year
    pass_distance: float  # distance at PASS_QUANTILE of simulated years
    warn_distance: float  # distance at WARN_QUANTILE
    ks_statistic: float
    ks_pvalue: float
    actual_attainment: np.ndarray  # (reps,)
    simulated: SimulationResult

    @property
    def status(self) -> str:
        if self.distance <= self.pass_distance:
            return "pass"
        return "warn" if self.distance <= self.warn_distance else "fail"

    @property
    def finding(self) -> str:
        verdict = {
            "pass": "the calibrated model reproduces last year: trust what follows",
            "warn": "the calibrated model reproduces last year only roughly: read what "
            "follows with care",
            "fail": "the calibrated model does not reproduce last year: something the model "
            "leaves out drove the results; do not rely on the simulations that follow",
        }[self.status]
        return (
            f"Goodness of fit {self.status.upper()}: actual {self.measure} attainment is "
            f"{self.distance:.3f} (Wasserstein) from the simulated distribution; "
            f"{self.quantile:.0%} of simulated years land closer (pass up to "
            f"{self.pass_distance:.3f}, warn up to {self.warn_distance:.3f}) — {verdict}."
        )

    def table(self) -> dict[str, float | str]:
        return {
            "measure": self.measure,
            "wasserstein_distance": self.distance,
            "simulated_years_closer_share": self.quantile,
            "pass_distance": self.pass_distance,
            "warn_distance": self.warn_distance,
            "ks_statistic": self.ks_statistic,
            "ks_pvalue": self.ks_pvalue,
            "status": self.status,
        }


def _distances_to_pool(years: np.ndarray, pool: np.ndarray, grid: int = 50) -> np.ndarray:
    """Wasserstein-1 of each row of ``years`` (one value per rep) from ``pool``, at once.

    W1 is the mean absolute gap between quantile functions; the pool's is read
    at ``grid`` points per rep, where each row's quantile function is a step.
    """
    n = years.shape[1]
    m = grid * n
    p = (np.arange(m) + 0.5) / m
    q_pool = np.sort(pool)[(p * pool.size).astype(int)]
    q_rows = np.sort(years, axis=1)[:, (p * n).astype(int)]
    return np.abs(q_rows - q_pool[None]).mean(1)


def goodness_of_fit(
    review: Review, actual_attainment: np.ndarray, trials: int = 1000, seed: int | None = None
) -> Fit:
    """Simulate the reviewed year ``trials`` times with the calibrated model and compare."""
    sc = review.calibrated
    result = simulate(
        sc, [], trials=trials, seed=sc.simulation.seed if seed is None else seed, rep_years=True
    )
    measure = sc.plan.measures[0].id
    sim = np.asarray(result.base.outcome.attainment[measure], dtype=float)  # (trials, reps)
    actual = np.asarray(actual_attainment, dtype=float)
    pool = sim.ravel()
    d = wasserstein_distance(actual, pool)
    rows = np.linspace(0, len(sim) - 1, min(NULL_YEARS, len(sim))).astype(int)
    null = _distances_to_pool(sim[rows], pool)
    ks = ks_2samp(actual, pool)
    return Fit(
        measure=measure,
        distance=float(d),
        quantile=float(np.mean(null < d)),
        pass_distance=float(np.quantile(null, PASS_QUANTILE)),
        warn_distance=float(np.quantile(null, WARN_QUANTILE)),
        ks_statistic=float(ks.statistic),
        ks_pvalue=float(ks.pvalue),
        actual_attainment=actual,
        simulated=result,
    )
