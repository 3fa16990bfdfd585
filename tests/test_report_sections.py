"""Every command's report, read as written, shows each section and each table once.

The simulate, demo and compare reports are written here; optimize, review and
check-in reports are read in their own end-to-end tests (test_optimize.py,
test_review.py, test_next_period.py) with the same check.
"""

from __future__ import annotations

import pytest

from planlab.cli import main
from tests.conftest import BASELINE
from tests.sections import assert_each_section_once


@pytest.mark.parametrize(
    "args",
    [
        ["simulate", str(BASELINE), "--trials", "60"],
        ["demo", "--trials", "60"],
        ["compare", str(BASELINE), "--trials", "60"],
        ["simulate", str(BASELINE), "--trials", "60", "--variant", "uncapped"],
    ],
    ids=["simulate", "demo", "compare", "simulate-one-variant"],
)
def test_each_section_once(args, tmp_path, capsys):
    out = tmp_path / "run"
    assert main([*args, "--out", str(out), "--quiet"]) == 0
    titles = assert_each_section_once((out / "report.html").read_text(encoding="utf-8"))
    assert "Executive summary" in titles and "Reps" in titles


def test_behaviour_table_only_when_reps_respond(tmp_path, capsys):
    from tests.conftest import ROOT

    out = tmp_path / "fixed"
    assert main(["simulate", str(BASELINE), "--trials", "40", "--out", str(out), "--quiet"]) == 0
    assert "Rep behaviour" not in assert_each_section_once((out / "report.html").read_text())
    behaviour = ROOT / "scenarios" / "key_account_behaviour.toml"
    out = tmp_path / "responding"
    assert main(["simulate", str(behaviour), "--trials", "40", "--out", str(out), "--quiet"]) == 0
    assert "Rep behaviour" in assert_each_section_once((out / "report.html").read_text())
