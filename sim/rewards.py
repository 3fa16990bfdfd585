"""Who qualifies for the plan's non-monetary rewards (recognition, promotion).

Recognition goes to the top N% of reps by weighted annual attainment in each
trial; promotion eligibility needs a minimum weighted attainment and tenure.
"""

from __future__ import annotations

import numpy as np

from .plan import Reward

__all__ = ["qualification", "top_k"]


def top_k(w: np.ndarray, k: int) -> np.ndarray:
    """Per row of ``w`` (trials, reps), the ``k`` largest (True); a tie at the edge goes
    to the reps listed first, and NaN ranks last. One partition per row, not a sort."""
    if k >= w.shape[1]:
        return np.ones(w.shape, dtype=bool)
    if np.isnan(w).any():  # the sort's order, NaN after everything
        q = np.zeros(w.shape, dtype=bool)
        np.put_along_axis(q, np.argsort(-w, axis=1, kind="stable")[:, :k], True, axis=1)
        return q
    kth = -np.partition(-w, k - 1, axis=1)[:, k - 1 : k]  # the k-th largest per row
    above = w > kth
    tied = w == kth
    room = k - np.count_nonzero(above, axis=1, keepdims=True)
    return above | (tied & (np.cumsum(tied, axis=1) <= room))


def qualification(
    rewards: tuple[Reward, ...], weighted_attainment: np.ndarray, tenure_years: np.ndarray
) -> dict[str, np.ndarray]:
    """Per reward, a (trials, reps) boolean array of who qualifies."""
    w = np.asarray(weighted_attainment, dtype=float)
    out = {}
    for reward in rewards:
        if reward.kind == "recognition":
            n = w.shape[1]
            k = max(1, int(np.ceil(n * reward.top_percent / 100.0)))
            q = top_k(w, k)
        else:
            q = w >= reward.min_attainment
        q &= np.asarray(tenure_years)[None, :] >= reward.min_tenure_years
        out[reward.name] = q
    return out
