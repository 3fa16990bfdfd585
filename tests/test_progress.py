"""Every command shows progress on stderr while it works: run as a user would, no
stretch of its run passes without output for more than five seconds, and --quiet
silences it all."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import pytest

from tests.conftest import BASELINE, ROOT, SMALL_OPTIMIZE

SILENCE = 5.0
EXAMPLE = ROOT / "scenarios" / "review_example.toml"
PIPELINE = ROOT / "scenarios" / "key_account_pipeline.toml"


def _run_timed(args: list[str], cwd) -> tuple[int, list[float], bytes, float]:
    """Run ``python -m planlab ARGS``; the times (from the start) at which stderr wrote,
    the exit code, everything written to stderr and the whole run's time."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    start = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "planlab", *args],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    stamps: list[float] = []
    chunks: list[bytes] = []

    def read() -> None:
        while chunk := os.read(proc.stderr.fileno(), 4096):
            stamps.append(time.monotonic() - start)
            chunks.append(chunk)

    reader = threading.Thread(target=read)
    reader.start()
    code = proc.wait(timeout=900)
    reader.join()
    return code, stamps, b"".join(chunks), time.monotonic() - start


def _longest_silence(stamps: list[float], total: float) -> float:
    edges = [0.0, *stamps, total]
    return max(b - a for a, b in zip(edges, edges[1:], strict=False))


def _commands(tmp_path):
    small = tmp_path / "small.toml"
    small.write_text(SMALL_OPTIMIZE, encoding="utf-8")
    store = str(tmp_path / "history.sqlite")
    return {
        "simulate": ["simulate", str(BASELINE), "--trials", "3000"],
        "compare": ["compare", str(BASELINE), "--trials", "2000", "--xlsx"],
        "calibrate": ["calibrate", str(PIPELINE), "--replications", "20", "--check", "4"],
        "optimize": ["optimize", str(small), "--trials", "100"],
        "checkin": [
            "checkin",
            str(EXAMPLE),
            "--drop-bad-rows",
            "--trials",
            "100",
            "--store",
            store,
        ],
        "review": ["review", str(EXAMPLE), "--drop-bad-rows", "--trials", "100", "--store", store],
    }


@pytest.mark.slow
@pytest.mark.parametrize(
    "command", ["simulate", "compare", "calibrate", "optimize", "checkin", "review"]
)
def test_no_silent_stretch(command, tmp_path):
    args = [*_commands(tmp_path)[command], "--out", str(tmp_path / "out")]
    code, stamps, err, total = _run_timed(args, tmp_path)
    assert code in (0, 1), err.decode(errors="replace")[-2000:]
    # From the start to the command's last line (the interpreter's own shutdown after it,
    # closing worker pools, is not a step of the command).
    if not stamps:  # a command quicker than the bar's delay says nothing: fine if quick
        assert total <= SILENCE, f"{command}: silent for the whole {total:.1f} s run"
        return
    silence = _longest_silence(stamps[:-1], stamps[-1])
    assert silence <= SILENCE, (
        f"{command}: {silence:.1f} s without a word in a {total:.1f} s run\n"
        + err.decode(errors="replace")[-1500:]
    )


def test_quiet_prints_nothing(tmp_path):
    args = ["simulate", str(BASELINE), "--trials", "400", "--out", str(tmp_path / "o"), "--quiet"]
    code, stamps, err, _ = _run_timed(args, tmp_path)
    assert code == 0 and err == b"" and stamps == []


def test_silence_is_measured_from_start_to_end():
    assert _longest_silence([], 7.0) == 7.0
    assert _longest_silence([1.0, 4.0], 6.0) == 3.0
