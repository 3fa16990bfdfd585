"""How an export says whether an opportunity is won, lost or open, and its kind.

Status comes from the *won* and *closed* flags when the export has them, else
from the status column, else from the stage names the ``[opportunities]``
table lists under ``status_values``; a word the table does not list is an
error, never read as open, and flags that contradict the stage are errors too.
"""

from __future__ import annotations

from .opportunity_spec import OpportunitySpec

__all__ = ["UNKNOWN", "read_status", "status_hint", "word_lookup"]

#: :func:`read_status` for a word the table does not list.
UNKNOWN = "?"
_FALSE = ("0", "false", "no", "n", "")
_SETTING = "[opportunities]"


def word_lookup(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Each listed word (lower case) -> what it means."""
    return {n.strip().lower(): meaning for meaning, names in table.items() for n in names}


def _flag(text: str, spec: OpportunitySpec) -> bool | None:
    t = text.strip().lower()
    if t in {v.lower() for v in spec.true_values}:
        return True
    if t in _FALSE:
        return False
    return None


def read_status(
    text: str, won_cell: str | None, closed_cell: str | None, spec: OpportunitySpec
) -> str:
    """won, lost or open from the status or stage word and the flags (a flag cell is
    None when the export has no such column); '?' for an unknown word, '!...' for a
    contradiction or a cell that is not a flag."""
    said = word_lookup(spec.status_values).get(text.lower()) if text else None
    flags = {}
    for f, c in (("won", won_cell), ("closed", closed_cell)):
        if c is not None:
            flags[f] = _flag(c, spec)
            if flags[f] is None:
                return f"!{f}:{c!r} is not a flag (true: {', '.join(spec.true_values)})"
    won, closed = flags.get("won"), flags.get("closed")
    if won is None and closed is None:
        return said or UNKNOWN
    if won:
        if closed is False:
            return "!won:the won flag is set but the closed flag is not"
        if said in ("lost", "open"):
            return f"!stage:{text!r} is {said} but the won flag is set"
        return "won"
    if closed is False:
        if said in ("won", "lost"):
            return f"!stage:{text!r} is {said} but the closed flag is not set"
        return "open"
    if said == "won":
        return f"!stage:{text!r} is won but the won flag is not set"
    if closed:
        if said == "open":
            return f"!stage:{text!r} is open but the closed flag is set"
        return "lost"
    return said or UNKNOWN


def status_hint(value: str, spec: OpportunitySpec, f: str) -> str:
    if not value:
        return "empty: the status is needed"
    known = "; ".join(f"{k}: {', '.join(v)}" for k, v in spec.status_values.items())
    return f"{value!r} is not a known {f}; list it in {_SETTING} status_values ({known})"
