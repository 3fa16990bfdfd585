"""The README's quick start, and the code examples of the README and the documentation
site's pages (docs/), are run here."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
#: The README and every page of the documentation site.
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def _blocks(lang: str) -> list[str]:
    """Every ``lang`` code block of the README and the docs pages, in order."""
    out = []
    for path in DOCUMENTS:
        out += re.findall(rf"```{lang}\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.S)
    return out


def test_quick_start_is_exactly_two_make_commands():
    quick = README.split("## Quick start", 1)[1].split("##", 1)[0]
    (block,) = re.findall(r"```sh\n(.*?)```", quick, flags=re.S)
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert commands == ["make demo", "make test"]
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_make_demo_runs_planlab_demo(tmp_path):
    """`make demo` (dry run) calls `planlab demo`; running that command works."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    venv = Path(sys.prefix)
    dry = subprocess.run(
        ["make", "-n", "demo", f"VENV={venv}", f"DEMO_OUT={tmp_path / 'demo'}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(x for x in dry.splitlines() if "planlab demo" in x)
    cmd = line.split()
    assert cmd[0].endswith("planlab") and cmd[1] == "demo"
    res = subprocess.run(
        [sys.executable, "-m", "planlab.cli", *cmd[1:], "--trials", "60"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "demo" / "report.html").exists()


@pytest.mark.parametrize("index", range(len(_blocks("python"))))
def test_python_examples_run(index, monkeypatch):
    monkeypatch.chdir(ROOT)
    exec(compile(_blocks("python")[index], f"documentation python block {index}", "exec"), {})


def _planlab_lines() -> list[str]:
    lines = []
    for block in _blocks("sh"):
        lines += [x.strip() for x in block.splitlines() if x.strip().startswith("planlab ")]
    return list(dict.fromkeys(lines))  # a command shown on several pages runs once


@pytest.mark.parametrize("line", _planlab_lines())
def test_cli_examples_run(line, tmp_path):
    """Every ``planlab ...`` command of the README and the docs runs (smaller, into a
    temporary dir)."""
    args = line.split("#")[0].split()[1:]
    if args[0] in ("simulate", "demo", "compare", "sweep"):
        if "--out" in args:
            args[args.index("--out") + 1] = str(tmp_path / "out")
        else:
            args += ["--out", str(tmp_path / "out")]
        if "--trials" in args:
            args[args.index("--trials") + 1] = "60"
        else:
            args += ["--trials", "60"]
    if args[0] == "optimize":  # the named scenario with a smaller tabulation and menu
        small = tmp_path / "small.toml"
        small.write_text(
            f'extends = "{(ROOT / args[1]).as_posix()}"\n'
            "[optimize]\ntrials = 120\nscenarios = 60\nfrontier_points = 2\n"
            "[optimize.menu]\nthresholds = [0.5]\naccelerators = [2.0]\ncaps = [3.0]\n",
            encoding="utf-8",
        )
        args[1] = str(small)
        args[args.index("--out") + 1] = str(tmp_path / "out")
        args += ["--trials", "60"]
    if args[0] == "schema" and "--out" in args:
        args[args.index("--out") + 1] = str(tmp_path / "scenario.schema.json")
    if args[0] in ("review", "checkin", "history"):  # a history store of the test's own
        args += ["--store", str(tmp_path / "history.sqlite")]
    if args[0] in ("review", "checkin"):
        args[args.index("--out") + 1] = str(tmp_path / "out")
        args += ["--trials", "100"]
    res = subprocess.run(
        [sys.executable, "-m", "planlab.cli", *args], cwd=ROOT, capture_output=True, text=True
    )
    assert res.returncode == 0, res.stderr
    if args[0] in ("simulate", "demo", "compare", "sweep", "review", "checkin", "optimize"):
        assert (tmp_path / "out" / "report.html").exists()
