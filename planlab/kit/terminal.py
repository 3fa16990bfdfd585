"""Tables for the terminal: numbers with units and thousands separators, aligned."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from .format import column_kind, format_value, is_number, label

__all__ = ["metric_table", "text_table"]


def text_table(
    rows: Sequence[Sequence[object]],
    headers: Sequence[str],
    kinds: Sequence[str] | None = None,
    currency: str | None = None,
) -> str:
    """Rows as an aligned plain-text table; numbers formatted by ``kinds`` (``money``,
    ``percent``, ``number``; see :func:`planlab.kit.format.format_value`, money with the
    ``currency`` sign) and right-aligned, missing values as a dash."""
    kinds = list(kinds or ["number"] * len(headers))
    cells = [
        [format_value(v, k, currency) for v, k in zip(row, kinds, strict=True)] for row in rows
    ]
    right = [any(is_number(row[j]) for row in rows) for j in range(len(headers))]
    widths = [max([len(h), *(len(c[j]) for c in cells)]) for j, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        parts = [
            v.rjust(w) if r else v.ljust(w) for v, w, r in zip(values, widths, right, strict=True)
        ]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(c) for c in cells)])


def metric_table(table: pd.DataFrame, keys: Sequence[str], currency: str | None = None) -> str:
    """Variants down (the table's index), the metrics ``keys`` across under their labels:
    money in the currency with thousands separators, shares as percentages."""
    headers = ["", *(label(k) for k in keys)]
    rows = [[str(name), *(row[k] for k in keys)] for name, row in table.iterrows()]
    kinds = ["text", *(column_kind(k) for k in keys)]
    return text_table(rows, headers, kinds, currency)
