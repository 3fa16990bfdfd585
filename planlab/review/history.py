"""The plan history store: every review and check-in, recorded and never overwritten.

Each record holds the plan version (the plan as data), targets, assumptions,
seed, calibration, results, who ran it and when. Records are only ever
inserted: a new review of the same scenario adds the next version. A version
is committed only once its output files are written (``record(..., then=...)``
writes them inside the transaction), so no version is left without its files. The
default store is a SQLite file; any SQLAlchemy URL works
(``postgresql://...``), and a plain file name means a SQLite file.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa

from sim.errors import ScenarioError

from ..kit.files import to_json
from .parser import DEFAULT_STORE

__all__ = ["DEFAULT_STORE", "Record", "list_records", "read_record", "record", "store_url"]

#: Where the history lives unless ``--store`` or ``PLANLAB_HISTORY`` says otherwise.


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
    sa.UniqueConstraint("scenario", "version", name="one_version_per_scenario"),
)


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


def _engine(store: str | Path | None) -> sa.Engine:
    url = store_url(store)
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = sa.create_engine(url)
        _META.create_all(engine)
    except (sa.exc.SQLAlchemyError, ImportError, ValueError) as exc:
        raise ScenarioError(
            f"{url}: cannot open the history store ({exc})".splitlines()[0]
        ) from None
    return engine


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (some containers)
        return "unknown"


def record(
    rec: Record,
    store: str | Path | None = None,
    attempts: int = 5,
    then: Callable[[int], None] | None = None,
) -> int:
    """Add ``rec`` as the next version of its scenario; return the version number.

    ``then(version)`` (e.g. writing the output files that name the version) runs
    inside the transaction, before it commits: if it raises, nothing is recorded.
    """
    from planlab import __version__

    engine = _engine(store)
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
    }
    try:
        for _ in range(attempts):  # another writer may take the same version first
            try:
                with engine.begin() as conn:
                    top = conn.execute(
                        sa.select(sa.func.max(REVIEWS.c.version)).where(
                            REVIEWS.c.scenario == rec.scenario
                        )
                    ).scalar()
                    version = (top or 0) + 1
                    conn.execute(REVIEWS.insert().values(**row, version=version))
                    if then is not None:
                        then(version)
                return version
            except sa.exc.IntegrityError:
                continue
            except sa.exc.OperationalError as exc:
                raise ScenarioError(
                    f"{store_url(store)}: could not add a version ({exc.orig})"
                ) from None
        raise ScenarioError(f"{store_url(store)}: could not add a version (busy store)")
    finally:
        engine.dispose()


_LISTED = ("scenario", "version", "kind", "period", "plan_name", "user", "created_utc", "seed")


def list_records(store: str | Path | None = None, scenario: str | None = None) -> pd.DataFrame:
    """Every stored version (oldest first), with its headline results."""
    url = store_url(store)
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        raise ScenarioError(f"{url}: no history store there yet (run a review first)")
    engine = _engine(store)
    try:
        q = sa.select(*(REVIEWS.c[k] for k in _LISTED), REVIEWS.c.results).order_by(
            REVIEWS.c.scenario, REVIEWS.c.version
        )
        if scenario:
            q = q.where(REVIEWS.c.scenario == scenario)
        with engine.connect() as conn:
            rows = conn.execute(q).mappings().all()
    except sa.exc.SQLAlchemyError as exc:
        raise ScenarioError(f"{url}: cannot read the history ({exc})".splitlines()[0]) from None
    finally:
        engine.dispose()
    out = []
    for r in rows:
        head = json.loads(r["results"]).get("headline", {})
        out.append({**{k: r[k] for k in _LISTED}, **head})
    return pd.DataFrame(out, columns=list(_LISTED) if not out else None)


def read_record(scenario: str, version: int, store: str | Path | None = None) -> dict:
    """One stored version, every part decoded."""
    engine = _engine(store)
    try:
        with engine.connect() as conn:
            row = (
                conn.execute(
                    sa.select(REVIEWS).where(
                        (REVIEWS.c.scenario == scenario) & (REVIEWS.c.version == version)
                    )
                )
                .mappings()
                .first()
            )
    except sa.exc.SQLAlchemyError as exc:
        raise ScenarioError(
            f"{store_url(store)}: cannot read the history ({exc})".splitlines()[0]
        ) from None
    finally:
        engine.dispose()
    if row is None:
        raise ScenarioError(f"{store_url(store)}: no version {version} of {scenario!r}")
    out = dict(row)
    for k in ("plan", "targets", "assumptions", "calibration", "results"):
        out[k] = json.loads(out[k])
    return out
