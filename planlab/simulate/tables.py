"""The result tables of a run, built once and handed to every writer (HTML, Excel, CSV,
JSON), keyed by report section.

Every number comes from :mod:`sim.metrics`; nothing here defines a metric.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pandas as pd

from sim import metrics as M
from sim.earnings import earnings_table
from sim.run import SimulationResult

from ..kit.html import METRIC_INDEX, Table

__all__ = [
    "IDLE_COLUMNS",
    "MECHANISM_KEYS",
    "TABLE_KEYS",
    "behaviour_applies",
    "earnings_tables",
    "idle_left_out",
    "rep_table",
    "rep_table_parts",
    "run_tables",
]

#: The keys of a run's tables, in report order.
TABLE_KEYS = (
    "summary",
    "measures",
    "company",
    "teams",
    "reps",
    "rewards",
    "behaviour",
    "rep_behaviour",
)
#: Tables that only say something when reps respond to the plan.
BEHAVIOUR_TABLES = frozenset({"behaviour"})


def behaviour_applies(result: SimulationResult) -> bool:
    """Whether any variant was simulated with reps responding to the plan."""
    return any(v.behaviour is not None for v in result.variants.values())


#: Metrics of parts of the model a scenario may leave off (leaving, timing, crediting,
#: co-selling, help): exactly zero in every variant, they say only that the part is off.
MECHANISM_KEYS = M.BEHAVIOUR_KEYS | {
    "double_credit",
    "co_sold_revenue",
    "referrals",
    "co_sell_opportunities",
    "co_sell_days",
    "co_sellers_revenue",
}


#: Per-rep columns of the same parts: all zero when that part is off.
IDLE_COLUMNS = ("left_share", "p_leave")


def idle_left_out(table: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """A metric-indexed table without the rows of :data:`MECHANISM_KEYS` that are zero
    in every column (that part of the model is off), and the labels of those rows, for a
    report to say what it left out. The CSV and JSON keep every row."""
    idle = [
        k
        for k in table.index
        if k in MECHANISM_KEYS
        and not (pd.to_numeric(table.loc[k], errors="coerce").fillna(0.0) != 0).any()
    ]
    labels = [M.METRIC_BY_KEY[k].label if k in M.METRIC_BY_KEY else str(k) for k in idle]
    return table.drop(index=idle), labels


def rep_table(result: SimulationResult) -> pd.DataFrame:
    """Per-rep table of the base plan, with each variant's expected payout beside it."""
    df = M.rep_metrics(result, "base")
    for name, v in result.variants.items():
        if name != "base":
            df[f"payout_expected_{name}"] = v.summary.mean("pay")
    return df


def rep_table_parts(reps: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The reps table as a report shows it, in two parts that each fit a page: targets
    with the chance of reaching each (and expected revenue), then pay (its spread, on-
    target earnings, and each variant's expected payout). Traits (ability, potential,
    tenure) and reward chances (the Rewards section) stay in ``reps.csv`` only."""
    cols = list(reps.columns)
    targets = [c for c in cols if c.startswith(("target_", "p_target_"))]
    first = [c for c in ("team", "revenue_expected") if c in cols] + targets
    pay = [c for c in cols if c.startswith(("payout_", "ote_"))]
    pay = [c for c in ("team",) if c in cols] + pay
    return reps[first], reps[pay]


def _per_variant(result: SimulationResult, build: Callable[[str], pd.DataFrame], level: str):
    parts = {name: build(name) for name in result.variants}
    return pd.concat(parts, names=["variant", level])


def _rewards(result: SimulationResult) -> pd.DataFrame:
    df = M.reward_metrics(result, result.base.name)
    return df.rename(columns={r.name: f"p_{r.name}" for r in result.base.plan.rewards})


def _behaviour(result: SimulationResult) -> pd.DataFrame:
    df = pd.concat([M.behaviour_metrics(v) for v in result.variants.values()], axis=1)
    df.index.name = METRIC_INDEX
    return df


_BUILDERS: dict[str, Callable[[SimulationResult, dict], Table]] = {
    "company": lambda r, _: M.company_table(r),
    "summary": lambda r, t: M.summary_table(r, t.get("company")),
    "measures": lambda r, _: _per_variant(r, lambda n: M.measure_metrics(r.variants[n]), "measure"),
    "teams": lambda r, _: _per_variant(r, lambda n: M.team_metrics(r, n), "team"),
    "reps": lambda r, _: rep_table(r),
    "rewards": lambda r, _: _rewards(r),
    "behaviour": lambda r, _: _behaviour(r),
    "rep_behaviour": lambda r, _: M.rep_behaviour(r, r.base.name),
}


def run_tables(result: SimulationResult, keys: Iterable[str] | None = None) -> dict[str, Table]:
    """Every table of a run (or only ``keys``), keyed by section, in report order.

    The behaviour table is left out when reps do not respond to the plan (it would
    be all zeros). The company table is built first and the summary read from it.
    """
    wanted = list(TABLE_KEYS if keys is None else keys)
    if not behaviour_applies(result):
        wanted = [k for k in wanted if k not in BEHAVIOUR_TABLES]
    built: dict[str, Table] = {}
    for key in sorted(wanted, key=lambda k: k != "company"):  # company first: summary reads it
        built[key] = _BUILDERS[key](result, built)
    return {k: built[k] for k in wanted}


def earnings_tables(result: SimulationResult) -> dict[str, pd.DataFrame]:
    """What a rep earns at each attainment under each variant's plan
    (:func:`sim.earnings.earnings_table`), built once for the report and the workbook."""
    return {name: earnings_table(v.plan) for name, v in result.variants.items()}
