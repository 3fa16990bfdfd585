"""The shipped CRM examples: Salesforce and HubSpot exports read through their presets
give the clean export's opportunities and the same fit, on the command line too."""

from __future__ import annotations

import importlib.util

import numpy as np
import pandas as pd
import pytest

from planlab.cli import main
from sim import load_scenario
from sim.calibration import calibrate_to_export
from sim.opportunities import load_opportunities
from tests.conftest import ROOT

CRM = ROOT / "scenarios" / "crm"
CLEAN = ROOT / "scenarios" / "key_account_opportunities.csv"
PIPELINE = ROOT / "scenarios" / "key_account_pipeline.toml"
EXPORTS = {"salesforce": "salesforce_opportunities.csv", "hubspot": "hubspot_deals.csv"}
SAME = ["owner", "amount", "created", "closed", "status", "kind", "cycle_days"]


def run(args, capsys):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def clean():
    return load_opportunities(CLEAN)


@pytest.mark.parametrize("preset", EXPORTS)
def test_preset_reads_its_export_as_the_clean_one(preset, clean):
    scenario = load_scenario(CRM / f"{preset}.toml")
    assert scenario.opportunities.preset == preset
    export = load_opportunities(CRM / EXPORTS[preset], scenario.opportunities)
    assert export.dropped == ()
    a, b = clean.table, export.table
    assert len(a) == len(b) == 1010
    for c in SAME:
        pd.testing.assert_series_equal(a[c], b[c], check_names=False, obj=c)
    # Open opportunities' close dates are expected ones: kept apart, with a warning.
    assert b.loc[b["status"] == "open", "closed"].isna().all()
    assert b.loc[b["status"] == "open", "expected_close"].notna().all()
    (warning,) = export.warnings
    assert "200 open opportunities" in warning and "lower every fitted deal rate by 19%" in warning


@pytest.mark.parametrize("preset", EXPORTS)
def test_presets_fit_the_rates_of_the_clean_export(preset, clean):
    scenario = load_scenario(CRM / f"{preset}.toml")
    export = load_opportunities(CRM / EXPORTS[preset], scenario.opportunities)
    fitted = calibrate_to_export(scenario, export.table).table["after"]
    expected = calibrate_to_export(load_scenario(PIPELINE), clean.table).table["after"]
    np.testing.assert_allclose(fitted.to_numpy(), expected.to_numpy(), rtol=1e-12)


def test_salesforce_detection_is_said():
    scenario = load_scenario(CRM / "salesforce.toml")
    notes = " | ".join(
        load_opportunities(CRM / EXPORTS["salesforce"], scenario.opportunities).notes
    )
    for part in ("Windows-1252", "USD", "month-first", "footer row(s) left out"):
        assert part in notes


def test_examples_are_what_the_script_makes(tmp_path):
    spec = importlib.util.spec_from_file_location("make_crm", CRM / "make_crm_exports.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(tmp_path)
    for name in (*EXPORTS.values(), "actuals.csv"):
        assert (tmp_path / name).read_bytes() == (CRM / name).read_bytes(), name


@pytest.mark.parametrize("preset", EXPORTS)
def test_calibrate_reads_the_export_through_its_preset(preset, tmp_path, capsys):
    out = tmp_path / "cal"
    code, stdout, err = run(
        ["calibrate", CRM / f"{preset}.toml", "--export", CRM / EXPORTS[preset], "--out", out],
        capsys,
    )
    assert code == 0, err
    assert "warning:" in err and "expected close dates" in err
    table = pd.read_csv(out / "calibration.csv", index_col=0)
    clean = calibrate_to_export(load_scenario(PIPELINE), load_opportunities(CLEAN).table)
    # calibration.csv keeps six significant digits; the fit itself is compared exactly
    # in test_presets_fit_the_rates_of_the_clean_export.
    np.testing.assert_allclose(table["after"], clean.table["after"], rtol=1e-5)
    assert (out / "calibrated.toml").read_text(encoding="utf-8").startswith("# warning:")
    assert load_scenario(out / "calibrated.toml").market.new_business.deals_per_month == (
        pytest.approx(table.loc["new deals per rep-month", "after"], rel=1e-5)
    )


def test_review_reads_the_hubspot_export_through_its_preset(tmp_path, capsys):
    out = tmp_path / "review"
    args = ["review", CRM / "hubspot.toml", "--opportunities", CRM / EXPORTS["hubspot"]]
    args += ["--no-optimize", "--no-history", "--trials", 40, "--out", out]
    code, stdout, err = run(args, capsys)
    assert code == 0, err
    assert "review of FY2027, 40 reps" in stdout
    assert "Data warning:" in stdout and "expected close dates" in stdout
    assert "outside the review" in err  # the one deal closed in January 2028
    assert (out / "report.html").exists()
