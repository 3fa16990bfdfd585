"""The optimisation's time budget: one wall-clock limit for tabulation and solves.

``planlab optimize --time-limit T`` (and ``review``'s) bounds the whole optimisation,
not each solve. Tabulation may use at most :data:`TABULATION_SHARE` of ``T``: it is
checked after each shape's target level, and when the share is spent it stops with
:class:`OutOfTime` (what was done, and what to do). The solves share what is left:
each stops at ``optimize.solver.time_limit`` or at the end of the budget, whichever
comes first, and a solve with less than :data:`LEAST_SOLVE` seconds left is not
started. The check simulation and writing the files come after the budget.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

__all__ = ["LEAST_SOLVE", "TABULATION_SHARE", "Budget", "OutOfTime"]

#: Share of the budget tabulation may use; the solves have the rest.
TABULATION_SHARE = 0.5
#: Fewest seconds worth starting a solve with.
LEAST_SOLVE = 1.0


class OutOfTime(RuntimeError):
    """The optimisation's time budget ran out before tabulation finished."""


class Budget:
    """Seconds left of a wall-clock budget (``None``: no budget, only per-solve limits).

    ``clock`` is the time source (monotonic seconds); tests pass a counting one."""

    def __init__(self, seconds: float | None, clock: Callable[[], float] = time.monotonic) -> None:
        if seconds is not None and not seconds > 0:
            raise ValueError(f"a time budget is a positive number of seconds, not {seconds}")
        self.seconds = seconds
        self.clock = clock
        self.start = clock()

    @property
    def bounded(self) -> bool:
        return self.seconds is not None

    def elapsed(self) -> float:
        return self.clock() - self.start

    def left(self) -> float:
        """Seconds left (infinite without a budget)."""
        return math.inf if self.seconds is None else self.seconds - self.elapsed()

    def check_tabulation(self, done: int, total: int) -> None:
        """Stop tabulation (:class:`OutOfTime`) once it has used its share of the budget;
        ``done`` of ``total`` target levels are tabulated so far."""
        if self.seconds is None:
            return
        share = TABULATION_SHARE * self.seconds
        if done < total and self.elapsed() > share:
            raise OutOfTime(
                f"tabulating the outcome tables took more than {share:g} s, the "
                f"{TABULATION_SHARE:.0%} of --time-limit {self.seconds:g} s it may use "
                f"({done} of {total} target levels done); raise --time-limit, or tabulate "
                "less (fewer optimize.trials, optimize.levels.count or menu shapes)"
            )

    def watch(self, what: str, advice: str) -> Callable[[int, int], None]:
        """A progress callback for a step after the solves (the check simulation): it
        stops the step (:class:`OutOfTime`) once the whole budget is spent."""

        def check(done: int, total: int) -> None:
            if self.seconds is not None and done < total and self.left() <= 0:
                raise OutOfTime(
                    f"{what} ran past --time-limit {self.seconds:g} s ({done} of {total} "
                    f"chunks done); {advice}"
                )

        return check

    def solve_limit(self, per_solve: float) -> float | None:
        """Seconds the next solve may take: its own limit or what is left, whichever is
        less; ``None`` when too little is left to start one."""
        left = self.left()
        if left < LEAST_SOLVE:
            return None
        return min(per_solve, left)
