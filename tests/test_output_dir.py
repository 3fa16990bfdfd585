"""Outputs survive every failure: staged whole, swapped in at once, replaced only when
planlab wrote them, recovered after a killed run, and every writing failure a message."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import planlab.kit.output_dir as od
from planlab.cli import main
from planlab.kit.failures import EnvironmentFailure
from planlab.kit.files import file_writer, write_files
from planlab.kit.interrupts import interrupts_deferred
from planlab.kit.output_dir import MARKER, OutputExists, read_marker, recover, stage
from tests.conftest import BASELINE, MINIMAL_PLAN, ROOT

FILES = {"report.html": "<p>new</p>", "summary.json": "{}\n"}


def run(args, capsys):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def snapshot(directory: Path) -> dict[str, bytes]:
    return {
        p.relative_to(directory).as_posix(): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def old(tmp_path) -> Path:
    """A planlab output directory written earlier."""
    out = tmp_path / "run"
    write_files(out, {"report.html": "<p>old</p>", "reps.csv": "rep\n"})
    return out


def test_the_marker_lists_every_file_and_says_planlab_wrote_them(tmp_path):
    out = write_files(tmp_path / "run", FILES, about={"history": {"scenario": "S", "version": 3}})
    marker = read_marker(out)
    assert marker["written_by"] == "planlab" and marker["files"] == sorted(FILES)
    assert marker["history"] == {"scenario": "S", "version": 3}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # nothing hidden left


def test_force_replaces_planlab_output_whole(old, tmp_path):
    write_files(old, FILES, force=True)
    assert (old / "report.html").read_text() == "<p>new</p>" and not (old / "reps.csv").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


@pytest.mark.parametrize("foreign", ["notes.txt", "sub/data.csv"])
def test_force_refuses_a_directory_holding_files_planlab_did_not_write(old, foreign):
    (old / foreign).parent.mkdir(exist_ok=True)
    (old / foreign).write_text("mine")
    before = snapshot(old)
    with pytest.raises(OutputExists, match="did not write") as exc:
        write_files(old, FILES, force=True)
    assert foreign.split("/")[0] in str(exc.value)
    assert snapshot(old) == before and (old / foreign).read_text() == "mine"


def test_force_refuses_a_directory_without_the_marker(tmp_path):
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "scen.toml").write_text("x")
    with pytest.raises(OutputExists, match="not written by planlab"):
        write_files(proj, FILES, force=True)
    assert (proj / "scen.toml").read_text() == "x"
    empty = tmp_path / "empty"
    empty.mkdir()
    write_files(empty, FILES, force=True)  # an empty directory holds nothing to lose
    assert (empty / "report.html").exists()


def test_force_refuses_a_symbolic_link(old, tmp_path):
    link = tmp_path / "link"
    link.symlink_to(old, target_is_directory=True)
    with pytest.raises(OutputExists, match="symbolic link"):
        write_files(link, FILES, force=True)
    assert link.is_symlink() and (old / "report.html").read_text() == "<p>old</p>"


def test_force_refuses_the_current_directory_and_its_parents(old, monkeypatch):
    monkeypatch.chdir(old)
    with pytest.raises(OutputExists, match="current directory"):
        write_files(Path("."), FILES, force=True)
    (old / "inner").mkdir()
    monkeypatch.chdir(old / "inner")
    with pytest.raises(OutputExists, match="current directory"):
        write_files(old, FILES, force=True)
    assert (old / "report.html").read_text() == "<p>old</p>"


def test_force_refuses_a_directory_holding_the_runs_inputs(old):
    # e.g. planlab simulate out/run/optimised.toml --out out/run --force
    write_files(old, {"optimised.toml": "x"}, force=True)
    with pytest.raises(OutputExists, match="input"):
        write_files(old, FILES, force=True, inputs=[old / "optimised.toml"])
    assert (old / "optimised.toml").read_text() == "x"


def test_simulate_force_will_not_delete_a_project_folder(tmp_path, capsys):
    """The issue's case: ``simulate proj/scen.toml --out proj --force`` deleted proj."""
    proj = tmp_path / "proj"
    proj.mkdir()
    scen = proj / "scen.toml"
    scen.write_text(MINIMAL_PLAN, encoding="utf-8")
    (proj / "notes.md").write_text("mine")
    before = snapshot(proj)
    code, _, err = run(["simulate", scen, "--trials", 20, "--out", proj, "--force"], capsys)
    assert code == 2 and "Traceback" not in err and str(proj) in err
    assert snapshot(proj) == before
    # A planlab output holding the run's own scenario file is refused too.
    out = tmp_path / "out"
    assert run(["simulate", scen, "--trials", 20, "--out", out, "--quiet"], capsys)[0] == 0
    write_files(out, {"scen.toml": MINIMAL_PLAN}, force=True)
    code, _, err = run(
        ["simulate", out / "scen.toml", "--trials", 20, "--out", out, "--force"], capsys
    )
    assert code == 2 and "input" in err and (out / "scen.toml").exists()


def test_out_dot_force_is_refused_in_the_cli(old, capsys, monkeypatch):
    monkeypatch.chdir(old)
    before = snapshot(old)
    code, _, err = run(
        ["simulate", BASELINE, "--trials", 20, "--out", ".", "--force", "--quiet"], capsys
    )
    assert code == 2 and "current directory" in err and "Traceback" not in err
    assert snapshot(old) == before


def _failing_writer(err: int):
    def make(files):
        def write(directory: Path) -> None:
            (directory / "report.html").write_text("half")
            raise OSError(err, os.strerror(err), str(directory / "reps.csv"))

        return write

    return make


@pytest.mark.parametrize(
    ("err", "words"),
    [
        (errno.ENOSPC, "no space left"),
        (errno.EROFS, "read-only"),
        (errno.EACCES, "permission denied"),
        (errno.EBUSY, "busy"),
    ],
)
def test_a_writing_failure_is_one_line_and_leaves_the_old_output(
    old, tmp_path, capsys, monkeypatch, err, words
):
    """Disk full, read-only, permission, busy: exit 1, one line naming the path and what
    to do; the previous output as it was and nothing half-written beside it."""
    import planlab.kit.files as files

    monkeypatch.setattr(files, "file_writer", _failing_writer(err))
    before = snapshot(old)
    code, _, stderr = run(
        ["simulate", BASELINE, "--trials", 20, "--out", old, "--force", "--quiet"], capsys
    )
    assert code == 1, stderr
    assert "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1
    assert words in stderr and "reps.csv" in stderr
    assert snapshot(old) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root may write anywhere")
def test_a_directory_without_write_permission(tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        code, _, err = run(
            ["simulate", BASELINE, "--trials", 20, "--out", locked / "run", "--quiet"], capsys
        )
    finally:
        locked.chmod(0o755)
    assert code == 1 and "permission denied" in err and "Traceback" not in err
    assert list(locked.iterdir()) == []


def test_an_impossible_output_directory_is_refused_before_any_work(tmp_path, capsys, monkeypatch):
    """A file in the way (exit 2) or a parent not writable, e.g. read-only (exit 1):
    said at once, not after the simulation."""
    import planlab.simulate.command as sc

    monkeypatch.setattr(sc, "simulate", lambda *a, **k: pytest.fail("simulated anyway"))
    (tmp_path / "file").write_text("x")
    code, _, err = run(["simulate", BASELINE, "--out", tmp_path / "file" / "run"], capsys)
    assert code == 2 and "Traceback" not in err and "is a file" in err
    monkeypatch.setattr(od.os, "access", lambda *a, **k: False)
    code, _, err = run(["simulate", BASELINE, "--out", tmp_path / "ro" / "run"], capsys)
    assert code == 1 and "not writable" in err and str(tmp_path) in err


def test_ctrl_c_while_writing_leaves_the_old_output(old, tmp_path, capsys, monkeypatch):
    import planlab.kit.files as files

    def make(files_):
        def write(directory: Path) -> None:
            (directory / "report.html").write_text("half")
            raise KeyboardInterrupt

        return write

    monkeypatch.setattr(files, "file_writer", make)
    before = snapshot(old)
    code, _, err = run(["simulate", BASELINE, "--trials", 20, "--out", old, "--force"], capsys)
    assert code == 130 and "interrupted" in err and "Traceback" not in err
    assert len(err.strip().splitlines()[-1:]) == 1
    assert snapshot(old) == before and sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_ctrl_c_while_loading_the_command(capsys, monkeypatch):
    import importlib

    def interrupt(name, *a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(importlib, "import_module", interrupt)
    code = main(["simulate", str(BASELINE)])
    err = capsys.readouterr().err
    assert code == 130 and err.strip() == "planlab: interrupted; no output was left half-written"


def test_ctrl_c_while_importing_planlab_cli(capsys, monkeypatch):
    """Before ``main`` runs (the console script importing planlab.cli)."""
    from planlab.__main__ import run as entry

    class Interrupting:
        def find_spec(self, name, path=None, target=None):
            if name == "planlab.cli":
                raise KeyboardInterrupt
            return None

    monkeypatch.delitem(sys.modules, "planlab.cli")
    monkeypatch.setattr(sys, "meta_path", [Interrupting(), *sys.meta_path])
    assert entry() == 130
    assert "interrupted" in capsys.readouterr().err


def test_an_interrupt_waits_for_the_swap_to_finish():
    got = []
    with pytest.raises(KeyboardInterrupt), interrupts_deferred():
        os.kill(os.getpid(), signal.SIGINT)
        got.append("finished")  # the block ran to its end
    assert got == ["finished"]


def _kill_script(patch: str, out: Path) -> str:
    """A run that writes into ``out`` with ``patch`` applied (it kills the process)."""
    head = f"import os, sys\nsys.path.insert(0, {str(ROOT)!r})\n"
    head += "import planlab.kit.output_dir as od\nimport planlab.kit.files as f\n"
    tail = f"\nf.write_files({str(out)!r}, {{'report.html': '<p>new</p>'}}, force=True)\n"
    return head + textwrap.dedent(patch) + tail


def _killed(script: str) -> None:
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=300)
    assert proc.returncode == 9, proc.stderr.decode()


def _leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


def test_killed_while_writing_the_staging_directory_is_cleaned_next_run(old, tmp_path):
    patch = """
    def writer(files):
        def write(d):
            (d / "report.html").write_text("half")
            os._exit(9)
        return write
    f.file_writer = writer
    """
    _killed(_kill_script(patch, old))
    assert len(_leftovers(tmp_path)) == 1  # the killed run's staging directory
    assert (old / "report.html").read_text() == "<p>old</p>"
    write_files(old, FILES, force=True)
    assert _leftovers(tmp_path) == [] and (old / "report.html").read_text() == "<p>new</p>"


def test_killed_between_the_two_renames_the_previous_output_comes_back(old, tmp_path):
    """Where the system has no atomic exchange, a kill between the renames leaves no
    output for a moment; the next run into that directory puts the old one back."""
    patch = """
    od._exchange = lambda a, b: False
    real = od.Path.rename
    def rename(self, to):
        real(self, to)
        if to.name == "previous":
            os._exit(9)
    od.Path.rename = rename
    """
    _killed(_kill_script(patch, old))
    assert not old.exists() and len(_leftovers(tmp_path)) == 2
    recover(old)
    assert (old / "report.html").read_text() == "<p>old</p>" and _leftovers(tmp_path) == []


def test_killed_after_the_exchange_the_new_output_stays(old, tmp_path):
    if od._libc() is None:
        pytest.skip("no atomic exchange on this system")
    patch = "od.Staged.finish = lambda self: os._exit(9)"
    _killed(_kill_script(patch, old))
    assert (old / "report.html").read_text() == "<p>new</p>"
    assert len(_leftovers(tmp_path)) == 1  # the old output, set aside
    recover(old)
    assert _leftovers(tmp_path) == [] and (old / "report.html").read_text() == "<p>new</p>"


def test_leftovers_of_older_planlab_versions_are_recovered(old, tmp_path):
    (tmp_path / ".run.ab12cd_9").mkdir()  # a staging directory, mkdtemp's name
    (tmp_path / ".run.ab12cd_9" / "report.html").write_text("half")
    aside = tmp_path / ".run.old.zz99yy00"
    aside.mkdir()
    old.rename(aside / "previous")
    (tmp_path / ".unrelated.abcdefgh").mkdir()  # not ours: left alone
    mine = tmp_path / ".run.archive1"  # the user's own, named like a leftover
    mine.mkdir()
    (mine / "notes.txt").write_text("keep")
    recover(old)
    assert (old / "report.html").read_text() == "<p>old</p>"
    assert _leftovers(tmp_path) == [".run.archive1", ".unrelated.abcdefgh"]
    assert (mine / "notes.txt").read_text() == "keep"


def test_a_live_runs_staging_directory_is_left_alone(old, tmp_path):
    live = tmp_path / f".run.new-{os.getpid()}-abcdefgh"
    live.mkdir()
    recover(old)
    assert live.exists()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_stop_during_the_swap_leaves_the_old_output_whole(old, tmp_path, monkeypatch, sig):
    """Ctrl-C or SIGTERM arriving while the new output is swapped in: the stop is held
    back until the swap is done, then the old output is put back, never deleted."""
    from planlab.kit.interrupts import Terminated, terminate_as_interrupt

    swap = od.Staged.swap

    def swap_then_stop(self):
        swap(self)
        os.kill(os.getpid(), sig)

    monkeypatch.setattr(od.Staged, "swap", swap_then_stop)
    before = snapshot(old)
    expected = Terminated if sig == signal.SIGTERM else KeyboardInterrupt
    with pytest.raises(expected), terminate_as_interrupt():
        write_files(old, FILES, force=True)
    assert snapshot(old) == before and _leftovers(tmp_path) == []


def test_stage_touches_nothing_old_until_swap(old, tmp_path):
    before = snapshot(old)
    staged = stage(old, file_writer(FILES), force=True)
    assert snapshot(old) == before and read_marker(staged.staging)["files"] == sorted(FILES)
    staged.swap()
    assert (old / "report.html").read_text() == "<p>new</p>"
    staged.undo()  # e.g. the history commit failed
    assert snapshot(old) == before and _leftovers(tmp_path) == []


def test_a_failed_write_is_an_environment_failure_naming_the_path(tmp_path, monkeypatch):
    def full(directory):
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(EnvironmentFailure, match="no space left") as exc:
        od.write_atomic(tmp_path / "run", full)
    assert str(tmp_path / "run") in str(exc.value)
    assert list(tmp_path.iterdir()) == []


def test_marker_is_json_with_the_planlab_version(tmp_path):
    out = write_files(tmp_path / "run", FILES)
    data = json.loads((out / MARKER).read_text())
    assert data["planlab_version"] and data["created_utc"]


@pytest.mark.parametrize("delay", [0.3, 2.0])
def test_a_real_ctrl_c_is_one_line_exit_130_and_leaves_nothing(tmp_path, delay):
    """SIGINT while planlab loads or simulates. A shell sees 130 either way: Python may
    report an interrupt caught during an import by ending on SIGINT itself (-2 here)."""
    out = tmp_path / "run"
    proc = subprocess.Popen(
        [sys.executable, "-m", "planlab", "simulate", str(BASELINE), "--trials", "20000"]
        + ["--out", str(out), "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=600)
    text = err.decode()
    assert proc.returncode in (130, -signal.SIGINT), text
    assert "Traceback" not in text and len(text.strip().splitlines()) <= 1
    assert list(tmp_path.iterdir()) == []


NAMES = st.sets(st.text(alphabet="abcdefgh", min_size=1, max_size=6), max_size=5)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ours=NAMES, theirs=NAMES)
def test_force_replaces_exactly_when_every_file_is_planlabs(tmp_path_factory, ours, theirs):
    """Invariant: --force goes ahead if and only if the directory holds nothing but what
    its marker lists; when refused, not a byte changes."""
    out = tmp_path_factory.mktemp("case") / "run"
    write_files(out, {f"{n}.csv": n for n in ours})
    extra = theirs - ours
    for n in extra:
        (out / f"{n}.csv").write_text("mine")
    before = snapshot(out)
    if extra:
        with pytest.raises(OutputExists, match="did not write"):
            write_files(out, FILES, force=True)
        assert snapshot(out) == before
    else:
        write_files(out, FILES, force=True)
        assert set(snapshot(out)) == {*FILES, MARKER}
    assert [p.name for p in out.parent.iterdir()] == ["run"]
