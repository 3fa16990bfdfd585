"""Broken inputs end in a message naming the file and the row or key (exit 2), never
in a traceback: nullable Parquet cells, failed SQL queries, bookings that cannot
be deal sizes, absurd numbers, huge CSV fields, deep or long ``extends`` chains,
deeply nested TOML, a roster path that names some other file, huge cells quoted."""

from __future__ import annotations

import sqlite3

import pandas as pd
import pytest

from planlab.cli import main
from sim import load_scenario
from sim.actuals.load import load_actuals
from sim.errors import ScenarioError
from sim.messages import LINE_LIMIT, shorten
from sim.scenario_limits import MAX_DEPTH, MAX_EXTENDS, MAX_NUMBER
from tests.conftest import BASELINE, ROOT

EXAMPLE = ROOT / "scenarios" / "review_example.toml"
ACTUALS = ROOT / "scenarios" / "review_actuals.csv"


def run(args, capsys):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def review(capsys, tmp_path, *args):
    """``planlab review`` of the example on other actuals; the output must not appear
    on failure."""
    out = tmp_path / "out"
    code, _, err = run(
        ["review", EXAMPLE, *args, "--no-optimize", "--no-history", "--out", out], capsys
    )
    if code == 2:
        assert not out.exists()
    assert "Traceback" not in err
    return code, err


def clean_actuals() -> pd.DataFrame:
    """The example actuals without the rows the example deliberately damages."""
    sc = load_scenario(EXAMPLE)
    good = load_actuals(sc, drop_bad_rows=True)
    bad = {int(p.row.split()[-1]) - 2 for p in good.dropped}
    df = pd.read_csv(ACTUALS, dtype=str)
    return df.drop(index=sorted(bad)).reset_index(drop=True)


@pytest.mark.parametrize("dtype", ["string", "Int64", "Float64", "boolean", "datetime"])
def test_parquet_missing_values_in_nullable_columns_are_bad_rows(dtype, tmp_path):
    pytest.importorskip("pyarrow")
    sc = load_scenario(EXAMPLE)
    df = clean_actuals()
    for column in df.columns:
        d = df.copy()
        if dtype == "datetime":
            d[column] = pd.to_datetime(d[column], errors="coerce", format="%Y-%m")
        elif dtype == "boolean":
            d[column] = pd.array([True] * len(d), dtype="boolean")
        elif dtype == "string":
            d[column] = d[column].astype("string")
        else:
            d[column] = pd.to_numeric(d[column], errors="coerce").round().astype(dtype)
        d.loc[7, column] = pd.NA if dtype != "datetime" else pd.NaT
        path = tmp_path / "a.parquet"
        d.to_parquet(path)
        for drop in (False, True):
            try:
                load_actuals(sc, path, drop_bad_rows=drop)
            except ScenarioError as exc:  # the only way to fail, naming the record
                assert "a.parquet: " in str(exc)


def test_parquet_missing_month_names_record_and_column(tmp_path, capsys):
    pytest.importorskip("pyarrow")
    df = clean_actuals()
    df["Month"] = df["Month"].astype("string")
    df.loc[7, "Month"] = pd.NA
    df.to_parquet(tmp_path / "a.parquet")
    code, err = review(capsys, tmp_path, "--actuals", tmp_path / "a.parquet")
    assert code == 2
    assert "a.parquet: record 8, column 'Month': empty" in err


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ("SELEC * FROM actuals", "syntax error"),
        ("SELECT * FROM nosuch", "no such table: nosuch"),
        ("DELETE FROM actuals", "does not return rows"),
    ],
)
def test_bad_sql_query_is_a_message(query, said, tmp_path, capsys):
    db = tmp_path / "a.db"
    with sqlite3.connect(db) as con:
        pd.read_csv(ACTUALS).to_sql("actuals", con, index=False)
    code, err = review(capsys, tmp_path, "--actuals", f"sqlite:///{db}", "--query", query)
    assert code == 2
    assert "cannot read the query" in err and said in err
    assert len(err.splitlines()) == 1
    with sqlite3.connect(db) as con:  # the source is only read
        assert con.execute("SELECT COUNT(*) FROM actuals").fetchone()[0] == len(
            pd.read_csv(ACTUALS)
        )


@pytest.mark.parametrize(
    ("column", "said"),
    [
        ("New logo bookings", "new deals ('New logos', 'New logo bookings')"),
        ("Expansion bookings", "cross-sell deals ('Expansion deals', 'Expansion bookings')"),
    ],
)
def test_counted_deals_without_bookings_stop_naming_the_columns(column, said, tmp_path, capsys):
    df = clean_actuals()
    df[column] = "0"
    df.to_csv(tmp_path / "a.csv", index=False)
    code, err = review(capsys, tmp_path, "--actuals", tmp_path / "a.csv")
    assert code == 2
    assert f"a.csv: {said}" in err and "bookings are all 0" in err


def test_csv_field_over_the_reader_limit_names_the_row(tmp_path, capsys):
    df = clean_actuals()
    df.loc[2, "Region"] = "x" * 200_000
    df.to_csv(tmp_path / "a.csv", index=False)
    code, err = review(capsys, tmp_path, "--actuals", tmp_path / "a.csv")
    assert code == 2
    assert "a.csv: row 4: a field longer than 131,072 characters" in err
    assert len(err) < 2 * LINE_LIMIT


def test_unclosed_quote_in_a_roster_is_a_message(tmp_path, capsys):
    roster = tmp_path / "team.csv"
    roster.write_text('name,team\nA,"North\n' + "B,South\n" * 20_000, encoding="utf-8")
    scen = tmp_path / "s.toml"
    scen.write_text(f'extends = "{BASELINE.as_posix()}"\n[team]\nroster = "team.csv"\n')
    code, _, err = run(["validate", scen], capsys)
    assert code == 2
    assert "team.csv: row 2: a field longer than" in err


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("cap = 2.5 }", "cap = 1e308 }", "plan.measures[0].curve.cap"),
        ("mean = 180000, cv = 1.0", "mean = 1e200, cv = 1.0", "deal_size.mean"),
        ("mean = 180000, cv = 1.0", "mean = 180000, cv = 1e250", "deal_size.cv"),
        ("mean = 10.0, sd = 3.0", "mean = 1e300, sd = 3.0", "team.accounts.mean"),
        ("target_incentive = 40000", "target_incentive = 1e300", "pay_mix.target_incentive"),
        ("target = 700000", "target = -1e200", "target"),
        ("deals_per_month = 0.25", "deals_per_month = nan", "deals_per_month"),
    ],
)
def test_absurd_numbers_are_refused_with_the_stated_bound(old, new, key, tmp_path, capsys):
    text = BASELINE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "s.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    for command in (["validate", path], ["simulate", path, "--trials", 5, "--out", tmp_path / "o"]):
        code, _, err = run(command, capsys)
        assert code == 2 and "Traceback" not in err
        assert key in err
        assert "1e15" in err or "nan is not a number" in err
        assert not (tmp_path / "o").exists()


def test_numbers_up_to_the_bound_are_read(tmp_path):
    text = BASELINE.read_text(encoding="utf-8").replace("cap = 2.5 }", f"cap = {MAX_NUMBER} }}")
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    assert load_scenario(path).plan.measures[0].curve.cap == MAX_NUMBER


def test_roster_numbers_beyond_the_bound_name_row_and_column(tmp_path, capsys):
    (tmp_path / "team.csv").write_text("name,team,ability\nA,N,1\nB,S,1e300\n")
    scen = tmp_path / "s.toml"
    scen.write_text(f'extends = "{BASELINE.as_posix()}"\n[team]\nroster = "team.csv"\n')
    code, _, err = run(["validate", scen], capsys)
    assert code == 2
    assert "team.csv: row 3, column 'ability': 1e+300 is beyond" in err


def test_a_long_extends_chain_stops_at_the_stated_length(tmp_path, capsys):
    (tmp_path / "f0.toml").write_text(BASELINE.read_text(encoding="utf-8"), encoding="utf-8")
    for i in range(1, 1201):
        (tmp_path / f"f{i}.toml").write_text(f'extends = "f{i - 1}.toml"\n')
    code, _, err = run(["validate", tmp_path / "f1200.toml"], capsys)
    assert code == 2 and "Traceback" not in err
    assert f"more than {MAX_EXTENDS} files extend one another" in err
    # A chain within the bound reads.
    (tmp_path / "g.toml").write_text(f'extends = "f{MAX_EXTENDS - 2}.toml"\n')  # 32 files
    assert load_scenario(tmp_path / "g.toml").name


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 50_000])
def test_deeply_nested_toml_is_refused(depth, tmp_path, capsys):
    path = tmp_path / "deep.toml"
    path.write_text("x = " + "[" * depth + "]" * depth + "\n")
    code, _, err = run(["validate", path], capsys)
    assert code == 2 and "Traceback" not in err
    assert f"deep.toml: tables or lists nested more than {MAX_DEPTH} deep" in err


def test_extends_name_of_ten_thousand_characters(tmp_path, capsys):
    path = tmp_path / "s.toml"
    path.write_text(f'extends = "{"a" * 10_000}.toml"\n')
    code, _, err = run(["validate", path], capsys)
    assert code == 2 and "Traceback" not in err
    assert err.startswith(f"planlab: error: {path}: extends: no scenario file at")
    assert "characters, cut" in err and len(err) < LINE_LIMIT


def test_a_bad_extends_is_reported_against_the_file_holding_it(tmp_path, capsys):
    (tmp_path / "a.toml").write_text('extends = "b.toml"\n')
    (tmp_path / "b.toml").write_text('extends = "missing.toml"\n')
    code, _, err = run(["validate", tmp_path / "a.toml"], capsys)
    assert code == 2
    assert f"{tmp_path / 'b.toml'}: extends: no scenario file at" in err
    assert "missing.toml" in err


def test_a_roster_path_to_another_file_never_echoes_its_content(tmp_path, capsys):
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:do-not-show:/root:/bin/bash\nsecond line\n")
    scen = tmp_path / "sub" / "s.toml"
    scen.parent.mkdir()
    scen.write_text(f'extends = "{BASELINE.as_posix()}"\n[team]\nroster = "../secret.txt"\n')
    code, _, err = run(["validate", scen], capsys)
    assert code == 2
    assert "secret.txt: not a roster" in err
    assert "do-not-show" not in err and "second line" not in err


def test_a_misspelt_roster_column_is_named(tmp_path, capsys):
    (tmp_path / "team.csv").write_text("Name,team\nA,N\n")
    scen = tmp_path / "s.toml"
    scen.write_text(f'extends = "{BASELINE.as_posix()}"\n[team]\nroster = "team.csv"\n')
    code, _, err = run(["validate", scen], capsys)
    assert code == 2 and "its column 'Name' must be written 'name'" in err


@pytest.mark.parametrize(
    ("suffix", "size", "row"), [("csv", 130_000, "row 5"), ("parquet", 10**6, "record 4")]
)
def test_a_huge_cell_is_cut_in_the_message(suffix, size, row, tmp_path, capsys):
    df = clean_actuals()
    df.loc[3, "New logos"] = "y" * size
    path = tmp_path / f"a.{suffix}"
    if suffix == "csv":
        df.to_csv(path, index=False)
    else:
        pytest.importorskip("pyarrow")
        df.to_parquet(path)
    code, err = review(capsys, tmp_path, "--actuals", path)
    assert code == 2
    assert f"a.{suffix}: {row}, column 'New logos': 'yyy" in err
    assert "characters, cut" in err
    assert max(len(line) for line in err.splitlines()) <= LINE_LIMIT + 60


@pytest.mark.parametrize("n", [0, 1, 119, 120, 121, 500, 10**6])
def test_shorten_keeps_short_text_and_cuts_long_text(n):
    text = "".join(chr(ord("a") + i % 26) for i in range(n))
    out = shorten(text, 120)
    if n <= 120:
        assert out == text
    else:
        assert len(out) <= 120
        assert out.startswith(text[:40]) and out.endswith(text[-10:])
        assert f"{n:,} characters, cut" in out


@pytest.mark.parametrize("value", ["{ zz = 1 }", "[1, 2]", "1e308", "true"])
def test_a_preset_that_is_not_a_name_is_a_message(value, tmp_path, capsys):
    """Found by the fuzz test: a table or list as [opportunities] preset."""
    path = tmp_path / "s.toml"
    path.write_text(f'extends = "{BASELINE.as_posix()}"\n[opportunities]\npreset = {value}\n')
    code, _, err = run(["validate", path], capsys)
    assert code == 2 and "opportunities.preset" in err


def test_absurd_accounts_per_rep_are_refused_before_any_memory_is_used(tmp_path, capsys):
    """Found by fuzzing: a mean of 1e9 key accounts per rep ended in a MemoryError
    while the renewals were drawn. The model refuses it, naming the key; the command
    line refuses it earlier still, from the memory estimate, naming the same key."""
    from sim.population import MAX_ACCOUNTS
    from sim.run import make_population

    text = BASELINE.read_text(encoding="utf-8")
    old = 'accounts = { dist = "gamma", mean = 10.0, sd = 3.0 }'
    assert old in text
    path = tmp_path / "b.toml"
    path.write_text(text.replace(old, old.replace("10.0", "1e9")), encoding="utf-8")
    with pytest.raises(ScenarioError, match=rf"\[team\] accounts: .*at most {MAX_ACCOUNTS:,}"):
        make_population(load_scenario(path))
    code = main(["simulate", str(path), "--trials", "10", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and "[team] accounts (mean) = 1e+09" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()
