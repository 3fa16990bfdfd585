"""Random streams: one seed, independent streams addressed by what they are for.

This module is the one registry of stream keys. A draw is addressed by
(seed, purpose, block, month, kind, rep):

* *purpose* — the family of streams: the team, the trials, the behaviour
  model's calibration sample, rep traits, attrition, pipeline replications;
* *block* — trials are grouped into fixed *stream blocks* of
  :data:`BLOCK_TRIALS` trials; a chunk is any run of whole blocks, so a result
  depends on the seed alone, not on the chunk size, the number of workers or
  the executor (a thread pool, processes or a Dask cluster);
* *month* and *kind* — one child stream per month and kind of variate
  (:data:`KINDS`), so more deals of one kind leave the other kinds' draws where
  they were;
* *rep* — within a block, month and kind, each rep's variates are its own:
  *dense* kinds (one variate per trial and rep: deal counts, renewals, noise)
  are drawn as one (trials, reps) array from ``SeedSequence(seed,
  spawn_key=(purpose, block, month, kind))`` — exactly what
  ``SeedSequence.spawn`` would hand out, addressed directly — where rep ``r``'s
  variate is column ``r`` whatever any rep's rates are; *sparse* kinds (one
  variate per deal: deal sizes, cycle times) come from a counter-based hash
  (SplitMix64's finaliser, keyed by the stream and counted by
  (rep, trial, draw)), so a rep's tenth deal has the same size whether or not
  another rep closed an extra deal. Changing one rep's effort or plan never
  changes another rep's draws (per-rep common random numbers).

A run of a block's trials can be simulated alone with the numbers the whole
block gives (:class:`BlockRows`), so a large team's block is held a slice of
trials at a time.

Never ``seed + worker_id``.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "ASSESSMENT",
    "ATTRITION",
    "BLOCK_TRIALS",
    "CALIBRATION",
    "COUNT",
    "CYCLE",
    "KINDS",
    "NEW_SIZE",
    "NOISE",
    "PIPELINE",
    "PIPELINE_COSELL",
    "PIPELINE_REP",
    "POPULATION",
    "REFERRALS",
    "REFERRAL_KINDS",
    "RENEWAL",
    "SHOCK",
    "TRAITS",
    "TRIALS",
    "XSELL_SIZE",
    "BlockRows",
    "block_bounds",
    "generator",
    "hashed_uniforms",
    "population_rng",
    "rep_counters",
    "stream_key",
]

#: Trials per stream block: the unit of reproducibility.
BLOCK_TRIALS = 100
#: Spawn-key roots of the independent stream families (purposes): the team, the
#: trials, the behaviour model's calibration sample, rep traits of the behaviour
#: model, attrition, and the pipeline engine's replications.
POPULATION, TRIALS, CALIBRATION, TRAITS, ATTRITION = 0, 1, 2, 3, 4
PIPELINE = 11
#: Key, after a replication's, of each rep's own pipeline stream (per-rep common
#: random numbers: one rep's effort never moves another rep's draws).
PIPELINE_REP = 1
#: Purpose of the referral flow between sales teams (:mod:`sim.referrals`), and its
#: kinds of variate: leads passed, opportunities, receiver, win, deal size.
REFERRALS = 12
REFERRAL_KINDS = ("leads", "opportunities", "receiver", "win", "size")
#: Purpose of the noise of managers' assessed collaboration scores (:mod:`sim.assessment`).
ASSESSMENT = 13
#: Key, after a replication's, of each rep's stream of co-selling requests (whether a
#: specialist asked accepts): apart from the rep's own, so asking never moves its draws.
PIPELINE_COSELL = 2
#: Key (in place of a month) of a block's stream of trial-wide demand shocks.
SHOCK = 99
#: Kinds of variate, each from its own child stream per block and month.
KINDS = ("count", "new_size", "xsell_size", "cycle", "renewal", "noise")
COUNT, NEW_SIZE, XSELL_SIZE, CYCLE, RENEWAL, NOISE = range(len(KINDS))

#: Bit positions of the rep and of the trial within a block in a draw counter;
#: the low 32 bits count a rep's draws in that trial.
REP_SHIFT, TRIAL_SHIFT = np.uint64(40), np.uint64(32)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1, _M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)


def generator(seed: int, *key: int) -> np.random.Generator:
    """The generator of the child stream ``key`` of ``seed``."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))


class BlockRows:
    """Rows ``lo .. hi`` of what a block's dense stream draws, as (trials, columns) arrays.

    A stream block draws each dense array whole, trial by trial (row-major); a run of
    its trials can be simulated alone with the same numbers. Uniforms (one 64-bit word
    each) are reached by advancing the generator past the rows before ``lo`` and after
    ``hi``; normals take a variable number of words, so the whole block's array is
    drawn and its rows taken, kept in ``cache`` (by draw) for the block's other rows.
    """

    def __init__(
        self, gen: np.random.Generator, size: int, lo: int, hi: int, cache: dict | None = None
    ):
        self.gen, self.size, self.lo, self.hi = gen, size, lo, hi
        self.whole = lo == 0 and hi == size
        self.cache = {} if cache is None else cache
        self.calls = 0

    def random(self, shape: tuple[int, int]) -> np.ndarray:
        """Uniforms in [0, 1): rows ``lo .. hi`` of a (block trials, ``shape[1]``) draw."""
        if self.whole:
            return self.gen.random(shape)
        cols, bits = shape[1], self.gen.bit_generator
        bits.advance(self.lo * cols)
        out = self.gen.random((self.hi - self.lo, cols))
        bits.advance((self.size - self.hi) * cols)
        return out

    def standard_normal(self, shape: tuple[int, int]) -> np.ndarray:
        """Standard normals: rows ``lo .. hi`` of a (block trials, ``shape[1]``) draw."""
        if self.whole:
            return self.gen.standard_normal(shape)
        self.calls += 1
        full = self.cache.get(self.calls)
        if full is None:
            full = self.cache[self.calls] = self.gen.standard_normal((self.size, shape[1]))
        return full[self.lo : self.hi]


def population_rng(seed: int) -> np.random.Generator:
    """Stream used to draw the sales team (the same team in every trial)."""
    return generator(seed, POPULATION)


def block_bounds(trials: int, chunk_trials: int) -> list[tuple[int, int]]:
    """Split ``trials`` into chunks of whole stream blocks: [(first_block, n_blocks), ...]."""
    n_blocks = -(-trials // BLOCK_TRIALS)
    per_chunk = max(1, chunk_trials // BLOCK_TRIALS)
    return [(b, min(per_chunk, n_blocks - b)) for b in range(0, n_blocks, per_chunk)]


def stream_key(seed: int, *key: int) -> tuple[int, int]:
    """Two 64-bit words that key the hashed stream ``key`` of ``seed``."""
    words = np.random.SeedSequence(seed, spawn_key=key).generate_state(2, np.uint64)
    return int(words[0]), int(words[1])


def rep_counters(trials: int, reps: int, first: int = 0) -> np.ndarray:
    """Counters of the first draw of each (trial, rep) of trials ``first .. first +
    trials - 1`` of a block: (trials, reps) uint64.

    A rep's ``j``-th draw in a trial has counter ``rep_counters(...)[t, r] + j``.
    """
    t = np.arange(first, first + trials, dtype=np.uint64)[:, None] << TRIAL_SHIFT
    return t | (np.arange(reps, dtype=np.uint64)[None, :] << REP_SHIFT)


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser, in place on a uint64 array."""
    x ^= x >> _S30
    x *= _M1
    x ^= x >> _S27
    x *= _M2
    x ^= x >> _S31
    return x


def hashed_uniforms(key: tuple[int, int], counters: np.ndarray) -> np.ndarray:
    """Uniforms in (0, 1), one per counter: a pure function of (key, counter).

    Two rounds of SplitMix64's finaliser: the first is SplitMix64 itself (the
    counter as its step, the first key word as its start), the second mixes in the
    second key word, so that streams of different keys do not overlap by an offset.
    """
    x = counters.astype(np.uint64, copy=True)
    x *= _GOLDEN
    x += np.uint64(key[0])
    _mix(x)
    x ^= np.uint64(key[1])
    _mix(x)
    x >>= _S11
    return (x.astype(np.float64) + 0.5) * 2.0**-53
