"""Errors a user can fix: bad scenario files, rosters and settings."""

from __future__ import annotations

__all__ = ["ScenarioError"]


class ScenarioError(ValueError):
    """Bad input, with a message that names the file, the key or row, and what is wrong."""
