"""The plan history store: every review and check-in, recorded and never overwritten.

Each record holds the plan version (the plan as data), targets, assumptions,
seed, calibration, results, who ran it and when. Records are only ever
inserted: a new review of the same scenario adds the next version. The default
store is a SQLite file; any SQLAlchemy URL works (``postgresql://...``), and a
plain file name means a SQLite file.

A version and its output directory are one unit. :func:`reserve` takes the
next number as *pending* (naming the output directory); the files are written
aside; :func:`commit` marks it recorded and puts the files in place in one
short transaction. The store is locked only for those two short steps, and a
writer waits for a lock at most ``lock_timeout`` seconds. A run killed half-way
leaves a pending version; the next review of the scenario settles it: recorded
if its output directory claims it, else abandoned, and the number of a version
that may have been claimed is never reused. Only recorded versions are listed.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import socket
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd
import sqlalchemy as sa

from sim.errors import ScenarioError
from sim.messages import shorten

from ..kit.failures import EnvironmentFailure, describe_os_error
from ..kit.files import to_json
from ..kit.interrupts import interrupts_deferred
from ..kit.output_dir import Staged, process_alive, read_marker, recover
from .parser import DEFAULT_STORE, LOCK_TIMEOUT

__all__ = [
    "DEFAULT_STORE",
    "LOCK_TIMEOUT",
    "Record",
    "claims",
    "commit",
    "list_records",
    "read_record",
    "record",
    "release",
    "reserve",
    "store_url",
]

#: A pending version reserved on another machine is settled once it is this old.
STALE_AFTER = dt.timedelta(days=1)

_META = sa.MetaData()
REVIEWS = sa.Table(
    "plan_reviews",
    _META,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("scenario", sa.String(200), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),  # review | checkin
    sa.Column("period", sa.String(40), nullable=False),  # the plan year reviewed
    sa.Column("plan_name", sa.String(200), nullable=False),
    sa.Column("scenario_file", sa.Text),
    sa.Column("scenario_sha256", sa.String(64)),
    sa.Column("actuals_source", sa.Text),
    sa.Column("seed", sa.BigInteger),
    sa.Column("trials", sa.Integer),
    sa.Column("plan", sa.Text, nullable=False),  # JSON: the plan as data
    sa.Column("targets", sa.Text, nullable=False),  # JSON: rep -> measure -> annual target
    sa.Column("assumptions", sa.Text, nullable=False),  # JSON
    sa.Column("calibration", sa.Text, nullable=False),  # JSON
    sa.Column("results", sa.Text, nullable=False),  # JSON
    sa.Column("user", sa.String(200), nullable=False),
    sa.Column("created_utc", sa.String(40), nullable=False),
    sa.Column("planlab_version", sa.String(40)),
    # pending | recorded | abandoned (empty in stores older than the column: recorded)
    sa.Column("state", sa.String(20)),
    sa.Column("out_dir", sa.Text),  # the output directory that names this version
    sa.Column("owner", sa.String(300)),  # host:pid of the run that reserved the version
    sa.UniqueConstraint("scenario", "version", name="one_version_per_scenario"),
)
#: Columns added after the first stores were made: added to an older store when it is written.
_ADDED = ("state", "out_dir", "owner")
RECORDED = sa.or_(REVIEWS.c.state.is_(None), REVIEWS.c.state == "recorded")


@dataclass(frozen=True)
class Record:
    """One review or check-in to store (JSON-ready parts are dumped as they are)."""

    scenario: str
    kind: str
    period: str
    plan_name: str
    plan: Any
    targets: Any
    assumptions: Any
    calibration: Any
    results: Any
    seed: int | None = None
    trials: int | None = None
    scenario_file: str | None = None
    scenario_sha256: str | None = None
    actuals_source: str | None = None


def store_url(store: str | Path | None) -> str:
    """A SQLAlchemy URL for ``store``: a URL as is, a file name as a SQLite file."""
    store = str(store or os.environ.get("PLANLAB_HISTORY") or DEFAULT_STORE)  # read per call
    if "://" in store:
        return store
    return f"sqlite:///{Path(store).resolve()}"


def _sqlite_path(url: str) -> Path | None:
    return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None


def _failure(url: str, exc: BaseException, doing: str, timeout: float) -> Exception:
    """A store error as one line: a lock or the machine (exit 1), or a file that is
    not a history store (exit 2)."""
    text = (
        str(getattr(exc, "orig", None) or exc).splitlines()[0] if str(exc) else type(exc).__name__
    )
    low = text.lower()
    if "locked" in low or "busy" in low:
        return EnvironmentFailure(
            f"{url}: the history store is locked by another process; waited {timeout:g} s to "
            f"{doing}. Run again when it has finished, or wait longer with --lock-timeout"
        )
    if "not a database" in low or "malformed" in low or "no such table" in low:
        return ScenarioError(f"{url}: not a planlab history store ({shorten(text, 120)})")
    if isinstance(exc, ImportError | ValueError | sa.exc.ArgumentError):
        return ScenarioError(f"{url}: cannot open the history store ({shorten(text, 120)})")
    return EnvironmentFailure(
        f"{url}: cannot {doing} ({shorten(text, 120)}); check the store's disk and permissions"
    )


def _sqlite_engine(database: str, timeout: float) -> sa.Engine:
    """A SQLite engine on a file name or ``file:`` URI (a name may hold ``?`` or ``#``),
    waiting at most ``timeout`` seconds for another process's lock."""

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(database, timeout=timeout, uri=database.startswith("file:"))

    return sa.create_engine("sqlite://", creator=connect, poolclass=sa.pool.NullPool)


def _engine(store: str | Path | None, timeout: float = LOCK_TIMEOUT) -> sa.Engine:
    """An engine that writes: the store (and its tables and columns) made if missing."""
    url = store_url(store)
    path = _sqlite_path(url)
    try:
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            engine = _sqlite_engine(str(path), timeout)
        else:
            engine = sa.create_engine(url)
        _META.create_all(engine)
        have = {c["name"] for c in sa.inspect(engine).get_columns(REVIEWS.name)}
        with engine.begin() as conn:
            for name in _ADDED:
                if name not in have:
                    column = REVIEWS.c[name]
                    kind = column.type.compile(dialect=engine.dialect)
                    conn.execute(sa.text(f"ALTER TABLE {REVIEWS.name} ADD COLUMN {name} {kind}"))
    except OSError as exc:
        raise EnvironmentFailure(
            f"{url}: cannot make the history store's folder: {describe_os_error(exc)}"
        ) from None
    except (sa.exc.SQLAlchemyError, ImportError, ValueError) as exc:
        raise _failure(url, exc, "open the history store", timeout) from None
    return engine


def _reader(store: str | Path | None) -> tuple[str, sa.Engine | None]:
    """An engine that only reads (a SQLite file is opened read-only), or ``None`` when
    the store holds no history yet."""
    url = store_url(store)
    path = _sqlite_path(url)
    if path is not None:
        if not path.exists():
            raise ScenarioError(f"{url}: no history store there yet (run a review first)")
        # read-only: never writes, not even the tables of a new store
        engine = _sqlite_engine(f"file:{quote(str(path.resolve()))}?mode=ro", LOCK_TIMEOUT)
    else:
        try:
            engine = sa.create_engine(url)
        except (sa.exc.SQLAlchemyError, ImportError, ValueError) as exc:
            raise _failure(url, exc, "read the history", LOCK_TIMEOUT) from None
    try:
        names = sa.inspect(engine).get_table_names()
    except sa.exc.SQLAlchemyError as exc:
        engine.dispose()
        raise _failure(url, exc, "read the history", LOCK_TIMEOUT) from None
    if REVIEWS.name in names:
        return url, engine
    engine.dispose()
    if names:
        raise ScenarioError(f"{url}: not a planlab history store (no {REVIEWS.name} table)")
    return url, None


def _recorded_only(engine: sa.Engine, query: sa.Select) -> sa.Select:
    """``query`` limited to recorded versions (a store older than the state column
    holds nothing else)."""
    have = {c["name"] for c in sa.inspect(engine).get_columns(REVIEWS.name)}
    return query.where(RECORDED) if "state" in have else query


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (some containers)
        return "unknown"


def _owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _owner_gone(owner: str | None, created: str | None) -> bool:
    """Whether the run that reserved a version can no longer finish it."""
    host, _, pid = (owner or "").rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        return not process_alive(int(pid))
    try:
        age = dt.datetime.now(dt.UTC) - dt.datetime.fromisoformat(created or "")
    except ValueError:
        return True
    return age > STALE_AFTER


def claims(out_dir: str | Path | None, scenario: str, version: int) -> bool:
    """Whether the output directory ``out_dir`` holds the files of ``version``."""
    if not out_dir:
        return False
    recover(Path(out_dir))  # a run killed between two renames: the previous output back
    marker = read_marker(Path(out_dir)) or {}
    return marker.get("history") == {"scenario": scenario, "version": version}


def _settle(conn: sa.Connection, scenario: str) -> None:
    """Settle the pending versions of ``scenario`` whose run is gone: recorded if
    their output directory claims them, else abandoned (the number stays taken)."""
    pending = conn.execute(
        sa.select(REVIEWS.c.id, REVIEWS.c.version, REVIEWS.c.out_dir, REVIEWS.c.owner)
        .add_columns(REVIEWS.c.created_utc)
        .where((REVIEWS.c.scenario == scenario) & (REVIEWS.c.state == "pending"))
    ).all()
    for row in pending:
        if not _owner_gone(row.owner, row.created_utc):
            continue
        state = "recorded" if claims(row.out_dir, scenario, row.version) else "abandoned"
        conn.execute(REVIEWS.update().where(REVIEWS.c.id == row.id).values(state=state))


def reserve(
    rec: Record,
    store: str | Path | None = None,
    out_dir: str | Path | None = None,
    lock_timeout: float = LOCK_TIMEOUT,
    attempts: int = 5,
) -> int:
    """Take the next version number of ``rec``'s scenario as pending; return it.

    ``out_dir`` is where its files will be; pending versions of runs that were
    killed are settled first. The store is locked only while the row is added.
    """
    from planlab import __version__

    url = store_url(store)
    engine = _engine(store, lock_timeout)
    row = {
        "scenario": rec.scenario,
        "kind": rec.kind,
        "period": rec.period,
        "plan_name": rec.plan_name,
        "scenario_file": rec.scenario_file,
        "scenario_sha256": rec.scenario_sha256,
        "actuals_source": rec.actuals_source,
        "seed": rec.seed,
        "trials": rec.trials,
        **{k: to_json(getattr(rec, k)) for k in ("plan", "targets", "assumptions")},
        **{k: to_json(getattr(rec, k)) for k in ("calibration", "results")},
        "user": _user(),
        "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "planlab_version": __version__,
        "state": "pending",
        "out_dir": str(Path(out_dir).resolve()) if out_dir is not None else None,
        "owner": _owner(),
    }
    try:
        for _ in range(attempts):  # another writer may take the same version first
            try:
                with engine.begin() as conn:
                    _settle(conn, rec.scenario)
                    top = conn.execute(
                        sa.select(sa.func.max(REVIEWS.c.version)).where(
                            REVIEWS.c.scenario == rec.scenario
                        )
                    ).scalar()
                    version = (top or 0) + 1
                    conn.execute(REVIEWS.insert().values(**row, version=version))
                return version
            except sa.exc.IntegrityError:
                continue
            except sa.exc.SQLAlchemyError as exc:
                raise _failure(url, exc, "add a version", lock_timeout) from None
        raise EnvironmentFailure(f"{url}: could not add a version (busy store); run again")
    finally:
        engine.dispose()


def commit(
    scenario: str,
    version: int,
    store: str | Path | None = None,
    staged: Staged | None = None,
    lock_timeout: float = LOCK_TIMEOUT,
) -> None:
    """Mark a pending version recorded and put its ``staged`` files in place, in one
    transaction: if the commit fails, the files are taken back out (the previous
    output restored) and the version stays pending."""
    url = store_url(store)
    engine = _engine(store, lock_timeout)
    try:
        with engine.connect() as conn:
            trans = conn.begin()
            try:
                conn.execute(  # waits here (Ctrl-C still stops it) for another's lock
                    REVIEWS.update()
                    .where((REVIEWS.c.scenario == scenario) & (REVIEWS.c.version == version))
                    .values(state="recorded")
                )
                with interrupts_deferred():  # the swap and the commit go together
                    if staged is not None:
                        staged.swap()
                    try:
                        trans.commit()
                    except BaseException:
                        if staged is not None:
                            staged.undo()
                        raise
            except BaseException:
                if trans.is_active:
                    trans.rollback()
                raise
    except sa.exc.SQLAlchemyError as exc:
        raise _failure(url, exc, "record the version", lock_timeout) from None
    finally:
        engine.dispose()
    if staged is not None:
        staged.finish()


def release(
    scenario: str, version: int, store: str | Path | None = None, lock_timeout: float = 2.0
) -> None:
    """Give up a pending version this run reserved once its files are gone again: no
    directory claims it, so the number is free. Best effort: a version left pending
    is settled by the next review."""
    try:
        engine = _engine(store, lock_timeout)
    except (ScenarioError, EnvironmentFailure):
        return
    try:
        with engine.begin() as conn:
            conn.execute(
                REVIEWS.delete().where(
                    (REVIEWS.c.scenario == scenario)
                    & (REVIEWS.c.version == version)
                    & (REVIEWS.c.state == "pending")
                )
            )
    except sa.exc.SQLAlchemyError:
        pass
    finally:
        engine.dispose()


def record(
    rec: Record,
    store: str | Path | None = None,
    attempts: int = 5,
    then: Callable[[int], None] | None = None,
    lock_timeout: float = LOCK_TIMEOUT,
) -> int:
    """Add ``rec`` as the next version of its scenario; return the version number.

    ``then(version)`` (e.g. writing the output files that name the version) runs
    between reserving the number and recording it, with the store unlocked: if it
    raises, nothing is recorded.
    """
    version = reserve(rec, store, lock_timeout=lock_timeout, attempts=attempts)
    try:
        if then is not None:
            then(version)
        commit(rec.scenario, version, store, lock_timeout=lock_timeout)
    except BaseException:
        release(rec.scenario, version, store)
        raise
    return version


_LISTED = ("scenario", "version", "kind", "period", "plan_name", "user", "created_utc", "seed")


def list_records(store: str | Path | None = None, scenario: str | None = None) -> pd.DataFrame:
    """Every recorded version (oldest first), with its headline results; reads only."""
    url, engine = _reader(store)
    rows: list = []
    if engine is not None:
        try:
            q = sa.select(*(REVIEWS.c[k] for k in _LISTED), REVIEWS.c.results).order_by(
                REVIEWS.c.scenario, REVIEWS.c.version
            )
            if scenario:
                q = q.where(REVIEWS.c.scenario == scenario)
            q = _recorded_only(engine, q)
            with engine.connect() as conn:
                rows = conn.execute(q).mappings().all()
        except sa.exc.SQLAlchemyError as exc:
            raise _failure(url, exc, "read the history", LOCK_TIMEOUT) from None
        finally:
            engine.dispose()
    out = []
    for r in rows:
        results = json.loads(r["results"])
        head = {**results.get("headline", {}), "currency": results.get("currency")}
        out.append({**{k: r[k] for k in _LISTED}, **head})
    return pd.DataFrame(out, columns=list(_LISTED) if not out else None)


def read_record(scenario: str, version: int, store: str | Path | None = None) -> dict:
    """One recorded version, every part decoded; reads only."""
    url, engine = _reader(store)
    row = None
    if engine is not None:
        try:
            base = [c for c in REVIEWS.c if c.name not in _ADDED]
            q = sa.select(*base).where(
                (REVIEWS.c.scenario == scenario) & (REVIEWS.c.version == version)
            )
            with engine.connect() as conn:
                row = conn.execute(_recorded_only(engine, q)).mappings().first()
        except sa.exc.SQLAlchemyError as exc:
            raise _failure(url, exc, "read the history", LOCK_TIMEOUT) from None
        finally:
            engine.dispose()
    if row is None:
        raise ScenarioError(f"{url}: no version {version} of {scenario!r}")
    out = dict(row)
    for k in ("plan", "targets", "assumptions", "calibration", "results"):
        out[k] = json.loads(out[k])
    return out
