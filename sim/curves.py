"""Payout curves: the one implementation of "attainment -> payout share".

A payout curve is a list of breakpoints ``(attainment, payout share of target
incentive)``, evaluated by linear interpolation between them. Below the first
breakpoint the curve pays nothing (the *threshold*); above the last one it
continues at ``tail_slope`` (default: the slope of the last segment, i.e. an
uncapped accelerator keeps accelerating) until ``cap``. A *step* is declared by
repeating an attainment (``[0.5, 0.0], [0.5, 0.3]`` jumps from 0 to 0.3 at 50%);
the curve is right-continuous, so reaching the step pays the upper value.

The simulator evaluates curves on numpy arrays with :meth:`PayoutCurve.payout`;
the optimiser reads the same :attr:`PayoutCurve.points` to build its
piecewise-linear constraints. No other code computes a payout share.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from .normal import Z_SETTLED, normal_cdf

__all__ = [
    "PayoutCurve",
    "by_rest_of_period",
    "linear_commission",
    "prob_at_least",
    "standard_curve",
]


class PayoutCurve(BaseModel):
    """Piecewise-linear payout curve over attainment (1.0 = 100% of target)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    points: tuple[tuple[float, float], ...] = Field(
        description="Breakpoints (attainment, payout share); attainment non-decreasing.",
        min_length=1,
    )
    cap: float | None = Field(
        default=None, gt=0, description="Largest payout share paid; None for uncapped."
    )
    tail_slope: float | None = Field(
        default=None,
        ge=0,
        description="Slope beyond the last breakpoint, in payout share per unit of attainment; None "
        "continues the last segment.",
    )
    monotone: bool = Field(
        default=True, description="Declare (and check) that payout never falls as attainment rises."
    )

    @model_validator(mode="after")
    def _check(self) -> PayoutCurve:
        xs = [p[0] for p in self.points]
        ys = [p[1] for p in self.points]
        if any(x < 0 for x in xs):
            raise ValueError("breakpoint attainments must be >= 0")
        if any(y < 0 for y in ys):
            raise ValueError("payout shares must be >= 0")
        if any(b < a for a, b in zip(xs, xs[1:], strict=False)):
            raise ValueError(f"breakpoint attainments must be non-decreasing, got {xs}")
        for i in range(len(xs) - 2):
            if xs[i] == xs[i + 1] == xs[i + 2]:
                raise ValueError(f"at most two breakpoints may share attainment {xs[i]}")
        if self.monotone and any(b < a for a, b in zip(ys, ys[1:], strict=False)):
            raise ValueError(f"a monotone curve needs non-decreasing payout shares, got {ys}")
        if self.cap is not None and ys[0] > self.cap:
            raise ValueError(f"cap {self.cap} is below the first payout share {ys[0]}")
        return self

    # -- structure the optimiser and reports read ---------------------------------
    @property
    def attainments(self) -> np.ndarray:
        return np.array([p[0] for p in self.points], dtype=float)

    @property
    def shares(self) -> np.ndarray:
        return np.array([p[1] for p in self.points], dtype=float)

    @property
    def threshold(self) -> float:
        """Attainment below which nothing is paid."""
        return float(self.points[0][0])

    @cached_property
    def steps(self) -> tuple[float, ...]:
        """Attainments where the curve jumps (declared steps, and a paying threshold)."""
        xs, ys = self.attainments, self.shares
        out = [float(xs[0])] if ys[0] > 0 and xs[0] > 0 else []
        out += [
            float(xs[i]) for i in range(len(xs) - 1) if xs[i] == xs[i + 1] and ys[i] != ys[i + 1]
        ]
        return tuple(dict.fromkeys(out))

    @cached_property
    def _segments(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        xs, ys = self.attainments, self.shares
        dx = np.diff(xs)
        with np.errstate(divide="ignore", invalid="ignore"):
            slopes = np.where(dx > 0, np.diff(ys) / np.where(dx > 0, dx, 1.0), 0.0)
        if self.tail_slope is not None:
            tail = self.tail_slope
        else:
            real = slopes[dx > 0]
            tail = float(real[-1]) if real.size else 0.0
        return xs, ys, np.append(slopes, tail)

    @property
    def tail(self) -> float:
        """Slope applied beyond the last breakpoint."""
        return float(self._segments[2][-1])

    @cached_property
    def attainment_at_cap(self) -> float:
        """Smallest attainment at which the cap binds (inf when uncapped)."""
        if self.cap is None:
            return float("inf")
        xs, ys, slopes = self._segments
        for i in range(len(xs)):
            if ys[i] >= self.cap:
                return float(xs[i])
            nxt = xs[i + 1] if i + 1 < len(xs) else np.inf
            if slopes[i] > 0 and ys[i] + slopes[i] * (nxt - xs[i]) >= self.cap:
                return float(xs[i] + (self.cap - ys[i]) / slopes[i])
        return float("inf")

    # -- the plan math ------------------------------------------------------------
    def payout(self, attainment: np.ndarray | float) -> np.ndarray:
        """Payout share of target incentive at ``attainment`` (vectorised, NaN -> 0)."""
        a = np.asarray(attainment, dtype=float)
        xs, ys, slopes = self._segments
        if not self.steps and a.size > 64:
            return self._payout_continuous(a, xs, ys, slopes[-1])
        a_safe = np.where(np.isnan(a), -1.0, a)
        idx = np.searchsorted(xs, a_safe, side="right") - 1
        below = idx < 0
        i = np.clip(idx, 0, len(xs) - 1)
        with np.errstate(invalid="ignore"):  # a flat tail at infinite attainment adds 0, not NaN
            out = ys[i] + np.where(slopes[i] == 0, 0.0, slopes[i] * (a_safe - xs[i]))
        out = np.where(below, 0.0, out)
        if self.cap is not None:
            out = np.minimum(out, self.cap)
        return out

    def _payout_continuous(self, a, xs, ys, tail) -> np.ndarray:
        """Same values as the general path, through ``np.interp`` (no steps to honour);
        the tail and NaNs are written only where they occur, by whole-array passes
        (picking the entries out by mask costs more than computing the tail for all)."""
        out = np.interp(a, xs, ys, left=0.0, right=np.nan)
        beyond = a > xs[-1]
        if beyond.any():
            extra = np.subtract(a, xs[-1])
            if tail != 0:
                extra *= tail
            else:
                extra.fill(0.0)  # 0 * inf would be NaN
            extra += ys[-1]
            np.copyto(out, extra, where=beyond)
        nan = np.isnan(a)
        if nan.any():
            out[nan] = 0.0
        if self.cap is not None:
            np.minimum(out, self.cap, out=out)
        return out

    def kinks(self) -> np.ndarray:
        """Attainments where the slope or level changes (breakpoints and the cap)."""
        pts = set(self.attainments.tolist())
        if np.isfinite(self.attainment_at_cap):
            pts.add(self.attainment_at_cap)
        return np.array(sorted(pts))

    @cached_property
    def _slope_structure(self) -> tuple[np.ndarray, np.ndarray, list[float]]:
        """Kinks, the slope left of each kink (and after the last), and the jump at each,
        read off :meth:`payout` (the curve is linear between kinks, so the chord from a
        kink to the middle of its segment is the segment's slope, to rounding)."""
        b = self.kinks()
        edges = np.concatenate(([b[0] - 1.0], b, [b[-1] + 1.0]))
        mids = 0.5 * (edges[:-1] + edges[1:])
        slopes = np.zeros(len(mids))  # nothing is paid below the first breakpoint
        slopes[1:] = (self.payout(mids[1:]) - self.payout(b)) / (mids[1:] - b)
        # A kink where the slope does not change (a breakpoint on a straight stretch)
        # keeps the one slope exactly, so the expected slope skips it.
        scale = max(1.0, float(np.abs(slopes).max()))
        slopes[np.abs(slopes) <= 1e-12 * scale] = 0.0  # flat: past a cap, say
        for k in range(1, len(slopes)):
            if abs(slopes[k] - slopes[k - 1]) <= 1e-12 * scale:
                slopes[k] = slopes[k - 1]
        jumps = []
        for i, x in enumerate(b):
            left = self.payout(mids[i]) + slopes[i] * (x - mids[i])
            jump = float(self.payout(x)) - float(left)
            # Central differences leave rounding of ~1e-10 at a continuous kink; a declared
            # step is many orders of magnitude larger.
            jumps.append(jump if abs(jump) > 1e-6 * max(1.0, abs(float(self.payout(x)))) else 0.0)
        return b, slopes, jumps

    def expected_slope(
        self, base: np.ndarray, rem_mean: np.ndarray, rem_sd: np.ndarray
    ) -> np.ndarray:
        """d/d(base) E[payout(base + X)] with X the rest of the period's attainment,
        normal with ``rem_mean`` and ``rem_sd`` truncated at zero (sales only add up):
        the marginal payout share of one more unit of attainment now, while the
        rest of the period is uncertain.

        Slopes and jumps are read off :meth:`payout` between the kinks (the curve is
        linear there), so this adds no second payout rule. Near a deadline ``sd``
        shrinks and a threshold's jump dominates: the hockey-stick incentive. For a
        curve linear from zero it is the constant slope, whatever the uncertainty.
        """
        base = np.asarray(base, dtype=float)
        rem = np.asarray(rem_mean, dtype=float)
        sd = np.asarray(rem_sd, dtype=float)
        kinks, slopes, _ = self._slope_structure
        if not sd.any() and not rem.any():
            # Nothing left to come (a period's close): the slope where the rep stands
            # (the limit of the general formula; a step exactly here has no slope).
            at = np.searchsorted(kinks, base + rem, side="right")
            return np.asarray(slopes)[at] + np.zeros(np.broadcast(base, rem, sd).shape)
        lowest = base.min() if base.size else np.inf
        return by_rest_of_period(
            lambda b, r, s: self._expected_slope(b, r, s, lowest), base, rem, sd
        )

    def _expected_slope(
        self, base: np.ndarray, rem: np.ndarray, sd: np.ndarray, lowest: float
    ) -> np.ndarray:
        """:meth:`expected_slope` by its formula; kinks at or below ``lowest`` (the least
        ``base`` of the whole array the entries come from) are left out."""
        kinks, slopes, jumps = self._slope_structure
        inv_s = 1.0 / np.maximum(sd, 1e-9)
        below = normal_cdf(-rem * inv_s)  # mass the truncation at "no more sales" removes
        shape = np.broadcast(base, rem, inv_s).shape
        shift = np.broadcast_to((base + rem) * inv_s, shape)  # z at kink x is x·inv_s − shift
        # E[c'] = Σ_k slope_k·P(kink_{k-1} < A < kink_k) + Σ jumps·density; rearranged
        # as Σ_k P(A <= kink_k)·(slope_k − slope_{k+1}) + last slope, one pass per kink.
        # The passes write into two work arrays (no new array per kink).
        # A kink at or below where every rep stands adds nothing (its probability is
        # the truncated mass, taken off); a kink Z_SETTLED sd or more above where every
        # rep can get to adds its whole step, with no normal CDF to evaluate.
        acc = np.zeros(shape)
        z, p = np.empty(shape), np.empty(shape)
        dens = None
        for k, (x, jump) in enumerate(zip(kinks, jumps, strict=True)):
            step = slopes[k] - slopes[k + 1]
            if (not step and not jump) or x <= lowest:
                continue
            np.subtract(x * inv_s, shift, out=z)
            if jump:
                d = jump * np.exp(-0.5 * z * z) * np.where(z > -rem * inv_s, 1.0, 0.0)
                dens = d if dens is None else dens + d
            if step:
                if z.min() >= Z_SETTLED:
                    p.fill(1.0)
                else:
                    normal_cdf(z, out=p)
                np.subtract(p, below, out=p)
                np.maximum(p, 0.0, out=p)
                np.multiply(p, step, out=p)
                np.add(acc, p, out=acc)
        norm = np.maximum(1.0 - below, 1e-300)
        out = acc / norm + slopes[-1]
        if dens is not None:
            out += dens * inv_s / (np.sqrt(2 * np.pi) * norm)
        return out


def prob_at_least(
    level: float, base: np.ndarray, rem_mean: np.ndarray, rem_sd: np.ndarray
) -> np.ndarray:
    """P(base + X >= level), X normal(rem_mean, rem_sd) truncated at zero."""
    base = np.asarray(base, dtype=float)
    rem = np.asarray(rem_mean, dtype=float)
    sd = np.asarray(rem_sd, dtype=float)
    return by_rest_of_period(lambda b, r, s: _prob_at_least(level, b, r, s), base, rem, sd)


def _prob_at_least(level: float, base: np.ndarray, rem: np.ndarray, sd: np.ndarray) -> np.ndarray:
    s = np.maximum(sd, 1e-9)
    below = normal_cdf(-rem / s)
    p = (1.0 - normal_cdf((level - base - rem) / s)) / np.maximum(1.0 - below, 1e-300)
    return np.where(level <= base, 1.0, np.clip(p, 0.0, 1.0))


def by_rest_of_period(
    f: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray],
    base: np.ndarray,
    rem: np.ndarray,
    sd: np.ndarray,
) -> np.ndarray:
    """``f(base, rem, sd)``, a function of each entry's own numbers, for attainment to
    date ``base`` (trials, reps) and the rest of the period ``rem``, ``sd`` per rep.

    The rest of the period is the rep's, whatever the trial: entries with nothing
    booked yet (every entry in a period's first month, many in its second) share one
    row per rep; the others are worked out on their own numbers. Bit for bit what
    ``f`` gives on the whole array when ``f`` works entry by entry (anything it reads
    across the array, such as the lowest attainment, is worked out before)."""
    if base.ndim != 2 or base.shape[0] < 2 or np.ndim(rem) > 1 or np.ndim(sd) > 1:
        return f(base, rem, sd)
    nothing = base == 0
    n = np.count_nonzero(nothing)
    if n * 4 < base.size:  # too few to pay for gathering the others
        return f(base, rem, sd)
    out = np.repeat(f(np.zeros((1, base.shape[1])), rem, sd), base.shape[0], axis=0)
    if n < base.size:
        some = np.flatnonzero(~nothing)
        rep = some % base.shape[1]
        own = [np.broadcast_to(a, base.shape[1:]).take(rep)[None] for a in (rem, sd)]
        out.reshape(-1)[some] = f(base.reshape(-1).take(some)[None], *own)[0]
    return out


def linear_commission(
    rate_share_per_attainment: float = 1.0, cap: float | None = None
) -> PayoutCurve:
    """Straight commission: payout share proportional to attainment from zero.

    A plan that pays ``c`` per unit of revenue with target incentive ``TI`` and
    target ``T`` is this curve with slope ``c·T/TI``.
    """
    r = rate_share_per_attainment
    return PayoutCurve(points=((0.0, 0.0), (1.0, r)), cap=cap, tail_slope=r)


def standard_curve(
    threshold: float = 0.5,
    threshold_share: float = 0.0,
    accelerator: float = 2.0,
    excellence: float = 1.5,
    cap: float | None = 3.0,
    decelerator: float | None = None,
) -> PayoutCurve:
    """Threshold -> target (100% pays 100%) -> excellence, with an accelerator.

    ``accelerator`` is the slope between target and excellence; beyond
    excellence the slope is ``decelerator`` (default: the accelerator).
    """
    pts = [
        (threshold, threshold_share),
        (1.0, 1.0),
        (excellence, 1.0 + accelerator * (excellence - 1.0)),
    ]
    tail = accelerator if decelerator is None else decelerator
    return PayoutCurve(points=tuple(pts), cap=cap, tail_slope=tail)
