"""Dates and months read from exports, never guessed.

A declared ``date_format`` (``strftime`` codes, e.g. ``"%d/%m/%Y"``) is used as
declared. Without one, ISO dates (``2026-04-14``, with or without a time or a
time zone) and year-first dates read as they are; dates written ``14/04/2026``
or ``04/14/2026`` are read day-first or month-first only when some date in the
file shows which (a day above 12), and a file where every such date could be
read both ways stops with an error naming the column, two example rows and
the setting that settles it. Quarters, months and years (``2025Q1``,
``2025-03``, ``2025``) are periods: never read as a day, and a quarter or a
year is not a month. Years outside :data:`YEARS` are rejected.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pandas as pd

__all__ = [
    "DAY_FIRST",
    "MONTH_FIRST",
    "YEARS",
    "DateOrder",
    "cells",
    "date_order",
    "is_blank",
    "read_date",
    "read_month",
]

#: Years a date of a sales record may have.
YEARS = (1970, 2100)

_NUMERIC = re.compile(
    r"^(\d{1,2})([/.\-])(\d{1,2})\2(\d{4})"
    r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?$"
)
_YEAR_FIRST = re.compile(
    r"^(\d{4})([/.])(\d{1,2})\2(\d{1,2})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
)
_QUARTER = re.compile(r"^(?:(\d{4})\s*-?\s*[Qq]([1-4])|[Qq]([1-4])\s*[-/ ]?\s*(\d{4}))$")
_MONTH = re.compile(r"^(\d{4})\s*[-/.]\s*(\d{1,2})$")
_MONTH_YEAR = re.compile(r"^(\d{1,2})\s*[-/.]\s*(\d{4})$")
_YEAR = re.compile(r"^(?:FY\s*)?(\d{4})$", re.IGNORECASE)
_MONTH_NAMES = {
    m.lower(): i
    for i, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for m in names
}
_NAMED_MONTH = re.compile(r"^([A-Za-z]+)\.?[\s\-/]+(\d{4})$")

DAY_FIRST, MONTH_FIRST = "%d/%m/%Y", "%m/%d/%Y"


def is_blank(value: object) -> bool:
    """An empty cell: None, NaN, NaT or only spaces."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


@dataclass(frozen=True)
class DateOrder:
    """How day-month dates of a file are read: ``format`` is ``None`` (ISO only),
    :data:`DAY_FIRST`, :data:`MONTH_FIRST` or the declared format; ``note`` says
    what was detected; ``error`` is set when the order cannot be told."""

    format: str | None
    declared: bool = False
    note: str = ""
    error: str = ""


def _period_word(text: str) -> str | None:
    """'a quarter', 'a month' or 'a year' when ``text`` is written as one."""
    if _QUARTER.match(text):
        return "a quarter"
    if _MONTH.match(text) or _MONTH_YEAR.match(text) or _NAMED_MONTH.match(text):
        return "a month"
    if _YEAR.match(text):
        return "a year"
    return None


def date_order(
    columns: dict[str, Sequence[tuple[str, object]]], declared: str | None, setting: str
) -> DateOrder:
    """Decide how ``dd/mm`` or ``mm/dd`` dates are read, pooling every date column of a
    file (column -> (row label, cell) pairs). ``setting`` names where the format is
    declared, for the message (e.g. ``[opportunities] date_format``)."""
    if declared:
        return DateOrder(declared, declared=True)
    day: tuple[str, str, str] | None = None
    month: tuple[str, str, str] | None = None
    both: list[tuple[str, str, str]] = []
    for col, cells in columns.items():
        for row, cell in cells:
            if not isinstance(cell, str):
                continue
            m = _NUMERIC.match(cell.strip())
            if not m:
                continue
            a, b = int(m.group(1)), int(m.group(3))
            if a > 12 and b <= 12 and day is None:
                day = (col, row, cell.strip())
            elif b > 12 and a <= 12 and month is None:
                month = (col, row, cell.strip())
            elif a <= 12 and b <= 12 and a != b and len(both) < 2:
                both.append((col, row, cell.strip()))
    if day and month:
        return DateOrder(
            None,
            error=f"column {day[0]!r} has day-first dates ({day[1]}: {day[2]!r}) and "
            f"column {month[0]!r} month-first ones ({month[1]}: {month[2]!r}); "
            f"declare the format with {setting}",
        )
    if day:
        return DateOrder(
            DAY_FIRST, note=f"dates read day-first, detected from {day[1]}: {day[2]!r}"
        )
    if month:
        return DateOrder(
            MONTH_FIRST, note=f"dates read month-first, detected from {month[1]}: {month[2]!r}"
        )
    if both:
        examples = " and ".join(f"{row}: {cell!r}" for _, row, cell in both)
        cols = ", ".join(dict.fromkeys(repr(c) for c, _, _ in both))
        return DateOrder(
            None,
            error=f"column {cols}: dates such as {examples} can be read day-first or "
            f'month-first; set {setting} = "{DAY_FIRST}" or "{MONTH_FIRST}"',
        )
    return DateOrder(None)


def _checked(value: datetime) -> datetime | str:
    if not YEARS[0] <= value.year <= YEARS[1]:
        return f"year {value.year} is not plausible (expected {YEARS[0]} to {YEARS[1]})"
    return value


def _clock(h: str | None, mi: str | None, s: str | None, ampm: str | None) -> tuple[int, ...]:
    if h is None:
        return ()
    hour = int(h)
    if ampm:
        hour = hour % 12 + (12 if ampm.lower() == "pm" else 0)
    return (hour, int(mi), int(s or 0))


def read_date(value: object, order: DateOrder) -> datetime | str:
    """A cell as a naive date-time (UTC when it had a time zone), or what is wrong
    with it as text."""
    if isinstance(value, datetime | pd.Timestamp):
        value = pd.Timestamp(value)
        if value.tzinfo is not None:
            value = value.tz_convert(UTC).tz_localize(None)
        return _checked(value.to_pydatetime())
    if isinstance(value, date):
        return _checked(datetime(value.year, value.month, value.day))
    text = str(value).strip()
    if order.declared:
        for candidate in (text, text.split()[0] if text.split() else text):
            try:
                return _checked(datetime.strptime(candidate, order.format))
            except ValueError:
                continue
        return f"{text!r} does not match the declared date format {order.format!r}"
    word = _period_word(text)
    if word:
        return f"{text!r} is {word}, not a date"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        parsed = None
    if parsed is not None:
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(UTC).replace(tzinfo=None)
        return _checked(parsed)
    m = _YEAR_FIRST.match(text)
    if m:
        y, mo, d = int(m.group(1)), int(m.group(3)), int(m.group(4))
        clock = _clock(m.group(5), m.group(6), m.group(7), None)
    else:
        m = _NUMERIC.match(text)
        if not m:
            return f"{text!r} is not a date"
        a, b, y = int(m.group(1)), int(m.group(3)), int(m.group(4))
        if order.format is None and a != b:
            return f"{text!r} can be read day-first or month-first"
        d, mo = (a, b) if order.format == DAY_FIRST else (b, a)
        clock = _clock(m.group(5), m.group(6), m.group(7), m.group(8))
    try:
        return _checked(datetime(y, mo, d, *clock))
    except ValueError:
        return f"{text!r} is not a date"


def read_month(value: object, order: DateOrder) -> pd.Period | str:
    """A cell as a month (``2026-03``, ``03/2026``, ``Mar 2026`` or any date of it), or
    what is wrong with it; a quarter or a year is not a month."""
    if isinstance(value, str):
        text = value.strip()
        m = _MONTH.match(text)
        m2 = None if m else _MONTH_YEAR.match(text)
        if m or m2:
            y, mo = (
                (int(m.group(1)), int(m.group(2))) if m else (int(m2.group(2)), int(m2.group(1)))
            )
            if not 1 <= mo <= 12:
                return f"{text!r} is not a month (YYYY-MM)"
            if not YEARS[0] <= y <= YEARS[1]:
                return f"year {y} is not plausible (expected {YEARS[0]} to {YEARS[1]})"
            return pd.Period(year=y, month=mo, freq="M")
        m = _NAMED_MONTH.match(text)
        if m and m.group(1).lower() in _MONTH_NAMES:
            y = int(m.group(2))
            if not YEARS[0] <= y <= YEARS[1]:
                return f"year {y} is not plausible (expected {YEARS[0]} to {YEARS[1]})"
            return pd.Period(year=y, month=_MONTH_NAMES[m.group(1).lower()], freq="M")
        word = _period_word(text)
        if word:
            return f"{text!r} is {word}, not a month (YYYY-MM)"
    day = read_date(value, order)
    if isinstance(day, str):
        return day.replace("not a date", "not a month (YYYY-MM)")
    return pd.Period(year=day.year, month=day.month, freq="M")


def cells(values: Iterable[object], labels: Iterable[str]) -> list[tuple[str, object]]:
    """(row label, cell) pairs of a column's non-blank cells, for :func:`date_order`."""
    return [(lab, v) for lab, v in zip(labels, values, strict=True) if not is_blank(v)]
