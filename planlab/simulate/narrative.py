"""Plain-language findings for the executive summary of a run.

Each line states one number a compensation designer or finance lead acts on,
against the usual design goals (see DESIGN.md's benchmark figures).
"""

from __future__ import annotations

from sim import metrics as M
from sim.run import SimulationResult

from ..kit.format import money_text

__all__ = ["summary_lines"]

ACHIEVABILITY_GOAL = (0.60, 0.70)
COST_OF_SALES_RANGE = (0.03, 0.09)


def _base_lines(result: SimulationResult) -> list[str]:
    v = result.base
    c = M.company_metrics(v)
    mm = M.measure_metrics(v)
    first = v.plan.measures[0]
    at = mm.loc[first.id, "share_at_target"]
    lo, hi = ACHIEVABILITY_GOAL
    verdict = "within" if lo <= at <= hi else ("below" if at < lo else "above")
    lines = [
        f"Under the base plan {at:.0%} of reps reach their {first.id} target, {verdict} the "
        f"usual design goal of {lo:.0%}–{hi:.0%}.",
        f"Expected incentive cost is {money_text(c['incentive_cost_expected'])} "
        f"({c['incentive_vs_target_incentive']:.0%} of target incentive); in a bad year (P90) "
        f"{money_text(c['incentive_cost_p90'])}.",
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


def _variant_line(result: SimulationResult, name: str) -> str:
    base, v = result.base, result.variants[name]
    cb, cv = M.company_metrics(base), M.company_metrics(v)
    d_cos = (cv["cost_of_sales"] - cb["cost_of_sales"]) * 100
    d_cost = cv["incentive_cost_expected"] - cb["incentive_cost_expected"]
    first = base.plan.measures[0].id
    at_b = M.measure_metrics(base).loc[first, "share_at_target"]
    at_v = (
        M.measure_metrics(v).loc[first, "share_at_target"] if first in v.plan.measure_ids else at_b
    )
    reps = result.population.size
    d_reps = (at_v - at_b) * reps
    more = "more" if d_cos >= 0 else "less"
    line = (
        f"Variant {name} costs {abs(d_cos):.2f} points {more} of revenue "
        f"(incentive {'+' if d_cost >= 0 else '-'}{money_text(abs(d_cost))} a year)"
    )
    if abs(d_reps) >= 0.5:
        verb = "moves" if d_reps > 0 else "takes"
        line += f" and {verb} {abs(d_reps):.0f} {'more ' if d_reps > 0 else ''}reps " + (
            f"over the {first} target" if d_reps > 0 else f"below the {first} target"
        )
    return line + "."


def _behaviour_line(result: SimulationResult, name: str) -> str:
    b = M.behaviour_metrics(result.variants[name])
    moved = b["revenue_pulled_in"] + b["revenue_pushed_out"]
    return (
        f"With reps responding, under {name} they put in {b['effort_annual_mean']:.0%} of "
        f"today's effort, close {b['last_month_bookings_share']:.0%} of bookings in a period's "
        f"last month, move {money_text(moved)} of deals across period ends "
        f"({money_text(b['timing_discount_cost'])} in extra discounts) and "
        f"{b['leavers_expected']:.1f} reps are expected to leave."
    )


def summary_lines(result: SimulationResult, variants: bool = True) -> list[str]:
    """Short findings for the top of a report, base plan first, then each variant
    (``variants=False`` leaves the variant lines to a comparison's own)."""
    lines = _base_lines(result)
    lines += [_variant_line(result, n) for n in result.variants if n != "base" and variants]
    lines += [_behaviour_line(result, n) for n, v in result.variants.items() if v.behaviour]
    return lines
