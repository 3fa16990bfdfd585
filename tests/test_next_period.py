"""Next period's targets re-optimised at the end of a review: ratchet on last period's
actual targets, targets-only keeps the plan shape, the new plan as a scenario variant,
the history version with its targets, the workbook, and ``planlab review`` end to end."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import openpyxl
import pandas as pd
import pytest

from optimize.next_period import next_period_plan, reoptimisation_scenario
from planlab.cli import main
from planlab.review.files import review_record
from planlab.review.history import Record, list_records, read_record, record
from planlab.review.next_period import NEXT_VARIANT, next_period_files
from sim import ScenarioError, load_scenario, simulate
from sim.actuals import load_actuals
from sim.review import annual_review
from tests.conftest import ROOT
from tests.sections import assert_each_section_once, assert_first_screen

EXAMPLE = ROOT / "scenarios" / "review_example.toml"
EVIL = "<script>alert(1)</script>=cmd"
NUMBER = 82_000_000

# Small optimiser settings, so that a review with re-optimisation takes seconds.
SMALL = f"""
[optimize]
trials = 60
scenarios = 20
frontier_points = 0
[optimize.constraints]
company_number = {NUMBER}
bad_year = false
"""


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """The shipped example with one rep renamed to markup and a formula, and every
    other rep's FY2026 quota cut by 10% (so last period's actual targets differ from
    the roster's designed ones); small optimiser settings."""
    tmp = tmp_path_factory.mktemp("next")
    roster = pd.read_csv(ROOT / "scenarios" / "review_team.csv", dtype=str)
    actuals = pd.read_csv(ROOT / "scenarios" / "review_actuals.csv", dtype=str)
    old = roster.loc[0, "name"]
    roster.loc[0, "name"] = EVIL
    actuals.loc[actuals["Account Manager"] == old, "Account Manager"] = EVIL
    cut = actuals["Account Manager"].isin(roster["name"].iloc[::2]) & actuals[
        "Month"
    ].str.startswith("2026")
    quota = pd.to_numeric(actuals.loc[cut, "Quota"], errors="coerce") * 0.9
    actuals.loc[cut, "Quota"] = quota.round(2).astype(str)
    roster.to_csv(tmp / "team.csv", index=False)
    actuals.to_csv(tmp / "actuals.csv", index=False)
    (tmp / "scenario.toml").write_text(
        f'extends = "{EXAMPLE.as_posix()}"\n[team]\nroster = "team.csv"\n'
        f'[actuals]\nsource = "actuals.csv"\n{SMALL}',
        encoding="utf-8",
    )
    return tmp


@pytest.fixture(scope="module")
def reviewed(folder):
    sc = load_scenario(folder / "scenario.toml")
    actuals = load_actuals(sc, drop_bad_rows=True)
    return annual_review(sc, actuals, trials=100, seed=3)


@pytest.fixture(scope="module")
def full(reviewed):
    return next_period_plan(reviewed.review, trials=100, seed=3)


@pytest.fixture(scope="module")
def held(reviewed):
    return next_period_plan(reviewed.review, targets_only=True, ratchet=0.1, trials=100, seed=3)


def _actual_targets(reviewed) -> pd.Series:
    year = reviewed.review.year
    return pd.Series(year.values["target_revenue"].sum(1), index=list(year.reps))


@pytest.mark.parametrize("which, limit", [("full", 0.15), ("held", 0.1)])
def test_targets_respect_the_ratchet_on_last_periods_actual_targets(
    folder, reviewed, full, held, which, limit
):
    nxt = {"full": full, "held": held}[which]
    assert nxt.feasible
    t = nxt.targets.set_index("rep")
    last = _actual_targets(reviewed).reindex(t.index)
    roster = pd.read_csv(folder / "team.csv").set_index("name")["target_revenue"]
    designed = roster.reindex(t.index)
    assert (last < 0.95 * designed).sum() >= 50  # half the actual targets are below the design
    np.testing.assert_allclose(t["last_target"], last, rtol=1e-9)
    change = t["target"] / last - 1
    assert change.abs().max() <= limit + 1e-9
    c = nxt.optimisation.spec.constraints
    assert NUMBER * (1 - 1e-9) <= t["target"].sum() <= NUMBER * (1 + c.overassign) + 1e-3


def test_targets_only_keeps_the_plan_shape(full, held):
    base = held.scenario.plan
    assert held.plan.measure_ids == base.measure_ids
    for m in base.measures:
        new = held.plan.measure(m.id)
        assert new.weight == m.weight and new.curve == m.curve
    assert len(held.optimisation.shapes) == 1
    # The full re-optimisation may change the shape (the menu's curve family).
    assert any(full.plan.measure(m.id).curve != m.curve for m in base.measures)


def test_new_plan_variant_loads_and_simulates(full, tmp_path):
    files = next_period_files(full)
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    sc = load_scenario(tmp_path / "next_plan.toml")
    plan = sc.variants[NEXT_VARIANT]
    listed = plan.measure("revenue").rep_targets
    want = full.targets.set_index("rep")["target"]
    # Handed on to the cent (scenario files round amounts to cents).
    np.testing.assert_allclose([listed[n] for n in want.index], want.to_numpy(), rtol=0, atol=0.005)
    result = simulate(sc, [NEXT_VARIANT], trials=40, seed=1)
    assert list(result.variants) == ["base", NEXT_VARIANT]
    last = result.base.plan.measure("revenue")
    assert last.target_basis == "roster"  # last period's plan reads the actual targets
    targets = pd.read_csv(tmp_path / "targets.csv")
    assert targets["target"].sum() == pytest.approx(want.sum())


def test_history_keeps_the_new_plan_and_targets(reviewed, full, tmp_path):
    store = tmp_path / "h.sqlite"
    version = record(review_record(reviewed, "actuals.csv", full), store)
    rec = read_record(reviewed.review.scenario.name, version, store)
    assert rec["plan_name"] == full.plan.name and "FY2027" in rec["plan_name"]
    new = full.targets.set_index("rep")["target"]
    assert {n: rec["targets"][n]["revenue"] for n in new.index} == pytest.approx(new.to_dict())
    last = _actual_targets(reviewed)
    kept = rec["results"]["reviewed"]["targets"]
    assert {n: kept[n]["revenue"] for n in last.index} == pytest.approx(last.to_dict())
    assert rec["results"]["next_period"]["targets_total"] == pytest.approx(new.sum())
    assert list_records(store)["next_targets_total"].iloc[0] == pytest.approx(new.sum())


def test_a_version_is_recorded_only_with_its_files(tmp_path):
    store = tmp_path / "h.sqlite"
    rec = Record("S", "review", "FY2026", "p", {}, {"a": 1.0}, {}, {}, {"headline": {}})

    def fail(version: int) -> None:
        raise OSError(f"disk full while writing version {version}")

    with pytest.raises(OSError):
        record(rec, store, then=fail)
    assert list_records(store).empty
    seen = []
    assert record(rec, store, then=seen.append) == 1 and seen == [1]


def run(args, capsys):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_review_that_cannot_write_records_nothing(folder, tmp_path, capsys):
    (tmp_path / "file").write_text("not a folder", encoding="utf-8")
    store = tmp_path / "h.sqlite"
    args = ["review", folder / "scenario.toml", "--drop-bad-rows", "--no-optimize"]
    args += ["--trials", 50, "--store", store, "--out", tmp_path / "file" / "out"]
    code, _, err = run(args, capsys)
    assert code == 2 and "cannot create the output directory" in err
    assert not store.exists()  # refused before anything was recorded


def test_review_reoptimises_through_the_command_line(folder, tmp_path, capsys):
    out, store = tmp_path / "review", tmp_path / "h.sqlite"
    args = ["review", folder / "scenario.toml", "--drop-bad-rows", "--trials", 80]
    args += ["--store", store, "--out", out]
    code, stdout, err = run(args, capsys)
    assert code == 0, err
    assert "Next period (FY2027)" in stdout and "history version 1" in stdout
    names = {p.name for p in out.iterdir()}
    assert {"next_plan.toml", "next_period_scenario.toml", "targets.csv", "review.xlsx"} <= names
    html = (out / "report.html").read_text(encoding="utf-8")
    assert_each_section_once(html)
    assert 'id="next-period"' in html and "Binding constraints" in html
    summary = assert_first_screen(html, "fig-fit")
    assert summary[1].startswith("Next period (FY2027): Targets sum to")
    assert 'id="solver" class="appendix"' in html and "Plan shapes compared" in html
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    wb = openpyxl.load_workbook(out / "review.xlsx")
    for sheet in (
        "Summary",
        "Design vs reality",
        "Reps",
        "Next period targets",
        "New vs last plan",
    ):
        assert sheet in wb.sheetnames
    promised = wb["Model vs simulation"]  # each row in its unit, numbers kept as numbers
    assert promised["A2"].value == "share of reps at target"
    assert promised["B2"].number_format == "0.0%" and isinstance(promised["B2"].value, float)
    assert promised["A3"].value == "expected incentive cost"
    assert promised["B3"].number_format == '"$"#,##0'
    binding = {r[0].value: r for r in wb["Binding constraints"].iter_rows(min_row=2)}
    formats = {"Cost of sales": "0.0%", "Company number": '"$"#,##0', "Ratchet": "0.0%"}
    for name, fmt in formats.items():  # each constraint's value a number in its unit
        assert binding[name][1].number_format == fmt, name
        assert isinstance(binding[name][1].value, float)
    assert all(r[4].number_format == '"$"#,##0' for r in binding.values())
    reps = wb["Next period targets"]
    cells = [c for row in reps.iter_rows() for c in row if c.value == EVIL]
    assert cells and all(c.data_type == "s" for c in cells)  # text, never a formula
    summary = json.loads((out / "summary.json").read_text())
    assert summary["next_period"]["feasible"] and summary["history_version"] == 1
    sim_out = tmp_path / "sim"
    argv = ["simulate", out / "next_plan.toml", "--variant", NEXT_VARIANT, "--trials", 30]
    assert run([*argv, "--out", sim_out, "--quiet"], capsys)[0] == 0
    # Targets only, a new company number: a new version with the held shape.
    number = 80_000_000
    args = [*args[:-1], tmp_path / "held", "--targets-only", "--company-number", number]
    code, stdout, err = run(args, capsys)
    assert code == 0, err
    held = pd.read_csv(tmp_path / "held" / "targets.csv")
    cents = 0.005 * len(held)  # targets.csv gives amounts to the cent
    assert number * (1 - 1e-9) - cents <= held["target"].sum() <= number * 1.1
    table = list_records(store)
    assert list(table["version"]) == [1, 2]
    assert table["next_targets_total"].iloc[1] == pytest.approx(held["target"].sum())
    # A company number no plan can reach: exit 1, the smallest relaxations written.
    args = [*args[:-2], "--company-number", 200_000_000, "--out", tmp_path / "none"]
    args = [a for a in args if a != "--targets-only"] + ["--targets-only", "--no-history"]
    code, stdout, err = run(args, capsys)
    assert code == 1, err
    relax = pd.read_csv(tmp_path / "none" / "relaxation.csv")
    assert "company_number" in set(relax["constraint"])
    assert not (tmp_path / "none" / "next_plan.toml").exists()


def test_a_review_needs_the_menu_family(reviewed):
    rv = reviewed.review
    linear = rv.calibrated.model_copy(update={"optimize": {"family": "linear"}})
    with pytest.raises(ScenarioError, match="optimize.family"):
        reoptimisation_scenario(dataclasses.replace(rv, calibrated=linear))
    bad = rv.calibrated.model_copy(update={"optimize": {"levels": {"count": 1}}})
    with pytest.raises(ScenarioError, match="optimize.levels.count"):
        reoptimisation_scenario(dataclasses.replace(rv, calibrated=bad))
