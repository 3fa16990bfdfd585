"""Errors a user can fix: bad scenario files, rosters and settings."""

from __future__ import annotations

from .messages import LINE_LIMIT, shorten

__all__ = ["ScenarioError"]


class ScenarioError(ValueError):
    """Bad input, with a message that names the file, the key or row, and what is wrong.

    Each line of the message is cut to :data:`sim.messages.LINE_LIMIT` characters,
    so quoting a huge cell, key or file name never floods the terminal.
    """

    def __init__(self, message: object = "", *args: object) -> None:
        text = "\n".join(shorten(line, LINE_LIMIT) for line in str(message).split("\n"))
        super().__init__(text, *args)
