"""Who qualifies for the plan's non-monetary rewards (recognition, promotion).

Recognition goes to the top N% of reps by weighted annual attainment in each
trial; promotion eligibility needs a minimum weighted attainment and tenure.
"""

from __future__ import annotations

import numpy as np

from .plan import Reward

__all__ = ["qualification"]


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
            order = np.argsort(-w, axis=1, kind="stable")
            q = np.zeros_like(w, dtype=bool)
            np.put_along_axis(q, order[:, :k], True, axis=1)
        else:
            q = w >= reward.min_attainment
        q &= np.asarray(tenure_years)[None, :] >= reward.min_tenure_years
        out[reward.name] = q
    return out
