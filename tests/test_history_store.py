"""The history store and the output directory as one unit: whatever is killed or locked
when, a version and its directory agree, old output is never lost, and store errors are
one line."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

import planlab.review.command as review_command
from planlab.cli import main
from planlab.kit.failures import EnvironmentFailure
from planlab.kit.output_dir import read_marker
from planlab.review.history import Record, list_records, read_record, record, reserve
from sim import ScenarioError
from tests.conftest import ROOT

EXAMPLE = ROOT / "scenarios" / "review_example.toml"


def run(args, capsys):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def rec(v: int = 1) -> Record:
    return Record("S", "review", "FY2025", "p", {}, {}, {}, {}, {"headline": {"v": v}})


def checkin_args(out: Path, store: Path, *more) -> list:
    return [
        "checkin",
        EXAMPLE,
        "--drop-bad-rows",
        "--trials",
        40,
        "--store",
        store,
        "--out",
        out,
        "--quiet",
        *more,
    ]


def snapshot(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


class Lock:
    """Another process's lock on a SQLite store: a second connection holding an
    exclusive transaction in a thread, for ``seconds`` (or until released)."""

    def __init__(self, path: Path, seconds: float = 60.0):
        self.path, self.seconds = path, seconds
        self.held, self.release = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._hold, daemon=True)

    def _hold(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.execute("BEGIN EXCLUSIVE")
        self.held.set()
        self.release.wait(self.seconds)
        conn.execute("ROLLBACK")
        conn.close()

    def __enter__(self):
        self.thread.start()
        assert self.held.wait(30)
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.thread.join(30)


def test_a_locked_store_waits_the_stated_time_then_says_so(tmp_path):
    store = tmp_path / "h.sqlite"
    assert record(rec(1), store) == 1
    with Lock(store):
        t0 = time.monotonic()
        with pytest.raises(EnvironmentFailure, match="locked by another process") as exc:
            record(rec(2), store, lock_timeout=0.5)
        assert time.monotonic() - t0 >= 0.5
    assert "0.5 s" in str(exc.value) and "--lock-timeout" in str(exc.value)
    assert list_records(store)["version"].tolist() == [1]
    assert record(rec(2), store) == 2  # the lock gone, the next writer goes on


def test_a_writer_waits_for_a_lock_released_within_its_timeout(tmp_path):
    store = tmp_path / "h.sqlite"
    record(rec(1), store)
    lock = Lock(store, seconds=1.0)
    with lock:
        assert record(rec(2), store, lock_timeout=30) == 2


def test_the_store_is_unlocked_while_the_files_are_written(tmp_path):
    """The lock is held for the commit alone: another writer gets in meanwhile."""
    store = tmp_path / "h.sqlite"
    record(rec(1), store)
    seen = []

    def meanwhile(version: int) -> None:
        conn = sqlite3.connect(store, timeout=0, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")  # fails at once if the store were locked
        conn.execute("ROLLBACK")
        conn.close()
        seen.append(version)

    assert record(rec(2), store, then=meanwhile) == 2 and seen == [2]


def test_review_force_with_a_locked_store_keeps_the_old_output(tmp_path, capsys):
    """The issue's case: --force while another process holds the store deleted the
    previous output and left nothing. Now: exit 1, the previous output untouched."""
    out, store = tmp_path / "R", tmp_path / "h.sqlite"
    code, _, err = run(checkin_args(out, store), capsys)
    assert code == 0, err
    before = snapshot(out)
    with Lock(store):
        code, _, err = run(checkin_args(out, store, "--force", "--lock-timeout", 0.5), capsys)
    assert code == 1 and "locked" in err and str(store) in err and "Traceback" not in err
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["R", "h.sqlite"]
    assert list_records(store)["version"].tolist() == [1]


def test_a_lock_taken_while_the_files_are_written_restores_the_old_output(
    tmp_path, capsys, monkeypatch
):
    """The store locked between reserving the number and recording it: the new files
    are never put in place, and the version is not listed."""
    out, store = tmp_path / "R", tmp_path / "h.sqlite"
    assert run(checkin_args(out, store), capsys)[0] == 0
    before = snapshot(out)
    real_stage = review_command.stage
    lock = Lock(store)

    def stage_then_lock(*a, **k):
        staged = real_stage(*a, **k)
        lock.__enter__()
        return staged

    monkeypatch.setattr(review_command, "stage", stage_then_lock)
    try:
        code, _, err = run(checkin_args(out, store, "--force", "--lock-timeout", 0.5), capsys)
    finally:
        lock.__exit__()
        monkeypatch.setattr(review_command, "stage", real_stage)
    assert code == 1 and "locked" in err and "Traceback" not in err
    assert snapshot(out) == before and read_marker(out)["history"]["version"] == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["R", "h.sqlite"]
    assert list_records(store)["version"].tolist() == [1]
    code, _, err = run(checkin_args(out, store, "--force"), capsys)
    assert code == 0, err
    assert read_marker(out)["history"]["version"] == 3  # version 2 was taken, never reused
    assert list_records(store)["version"].tolist() == [1, 3]


def _killed_checkin(out: Path, store: Path, patch: str) -> None:
    args = [str(a) for a in checkin_args(out, store, "--force")]
    script = (
        f"import os, sys\nsys.path.insert(0, {str(ROOT)!r})\n"
        + textwrap.dedent(patch)
        + f"\nfrom planlab.cli import main\nmain({args!r})\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=600)
    assert proc.returncode == 9, proc.stderr.decode()[-2000:]


def _state(store: Path) -> list[tuple]:
    with sqlite3.connect(store) as conn:
        return conn.execute("SELECT version, state FROM plan_reviews ORDER BY version").fetchall()


def test_killed_after_the_swap_before_the_commit_is_settled_as_recorded(tmp_path, capsys):
    """The directory claims version 1 while the store has it pending: the next review
    settles it as recorded and takes version 2."""
    out, store = tmp_path / "R", tmp_path / "h.sqlite"
    patch = """
    import planlab.kit.output_dir as od
    real = od.Staged.swap
    def swap(self):
        real(self)
        os._exit(9)
    od.Staged.swap = swap
    """
    _killed_checkin(out, store, patch)
    assert read_marker(out)["history"] == {
        "scenario": read_marker(out)["history"]["scenario"],
        "version": 1,
    }
    assert _state(store) == [(1, "pending")]
    assert list_records(store).empty  # pending versions are not listed
    code, _, err = run(checkin_args(tmp_path / "R2", store), capsys)
    assert code == 0, err
    assert _state(store) == [(1, "recorded"), (2, "recorded")]
    assert json.loads((out / "summary.json").read_text())["history_version"] == 1


def test_killed_before_the_swap_is_settled_as_abandoned(tmp_path, capsys):
    """Killed with the files written aside: the old output stays, the staging
    directory is cleaned, the pending number is abandoned and never reused."""
    out, store = tmp_path / "R", tmp_path / "h.sqlite"
    assert run(checkin_args(out, store), capsys)[0] == 0
    before = snapshot(out)
    patch = """
    import planlab.kit.output_dir as od
    od.Staged.swap = lambda self: os._exit(9)
    """
    _killed_checkin(out, store, patch)
    assert snapshot(out) == before
    assert _state(store) == [(1, "recorded"), (2, "pending")]
    code, _, err = run(checkin_args(out, store, "--force"), capsys)
    assert code == 0, err
    assert _state(store) == [(1, "recorded"), (2, "abandoned"), (3, "recorded")]
    assert read_marker(out)["history"]["version"] == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["R", "h.sqlite"]


def test_history_never_writes_to_an_empty_or_foreign_file(tmp_path, capsys):
    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")
    code, out, err = run(["history", "--store", empty], capsys)
    assert code == 0 and "no reviews recorded yet" in out
    assert empty.read_bytes() == b""
    csv = tmp_path / "actuals.csv"
    csv.write_text("rep,month\nA,1\n" * 100)
    before = csv.read_bytes()
    for action in (["history"], ["history", "show", "1"]):
        code, _, err = run([*action, "--store", csv], capsys)
        assert code == 2 and "not a planlab history store" in err and "Traceback" not in err
    assert csv.read_bytes() == before
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    before = other.read_bytes()
    code, _, err = run(["history", "--store", other], capsys)
    assert code == 2 and "no plan_reviews table" in err and other.read_bytes() == before


def test_a_store_that_cannot_be_made_is_one_line(tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    code, _, err = run(checkin_args(tmp_path / "R", tmp_path / "file" / "h.sqlite"), capsys)
    assert code == 1 and "history store" in err and "Traceback" not in err
    errors = [line for line in err.splitlines() if "error:" in line]
    assert len(errors) == 1 and not (tmp_path / "R").exists()


def test_a_store_older_than_the_state_column_is_read_and_extended(tmp_path):
    store = tmp_path / "old.sqlite"
    assert record(rec(1), store) == 1
    with sqlite3.connect(store) as conn:
        for column in ("state", "out_dir", "owner"):
            conn.execute(f"ALTER TABLE plan_reviews DROP COLUMN {column}")
    assert list_records(store)["version"].tolist() == [1]
    assert read_record("S", 1, store)["results"]["headline"] == {"v": 1}
    assert record(rec(2), store) == 2
    assert list_records(store)["version"].tolist() == [1, 2]


def test_reserve_takes_numbers_of_pending_versions_into_account(tmp_path):
    store = tmp_path / "h.sqlite"
    assert reserve(rec(1), store) == 1  # this process still runs: stays pending
    assert record(rec(2), store) == 2
    with pytest.raises(ScenarioError, match="no version 1"):
        read_record("S", 1, store)
    engine = sa.create_engine(f"sqlite:///{store}")
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT version, state FROM plan_reviews")).all()
    engine.dispose()
    assert sorted(rows) == [(1, "pending"), (2, "recorded")]


def test_concurrent_writers_each_get_their_own_version(tmp_path):
    """Three reviews recording at once: three versions, none lost, none shared."""
    store = tmp_path / "h.sqlite"
    record(rec(0), store)  # the store exists before the race
    got, errors = [], []

    def write(i: int) -> None:
        try:
            got.append(record(rec(i), store))
        except Exception as exc:  # pragma: no cover - shown by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(i,)) for i in (1, 2, 3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == [] and sorted(got) == [2, 3, 4]
    assert list_records(store)["version"].tolist() == [1, 2, 3, 4]
