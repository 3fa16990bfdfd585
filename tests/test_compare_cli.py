"""``planlab compare`` end to end, and the Excel workbooks of ``--xlsx``."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from openpyxl import load_workbook

from planlab.cli import main
from planlab.kit.excel import workbook_bytes
from sim.metrics import METRICS
from tests.conftest import BASELINE

FILES = {
    "comparison.csv",
    "differences.csv",
    "rep_differences.csv",
    "summary.json",
    "manifest.json",
    "report.html",
    ".planlab.json",  # the marker: planlab wrote this directory
}


def run(args, capsys):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    out = tmp_path_factory.mktemp("cmp") / "run"
    args = ["compare", BASELINE, "--variants", "uncapped", "margin_gate", "--trials", 150]
    assert main([str(a) for a in [*args, "--seed", 4, "--out", out, "--xlsx", "--quiet"]]) == 0
    return out


def test_compare_writes_every_output(compared):
    assert {p.name for p in compared.iterdir()} == FILES | {"workbook.xlsx"}
    summary = json.loads((compared / "summary.json").read_text())
    assert set(summary["differences"]) == {"uncapped", "margin_gate"}
    assert set(summary["comparison"]["cost_of_sales"]) == {"base", "uncapped", "margin_gate"}
    cos = summary["differences"]["uncapped"]["cost_of_sales"]
    assert cos["ci_low"] <= cos["difference"] <= cos["ci_high"] and cos["material"]
    assert summary["findings"][0].startswith("Variant uncapped costs")
    rows = list(csv.DictReader(io.StringIO((compared / "differences.csv").read_text())))
    assert len(rows) == 2 * len(METRICS) and {"variant", "metric", "ci_low", "material"} <= set(
        rows[0]
    )
    html = (compared / "report.html").read_text()
    assert 'id="comparison"' in html and 'id="earnings"' in html
    assert html.index('id="executive-summary"') < html.index('id="comparison"')


def test_compare_prints_the_table_and_findings(tmp_path, capsys):
    out = tmp_path / "c"
    code, stdout, err = run(
        ["compare", BASELINE, "--variants", "uncapped", "--trials", 60, "--out", out], capsys
    )
    assert code == 0, err
    assert "Cost of sales" in stdout and "- Variant uncapped" in stdout
    assert set(json.loads((out / "summary.json").read_text())["differences"]) == {"uncapped"}
    assert not (out / "workbook.xlsx").exists()


def test_same_seed_same_comparison_bytes(tmp_path, capsys):
    for d in ("a", "b"):
        args = ["compare", BASELINE, "--variants", "team_component", "--trials", 60]
        assert run([*args, "--seed", 3, "--out", tmp_path / d, "--quiet"], capsys)[0] == 0
    same = [(tmp_path / d / "summary.json").read_bytes() for d in ("a", "b")]
    assert same[0] == same[1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--variants", "uncapped", "nope"], "unknown variant 'nope'"),
        (["--variants", "base"], "nothing to compare"),
        (["--trials", "1"], "--trials"),
    ],
)
def test_bad_compare_input_exits_2_and_writes_nothing(tmp_path, capsys, args, message):
    out = tmp_path / "never"
    try:
        code = main([str(a) for a in ["compare", BASELINE, *args, "--out", out]])
    except SystemExit as exc:  # argparse rejects a bad option value itself, with code 2
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_compare_never_overwrites_without_force(tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    args = ["compare", BASELINE, "--variants", "uncapped", "--trials", 40, "--out", out]
    code, _, err = run(args, capsys)
    assert code == 2 and "--force" in err and (out / "keep.txt").read_text() == "mine"
    code, _, err = run([*args, "--force", "--quiet"], capsys)  # not planlab's: refused
    assert code == 2 and "not written by planlab" in err and (out / "keep.txt").exists()
    (out / "keep.txt").unlink()  # an empty directory may be replaced
    assert run([*args, "--force", "--quiet"], capsys)[0] == 0
    assert run([*args, "--force", "--quiet"], capsys)[0] == 0  # and planlab's own output
    assert {p.name for p in out.iterdir()} == FILES
    assert [p.name for p in tmp_path.iterdir()] == ["run"]  # no temporary leftovers


def test_a_failure_while_writing_leaves_nothing(tmp_path, capsys, monkeypatch):
    import planlab.compare.command as cr

    def broken(*a, **k):
        files = {"comparison.csv": "x"}
        files["report.html"] = object()  # not text: writing it fails half-way
        return files

    monkeypatch.setattr(cr, "compare_files", broken)
    out = tmp_path / "run"
    with pytest.raises(TypeError):
        main(
            [
                "compare",
                str(BASELINE),
                "--variants",
                "uncapped",
                "--trials",
                "20",
                "--out",
                str(out),
            ]
        )
    assert list(tmp_path.iterdir()) == []


def test_simulate_xlsx(tmp_path, capsys):
    out = tmp_path / "sim"
    code, stdout, err = run(
        ["simulate", BASELINE, "--variant", "uncapped", "--trials", 40, "--out", out, "--xlsx"],
        capsys,
    )
    assert code == 0, err
    assert "workbook.xlsx" in stdout
    wb = load_workbook(out / "workbook.xlsx")
    assert wb.sheetnames == [
        "Summary",
        "Plan variants",
        "Variant metrics",
        "Reps",
        "Earnings calculator",
        "Earnings",
        "Earnings uncapped",
    ]


def test_workbook_holds_typed_tables(compared):
    wb = load_workbook(compared / "workbook.xlsx")
    assert {"Summary", "Variant metrics", "Differences", "Reps", "Earnings"} <= set(wb.sheetnames)
    for ws in wb:
        assert ws.freeze_panes == "B2", ws.title  # the same frozen panes everywhere
        assert all(c.font.b for c in ws[1] if c.value is not None), ws.title
    metrics = wb["Variant metrics"]
    assert [c.value for c in metrics[1]] == ["metric", "base", "uncapped", "margin_gate"]
    rows = {r[0].value: r for r in metrics.iter_rows(min_row=2)}
    assert isinstance(rows["revenue_expected"][1].value, float)
    assert rows["cost_of_sales"][1].number_format == "0.0%"
    assert rows["revenue_expected"][1].number_format == '"$"#,##0'  # the scenario's USD
    reps = wb["Reps"]
    header = [c.value for c in reps[1]]
    assert header[:2] == ["rep", "team"] and "payout_expected_uncapped" in header
    assert "target_revenue" in header and reps.max_row == 41
    first = [c.value for c in reps[2]]
    assert isinstance(first[0], str) and all(
        isinstance(first[header.index(k)], int | float) for k in ("target_revenue", "payout_p90")
    )
    earnings = wb["Earnings"]
    assert earnings.max_row == 22 and earnings["A2"].number_format == "0.0%"
    total = [c.value for c in earnings[1]].index("incentive_total")
    assert earnings.cell(row=12, column=total + 1).value == pytest.approx(40_000)  # at target
    diffs = wb["Differences"]
    assert [c.value for c in diffs[1]][:3] == ["variant", "metric", "base"]
    assert diffs.auto_filter.ref.startswith("A1:")


def test_formula_text_is_stored_as_text(tmp_path):
    import pandas as pd

    df = pd.DataFrame(
        {"payout_expected": [1.5, 2.0], "note": ["@SUM(A1)", "+1"]},
        index=pd.Index(["=cmd|' /C calc'!A0", "-2"], name="rep"),
    )
    path = tmp_path / "w.xlsx"
    path.write_bytes(workbook_bytes({"Reps": df}))
    ws = load_workbook(path)["Reps"]
    for cell in (ws["A2"], ws["A3"], ws["C2"], ws["C3"]):
        assert cell.data_type == "s" and isinstance(cell.value, str), cell.value
    assert ws["A2"].value == "=cmd|' /C calc'!A0"
    assert ws["B2"].value == 1.5 and ws["B2"].data_type == "n"
    with zipfile.ZipFile(path) as z:  # no formula anywhere in the sheet's XML
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet


def test_comparison_report_escapes_user_text(tmp_path):
    from planlab.compare.command import compare_files
    from sim import load_scenario, simulate
    from tests.test_report import PAYLOAD, _write_hostile_scenario

    result = simulate(load_scenario(_write_hostile_scenario(tmp_path)), trials=50)
    files = compare_files(result, xlsx=True)
    html = files["report.html"]
    assert PAYLOAD not in html and "<script" not in html.lower()
    assert "&lt;script&gt;" in html
    assert files["comparison.csv"].count(",") > 10
    path = tmp_path / "w.xlsx"
    path.write_bytes(files["workbook.xlsx"])
    reps = load_workbook(path)["Reps"]
    names = [r[0].value for r in reps.iter_rows(min_row=2)]
    assert PAYLOAD in names  # a workbook keeps the name as written, as plain text
