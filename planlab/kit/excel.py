"""Excel workbooks of a run: the tables finance and leadership read, one sheet each.

Cells keep their types (numbers stay numbers, with a number format chosen by
:func:`planlab.report.column_kind`); header rows and index columns are frozen.
Text that a spreadsheet would read as a formula (starting with ``= + - @``) is
stored as text with a quote prefix, never as a formula.
"""

from __future__ import annotations

import io
import math
import numbers
import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .files import FORMULA_START
from .format import column_kind
from .html import METRIC_INDEX

__all__ = ["FORMATS", "facts_sheet", "workbook_bytes", "write_workbook"]

FORMATS = {"percent": "0.0%", "money": "#,##0", "number": "0.000", "integer": "#,##0"}
_HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def _set(cell: Cell, value: object, kind: str | None = None) -> None:
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
        cell.number_format = FORMATS[kind or "number"]
        return
    text = str(value)
    cell.value = text
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


def _write_sheet(ws, table: pd.DataFrame | pd.Series) -> None:
    df = _frame(table)
    plain_index = isinstance(df.index, pd.RangeIndex) and df.index.names == [None]
    index_names = [] if plain_index else [n or "" for n in df.index.names]
    by_row = df.index.names[-1] == METRIC_INDEX
    index_kinds = [column_kind(n) for n in index_names]
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
            _set(ws.cell(row=i + 2, column=j), v, k)
            if isinstance(v, str):
                widths[j - 1] = max(widths[j - 1], min(40, len(v) + 2))
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = w
    ws.freeze_panes = ws.cell(row=2, column=len(index_names) + 1)


def workbook_bytes(sheets: Mapping[str, pd.DataFrame | pd.Series]) -> bytes:
    """The workbook (one sheet per table, in order) as ``.xlsx`` bytes."""
    wb = Workbook()
    wb.remove(wb.active)
    taken: set[str] = set()
    for name, table in sheets.items():
        _write_sheet(wb.create_sheet(_sheet_title(name, taken)), table)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_workbook(path: str | Path, sheets: Mapping[str, pd.DataFrame | pd.Series]) -> Path:
    """Write ``sheets`` (sheet name -> table) to the workbook at ``path``."""
    path = Path(path)
    path.write_bytes(workbook_bytes(sheets))
    return path


def facts_sheet(facts: dict[str, object]) -> pd.DataFrame:
    return pd.DataFrame({"value": list(facts.values())}, index=pd.Index(facts, name="item"))
