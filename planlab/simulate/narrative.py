"""Plain-language findings for the executive summary of a run.

Each line states one number a compensation designer or finance lead acts on,
against the usual design goals (see DESIGN.md's benchmark figures).
"""

from __future__ import annotations

from collections.abc import Mapping

from sim.run import SimulationResult

from ..kit.format import money_text
from ..kit.html import Table
from .tables import behaviour_applies, run_tables

__all__ = ["summary_lines"]

ACHIEVABILITY_GOAL = (0.60, 0.70)
COST_OF_SALES_RANGE = (0.03, 0.09)


def _base_lines(result: SimulationResult, tables: Mapping[str, Table]) -> list[str]:
    v = result.base
    cur = result.scenario.currency
    c = tables["company"][v.name]
    mm = tables["measures"].xs(v.name, level="variant")
    first = v.plan.measures[0]
    at = mm.loc[first.id, "share_at_target"]
    lo, hi = ACHIEVABILITY_GOAL
    verdict = "within" if lo <= at <= hi else ("below" if at < lo else "above")
    lines = [
        f"Under the base plan {at:.0%} of reps reach their {first.id} target, {verdict} the "
        f"usual design goal of {lo:.0%}–{hi:.0%}.",
        f"Expected incentive cost is {money_text(c['incentive_cost_expected'], cur)} "
        f"({c['incentive_vs_target_incentive']:.0%} of target incentive); in a bad year (P90) "
        f"{money_text(c['incentive_cost_p90'], cur)}.",
    ]
    cos = c["cost_of_sales"]
    lo_c, hi_c = COST_OF_SALES_RANGE
    where = "inside" if lo_c <= cos <= hi_c else "outside"
    lines.append(
        f"Incentive cost of sales is {cos:.1%} of revenue, {where} the typical B2B range of "
        f"{lo_c:.0%}–{hi_c:.0%}."
    )
    capped = mm.loc[first.id, "share_at_cap"]
    if capped > 0:
        lines.append(
            f"{capped:.0%} of rep-years hit the {first.id} cap, where extra sales earn nothing more."
        )
    lines.append(
        f"Pay follows performance with a rank correlation of {c['pay_for_performance']:.2f}; "
        f"payout concentration (Gini) is {c['payout_gini']:.2f}."
    )
    return lines


def _variant_line(result: SimulationResult, name: str, tables: Mapping[str, Table]) -> str:
    base, v = result.base, result.variants[name]
    cur = result.scenario.currency
    cb, cv = tables["company"][base.name], tables["company"][name]
    d_cos = (cv["cost_of_sales"] - cb["cost_of_sales"]) * 100
    d_cost = cv["incentive_cost_expected"] - cb["incentive_cost_expected"]
    first = base.plan.measures[0].id
    measures = tables["measures"]
    at_b = measures.loc[(base.name, first), "share_at_target"]
    at_v = measures.loc[(name, first), "share_at_target"] if first in v.plan.measure_ids else at_b
    reps = result.population.size
    d_reps = (at_v - at_b) * reps
    more = "more" if d_cos >= 0 else "less"
    line = (
        f"Variant {name} costs {abs(d_cos):.2f} points {more} of revenue "
        f"(incentive {'+' if d_cost >= 0 else '-'}{money_text(abs(d_cost), cur)} a year)"
    )
    if abs(d_reps) >= 0.5:
        verb = "moves" if d_reps > 0 else "takes"
        line += f" and {verb} {abs(d_reps):.0f} {'more ' if d_reps > 0 else ''}reps " + (
            f"over the {first} target" if d_reps > 0 else f"below the {first} target"
        )
    return line + "."


def _behaviour_line(name: str, tables: Mapping[str, Table], cur: str) -> str:
    b = tables["behaviour"][name]
    moved = b["revenue_pulled_in"] + b["revenue_pushed_out"]
    return (
        f"With reps responding, under {name} they put in {b['effort_annual_mean']:.0%} of "
        f"today's effort, close {b['last_month_bookings_share']:.0%} of bookings in a period's "
        f"last month, move {money_text(moved, cur)} of deals across period ends "
        f"({money_text(b['timing_discount_cost'], cur)} in extra discounts) and "
        f"{b['leavers_expected']:.1f} reps are expected to leave."
    )


def summary_lines(
    result: SimulationResult, variants: bool = True, tables: Mapping[str, Table] | None = None
) -> list[str]:
    """Short findings for the top of a report, base plan first, then each variant
    (``variants=False`` leaves the variant lines to a comparison's own). Numbers are read
    from the run's ``tables`` (:func:`planlab.simulate.tables.run_tables`; the ones
    needed are built when not given)."""
    needed = ["company", "measures"] + (["behaviour"] if behaviour_applies(result) else [])
    have = dict(tables or {})
    have.update(run_tables(result, [k for k in needed if k not in have]))
    lines = _base_lines(result, have)
    lines += [_variant_line(result, n, have) for n in result.variants if n != "base" and variants]
    lines += [
        _behaviour_line(n, have, result.scenario.currency)
        for n, v in result.variants.items()
        if v.behaviour
    ]
    return lines
