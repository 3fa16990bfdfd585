"""Tables for the terminal: numbers with units and thousands separators, aligned."""

from __future__ import annotations

from collections.abc import Sequence

from .format import format_value, is_number

__all__ = ["text_table"]


def text_table(
    rows: Sequence[Sequence[object]], headers: Sequence[str], kinds: Sequence[str] | None = None
) -> str:
    """Rows as an aligned plain-text table; numbers formatted by ``kinds`` (``money``,
    ``percent``, ``number``; see :func:`planlab.kit.format.format_value`) and right-aligned,
    missing values as a dash."""
    kinds = list(kinds or ["number"] * len(headers))
    cells = [[format_value(v, k) for v, k in zip(row, kinds, strict=True)] for row in rows]
    right = [any(is_number(row[j]) for row in rows) if rows else False for j in range(len(headers))]
    widths = [max([len(h), *(len(c[j]) for c in cells)]) for j, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        parts = [
            v.rjust(w) if r else v.ljust(w) for v, w, r in zip(values, widths, right, strict=True)
        ]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(c) for c in cells)])
