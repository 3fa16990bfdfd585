"""The .xlsx writer: what it writes, a spreadsheet reader reads back — values with their
types, styles and number formats, frozen panes, widths and autofilters."""

from __future__ import annotations

import io
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from planlab.kit.xlsx import STYLES, Sheet, cell_ref, column_letter, xlsx_bytes


def _read(sheets: list[Sheet], money: str = '"€"#,##0'):
    return load_workbook(io.BytesIO(xlsx_bytes(sheets, money)))


def test_column_letters():
    assert [column_letter(j) for j in (1, 26, 27, 52, 53, 702, 703)] == [
        "A",
        "Z",
        "AA",
        "AZ",
        "BA",
        "ZZ",
        "AAA",
    ]
    assert cell_ref(3, 28) == "AB3"


def test_styles_formats_panes_widths_and_filter():
    s = Sheet("Data & more")
    s.put("A1", "name", "header")
    s.put("B1", "amount", "header")
    s.put((2, 1), "=not a formula", "quoted")
    s.put((2, 2), 1234.5, "money")
    s.put((3, 1), "share")
    s.put((3, 2), 0.25, "percent")
    s.put((4, 2), "=B2*B3", "money", formula=True)
    s.put((5, 1), True)
    s.put((5, 2), 7, "integer")
    s.width("A", 30)
    s.autofilter = "A1:B5"
    ws = _read([s])["Data & more"]
    assert ws.freeze_panes == "B2"
    assert ws.auto_filter.ref == "A1:B5"
    assert ws.column_dimensions["A"].width == 30
    assert ws["A1"].font.b and ws["A1"].alignment.wrap_text
    assert ws["A2"].value == "=not a formula" and ws["A2"].data_type == "s"
    assert ws["A2"].quotePrefix
    assert ws["B2"].value == 1234.5 and ws["B2"].number_format == '"€"#,##0'
    assert ws["B3"].number_format == "0.0%"
    assert ws["B4"].value == "=B2*B3" and ws["B4"].data_type == "f"
    assert ws["A5"].value is True and ws["B5"].value == 7
    assert ws["B5"].number_format == "#,##0"


def test_sheets_keep_their_order_and_titles():
    wb = _read([Sheet("b"), Sheet("a 'quoted'"), Sheet("c")])
    assert wb.sheetnames == ["b", "a 'quoted'", "c"]


def test_same_sheets_same_bytes():
    s = Sheet("x")
    s.put("A1", 1.5)
    assert xlsx_bytes([s]) == xlsx_bytes([s])


def test_unknown_style_is_refused():
    with pytest.raises(ValueError, match="unknown cell style"):
        Sheet("x").put("A1", 1, "bold italic")


_values = st.one_of(
    st.text(max_size=40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.booleans(),
    st.none(),
)


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.lists(st.tuples(_values, st.sampled_from(STYLES)), max_size=6), max_size=6))
def test_values_read_back(rows):
    """Every value reads back as written: text without the characters XML cannot hold,
    numbers exactly, non-finite numbers and None as empty cells."""
    s = Sheet("t")
    s.append_rows(rows)
    ws = _read([s])["t"]
    for r, row in enumerate(rows, start=1):
        for c, (value, _) in enumerate(row, start=1):
            got = ws.cell(row=r, column=c).value
            if value is None or (isinstance(value, float) and not math.isfinite(value)):
                assert got is None
            elif isinstance(value, str):
                clean = "".join(
                    ch for ch in value if ch in "\t\n\r" or (ch >= " " and ch not in "\ufffe\uffff")
                )
                clean = clean.replace("\r\n", "\n").replace("\r", "\n")
                assert (got or "") == clean
            else:
                assert got == value and type(got) is type(value)
