"""Workbooks finance can use: currency and percentage formats, autofilters, the same
frozen panes everywhere, wrapped findings, and an earnings calculator of live formulas
whose cells reproduce the plan's earnings."""

from __future__ import annotations

import io

import numpy as np
import pytest
from openpyxl import load_workbook

from planlab.kit.calculator import INPUT_CELL, earnings_calculator
from planlab.kit.excel import workbook_bytes
from planlab.simulate.excel import run_sheets
from sim import load_scenario, simulate
from sim.earnings import earnings_table
from tests.conftest import BASELINE


@pytest.fixture(scope="module")
def book():
    sc = load_scenario(BASELINE)
    result = simulate(sc, ["uncapped"], trials=30, seed=5)
    sheets = run_sheets(result, ["A finding long enough to wrap in its cell " * 3])
    wb = load_workbook(io.BytesIO(workbook_bytes(sheets, "EUR")))
    return wb, result


def test_every_sheet_is_frozen_alike_and_filtered(book):
    wb, _ = book
    for ws in wb.worksheets:
        assert ws.freeze_panes == "B2", ws.title
    for name in ("Plan variants", "Reps", "Variant metrics"):
        assert wb[name].auto_filter.ref, name


def test_money_in_the_currency_and_shares_as_percent(book):
    wb, _ = book
    rows = {r[0].value: r for r in wb["Variant metrics"].iter_rows(min_row=2)}
    assert rows["revenue_expected"][1].number_format == '"€"#,##0'
    assert rows["cost_of_sales"][1].number_format == "0.0%"
    assert rows["incentive_vs_target_incentive"][1].number_format == "0.0%"
    summary = wb["Summary"]
    finding = next(c for c in summary["B"] if str(c.value).startswith("A finding"))
    assert finding.alignment.wrap_text


def _lookup(a, xs, ys):
    """Excel's LOOKUP: the value at the last x at or below ``a``."""
    i = max(k for k, x in enumerate(xs) if x <= a)
    return ys[i]


def _calculate(ws, attainment: float) -> float:
    """Evaluate the calculator's cells the way its formulas read them."""
    ti = ws["B4"].value
    total = 0.0
    row = 8
    block = None
    while ws.cell(row=row, column=1).value not in (None, "Total incentive"):
        row += 1
    measures = row - 8
    block = row + 3  # the first curve's header row
    for i in range(measures):
        weight = ws.cell(row=8 + i, column=2).value
        xs, ys, tail = [], [], None
        r = block + 1
        while ws.cell(row=r, column=1).value != "Cap (payout share)":
            xs.append(ws.cell(row=r, column=1).value)
            ys.append(ws.cell(row=r, column=2).value)
            tail = ws.cell(row=r, column=3).value
            r += 1
        cap = ws.cell(row=r, column=2).value
        slopes = [
            0.0 if xs[k + 1] == xs[k] else (ys[k + 1] - ys[k]) / (xs[k + 1] - xs[k])
            for k in range(len(xs) - 1)
        ] + [tail]
        if attainment < xs[0]:
            share = 0.0
        else:
            share = _lookup(attainment, xs, ys) + (
                attainment - _lookup(attainment, xs, xs)
            ) * _lookup(attainment, xs, slopes)
        if cap is not None:
            share = min(cap, share)
        total += ti * weight * share
        block = r + 3
    return total


@pytest.mark.parametrize("attainment", [0.0, 0.45, 0.8, 1.0, 1.37, 2.0, 3.5])
def test_calculator_cells_reproduce_the_plans_earnings(attainment):
    plan = load_scenario(BASELINE).plan
    wb = load_workbook(io.BytesIO(workbook_bytes({"Calc": earnings_calculator(plan)}, "USD")))
    ws = wb["Calc"]
    assert ws[INPUT_CELL].value == 1.0
    formula = ws["D8"].value
    assert formula.startswith("=") and "LOOKUP($B$3" in formula
    assert ws["E8"].value == "=C8*D8"
    expected = earnings_table(plan, attainments=[attainment])["incentive_total"].iloc[0]
    assert _calculate(ws, attainment) == pytest.approx(expected, rel=1e-9, abs=1e-6)
    assert np.isfinite(expected)
