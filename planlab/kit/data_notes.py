"""What reading a user's data detected, inferred and left out, said on the terminal.

Detected conventions (an encoding, a delimiter, a date order) are notes;
guesses the data forced (a deal kind inferred, expected close dates ignored)
and rows left out are warnings. Both go to standard error, so piped output
stays clean; ``--quiet`` silences the notes, never the warnings.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

import pandas as pd

__all__ = ["dropped_rows", "say_data_notes"]


def dropped_rows(problems: Iterable) -> pd.DataFrame:
    """Rows left out (:class:`sim.problems.Problem`): where they were and what was wrong."""
    return pd.DataFrame(
        [
            {"source": p.origin, "row": p.row, "column": p.column, "problem": p.message}
            for p in problems
        ],
        columns=["source", "row", "column", "problem"],
    )


def say_data_notes(
    notes: Iterable[str], warnings: Iterable[str], dropped: int = 0, quiet: bool = False
) -> None:
    """Print notes (unless ``quiet``), warnings and how many rows were left out."""
    if not quiet:
        for line in notes:
            print(f"planlab: note: {line}", file=sys.stderr)
    for line in warnings:
        print(f"planlab: warning: {line}", file=sys.stderr)
    if dropped:
        print(f"planlab: warning: {dropped} bad row(s) left out (--drop-bad-rows)", file=sys.stderr)
