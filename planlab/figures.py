"""Figures of a simulated plan, as matplotlib ``Figure`` objects.

Each builder is a small pure function: data in, a new ``Figure`` out. They use
the object-oriented API only (``Figure()`` and ``fig.subplots()``), never
pyplot's global state, so they are safe in threads and need no display.
Payout shares always come from :meth:`sim.curves.PayoutCurve.payout`.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from sim import metrics as M
from sim.plan import Plan
from sim.run import SimulationResult, VariantResult

__all__ = [
    "attainment_histograms",
    "attainment_overlay",
    "cost_distribution",
    "earnings_curves",
    "monthly_bookings",
    "payout_curves",
    "payout_vs_attainment",
    "to_data_uri",
]

#: One colour per plan variant, in the order variants appear.
PALETTE = (
    "#1f5f99",
    "#d9822b",
    "#2e8b57",
    "#b03a48",
    "#6a4c93",
    "#8c6d31",
    "#3a8fb7",
    "#7f7f7f",
)
MARKERS = {"threshold": "#b03a48", "target": "#2e8b57", "cap": "#6a4c93", "p90": "#222222"}
SCATTER_POINTS = 4000
CURVE_RANGE = (0.0, 2.5)
PANEL_COLUMNS = 3


def _plain(text: object) -> str:
    """User text for matplotlib: ``$`` would otherwise start mathtext."""
    return str(text).replace("$", r"\$")


def _money(value: float, _pos: object = None) -> str:
    return f"{value:,.0f}"


def _style(ax: Axes) -> None:
    """A quiet, readable look set per axes (no global rcParams)."""
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(True, color="#e3e3e3", linewidth=0.8)
    ax.set_axisbelow(True)
    ax.tick_params(labelsize=9, color="#888888")
    ax.title.set_fontsize(11)
    ax.xaxis.label.set_fontsize(9.5)
    ax.yaxis.label.set_fontsize(9.5)


def _percent_axis(axis) -> None:
    axis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))


def _money_axis(axis) -> None:
    axis.set_major_formatter(FuncFormatter(_money))


def _colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def _variant(result: SimulationResult, name: str) -> VariantResult:
    try:
        return result.variants[name]
    except KeyError:
        known = ", ".join(result.variants)
        raise KeyError(f"unknown variant {name!r}; the result has: {known}") from None


def _panels(n: int, width: float = 4.2, height: float = 3.4) -> tuple[Figure, list[Axes]]:
    """A figure with ``n`` panels in rows of at most three; spare panels hidden."""
    cols = max(1, min(n, PANEL_COLUMNS))
    rows = max(1, math.ceil(n / cols))
    fig = Figure(figsize=(width * cols, height * rows), layout="constrained")
    axes = list(fig.subplots(rows, cols, squeeze=False).ravel())
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n]


def _histogram_upper(a: np.ndarray, lines: list[float]) -> float:
    """Right edge of an attainment histogram: most of the data and every marker."""
    hi = float(np.quantile(a, 0.98)) if a.size else 1.5
    hi = max(hi, 1.5, *(x * 1.1 for x in lines))
    return min(hi, 4.0)


def _attainment_panel(ax: Axes, a: np.ndarray, measure) -> None:
    """Histogram of one measure's attainment with threshold, target and cap marked."""
    curve = measure.curve
    marks = [("target", 1.0)]
    if curve.threshold > 0:
        marks.insert(0, ("threshold", curve.threshold))
    cap_at = curve.attainment_at_cap
    if math.isfinite(cap_at):
        marks.append(("cap", cap_at))
    hi = _histogram_upper(a, [x for _, x in marks])
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
    ax.set_title(_plain(f"{measure.id} (weight {measure.weight:.0%}{level})"))
    ax.set_xlabel("Annual attainment (% of target)")
    ax.set_ylabel("Share of rep-years")
    _percent_axis(ax.xaxis)
    _percent_axis(ax.yaxis)
    ax.legend(fontsize=8, frameon=False, loc="upper right")
    _style(ax)


def attainment_histograms(result: SimulationResult, variant: str = "base") -> Figure:
    """One panel per paid measure: how annual attainment spreads over reps and trials.

    Shows how many rep-years clear the threshold, reach target and hit the cap.
    """
    v = _variant(result, variant)
    fig, axes = _panels(len(v.plan.measures))
    for ax, m in zip(axes, v.plan.measures, strict=True):
        a = np.asarray(v.outcome.attainment[m.id], dtype=float).ravel()
        _attainment_panel(ax, a, m)
    fig.suptitle(_plain(f"Annual attainment by measure: {v.name}"), fontsize=12)
    return fig


def payout_curves(plans: Mapping[str, Plan]) -> Figure:
    """Payout share against attainment, one panel per measure id, one line per plan.

    Lets the reader compare thresholds, accelerators and caps across variants;
    every value comes from ``measure.curve.payout``.
    """
    ids = list(dict.fromkeys(m.id for p in plans.values() for m in p.measures))
    fig, axes = _panels(len(ids))
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
                color=_colour(i),
                linestyle=styles[i % len(styles)],
                linewidth=width,
                label=_plain(f"{label} · {mid}"),
            )
        ax.axvline(1.0, color="#999999", linewidth=0.8)
        ax.set_title(_plain(mid))
        ax.set_xlabel("Attainment (% of target)")
        ax.set_ylabel("Payout (% of target incentive)")
        ax.set_xlim(*CURVE_RANGE)
        ax.set_ylim(bottom=0)
        _percent_axis(ax.xaxis)
        _percent_axis(ax.yaxis)
        ax.legend(fontsize=8, frameon=False, loc="upper left")
        _style(ax)
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
    x = np.asarray(v.outcome.weighted_attainment, dtype=float).ravel()
    y = np.asarray(v.outcome.total, dtype=float).ravel()
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
    ax.set_title(_plain(f"Payout vs weighted attainment: {v.name} ({keep.size:,} rep-years)"))
    ax.set_xlabel("Weighted annual attainment (% of target)")
    ax.set_ylabel("Total incentive paid per rep and year")
    _percent_axis(ax.xaxis)
    _money_axis(ax.yaxis)
    ax.legend(fontsize=8, frameon=False, loc="upper left")
    _style(ax)
    return fig


def cost_distribution(result: SimulationResult) -> Figure:
    """Overlaid histograms of total incentive cost per trial, one per variant.

    The base plan's P90 marks the budget risk: one year in ten costs more.
    """
    costs = {
        n: np.asarray(v.outcome.total, dtype=float).sum(axis=1) for n, v in result.variants.items()
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
            color=_colour(i),
            label=_plain(name),
        )
    base_name, base = next(iter(costs.items()))
    p90 = float(np.quantile(base, 0.9))
    ax.axvline(
        p90,
        color=MARKERS["p90"],
        linestyle="--",
        linewidth=1.3,
        label=_plain(f"P90 {base_name}: {p90:,.0f}"),
    )
    ax.set_title("Total incentive cost per simulated year")
    ax.set_xlabel("Total incentive cost (all reps, one year)")
    ax.set_ylabel("Share of trials")
    _money_axis(ax.xaxis)
    _percent_axis(ax.yaxis)
    ax.xaxis.set_major_locator(MaxNLocator(6))
    ax.legend(fontsize=8, frameon=False)
    _style(ax)
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
            color=_colour(i),
            linestyle=("-", "--", "-.", ":")[i % 4],
            label=_plain(name),
        )
    ax.set_title("Mean company bookings by month")
    ax.set_xlabel("Month of the plan year")
    ax.set_ylabel("Bookings (all reps)")
    ax.set_xticks(months)
    ax.set_ylim(bottom=0)
    _money_axis(ax.yaxis)
    ax.legend(fontsize=8, frameon=False, ncols=2)
    _style(ax)
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
            color=_colour(i),
            marker="o",
            markersize=3,
            label=f"{_plain(name)}: last month",
        )
        if i == 0:
            ax.plot(
                x,
                prof["first_month"],
                color=_colour(i),
                linestyle=":",
                label=f"{_plain(name)}: first month",
            )
    ax.axhline(1.0, color="0.6", linewidth=0.8)
    ax.set_title("Effort against attainment to date")
    ax.set_xlabel("Attainment of the period target when the month starts")
    ax.set_ylabel("Effort (1.0 = today)")
    _percent_axis(ax.xaxis)
    ax.legend(fontsize=8, frameon=False, ncols=2)
    _style(ax)
    return fig


def attainment_overlay(result: SimulationResult) -> Figure:
    """Attainment distributions of every variant overlaid: weighted attainment, and the
    base plan's first measure (variants that do not pay on it are left out)."""
    first = result.base.plan.measures[0]
    series = {
        "Weighted attainment (all measures)": {
            n: v.outcome.weighted_attainment for n, v in result.variants.items()
        },
        f"{first.id} attainment": {
            n: v.outcome.attainment[first.id]
            for n, v in result.variants.items()
            if first.id in v.outcome.attainment
        },
    }
    fig, axes = _panels(2, width=5.2)
    for ax, (title, by_variant) in zip(axes, series.items(), strict=True):
        every = np.concatenate([np.asarray(a, dtype=float).ravel() for a in by_variant.values()])
        hi = _histogram_upper(every, [1.0])
        bins = np.linspace(0.0, hi, 41)
        for i, (name, a) in enumerate(by_variant.items()):
            a = np.clip(np.asarray(a, dtype=float).ravel(), 0.0, hi)
            ax.hist(
                a,
                bins=bins,
                weights=np.full(a.size, 1.0 / a.size),
                histtype="step",
                linewidth=max(1.2, 2.6 - 0.4 * i),
                color=_colour(i),
                label=_plain(name),
            )
        ax.axvline(1.0, color=MARKERS["target"], linestyle="--", linewidth=1.1)
        ax.set_title(_plain(title))
        ax.set_xlabel("Annual attainment (% of target; last bar holds the rest)")
        ax.set_ylabel("Share of rep-years")
        _percent_axis(ax.xaxis)
        _percent_axis(ax.yaxis)
        ax.legend(fontsize=8, frameon=False)
        _style(ax)
    fig.suptitle("Attainment by variant", fontsize=12)
    return fig


def earnings_curves(tables: Mapping[str, pd.DataFrame]) -> Figure:
    """What a rep earns at each attainment: total incentive per plan (left) and, for the
    first plan, the payout of each measure (right). ``tables`` come from
    :func:`sim.earnings.earnings_table`, one per plan."""
    fig, (left, right) = _panels(2, width=5.2)
    for i, (name, df) in enumerate(tables.items()):
        left.plot(
            df.index,
            df["incentive_total"],
            color=_colour(i),
            linestyle=("-", "--", "-.", ":")[i % 4],
            linewidth=max(1.2, 3.0 - 0.5 * i),
            label=_plain(name),
        )
    name, df = next(iter(tables.items()))
    for i, col in enumerate(c for c in df.columns if c.startswith("payout_")):
        right.plot(df.index, df[col], color=_colour(i), label=_plain(col[len("payout_") :]))
    for ax, title in (
        (left, "Total incentive by plan"),
        (right, f"Incentive by measure: {name}"),
    ):
        ax.axvline(1.0, color="#999999", linewidth=0.8)
        ax.set_title(_plain(title))
        ax.set_xlabel("Attainment of every target (% of target)")
        ax.set_ylabel("Incentive per year")
        ax.set_ylim(bottom=0)
        _percent_axis(ax.xaxis)
        _money_axis(ax.yaxis)
        ax.legend(fontsize=8, frameon=False, loc="upper left")
        _style(ax)
    fig.suptitle("Earnings estimator", fontsize=12)
    return fig


def to_data_uri(fig: Figure, dpi: int = 100) -> str:
    """The figure as a ``data:image/png;base64,...`` URI, for self-contained HTML.

    The figure is cleared afterwards to free its memory.
    """
    buf = io.BytesIO()
    try:
        fig.savefig(
            buf,
            format="png",
            dpi=dpi,
            bbox_inches="tight",
            facecolor="white",
            metadata={"Software": None},
        )
    finally:
        fig.clear()
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
