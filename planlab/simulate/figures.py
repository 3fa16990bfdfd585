"""Figures of a simulated plan, as SVG charts (:mod:`planlab.kit.svg`).

Each builder is a small pure function: data in, a new :class:`~planlab.kit.svg.Chart`
out, drawn straight from the numbers (no plotting library), so a report's figures
cost milliseconds. Payout shares always come from :meth:`sim.curves.PayoutCurve.payout`.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from sim import metrics as M
from sim.plan import Plan
from sim.run import SimulationResult, VariantResult

from ..kit.svg import (
    MARKERS,
    PALETTE,
    Chart,
    Panel,
    attainment_panel,
    chart,
    colour,
    dash,
    histogram_upper,
    money_format,
    percent_format,
    shares,
)

__all__ = [
    "attainment_histograms",
    "cost_distribution",
    "earnings_curves",
    "effort_vs_progress",
    "monthly_bookings",
    "payout_curves",
    "payout_vs_attainment",
]

SCATTER_POINTS = 4000
CURVE_RANGE = (0.0, 2.5)


def _variant(result: SimulationResult, name: str) -> VariantResult:
    try:
        return result.variants[name]
    except KeyError:
        known = ", ".join(result.variants)
        raise KeyError(f"unknown variant {name!r}; the result has: {known}") from None


def _attainment_panel(a: np.ndarray, measure) -> Panel:
    """Histogram of one measure's attainment with threshold, target and cap marked."""
    curve = measure.curve
    marks = [("target", 1.0)]
    if curve.threshold > 0:
        marks.insert(0, ("threshold", curve.threshold))
    cap_at = curve.attainment_at_cap
    if math.isfinite(cap_at):
        marks.append(("cap", cap_at))
    hi = histogram_upper(a, [x for _, x in marks])
    above = float(np.mean(a > hi)) if a.size else 0.0
    level = ", team" if measure.level == "team" else ""
    edges = np.linspace(0.0, hi, 51)
    panel = attainment_panel(
        f"{measure.id} (weight {measure.weight:.0%}{level})",
        hi,
        "Annual attainment (% of target)",
        "Share of rep-years",
    )
    panel.bars(edges, shares(a, edges), PALETTE[0])
    for kind, x in marks:
        panel.vline(x, MARKERS[kind], label=f"{kind.capitalize()} {x:.0%}")
    if above > 0:
        panel.note(f"{above:.1%} above {hi:.0%} (in the last bar)")
    return panel


def attainment_histograms(result: SimulationResult, variant: str = "base") -> Chart:
    """One panel per paid measure: how annual attainment spreads over reps and trials.

    Shows how many rep-years clear the threshold, reach target and hit the cap.
    """
    v = _variant(result, variant)
    panels = [
        _attainment_panel(
            np.asarray(v.summary.sample[f"attainment:{m.id}"], dtype=float).ravel(), m
        )
        for m in v.plan.measures
    ]
    return chart(panels, f"Annual attainment by measure: {v.name}")


def payout_curves(plans: Mapping[str, Plan]) -> Chart:
    """Payout share against attainment, one panel per measure id, one line per plan.

    Lets the reader compare thresholds, accelerators and caps across variants;
    every value comes from ``measure.curve.payout``.
    """
    ids = list(dict.fromkeys(m.id for p in plans.values() for m in p.measures))
    x = np.linspace(*CURVE_RANGE, 501)
    panels = []
    for mid in ids:
        panel = Panel(
            title=mid,
            xlabel="Attainment (% of target)",
            ylabel="Payout (% of target incentive)",
            xformat=percent_format,
            yformat=percent_format,
            xlim=CURVE_RANGE,
            ylim=(0.0, None),
            legend="upper left",
        )
        panel.vline(1.0, "#999999", dash="")
        for i, (name, plan) in enumerate(plans.items()):
            if mid not in plan.measure_ids:
                continue
            y = plan.measure(mid).curve.payout(x)
            width = max(1.2, 3.2 - 0.5 * i)  # earlier plans wider, so overlaps stay visible
            panel.line(x, y, colour(i), label=name, width=width, dash=dash(i))
        panels.append(panel)
    return chart(panels, "Payout curves")


def _subsample(n: int, k: int) -> np.ndarray:
    """At most ``k`` of ``n`` indices, the same ones every time (fixed seed)."""
    if n <= k:
        return np.arange(n)
    return np.sort(np.random.default_rng(0).choice(n, size=k, replace=False))


def payout_vs_attainment(result: SimulationResult, variant: str = "base") -> Chart:
    """Scatter of each rep-year's total payout against weighted attainment.

    Shows pay for performance at a glance: the spread at a given attainment
    comes from the measure mix, gates, modifiers and caps.
    """
    v = _variant(result, variant)
    x = np.asarray(v.summary.sample["weighted_attainment"], dtype=float).ravel()
    y = np.asarray(v.summary.sample["total"], dtype=float).ravel()
    keep = _subsample(x.size, SCATTER_POINTS)
    currency = result.scenario.currency
    ti = v.plan.pay_mix.target_incentive
    fmt = money_format(currency)
    panel = Panel(
        title=f"Payout vs weighted attainment: {v.name} ({keep.size:,} rep-years)",
        xlabel="Weighted annual attainment (% of target)",
        ylabel="Total incentive paid per rep and year",
        xformat=percent_format,
        yformat=fmt,
        legend="upper left",
    )
    panel.points(x[keep], y[keep], PALETTE[0])
    panel.hline(ti, MARKERS["target"], label=f"Target incentive {fmt(ti, ti)}")
    panel.vline(1.0, "#999999", dash="")
    return chart([panel], panel_size=(760, 440))


def cost_distribution(result: SimulationResult) -> Chart:
    """Overlaid histograms of total incentive cost per trial, one per variant.

    The base plan's P90 marks the budget risk: one year in ten costs more.
    """
    costs = {
        n: np.asarray(v.summary.yearly["cost"], dtype=float) for n, v in result.variants.items()
    }
    every = np.concatenate(list(costs.values()))
    lo, hi = float(every.min()), float(every.max())
    edges = np.linspace(lo, hi if hi > lo else lo + 1.0, 51)
    fmt = money_format(result.scenario.currency)
    panel = Panel(
        title="Total incentive cost per simulated year",
        xlabel="Total incentive cost (all reps, one year)",
        ylabel="Share of trials",
        xformat=fmt,
        yformat=percent_format,
        ylim=(0.0, None),
    )
    for i, (name, c) in enumerate(costs.items()):
        panel.steps(edges, shares(c, edges), colour(i), label=name)
    base_name, base = next(iter(costs.items()))
    p90 = float(np.quantile(base, 0.9))
    panel.vline(p90, MARKERS["p90"], label=f"P90 {base_name}: {fmt(p90, p90)}")
    return chart([panel], panel_size=(760, 420))


def monthly_bookings(result: SimulationResult) -> Chart:
    """Mean company bookings per month, one line per variant.

    Under a fixed-effort behaviour the lines coincide; a plan-dependent
    behaviour shows how each plan shifts the timing of deals.
    """
    months = np.arange(1, result.base.bookings_by_month.shape[1] + 1)
    panel = Panel(
        title="Mean company bookings by month",
        xlabel="Month of the plan year",
        ylabel="Bookings (all reps)",
        yformat=money_format(result.scenario.currency),
        ylim=(0.0, None),
        xticks=[(m, calendar.month_abbr[(m - 1) % 12 + 1]) for m in months],
        legend="upper left",
    )
    for i, (name, v) in enumerate(result.variants.items()):
        mean = np.asarray(v.bookings_by_month, dtype=float).mean(0)
        width = max(1.2, 3.2 - 0.5 * i)
        panel.line(months, mean, colour(i), label=name, width=width, dash=dash(i), marker=True)
    return chart([panel], panel_size=(760, 400))


def effort_vs_progress(result: SimulationResult) -> Chart:
    """Mean effort by attainment to date: last month of a period (solid) per variant,
    and the first month (dotted) for the base plan."""
    panel = Panel(
        title="Effort against attainment to date",
        xlabel="Attainment of the period target when the month starts",
        ylabel="Effort (1.0 = today)",
        xformat=percent_format,
    )
    panel.hline(1.0, "#999999", dash="")
    for i, (name, v) in enumerate(result.variants.items()):
        prof = M.effort_profile(v)
        x = prof.index.to_numpy() + 0.05
        panel.line(x, prof["last_month"], colour(i), label=f"{name}: last month", marker=True)
        if i == 0:
            panel.line(x, prof["first_month"], colour(i), label=f"{name}: first month", dash="2 3")
    return chart([panel], panel_size=(760, 400))


def earnings_curves(tables: Mapping[str, pd.DataFrame], currency: str | None = None) -> Chart:
    """What a rep earns at each attainment: total incentive per plan (left) and, for the
    first plan, the payout of each measure (right). ``tables`` come from
    :func:`sim.earnings.earnings_table`, one per plan."""
    fmt = money_format(currency)
    name, first = next(iter(tables.items()))

    def panel(title: str) -> Panel:
        p = Panel(
            title=title,
            xlabel="Attainment of every target (% of target)",
            ylabel="Incentive per year",
            xformat=percent_format,
            yformat=fmt,
            ylim=(0.0, None),
            legend="upper left",
        )
        return p.vline(1.0, "#999999", dash="")

    left, right = panel("Total incentive by plan"), panel(f"Incentive by measure: {name}")
    for i, (plan_name, df) in enumerate(tables.items()):
        width = max(1.2, 3.0 - 0.5 * i)
        left.line(df.index, df["incentive_total"], colour(i), plan_name, width, dash=dash(i))
    for i, col in enumerate(c for c in first.columns if c.startswith("payout_")):
        right.line(first.index, first[col], colour(i), col[len("payout_") :])
    return chart([left, right], "Earnings estimator", panel_size=(500, 330))
