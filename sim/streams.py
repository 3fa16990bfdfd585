"""Random streams: one seed, independent child streams, whatever the chunking.

Trials are grouped into fixed *stream blocks* of :data:`BLOCK_TRIALS` trials;
block ``b``, month ``m`` and kind of variate ``k`` draw from the child
``SeedSequence(seed, spawn_key=(TRIALS, b, m, k))`` — exactly what
``SeedSequence.spawn`` would hand out, addressed directly. A chunk is any run of whole blocks, so a result
depends on the seed alone, not on the chunk size or the number of workers;
and plan variants simulated with the same seed see the same draws (common
random numbers). Never ``seed + worker_id``.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "ATTRITION",
    "BLOCK_TRIALS",
    "CALIBRATION",
    "POPULATION",
    "TRAITS",
    "TRIALS",
    "block_bounds",
    "generator",
    "population_rng",
]

#: Trials per stream block: the unit of reproducibility.
BLOCK_TRIALS = 100
#: Spawn-key roots of the independent stream families: the team, the trials, the
#: behaviour model's calibration sample, rep traits of the behaviour model, attrition.
POPULATION, TRIALS, CALIBRATION, TRAITS, ATTRITION = 0, 1, 2, 3, 4


def generator(seed: int, *key: int) -> np.random.Generator:
    """The generator of the child stream ``key`` of ``seed``."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))


def population_rng(seed: int) -> np.random.Generator:
    """Stream used to draw the sales team (the same team in every trial)."""
    return generator(seed, POPULATION)


def block_bounds(trials: int, chunk_trials: int) -> list[tuple[int, int]]:
    """Split ``trials`` into chunks of whole stream blocks: [(first_block, n_blocks), ...]."""
    n_blocks = -(-trials // BLOCK_TRIALS)
    per_chunk = max(1, chunk_trials // BLOCK_TRIALS)
    return [(b, min(per_chunk, n_blocks - b)) for b in range(0, n_blocks, per_chunk)]
