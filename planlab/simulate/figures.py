"""Figures of a simulated plan, as matplotlib ``Figure`` objects.

Each builder is a small pure function: data in, a new ``Figure`` out. They use
the object-oriented API only (``Figure()`` and ``fig.subplots()``), never
pyplot's global state, so they are safe in threads and need no display.
Payout shares always come from :meth:`sim.curves.PayoutCurve.payout`.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from sim import metrics as M
from sim.plan import Plan
from sim.run import SimulationResult, VariantResult

from ..kit.plot import (
    MARKERS,
    PALETTE,
    colour,
    histogram_upper,
    mathtext_safe,
    money_axis,
    panels,
    percent_axis,
    style_axes,
)

__all__ = [
    "attainment_histograms",
    "cost_distribution",
    "earnings_curves",
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


def _attainment_panel(ax: Axes, a: np.ndarray, measure) -> None:
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
    weights = np.full(a.size, 1.0 / max(a.size, 1))
    ax.hist(
        np.clip(a, 0.0, hi),
        bins=50,
        range=(0.0, hi),
        weights=weights,
        color=PALETTE[0],
        alpha=0.85,
        edgecolor="white",
        linewidth=0.3,
    )
    for kind, x in marks:
        ax.axvline(
            x,
            color=MARKERS[kind],
            linestyle="--",
            linewidth=1.3,
            label=f"{kind.capitalize()} {x:.0%}",
        )
    if above > 0:
        ax.text(
            0.98,
            0.62,
            f"{above:.1%} above {hi:.0%}\n(in the last bar)",
            ha="right",
            va="top",
            transform=ax.transAxes,
            fontsize=8,
            color="#555555",
        )
    level = ", team" if measure.level == "team" else ""
    ax.set_title(mathtext_safe(f"{measure.id} (weight {measure.weight:.0%}{level})"))
    ax.set_xlabel("Annual attainment (% of target)")
    ax.set_ylabel("Share of rep-years")
    percent_axis(ax.xaxis)
    percent_axis(ax.yaxis)
    ax.legend(fontsize=8, frameon=False, loc="upper right")
    style_axes(ax)


def attainment_histograms(result: SimulationResult, variant: str = "base") -> Figure:
    """One panel per paid measure: how annual attainment spreads over reps and trials.

    Shows how many rep-years clear the threshold, reach target and hit the cap.
    """
    v = _variant(result, variant)
    fig, axes = panels(len(v.plan.measures))
    for ax, m in zip(axes, v.plan.measures, strict=True):
        a = np.asarray(v.summary.sample[f"attainment:{m.id}"], dtype=float).ravel()
        _attainment_panel(ax, a, m)
    fig.suptitle(mathtext_safe(f"Annual attainment by measure: {v.name}"), fontsize=12)
    return fig


def payout_curves(plans: Mapping[str, Plan]) -> Figure:
    """Payout share against attainment, one panel per measure id, one line per plan.

    Lets the reader compare thresholds, accelerators and caps across variants;
    every value comes from ``measure.curve.payout``.
    """
    ids = list(dict.fromkeys(m.id for p in plans.values() for m in p.measures))
    fig, axes = panels(len(ids))
    x = np.linspace(*CURVE_RANGE, 501)
    styles = ("-", "--", "-.", ":")
    for ax, mid in zip(axes, ids, strict=True):
        for i, (label, plan) in enumerate(plans.items()):
            if mid not in plan.measure_ids:
                continue
            y = plan.measure(mid).curve.payout(x)
            width = max(1.2, 3.2 - 0.5 * i)  # earlier plans wider, so overlaps stay visible
            ax.plot(
                x,
                y,
                color=colour(i),
                linestyle=styles[i % len(styles)],
                linewidth=width,
                label=mathtext_safe(f"{label} · {mid}"),
            )
        ax.axvline(1.0, color="#999999", linewidth=0.8)
        ax.set_title(mathtext_safe(mid))
        ax.set_xlabel("Attainment (% of target)")
        ax.set_ylabel("Payout (% of target incentive)")
        ax.set_xlim(*CURVE_RANGE)
        ax.set_ylim(bottom=0)
        percent_axis(ax.xaxis)
        percent_axis(ax.yaxis)
        ax.legend(fontsize=8, frameon=False, loc="upper left")
        style_axes(ax)
    fig.suptitle("Payout curves", fontsize=12)
    return fig


def _subsample(n: int, k: int) -> np.ndarray:
    """At most ``k`` of ``n`` indices, the same ones every time (fixed seed)."""
    if n <= k:
        return np.arange(n)
    return np.sort(np.random.default_rng(0).choice(n, size=k, replace=False))


def payout_vs_attainment(result: SimulationResult, variant: str = "base") -> Figure:
    """Scatter of each rep-year's total payout against weighted attainment.

    Shows pay for performance at a glance: the spread at a given attainment
    comes from the measure mix, gates, modifiers and caps.
    """
    v = _variant(result, variant)
    x = np.asarray(v.summary.sample["weighted_attainment"], dtype=float).ravel()
    y = np.asarray(v.summary.sample["total"], dtype=float).ravel()
    keep = _subsample(x.size, SCATTER_POINTS)
    fig = Figure(figsize=(7.5, 4.6), layout="constrained")
    ax = fig.subplots()
    ax.scatter(x[keep], y[keep], s=7, alpha=0.35, color=PALETTE[0], linewidths=0)
    ti = v.plan.pay_mix.target_incentive
    ax.axhline(
        ti,
        color=MARKERS["target"],
        linestyle="--",
        linewidth=1.2,
        label=f"Target incentive {ti:,.0f}",
    )
    ax.axvline(1.0, color="#999999", linewidth=0.8)
    ax.set_title(
        mathtext_safe(f"Payout vs weighted attainment: {v.name} ({keep.size:,} rep-years)")
    )
    ax.set_xlabel("Weighted annual attainment (% of target)")
    ax.set_ylabel("Total incentive paid per rep and year")
    percent_axis(ax.xaxis)
    money_axis(ax.yaxis, result.scenario.currency)
    ax.legend(fontsize=8, frameon=False, loc="upper left")
    style_axes(ax)
    return fig


def cost_distribution(result: SimulationResult) -> Figure:
    """Overlaid histograms of total incentive cost per trial, one per variant.

    The base plan's P90 marks the budget risk: one year in ten costs more.
    """
    costs = {
        n: np.asarray(v.summary.yearly["cost"], dtype=float) for n, v in result.variants.items()
    }
    every = np.concatenate(list(costs.values()))
    lo, hi = float(every.min()), float(every.max())
    bins = np.linspace(lo, hi if hi > lo else lo + 1.0, 51)
    fig = Figure(figsize=(7.5, 4.6), layout="constrained")
    ax = fig.subplots()
    for i, (name, c) in enumerate(costs.items()):
        ax.hist(
            c,
            bins=bins,
            weights=np.full(c.size, 1.0 / c.size),
            histtype="step",
            linewidth=1.8,
            color=colour(i),
            label=mathtext_safe(name),
        )
    base_name, base = next(iter(costs.items()))
    p90 = float(np.quantile(base, 0.9))
    ax.axvline(
        p90,
        color=MARKERS["p90"],
        linestyle="--",
        linewidth=1.3,
        label=mathtext_safe(f"P90 {base_name}: {p90:,.0f}"),
    )
    ax.set_title("Total incentive cost per simulated year")
    ax.set_xlabel("Total incentive cost (all reps, one year)")
    ax.set_ylabel("Share of trials")
    money_axis(ax.xaxis, result.scenario.currency)
    percent_axis(ax.yaxis)
    ax.xaxis.set_major_locator(MaxNLocator(6))
    ax.legend(fontsize=8, frameon=False)
    style_axes(ax)
    return fig


def monthly_bookings(result: SimulationResult) -> Figure:
    """Mean company bookings per month, one line per variant.

    Under a fixed-effort behaviour the lines coincide; a plan-dependent
    behaviour shows how each plan shifts the timing of deals.
    """
    fig = Figure(figsize=(7.5, 4.2), layout="constrained")
    ax = fig.subplots()
    months = np.arange(1, result.base.bookings_by_month.shape[1] + 1)
    for i, (name, v) in enumerate(result.variants.items()):
        mean = np.asarray(v.bookings_by_month, dtype=float).mean(0)
        ax.plot(
            months,
            mean,
            marker="o",
            markersize=3.5,
            linewidth=max(1.2, 3.2 - 0.5 * i),
            color=colour(i),
            linestyle=("-", "--", "-.", ":")[i % 4],
            label=mathtext_safe(name),
        )
    ax.set_title("Mean company bookings by month")
    ax.set_xlabel("Month of the plan year")
    ax.set_ylabel("Bookings (all reps)")
    ax.set_xticks(months, [calendar.month_abbr[(m - 1) % 12 + 1] for m in months])
    ax.set_ylim(bottom=0)
    money_axis(ax.yaxis, result.scenario.currency)
    ax.legend(fontsize=8, frameon=False, ncols=2)
    style_axes(ax)
    return fig


def effort_vs_progress(result: SimulationResult) -> Figure:
    """Mean effort by attainment to date: last month of a period (solid) per variant,
    and the first month (dotted) for the base plan."""
    fig = Figure(figsize=(7.5, 4.2), layout="constrained")
    ax = fig.subplots()
    for i, (name, v) in enumerate(result.variants.items()):
        prof = M.effort_profile(v)
        x = prof.index.to_numpy() + 0.05
        ax.plot(
            x,
            prof["last_month"],
            color=colour(i),
            marker="o",
            markersize=3,
            label=f"{mathtext_safe(name)}: last month",
        )
        if i == 0:
            ax.plot(
                x,
                prof["first_month"],
                color=colour(i),
                linestyle=":",
                label=f"{mathtext_safe(name)}: first month",
            )
    ax.axhline(1.0, color="0.6", linewidth=0.8)
    ax.set_title("Effort against attainment to date")
    ax.set_xlabel("Attainment of the period target when the month starts")
    ax.set_ylabel("Effort (1.0 = today)")
    percent_axis(ax.xaxis)
    ax.legend(fontsize=8, frameon=False, ncols=2)
    style_axes(ax)
    return fig


def earnings_curves(tables: Mapping[str, pd.DataFrame]) -> Figure:
    """What a rep earns at each attainment: total incentive per plan (left) and, for the
    first plan, the payout of each measure (right). ``tables`` come from
    :func:`sim.earnings.earnings_table`, one per plan."""
    fig, (left, right) = panels(2, width=5.2)
    for i, (name, df) in enumerate(tables.items()):
        left.plot(
            df.index,
            df["incentive_total"],
            color=colour(i),
            linestyle=("-", "--", "-.", ":")[i % 4],
            linewidth=max(1.2, 3.0 - 0.5 * i),
            label=mathtext_safe(name),
        )
    name, df = next(iter(tables.items()))
    for i, col in enumerate(c for c in df.columns if c.startswith("payout_")):
        right.plot(df.index, df[col], color=colour(i), label=mathtext_safe(col[len("payout_") :]))
    for ax, title in (
        (left, "Total incentive by plan"),
        (right, f"Incentive by measure: {name}"),
    ):
        ax.axvline(1.0, color="#999999", linewidth=0.8)
        ax.set_title(mathtext_safe(title))
        ax.set_xlabel("Attainment of every target (% of target)")
        ax.set_ylabel("Incentive per year")
        ax.set_ylim(bottom=0)
        percent_axis(ax.xaxis)
        money_axis(ax.yaxis)
        ax.legend(fontsize=8, frameon=False, loc="upper left")
        style_axes(ax)
    fig.suptitle("Earnings estimator", fontsize=12)
    return fig
