"""Plain-language lines for a comparison of plan variants.

One line per variant against the base plan, naming each *material*
difference: one whose paired confidence interval excludes zero and whose size
matters to a designer (see :data:`MATERIAL`). For example: "Variant uncapped
costs 2.10 points more of revenue (95% CI 2.06 to 2.15) and moves 6 more reps
over the revenue target."
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..kit.format import money_text

__all__ = ["MATERIAL", "comparison_lines", "material_differences"]

#: Smallest difference worth a line, per metric: ("abs", x) in the metric's unit,
#: ("rel", x) as a share of the base value, ("rel_cost", x) as a share of the base
#: plan's incentive cost, ("reps", x) in reps for shares of rep-years.
MATERIAL: dict[str, tuple[str, float]] = {
    "cost_of_sales": ("abs", 0.0005),
    "incentive_cost_expected": ("rel", 0.01),
    "incentive_cost_p90": ("rel", 0.01),
    "revenue_expected": ("rel", 0.005),
    "gross_margin_after_incentive": ("rel", 0.005),
    "share_at_target": ("reps", 1.0),
    "share_at_cap": ("reps", 1.0),
    "share_at_threshold": ("reps", 1.0),
    "pay_for_performance": ("abs", 0.02),
    "payout_gini": ("abs", 0.02),
    "achievability_spread": ("abs", 0.02),
    "leavers_expected": ("abs", 0.1),
    "timing_discount_cost": ("rel_cost", 0.002),
    "double_credit": ("rel_cost", 0.01),
    "help_given": ("rel_cost", 0.01),
}


def material_differences(diffs: pd.DataFrame, reps: int) -> pd.Series:
    """Whether each (variant, metric) difference is material (significant and large enough)."""
    out = pd.Series(False, index=diffs.index, name="material")
    for (variant, metric), row in diffs.iterrows():
        rule = MATERIAL.get(metric)
        if rule is None or not row["significant"] or not np.isfinite(row["difference"]):
            continue
        kind, size = rule
        d = abs(row["difference"])
        if kind == "rel":
            big = d >= size * abs(row["base"])
        elif kind == "rel_cost":
            big = d >= size * abs(diffs.loc[(variant, "incentive_cost_expected"), "base"])
        elif kind == "reps":
            big = d * reps >= size
        else:
            big = d >= size
        out[(variant, metric)] = bool(big)
    return out


def _reps(n: float, word: str) -> str:
    return f"{abs(n):.0f} {word} rep" + ("" if round(abs(n)) == 1 else "s")


def _more(d: float, more: str = "more", less: str = "less") -> str:
    return more if d > 0 else less


def _clauses(
    rows: pd.DataFrame, material: pd.Series, reps: int, first: str, level: float, currency: str
):
    """Clause per material metric of one variant, in order of importance."""
    out = []
    pct = f"{level:.0%}"

    def has(metric: str) -> bool:
        return bool(material.get(metric, False))

    if has("cost_of_sales"):
        r = rows.loc["cost_of_sales"]
        lo, hi = sorted((abs(r["ci_low"]) * 100, abs(r["ci_high"]) * 100))
        out.append(
            f"costs {abs(r['difference']) * 100:.2f} points {_more(r['difference'])} of revenue "
            f"({pct} CI {lo:.2f} to {hi:.2f})"
        )
    elif has("incentive_cost_expected"):
        d = rows.loc["incentive_cost_expected", "difference"]
        out.append(f"costs {money_text(abs(d), currency)} {_more(d)} a year in incentive")
    if has("share_at_target"):
        n = rows.loc["share_at_target", "difference"] * reps
        out.append(
            f"moves {_reps(n, 'more')} over the {first} target"
            if n > 0
            else f"leaves {_reps(n, 'more')} below the {first} target"
        )
    if has("share_at_cap"):
        n = rows.loc["share_at_cap", "difference"] * reps
        out.append(f"puts {_reps(n, _more(n, 'more', 'fewer'))} at the {first} cap")
    if has("share_at_threshold"):
        n = rows.loc["share_at_threshold", "difference"] * reps
        out.append(f"puts {_reps(n, _more(n, 'more', 'fewer'))} past the {first} threshold")
    if has("incentive_cost_p90"):
        d = rows.loc["incentive_cost_p90", "difference"]
        out.append(
            f"{_more(d, 'adds', 'saves')} {money_text(abs(d), currency)} in a bad year (P90)"
        )
    if has("revenue_expected"):
        d = rows.loc["revenue_expected", "difference"]
        out.append(f"books {money_text(abs(d), currency)} {_more(d)} revenue")
    if has("gross_margin_after_incentive"):
        d = rows.loc["gross_margin_after_incentive", "difference"]
        out.append(f"keeps {money_text(abs(d), currency)} {_more(d)} gross profit after incentive")
    if has("pay_for_performance"):
        r = rows.loc["pay_for_performance"]
        out.append(
            f"ties pay to revenue {_more(r['difference'], 'more', 'less')} closely "
            f"(rank correlation {r['value']:.2f} against {r['base']:.2f})"
        )
    if has("payout_gini"):
        r = rows.loc["payout_gini"]
        out.append(
            f"{_more(r['difference'], 'concentrates', 'spreads')} payout "
            f"(Gini {r['value']:.2f} against {r['base']:.2f})"
        )
    if has("achievability_spread"):
        d = rows.loc["achievability_spread", "difference"]
        out.append(
            f"makes the chance of reaching target {_more(d, 'less', 'more')} even across reps"
        )
    if has("leavers_expected"):
        d = rows.loc["leavers_expected", "difference"]
        out.append(f"loses {abs(d):.1f} {_more(d, 'more', 'fewer')} reps a year to attrition")
    if has("timing_discount_cost"):
        d = rows.loc["timing_discount_cost", "difference"]
        out.append(f"gives {money_text(abs(d), currency)} {_more(d)} in discounts to pull deals in")
    if has("double_credit"):
        d = rows.loc["double_credit", "difference"]
        out.append(
            f"credits {money_text(abs(d), currency)} {_more(d)} revenue than is booked "
            "(double credit)"
        )
    if has("help_given"):
        d = rows.loc["help_given", "difference"]
        out.append(
            f"buys {money_text(abs(d), currency)} {_more(d)} of team-mates' bookings through help"
        )
    return out


def _join(clauses: list[str]) -> str:
    return ", ".join(clauses[:-1]) + (" and " if len(clauses) > 1 else "") + clauses[-1]


def comparison_lines(
    diffs: pd.DataFrame, reps: int, first: str, level: float = 0.95, currency: str = "USD"
) -> list[str]:
    """One sentence per variant naming its material differences from the base plan.

    ``diffs`` is :func:`sim.compare.differences`; ``reps`` turns shares of
    rep-years into reps; ``first`` names the measure the attainment shares read.
    """
    material = material_differences(diffs, reps)
    lines = []
    for variant in diffs.index.unique(level="variant"):
        rows = diffs.loc[variant]
        clauses = _clauses(rows, material.loc[variant], reps, first, level, currency)
        if not clauses:
            lines.append(
                f"Variant {variant} shows no material difference from the base plan on these draws."
            )
            continue
        line = f"Variant {variant} {_join(clauses[:2])}."
        if len(clauses) > 2:
            line += f" It also {_join(clauses[2:])}."
        lines.append(line)
    return lines
