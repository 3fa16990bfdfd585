"""Reading a user's CSV file (a roster, an opportunity export, actuals) with clear errors.

Exports come as their systems write them: Windows-1252 rather than UTF-8,
semicolons rather than commas, a report footer under the rows. The encoding
and the delimiter are used as declared or else detected, and what was detected
is said (:attr:`CsvText.detected`) so that every message about the file can
repeat it. Missing, unreadable and empty files stop with a
:class:`~sim.errors.ScenarioError` that names the file; rows come back as lists
of strings for the caller to check cell by cell.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .errors import ScenarioError

__all__ = ["DELIMITERS", "CsvText", "read_rows", "read_table"]

#: Delimiters tried when none is declared, in order of preference.
DELIMITERS = (",", ";", "\t", "|")
#: Encodings tried when none is declared: UTF-8 (with or without a byte-order mark),
#: then Windows-1252, the usual setting of Salesforce and of Excel on Windows.
_FALLBACK = "cp1252"
_NAMES = {"utf-8-sig": "UTF-8", "utf-8": "UTF-8", "cp1252": "Windows-1252", "utf-16": "UTF-16"}
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


@dataclass(frozen=True)
class CsvText:
    """A CSV file's rows (header first) and how it was read.

    ``footer`` holds the rows left out at the end (``skip_footer``); ``detected``
    says, in words, what was detected rather than declared (empty if nothing).
    """

    path: Path
    rows: list[list[str]]
    encoding: str
    delimiter: str
    footer: tuple[tuple[str, ...], ...] = ()
    detected: str = ""

    def where(self) -> str:
        """The file, and how it was read when that was detected: for messages."""
        return f"{self.path} ({self.detected})" if self.detected else str(self.path)


def _decode(raw: bytes, path: Path, what: str, encoding: str | None) -> tuple[str, str]:
    """The file's text and the encoding it was read with."""
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ScenarioError(f"{path}: encoding {encoding!r} is not a known encoding") from None
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise ScenarioError(
                f"{path}: row {line}: not {encoding} text (byte {raw[exc.start]:#04x} at offset "
                f"{exc.start}); declare the file's encoding"
            ) from None
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16"), "utf-16"
    if b"\x00" in raw:
        raise ScenarioError(f"{path}: the {what} is not a text file (it holds NUL bytes)")
    try:
        return raw.decode("utf-8-sig"), "utf-8-sig"
    except UnicodeDecodeError as exc:
        first_bad = exc
    try:
        return raw.decode(_FALLBACK), _FALLBACK
    except UnicodeDecodeError:
        line = raw[: first_bad.start].count(b"\n") + 1
        raise ScenarioError(
            f"{path}: row {line}: not UTF-8 or Windows-1252 text (byte "
            f"{raw[first_bad.start]:#04x} at offset {first_bad.start}); declare the "
            'file\'s encoding (encoding = "...")'
        ) from None


class _FieldTooLong(Exception):
    """A field beyond the CSV reader's limit, at ``row`` (1 = the header)."""

    def __init__(self, row: int) -> None:
        super().__init__(row)
        self.row = row


def _parse(text: str, delimiter: str) -> list[list[str]]:
    rows: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows.extend(reader)
    except csv.Error as exc:  # a field over the limit; the reader says nothing else here
        if "field larger than field limit" in str(exc):
            raise _FieldTooLong(len(rows) + 1) from None
        raise
    return rows


def _sniff(text: str) -> str:
    """The delimiter that splits the header and the first rows into the same, largest
    number of fields (a comma when nothing splits)."""
    lines = [ln for ln in text.splitlines() if ln.strip()][:20]
    best, best_fields = ",", 1
    for d in DELIMITERS:
        try:
            counts = [len(r) for r in _parse("\n".join(lines), d)]
        except (_FieldTooLong, csv.Error):
            continue
        if not counts:
            continue
        header = counts[0]
        same = sum(c == header for c in counts)
        if header > best_fields and same >= max(1, (len(counts) + 1) // 2):
            best, best_fields = d, header
    return best


def read_table(
    path: str | Path,
    what: str,
    encoding: str | None = None,
    delimiter: str | None = None,
    skip_footer: int | Literal["auto"] = 0,
) -> CsvText:
    """Read the CSV file at ``path``; ``what`` names it in errors.

    ``skip_footer`` leaves that many non-empty rows out at the end, or with
    ``"auto"`` the trailing rows that have one field or fewer than half the
    header's fields (a report's title, totals and copyright lines).
    """
    path = Path(path)
    if not path.is_file():
        raise ScenarioError(f"{path}: {what} not found")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read the {what} ({exc.strerror})") from None
    text, used = _decode(raw, path, what, encoding)
    said = []
    if encoding is None and used == _FALLBACK:
        said.append("read as Windows-1252, detected: not UTF-8")
    if delimiter is None:
        delimiter = _sniff(text)
        if delimiter != ",":
            said.append(f"{_DELIMITER_NAMES[delimiter]}-separated, detected")
    try:
        rows = _parse(text, delimiter)
    except _FieldTooLong as exc:
        raise ScenarioError(
            f"{path}: row {exc.row}: a field longer than {csv.field_size_limit():,} characters; "
            'an opening quote (") without its closing quote makes the rest of the file one field'
        ) from None
    except csv.Error as exc:
        raise ScenarioError(f"{path}: not a readable CSV file ({exc})") from None
    while rows and not any(c.strip() for c in rows[-1]):
        rows.pop()
    if not rows:
        raise ScenarioError(f"{path}: {what} is empty")
    footer: list[list[str]] = []
    if skip_footer == "auto":
        width = len(rows[0])
        while len(rows) > 1 and (
            sum(1 for c in rows[-1] if c.strip()) <= 1 or len(rows[-1]) < width / 2
        ):
            footer.insert(0, rows.pop())
    elif skip_footer:
        kept = 0
        while len(rows) > 1 and kept < skip_footer:
            row = rows.pop()
            footer.insert(0, row)
            kept += any(c.strip() for c in row)
    while len(rows) > 1 and not any(c.strip() for c in rows[-1]):
        rows.pop()
    return CsvText(
        path,
        rows,
        used,
        delimiter,
        tuple(tuple(r) for r in footer if any(c.strip() for c in r)),
        "; ".join(said),
    )


def encoding_name(encoding: str) -> str:
    """An encoding as people call it (``cp1252`` -> Windows-1252)."""
    return _NAMES.get(encoding, encoding)


def read_rows(path: str | Path, what: str) -> list[list[str]]:
    """Every row of the CSV file at ``path`` (header first); ``what`` names it in errors."""
    return read_table(path, what).rows
