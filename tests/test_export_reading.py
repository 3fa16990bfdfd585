"""Exports as they come: each damaged or foreign-format file gives the right values or
the right error (file, row, column); nothing is guessed silently."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planlab.cli import main
from sim import ScenarioError, load_scenario
from sim.actuals import load_actuals
from sim.amounts import NumberFormat, number_format, read_number
from sim.calibration import calibrate_to_export
from sim.dates import DAY_FIRST, MONTH_FIRST, DateOrder, date_order, read_date, read_month
from sim.opportunities import ExportError, load_opportunities, read_opportunities
from sim.opportunity_spec import OpportunitySpec
from tests.conftest import ROOT

PIPELINE = ROOT / "scenarios" / "key_account_pipeline.toml"
CLEAN = ROOT / "scenarios" / "key_account_opportunities.csv"
CRM = ROOT / "scenarios" / "crm"
SF = "Opportunity Owner,Account Name,Stage,Amount,Close Date,Created Date,Type,Closed,Won\n"
TEAM = {"Ann": "North", "Bob": "South"}


def write(tmp_path, text: str, encoding: str = "utf-8", name: str = "crm.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def salesforce(**over) -> OpportunitySpec:
    return OpportunitySpec(preset="salesforce", **over)


# -- foreign formats read right ----------------------------------------------------


def test_semicolon_european_file_with_decimal_commas(tmp_path):
    text = SF.replace(",", ";") + (
        "Ann;Acme;Closed Won;63.327,00;14.04.2027;02.01.2027;New Business;1;1\n"
        "Ann;Beta;Closed Lost;1.200,5;03.05.2027;15.01.2027;Existing Business;1;0\n"
        "Bob;Gamma;Negotiation/Review;12,25;01.09.2027;01.02.2027;New Business;0;0\n"
    )
    export = load_opportunities(write(tmp_path, text), salesforce())
    t = export.table
    assert t["amount"].tolist() == [63327.0, 1200.5, 12.25]
    assert t["closed"].iloc[0] == pd.Timestamp("2027-04-14")
    assert t["created"].iloc[1] == pd.Timestamp("2027-01-15")
    assert t["status"].tolist() == ["won", "lost", "open"]
    assert t["kind"].tolist() == ["new", "expansion", "new"]
    notes = " | ".join(export.notes)
    assert "semicolon-separated, detected" in notes and "decimal comma detected" in notes
    assert "day-first, detected from row 3: '15.01.2027'" in notes


def test_windows_1252_export_is_read_and_said(tmp_path):
    text = SF + 'Zoë Brandt,Société Générale,Closed Won,"USD 63,327.00",4/14/2027,1/2/2027,,1,1\n'
    spec = salesforce(owners={"Zoë Brandt": "Ann"})
    export = load_opportunities(write(tmp_path, text, "cp1252"), spec, teams=TEAM)
    assert export.table["account"].iloc[0] == "Société Générale"
    assert export.table["owner"].iloc[0] == "Ann"  # the alias
    assert export.table["amount"].iloc[0] == 63327.0
    assert "read as Windows-1252, detected" in export.notes[0]


def test_currency_and_thousands_are_read_and_one_currency_is_required(tmp_path):
    good = SF + (
        'Ann,A,Closed Won,"USD 63,327.00",4/14/2027,1/2/2027,New Business,1,1\n'
        'Ann,B,Closed Won,"$1,000",4/15/2027,1/2/2027,New Business,1,1\n'
    )
    t = read_opportunities(write(tmp_path, good), salesforce())
    assert t["amount"].tolist() == [63327.0, 1000.0]
    bad = good + "Bob,C,Closed Won,EUR 5.00,4/16/2027,1/2/2027,New Business,1,1\n"
    with pytest.raises(ExportError) as err:
        read_opportunities(write(tmp_path, bad), salesforce())
    assert "row 4, column 'Amount': 'EUR 5.00' is in EUR, not USD" in str(err.value)


def test_footer_is_an_error_without_skip_footer_and_left_out_with_it(tmp_path):
    text = SF + (
        "Ann,A,Closed Won,100,4/14/2027,1/2/2027,New Business,1,1\n"
        "\n"
        '"Confidential Information - Do Not Distribute"\n'
        '"Copyright (c) 2000-2027 salesforce.com, inc. All rights reserved."\n'
    )
    path = write(tmp_path, text)
    with pytest.raises(ExportError) as err:
        read_opportunities(path, salesforce(skip_footer=0))
    msg = str(err.value)
    assert "2 bad row(s)" in msg  # both footer rows listed, not only the first
    assert "row 4: expected 9 fields, got 1; a report footer? set skip_footer" in msg
    assert "row 5: expected 9 fields, got 1" in msg
    export = load_opportunities(path, salesforce())  # the preset skips footers
    assert len(export.table) == 1 and "2 footer row(s) left out" in export.notes[-1]
    assert len(read_opportunities(path, salesforce(skip_footer=2))) == 1


def test_stage_names_give_the_status_without_flags(tmp_path):
    text = (
        "owner,account,amount,created,closed,stage\n"
        "Ann,A,100,2027-01-02,2027-03-01,Closed Won\n"
        "Ann,B,0,2027-01-02,2027-03-01,Closed Lost\n"
        "Bob,C,0,2027-01-02,,Open\n"
        "Bob,D,0,2027-01-02,,Negotiation\n"
    )
    with pytest.raises(ExportError) as err:
        read_opportunities(write(tmp_path, text))
    assert "row 5, column 'stage': 'Negotiation' is not a known stage" in str(err.value)
    spec = OpportunitySpec(status_values={"open": ["open", "negotiation"]})
    t = read_opportunities(write(tmp_path, text), spec)
    assert t["status"].tolist() == ["won", "lost", "open", "open"]


def test_flags_that_contradict_the_stage_are_errors(tmp_path):
    text = SF + "Ann,A,Closed Lost,100,4/14/2027,1/2/2027,New Business,1,1\n"
    with pytest.raises(ExportError, match="row 2, column 'Stage': 'Closed Lost' is lost but"):
        read_opportunities(write(tmp_path, text), salesforce())


def test_missing_columns_hint_at_the_delimiter_and_the_presets(tmp_path):
    text = SF.replace(",", ";") + "Ann;A;Closed Won;100;4/14/2027;1/2/2027;New Business;1;1\n"
    with pytest.raises(ExportError) as err:
        read_opportunities(write(tmp_path, text), salesforce(delimiter=","))
    msg = str(err.value)
    assert "missing column(s) 'owner' (mapped to 'Opportunity Owner')" in msg
    assert 'declare the delimiter (delimiter = ";")' in msg
    with pytest.raises(ExportError, match='preset = "salesforce"'):
        read_opportunities(write(tmp_path, SF + "Ann,A,Closed Won,1,4/14/2027,1/2/2027,,1,1\n"))


# -- dates ----------------------------------------------------------------------------


def test_ambiguous_day_month_dates_stop_naming_column_rows_and_option(tmp_path):
    text = SF + (
        "Ann,A,Closed Won,100,04/05/2027,01/01/2027,New Business,1,1\n"
        "Ann,B,Closed Won,100,01/03/2027,01/01/2027,New Business,1,1\n"
    )
    path = write(tmp_path, text)
    with pytest.raises(ExportError) as err:
        read_opportunities(path, salesforce())
    msg = str(err.value)
    assert str(path) in msg and "'Close Date'" in msg
    assert "row 2: '04/05/2027' and row 3: '01/03/2027'" in msg
    assert 'date_format = "%d/%m/%Y" or "%m/%d/%Y"' in msg
    t = read_opportunities(path, salesforce(date_format="%d/%m/%Y"))
    assert t["closed"].tolist() == [pd.Timestamp("2027-05-04"), pd.Timestamp("2027-03-01")]
    t = read_opportunities(path, salesforce(date_format="%m/%d/%Y"))
    assert t["closed"].tolist() == [pd.Timestamp("2027-04-05"), pd.Timestamp("2027-01-03")]


def test_first_of_month_european_dates_read_day_first_when_the_file_shows_it(tmp_path):
    text = SF + (
        "Ann,A,Closed Won,100,01/03/2027,01/02/2027,New Business,1,1\n"
        "Ann,B,Closed Won,100,28/03/2027,01/02/2027,New Business,1,1\n"
    )
    t = read_opportunities(write(tmp_path, text), salesforce())
    assert t["closed"].tolist() == [pd.Timestamp("2027-03-01"), pd.Timestamp("2027-03-28")]
    assert t["created"].iloc[0] == pd.Timestamp("2027-02-01")


@pytest.mark.parametrize(
    ("cell", "needle"),
    [
        ("2025Q1", "'2025Q1' is a quarter, not a date"),
        ("2025-03", "'2025-03' is a month, not a date"),
        ("2025", "'2025' is a year, not a date"),
        ("2999-03-01", "year 2999 is not plausible"),
        ("31/02/2027", "'31/02/2027' is not a date"),
    ],
)
def test_periods_and_impossible_dates_in_a_date_column(cell, needle, tmp_path):
    text = "owner,account,amount,created,closed,status\n" + f"Ann,A,1,2027-01-01,{cell},won\n"
    with pytest.raises(ExportError) as err:
        read_opportunities(write(tmp_path, text))
    assert f"row 2, column 'closed': {needle}" in str(err.value)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2025-03", pd.Period("2025-03", "M")),
        ("03/2025", pd.Period("2025-03", "M")),
        ("Mar 2025", pd.Period("2025-03", "M")),
        ("2025-03-31", pd.Period("2025-03", "M")),
        ("2025Q1", "'2025Q1' is a quarter, not a month"),
        ("2025", "'2025' is a year, not a month"),
        ("2999-03", "year 2999 is not plausible"),
        ("2025-13", "is not a month"),
    ],
)
def test_months_are_read_as_periods_never_as_a_day(cell, expected):
    got = read_month(cell, DateOrder(None))
    if isinstance(expected, str):
        assert isinstance(got, str) and expected in got
    else:
        assert got == expected


@settings(max_examples=60, deadline=None)
@given(
    days=st.lists(st.dates(date(1990, 1, 1), date(2090, 12, 31)), min_size=1, max_size=12),
    day_first=st.booleans(),
)
def test_day_month_order_is_never_guessed(days, day_first):
    """Written either way, a column reads back exactly when its order can be told (or is
    declared), and otherwise stops; it never reads a date wrong."""
    fmt = DAY_FIRST if day_first else MONTH_FIRST
    cells = [(f"row {i + 2}", d.strftime(fmt)) for i, d in enumerate(days)]
    order = date_order({"closed": cells}, None, "date_format")
    ambiguous = all(d.day <= 12 for d in days) and any(d.day != d.month for d in days)
    assert bool(order.error) == ambiguous
    for o in ([] if ambiguous else [order]) + [date_order({}, fmt, "date_format")]:
        assert [read_date(c, o) for _, c in cells] == [
            datetime(d.year, d.month, d.day) for d in days
        ]


# -- numbers --------------------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(
    cents=st.integers(0, 10**12),
    comma=st.booleans(),
    mark=st.sampled_from(["", "USD ", "$", " EUR", " €"]),
)
def test_amounts_read_back_in_either_convention(cents, comma, mark):
    value = cents / 100
    text = f"{value:,.2f}"
    if comma:
        text = text.replace(",", " ").replace(".", ",").replace(" ", ".")
    text = mark + text if not mark.startswith(" ") else text + mark
    fmt, err = number_format([("row 2", text)])
    assert not err
    assert fmt.decimal == ("," if comma else ".")
    assert read_number(text, fmt) == pytest.approx(value, abs=1e-9)


def test_a_declared_thousands_separator_settles_the_decimal_one():
    fmt, _ = number_format([("row 2", "63.327")], thousands=".")
    assert fmt.decimal == "," and read_number("63.327", fmt) == 63327.0


def test_a_number_with_the_wrong_separator_is_an_error():
    assert "not a number" in read_number("1,5", NumberFormat("."))
    assert "not a number" in read_number("12.34.5", NumberFormat(","))
    fmt, err = number_format([("row 2", "1.234,50"), ("row 3", "1,234.50")])
    assert "decimal comma (row 2: '1.234,50') and a decimal point (row 3: '1,234.50')" in err


# -- every problem reported ---------------------------------------------------------


def test_every_bad_row_is_listed(tmp_path):
    text = "owner,account,amount,created,closed,status\n" + (
        "Ann,A,lots,2027-01-01,2027-02-01,won\n"
        "Ann,B,10,2027-01-01,2027-02-01,won\n"
        "Ann,C,10,2027/13/45,2027-02-01,won\n"
        "Ann,D,10,2027-01-01,2027-02-01,maybe\n"
        "Ann,E,-5,2027-03-01,2027-02-01,won\n"
    )
    path = write(tmp_path, text)
    with pytest.raises(ExportError) as err:
        read_opportunities(path)
    msg = str(err.value)
    assert "4 bad row(s)" in msg
    for needle in (
        "row 2, column 'amount': 'lots' is not a number",
        "row 4, column 'created': '2027/13/45' is not a date",
        "row 5, column 'status': 'maybe' is not a known status",
        "row 6, column 'amount': '-5' must be a number >= 0",
        "row 6, column 'closed': 2027-02-01 is before created",
    ):
        assert f"{path}: {needle}" in msg
    export = load_opportunities(path, drop_bad_rows=True)
    assert export.table["account"].tolist() == ["B"]
    assert len(export.dropped) == 5 and {p.row for p in export.dropped} == {
        "row 2",
        "row 4",
        "row 5",
        "row 6",
    }


def test_unknown_owners_are_listed_and_dropped_on_request(tmp_path):
    rows = ["Ann,A,10,2027-01-01,2027-02-01,won\n"] + [
        f"Integration User,X{i},10,2027-01-01,2027-02-01,won\n" for i in range(43)
    ]
    path = write(tmp_path, "owner,account,amount,created,closed,status\n" + "".join(rows))
    with pytest.raises(ExportError) as err:
        load_opportunities(path, teams=TEAM)
    msg = str(err.value)
    assert "43 bad row(s)" in msg and "... and 31 more" in msg
    assert "row 3, column 'owner': 'Integration User' is not a rep of the scenario's team" in msg
    assert "(43 opportunities)" in msg
    export = load_opportunities(path, teams=TEAM, drop_bad_rows=True)
    assert export.table["owner"].tolist() == ["Ann"] and len(export.dropped) == 43
    declared = load_opportunities(
        path, OpportunitySpec(drop_owners=["Integration User"]), teams=TEAM
    )
    assert len(declared.table) == 1 and "in drop_owners" in declared.dropped[0].message


# -- what the export cannot say ------------------------------------------------------


def test_inferred_kind_is_a_warning_with_its_effect_on_the_fit(tmp_path):
    no_kind = pd.read_csv(CLEAN, dtype=str, keep_default_na=False).drop(columns="kind")
    path = tmp_path / "nokind.csv"
    no_kind.to_csv(path, index=False)
    export = load_opportunities(path)
    (warning,) = export.warnings
    assert "no deal kind for 277 won opportunities" in warning and "columns.kind" in warning
    scenario = load_scenario(PIPELINE)
    cal = calibrate_to_export(scenario, export.table)
    clean = calibrate_to_export(scenario, read_opportunities(CLEAN))
    # The bias the warning is about: new deals about 2x, cross-sell about 14x too low.
    after, truth = cal.table["after"], clean.table["after"]
    assert after["new deals per rep-month"] / truth["new deals per rep-month"] > 1.8
    assert (
        truth["cross-sell deals per account-month"] / after["cross-sell deals per account-month"]
        > 10
    )
    (effect,) = cal.warnings
    assert "new-deal rate 2x higher" in effect and "cross-sell rate 16x lower" in effect
    assert calibrate_to_export(scenario, read_opportunities(CLEAN)).warnings == ()


def test_expected_close_dates_do_not_stretch_the_window(tmp_path):
    text = "owner,account,amount,created,closed,status,kind\n" + (
        "Ann,A,10,2027-01-01,2027-01-20,won,new\n"
        "Ann,B,10,2027-01-01,2027-12-20,lost,new\n"
        "Ann,C,0,2027-06-01,2028-11-30,open,new\n"
    )
    export = load_opportunities(write(tmp_path, text))
    t = export.table
    assert t["closed"].isna().tolist() == [False, False, True]
    assert t["expected_close"].iloc[2] == pd.Timestamp("2028-11-30")
    (warning,) = export.warnings
    assert "stretch the window from 12 to 23 months" in warning
    cal = calibrate_to_export(load_scenario(PIPELINE), t)
    full = calibrate_to_export(load_scenario(PIPELINE), t, months=12)
    assert cal.table.loc["new deals per rep-month", "after"] == pytest.approx(
        full.table.loc["new deals per rep-month", "after"]
    )


# -- the review: unknown owners, departed reps, Excel formulas ------------------------

EXAMPLE = ROOT / "scenarios" / "crm" / "salesforce.toml"


def _review(args, capsys):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_review_drops_unknown_owners_and_departed_reps_and_lists_them(tmp_path, capsys):
    src = (CRM / "salesforce_opportunities.csv").read_text(encoding="cp1252").splitlines(True)
    header, body = src[0], src[1:]
    extra = body[0].replace('"Rep 14"', '"Integration User"')
    script = body[1].replace('"Rep 21"', '"<b>Bot</b>"')
    crm = tmp_path / "crm.csv"
    crm.write_text(header + extra + "".join(body) + script, encoding="cp1252")
    actuals = pd.read_csv(CRM / "actuals.csv", dtype=str)
    # Rep 14 left at the end of March: no rows after it; its deal of April is nobody's.
    gone = (actuals["Owner"] == "Rep 14") & (actuals["Month"] > "2027-03")
    actuals[~gone].to_csv(tmp_path / "actuals.csv", index=False)
    args = ["review", EXAMPLE, "--actuals", tmp_path / "actuals.csv", "--opportunities", crm]
    args += ["--no-optimize", "--no-history", "--trials", 30]
    code, _, err = _review([*args, "--out", tmp_path / "stop"], capsys)
    assert code == 2 and "Traceback" not in err and not (tmp_path / "stop").exists()
    assert "row 2, column 'Opportunity Owner': 'Integration User' is not a rep" in err
    code, _, err = _review([*args, "--drop-bad-rows", "--out", tmp_path / "out"], capsys)
    assert code == 0, err
    dropped = pd.read_csv(tmp_path / "out" / "dropped_rows.csv")
    problems = " | ".join(dropped["problem"])
    assert "'Integration User' is not a rep" in problems
    assert "'Rep 14' has no actuals row for 2027-04" in problems
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "Integration User" in html
    assert "&lt;b&gt;Bot&lt;/b&gt;" in html and "<b>Bot</b>" not in html  # user text escaped


def test_excel_formula_without_a_saved_value_is_an_error_not_zero(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Owner", "Month", "New", "Count"])
    ws.append(["Rep 01", "2027-01", 100, 1])
    ws.append(["Rep 01", "2027-02", "=C2*2", 1])
    wb.save(tmp_path / "a.xlsx")
    scenario = load_scenario(EXAMPLE)
    spec = scenario.actuals.model_copy(
        update={
            "columns": {"rep": "Owner", "period": "Month", "new_value": "New", "new_count": "Count"}
        }
    )
    scenario = scenario.model_copy(update={"actuals": spec})
    with pytest.raises(ScenarioError) as err:
        load_actuals(scenario, tmp_path / "a.xlsx")
    assert "sheet row 3, column 'New': formula =C2*2 has no saved value" in str(err.value)


def test_actuals_read_european_csv_with_declared_and_detected_options(tmp_path):
    (tmp_path / "a.csv").write_bytes(
        "Owner;Month;New;Count\nRep 01;01.01.2027;1.234,50;1\nRep 01;15.02.2027;10,25;2\n".encode(
            "cp1252"
        )
    )
    scenario = load_scenario(EXAMPLE)
    spec = scenario.actuals.model_copy(
        update={
            "columns": {"rep": "Owner", "period": "Month", "new_value": "New", "new_count": "Count"}
        }
    )
    a = load_actuals(scenario.model_copy(update={"actuals": spec}), tmp_path / "a.csv")
    assert a.frame["new_value"].tolist() == [1234.5, 10.25]
    assert [str(p) for p in a.frame["period"]] == ["2027-01", "2027-02"]
    assert any("semicolon" in n for n in a.notes) and any("decimal comma" in n for n in a.notes)


def test_actuals_months_as_quarters_are_errors(tmp_path):
    (tmp_path / "a.csv").write_text(
        "Owner,Month,New,Count\nRep 01,2027Q1,1,1\nRep 01,2027,1,1\nRep 01,2999-01,1,1\n",
        encoding="utf-8",
    )
    scenario = load_scenario(EXAMPLE)
    spec = scenario.actuals.model_copy(
        update={
            "columns": {"rep": "Owner", "period": "Month", "new_value": "New", "new_count": "Count"}
        }
    )
    with pytest.raises(ScenarioError) as err:
        load_actuals(scenario.model_copy(update={"actuals": spec}), tmp_path / "a.csv")
    msg = str(err.value)
    assert "3 bad row(s)" in msg
    assert "row 2, column 'Month': '2027Q1' is a quarter, not a month" in msg
    assert "row 3, column 'Month': '2027' is a year, not a month" in msg
    assert "row 4, column 'Month': year 2999 is not plausible" in msg


def test_opportunities_table_is_validated(write_scenario):
    path = write_scenario(
        f'extends = "{PIPELINE.as_posix()}"\n[opportunities]\npreset = "pipedrive"\n'
    )
    with pytest.raises(ScenarioError, match="opportunities.preset"):
        load_scenario(path)
    path = write_scenario(
        f'extends = "{PIPELINE.as_posix()}"\n[opportunities.columns]\nowner_name = "X"\n'
    )
    with pytest.raises(ScenarioError, match="columns.owner_name: unknown field"):
        load_scenario(path)
    path = write_scenario(
        f'extends = "{PIPELINE.as_posix()}"\n[opportunities]\npreset = "hubspot"\n'
        'date_format = "%d.%m.%Y"\ncolumns = { owner = "Owner" }\n'
    )
    spec = load_scenario(path).opportunities
    assert spec.date_format == "%d.%m.%Y" and spec.column("owner") == "Owner"
    assert spec.column("amount") == "Amount"  # the rest of the preset stays
    assert "contract sent" in spec.status_values["open"]


def test_calibrate_drops_bad_rows_on_request_and_lists_them(tmp_path, capsys):
    lines = CLEAN.read_text(encoding="utf-8").splitlines(True)
    lines[5] = lines[5].replace(",won,", ",maybe,").replace(",lost,", ",maybe,")
    lines[5] = lines[5].replace(",open,", ",maybe,")
    path = tmp_path / "crm.csv"
    path.write_text("".join(lines), encoding="utf-8")
    args = ["calibrate", str(PIPELINE), "--export", str(path)]
    assert main([*args, "--out", str(tmp_path / "stop")]) == 2
    err = capsys.readouterr().err
    assert "row 6, column 'status': 'maybe' is not a known status" in err
    assert "Traceback" not in err and not (tmp_path / "stop").exists()
    assert main([*args, "--drop-bad-rows", "--out", str(tmp_path / "out")]) == 0
    dropped = pd.read_csv(tmp_path / "out" / "dropped_rows.csv")
    assert (
        dropped["row"].tolist() == ["row 6"] and "1 bad row(s) left out" in capsys.readouterr().err
    )


def test_an_error_says_how_the_file_was_read(tmp_path):
    text = SF.replace(",", ";") + (
        "Ann;A;Closed Won;63.327,00;14.04.2027;02.01.2027;New Business;1;1\n"
        "Ann;B;Closed Won;lots;15.04.2027;02.01.2027;New Business;1;1\n"
    )
    with pytest.raises(ExportError) as err:
        read_opportunities(write(tmp_path, text, "cp1252"), salesforce())
    msg = str(err.value)
    assert "(read as Windows-1252" not in msg  # the text is plain ASCII: UTF-8
    assert "(semicolon-separated, detected): 1 bad row(s)" in msg
    assert "row 3, column 'Amount': 'lots' is not a number" in msg
    assert "(read with: decimal comma detected from row 2: '63.327,00')" in msg
    assert "(read with: dates read day-first, detected from row 2: '14.04.2027')" in msg


@settings(max_examples=25, deadline=None)
@given(
    deals=st.lists(
        st.tuples(
            st.sampled_from(["Ann", "Bob"]),
            # Plausible values (sim.plausible): amounts within 1,000x of one another
            # (never all 0), and dates within a year, so no row is flagged whatever
            # the sample.
            st.integers(10**5, 10**8),  # cents
            st.dates(date(2025, 1, 1), date(2025, 6, 30)),
            st.integers(0, 180),  # days to close
            st.sampled_from(["won", "lost", "open"]),
            st.sampled_from(["New Business", "Existing Business"]),
        ),
        min_size=1,
        max_size=15,
    ),
    delimiter=st.sampled_from([",", ";", "\t"]),
    comma=st.booleans(),
    day_first=st.booleans(),
    encoding=st.sampled_from(["utf-8", "cp1252"]),
)
def test_any_export_layout_reads_back_the_same_deals(
    tmp_path_factory, deals, delimiter, comma, day_first, encoding
):
    """Whatever the delimiter, decimal convention, date order and encoding, a
    Salesforce-style export reads back as the deals written (dates declared)."""
    fmt = DAY_FIRST if day_first else MONTH_FIRST
    lines = [SF.strip().split(",")]
    for owner, cents, created, days, status, kind in deals:
        amount = f"{cents / 100:,.2f}"
        if comma:
            amount = amount.replace(",", " ").replace(".", ",").replace(" ", ".")
        closed = created + timedelta(days=days)
        lines.append(
            [
                owner,
                "Société A",
                {"won": "Closed Won", "lost": "Closed Lost", "open": "Prospecting"}[status],
                f"USD {amount}",
                closed.strftime(fmt),
                created.strftime(fmt),
                kind,
                "0" if status == "open" else "1",
                "1" if status == "won" else "0",
            ]
        )
    text = "\n".join(delimiter.join(f'"{c}"' for c in row) for row in lines) + "\n"
    path = write(tmp_path_factory.mktemp("x"), text, encoding)
    t = read_opportunities(path, salesforce(date_format=fmt, decimal="," if comma else "."))
    assert t["amount"].tolist() == pytest.approx([d[1] / 100 for d in deals], abs=1e-6)
    assert t["created"].tolist() == [pd.Timestamp(d[2]) for d in deals]
    assert t["status"].tolist() == [d[4] for d in deals]
    assert t["kind"].tolist() == ["new" if d[5] == "New Business" else "expansion" for d in deals]
    expected = [pd.Timestamp(d[2] + timedelta(days=d[3])) for d in deals]
    closed = t["closed"].fillna(t["expected_close"])
    assert closed.tolist() == expected
