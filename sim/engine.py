"""The one interface every engine implements, so one chunk loop runs them all.

An engine turns a seed and a range of trials into an
:class:`~sim.outcomes.Outcomes` table. Its ``unit`` is the smallest run of
trials it can simulate apart from the others (the Monte Carlo engine: a stream
block; the pipeline engine: one replication), so chunks start on whole units
and a result does not depend on how trials are cut into chunks. Its ``pool``
says which local executor suits it when none is given: threads for numpy code
that releases the GIL, processes for pure-Python event simulation.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal, Protocol, runtime_checkable

from .behaviour import Behaviour
from .outcomes import Outcomes
from .plan import Plan
from .population import Population

__all__ = ["Engine", "TrialSlices"]


class Engine(Protocol):
    """Simulates trials of a population in a market; see the module docstring."""

    population: Population
    #: Trials simulated apart: chunks start on a multiple of it.
    unit: int
    #: Local executor that suits the engine when none is given.
    pool: Literal["threads", "processes"]

    def simulate_trials(
        self,
        seed: int,
        first: int,
        n: int,
        behaviour: Behaviour | None = None,
        plan: Plan | None = None,
    ) -> Outcomes:
        """Outcomes of trials ``first .. first + n - 1`` (``first`` a multiple of ``unit``)."""
        ...


@runtime_checkable
class TrialSlices(Protocol):
    """An engine that can simulate a unit's trials a few at a time with the numbers the
    whole unit gives, so that a large team's chunk is held a slice at a time."""

    def trial_slices(
        self, seed: int, first: int, n: int, rep_trials: int
    ) -> Iterator[tuple[int, Outcomes]]:
        """Trials ``first .. first + n - 1`` under fixed effort, in runs of at most
        ``rep_trials`` rep-trials: ``(offset from first, outcomes)`` in trial order."""
        ...
