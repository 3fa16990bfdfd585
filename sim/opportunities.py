"""CRM opportunity exports: read, validate and normalise one row per opportunity.

The export is read as the scenario's ``[opportunities]`` table describes it
(:mod:`sim.opportunity_spec`: column names, status and kind words, owner
aliases, the file's encoding, delimiter, numbers and dates; presets for
Salesforce and HubSpot). planlab's fields: ``owner`` (the rep), ``account``,
``amount`` (booked value, >= 0), ``created`` and ``closed`` (dates), ``stage``
(free text), ``status`` (won, lost or open) and optionally ``kind`` (new or
expansion).

Every bad row is listed — file, row, column, value, what was expected — before
anything is computed; with ``drop_bad_rows`` bad rows, owners not on the team
and the owners the table drops are left out and listed instead. Two things the
export cannot say are not guessed silently: without a kind, an opportunity is
an expansion when its account had a deal won before it was created, and a
warning says so; an open opportunity's close date is only expected, so it is
kept as ``expected_close`` and never stretches the months the export covers.

The pipeline engine's opportunity ledger converts to the same table
(:func:`ledger_to_opportunities`), so calibration reads either.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from .amounts import NumberFormat, number_format, read_number
from .csvfile import read_table
from .dates import DateOrder, date_order, read_date
from .errors import ScenarioError
from .opportunity_spec import FIELDS, KINDS, STATUSES, OpportunitySpec
from .opportunity_status import UNKNOWN, read_status, status_hint, word_lookup
from .plausible import AMOUNT_MULTIPLE, MAX_CYCLE_DAYS, amount_limit, date_window
from .population import Population
from .problems import Problem, problem_listing

__all__ = [
    "KINDS",
    "REQUIRED",
    "STATUSES",
    "ExportError",
    "OpportunityExport",
    "exposure_months",
    "ledger_to_opportunities",
    "load_opportunities",
    "normalise_opportunities",
    "read_opportunities",
]

#: Fields every export must have (status may come from ``stage`` or the flags instead).
REQUIRED = ("owner", "account", "amount", "created", "closed")
_SETTING = "[opportunities]"


class ExportError(ScenarioError):
    """An export that cannot be used as it is (exit code 2 on the command line)."""


@dataclass(frozen=True)
class OpportunityExport:
    """A read export: the normalised ``table``, the rows left out (``dropped``), what
    was detected about the file (``notes``) and what was inferred (``warnings``)."""

    table: pd.DataFrame
    origin: str
    dropped: tuple[Problem, ...] = ()
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default_factory=tuple)


def exposure_months(table: pd.DataFrame) -> float:
    """Calendar months the close dates of closed opportunities fall in, first to last
    (an export of whole months; 1 when nothing closed)."""
    closed = table["closed"].dropna()
    if closed.empty:
        return 1.0
    first, last = closed.min(), closed.max()
    return float((last.year - first.year) * 12 + last.month - first.month + 1)


def _header(rows: list[list[str]], spec: OpportunitySpec, where: str) -> dict[str, int]:
    """Field -> column index; missing columns stop with the export's own names listed."""
    header = [h.strip() for h in rows[0]]
    index: dict[str, int] = {}
    for i, h in enumerate(header):
        index.setdefault(h.lower(), i)
    col = {
        f: index[spec.column(f).strip().lower()]
        for f in FIELDS
        if spec.column(f).strip().lower() in index
    }
    missing = [f for f in REQUIRED if f not in col]
    has_status = "status" in col or "stage" in col or "won_flag" in col
    if missing or not has_status:
        names = [
            f"{f!r}" + (f" (mapped to {spec.columns[f]!r})" if f in spec.columns else "")
            for f in [*missing, *([] if has_status else ["status"])]
        ]
        hint = ""
        if len(header) == 1 and any(d in header[0] for d in ";\t|"):
            hint = ' The header is one field: declare the delimiter (delimiter = ";").'
        raise ExportError(
            f"{where}: missing column(s) {', '.join(names)}; the export has "
            f"{', '.join(map(repr, header))}. Map them in the scenario's {_SETTING} columns "
            f'table, or set preset = "salesforce" or "hubspot".{hint}'
        )
    return col


class _Rows:
    """Problems of an export, by row (a row with any problem is bad)."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.bad: dict[int, list[Problem]] = {}

    def add(self, lineno: int, column: str, message: str) -> None:
        self.bad.setdefault(lineno, []).append(
            Problem(self.origin, f"row {lineno}", column, message)
        )

    def listed(self) -> list[Problem]:
        return [p for i in sorted(self.bad) for p in self.bad[i]]


@dataclass(frozen=True)
class _Reading:
    """How one export's rows are read: its columns, conventions and team."""

    spec: OpportunitySpec
    col: dict[str, int]
    fmt: NumberFormat
    order: DateOrder
    kinds: dict[str, str]
    known: set[str] | None
    owners: Counter

    def row(self, row: list[str]) -> tuple[dict | None, list[tuple[str, str]]]:
        """One row as a record, and its problems as (field, message); (None, []) for an
        owner the table drops."""
        spec, col = self.spec, self.col

        def cell(f: str) -> str:
            return row[col[f]].strip() if f in col else ""

        said: list[tuple[str, str]] = []
        owner = spec.owners.get(cell("owner"), cell("owner"))
        if owner and owner in spec.drop_owners:
            return None, []
        if not owner:
            said.append(("owner", "empty owner"))
        elif self.known is not None and owner not in self.known:
            n = self.owners[owner]
            said.append(
                (
                    "owner",
                    f"{owner!r} is not a rep of the scenario's team ({n} opportunit"
                    f"{'y' if n == 1 else 'ies'}); map it in {_SETTING} owners or list it "
                    "in drop_owners",
                )
            )
        if not cell("account"):
            said.append(("account", "empty account"))
        word = "status" if "status" in col else "stage"
        status = read_status(
            cell(word),
            cell("won_flag") if "won_flag" in col else None,
            cell("closed_flag") if "closed_flag" in col else None,
            spec,
        )
        if status == UNKNOWN:
            said.append((word, status_hint(cell(word), spec, word)))
            status = None
        elif status.startswith("!"):
            which, _, message = status[1:].partition(":")
            said.append(({"won": "won_flag", "closed": "closed_flag"}.get(which, word), message))
            status = None
        amount = math.nan
        if cell("amount"):
            v = read_number(cell("amount"), self.fmt)
            if isinstance(v, str):
                said.append(("amount", v))
            elif v < 0:
                said.append(("amount", f"{cell('amount')!r} must be a number >= 0"))
            else:
                amount = v
        elif status == "won":
            said.append(("amount", "empty: a won opportunity needs an amount"))
        created = None
        if not cell("created"):
            said.append(("created", "empty: the date the opportunity was created is needed"))
        else:
            d = read_date(cell("created"), self.order)
            if isinstance(d, str):
                said.append(("created", _date_hint(d)))
            else:
                created = d
        closed = expected = None
        if cell("closed"):
            d = read_date(cell("closed"), self.order)
            if isinstance(d, str):
                said.append(("closed", _date_hint(d)))
            elif status == "open":
                expected = d  # an open opportunity's close date is only expected
            else:
                closed = d
                if created is not None and d < created:
                    said.append(
                        ("closed", f"{cell('closed')} is before created ({cell('created')})")
                    )
        elif status in ("won", "lost"):
            said.append(("closed", f"empty: a {status} opportunity needs a close date"))
        kind = None
        if cell("kind"):
            kind = self.kinds.get(cell("kind").lower())
            if kind is None:
                said.append(
                    (
                        "kind",
                        f"{cell('kind')!r} is not a known deal type; list it in {_SETTING} "
                        f"kind_values (new: {', '.join(spec.kind_values['new'][:3])}; "
                        f"expansion: {', '.join(spec.kind_values['expansion'][:3])})",
                    )
                )
        record = {
            "owner": owner,
            "account": cell("account"),
            "amount": amount,
            "created": created,
            "closed": closed,
            "expected_close": expected,
            "stage": cell("stage"),
            "status": status,
            "kind": kind,
        }
        return record, said


def load_opportunities(
    path: str | Path,
    spec: OpportunitySpec | None = None,
    *,
    teams: dict[str, str] | Sequence[str] | None = None,
    drop_bad_rows: bool = False,
) -> OpportunityExport:
    """Read a CRM opportunity export (CSV) as ``spec`` describes it.

    With ``teams`` (rep names), an owner who is not a rep is a bad row. Any bad
    row stops with all of them listed, unless ``drop_bad_rows`` leaves them out.
    """
    spec = spec or OpportunitySpec()
    text = read_table(path, "opportunity export", spec.encoding, spec.delimiter, spec.skip_footer)
    origin, where = str(text.path), text.where()
    col = _header(text.rows, spec, where)
    name = {f: text.rows[0][i].strip() for f, i in col.items()}
    width = len(text.rows[0])
    problems = _Rows(origin)
    declared: list[Problem] = []
    rows: list[tuple[int, list[str]]] = []
    for lineno, row in enumerate(text.rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) != width:
            hint = (
                "; a report footer? set skip_footer"
                if lineno >= len(text.rows) - 5 and sum(1 for c in row if c.strip()) <= 1
                else ""
            )
            problems.add(lineno, "", f"expected {width} fields, got {len(row)}{hint}")
            continue
        rows.append((lineno, row))
    if not rows and not problems.bad:
        raise ExportError(f"{where}: the export has no opportunities")

    def cells(f: str) -> list[tuple[str, str]]:
        return [(f"row {n}", r[col[f]].strip()) for n, r in rows if f in col and r[col[f]].strip()]

    fmt, err = number_format(cells("amount"), spec.decimal, spec.thousands, spec.currency)
    if err:
        raise ExportError(f"{where}: column {name['amount']!r}: {err}")
    order = date_order(
        {name[f]: cells(f) for f in ("created", "closed")},
        spec.date_format,
        f"{_SETTING} date_format",
    )
    if order.error:
        raise ExportError(f"{where}: {order.error}")
    reading = _Reading(
        spec,
        col,
        fmt,
        order,
        word_lookup(spec.kind_values),
        None if teams is None else set(teams),
        Counter(spec.owners.get(r[col["owner"]].strip(), r[col["owner"]].strip()) for _, r in rows),
    )
    records = []
    for lineno, row in rows:
        record, said = reading.row(row)
        if record is None and not said:  # an owner the table drops
            owner = spec.owners.get(row[col["owner"]].strip(), row[col["owner"]].strip())
            declared.append(
                Problem(
                    origin, f"row {lineno}", name["owner"], f"owner {owner!r} is in drop_owners"
                )
            )
        for f, message in said:
            problems.add(lineno, name.get(f, f), message)
        if record is not None and not said:
            records.append({**record, "row": lineno})
    for i, f, message in _implausible(records):
        problems.add(records[i]["row"], name.get(f, f), message)
    records = [r for r in records if r["row"] not in problems.bad]
    notes = [n for n in (text.detected, fmt.note, order.note) if n]
    if text.footer:
        notes.append(f"{len(text.footer)} footer row(s) left out, e.g. {text.footer[0][0]!r}")
    listed = problems.listed()
    if listed and not drop_bad_rows:
        said = "".join(f"\n(read with: {n})" for n in notes[1 if text.detected else 0 :])
        raise ExportError(
            f"{where}: {len(problems.bad)} bad row(s) in the opportunity export; nothing was "
            "computed. Fix them, or re-run with --drop-bad-rows to leave them out:\n"
            + problem_listing(listed)
            + said
        )
    if not records:
        raise ExportError(f"{where}: no usable opportunities; every row is bad or left out")
    won = [r["amount"] for r in records if r["status"] == "won"]
    if len(won) >= 2 and not any(a > 0 for a in won):
        raise ExportError(
            f"{where}: column {name['amount']!r}: all {len(won):,} won opportunities have "
            "amount 0, so no deal size can be fitted; is the column mapped to the right "
            f"field ({_SETTING} columns.amount)?"
        )
    table = normalise_opportunities(pd.DataFrame.from_records(records))
    return OpportunityExport(
        table, origin, tuple([*listed, *declared]), tuple(notes), tuple(_warnings(table, where))
    )


def _implausible(records: list[dict]) -> list[tuple[int, str, str]]:
    """Readable rows whose values no business has (:mod:`sim.plausible`): dates outside
    the export's plausible window, runaway amounts and cycles, as (record, field, message)."""
    window = date_window(
        pd.Series([r[f] for r in records for f in ("created", "closed") if r[f] is not None])
    )
    limit = amount_limit([r["amount"] for r in records])
    out = []
    for i, r in enumerate(records):
        for f in ("created", "closed"):
            when = r[f]
            if window is not None and when is not None and not window.holds(pd.Timestamp(when)):
                out.append(
                    (
                        i,
                        f,
                        f"{pd.Timestamp(when):%Y-%m-%d} is outside the export's plausible dates, "
                        f"{window.said()}; a placeholder date?",
                    )
                )
        if limit is not None and r["amount"] > limit:
            out.append(
                (
                    i,
                    "amount",
                    f"{r['amount']:,.6g} is more than {AMOUNT_MULTIPLE:,} times the median amount "
                    f"({limit / AMOUNT_MULTIPLE:,.0f}); an amount in the wrong unit?",
                )
            )
        if r["created"] is not None and r["closed"] is not None:
            days = (pd.Timestamp(r["closed"]) - pd.Timestamp(r["created"])).days
            if days > MAX_CYCLE_DAYS:
                out.append(
                    (
                        i,
                        "closed",
                        f"a sales cycle of {days:,} days (created {pd.Timestamp(r['created']):%Y-%m-%d}) "
                        f"is longer than the plausible {MAX_CYCLE_DAYS:,} days (5 years)",
                    )
                )
    return out


def _date_hint(message: str) -> str:
    if "read day-first or month-first" in message:
        return message + f'; set {_SETTING} date_format = "%d/%m/%Y" or "%m/%d/%Y"'
    return message


def _warnings(table: pd.DataFrame, where: str) -> list[str]:
    """What the export could not say and was inferred or left aside, with its effect."""
    out = []
    inferred = table["kind_inferred"] & (table["status"] == "won")
    if inferred.any():
        won = table[table["status"] == "won"]
        new = int((won.loc[inferred[won.index], "kind"] == "new").sum())
        out.append(
            f"{where}: no deal kind for {int(inferred.sum())} won opportunities: inferred from "
            f"account history ({new} new, {int(inferred.sum()) - new} expansion). A deal on an "
            "account won before the export begins counts as new, so the fitted new-deal rate "
            "and size are too high and the cross-sell rate too low by as much as such deals "
            f"weigh. Map the export's type column ({_SETTING} columns.kind)."
        )
    open_ = table["expected_close"].dropna()
    if len(open_):
        stretched = exposure_months(
            table.assign(closed=table["closed"].fillna(table["expected_close"]))
        )
        months = exposure_months(table)
        effect = (
            f"counting them would stretch the window from {months:g} to {stretched:g} months "
            f"and lower every fitted deal rate by {1 - months / stretched:.0%}"
            if stretched > months
            else "they fall inside the window the closed ones cover"
        )
        out.append(
            f"{where}: {len(open_)} open opportunities carry expected close dates (up to "
            f"{open_.max():%Y-%m-%d}); they are ignored: {effect}."
        )
    return out


def read_opportunities(
    path: str | Path, spec: OpportunitySpec | None = None, **options
) -> pd.DataFrame:
    """The normalised table of a CRM export (:func:`load_opportunities` without its notes)."""
    return load_opportunities(path, spec, **options).table


def normalise_opportunities(table: pd.DataFrame) -> pd.DataFrame:
    """Types, the ``kind`` of each opportunity (``kind_inferred`` where none was given),
    and ``cycle_days`` (created to closed)."""
    df = table.copy()
    df["created"] = pd.to_datetime(df["created"])
    df["closed"] = pd.to_datetime(df["closed"])
    df["expected_close"] = pd.to_datetime(
        df["expected_close"] if "expected_close" in df else pd.Series(pd.NaT, index=df.index)
    )
    df["amount"] = df["amount"].astype(float)
    df["status"] = pd.Categorical(df["status"], categories=list(STATUSES))
    given = df["kind"] if "kind" in df else pd.Series(None, index=df.index, dtype=object)
    df["kind_inferred"] = given.isna().to_numpy()
    if df["kind_inferred"].any():
        won = df[df["status"] == "won"].groupby("account")["closed"].min()
        first_win = df["account"].map(won)
        inferred = np.where(first_win < df["created"], "expansion", "new")
        df["kind"] = given.astype(object).where(given.notna(), pd.Series(inferred, index=df.index))
    df["kind"] = pd.Categorical(df["kind"], categories=list(KINDS))
    df["cycle_days"] = (df["closed"] - df["created"]).dt.total_seconds() / 86_400.0
    return df.reset_index(drop=True)


def ledger_to_opportunities(
    ledger: pd.DataFrame,
    population: Population,
    start: str = "2027-01-01",
    stages: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The pipeline engine's ledger as an export: one row per opportunity of each
    replication, owners by rep name, dates counted from ``start``, stages by name."""
    t0 = datetime.fromisoformat(start)
    rep_name = np.asarray(population.name, dtype=object)[ledger["rep"].to_numpy()]
    replication = ledger["replication"].astype(str)
    account = np.where(
        ledger["account"] >= 0,
        "A" + ledger["account"].astype(str),
        "P" + ledger["id"].astype(str),
    )
    table = pd.DataFrame(
        {
            "replication": ledger["replication"],
            "owner": rep_name,
            "account": replication + ":" + pd.Series(account, index=ledger.index),
            "amount": ledger["amount"].fillna(0.0),
            "created": [t0 + timedelta(days=float(d)) for d in ledger["created"]],
            "closed": [
                None if math.isnan(d) else t0 + timedelta(days=float(d)) for d in ledger["closed"]
            ],
            "stage": ledger["stage"].map(lambda i: stages[i])
            if stages
            else ledger["stage"].astype(str),
            "status": ledger["status"],
            "kind": ledger["kind"],
        }
    )
    return normalise_opportunities(table)
