"""Read a raw actuals table from CSV, Excel, Parquet or a SQL database.

Nothing is interpreted here: cells come back as read (text for CSV, so the
validator sees exactly what the file holds), with the row label each record
has in its source (file line, sheet row or record number) for error messages.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import ScenarioError
from .spec import ActualsSpec

__all__ = ["RawTable", "is_url", "read_source"]

_SUFFIXES = (".csv", ".xlsx", ".xlsm", ".parquet", ".pq")


@dataclass(frozen=True)
class RawTable:
    """Cells as read, and how to name a row in a message (``row_label(i)``)."""

    frame: pd.DataFrame
    origin: str
    row_offset: int  # source row of frame row 0 (2 for a file with a header line)
    row_word: str = "row"

    def row_label(self, i: int) -> str:
        return f"{self.row_word} {i + self.row_offset}"


def is_url(source: str) -> bool:
    """A SQLAlchemy URL (``dialect[+driver]://...``) rather than a file name."""
    head = source.split("://", 1)[0]
    return "://" in source and head.replace("+", "").replace("_", "").isalnum()


def _missing(package: str, extra: str | None, what: str) -> ScenarioError:
    how = (
        f"`pip install planlab[{extra}]` (or `pip install {package}`)"
        if extra
        else (f"`pip install {package}`")
    )
    return ScenarioError(f"reading {what} needs the {package} package; install it with {how}")


def _csv(path: Path) -> RawTable:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ScenarioError(
            f"{path}: row {line}: not UTF-8 text (byte {raw[exc.start]:#04x} at offset "
            f"{exc.start}); save the file as UTF-8"
        ) from None
    try:
        frame = pd.read_csv(
            io.StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=True
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ScenarioError(f"{path}: not a readable CSV table ({exc})") from None
    return RawTable(frame, str(path), 2)


def _excel(path: Path, sheet: str | None) -> RawTable:
    try:
        import openpyxl  # noqa: F401
    except ImportError:
        raise _missing("openpyxl", None, "Excel files") from None
    try:
        frame = pd.read_excel(path, sheet_name=sheet or 0, dtype=object)
    except ValueError as exc:
        raise ScenarioError(f"{path}: {exc}") from None
    except Exception as exc:  # a corrupt workbook raises many kinds of error
        raise ScenarioError(f"{path}: not a readable Excel workbook ({exc})") from None
    frame = frame.dropna(how="all")
    return RawTable(frame.reset_index(drop=True), str(path), 2, "sheet row")


def _parquet(path: Path) -> RawTable:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise _missing("pyarrow", "parquet", "Parquet files") from None
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises its own error types
        raise ScenarioError(f"{path}: not a readable Parquet file ({exc})") from None
    return RawTable(frame.reset_index(drop=True), str(path), 1, "record")


def _sql(url: str, table: str | None, query: str | None) -> RawTable:
    import sqlalchemy as sa

    if not (table or query):
        raise ScenarioError(f"{url}: name a table or a query to read the actuals from")
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        # SQLite would create an empty database; a mistyped path is an error, not a file.
        raise ScenarioError(f"{url}: no SQLite database there")
    try:
        engine = sa.create_engine(url)
    except Exception as exc:  # unknown dialect, missing driver
        raise ScenarioError(f"{url}: cannot open the database ({exc})") from None
    what = f"table {table!r}" if table else "the query"
    try:
        with engine.connect() as conn:
            if table:
                frame = pd.read_sql_table(table, conn)
            else:
                frame = pd.read_sql_query(sa.text(query), conn)
    except (sa.exc.SQLAlchemyError, ValueError) as exc:
        raise ScenarioError(f"{url}: cannot read {what} ({exc})".splitlines()[0]) from None
    finally:
        engine.dispose()
    return RawTable(frame, f"{url} ({what})", 1, "record")


def read_source(
    source: str,
    spec: ActualsSpec,
    base_dir: Path | None = None,
    table: str | None = None,
    query: str | None = None,
) -> RawTable:
    """The raw table behind ``source`` (a file name or a SQLAlchemy URL)."""
    if is_url(source):
        return _sql(source, table or spec.table, query or spec.query)
    path = Path(source)
    if not path.is_absolute() and base_dir is not None and not path.exists():
        path = base_dir / path
    if not path.is_file():
        raise ScenarioError(f"{source}: actuals file not found")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _csv(path)
    if suffix in (".xlsx", ".xlsm"):
        return _excel(path, spec.sheet)
    if suffix in (".parquet", ".pq"):
        return _parquet(path)
    raise ScenarioError(
        f"{path}: unknown kind of actuals file; expected one of {', '.join(_SUFFIXES)} "
        "or a SQLAlchemy URL such as sqlite:///actuals.db"
    )
