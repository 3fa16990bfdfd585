"""Read a raw actuals table from CSV, Excel, Parquet or a SQL database.

Nothing is interpreted here: cells come back as read (text for CSV, so the
validator sees exactly what the file holds), with the row label each record
has in its source (file line, sheet row or record number) for error messages.
A CSV file is read as the ``[actuals]`` table declares (encoding, delimiter,
footer) or as detected (:mod:`sim.csvfile`); an Excel formula without a saved
value comes back as :class:`Uncached`, never as an empty cell or 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..csvfile import read_table
from ..errors import ScenarioError
from .spec import ActualsSpec

__all__ = ["RawTable", "Uncached", "is_url", "read_source"]

_SUFFIXES = (".csv", ".xlsx", ".xlsm", ".parquet", ".pq")


@dataclass(frozen=True)
class RawTable:
    """Cells as read, and how to name a row in a message (``row_label(i)``)."""

    frame: pd.DataFrame
    origin: str
    row_offset: int  # source row of frame row 0 (2 for a file with a header line)
    row_word: str = "row"
    detected: str = ""  # how the file was read, when that was detected
    broken: dict[int, str] = field(default_factory=dict)  # frame row -> what is wrong with it
    lines: tuple[int, ...] = ()  # each frame row's own row in the source, when not consecutive

    def row_label(self, i: int) -> str:
        return f"{self.row_word} {self.lines[i] if self.lines else i + self.row_offset}"

    def where(self) -> str:
        """The source, and how it was read when that was detected: for messages."""
        return f"{self.origin} ({self.detected})" if self.detected else self.origin


@dataclass(frozen=True)
class Uncached:
    """An Excel formula cell the file holds no computed value for."""

    formula: str

    def __str__(self) -> str:
        return self.formula


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


def _csv(path: Path, spec: ActualsSpec) -> RawTable:
    text = read_table(path, "actuals file", spec.encoding, spec.delimiter, spec.skip_footer)
    header = [h.strip() for h in text.rows[0]]
    body, broken = [], {}
    for row in text.rows[1:]:
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(header):
            broken[len(body)] = f"expected {len(header)} fields, got {len(row)}"
            row = (row + [""] * len(header))[: len(header)]
        body.append(row)
    lines = [i + 2 for i, r in enumerate(text.rows[1:]) if any(c.strip() for c in r)]
    frame = pd.DataFrame(body, columns=header, dtype=object)
    frame.index = pd.RangeIndex(len(frame))
    return RawTable(frame, str(path), 2, detected=text.detected, broken=broken, lines=tuple(lines))


def _excel(path: Path, sheet: str | None) -> RawTable:
    try:
        import openpyxl
    except ImportError:
        raise _missing("openpyxl", None, "Excel files") from None
    try:
        values = openpyxl.load_workbook(path, data_only=True, read_only=True)
        formulas = openpyxl.load_workbook(path, data_only=False, read_only=True)
    except Exception as exc:  # a corrupt workbook raises many kinds of error
        raise ScenarioError(f"{path}: not a readable Excel workbook ({exc})") from None
    try:
        name = sheet or values.sheetnames[0]
        if name not in values.sheetnames:
            raise ScenarioError(
                f"{path}: no sheet {name!r}; the workbook has {', '.join(values.sheetnames)}"
            )
        rows = []
        for vrow, frow in zip(
            values[name].iter_rows(values_only=True),
            formulas[name].iter_rows(values_only=True),
            strict=False,
        ):
            rows.append(
                [
                    Uncached(f) if v is None and isinstance(f, str) and f.startswith("=") else v
                    for v, f in zip(vrow, frow, strict=False)
                ]
            )
    finally:
        values.close()
        formulas.close()
    if not rows:
        raise ScenarioError(f"{path}: sheet is empty")
    header = ["" if h is None else str(h).strip() for h in rows[0]]
    keep = [i for i, h in enumerate(header) if h]
    frame = pd.DataFrame(
        [[r[i] if i < len(r) else None for i in keep] for r in rows[1:]],
        columns=[header[i] for i in keep],
        dtype=object,
    )
    filled = frame.map(lambda v: v is not None and not (isinstance(v, str) and not v.strip()))
    keep = filled.any(axis=1).to_numpy()
    lines = [int(i) + 2 for i in keep.nonzero()[0]]
    frame = frame[keep].reset_index(drop=True)
    return RawTable(frame, str(path), 2, "sheet row", lines=tuple(lines))


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
    except (sa.exc.SQLAlchemyError, pd.errors.DatabaseError, ValueError) as exc:
        # pandas wraps a failed query in its own DatabaseError; say the database's reason.
        reason = str(getattr(exc, "__cause__", None) or exc).splitlines()[0]
        raise ScenarioError(f"{url}: cannot read {what} ({reason})") from None
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
        return _csv(path, spec)
    if suffix in (".xlsx", ".xlsm"):
        return _excel(path, spec.sheet)
    if suffix in (".parquet", ".pq"):
        return _parquet(path)
    raise ScenarioError(
        f"{path}: unknown kind of actuals file; expected one of {', '.join(_SUFFIXES)} "
        "or a SQLAlchemy URL such as sqlite:///actuals.db"
    )
