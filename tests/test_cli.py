"""End-to-end tests of the planlab command line: outputs, determinism, bad input."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import pytest

from planlab.cli import main
from planlab.kit.options import Progress
from tests.conftest import BASELINE, MINIMAL_PLAN


def run(args, capsys):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_simulate_writes_every_output(tmp_path, capsys):
    out = tmp_path / "run"
    code, stdout, err = run(["simulate", BASELINE, "--trials", 150, "--out", out], capsys)
    assert code == 0, err
    assert {p.name for p in out.iterdir()} == {
        "summary.json",
        "manifest.json",
        "reps.csv",
        "report.html",
        ".planlab.json",  # the marker: planlab wrote this directory
    }
    summary = json.loads((out / "summary.json").read_text())
    assert summary["trials"] == 150 and summary["reps"] == 40
    assert set(summary["variants"]) == {
        "base",
        "uncapped",
        "team_component",
        "margin_gate",
        "retention_focus",
    }
    base = summary["variants"]["base"]["company"]
    assert 0.0 < base["cost_of_sales"] < 0.2
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["scenario_sha256"] == hashlib.sha256(BASELINE.read_bytes()).hexdigest()
    assert manifest["seed"] == 20261127 and manifest["packages"]["numpy"]
    assert "Cost of sales" in stdout and "base" in stdout and "$" in stdout
    header = (out / "reps.csv").read_text().splitlines()[0]
    assert header.startswith("rep,team,") and "payout_p90" in header
    assert len((out / "reps.csv").read_text().splitlines()) == 41


def test_same_seed_same_summary_bytes(tmp_path, capsys):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for d in (a, b):
        assert run(["simulate", BASELINE, "--trials", 120, "--seed", 5, "--out", d], capsys)[0] == 0
    assert run(["simulate", BASELINE, "--trials", 120, "--seed", 6, "--out", c], capsys)[0] == 0
    assert (a / "summary.json").read_bytes() == (b / "summary.json").read_bytes()
    assert (a / "summary.json").read_bytes() != (c / "summary.json").read_bytes()


def test_variant_selection(tmp_path, capsys):
    out = tmp_path / "v"
    code, _, err = run(
        ["simulate", BASELINE, "--variant", "uncapped", "--trials", 60, "--out", out, "--quiet"],
        capsys,
    )
    assert code == 0, err
    assert set(json.loads((out / "summary.json").read_text())["variants"]) == {"base", "uncapped"}


def test_existing_output_needs_force(tmp_path, capsys):
    out = tmp_path / "run"
    assert run(["simulate", BASELINE, "--trials", 50, "--out", out, "--quiet"], capsys)[0] == 0
    before = (out / "summary.json").read_bytes()
    code, _, err = run(["simulate", BASELINE, "--trials", 50, "--out", out], capsys)
    assert code == 2 and "--force" in err and "Traceback" not in err
    assert (out / "summary.json").read_bytes() == before
    code, _, err = run(
        ["simulate", BASELINE, "--trials", 60, "--out", out, "--force", "--quiet"], capsys
    )
    assert code == 0, err
    assert (out / "summary.json").read_bytes() != before and (out / "report.html").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["run"]  # no temporary leftovers


def test_demo_runs(tmp_path, capsys):
    code, stdout, err = run(["demo", "--trials", 80, "--out", tmp_path / "demo"], capsys)
    assert code == 0, err
    assert (tmp_path / "demo" / "report.html").exists()


def test_demo_scenario_is_the_shipped_baseline():
    from importlib import resources

    demo = resources.files("planlab") / "data" / "demo.toml"
    assert demo.read_bytes() == BASELINE.read_bytes()


def test_validate(capsys, baseline):
    code, out, _ = run(["validate", baseline], capsys)
    assert code == 0 and "OK" in out


BAD_CASES = {
    "broken_toml": (MINIMAL_PLAN + "\n[oops\n", None, ["not valid TOML"]),
    "unknown_key": (
        MINIMAL_PLAN + "\n[market]\ngrowht = 0.1\n",
        None,
        ["unknown key 'growht' in market; did you mean 'growth'?"],
    ),
    "weights": (
        MINIMAL_PLAN.replace("weight = 1.0", "weight = 0.6")
        + '\n[[plan.measures]]\nname = "cross_sell"\nweight = 0.55\ntarget = 1\n'
        "curve = { points = [[0, 0], [1, 1]] }\n",
        None,
        ["plan.measures", "weights must sum to 1, got 1.15"],
    ),
    "negative_target": (
        MINIMAL_PLAN.replace("target = 600000", "target = -5"),
        None,
        ["plan.measures[0].target: must be > 0"],
    ),
    "missing_roster": (
        '[team]\nroster = "nowhere.csv"\n' + MINIMAL_PLAN,
        None,
        ["team.roster", "nowhere.csv"],
    ),
    "roster_bad_row": (
        '[team]\nroster = "roster.csv"\n' + MINIMAL_PLAN,
        "name,team,ability\nAnn,North,1.1\nBob,South,fast\n",
        ["roster.csv", "row 3", "ability", "'fast'"],
    ),
    "unknown_measure": (
        MINIMAL_PLAN.replace('name = "revenue"', 'name = "revenu"'),
        None,
        ["plan.measures[0].name", "unknown measure 'revenu'"],
    ),
    "zero_period_share": (
        MINIMAL_PLAN.replace(
            "target = 600000", "target = 600000\nperiod_shares = [0.5, 0.5, 0, 0]"
        ),
        None,
        ["plan.measures[0].period_shares", "must be > 0"],
    ),
    "potential_basis_for_a_rate": (
        MINIMAL_PLAN.replace('name = "revenue"', 'name = "retention"').replace(
            "target = 600000", 'target = 0.9\ntarget_basis = "potential"'
        ),
        None,
        ["plan.measures[0]", "rate or score"],
    ),
    "variant_measures_not_tables": (
        MINIMAL_PLAN + '\n[variants.v]\nmeasures = ["revenue"]\n',
        None,
        ["variants.v.measures[0]", "expected a table"],
    ),
    "roster_target_missing": (
        '[team]\nroster = "roster.csv"\n'
        + MINIMAL_PLAN.replace("target = 600000", 'target = 600000\ntarget_basis = "roster"'),
        "name,team\nAnn,North\nBob,South\n",
        ["plan.measures[0].target_basis", "target_revenue"],
    ),
    "ratchet_without_dynamics": (
        MINIMAL_PLAN + "\n[behaviour.ratchet]\nenabled = true\n",
        None,
        ["behaviour", "enable dynamics"],
    ),
    "bad_curve": (
        MINIMAL_PLAN.replace("[[0.5, 0.0], [1.0, 1.0]]", "[[1.0, 1.0], [0.5, 0.0]]"),
        None,
        ["plan.measures[0].curve", "non-decreasing"],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_input_exits_2_with_a_clear_message(case, write_scenario, tmp_path, capsys):
    text, roster, needles = BAD_CASES[case]
    path = write_scenario(text, roster)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    out = tmp_path / "out"
    code, stdout, err = run(["simulate", path, "--trials", 20, "--out", out], capsys)
    assert code == 2
    assert "Traceback" not in err
    assert path.name in err or "roster.csv" in err
    for needle in needles:
        assert needle in err, (needle, err)
    assert not out.exists()
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # inputs untouched
    code, _, err2 = run(["validate", path], capsys)
    assert code == 2 and needles[0] in err2


def test_missing_scenario_file(tmp_path, capsys):
    code, _, err = run(["simulate", tmp_path / "nope.toml", "--out", tmp_path / "o"], capsys)
    assert code == 2 and "nope.toml" in err and "not found" in err


def test_unknown_variant(tmp_path, capsys):
    code, _, err = run(["simulate", BASELINE, "--variant", "nope", "--out", tmp_path / "o"], capsys)
    assert code == 2 and "unknown variant 'nope'" in err and "uncapped" in err


@pytest.mark.parametrize("args", [["--trials", "0"], ["--trials", "many"], ["--seed", "-1"]])
def test_bad_options_exit_2(args, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["simulate", str(BASELINE), "--out", str(tmp_path / "o"), *args])
    assert exc.value.code == 2
    assert not (tmp_path / "o").exists()


def test_user_text_is_escaped_and_neutralised(write_scenario, tmp_path, capsys):
    roster = (
        "name,team\n<script>alert(1)</script>,North\n=HYPERLINK(1),South\n"
        "+cmd,North\n@sum,South\n-neg,North\n"
    )
    path = write_scenario('[team]\nroster = "roster.csv"\n' + MINIMAL_PLAN, roster)
    out = tmp_path / "out"
    code, _, err = run(["simulate", path, "--trials", 50, "--out", out, "--quiet"], capsys)
    assert code == 0, err
    html = (out / "report.html").read_text()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    cells = [line.split(",")[0] for line in (out / "reps.csv").read_text().splitlines()[1:]]
    assert cells[1:] == ["'=HYPERLINK(1)", "'+cmd", "'@sum", "'-neg"]


def test_progress_bar_only_after_a_while():
    import io

    quick = io.StringIO()
    with Progress(stream=quick, after=60).step("simulating", total=4) as tick:
        tick(1)
    assert quick.getvalue() == ""
    slow = io.StringIO()
    with Progress(stream=slow, after=0).step("simulating", total=4) as tick:
        tick(2)
        tick("a line of news")
    text = slow.getvalue()
    assert "2/4" in text and "a line of news" in text and text.endswith("\n")
    silent = io.StringIO()
    with Progress(quiet=True, stream=silent, after=0).step("simulating", total=4) as tick:
        tick(2)
    assert silent.getvalue() == ""


def test_console_script_entry_point(tmp_path):
    """The installed ``planlab`` command runs and reports bad input with exit code 2."""
    exe = [sys.executable, "-m", "planlab.cli"]
    ok = subprocess.run([*exe, "validate", str(BASELINE)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text("[plan\n")
    res = subprocess.run([*exe, "validate", str(bad)], capture_output=True, text=True)
    assert res.returncode == 2 and "bad.toml" in res.stderr and "Traceback" not in res.stderr
