"""Samplers that keep each rep's draws its own: inversion and counter-based draws.

Deal counts and renewals are drawn by inverting their CDF with one uniform per
(trial, rep): exact, and it couples counts across rates — with the same
uniform, more effort (a higher rate) gives more deals, never fewer — while a
change in one rep's rate leaves every other rep's uniform, and so its count,
where it was. Gamma variates (cycle times) come from counter-based uniforms
(:func:`sim.streams.hashed_uniforms`) addressed by rep, trial and attempt, so a
rejection for one rep consumes nothing of another's stream.
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

from .streams import hashed_uniforms

__all__ = ["binomial", "gamma", "poisson", "segment_sums"]

#: Above this rate, inversion term by term needs too many steps; scipy's quantile is used.
INVERSION_MAX_RATE = 8.0
#: Counter offset of the extra uniform a gamma of shape below one needs.
_BOOST = np.uint64(1 << 31)


def poisson(u: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """Poisson counts with rates ``lam`` from uniforms ``u`` (same shape): exact inversion.

    N = min{k : u <= F(k)}, with F accumulated term by term (p_k = p_{k-1}·λ/k)
    over the shrinking set of entries still above F; rates above
    :data:`INVERSION_MAX_RATE` use scipy's quantile on the same uniform.
    """
    lam = np.broadcast_to(np.asarray(lam, dtype=float), u.shape)
    flat_u, flat_lam = u.ravel(), lam.ravel()
    counts = np.zeros(flat_u.size, dtype=np.int64)
    big = flat_lam > INVERSION_MAX_RATE
    if big.any():
        counts[big] = stats.poisson.ppf(flat_u[big], flat_lam[big]).astype(np.int64)
        small = np.flatnonzero(~big)
        flat_u, flat_lam = flat_u[small], flat_lam[small]
    else:
        small = None
    p = np.exp(-flat_lam)
    active = np.flatnonzero(flat_u > p)
    u_a, p_a, cdf_a, lam_a = flat_u[active], p[active], p[active], flat_lam[active]
    sub = np.zeros(flat_u.size, dtype=np.int64)
    k = 0
    while active.size:
        k += 1
        sub[active] += 1
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
    if small is None:
        counts = sub
    else:
        counts[small] = sub
    return counts.reshape(u.shape)


def binomial(u: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Binomial(n, p) from uniforms ``u`` by inversion (``n`` small whole numbers).

    Monotone in ``p`` for a given uniform: better service never loses a renewal.
    """
    u, p = np.broadcast_arrays(u, np.asarray(p, dtype=float))
    n = np.broadcast_to(np.asarray(n, dtype=np.int64), u.shape)
    out = np.zeros(u.shape, dtype=np.int64)
    q = 1.0 - p
    sure = p >= 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(sure, 0.0, p / np.where(sure, 1.0, q))
        pmf = np.where(sure, 0.0, q**n)
    cdf = pmf.copy()
    for k in range(int(n.max(initial=0))):
        more = (u > cdf) & (k < n)
        if not more.any():
            break
        out += more
        pmf = pmf * (n - k) / (k + 1) * ratio
        cdf = cdf + pmf
    return np.where(sure, n, out)


def _normals(key: tuple[int, int], counters: np.ndarray) -> np.ndarray:
    return special.ndtri(hashed_uniforms(key, counters))


def gamma(key: tuple[int, int], counters: np.ndarray, shape: np.ndarray) -> np.ndarray:
    """Standard gamma variates of ``shape`` (> 0), one per counter (Marsaglia–Tsang).

    Attempt ``i`` of the entry with counter ``c`` uses the hashed normal and
    uniform at counters ``c + 2i`` and ``c + 2i + 1``, so each entry's value is a
    function of its own counter alone; shapes below one are boosted with one more
    uniform (at ``c + 2**31``).
    """
    shape = np.asarray(shape, dtype=float)
    a = np.where(shape < 1.0, shape + 1.0, shape)
    d = a - 1.0 / 3.0
    c = 1.0 / np.sqrt(9.0 * d)
    out = np.empty(a.shape)
    todo = np.arange(a.size)
    base = counters.ravel()
    d_f, c_f = d.ravel(), c.ravel()
    attempt = np.uint64(0)
    while todo.size:
        cnt = base[todo] + attempt
        z = _normals(key, cnt)
        u = hashed_uniforms(key, cnt + np.uint64(1))
        v = (1.0 + c_f[todo] * z) ** 3
        dd = d_f[todo]
        with np.errstate(invalid="ignore", divide="ignore"):
            ok = (v > 0) & (np.log(u) < 0.5 * z * z + dd - dd * v + dd * np.log(v))
        out.ravel()[todo[ok]] = (dd * v)[ok]
        todo = todo[~ok]
        attempt += np.uint64(2)
    small = shape < 1.0
    if small.any():
        boost = hashed_uniforms(key, counters[small] + _BOOST) ** (1.0 / shape[small])
        out[small] *= boost
    return out


def segment_sums(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Sum consecutive runs of ``values`` of lengths ``counts`` (zeros allowed).

    Each run is summed from its own values alone (not as a difference of running
    totals), so one entry's sum never moves with another's values in the last bit.
    """
    flat = counts.ravel()
    owner = np.repeat(np.arange(flat.size), flat)
    return np.bincount(owner, values, minlength=flat.size).reshape(counts.shape)
