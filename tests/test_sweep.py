"""``planlab sweep``: markets from the [sweep] table, cells on the same draws, outputs."""

from __future__ import annotations

import csv
import io
import json
import math
import tomllib

import numpy as np
import pytest
from openpyxl import load_workbook

from planlab.cli import main
from sim import load_scenario, parse_scenario, simulate
from sim.metrics import METRICS
from sim.rep_differences import gains_and_losses, rep_differences
from sim.sweep.run import sweep_markets
from sim.sweep.spec import MarketCase, Recession, apply_case
from tests.conftest import BASELINE

SWEEP = BASELINE.parent / "key_account_sweep.toml"
FILES = {
    "sweep.csv",
    "ranking.csv",
    "rep_differences.csv",
    "summary.json",
    "manifest.json",
    "report.html",
    "workbook.xlsx",
    ".planlab.json",  # the marker: planlab wrote this directory
}


def run(args, capsys):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_market_levers_change_what_they_name():
    mk = load_scenario(BASELINE).market
    case = MarketCase(demand=0.8, deal_size=1.1, churn=0.1, recession=Recession(month=4, depth=0.2))
    m = apply_case(mk, case)
    assert m.new_business.deals_per_month == pytest.approx(0.8 * mk.new_business.deals_per_month)
    assert m.cross_sell.deals_per_account_month == pytest.approx(
        0.8 * mk.cross_sell.deals_per_account_month
    )
    assert m.new_business.deal_size.mean == pytest.approx(1.1 * mk.new_business.deal_size.mean)
    assert m.new_business.deal_size.variance == pytest.approx(
        1.21 * mk.new_business.deal_size.variance
    )
    assert m.renewal.retention == pytest.approx(mk.renewal.retention - 0.1)
    assert m.renewal.churn_reduces_cross_sell
    assert m.shifts[-1].month == 4 and m.shifts[-1].factor == pytest.approx(0.8)
    # Any [market] key by name; distributions replace whole.
    over = MarketCase(
        market={"growth": 0.0, "new_business": {"deal_size": {"dist": "fixed", "value": 5}}}
    )
    m2 = apply_case(mk, over)
    assert m2.growth == 0.0 and m2.new_business.deal_size.mean == 5
    assert m2.new_business.deals_per_month == mk.new_business.deals_per_month
    assert apply_case(mk, MarketCase()) == mk


def test_recession_lowers_revenue_by_its_depth_from_its_month():
    """Demand scales deal flow, so expected bookings from the recession's month on fall by
    the depth (deal counts are Poisson in demand; sizes do not depend on it)."""
    sc = load_scenario(BASELINE)
    hit = sc.model_copy(
        update={
            "market": apply_case(sc.market, MarketCase(recession=Recession(month=7, depth=0.3)))
        }
    )
    a = simulate(sc, [], trials=1000, seed=2, workers=1).base.bookings_by_month
    b = simulate(hit, [], trials=1000, seed=2, workers=1).base.bookings_by_month
    np.testing.assert_array_equal(a[:, :6], b[:, :6])  # same draws before the downturn
    ratio = b[:, 6:].sum() / a[:, 6:].sum()
    assert ratio == pytest.approx(0.7, abs=0.03)


def test_bad_sweep_tables_name_the_file_and_key(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        f'extends = "{BASELINE.as_posix()}"\n[sweep.markets.x]\ndemand = -1\n', encoding="utf-8"
    )
    with pytest.raises(Exception, match=r"bad.toml: sweep.markets.x.demand"):
        load_scenario(bad)
    bad.write_text(
        f'extends = "{BASELINE.as_posix()}"\n[sweep.markets.x]\nmarket = {{ grwth = 0.1 }}\n',
        encoding="utf-8",
    )
    with pytest.raises(
        Exception,
        match=r"bad.toml: unknown key 'grwth' in sweep.markets.x.market; did you mean 'growth'\?",
    ):
        sweep_markets(load_scenario(bad))
    bad.write_text(
        f'extends = "{BASELINE.as_posix()}"\n[sweep.markets.x]\n'
        "market = { new_business = { deals_per_month = -1 } }\n",
        encoding="utf-8",
    )
    with pytest.raises(
        Exception,
        match=r"bad.toml: sweep.markets.x.market.new_business.deals_per_month: must be > 0",
    ):
        sweep_markets(load_scenario(bad))


def test_sweep_cli_errors_exit_2_and_write_nothing(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        f'extends = "{BASELINE.as_posix()}"\n[sweep.markets.x]\nmarket = {{ grwth = 0.1 }}\n',
        encoding="utf-8",
    )
    code, _, err = run(["sweep", bad, "--trials", 20, "--out", tmp_path / "o"], capsys)
    assert code == 2 and "unknown key 'grwth' in sweep.markets.x.market" in err
    assert "Traceback" not in err
    code, _, err = run(["sweep", BASELINE, "--trials", 20, "--out", tmp_path / "o"], capsys)
    assert code == 2 and "nothing to sweep" in err
    assert not (tmp_path / "o").exists()


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep") / "run"
    assert (
        main(["sweep", str(SWEEP), "--trials", "120", "--seed", "3", "--out", str(out), "--quiet"])
        == 0
    )
    return out


def test_sweep_writes_every_output(swept):
    assert {p.name for p in swept.iterdir()} == FILES
    summary = json.loads((swept / "summary.json").read_text())
    markets = ["base", "soft_demand", "downturn_20", "account_churn", "smaller_deals", "boom"]
    assert summary["markets"] == markets
    variants = summary["variants"]
    assert variants[0] == "base" and len(variants) == 5
    assert len(summary["findings"]) == len(variants)
    rows = list(csv.DictReader(io.StringIO((swept / "sweep.csv").read_text())))
    # Tidy: one row per variant x market x metric.
    keys = {(r["variant"], r["market"], r["metric"]) for r in rows}
    assert len(keys) == len(rows) == len(variants) * len(markets) * len(METRICS)
    assert {r["market"] for r in rows} == set(markets)
    for r in rows:
        if r["variant"] != "base" and r["ci_low"]:
            assert float(r["ci_low"]) <= float(r["difference"]) <= float(r["ci_high"])
    html = (swept / "report.html").read_text()
    assert html.count("<img") == 5 and "Robustness" in html and "Who gains" in html
    wb = load_workbook(swept / "workbook.xlsx")
    assert {"ranking", "cells", "reps", "cost_of_sales"} <= set(wb.sheetnames)
    # a headline grid holds one metric: every value reads as that metric does
    assert wb["cost_of_sales"]["B2"].number_format == "0.0%"
    assert wb["incentive_cost_expected"]["B2"].number_format == '"$"#,##0'
    assert wb["ranking"]["C2"].number_format == '"$"#,##0'  # worst case, an amount


def test_uncapped_leaves_the_cost_band_and_the_ranking_says_so(swept):
    ranking = list(csv.DictReader(io.StringIO((swept / "ranking.csv").read_text())))
    by = {r["variant"]: r for r in ranking}
    assert "leaves the cost-of-sales band" in by["uncapped"]["line"]
    assert int(by["uncapped"]["markets_outside_band"]) >= 1
    assert [int(r["rank"]) for r in ranking] == list(range(1, len(ranking) + 1))
    regrets = [float(r["max_regret"]) for r in ranking]
    assert regrets == sorted(regrets) and min(regrets) >= 0 and math.isclose(regrets[0], 0.0)


def test_sweep_is_the_same_for_the_same_seed(swept, tmp_path):
    again = tmp_path / "again"
    assert (
        main(
            ["sweep", str(SWEEP), "--trials", "120", "--seed", "3", "--out", str(again), "--quiet"]
        )
        == 0
    )
    assert (again / "summary.json").read_bytes() == (swept / "summary.json").read_bytes()


def test_rep_differences_are_paired_and_exact_under_fixed_effort():
    """With effort fixed, a variant changes pay only: each rep's revenue is the same in
    every trial (zero difference, zero-width interval) and the payout interval holds the
    rep's mean difference."""
    sc = load_scenario(BASELINE)
    res = simulate(sc, ["uncapped", "margin_gate"], trials=300, seed=5, workers=1)
    table = rep_differences(res)
    assert set(table.index.get_level_values("variant")) == {"uncapped", "margin_gate"}
    assert (table["revenue_difference"] == 0).all() and (table["revenue_ci_high"] == 0).all()
    assert (table["payout_ci_low"] <= table["payout_difference"]).all()
    assert (table["payout_difference"] <= table["payout_ci_high"]).all()
    # Removing the cap only ever pays more: nobody loses under "uncapped".
    up = table.loc["uncapped"]
    assert (up["payout_difference"] >= 0).all() and (up["verdict"] != "loses").all()
    counts = gains_and_losses(table)
    assert (counts.sum(axis=1) == res.population.size).all()


def test_sweep_table_parses_from_toml():
    data = tomllib.loads(BASELINE.read_text(encoding="utf-8"))
    data["sweep"] = {"markets": {"slow": {"demand": 0.5}}}
    sc = parse_scenario(data)
    assert sc.sweep.markets["slow"].demand == 0.5
    with pytest.raises(Exception, match="sweep.markets: .*'base' is the scenario's own market"):
        parse_scenario({**data, "sweep": {"markets": {"base": {}}}})


def test_ctrl_c_drops_every_queued_chunk(monkeypatch):
    """Ctrl-C while a sweep runs: the chunks still queued for any market are dropped,
    so the command stops after the running ones instead of finishing the sweep."""
    import sim.chunks
    from sim.sweep.run import run_sweep

    ran = []
    real = sim.chunks.simulate_chunk

    def counting(*args, **kwargs):
        ran.append(1)
        return real(*args, **kwargs)

    def interrupt(done, total):
        raise KeyboardInterrupt

    monkeypatch.setattr(sim.chunks, "simulate_chunk", counting)
    sc = load_scenario(BASELINE.parent / "key_account_sweep.toml")
    sim_spec = sc.simulation.model_copy(update={"chunk_trials": 100})
    sc = sc.model_copy(update={"simulation": sim_spec})
    markets = len(sweep_markets(sc))
    chunks_per_market = 4
    with pytest.raises(KeyboardInterrupt):
        run_sweep(sc, trials=100 * chunks_per_market, workers=1, progress=interrupt)
    assert markets > 1 and len(ran) < markets * chunks_per_market
