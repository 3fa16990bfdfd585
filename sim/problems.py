"""Bad rows of a user's table: each one named, all of them listed.

Readers collect every problem (file, row, column, value, what was expected)
before they stop, so a user fixes a file in one pass; with ``--drop-bad-rows``
the same list says what was left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["SHOWN", "Problem", "problem_listing"]

#: Problems listed in an error message before "... and N more".
SHOWN = 12


@dataclass(frozen=True)
class Problem:
    """One bad cell or row: where it is and what is wrong."""

    origin: str
    row: str
    column: str
    message: str

    def __str__(self) -> str:
        col = f", column {self.column!r}" if self.column else ""
        return f"{self.origin}: {self.row}{col}: {self.message}"


def problem_listing(problems: Sequence[Problem]) -> str:
    """The first :data:`SHOWN` problems, one a line, and how many more there are."""
    more = f"\n... and {len(problems) - SHOWN} more" if len(problems) > SHOWN else ""
    return "\n".join(str(p) for p in problems[:SHOWN]) + more
