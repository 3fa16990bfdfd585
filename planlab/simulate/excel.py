"""The workbook sheets of a simulation run."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from sim.run import SimulationResult

from ..kit.calculator import earnings_calculator
from ..kit.excel import facts_sheet
from ..kit.html import Table
from .tables import earnings_tables, run_tables

__all__ = ["run_sheets"]


def run_sheets(
    result: SimulationResult,
    findings: Sequence[str] = (),
    differences: pd.DataFrame | None = None,
    tables: Mapping[str, Table] | None = None,
    earnings: Mapping[str, pd.DataFrame] | None = None,
) -> dict[str, pd.DataFrame | pd.Series]:
    """The standard sheets of a run: summary, per-variant metrics, per-rep targets and
    expected payouts, the earnings estimator (and the differences of a comparison).
    Tables are the run's own (:func:`planlab.simulate.tables.run_tables`), built when
    not given, like the earnings tables (:func:`planlab.simulate.tables.earnings_tables`)."""
    have = dict(tables or {})
    have.update(run_tables(result, [k for k in ("company", "summary", "reps") if k not in have]))
    facts = {
        "scenario": result.scenario.name,
        "seed": result.seed,
        "trials": result.trials,
        "reps": result.population.size,
        "variants": ", ".join(result.variants),
        **{f"finding {i + 1}": line for i, line in enumerate(findings)},
    }
    sheets: dict[str, pd.DataFrame | pd.Series] = {
        "Summary": facts_sheet(facts),
        "Plan variants": have["summary"],
        "Variant metrics": have["company"],
    }
    if differences is not None:
        sheets["Differences"] = differences
    sheets["Reps"] = have["reps"]
    sheets["Earnings calculator"] = earnings_calculator(result.base.plan)
    earnings = earnings_tables(result) if earnings is None else earnings
    for i, (name, table) in enumerate(earnings.items()):
        sheets["Earnings" if i == 0 else f"Earnings {name}"] = table
    return sheets
