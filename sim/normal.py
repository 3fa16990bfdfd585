"""The standard normal CDF as reps' decisions use it: read off a fixed table.

Every month of a behaviour run asks, for each rep and each kink of each payout
curve, how likely the period is to end below the kink: millions of normal CDF
values per month, each costing scipy's ``ndtr`` about 15 ns. Linear interpolation
in a table of the exact CDF every 1/4096 from -Z_SETTLED to Z_SETTLED costs a third
of that and is within :data:`MAX_ERROR` of it everywhere: far below what a
probability of reaching target means to a rep. Above the table it is exactly 1.0
(as the CDF is in double precision); below it, Φ(−8.3) ≈ 5.2e-17 rather than the
smaller true values. Monotone, like the CDF itself.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

__all__ = ["MAX_ERROR", "Z_SETTLED", "normal_cdf"]

#: z from which the standard normal CDF is exactly 1.0 in double precision (8.2925).
Z_SETTLED = 8.3
#: Table points per unit of z.
_PER_UNIT = 4096
#: Largest difference from the exact CDF (interpolation error h²/8 · max|φ'|, h = 1/4096).
MAX_ERROR = 2e-9


def _table() -> tuple[np.ndarray, np.ndarray]:
    z = np.linspace(-Z_SETTLED, Z_SETTLED, int(2 * Z_SETTLED * _PER_UNIT) + 1)
    cdf = ndtr(z)
    step = np.append(np.diff(cdf), 0.0)  # the last entry (1.0) is flat beyond
    for a in (cdf, step):
        a.flags.writeable = False
    return cdf, step


_CDF, _STEP = _table()
_SCALE = (len(_CDF) - 1) / (2 * Z_SETTLED)


def normal_cdf(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Φ(z) elementwise, within :data:`MAX_ERROR` (NaN stays NaN); ``out`` may be
    given to write into (float64, the shape of ``z``)."""
    z = np.asarray(z, dtype=float)
    t = np.add(z, Z_SETTLED, out=np.empty(z.shape))  # position in the table
    t *= _SCALE
    np.clip(t, 0.0, len(_CDF) - 1.0, out=t)
    with np.errstate(invalid="ignore"):  # NaN becomes some index; its NaN carries through
        i = t.astype(np.int32)  # the table has under 2**31 entries
    t -= i
    out = np.empty(z.shape) if out is None else out
    np.take(_STEP, i, out=out, mode="clip")
    out *= t
    out += np.take(_CDF, i, mode="clip")
    return out
