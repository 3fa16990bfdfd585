"""No silent nonsense: placeholder dates, runaway amounts and cycles are bad rows
(listed, or left out with --drop-bad-rows), and a fit that a handful of rows moves
by more than 10x says so."""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planlab.cli import main
from sim import load_scenario
from sim.calibration import INFLUENCE_FACTOR, calibrate_to_export
from sim.opportunities import load_opportunities, normalise_opportunities
from sim.plausible import (
    AMOUNT_MULTIPLE,
    BULK,
    MAX_CYCLE_DAYS,
    MIN_MARGIN,
    amount_limit,
    date_window,
)
from tests.conftest import ROOT

CRM = ROOT / "scenarios" / "crm"
HUBSPOT = CRM / "hubspot.toml"
DEALS = CRM / "hubspot_deals.csv"
EXAMPLE = ROOT / "scenarios" / "review_example.toml"


def run(args, capsys):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def damaged(tmp_path, column: str, value: str) -> tuple:
    """The HubSpot export with one won opportunity's ``column`` set to ``value``; the
    path and the file row damaged."""
    rows = list(csv.reader(DEALS.open(encoding="utf-8", newline="")))
    header = rows[0]
    n = next(i for i, r in enumerate(rows) if r[header.index("Deal Stage")] == "Closed Won")
    rows[n][header.index(column)] = value
    path = tmp_path / "deals.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return path, n + 1


def rate(out) -> float:
    table = pd.read_csv(out / "calibration.csv", index_col=0)
    return float(table.loc["new deals per rep-month", "after"])


@pytest.fixture(scope="module")
def clean_rate(tmp_path_factory) -> float:
    out = tmp_path_factory.mktemp("clean") / "o"
    assert (
        main(["calibrate", str(HUBSPOT), "--export", str(DEALS), "--out", str(out), "--quiet"]) == 0
    )
    return rate(out)


@pytest.mark.parametrize(
    ("column", "value", "said"),
    [
        ("Close Date", "9999-12-31 00:00", "year 9999 is not plausible"),
        ("Close Date", "2099-12-31 00:00", "2099-12-31 is outside the export's plausible dates"),
        ("Create Date", "1970-01-01 00:00", "1970-01-01 is outside the export's plausible dates"),
        ("Amount", "1e308", f"is more than {AMOUNT_MULTIPLE:,} times the median amount"),
        ("Amount", "90000000000", f"is more than {AMOUNT_MULTIPLE:,} times the median amount"),
    ],
)
def test_one_placeholder_among_a_thousand_rows_is_a_bad_row(
    column, value, said, clean_rate, tmp_path, capsys
):
    path, row = damaged(tmp_path, column, value)
    out = tmp_path / "o"
    code, _, err = run(["calibrate", HUBSPOT, "--export", path, "--out", out, "--quiet"], capsys)
    assert code == 2 and not out.exists()
    assert f"deals.csv: row {row}, column {column!r}: " in err and said in err
    code, _, err = run(
        ["calibrate", HUBSPOT, "--export", path, "--out", out, "--quiet", "--drop-bad-rows"],
        capsys,
    )
    assert code == 0
    assert "1 bad row(s) left out" in err
    dropped = pd.read_csv(out / "dropped_rows.csv")
    assert set(dropped["row"]) == {f"row {row}"}
    # Without the row the fit is the clean one, not 0.25 -> 3e-05 (one row of ~1,010).
    assert rate(out) == pytest.approx(clean_rate, rel=0.02)
    assert "move the fit" not in err


def test_the_plausible_window_is_said_in_the_message(tmp_path, capsys):
    path, _ = damaged(tmp_path, "Close Date", "2099-12-31 00:00")
    code, _, err = run(["calibrate", HUBSPOT, "--export", path, "--out", tmp_path / "o"], capsys)
    assert code == 2
    assert f"the middle {BULK:.0%} of the file's dates" in err
    assert f"longer than the plausible {MAX_CYCLE_DAYS:,} days" in err


def test_shipped_exports_have_no_implausible_rows():
    for scen, export in (
        (HUBSPOT, DEALS),
        (CRM / "salesforce.toml", CRM / "salesforce_opportunities.csv"),
    ):
        sc = load_scenario(scen)
        ex = load_opportunities(export, sc.opportunities)
        assert not ex.dropped
        assert not [w for w in calibrate_to_export(sc, ex.table).warnings if "move the fit" in w]


def test_a_fit_moved_by_a_handful_of_rows_says_so():
    """A table built in code skips the reader's checks; the fit itself still says
    that one row moved the new-deal rate by far more than 10x."""
    sc = load_scenario(HUBSPOT)
    table = load_opportunities(DEALS, sc.opportunities).table.copy()
    i = table.index[table["status"] == "won"][0]
    table.loc[i, "closed"] = pd.Timestamp("2099-12-31")
    cal = calibrate_to_export(sc, normalise_opportunities(table))
    said = [w for w in cal.warnings if f"move the fit more than {INFLUENCE_FACTOR:g}x" in w]
    assert said and all(f"row {int(table.loc[i, 'row'])}" in w for w in said)
    assert any("new deals per rep-month" in w for w in said)


def test_implausible_actuals_are_bad_rows(tmp_path, capsys):
    df = pd.read_csv(ROOT / "scenarios" / "review_actuals.csv", dtype=str)
    df.loc[10, "Month"] = "2099-12"
    df.loc[11, "Expansion bookings"] = "4e11"
    df.to_csv(tmp_path / "a.csv", index=False)
    out = tmp_path / "o"
    code, _, err = run(
        [
            "review",
            EXAMPLE,
            "--actuals",
            tmp_path / "a.csv",
            "--no-optimize",
            "--no-history",
            "--out",
            out,
        ],
        capsys,
    )
    assert code == 2 and not out.exists()
    assert "a.csv: row 12, column 'Month': 2099-12 is outside the actuals' plausible months" in err
    assert "a.csv: row 13, column 'Expansion bookings': 4e+11 is more than" in err


@settings(max_examples=60, deadline=None)
@given(
    days=st.lists(st.integers(0, 3_000), min_size=10, max_size=200),
    far=st.integers(1, 30_000),
)
def test_date_window_holds_the_bulk_and_refuses_far_placeholders(days, far):
    start = pd.Timestamp("2020-01-01")
    dates = pd.Series([start + pd.Timedelta(days=d) for d in days])
    w = date_window(dates)
    lo, hi = dates.quantile((1 - BULK) / 2), dates.quantile(1 - (1 - BULK) / 2)
    assert w.first <= lo and hi <= w.last
    assert all(w.holds(d) for d in dates if lo <= d <= hi)
    assert hi - lo >= pd.Timedelta(0)
    assert w.bulk_first - w.first == w.last - w.bulk_last >= MIN_MARGIN
    span = max(hi - lo, MIN_MARGIN)
    assert not w.holds(hi + span + pd.Timedelta(days=far))
    assert not w.holds(lo - span - pd.Timedelta(days=far))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 1e9, allow_nan=False), min_size=0, max_size=100))
def test_amount_limit_is_the_stated_multiple_of_the_median(amounts):
    a = np.array(amounts)
    positive = a[a > 0]
    limit = amount_limit(a)
    if positive.size < 10:
        assert limit is None
    else:
        assert limit == pytest.approx(AMOUNT_MULTIPLE * float(np.median(positive)))


def test_won_amounts_all_zero_stop_naming_the_column(tmp_path, capsys):
    rows = list(csv.reader(DEALS.open(encoding="utf-8", newline="")))
    header = rows[0]
    for r in rows[1:]:
        r[header.index("Amount")] = "0"
    path = tmp_path / "deals.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    out = tmp_path / "o"
    code, _, err = run(["calibrate", HUBSPOT, "--export", path, "--out", out], capsys)
    assert code == 2 and not out.exists()
    assert "deals.csv: column 'Amount': all " in err and "won opportunities have amount 0" in err
