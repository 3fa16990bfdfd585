"""No process outlives planlab: workers of every pool end when the command is killed.

Each test starts a real ``planlab`` command in a subprocess, waits until it has
worker processes (found by parent process id in ``/proc``), kills the command
(SIGKILL, which leaves it no chance to clean up; or SIGTERM, which it handles like
Ctrl-C) and asserts that every worker process id is gone within a few seconds.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.executors import WATCH_INTERVAL
from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")

PIPELINE = ROOT / "scenarios" / "key_account_pipeline.toml"


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent id) of a process, or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    state, ppid = text[text.rindex(")") + 2 :].split()[:2]
    return state, int(ppid)


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid``."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (st := _stat(int(entry))) is not None and st[0] != "Z":
            parents.setdefault(st[1], []).append(int(entry))
    found, todo = set(), [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pids: set[int]) -> set[int]:
    """Those of ``pids`` still running (a zombie waiting to be reaped is not)."""
    return {p for p in pids if (st := _stat(p)) is not None and st[0] != "Z"}


def wait_for(condition, timeout: float, what: str):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def start(args: list[str], tmp_path: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PLANLAB_SCHEDULER", None)
    return subprocess.Popen(
        [sys.executable, "-m", "planlab", *args, "--out", str(tmp_path / "out"), "--quiet"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # so that cleanup can end whatever is left
    )


def kill_and_check(
    proc: subprocess.Popen, sig: int, least: int, timeout: float = 8.0, group: bool = False
):
    """Kill ``proc`` (with ``group``, its process group, as a terminal's Ctrl-C does)
    with ``sig`` once it has ``least`` workers; every worker must end."""
    try:
        workers = wait_for(
            lambda: d if len(d := descendants(proc.pid)) >= least else None,
            240,
            f"{least} worker processes",
        )
        (os.killpg if group else os.kill)(proc.pid, sig)
        proc.wait(60)
        left = wait_for(lambda: not alive(workers) or None, timeout, "workers to end") and set()
        assert not left
        return proc.returncode, proc.stderr.read().decode()
    finally:
        for pid in alive(descendants(proc.pid)) | ({proc.pid} if proc.poll() is None else set()):
            os.kill(pid, signal.SIGKILL)
        if proc.poll() is None:
            proc.wait(10)


def test_pipeline_workers_end_when_simulate_is_killed(tmp_path):
    proc = start(["simulate", str(PIPELINE), "--engine", "pipeline", "--trials", "400"], tmp_path)
    code, _ = kill_and_check(proc, signal.SIGKILL, least=2)
    assert code == -signal.SIGKILL
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("sig", "group", "code", "line"),
    [
        (signal.SIGTERM, False, 143, "planlab: terminated; no output was left half-written"),
        (signal.SIGINT, True, 130, "planlab: interrupted; no output was left half-written"),
    ],
    ids=["sigterm", "ctrl-c"],
)
def test_sigterm_is_handled_like_ctrl_c(tmp_path, sig, group, code, line):
    """SIGTERM to planlab alone, or Ctrl-C to its whole process group: one line, the
    shell's exit code, no worker left and nothing written."""
    proc = start(["simulate", str(PIPELINE), "--engine", "pipeline", "--trials", "400"], tmp_path)
    got, err = kill_and_check(proc, sig, least=2, group=group)
    assert got == code
    assert err.strip().splitlines() == [line]
    assert not (tmp_path / "out").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_solver_workers_and_their_solvers_end_with_their_parent():
    """A solver worker leads its own process group (with the CBC process it runs), so
    the terminal's Ctrl-C does not reach it; it watches its parent instead, and takes
    its solver with it."""
    code = (
        "import dataclasses\n"
        "from optimize.solve import SolverPool\n"
        "from optimize.spec import BadYear, Band, Constraints\n"
        "from tests.test_optimize_model import problem\n"
        "p = problem(n=600, levels=12, scenarios=150)\n"
        "c = Constraints(achievability=Band(low=0.6, high=0.7),\n"
        "                bad_year=BadYear(quantile=0.9, ceiling=2e7))\n"
        "with SolverPool(1) as pool:\n"
        "    pool.solve(dataclasses.replace(p, constraints=c), 'cbc', time_limit=900)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    parent = subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT, env=env, start_new_session=True
    )
    try:
        workers = wait_for(lambda: descendants(parent.pid), 120, "a solver worker")
        time.sleep(2)  # let it get into its solve
        workers |= descendants(parent.pid)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(10)
        wait_for(lambda: not alive(workers), 4 * WATCH_INTERVAL + 8, "the solver worker to end")
    finally:
        for pid in alive(descendants(parent.pid)):
            os.kill(pid, signal.SIGKILL)
        if parent.poll() is None:
            parent.kill()
            parent.wait(10)


def test_local_cluster_workers_end_when_planlab_is_killed(tmp_path):
    pytest.importorskip("distributed")
    baseline = ROOT / "scenarios" / "key_account_baseline.toml"
    args = ["simulate", str(baseline), "--trials", "20000", "--scheduler", "local"]
    proc = start(args, tmp_path)
    # Two workers and multiprocessing's resource tracker.
    code, _ = kill_and_check(proc, signal.SIGKILL, least=3, timeout=15.0)
    assert code == -signal.SIGKILL


def test_a_workers_heartbeat_at_shutdown_prints_no_traceback():
    import logging

    from sim.executors import QuietHeartbeat

    quiet = QuietHeartbeat()
    heartbeat = logging.LogRecord(
        "distributed.worker", logging.ERROR, "", 0,
        "Failed to communicate with scheduler during heartbeat.", None, None,
    )  # fmt: skip
    other = logging.LogRecord(
        "distributed.worker", logging.ERROR, "", 0, "Compute Failed", None, None
    )
    assert not quiet.filter(heartbeat) and quiet.filter(other)


def test_pool_workers_watch_their_parent(tmp_path):
    """The portable fallback alone (no kernel signal): a pool worker whose parent is
    killed ends within a few of its watch intervals."""
    code = (
        "import os, time\n"
        "from sim.executors import die_with_parent\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    die_with_parent(kernel=False)\n"
        "    time.sleep(600)\n"
        "    os._exit(0)\n"
        "print(pid, flush=True)\n"
        "time.sleep(600)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    parent = subprocess.Popen(
        [sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, start_new_session=True
    )
    try:
        child = int(parent.stdout.readline())
        time.sleep(1)
        assert alive({child})
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(10)
        wait_for(lambda: not alive({child}), 4 * WATCH_INTERVAL + 5, "the worker to end")
    finally:
        for pid in alive(descendants(parent.pid)):
            os.kill(pid, signal.SIGKILL)
        if parent.poll() is None:
            parent.kill()
            parent.wait(10)


def test_a_worker_started_by_a_fork_server_watches_who_asked_for_it():
    """Under a fork server the worker's direct parent is the server, not planlab:
    the worker watches the process it was started for as well."""
    asker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    code = (
        "import os, sys, time\n"
        "from sim.executors import die_with_parent\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    die_with_parent(int(sys.argv[1]), kernel=False)\n"
        "    time.sleep(600)\n"
        "    os._exit(0)\n"
        "print(pid, flush=True)\n"
        "time.sleep(600)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(
        [sys.executable, "-c", code, str(asker.pid)],
        env=env,
        stdout=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        child = int(server.stdout.readline())
        time.sleep(1)
        assert alive({child})
        asker.kill()
        asker.wait(10)
        wait_for(lambda: not alive({child}), 4 * WATCH_INTERVAL + 5, "the worker to end")
        assert server.poll() is None  # its direct parent lives on
    finally:
        for p in (asker, server):
            if p.poll() is None:
                p.kill()
                p.wait(10)
