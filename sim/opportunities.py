"""CRM opportunity exports: read, validate and normalise one row per opportunity.

Columns: ``owner`` (the rep), ``account``, ``amount`` (booked value, >= 0),
``created`` and ``closed`` (ISO dates; ``closed`` empty while open), ``stage``
(the last stage reached, free text) and ``status`` (``won``, ``lost`` or
``open``). An optional ``kind`` column says ``new`` or ``expansion``; without
it, an opportunity is an expansion when its account had a deal won before it
was created. Errors name the file, the row and the column.

The pipeline engine's opportunity ledger converts to the same table
(:func:`ledger_to_opportunities`), so calibration reads either.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from .csvfile import read_rows
from .errors import ScenarioError
from .population import Population

__all__ = [
    "REQUIRED",
    "STATUSES",
    "ledger_to_opportunities",
    "normalise_opportunities",
    "read_opportunities",
]

REQUIRED = ("owner", "account", "amount", "created", "closed", "stage", "status")
STATUSES = ("won", "lost", "open")
KINDS = ("new", "expansion")


def _date(text: str, where: str) -> datetime:
    """An ISO date or date-time; one with a time zone is read as naive UTC, so that
    every date of an export compares with every other."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ScenarioError(f"{where}: {text!r} is not a date (use YYYY-MM-DD)") from None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def read_opportunities(path: str | Path) -> pd.DataFrame:
    """Read a CRM opportunity export (CSV) into the normalised table."""
    path = Path(path)
    rows = read_rows(path, "opportunity export")
    header = [h.strip().lower() for h in rows[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ScenarioError(
            f"{path}: missing column(s) {', '.join(missing)}; an export needs "
            f"{', '.join(REQUIRED)} (and optionally kind)"
        )
    col = {h: i for i, h in enumerate(header)}
    out: dict[str, list] = {c: [] for c in (*REQUIRED, "kind", "row")}
    for lineno, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(header):
            raise ScenarioError(
                f"{path}: row {lineno}: expected {len(header)} fields, got {len(row)}"
            )

        def cell(name: str, row=row) -> str:
            return row[col[name]].strip()

        def where(name: str, lineno=lineno) -> str:
            return f"{path}: row {lineno}, column {name!r}"

        for name in ("owner", "account", "created", "status"):
            if not cell(name):
                raise ScenarioError(f"{where(name)}: empty")
        status = cell("status").lower()
        if status not in STATUSES:
            raise ScenarioError(
                f"{where('status')}: {cell('status')!r} is not one of won, lost, open"
            )
        text = cell("amount").replace(",", "")
        try:
            amount = float(text) if text else math.nan
        except ValueError:
            raise ScenarioError(f"{where('amount')}: {cell('amount')!r} is not a number") from None
        if math.isnan(amount) and status == "won":
            raise ScenarioError(f"{where('amount')}: a won opportunity needs an amount")
        if amount < 0 or math.isinf(amount):
            raise ScenarioError(f"{where('amount')}: {cell('amount')!r} must be a number >= 0")
        created = _date(cell("created"), where("created"))
        closed = None
        if cell("closed"):
            closed = _date(cell("closed"), where("closed"))
            if closed < created:
                raise ScenarioError(f"{where('closed')}: {cell('closed')} is before created")
        elif status != "open":
            raise ScenarioError(f"{where('closed')}: a {status} opportunity needs a close date")
        kind = cell("kind").lower() if "kind" in col and cell("kind") else None
        if kind is not None and kind not in KINDS:
            raise ScenarioError(f"{where('kind')}: {cell('kind')!r} is not new or expansion")
        for name, v in (
            ("owner", cell("owner")),
            ("account", cell("account")),
            ("amount", amount),
            ("created", created),
            ("closed", closed),
            ("stage", cell("stage")),
            ("status", status),
            ("kind", kind),
            ("row", lineno),
        ):
            out[name].append(v)
    if not out["owner"]:
        raise ScenarioError(f"{path}: the export has no opportunities")
    return normalise_opportunities(pd.DataFrame(out))


def normalise_opportunities(table: pd.DataFrame) -> pd.DataFrame:
    """Types, the ``kind`` of each opportunity, and ``cycle_days`` (created to closed)."""
    df = table.copy()
    df["created"] = pd.to_datetime(df["created"])
    df["closed"] = pd.to_datetime(df["closed"])
    df["amount"] = df["amount"].astype(float)
    df["status"] = pd.Categorical(df["status"], categories=list(STATUSES))
    if "kind" not in df or df["kind"].isna().any():
        won = df[df["status"] == "won"].groupby("account")["closed"].min()
        first_win = df["account"].map(won)
        inferred = np.where(first_win < df["created"], "expansion", "new")
        given = df["kind"] if "kind" in df else pd.Series(None, index=df.index)
        df["kind"] = given.fillna(pd.Series(inferred, index=df.index))
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
