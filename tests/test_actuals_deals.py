"""Deals from a CRM opportunity export, in place of the actuals' booking columns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planlab.cli import main
from sim import load_scenario
from sim.actuals import load_actuals
from tests.conftest import ROOT

EXAMPLE = ROOT / "scenarios" / "review_example.toml"
DEALS = ["new_value", "new_count", "xsell_value", "xsell_count"]


@pytest.fixture(scope="module")
def full():
    return load_actuals(load_scenario(EXAMPLE), drop_bad_rows=True)


def export_of(actuals) -> pd.DataFrame:
    """Each rep-month's deals as won opportunities (amounts split evenly), 90 days each."""
    rows = []
    for r in actuals.frame.itertuples():
        close = r.period.to_timestamp(how="start") + pd.Timedelta(days=14)
        for kind, n, value in (
            ("new", r.new_count, r.new_value),
            ("expansion", r.xsell_count, r.xsell_value),
        ):
            for k in range(int(round(n))):
                rows.append(
                    {
                        "owner": r.rep,
                        "account": f"{r.rep}-{kind}-{r.period}-{k}",
                        "amount": value / n,
                        "created": (close - pd.Timedelta(days=90)).date().isoformat(),
                        "closed": close.date().isoformat(),
                        "stage": "closed",
                        "status": "won",
                        "kind": kind,
                    }
                )
    rows.append({**rows[0], "account": "lost-one", "status": "lost", "amount": 5e5})
    return pd.DataFrame(rows)


def write_pair(tmp_path, full):
    """The actuals without their deal columns, and the export holding those deals."""
    slim = full.frame.drop(columns=DEALS).copy()
    slim["period"] = slim["period"].astype(str)
    actuals = tmp_path / "actuals.csv"
    slim.to_csv(actuals, index=False)
    export = tmp_path / "crm.csv"
    export_of(full).to_csv(export, index=False)
    return actuals, export


def test_deals_from_the_export_equal_the_actuals_columns(tmp_path, full):
    actuals, export = write_pair(tmp_path, full)
    sc = load_scenario(EXAMPLE)
    sc = sc.model_copy(update={"actuals": sc.actuals.model_copy(update={"columns": {}})})
    derived = load_actuals(sc, actuals, opportunities=export)
    a = full.frame.set_index(["rep", "period"]).sort_index()
    b = derived.frame.set_index(["rep", "period"]).sort_index()
    assert len(a) == len(b)
    for f in DEALS:
        np.testing.assert_allclose(b[f].to_numpy(), a[f].to_numpy(), rtol=1e-9, atol=1e-6)
    # 90 days per won deal; the lost opportunity counts nowhere.
    won = a["new_count"] + a["xsell_count"]
    np.testing.assert_allclose(b["cycle_days_sum"].to_numpy(), 90 * won.to_numpy())
    assert "deals from" in derived.origin


def test_review_reads_deals_from_the_export(tmp_path, full, capsys):
    actuals, export = write_pair(tmp_path, full)
    text = EXAMPLE.read_text(encoding="utf-8")
    local = tmp_path / "review.toml"
    local.write_text(
        f'extends = "{EXAMPLE.as_posix()}"\n[actuals]\ncolumns = {{}}\n', encoding="utf-8"
    )
    assert "[actuals" in text
    out = tmp_path / "review"
    code = main(
        [
            "review",
            str(local),
            "--actuals",
            str(actuals),
            "--opportunities",
            str(export),
            "--no-optimize",
            "--no-history",
            "--trials",
            "60",
            "--out",
            str(out),
            "--quiet",
        ]
    )
    assert code == 0, capsys.readouterr().err
    assert (out / "report.html").exists()


def test_unknown_opportunity_owner_is_named(tmp_path, full, capsys):
    actuals, export = write_pair(tmp_path, full)
    df = pd.read_csv(export)
    df.loc[3, "owner"] = "Nobody Known"
    df.to_csv(export, index=False)
    out = tmp_path / "never"
    code = main(
        [
            "review",
            str(EXAMPLE),
            "--actuals",
            str(actuals),
            "--opportunities",
            str(export),
            "--no-history",
            "--out",
            str(out),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and "row 5, column 'owner'" in err and "Nobody Known" in err
    assert not out.exists()
