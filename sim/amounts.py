"""Amounts read from exports: decimal and thousands separators, currency marks.

``63,327.00``, ``63.327,00``, ``USD 63,327.00``, ``63 327,00 €`` and ``$63,327``
are one amount once the file's conventions are known. A declared decimal
separator, thousands separator or currency is used as declared; otherwise the
decimal separator is detected from a cell that shows it (``1.234,56`` or
``12,5``: a comma; ``1,234.56``: a point; the point when no cell tells) and the
currency from the marks the cells carry, which must be one currency. What was
detected is said in :attr:`NumberFormat.note`; cells that break the
conventions are errors, never read another way.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["PLAIN", "SYMBOLS", "NumberFormat", "number_format", "read_number"]

#: Currency symbols and the ISO codes they stand for.
SYMBOLS = {"$": "USD", "US$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "CHF": "CHF"}
_MARK = r"(?:[A-Z]{3}|US\$|[$€£¥₹])"
_CELL = re.compile(
    rf"^(?P<pre>{_MARK})?\s*(?P<num>[-+(]?\s*[\d.,'\s\u00a0\u202f]+\)?)\s*(?P<post>{_MARK})?$"
)
_COMMA_DECIMAL = re.compile(r"^\d{1,3}(?:[.\s\u00a0\u202f']\d{3})+,\d+$|^\d+,\d{1,2}$|^\d+,\d{4,}$")
_POINT_DECIMAL = re.compile(
    r"^\d{1,3}(?:[,\s\u00a0\u202f']\d{3})+\.\d+$|^\d+\.\d{1,2}$|^\d+\.\d{4,}$"
)
#: Plain decimal text (``1234.5``, ``-1e6``) that ``float`` reads exactly as meant.
PLAIN = re.compile(r"^[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?$")
_SPACES = " \u00a0\u202f"


@dataclass(frozen=True)
class NumberFormat:
    """How a file writes amounts, and what of it was detected."""

    decimal: str = "."
    thousands: str | None = None  # None: the other of , and . as well as spaces and '
    currency: str | None = None
    note: str = ""

    def grouping(self) -> str:
        if self.thousands is not None:
            return self.thousands
        return ("," if self.decimal == "." else ".") + _SPACES + "'"


def _code(mark: str | None) -> str | None:
    if mark is None:
        return None
    return SYMBOLS.get(mark, mark)


def _split(text: str) -> tuple[str | None, str] | None:
    m = _CELL.match(text.strip())
    if not m or (m.group("pre") and m.group("post")):
        return None
    return _code(m.group("pre") or m.group("post")), m.group("num").strip()


def number_format(
    cells: Sequence[tuple[str, str]],
    decimal: str | None = None,
    thousands: str | None = None,
    currency: str | None = None,
) -> tuple[NumberFormat, str]:
    """The conventions of a column of amount cells ((row label, text) pairs) and an
    error when they cannot be told (else ``""``)."""
    said = []
    if decimal is None and thousands in (",", "."):
        decimal = "," if thousands == "." else "."
    comma = point = None
    marks: Counter = Counter()
    for row, text in cells:
        if PLAIN.match(text):  # no currency mark; a point is the only separator
            if point is None and decimal is None and _POINT_DECIMAL.match(text.lstrip("-+")):
                point = (row, text)
            continue
        parts = _split(text)
        if parts is None:
            continue
        if parts[0]:
            marks[parts[0]] += 1
        num = parts[1].strip("-+() ")
        if comma is None and _COMMA_DECIMAL.match(num):
            comma = (row, text)
        elif point is None and _POINT_DECIMAL.match(num):
            point = (row, text)
    if decimal is None:
        if comma and point:
            return NumberFormat(), (
                f"amounts with a decimal comma ({comma[0]}: {comma[1]!r}) and a decimal point "
                f'({point[0]}: {point[1]!r}); declare decimal = "," or "."'
            )
        decimal = "," if comma else "."
        if comma:
            said.append(f"decimal comma detected from {comma[0]}: {comma[1]!r}")
    if currency is None and marks:
        currency = marks.most_common(1)[0][0]
        said.append(f"amounts in {currency}, detected")
    return NumberFormat(decimal, thousands, currency, "; ".join(said)), ""


def read_number(text: str, fmt: NumberFormat) -> float | str:
    """A cell as a number, or what is wrong with it as text."""
    raw = text.strip()
    if fmt.decimal == "." and PLAIN.match(raw):
        value = float(raw)
        return f"{raw!r} is not a finite number" if math.isinf(value) else value
    parts = _split(raw)
    if parts is None:
        return f"{raw!r} is not a number"
    mark, num = parts
    if mark is not None and mark != _code(fmt.currency):
        if fmt.currency is None:
            return f"{raw!r} is not a number"
        return f"{raw!r} is in {mark}, not {fmt.currency} like the other amounts"
    negative = num.startswith(("-", "(")) and (num[0] == "-" or num.endswith(")"))
    num = num.strip("-+() ")
    if not num:
        return f"{raw!r} is not a number"
    grouping = fmt.grouping()
    body, _, frac = num.partition(fmt.decimal) if fmt.decimal in num else (num, "", "")
    if not frac.isdigit() and frac != "":
        return f"{raw!r} is not a number (decimal separator {fmt.decimal!r})"
    groups = re.split("[" + re.escape(grouping) + "]", body) if grouping else [body]
    if len(groups) > 1 and not (1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])):
        return f"{raw!r} is not a number (decimal separator {fmt.decimal!r})"
    digits = "".join(groups)
    if not digits.isdigit():
        return f"{raw!r} is not a number (decimal separator {fmt.decimal!r})"
    value = float(digits + ("." + frac if frac else ""))
    if math.isinf(value):
        return f"{raw!r} is not a finite number"
    return -value if negative else value
