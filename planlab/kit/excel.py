"""Excel workbooks of a run: the tables finance and leadership read, one sheet each.

Cells keep their types (numbers stay numbers, with a number format chosen by
:func:`planlab.kit.format.column_kind`); header rows and index columns are frozen.
Text that a spreadsheet would read as a formula (starting with ``= + - @``) is
stored as text with a quote prefix, never as a formula.
"""

from __future__ import annotations

import io
import math
import numbers
import re
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .files import FORMULA_START
from .format import column_kind, currency_sign
from .html import METRIC_INDEX

__all__ = [
    "FORMATS",
    "SheetBuilder",
    "facts_sheet",
    "freeze",
    "money_format",
    "workbook_bytes",
    "write_workbook",
]

FORMATS = {"percent": "0.0%", "money": "#,##0", "number": "#,##0.00", "integer": "#,##0"}
#: Text longer than this wraps in its cell (findings, explanations).
WRAP_AT = 60
_HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def money_format(currency: str | None) -> str:
    """The Excel number format of an amount, with the currency sign when one is given."""
    if not currency:
        return FORMATS["money"]
    sign = currency_sign(currency).strip()
    return f'"{sign}"#,##0' if len(sign) == 1 else f'#,##0 "{sign}"'


def _set(cell: Cell, value: object, kind: str | None = None, money: str | None = None) -> None:
    """Write one typed value: numbers as numbers, text never as a formula."""
    if value is None or (isinstance(value, float | np.floating) and math.isnan(value)):
        cell.value = None
        return
    if isinstance(value, bool | np.bool_):
        cell.value = bool(value)
        return
    if isinstance(value, numbers.Integral):
        cell.value = int(value)
        cell.number_format = FORMATS["percent" if kind == "percent" else "integer"]
        return
    if isinstance(value, numbers.Real):
        x = float(value)
        cell.value = x if math.isfinite(x) else None
        kind = kind or "number"
        cell.number_format = money if kind == "money" and money else FORMATS[kind]
        return
    text = str(value)
    cell.value = text
    if len(text) > WRAP_AT:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    if text.startswith(FORMULA_START):
        cell.data_type = "s"  # openpyxl would otherwise store "=..." as a formula
        cell.quotePrefix = True


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


def _write_sheet(ws, table: pd.DataFrame | pd.Series, currency: str | None = None) -> None:
    df = _frame(table)
    plain_index = isinstance(df.index, pd.RangeIndex) and df.index.names == [None]
    index_names = [] if plain_index else [n or "" for n in df.index.names]
    by_row = df.index.names[-1] == METRIC_INDEX
    index_kinds = [column_kind(n) for n in index_names]
    money = money_format(currency)
    headers = [
        *index_names,
        *(" / ".join(map(str, c)) if isinstance(c, tuple) else str(c) for c in df.columns),
    ]
    for j, h in enumerate(headers, start=1):
        cell = ws.cell(row=1, column=j)
        _set(cell, h)
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="bottom")
    kinds = [column_kind(c[-1] if isinstance(c, tuple) else c) for c in df.columns]
    widths = [max(10, min(40, len(h) + 2)) for h in headers]
    for i, (label, values) in enumerate(zip(df.index, df.to_numpy(dtype=object), strict=True)):
        parts = label if isinstance(label, tuple) else (label,)
        row_kind = column_kind(parts[-1]) if by_row else None
        cells = [*([] if plain_index else parts), *values]
        for j, v in enumerate(cells, start=1):
            if j > len(index_names):
                k = row_kind or kinds[j - len(index_names) - 1]
            else:
                k = index_kinds[j - 1]
            _set(ws.cell(row=i + 2, column=j), v, k, money)
            if isinstance(v, str):
                widths[j - 1] = max(widths[j - 1], min(WRAP_AT, len(v) + 2))
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = w
    freeze(ws)
    if len(df) and headers:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(df) + 1}"


def freeze(ws) -> None:
    """The same frozen panes on every sheet: the header row and the first column."""
    ws.freeze_panes = "B2"


#: A sheet built by a function (cells, formulas, formats) instead of from a table.
SheetBuilder = Callable[..., None]


def workbook_bytes(
    sheets: Mapping[str, pd.DataFrame | pd.Series | SheetBuilder], currency: str | None = None
) -> bytes:
    """The workbook (one sheet per table, in order) as ``.xlsx`` bytes; amounts in
    ``currency``. A sheet given as a function is built by it: ``build(ws, money_format)``."""
    wb = Workbook()
    wb.remove(wb.active)
    taken: set[str] = set()
    for name, table in sheets.items():
        ws = wb.create_sheet(_sheet_title(name, taken))
        if callable(table):
            table(ws, money_format(currency))
        else:
            _write_sheet(ws, table, currency)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


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
