"""Reading a user's CSV file (a roster, an opportunity export) with clear errors.

Missing files, files that are not UTF-8 text, unreadable and empty files stop
with a :class:`~sim.errors.ScenarioError` that names the file; rows come back as
lists of strings for the caller to check cell by cell.
"""

from __future__ import annotations

import csv
from pathlib import Path

from .errors import ScenarioError

__all__ = ["read_rows"]


def read_rows(path: str | Path, what: str) -> list[list[str]]:
    """Every row of the CSV file at ``path`` (header first); ``what`` names it in errors."""
    path = Path(path)
    if not path.is_file():
        raise ScenarioError(f"{path}: {what} not found")
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.reader(fh))
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{path}: {what} is not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read the {what} ({exc.strerror})") from None
    if not rows:
        raise ScenarioError(f"{path}: {what} is empty")
    return rows
