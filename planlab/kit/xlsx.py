"""A small ``.xlsx`` writer for planlab's workbooks: sheets of typed cells in a fixed
set of styles, column widths, frozen panes and autofilters.

Why not openpyxl: it spends about 10 µs serialising each cell, which made the
workbook the largest part of writing a command's outputs (a sweep's 20,000 cells
took longer than its report). planlab's sheets need only what is here: numbers,
text, booleans and live formulas, a dozen styles, widths, panes and filters; the
XML is the Office Open XML SpreadsheetML that Excel, LibreOffice and openpyxl read.
Reading workbooks (actuals, the tests) still uses openpyxl.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

__all__ = ["STYLES", "Sheet", "cell_ref", "column_letter", "xlsx_bytes"]

#: Number formats of the styles below; the money format is the workbook's own.
_PERCENT, _NUMBER, _INTEGER = "0.0%", "#,##0.00", "#,##0"

#: Style name -> (number format id, font id, fill id, alignment, quote prefix).
#: Number formats 164.. are declared in styles.xml (164 money, 165 percent, 166 number,
#: 167 integer); fonts: 0 plain, 1 bold, 2 bold and larger; fills: 2 header, 3 input.
_XF: dict[str, tuple[int, int, int, str, bool]] = {
    "plain": (0, 0, 0, "", False),
    "header": (0, 1, 2, '<alignment vertical="bottom" wrapText="1"/>', False),
    "bold": (0, 1, 0, "", False),
    "title": (0, 2, 0, "", False),
    "percent": (165, 0, 0, "", False),
    "money": (164, 0, 0, "", False),
    "number": (166, 0, 0, "", False),
    "integer": (167, 0, 0, "", False),
    "wrap": (0, 0, 0, '<alignment vertical="top" wrapText="1"/>', False),
    "wrap_only": (0, 0, 0, '<alignment wrapText="1"/>', False),
    "quoted": (0, 0, 0, "", True),
    "quoted_wrap": (0, 0, 0, '<alignment vertical="top" wrapText="1"/>', True),
    "input_percent": (165, 0, 3, "", False),
}
#: The style names a cell may take.
STYLES = tuple(_XF)
_STYLE_ID = {name: i for i, name in enumerate(_XF)}

# Characters XML 1.0 cannot hold (control characters other than tab and line breaks).
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def column_letter(j: int) -> str:
    """The letters of 1-based column ``j``: 1 -> A, 27 -> AA."""
    letters = ""
    while j > 0:
        j, r = divmod(j - 1, 26)
        letters = chr(65 + r) + letters
    return letters


def cell_ref(row: int, col: int) -> str:
    return f"{column_letter(col)}{row}"


def _row_col(ref: str) -> tuple[int, int]:
    m = re.fullmatch(r"([A-Z]+)(\d+)", ref)
    if m is None:
        raise ValueError(f"not a cell reference: {ref!r}")
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)), col


@dataclass
class Sheet:
    """One sheet: cells by (row, column), 1-based, each a value and a style name.

    A value is a number, a bool, text, ``None`` (an empty cell) or a formula (text
    starting with ``=``, written with ``formula=True`` only: text is never read as one).
    """

    title: str
    cells: dict[tuple[int, int], tuple[object, str, bool]] = field(default_factory=dict)
    widths: dict[int, float] = field(default_factory=dict)
    freeze: str | None = "B2"
    autofilter: str | None = None

    def put(
        self,
        where: str | tuple[int, int],
        value: object,
        style: str = "plain",
        formula: bool = False,
    ) -> None:
        """Set one cell (``"B3"`` or ``(row, column)``) to ``value`` in ``style``."""
        if style not in _STYLE_ID:
            raise ValueError(f"unknown cell style {style!r}; styles: {', '.join(STYLES)}")
        rc = _row_col(where) if isinstance(where, str) else where
        self.cells[rc] = (value, style, formula)

    def append_rows(self, rows: Iterable[Iterable[tuple[object, str]]], first: int = 1) -> None:
        """Cells row by row from row ``first``: each row a sequence of (value, style)."""
        cells = self.cells
        for r, row in enumerate(rows, start=first):
            for c, (value, style) in enumerate(row, start=1):
                cells[(r, c)] = (value, style, False)

    def width(self, col: int | str, width: float) -> None:
        j = _row_col(f"{col}1")[1] if isinstance(col, str) else col
        self.widths[j] = width


def _cell_xml(ref: str, value: object, style: str, formula: bool) -> str:
    s = _STYLE_ID[style]
    attr = f' s="{s}"' if s else ""
    if value is None:
        return f'<c r="{ref}"{attr}/>' if s else ""
    if formula:
        return f'<c r="{ref}"{attr}><f>{escape(str(value)[1:])}</f></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}"{attr} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int):
        return f'<c r="{ref}"{attr}><v>{value}</v></c>'
    if isinstance(value, float):
        if not math.isfinite(value):
            return f'<c r="{ref}"{attr}/>' if s else ""
        return f'<c r="{ref}"{attr}><v>{value!r}</v></c>'
    text = escape(_ILLEGAL.sub("", str(value)))
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c r="{ref}"{attr} t="inlineStr"><is><t{space}>{text}</t></is></c>'


def _sheet_xml(sheet: Sheet) -> str:
    out = [_DECL, f'<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">']
    if sheet.cells:
        last_row = max(r for r, _ in sheet.cells)
        last_col = max(c for _, c in sheet.cells)
        out.append(f'<dimension ref="A1:{cell_ref(last_row, last_col)}"/>')
    out.append('<sheetViews><sheetView workbookViewId="0">')
    if sheet.freeze:
        row, col = _row_col(sheet.freeze)
        split = ""
        if col > 1:
            split += f' xSplit="{col - 1}"'
        if row > 1:
            split += f' ySplit="{row - 1}"'
        pane = {(True, True): "bottomRight", (True, False): "topRight"}.get(
            (col > 1, row > 1), "bottomLeft"
        )
        out.append(
            f'<pane{split} topLeftCell="{sheet.freeze}" activePane="{pane}" state="frozen"/>'
            f'<selection pane="{pane}" activeCell="{sheet.freeze}" sqref="{sheet.freeze}"/>'
        )
    out.append('</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>')
    if sheet.widths:
        out.append("<cols>")
        for j in sorted(sheet.widths):
            out.append(f'<col min="{j}" max="{j}" width="{sheet.widths[j]:g}" customWidth="1"/>')
        out.append("</cols>")
    out.append("<sheetData>")
    rows: dict[int, list[tuple[int, tuple[object, str, bool]]]] = {}
    for (r, c), cell in sheet.cells.items():
        rows.setdefault(r, []).append((c, cell))
    for r in sorted(rows):
        cells = "".join(_cell_xml(f"{column_letter(c)}{r}", *cell) for c, cell in sorted(rows[r]))
        out.append(f'<row r="{r}">{cells}</row>')
    out.append("</sheetData>")
    if sheet.autofilter:
        out.append(f'<autoFilter ref="{sheet.autofilter}"/>')
    out.append("</worksheet>")
    return "".join(out)


def _styles_xml(money: str) -> str:
    formats = [money, _PERCENT, _NUMBER, _INTEGER]
    num_fmts = "".join(
        f'<numFmt numFmtId="{164 + i}" formatCode={quoteattr(f)}/>' for i, f in enumerate(formats)
    )
    fonts = (
        '<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
        '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
        '<font><b/><sz val="13"/><name val="Calibri"/><family val="2"/></font>'
    )
    fills = (
        '<fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill>'
        '<fill><patternFill patternType="solid"><fgColor rgb="FFDDE6F0"/></patternFill></fill>'
        '<fill><patternFill patternType="solid"><fgColor rgb="FFFFF2CC"/></patternFill></fill>'
    )
    xfs = []
    for fmt, font, fill, align, quote in _XF.values():
        attrs = f'numFmtId="{fmt}" fontId="{font}" fillId="{fill}" borderId="0" xfId="0"'
        attrs += ' applyNumberFormat="1"' if fmt else ""
        attrs += ' applyFont="1"' if font else ""
        attrs += ' applyFill="1"' if fill else ""
        attrs += ' applyAlignment="1"' if align else ""
        attrs += ' quotePrefix="1"' if quote else ""
        xfs.append(f"<xf {attrs}>{align}</xf>" if align else f"<xf {attrs}/>")
    return (
        f'{_DECL}<styleSheet xmlns="{_MAIN}">'
        f'<numFmts count="{len(formats)}">{num_fmts}</numFmts>'
        f'<fonts count="3">{fonts}</fonts><fills count="4">{fills}</fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        f'</cellStyleXfs><cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    )


def xlsx_bytes(sheets: list[Sheet], money_format: str = _INTEGER) -> bytes:
    """The workbook of ``sheets`` (titles unique, at most 31 characters) as ``.xlsx``
    bytes; cells in the ``money`` style read with ``money_format``."""
    n = len(sheets)
    types = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, n + 1)
    )
    content_types = (
        f'{_DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/'
        'vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        f"{types}</Types>"
    )
    root_rels = (
        f'{_DECL}<Relationships xmlns="{_PKG_REL}">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    entries = "".join(
        f'<sheet name={quoteattr(s.title)} sheetId="{i}" r:id="rId{i}"/>'
        for i, s in enumerate(sheets, start=1)
    )
    names = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
        f"{escape(_quoted(s.title))}!{_absolute(s.autofilter)}</definedName>"
        for i, s in enumerate(sheets)
        if s.autofilter
    )
    workbook = (
        f'{_DECL}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
        '<bookViews><workbookView activeTab="0"/></bookViews>'
        f"<sheets>{entries}</sheets>"
        + (f"<definedNames>{names}</definedNames>" if names else "")
        + '<calcPr calcId="191029" fullCalcOnLoad="1"/></workbook>'
    )
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, n + 1)
    )
    workbook_rels = (
        f'{_DECL}<Relationships xmlns="{_PKG_REL}">{rels}'
        f'<Relationship Id="rId{n + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
        "</Relationships>"
    )
    parts = {
        "[Content_Types].xml": content_types,
        "_rels/.rels": root_rels,
        "xl/workbook.xml": workbook,
        "xl/_rels/workbook.xml.rels": workbook_rels,
        "xl/styles.xml": _styles_xml(money_format),
    }
    for i, sheet in enumerate(sheets, start=1):
        parts[f"xl/worksheets/sheet{i}.xml"] = _sheet_xml(sheet)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():  # a fixed date: same tables, same bytes
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, text.encode("utf-8"))
    return buf.getvalue()


def _quoted(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def _absolute(ref: str) -> str:
    """``A1:C9`` as ``$A$1:$C$9``."""
    return ":".join(re.sub(r"([A-Z]+)(\d+)", r"$\1$\2", part) for part in ref.split(":"))
