"""Actuals in: every source gives the same table, and every malformed input a clear error."""

from __future__ import annotations

import sqlite3

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planlab.cli import main
from planlab.review.example_actuals import COLUMNS, generate
from sim import ScenarioError, load_scenario
from sim.actuals import ActualsError, ActualsSpec, RawTable, load_actuals, validate
from sim.actuals.years import plan_years
from sim.calibrate import calibrate
from sim.run import make_population
from tests.conftest import ROOT

EXAMPLE = ROOT / "scenarios" / "review_example.toml"
ACTUALS = ROOT / "scenarios" / "review_actuals.csv"
COLUMNS_USED = {k: COLUMNS[k] for k in ("rep", "period", "new_value", "new_count")}
HEADER = ",".join(COLUMNS[k] for k in ("rep", "period", "new_value", "new_count"))


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(EXAMPLE)


@pytest.fixture(scope="module")
def clean(scenario):
    """A clean year and a quarter of actuals for the example team, in the company's names."""
    df, _ = generate(scenario, reps=120, years=1, partial_months=3, messy=False)
    return df


def test_shipped_actuals_stop_on_their_messy_rows(scenario):
    with pytest.raises(ScenarioError) as err:
        load_actuals(scenario)
    msg = str(err.value)
    assert "4 bad row(s)" in msg and "--drop-bad-rows" in msg
    assert "row 7, column 'New logo bookings': negative amount" in msg
    assert "row 19, column 'New logos': 'two' is not a number" in msg
    assert "given twice (first at row 42)" in msg
    assert "unknown rep" in msg


def test_drop_bad_rows_lists_what_was_left_out(scenario):
    a = load_actuals(scenario, drop_bad_rows=True)
    assert len(a.dropped) == 4
    raw = pd.read_csv(ACTUALS, dtype=str)
    assert len(a.frame) == len(raw) - 4
    assert {"rep", "period", "team", "new_value", "target_revenue", "payout"} <= set(a.frame)


def _write_all(df: pd.DataFrame, tmp_path) -> dict[str, str]:
    typed = df.copy()
    for c in typed.columns:
        if c not in (COLUMNS["rep"], COLUMNS["period"], COLUMNS["team"]):
            typed[c] = pd.to_numeric(typed[c])
    typed.to_csv(tmp_path / "a.csv", index=False)
    typed.to_parquet(tmp_path / "a.parquet", index=False)
    typed.to_excel(tmp_path / "a.xlsx", index=False)
    with sqlite3.connect(tmp_path / "a.db") as conn:
        typed.to_sql("actuals", conn, index=False)
    return {
        "csv": str(tmp_path / "a.csv"),
        "parquet": str(tmp_path / "a.parquet"),
        "excel": str(tmp_path / "a.xlsx"),
        "sqlite": f"sqlite:///{tmp_path / 'a.db'}",
    }


def test_csv_parquet_excel_and_sqlite_give_identical_results(scenario, clean, tmp_path):
    sources = _write_all(clean, tmp_path)
    tables = {k: load_actuals(scenario, s, table="actuals").frame for k, s in sources.items()}
    for k, t in tables.items():
        pd.testing.assert_frame_equal(t, tables["csv"], check_dtype=False, obj=k)
    query = load_actuals(
        scenario, sources["sqlite"], query="SELECT * FROM actuals WHERE \"Month\" >= '2025-01'"
    )
    pd.testing.assert_frame_equal(query.frame, tables["csv"], check_dtype=False)
    pop = make_population(scenario)
    params = {}
    for k in ("csv", "parquet", "sqlite"):
        a = load_actuals(scenario, sources[k], table="actuals")
        years = [y for y in plan_years(a, list(pop.name)) if y.complete]
        params[k] = calibrate(scenario, pop, years).parameters()
    pd.testing.assert_series_equal(params["parquet"], params["csv"])
    pd.testing.assert_series_equal(params["sqlite"], params["csv"])


def test_sql_errors_name_the_table(scenario, tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    sqlite3.connect(tmp_path / "empty.db").close()
    with pytest.raises(ScenarioError, match="cannot read table 'nope'"):
        load_actuals(scenario, url, table="nope")
    with pytest.raises(ScenarioError, match="name a table or a query"):
        load_actuals(scenario, url)


# -- every malformed input through the command line --------------------------------

GOOD = "Ana Yilmaz,2026-01,1000,1\n"
CASES = {
    "missing column": (
        "Account Manager,Month,New logo bookings\nAna Yilmaz,2026-01,1000\n",
        ["missing column 'new_count' (mapped to 'New logos')"],
    ),
    "wrong type": (
        f"{HEADER}\n{GOOD}Ana Yilmaz,2026-02,lots,1\n",
        ["row 3, column 'New logo bookings': 'lots' is not a number"],
    ),
    "bad month": (f"{HEADER}\n{GOOD}Ana Yilmaz,Febtember,1000,1\n", ["row 3, column 'Month'"]),
    "duplicate rep-period": (
        f"{HEADER}\n{GOOD}{GOOD}",
        ["row 3: rep 'Ana Yilmaz' and month 2026-01 given twice (first at row 2)"],
    ),
    "negative amount": (
        f"{HEADER}\n{GOOD}Ana Yilmaz,2026-02,-50,1\n",
        ["row 3, column 'New logo bookings': negative amount -50"],
    ),
    "unknown rep": (
        f"{HEADER}\n{GOOD}Nobody Here,2026-02,50,1\n",
        ["row 3, column 'Account Manager': unknown rep 'Nobody Here'"],
    ),
}


@pytest.mark.parametrize("case", [*CASES, "Windows-1252", "not text"])
@pytest.mark.parametrize("command", ["review", "checkin"])
def test_malformed_actuals_exit_2_naming_file_row_and_column(case, command, tmp_path, capsys):
    path = tmp_path / "actuals.csv"
    if case == "Windows-1252":  # read as detected, and the message says so
        path.write_bytes(f"{HEADER}\n{GOOD}".encode() + "Zoë Lenz,2026-02,5,1\n".encode("cp1252"))
        expected = ["(read as Windows-1252, detected", "row 3", "unknown rep 'Zoë Lenz'"]
    elif case == "not text":  # 0x81 is neither UTF-8 nor Windows-1252
        path.write_bytes(f"{HEADER}\n{GOOD}".encode() + b"Zo\x81 Lenz,2026-02,5,1\n")
        expected = ["row 3: not UTF-8 or Windows-1252 text", "encoding"]
    else:
        text, expected = CASES[case]
        path.write_text(text, encoding="utf-8")
    out, store = tmp_path / "out", tmp_path / "h.sqlite"
    before = path.read_bytes()
    code = main(
        [command, str(EXAMPLE), "--actuals", str(path), "--out", str(out), "--store", str(store)]
    )
    err = capsys.readouterr().err
    assert code == 2, err
    assert str(path) in err and "Traceback" not in err
    for part in expected:
        assert part in err
    assert not out.exists() and not store.exists()  # nothing computed, recorded or written
    assert path.read_bytes() == before


def test_unknown_file_kind_and_missing_file(tmp_path, capsys):
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    for src, msg in (
        (tmp_path / "a.txt", "unknown kind of actuals file"),
        (tmp_path / "none.csv", "actuals file not found"),
    ):
        code = main(["review", str(EXAMPLE), "--actuals", str(src), "--out", str(tmp_path / "o")])
        assert code == 2 and msg in capsys.readouterr().err


@settings(max_examples=40, deadline=None)
@given(
    rows=st.integers(1, 8),
    bad=st.integers(0, 7),
    column=st.sampled_from(["New logo bookings", "New logos"]),
    cell=st.sampled_from(["-1", "x", "1e400", ""]),
)
def test_a_bad_cell_is_named_by_its_row_and_column(rows, bad, column, cell):
    """Whatever the table, one bad cell is reported at its own file row and column, and only it."""
    bad = bad % rows
    raw = pd.DataFrame(
        {
            "Account Manager": ["Ana Yilmaz"] * rows,
            "Month": [f"2026-{m + 1:02d}" for m in range(rows)],
            "New logo bookings": ["100.5"] * rows,
            "New logos": ["1"] * rows,
        }
    )
    raw.loc[bad, column] = cell
    table = RawTable(raw, "t.csv", 2)
    with pytest.raises(ActualsError) as err:
        validate(table, ActualsSpec(columns=COLUMNS_USED), {"Ana Yilmaz": "North"})
    lines = str(err.value).splitlines()[1:]
    assert lines == [lines[0]] and f"t.csv: row {bad + 2}, column {column!r}:" in lines[0]
    if rows == 1:  # dropping the only row leaves nothing to review
        with pytest.raises(ActualsError, match="every row is bad"):
            validate(table, ActualsSpec(columns=COLUMNS_USED), {"Ana Yilmaz": "North"}, True)
        return
    clean = validate(table, ActualsSpec(columns=COLUMNS_USED), {"Ana Yilmaz": "North"}, True)
    assert len(clean.frame) == rows - 1 and len(clean.dropped) == 1


def test_actuals_and_checkin_tables_are_validated(write_scenario):
    path = write_scenario(f'extends = "{EXAMPLE.as_posix()}"\n[actuals.columns]\nbogus = "X"\n')
    with pytest.raises(ScenarioError, match=r"actuals: columns.bogus: unknown field"):
        load_scenario(path)
    path = write_scenario(
        f'extends = "{EXAMPLE.as_posix()}"\n[[checkin.options]]\nname = "s"\nkind = "spif"\n',
        name="b.toml",
    )
    with pytest.raises(ScenarioError, match=r"checkin.options\[0\].*a spif needs an amount"):
        load_scenario(path)
