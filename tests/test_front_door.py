"""The command line as people expect it: --version, python -m planlab, defaults in help,
one way to name variants, help without loading the simulator, and a readable history."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import replace

import pytest

from planlab.cli import build_parser, main
from planlab.review.history import Record, record
from tests.conftest import BASELINE


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip().startswith("planlab 0.")


def test_python_m_planlab_is_the_command():
    res = subprocess.run(
        [sys.executable, "-m", "planlab", "validate", str(BASELINE)], capture_output=True, text=True
    )
    assert res.returncode == 0 and "OK" in res.stdout, res.stderr


def test_help_loads_no_simulator():
    """--help only builds the parser: numpy, pandas and the simulator stay unloaded."""
    code = (
        "import sys, contextlib, io\n"
        "from planlab.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try: main(['simulate', '--help'])\n"
        "    except SystemExit: pass\n"
        "print(sorted(m for m in ('numpy', 'pandas', 'sim', 'matplotlib') if m in sys.modules))"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("command", "option", "default"),
    [
        ("calibrate", "--replications", "200"),
        ("calibrate", "--check", "0, no check"),
        ("optimize", "--trials", "1,000"),
        ("optimize", "--time-limit", "no limit"),
        ("review", "--time-limit", "no limit"),
        ("sweep", "--trials", "[sweep] trials, else the scenario's"),
    ],
)
def test_help_shows_defaults(command, option, default, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert option in text and f"(default: {default})" in text


@pytest.mark.parametrize("command", ["simulate", "compare"])
def test_variants_are_named_one_way(command):
    parser = build_parser()
    args = parser.parse_args([command, str(BASELINE), "--variants", "uncapped", "margin_gate"])
    assert args.variants == ["uncapped", "margin_gate"]
    args = parser.parse_args([command, str(BASELINE), "--variant", "a", "--variant", "b"])
    assert args.variants == ["a", "b"]


def _rec(weight: float, target: float, growth: float) -> Record:
    curve = {"points": [[0.5, 0.0], [1.0, 1.0]], "cap": 2.0}
    return Record(
        scenario="S",
        kind="review",
        period="FY2026",
        plan_name=f"plan w{weight}",
        plan={
            "measures": [
                {"id": "revenue", "weight": weight, "curve": curve},
                {"id": "csat", "weight": 1 - weight, "curve": curve},
            ]
        },
        targets={"Ana": {"target_revenue": target}, "Ben": {"target_revenue": 2_000_000.0}},
        assumptions={"market": {"growth": growth}},
        calibration={},
        results={"headline": {"incentive_cost": 1_234_567.0, "cost_of_sales": 0.05}},
    )


def test_history_lists_shows_and_diffs(tmp_path, capsys):
    store = str(tmp_path / "h.sqlite")
    assert record(_rec(0.6, 1_000_000.0, 0.05), store) == 1
    assert record(_rec(0.7, 1_100_000.0, 0.08), store) == 2
    assert main(["history", "--store", store]) == 0
    listed = capsys.readouterr().out
    assert "Version" in listed and "1,234,567" in listed and "5.0%" in listed
    assert "e+06" not in listed and "NaN" not in listed
    assert main(["history", "show", "2", "--store", store]) == 0
    shown = capsys.readouterr().out
    assert "version 2" in shown and "70.0%" in shown and "3,100,000" in shown
    assert main(["history", "diff", "1", "2", "--store", store]) == 0
    diff = capsys.readouterr().out
    assert "60.0%" in diff and "70.0%" in diff  # weights before and after
    assert "1,000,000" in diff and "1,100,000" in diff and "10.0%" in diff  # Ana's target
    assert "market.growth" in diff and "0.08" in diff  # an assumption
    assert main(["history", "diff", "1", "--store", store]) == 2  # needs two versions
    assert "takes 2 version" in capsys.readouterr().err


def test_make_demo_installs_the_runtime_only(tmp_path):
    """`make demo` in a fresh checkout installs planlab alone; `make test` adds [dev]."""
    from tests.conftest import ROOT

    venv = tmp_path / "venv"
    res = subprocess.run(
        ["make", "-n", "demo", f"VENV={venv}"], cwd=ROOT, capture_output=True, text=True
    )
    assert res.returncode == 0, res.stderr
    assert "install --quiet -e ." in res.stdout and "[dev]" not in res.stdout
    res = subprocess.run(
        ["make", "-n", "test", f"VENV={venv}"], cwd=ROOT, capture_output=True, text=True
    )
    assert '-e ".[dev]"' in res.stdout and "pytest" in res.stdout


@pytest.mark.parametrize(
    "name", ["key_account_baseline", "key_account_behaviour", "review_example"]
)
def test_compact_scenario_files_load_back_the_same(name, tmp_path):
    """Written compactly (only what differs from the defaults, arrays inline), a scenario
    loads back into the same scenario."""
    from planlab.kit.toml import compact_scenario_toml
    from sim import load_scenario
    from sim.scenario_toml import dump_scenario
    from tests.conftest import ROOT

    sc = load_scenario(ROOT / "scenarios" / f"{name}.toml")
    full, compact = dump_scenario(sc), compact_scenario_toml(sc, "written by a test")
    assert len(compact.splitlines()) < len(full.splitlines()) / 3
    assert compact.startswith("# written by a test")
    one_per_line = [x for x in compact.splitlines() if re.fullmatch(r"\s*-?[0-9.e+-]+,", x)]
    assert not one_per_line  # arrays of numbers are written inline
    (tmp_path / "a.toml").write_text(full)
    (tmp_path / "b.toml").write_text(compact)
    a, b = load_scenario(tmp_path / "a.toml"), load_scenario(tmp_path / "b.toml")
    skip = {"source", "digest"}
    assert a.model_dump(exclude=skip) == b.model_dump(exclude=skip)


def test_numbers_are_tidied_in_files():
    from planlab.kit.files import csv_number
    from planlab.kit.toml import compact_toml, tidy_number

    assert tidy_number(716704.1596000001) == 716704.16
    assert tidy_number(0.1 + 0.2) == 0.3
    assert csv_number(716704.1596000001) == "716704.16" and csv_number(0.0512345678) == "0.0512346"
    text = compact_toml({"plan": {"points": [[0.5, 0.0], [1.0, 1.0]], "target": 1234.5678}})
    assert "points = [[0.5, 0.0], [1.0, 1.0]]" in text and "target = 1234.57" in text


def test_terminal_tables_have_units_and_separators():
    import pandas as pd

    from planlab.calibrate.command import check_verdict
    from planlab.kit.terminal import metric_table

    table = pd.DataFrame(
        {"revenue_expected": [31_814_956.2], "cost_of_sales": [0.0571], "payout_gini": [0.34]},
        index=["base"],
    )
    text = metric_table(table, list(table.columns), "EUR")
    assert "€31,814,956" in text and "5.7%" in text and "Cost of sales" in text
    check = pd.DataFrame({"difference": [0.02, -0.15]}, index=["revenue (mean)", "p10"])
    assert check_verdict(check, 200).startswith(
        "verdict: FAIL"
    ) and "p10 (-15.0%)" in check_verdict(check, 200)
    assert check_verdict(check.iloc[:1], 200).startswith("verdict: PASS")


def test_compact_scenario_keeps_a_changed_distribution_whole(tmp_path):
    """A distribution table (tagged by ``dist``) that differs from the default in one
    parameter is written whole, so it still loads."""
    from planlab.kit.toml import compact_scenario_toml
    from sim import load_scenario
    from tests.conftest import ROOT

    sc = load_scenario(ROOT / "scenarios" / "key_account_baseline.toml")
    nb = sc.market.new_business
    size = nb.deal_size.model_copy(update={"mean_": nb.deal_size.mean_ * 1.37})
    market = sc.market.model_copy(
        update={"new_business": nb.model_copy(update={"deal_size": size})}
    )
    changed = sc.model_copy(update={"market": market})
    (tmp_path / "c.toml").write_text(compact_scenario_toml(changed))
    back = load_scenario(tmp_path / "c.toml")
    got = back.market.new_business.deal_size
    assert got.dist == size.dist and got.cv == size.cv
    assert got.mean_ == pytest.approx(size.mean_, abs=0.005)  # to the cent


def test_history_speaks_in_the_recorded_currency(tmp_path, capsys):
    """A version records its scenario's currency; list and show print amounts in it,
    and a list of versions in two currencies says which is which."""
    store = str(tmp_path / "h.sqlite")
    euro = _rec(0.6, 1_000_000.0, 0.05)
    euro = euro.__class__(**{**euro.__dict__, "results": {**euro.results, "currency": "EUR"}})
    assert record(euro, store) == 1
    assert main(["history", "--store", store]) == 0
    assert "€1,234,567" in capsys.readouterr().out
    assert main(["history", "show", "1", "--store", store]) == 0
    assert "€1.23M" in capsys.readouterr().out
    pound = euro.__class__(**{**euro.__dict__, "results": {**euro.results, "currency": "GBP"}})
    assert record(pound, store) == 2
    assert main(["history", "--store", store]) == 0
    listed = capsys.readouterr().out
    assert "Currency" in listed and "EUR" in listed and "GBP" in listed


def test_history_diff_reads_alike_whatever_recorded_the_targets(tmp_path, capsys):
    """A review keys targets by measure, an older check-in by the reps table's columns
    (``target_revenue``, with chances ``p_target_revenue``): the diff compares them as one
    measure, and long or listed assumptions stay one short line each."""
    store = str(tmp_path / "h.sqlite")
    review = _rec(0.6, 1_000_000.0, 0.05)
    review = replace(
        review,
        targets={"Ana": {"revenue": 1_000_000.0}, "Ben": {"revenue": 2_000_000.0}},
        assumptions={"market": {"growth": 0.05}, "notes": None},
    )
    checkin = _rec(0.6, 1_100_000.0, 0.05)
    checkin = replace(
        checkin,
        targets={
            "Ana": {"target_revenue": 1_100_000.0, "p_target_revenue": 0.4},
            "Ben": {"target_revenue": 2_000_000.0, "p_target_revenue": 0.6},
        },
        assumptions={
            "market": {"growth": 0.05},
            "notes": ["x" * 200, "the second note"],
            "level": 1.2931714863634098,
        },
    )
    record(review, store)
    record(checkin, store)
    assert main(["history", "diff", "1", "2", "--store", store]) == 0
    diff = capsys.readouterr().out
    assert "target_revenue" not in diff and "p_target" not in diff
    assert "3,000,000" in diff and "3,100,000" in diff and "3.3%" in diff
    assert "1.293" in diff and "1.2931714863634098" not in diff
    assert "characters, cut" in diff and "None" not in diff
    assert max(len(line) for line in diff.splitlines()) < 140
