"""Motivation and attrition: who leaves, and what their territory loses.

A rep compares the certainty equivalent of the plan (pay, its risk, the
rewards they may win, the effort it asks) with an outside option. The option
is anchored on what the base plan is worth to them, scaled up for abler reps,
who have better offers. Attrition over the year is a base rate plus a rise
with the relative gap below the option. A leaver's territory is covered at
reduced productivity while vacant, then a hire ramps up to full productivity.
"""

from __future__ import annotations

import numpy as np

from ..population import Population
from ..streams import ATTRITION, generator
from .spec import RetentionSpec

__all__ = ["leave_probability", "outside_option", "presence"]


def outside_option(
    base_utility: np.ndarray, population: Population, spec: RetentionSpec
) -> np.ndarray:
    """Each rep's outside option, in the units of their plan utility."""
    premium = (population.ability / population.ability.mean()) ** spec.ability_premium
    return spec.outside_option * base_utility * premium


def leave_probability(utility: np.ndarray, option: np.ndarray, spec: RetentionSpec) -> np.ndarray:
    """Chance each rep leaves during the year, rising with the gap below their option."""
    gap = np.maximum(option - utility, 0.0) / np.maximum(np.abs(option), 1e-12)
    rise = (spec.max_attrition - spec.base_attrition) * (1.0 - np.exp(-spec.sensitivity * gap))
    return np.clip(spec.base_attrition + np.maximum(rise, 0.0), 0.0, 1.0)


def presence(
    p_leave: np.ndarray, spec: RetentionSpec, seed: int, block: int, trials: int, months: int
) -> np.ndarray:
    """Seat productivity by (trial, rep, month): 1 in place; ``coverage`` while vacant;
    then a ramp from ``ramp_start`` to 1 over ``ramp_months``."""
    rng = generator(seed, ATTRITION, block)
    r = p_leave.size
    leaves = rng.random((trials, r)) < p_leave
    month = rng.integers(0, months, (trials, r))
    t = np.arange(months)[None, None, :] - month[..., None]  # months since leaving
    if spec.ramp_months > 0:
        ramp = spec.ramp_start + (1 - spec.ramp_start) * np.clip(
            (t - spec.vacancy_months) / spec.ramp_months, 0.0, 1.0
        )
    else:  # a hire who is productive from the first day
        ramp = np.ones(t.shape)
    after = np.where(t < spec.vacancy_months, spec.coverage, ramp)
    return np.where(leaves[..., None] & (t >= 0), after, 1.0)
