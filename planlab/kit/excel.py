"""Excel workbooks of a run: the tables finance and leadership read, one sheet each.

Cells keep their types (numbers stay numbers, with a number format chosen by
:func:`planlab.kit.format.column_kind`); header rows and index columns are frozen.
Text that a spreadsheet would read as a formula (starting with ``= + - @``) is
stored as text with a quote prefix, never as a formula. The file is written by
:mod:`planlab.kit.xlsx`; a column's style is chosen once, not per cell.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from .files import FORMULA_START
from .format import column_kind, currency_sign
from .html import METRIC_INDEX
from .xlsx import Sheet, column_letter, xlsx_bytes

__all__ = [
    "FORMATS",
    "SheetBuilder",
    "facts_sheet",
    "money_format",
    "workbook_bytes",
    "write_workbook",
]

FORMATS = {"percent": "0.0%", "money": "#,##0", "number": "#,##0.00", "integer": "#,##0"}
#: Text longer than this wraps in its cell (findings, explanations).
WRAP_AT = 60
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def money_format(currency: str | None) -> str:
    """The Excel number format of an amount, with the currency sign when one is given."""
    if not currency:
        return FORMATS["money"]
    sign = currency_sign(currency).strip()
    return f'"{sign}"#,##0' if len(sign) == 1 else f'#,##0 "{sign}"'


def _cell(value: object, kind: str | None = None) -> tuple[object, str]:
    """One typed value and its style: numbers as numbers, text never as a formula."""
    if value is None:
        return None, "plain"
    if isinstance(value, bool | np.bool_):
        return bool(value), "plain"
    if isinstance(value, numbers.Integral):
        return int(value), "percent" if kind == "percent" else "integer"
    if isinstance(value, numbers.Real):
        x = float(value)
        if math.isnan(x):
            return None, "plain"
        return (x if math.isfinite(x) else None), kind or "number"
    text = str(value)
    quoted = text.startswith(FORMULA_START)
    if len(text) > WRAP_AT:
        return text, "quoted_wrap" if quoted else "wrap"
    return text, "quoted" if quoted else "plain"


def _sheet_title(name: str, taken: set[str]) -> str:
    title = _BAD_SHEET_CHARS.sub("_", str(name)).strip("'")[:31] or "Sheet"
    base, i = title, 2
    while title.lower() in taken:
        title = f"{base[: 31 - len(str(i)) - 1]}_{i}"
        i += 1
    taken.add(title.lower())
    return title


def _frame(table: pd.DataFrame | pd.Series) -> pd.DataFrame:
    if isinstance(table, pd.Series):
        df = table.to_frame(name="value" if table.name is None else str(table.name))
        df.index.name = df.index.name or METRIC_INDEX
        return df
    return table


def _table_sheet(title: str, table: pd.DataFrame | pd.Series, kind: str | None = None) -> Sheet:
    """A table as a sheet; ``kind`` (percent, money, number), when given, is how every
    value reads (a grid of one metric, whose columns are markets, not metrics)."""
    df = _frame(table)
    plain_index = isinstance(df.index, pd.RangeIndex) and df.index.names == [None]
    index_names = [] if plain_index else [n or "" for n in df.index.names]
    by_row = df.index.names[-1] == METRIC_INDEX
    index_kinds = [column_kind(n) for n in index_names]
    headers = [
        *index_names,
        *(" / ".join(map(str, c)) if isinstance(c, tuple) else str(c) for c in df.columns),
    ]
    sheet = Sheet(title)
    sheet.append_rows([[(_cell(h)[0], "header") for h in headers]])
    kinds = [*index_kinds, *(column_kind(c[-1] if isinstance(c, tuple) else c) for c in df.columns)]
    widths = [max(10, min(40, len(h) + 2)) for h in headers]
    n_index = len(index_names)
    rows = []
    for label, values in zip(df.index, df.to_numpy(dtype=object), strict=True):
        parts = label if isinstance(label, tuple) else (label,)
        row_kind = column_kind(parts[-1]) if by_row else None
        cells = [*([] if plain_index else parts), *values]
        row = [
            _cell(v, (kind or row_kind) if ((kind or row_kind) and j >= n_index) else kinds[j])
            for j, v in enumerate(cells)
        ]
        for j, v in enumerate(cells):
            if isinstance(v, str):
                widths[j] = max(widths[j], min(WRAP_AT, len(v) + 2))
        rows.append(row)
    sheet.append_rows(rows, first=2)
    sheet.widths = {j: w for j, w in enumerate(widths, start=1)}
    if len(df) and headers:
        sheet.autofilter = f"A1:{column_letter(len(headers))}{len(df) + 1}"
    return sheet


#: A sheet built by a function (cells, live formulas, styles) instead of from a table:
#: ``build(sheet)`` fills a :class:`planlab.kit.xlsx.Sheet`.
SheetBuilder = Callable[[Sheet], None]


def workbook_bytes(
    sheets: Mapping[str, pd.DataFrame | pd.Series | SheetBuilder],
    currency: str | None = None,
    kinds: Mapping[str, str] | None = None,
) -> bytes:
    """The workbook (one sheet per table, in order) as ``.xlsx`` bytes; amounts in
    ``currency``. A sheet given as a function is built by it (see :data:`SheetBuilder`).
    ``kinds`` names sheets whose every value reads one way (sheet name -> percent, money
    or number). Every sheet freezes its header row and first column alike."""
    kinds = kinds or {}
    taken: set[str] = set()
    built = []
    for name, table in sheets.items():
        title = _sheet_title(name, taken)
        if callable(table):
            sheet = Sheet(title)
            table(sheet)
        else:
            sheet = _table_sheet(title, table, kinds.get(name))
        sheet.freeze = "B2"
        built.append(sheet)
    return xlsx_bytes(built, money_format(currency))


def write_workbook(
    path: str | Path,
    sheets: Mapping[str, pd.DataFrame | pd.Series | SheetBuilder],
    currency: str | None = None,
) -> Path:
    """Write ``sheets`` (sheet name -> table) to the workbook at ``path``."""
    path = Path(path)
    path.write_bytes(workbook_bytes(sheets, currency))
    return path


def facts_sheet(facts: dict[str, object]) -> pd.DataFrame:
    """Label and value pairs (scenario, seed, findings ...) as a one-column sheet."""
    return pd.DataFrame({"value": list(facts.values())}, index=pd.Index(facts, name="item"))
