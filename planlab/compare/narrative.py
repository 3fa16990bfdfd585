"""Plain-language lines for a comparison of plan variants.

One line per variant against the base plan, naming each *material*
difference: one whose paired confidence interval excludes zero and whose size
matters to a designer (see :data:`MATERIAL`). For example: "Variant uncapped
costs 2.10 points more of revenue (95% CI 2.06 to 2.15) and moves 6 more reps
over the revenue target."
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..kit.format import money_text

__all__ = ["CLAUSES", "MATERIAL", "Clause", "comparison_lines", "material_differences"]

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
    "referrals": ("rel", 0.05),
    "co_sellers_revenue": ("rel_cost", 0.01),
}


def material_differences(diffs: pd.DataFrame, reps: int) -> pd.Series:
    """Whether each (variant, metric) difference is material (significant and large enough)."""
    metrics = diffs.index.get_level_values("metric")
    kind = np.array([MATERIAL.get(m, ("", np.nan))[0] for m in metrics])
    size = np.array([MATERIAL.get(m, ("", np.nan))[1] for m in metrics], dtype=float)
    d = diffs["difference"].to_numpy(dtype=float)
    base = diffs["base"].to_numpy(dtype=float)
    # the base plan's expected incentive cost of each row's variant (rel_cost rules)
    variants = diffs.index.get_level_values("variant")
    costs = diffs["base"][metrics == "incentive_cost_expected"]
    by_variant = dict(
        zip(costs.index.get_level_values("variant"), costs.to_numpy(dtype=float), strict=True)
    )
    cost_base = np.array([by_variant.get(v, np.nan) for v in variants], dtype=float)
    a = np.abs(d)
    with np.errstate(invalid="ignore"):
        big = np.select(
            [kind == "rel", kind == "rel_cost", kind == "reps"],
            [a >= size * np.abs(base), a >= size * np.abs(cost_base), a * reps >= size],
            default=a >= size,
        )
    ok = (kind != "") & diffs["significant"].to_numpy(dtype=bool) & np.isfinite(d) & big
    return pd.Series(ok, index=diffs.index, name="material")


def _reps(n: float, word: str) -> str:
    return f"{abs(n):.0f} {word} rep" + ("" if round(abs(n)) == 1 else "s")


def _more(d: float, more: str = "more", less: str = "less") -> str:
    return more if d > 0 else less


@dataclass(frozen=True)
class _Context:
    """What a clause needs besides its metric's row: reps, measure, level and currency."""

    reps: int
    first: str
    level: float
    currency: str

    def money(self, d: float) -> str:
        return money_text(abs(d), self.currency)

    def n(self, r: pd.Series) -> float:
        """A difference in a share of rep-years, in reps."""
        return r["difference"] * self.reps


def _cost_of_sales(r: pd.Series, c: _Context) -> str:
    lo, hi = sorted((abs(r["ci_low"]) * 100, abs(r["ci_high"]) * 100))
    return (
        f"costs {abs(r['difference']) * 100:.2f} points {_more(r['difference'])} of revenue "
        f"({c.level:.0%} CI {lo:.2f} to {hi:.2f})"
    )


def _at_target(r: pd.Series, c: _Context) -> str:
    n = c.n(r)
    if n > 0:
        return f"moves {_reps(n, 'more')} over the {c.first} target"
    return f"leaves {_reps(n, 'more')} below the {c.first} target"


@dataclass(frozen=True)
class Clause:
    """How one material difference reads: the metric, its phrase, and a metric whose
    clause makes this one redundant (``unless``)."""

    metric: str
    phrase: Callable[[pd.Series, _Context], str]
    unless: str | None = None


#: One clause per metric, in order of importance; adding a metric to the narrative is
#: one row here (and its threshold in :data:`MATERIAL`).
CLAUSES: tuple[Clause, ...] = (
    Clause("cost_of_sales", _cost_of_sales),
    Clause(
        "incentive_cost_expected",
        lambda r, c: (
            f"costs {c.money(r['difference'])} {_more(r['difference'])} a year in incentive"
        ),
        unless="cost_of_sales",
    ),
    Clause("share_at_target", _at_target),
    Clause(
        "share_at_cap",
        lambda r, c: f"puts {_reps(c.n(r), _more(c.n(r), 'more', 'fewer'))} at the {c.first} cap",
    ),
    Clause(
        "share_at_threshold",
        lambda r, c: (
            f"puts {_reps(c.n(r), _more(c.n(r), 'more', 'fewer'))} past the {c.first} threshold"
        ),
    ),
    Clause(
        "incentive_cost_p90",
        lambda r, c: (
            f"{_more(r['difference'], 'adds', 'saves')} {c.money(r['difference'])} "
            "in a bad year (P90)"
        ),
    ),
    Clause(
        "revenue_expected",
        lambda r, c: f"books {c.money(r['difference'])} {_more(r['difference'])} revenue",
    ),
    Clause(
        "gross_margin_after_incentive",
        lambda r, c: (
            f"keeps {c.money(r['difference'])} {_more(r['difference'])} gross "
            "profit after incentive"
        ),
    ),
    Clause(
        "pay_for_performance",
        lambda r, c: (
            f"ties pay to revenue {_more(r['difference'])} closely "
            f"(rank correlation {r['value']:.2f} against {r['base']:.2f})"
        ),
    ),
    Clause(
        "payout_gini",
        lambda r, c: (
            f"{_more(r['difference'], 'concentrates', 'spreads')} payout "
            f"(Gini {r['value']:.2f} against {r['base']:.2f})"
        ),
    ),
    Clause(
        "achievability_spread",
        lambda r, c: (
            "makes the chance of reaching target "
            f"{_more(r['difference'], 'less', 'more')} even across reps"
        ),
    ),
    Clause(
        "leavers_expected",
        lambda r, c: (
            f"loses {abs(r['difference']):.1f} "
            f"{_more(r['difference'], 'more', 'fewer')} reps a year to attrition"
        ),
    ),
    Clause(
        "timing_discount_cost",
        lambda r, c: (
            f"gives {c.money(r['difference'])} {_more(r['difference'])} in "
            "discounts to pull deals in"
        ),
    ),
    Clause(
        "double_credit",
        lambda r, c: (
            f"credits {c.money(r['difference'])} {_more(r['difference'])} revenue "
            "than is booked (double credit)"
        ),
    ),
    Clause(
        "help_given",
        lambda r, c: (
            f"buys {c.money(r['difference'])} {_more(r['difference'])} of "
            "team-mates' bookings through help"
        ),
    ),
    Clause(
        "referrals",
        lambda r, c: (
            f"brings {abs(r['difference']):,.1f} {_more(r['difference'])} referrals a year "
            "that become opportunities in other sales teams"
        ),
    ),
    Clause(
        "co_sellers_revenue",
        lambda r, c: (
            f"leaves co-selling specialists {c.money(r['difference'])} "
            f"{_more(r['difference'])} of their own bookings"
        ),
    ),
)


def _clauses(
    rows: pd.DataFrame, material: pd.Series, reps: int, first: str, level: float, currency: str
) -> list[str]:
    """Clause per material metric of one variant, in the order of :data:`CLAUSES`."""
    context = _Context(reps, first, level, currency)

    def has(metric: str | None) -> bool:
        return metric is not None and bool(material.get(metric, False))

    return [
        c.phrase(rows.loc[c.metric], context)
        for c in CLAUSES
        if has(c.metric) and not has(c.unless)
    ]


def _join(clauses: list[str]) -> str:
    return ", ".join(clauses[:-1]) + (" and " if len(clauses) > 1 else "") + clauses[-1]


def comparison_lines(
    diffs: pd.DataFrame,
    reps: int,
    first: str,
    level: float = 0.95,
    currency: str = "USD",
    material: pd.Series | None = None,
) -> list[str]:
    """One sentence per variant naming its material differences from the base plan.

    ``diffs`` is :func:`sim.compare.differences`; ``reps`` turns shares of
    rep-years into reps; ``first`` names the measure the attainment shares read;
    ``material`` is :func:`material_differences` of ``diffs`` (worked out here unless given).
    """
    material = material_differences(diffs, reps) if material is None else material
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
