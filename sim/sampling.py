"""Poisson deal counts by inversion: one uniform per count, monotone in the rate.

Inverting the CDF with one uniform per entry is exact, and it couples counts
across rates: with the same stream, more effort (a higher rate) gives more
deals, never fewer in any trial, so comparisons across effort levels and plan
variants keep their common random numbers where it matters most. (Deal sizes come
from a stream of their own in deal order, so one rep's extra deal shifts the
sizes drawn for the reps after it; the other kinds of variate are unaffected.) Deal rates per rep-month are well below 1,
where inversion needs few steps and is faster than numpy's sampler; rates above
:data:`INVERSION_MAX_RATE` fall back to numpy.
"""

from __future__ import annotations

import numpy as np

__all__ = ["poisson"]

#: Above this rate, inversion needs too many steps; use numpy's sampler.
INVERSION_MAX_RATE = 8.0


def poisson(rng: np.random.Generator, lam: np.ndarray) -> np.ndarray:
    """Poisson draws with rates ``lam`` (any shape): exact sequential inversion.

    One uniform per entry: N = min{k : u <= F(k)}, with F accumulated term by
    term (p_k = p_{k-1}·λ/k) over the shrinking set of entries still above F.
    """
    lam = np.asarray(lam, dtype=float)
    if lam.size and lam.max() > INVERSION_MAX_RATE:
        return rng.poisson(lam)
    u = rng.random(lam.shape).ravel()
    flat_lam = lam.ravel()
    p = np.exp(-flat_lam)
    counts = np.zeros(lam.size, dtype=np.int64)
    active = np.flatnonzero(u > p)
    u_a, p_a, cdf_a, lam_a = u[active], p[active], p[active], flat_lam[active]
    k = 0
    while active.size:
        k += 1
        counts[active] += 1
        p_a = p_a * lam_a / k
        cdf_a = cdf_a + p_a
        # Stop an entry once further terms cannot move its CDF (u within rounding of 1).
        keep = (u_a > cdf_a) & (p_a > 1e-17)
        active, u_a, p_a, cdf_a, lam_a = (
            active[keep],
            u_a[keep],
            p_a[keep],
            cdf_a[keep],
            lam_a[keep],
        )
    return counts.reshape(lam.shape)
