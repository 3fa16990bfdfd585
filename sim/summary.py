"""Bounded summaries of a plan paid on simulated years: what metrics and reports read.

A run's memory must not grow with trials x reps. Each chunk reduces its
per-(trial, rep) arrays as soon as it is paid (:func:`chunk_summary`) to

* per-year values: one number per trial and quantity (company sums, shares of
  reps, pay for performance, payout concentration, team sums), trials-long
  vectors as paired intervals need;
* per-rep sums over trials (expected payout and revenue, chances of reaching
  target, paired differences against the base plan), summed per stream block
  and folded in block order, so they are the same bytes for any chunking;
* fixed-size sketches (:class:`Sketch`) of each rep's payout and of the pooled
  attainment of each measure, for quantiles;
* who reached target per (trial, rep) as bits (1/64 of the float array), for
  the spread of achievability across reps;
* a sample: the per-(trial, rep) arrays of the first :data:`SAMPLE_REP_YEARS`
  rep-years' worth of trials, for scatter plots and histograms.

:class:`SummaryCollector` gathers them for a whole run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .payout import PlanOutcome
from .plan import Plan
from .population import Population
from .rewards import qualification
from .streams import BLOCK_TRIALS

__all__ = [
    "SAMPLE_REP_YEARS",
    "SKETCH_RANGE",
    "SKETCH_RATIO",
    "Sketch",
    "SummaryCollector",
    "average_ranks",
    "VariantSummary",
    "chunk_summary",
    "gini",
    "rank_correlation",
    "sample_trials",
    "summarise",
    "within_band",
]

#: Rep-years of per-(trial, rep) arrays kept as a sample for plots.
SAMPLE_REP_YEARS = 200_000
#: Sketch bins grow by this factor: a quantile read from a sketch is within
#: ``sqrt(SKETCH_RATIO) - 1`` (under 1%) of the exact one ...
SKETCH_RATIO = 1.02
#: ... for magnitudes in this range (times the sketch's scale); smaller magnitudes
#: read as zero (absolute error under the lower bound), larger ones as the upper bound.
SKETCH_RANGE = (1e-4, 1e4)
_SIDE = math.ceil(math.log(SKETCH_RANGE[1] / SKETCH_RANGE[0]) / math.log(SKETCH_RATIO))
#: Bins of a sketch: negative magnitudes, zero, positive magnitudes.
SKETCH_BINS = 2 * _SIDE + 1
_CENTRES = SKETCH_RANGE[0] * SKETCH_RATIO ** (np.arange(_SIDE) + 0.5)
_VALUES = np.concatenate([-_CENTRES[::-1], [0.0], _CENTRES])
#: Quota accuracy counts attainments within this distance of target (1.0).
QUOTA_BAND = 0.2


def within_band(attainment: np.ndarray, band: float = QUOTA_BAND) -> np.ndarray:
    """Whether each attainment is within ±``band`` of target (1.0)."""
    return np.abs(np.asarray(attainment, dtype=float) - 1.0) <= band + 1e-12


def gini(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """Gini coefficient of non-negative amounts along ``axis`` (0 = equal, ->1 = one takes all)."""
    x = np.sort(np.moveaxis(np.asarray(x, dtype=float), axis, -1), axis=-1)
    n = x.shape[-1]
    total = x.sum(-1)
    i = np.arange(1, n + 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = (2.0 * (i * x).sum(-1) / (n * total)) - (n + 1.0) / n
    return np.where(total > 0, g, 0.0)


def average_ranks(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """Ranks (1 = smallest) along ``axis``, ties sharing their average rank; a row with
    a NaN ranks all NaN. The values of ``scipy.stats.rankdata``, from one sort and a
    few whole-array passes (rankdata's general machinery cost seven sorts' worth)."""
    x = np.moveaxis(np.asarray(x, dtype=float), axis, -1)
    n = x.shape[-1]
    order = np.argsort(x, axis=-1)
    s = np.take_along_axis(x, order, axis=-1)
    pos = np.broadcast_to(np.arange(n), s.shape)
    starts = np.ones(s.shape, dtype=bool)  # where a run of equal values starts
    starts[..., 1:] = s[..., 1:] != s[..., :-1]
    ends = np.ones(s.shape, dtype=bool)  # where it ends
    ends[..., :-1] = starts[..., 1:]
    first = np.maximum.accumulate(np.where(starts, pos, 0), axis=-1)
    last = np.minimum.accumulate(np.where(ends, pos, n - 1)[..., ::-1], axis=-1)[..., ::-1]
    ranks = np.empty(s.shape)
    np.put_along_axis(ranks, order, (first + last) / 2.0 + 1.0, axis=-1)
    nan = np.isnan(x).any(-1)
    if nan.any():
        ranks[nan] = np.nan
    return np.moveaxis(ranks, -1, axis)


def rank_correlation(a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray:
    """Spearman rank correlation of ``a`` and ``b`` along ``axis`` (ties get average ranks)."""
    ra = average_ranks(a, axis=axis)
    rb = average_ranks(b, axis=axis)
    ra = ra - ra.mean(axis=axis, keepdims=True)
    rb = rb - rb.mean(axis=axis, keepdims=True)
    den = np.sqrt((ra**2).sum(axis) * (rb**2).sum(axis))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, (ra * rb).sum(axis) / den, np.nan)


@dataclass(frozen=True)
class Sketch:
    """A fixed-size histogram of values on log-spaced bins (:data:`SKETCH_BINS` per row).

    Quantiles read from it are within ``sqrt(SKETCH_RATIO) - 1`` (under 1%) of the
    exact ones, or within ``SKETCH_RANGE[0] * scale`` of them near zero; counts add
    exactly, so a sketch does not depend on the order values arrive in.
    """

    scale: float
    counts: np.ndarray  # (..., SKETCH_BINS) counts

    @staticmethod
    def bins(x: np.ndarray, scale: float) -> np.ndarray:
        """The bin of each value (``uint16``); NaN counts as zero."""
        u = np.nan_to_num(np.asarray(x, dtype=float)) / scale
        m = np.abs(u)
        with np.errstate(divide="ignore"):
            k = np.floor(np.log(m / SKETCH_RANGE[0]) / math.log(SKETCH_RATIO))
        k = np.where(m >= SKETCH_RANGE[0], np.clip(k, 0, _SIDE - 1) + 1, 0)
        return (_SIDE + np.sign(u) * k).astype(np.uint16)

    @classmethod
    def of(cls, x: np.ndarray, scale: float) -> Sketch:
        """The sketch of all values of ``x`` pooled."""
        counts = np.bincount(cls.bins(x, scale).ravel(), minlength=SKETCH_BINS)
        return cls(scale, counts)

    def quantile(self, p: float) -> np.ndarray:
        """The ``p`` quantile per row (numpy's default, linear interpolation)."""
        c = np.asarray(self.counts, dtype=np.int64)
        cum = np.cumsum(c, axis=-1)
        n = cum[..., -1]
        h = p * (n - 1)
        lo, hi = np.floor(h), np.ceil(h)
        v_lo = _VALUES[(cum <= lo[..., None]).sum(-1).clip(0, SKETCH_BINS - 1)]
        v_hi = _VALUES[(cum <= hi[..., None]).sum(-1).clip(0, SKETCH_BINS - 1)]
        out = (v_lo + (h - lo) * (v_hi - v_lo)) * self.scale
        return np.where(n > 0, out, np.nan)


@dataclass(frozen=True)
class VariantSummary:
    """A plan paid on every simulated year, reduced to a size that does not grow with
    trials x reps (see the module docstring)."""

    trials: int
    reps: int
    yearly: dict[str, np.ndarray]  # per-year values (trials,) or (trials, teams)
    per_rep: dict[str, np.ndarray]  # sums over trials, (reps,)
    pay_sketch: Sketch  # payout per rep, (reps, bins)
    attainment_sketch: dict[str, Sketch]  # pooled annual attainment per measure id
    hits: dict[str, np.ndarray]  # attainment >= target per measure id, bits (trials, reps / 8)
    sample: dict[str, np.ndarray]  # per-(trial, rep) arrays of the first trials
    targets: dict[str, np.ndarray]  # (reps, periods) per measure id

    def mean(self, key: str) -> np.ndarray:
        """Per rep, the mean over trials of per-rep quantity ``key``."""
        return self.per_rep[key] / self.trials

    def hit_rows(self, mid: str, lo: int = 0, hi: int | None = None) -> np.ndarray:
        """Who reached target on ``mid`` in trials ``lo .. hi`` (0/1, trials x reps)."""
        return np.unpackbits(self.hits[mid][lo:hi], axis=1, count=self.reps)


def sample_trials(trials: int, reps: int) -> int:
    """How many first trials the sample keeps (at least one)."""
    return min(trials, max(1, SAMPLE_REP_YEARS // max(reps, 1)))


def _rows(x: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(x, dtype=float))


def chunk_summary(
    plan: Plan,
    outcome: PlanOutcome,
    actuals: dict[str, np.ndarray],
    pop: Population | None,
    first: int,
    trials: int,
    base: dict[str, np.ndarray] | None = None,
) -> dict:
    """Reduce one chunk (trials ``first ..``) of a paid plan to its summary parts.

    Without a population (``pop=None``) team sums and rewards are left out. ``base`` holds the base plan's payout and revenue on the same trials, for the
    per-rep paired differences (``None`` for the base plan itself).
    """
    pay = _rows(outcome.total)
    rev = _rows(actuals["revenue"])
    n, reps = pay.shape
    zero = np.zeros(n)
    wa = _rows(outcome.weighted_attainment)

    def total(key: str) -> np.ndarray:
        return _rows(actuals[key]).sum(1) if key in actuals else zero

    yearly = {
        "cost": pay.sum(1),
        "revenue": rev.sum(1),
        "margin": _rows(actuals["gross_margin"]).sum(1),
        "true_up": _rows(outcome.true_up).sum(1),
        "pulled_in": total("pulled_in"),
        "pushed_out": total("pushed_out"),
        "timing_discount": total("timing_discount"),
        "left": total("left"),
        "credited_revenue": total("credited_revenue") if "credited_revenue" in actuals else None,
        "co_sold": total("co_sold"),
        "help_given": total("help_given"),
        "referrals": total("referrals"),
        "co_sell_deals": total("co_sell_deals"),
        "co_sell_days": total("co_sell_days"),
        "co_sellers_revenue": zero,
        "pay_for_performance": rank_correlation(pay, rev, axis=1),
        "payout_gini": gini(pay, axis=1),
        "weighted_at_target": (wa >= 1.0).mean(1),
        "weighted_attainment": wa.mean(1),
    }
    if yearly["credited_revenue"] is None:
        yearly["credited_revenue"] = yearly["revenue"]
    if pop is not None:
        teams = pop.account_teams  # what co-sellers book themselves: the cost of their help
        if teams is not None and teams.co_sells.size and teams.co_sells.any():
            yearly["co_sellers_revenue"] = rev[:, teams.co_sells].sum(1)
        members = [pop.team == t for t in pop.team_names]
        yearly["team_revenue"] = np.stack([rev[:, m].sum(1) for m in members], axis=1)
        yearly["team_cost"] = np.stack([pay[:, m].sum(1) for m in members], axis=1)

    per_rep = {"pay": pay, "revenue": rev, "weighted_at_target": (wa >= 1.0) * 1.0}
    per_rep["left"] = _rows(actuals["left"]) if "left" in actuals else np.zeros_like(pay)
    hits, att_sketch = {}, {}
    for m in plan.measures:
        a = _rows(outcome.attainment[m.id])
        hit = a >= 1.0
        cap_at = m.curve.attainment_at_cap
        at_cap = a >= cap_at if np.isfinite(cap_at) else np.zeros_like(hit)
        shares = {
            "at_threshold": a >= m.curve.threshold,
            "at_target": hit,
            "at_cap": at_cap,
            "in_band": within_band(a),
        }
        for k, s in shares.items():
            yearly[f"{k}:{m.id}"] = s.mean(1)
            per_rep[f"{k}:{m.id}"] = s * 1.0
        per_rep[f"attainment:{m.id}"] = a
        per_rep[f"payout:{m.id}"] = _rows(outcome.payout[m.id])
        hits[m.id] = np.packbits(hit, axis=1)
        att_sketch[m.id] = Sketch.of(a, 1.0).counts
    if pop is not None:
        q = qualification(plan.rewards, outcome.weighted_attainment, pop.tenure_years)
        for name, arr in q.items():
            per_rep[f"reward:{name}"] = np.asarray(arr, dtype=float)
    if base is not None:
        d_pay, d_rev = pay - base["pay"], rev - base["revenue"]
        per_rep |= {"d_pay": d_pay, "d_pay2": d_pay**2, "d_rev": d_rev, "d_rev2": d_rev**2}
    keys = sorted(per_rep)
    keep = max(0, min(n, sample_trials(trials, reps) - first))
    sample = {"total": pay, "weighted_attainment": wa}
    sample |= {f"attainment:{m.id}": outcome.attainment[m.id] for m in plan.measures}
    return {
        "yearly": yearly,
        "per_rep_keys": keys,
        "per_rep": block_pieces(first, [per_rep[k] for k in keys], trials),
        "pay_bins": Sketch.bins(pay, plan.pay_mix.target_incentive or 1.0),
        "attainment_sketch": att_sketch,
        "hits": hits,
        "sample": {k: np.asarray(v[:keep], dtype=np.float32) for k, v in sample.items()},
        "targets": outcome.targets,
        "pay_scale": plan.pay_mix.target_incentive or 1.0,
    }


def block_pieces(first: int, rows: np.ndarray | list[np.ndarray], trials: int) -> list[tuple]:
    """Per-trial rows of trials ``first ..`` cut at stream-block edges:
    [(block, first trial in the block, rows or their sum, summed), ...]. A block the
    chunk holds whole is summed here (so only the sum travels); the rest stay rows,
    for the collector to sum once their block is complete. Sums always run over the
    trials of a block in order, so they are the same bytes wherever they are made.

    ``rows`` is one array (trials first) or a list of them, stacked on axis 1 per piece.
    """
    arrays = rows if isinstance(rows, list) else [rows]
    out, t, end = [], first, first + len(arrays[0])
    while t < end:
        b = t // BLOCK_TRIALS
        lo, size = b * BLOCK_TRIALS, min((b + 1) * BLOCK_TRIALS, trials) - b * BLOCK_TRIALS
        hi = min(end, lo + size)
        parts = [np.ascontiguousarray(a[t - first : hi - first]) for a in arrays]
        whole = t == lo and hi - t == size
        if whole:
            data = (
                np.stack([p.sum(0) for p in parts]) if isinstance(rows, list) else parts[0].sum(0)
            )
        else:
            data = np.stack(parts, axis=1) if isinstance(rows, list) else parts[0]
        out.append((b, t - lo, data, whole))
        t = hi
    return out


class BlockSum:
    """A sum over trials made per stream block and folded in block order, so it is the
    same bytes for any chunking; memory holds one running sum and the blocks that
    arrived before their predecessors."""

    def __init__(self, trials: int):
        self.trials = trials
        self.total: np.ndarray | None = None
        self.next = 0
        self.done: dict[int, np.ndarray] = {}
        self.partial: dict[int, tuple[np.ndarray, int]] = {}

    def add(self, pieces: list[tuple]) -> None:
        for b, offset, data, summed in pieces:
            if summed:
                self.done[b] = data
                continue
            size = min((b + 1) * BLOCK_TRIALS, self.trials) - b * BLOCK_TRIALS
            buf, filled = self.partial.get(b, (None, 0))
            if buf is None:
                buf = np.empty((size, *data.shape[1:]))
            buf[offset : offset + len(data)] = data
            filled += len(data)
            if filled == size:
                self.done[b] = buf.sum(0)
                self.partial.pop(b, None)
            else:
                self.partial[b] = (buf, filled)
        while self.next in self.done:
            block = self.done.pop(self.next)
            self.total = block.copy() if self.total is None else self.total + block
            self.next += 1


def _place(store: np.ndarray | None, part: np.ndarray, sl: slice, total: int) -> np.ndarray:
    if store is None:
        store = np.empty((total, *part.shape[1:]), dtype=part.dtype)
    store[sl] = part
    return store


class SummaryCollector:
    """Gathers one plan's chunk summaries into a :class:`VariantSummary`."""

    def __init__(self, trials: int, reps: int):
        self.trials, self.reps = trials, reps
        self.yearly: dict[str, np.ndarray] = {}
        self.hits: dict[str, np.ndarray] = {}
        self.per_rep = BlockSum(trials)
        self.keys: list[str] = []
        self.pay_counts: np.ndarray | None = None
        self.att_counts: dict[str, np.ndarray] = {}
        self.sample: dict[str, np.ndarray] = {}
        self.targets: dict[str, np.ndarray] = {}
        self.scale = 1.0
        self.n_sample = sample_trials(trials, reps)

    def add(self, first: int, part: dict) -> None:
        n = len(part["pay_bins"])
        sl = slice(first, first + n)
        for k, v in part["yearly"].items():
            self.yearly[k] = _place(self.yearly.get(k), v, sl, self.trials)
        for k, v in part["hits"].items():
            self.hits[k] = _place(self.hits.get(k), v, sl, self.trials)
        self.keys = part["per_rep_keys"]
        self.per_rep.add(part["per_rep"])
        flat = (np.arange(self.reps, dtype=np.int64) * SKETCH_BINS)[None, :] + part["pay_bins"]
        counts = np.bincount(flat.ravel(), minlength=self.reps * SKETCH_BINS).reshape(
            self.reps, SKETCH_BINS
        )
        if self.pay_counts is None:
            self.pay_counts = np.zeros((self.reps, SKETCH_BINS), dtype=np.uint32)
        self.pay_counts += counts.astype(np.uint32)
        for k, v in part["attainment_sketch"].items():
            self.att_counts[k] = self.att_counts.get(k, 0) + v
        for k, v in part["sample"].items():
            if len(v):
                store = self.sample.get(k)
                if store is None:
                    store = np.empty((self.n_sample, *v.shape[1:]), dtype=v.dtype)
                store[first : first + len(v)] = v
                self.sample[k] = store
        self.targets = part["targets"]
        self.scale = part["pay_scale"]

    def summary(self) -> VariantSummary:
        total = self.per_rep.total
        return VariantSummary(
            trials=self.trials,
            reps=self.reps,
            yearly=self.yearly,
            per_rep={k: total[i] for i, k in enumerate(self.keys)},
            pay_sketch=Sketch(self.scale, self.pay_counts),
            attainment_sketch={k: Sketch(1.0, v) for k, v in self.att_counts.items()},
            hits=self.hits,
            sample=self.sample,
            targets=self.targets,
        )


def summarise(
    plan: Plan,
    outcome: PlanOutcome,
    actuals: dict[str, np.ndarray],
    pop: Population | None = None,
    base: dict[str, np.ndarray] | None = None,
) -> VariantSummary:
    """The summary of a plan paid on whole per-(trial, rep) arrays (one chunk of all
    trials): what a run made from actual results, say, hands to the metrics."""
    trials, reps = np.shape(outcome.total)
    collect = SummaryCollector(trials, reps)
    collect.add(0, chunk_summary(plan, outcome, actuals, pop, 0, trials, base))
    return collect.summary()
