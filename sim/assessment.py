"""Managers' assessed collaboration score: a score per rep and month that help raises.

A manager scores each rep's collaboration every month on the scale of
``[market.collaboration_score]`` (1-5 by default): the score is
``mean + per_help × help`` plus assessment noise (normal, sd ``sd``), held to
the scale. A period's score is the mean of its months (the
``collaboration_score`` measure, like ``csat``), paid through a curve like any
measure or used as a modifier. Help is chosen by its marginal pay
(:func:`sim.behaviour.collaboration.choose_help`), read off scores drawn on the
calibration sample from their own stream (the noise matters: a modifier's band
pays on the chance of crossing it), so paying on the score raises help. The
expected score is the normal held to the scale, in closed form
(:func:`expected_score`).

The noise comes from the assessment streams of :mod:`sim.streams`, addressed by
(seed, block, month) and counted per (trial, rep): a rep's scores depend on
their own help alone, and a trial gets the same scores whatever the chunking.
In the review the score is read from the actuals' ``collaboration_score``
column, checked against the scale.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from .market import CollaborationScore
from .outcomes import Outcomes
from .streams import ASSESSMENT, BLOCK_TRIALS, hashed_uniforms, rep_counters, stream_key

__all__ = ["COMPONENT", "ScoreFlow", "expected_score", "mean_score"]

#: The component (and the actuals' column) holding the monthly score.
COMPONENT = "collaboration_score"


def mean_score(spec: CollaborationScore, help: np.ndarray) -> np.ndarray:
    """Mean score before the scale holds it: ``mean + per_help × help`` (reps,)."""
    return spec.mean + spec.per_help * np.asarray(help, dtype=float)


def _held(mu: np.ndarray, spec: CollaborationScore) -> np.ndarray:
    """E[min(max(X, low), high)] for X ~ N(mu, sd²): the expected score on the scale."""
    lo, hi, sd = spec.low, spec.high, spec.sd
    if sd == 0:
        return np.clip(mu, lo, hi)
    a, b = (lo - mu) / sd, (hi - mu) / sd
    cdf_a, cdf_b = special.ndtr(a), special.ndtr(b)
    pdf_a, pdf_b = np.exp(-0.5 * a * a), np.exp(-0.5 * b * b)
    inside = mu * (cdf_b - cdf_a) + sd * (pdf_a - pdf_b) / np.sqrt(2 * np.pi)
    return lo * cdf_a + hi * (1.0 - cdf_b) + inside


def expected_score(outcomes: Outcomes, help: np.ndarray, spec: CollaborationScore) -> Outcomes:
    """``outcomes`` with each rep's expected monthly score at ``help`` (no draws): what
    help's marginal pay is read from."""
    t, r, m = outcomes.shape
    comps = dict(outcomes.components)
    comps[COMPONENT] = np.broadcast_to(
        _held(mean_score(spec, help), spec)[None, :, None], (t, r, m)
    )
    return Outcomes(comps, draws=outcomes.draws)


@dataclass(frozen=True)
class ScoreFlow:
    """The assessed scores of one team on the streams of ``seed`` (picklable)."""

    spec: CollaborationScore
    seed: int
    stream: tuple[int, ...] = (ASSESSMENT,)  # the run's; the calibration sample has its own

    def __call__(self, outcomes: Outcomes, first: int, help: np.ndarray) -> Outcomes:
        """``outcomes`` of trials ``first ..`` with the monthly scores of reps giving ``help``."""
        t, r, months = outcomes.shape
        mu = mean_score(self.spec, help)
        score = np.empty((t, r, months))
        trial = first + np.arange(t)
        block = trial // BLOCK_TRIALS
        counters_all = rep_counters(BLOCK_TRIALS, r)
        for b in np.unique(block):
            rows = np.flatnonzero(block == b)
            counters = counters_all[trial[rows] % BLOCK_TRIALS]
            for m in range(months):
                u = hashed_uniforms(stream_key(self.seed, *self.stream, int(b), m), counters)
                z = special.ndtri(u)
                score[rows, :, m] = np.clip(
                    mu[None, :] + self.spec.sd * z, self.spec.low, self.spec.high
                )
        comps = dict(outcomes.components)
        comps[COMPONENT] = score
        return Outcomes(comps, draws=outcomes.draws + score.size)
