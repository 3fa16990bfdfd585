"""One self-contained HTML report of a simulation run.

The document needs no network: styles are inline, figures are embedded as data
URIs (SVG charts drawn from the data) and there is no script. Section bodies are
the kit's blocks (:mod:`planlab.kit.html`) rendered by Jinja2 templates with
autoescaping, so every piece of user text (names, descriptions, table cells and
headers, summary lines) is escaped and a roster or scenario file cannot inject
markup into the report.

Tables are passed in by key (see :data:`SECTIONS`); any key left out is built
from :mod:`sim.metrics`, and keys that are not a known section get a section
of their own after the known ones.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import pandas as pd

from planlab import __version__
from sim.earnings import earnings_table
from sim.measures import MEASURES
from sim.plan import Gate, Measure, Modifier, Plan, Reward
from sim.run import SimulationResult

from ..kit.behaviour_note import behaviour_note
from ..kit.format import format_value, percent_text
from ..kit.html import (
    MAX_BULLETS,
    Block,
    Table,
    blocks,
    box,
    bullets,
    details,
    executive_summary,
    facts,
    figure_html,
    heading,
    markup,
    more_findings,
    note,
    paragraph,
    render_table,
    report_page,
)
from . import figures as F
from .tables import IDLE_COLUMNS, idle_left_out, rep_table_parts, run_tables

__all__ = [
    "MAX_BULLETS",
    "SECTIONS",
    "default_tables",
    "describe_plan",
    "earnings_section",
    "render_report",
]


#: Known table keys, in report order: (key, section title, what the table shows).
SECTIONS: tuple[tuple[str, str, str], ...] = (
    ("summary", "Plan variants", "The headline numbers of each plan variant."),
    (
        "measures",
        "Measures",
        "Annual attainment per paid measure and variant, and the "
        "shares of rep-years that reach threshold, target and cap.",
    ),
    (
        "company",
        "Cost and company metrics",
        "Expected incentive cost, its spread "
        "across simulated years, cost of sales and pay for performance.",
    ),
    ("teams", "Teams", "Expected revenue, incentive and cost of sales per team."),
    (
        "reps",
        "Reps",
        "Per rep, for the base plan: targets and the chance of reaching each, then the "
        "spread of payout and each variant's expected payout (traits and every column "
        "are in reps.csv).",
    ),
    (
        "rewards",
        "Rewards",
        "Per rep, for the base plan: the chance of qualifying for each non-monetary reward.",
    ),
    (
        "behaviour",
        "Rep behaviour",
        "How reps respond to each variant when the behaviour model is on: annual effort, "
        "effort in the first and last month of a period, the share of bookings closed in a "
        "period's last month, revenue pulled in or pushed out at period ends and the discount "
        "given to pull it, and expected leavers and their replacement cost.",
    ),
    (
        "rep_behaviour",
        "Achievability and fairness",
        "Per rep, for the base plan: the chance of reaching target, the target per unit of "
        "territory potential against the team (1.0 = average load), and, with the behaviour "
        "model on, effort, the plan's certainty equivalent against the outside option and the "
        "chance of leaving.",
    ),
)


# -- cell formatting --------------------------------------------------------------


# -- tables -----------------------------------------------------------------------


def default_tables(result: SimulationResult, keys: Iterable[str] | None = None) -> dict[str, Table]:
    """The report's standard tables (all known keys, or only ``keys``): see
    :func:`planlab.simulate.tables.run_tables`."""
    return run_tables(result, keys)


# -- plan description -------------------------------------------------------------


def _measure_value(measure_name: str, value: float, currency: str | None = None) -> str:
    """A level of a catalogue measure in its unit (money in ``currency``, count, rate,
    score, days)."""
    kind = MEASURES.get(measure_name)
    unit = kind.unit if kind else "number"
    if unit == "rate":
        return percent_text(value)
    if unit == "currency":
        return format_value(float(value), "money", currency)
    if unit == "days":
        return f"{value:g} days"
    return f"{value:g}"


def _months(n: int) -> str:
    return f"{n} month" if n == 1 else f"{n} months"


def _target(m: Measure, currency: str | None = None) -> str:
    if m.target_basis == "roster":
        text = f"from the roster (target_{m.name})"
    elif m.target_basis == "listed":
        values = list((m.rep_targets or {}).values())
        text = (
            f"set per rep: {_measure_value(m.name, min(values), currency)} to "
            f"{_measure_value(m.name, max(values), currency)}"
        )
    else:
        text = _measure_value(m.name, m.target, currency)
        text += " × territory potential" if m.target_basis == "potential" else ""
    if m.level == "team":
        text += ", summed over the team" if m.additive else ", averaged over the team"
    return text


def _curve_cells(m: Measure) -> tuple[str, str, str]:
    """Breakpoints, the slope beyond them, and the cap of a measure's curve."""
    c = m.curve
    points = ", ".join(f"{percent_text(a)} → {percent_text(s)}" for a, s in c.points)
    tail = f"slope {c.tail:g}" if c.tail > 0 else "flat"
    if c.cap is None:
        cap = "uncapped"
    else:
        at = c.attainment_at_cap
        cap = percent_text(c.cap) + (
            f" (from {percent_text(at)} attainment)" if math.isfinite(at) else ""
        )
    return points, tail, cap


def _measures_table(plan: Plan, currency: str | None = None) -> pd.DataFrame:
    """What each measure pays on, its weight, target and curve, in words."""
    rows = []
    for m in plan.measures:
        points, tail, cap = _curve_cells(m)
        rows.append(
            [m.id, m.name, percent_text(m.weight), m.level, _target(m, currency), points, tail, cap]
        )
    head = [
        "Measure",
        "Pays on",
        "Weight",
        "Level",
        "Target",
        "Curve (attainment → payout)",
        "Beyond last point",
        "Cap (payout)",
    ]
    return pd.DataFrame(rows, columns=head)


def _applies(ids: tuple[str, ...]) -> str:
    return ", ".join(ids) if ids else "all measures"


def _gate_text(g: Gate, currency: str | None = None) -> str:
    if g.on == "attainment":
        what, floor = f"attainment of {g.measure}", percent_text(g.floor)
    else:
        what, floor = g.measure, _measure_value(g.measure, g.floor, currency)
    effect = (
        "pay nothing"
        if g.max_attainment == 0
        else f"pay as if attainment were at most {percent_text(g.max_attainment)}"
    )
    return f"When {what} is below {floor} in a period, {_applies(g.applies_to)} {effect}."


def _modifier_text(d: Modifier, currency: str | None = None) -> str:
    b = [_measure_value(d.measure, x, currency) for x in d.bands]
    ranges = [f"below {b[0]}"] + [f"{lo} to {hi}" for lo, hi in zip(b, b[1:], strict=False)]
    ranges.append(f"from {b[-1]}")
    bands = "; ".join(f"{r} ×{f:g}" for r, f in zip(ranges, d.factors, strict=True))
    return f"{d.measure}: {bands} (applies to {_applies(d.applies_to)})."


def _reward_text(r: Reward) -> str:
    if r.kind == "recognition":
        rule = f"top {r.top_percent:g}% of reps by weighted annual attainment"
    else:
        rule = f"weighted annual attainment of at least {percent_text(r.min_attainment or 0.0)}"
    if r.min_tenure_years > 0:
        rule += f", tenure of at least {r.min_tenure_years:g} years"
    return f"{r.name} ({r.kind}): {rule}."


def _plan_block(plan: Plan, currency: str | None = None) -> Block:
    mix = plan.pay_mix

    def money(x: float) -> str:
        return format_value(x, "money", currency)

    true_up = ("yes, with clawback" if plan.clawback else "yes") if plan.true_up else "no"
    incentive_share = percent_text(1 - mix.base_share)
    return box(
        "plan",
        *([paragraph(plan.description)] if plan.description else []),
        facts(
            [
                ("Period", f"{plan.period}ly ({plan.periods} per year)"),
                ("Payout lag", _months(plan.payout_lag_months)),
                ("Annual true-up", true_up),
                ("Base salary", money(mix.base)),
                ("Target incentive", money(mix.target_incentive)),
                ("OTE", money(mix.ote)),
                ("Pay mix", f"{percent_text(mix.base_share)} base / {incentive_share} incentive"),
            ]
        ),
        heading("Measures", 4),
        markup(render_table(_measures_table(plan, currency))),
        heading("Gates", 4),
        bullets([_gate_text(g, currency) for g in plan.gates], "No gates."),
        heading("Modifiers", 4),
        bullets([_modifier_text(d, currency) for d in plan.modifiers], "No modifiers."),
        heading("Rewards", 4),
        bullets([_reward_text(r) for r in plan.rewards], "No rewards."),
    )


def describe_plan(plan: Plan, currency: str | None = None) -> str:
    """An HTML fragment describing a plan: pay mix (amounts in ``currency``), measures and
    curves, gates, modifiers, rewards.

    Lets a reader check what was simulated without opening the scenario file.
    """
    return blocks(_plan_block(plan, currency))


# -- the document -----------------------------------------------------------------


def _facts(result: SimulationResult) -> list[tuple[str, str]]:
    return [
        ("Seed", str(result.seed)),
        ("Trials", f"{result.trials:,}"),
        ("Reps", f"{result.population.size:,}"),
        ("Teams", f"{len(result.population.team_names):,}"),
        ("Plan variants", f"{len(result.variants):,}"),
    ]


def _plan_details(result: SimulationResult) -> list[Block]:
    """Each variant's plan as a collapsible description, the base plan open."""
    out = [heading("What each variant pays")]
    for i, (name, v) in enumerate(result.variants.items()):
        # A variant's plan is named "<base plan> [<variant>]" unless the user named it.
        derived = v.plan.name == name or v.plan.name.endswith(f"[{name}]")
        label = name if derived else f"{name}: {v.plan.name}"
        out.append(details(label, _plan_block(v.plan, result.scenario.currency), open=i == 0))
    return out


def _figures(result: SimulationResult) -> list[tuple]:
    """Every standard figure of the report: (anchor, title, chart, alt text, caption)."""
    base = result.base.name
    plans = {name: v.plan for name, v in result.variants.items()}
    items = [
        (
            "fig-attainment",
            "Attainment by measure",
            F.attainment_histograms(result, base),
            f"Histograms of annual attainment for each paid measure of the {base} plan",
            "Share of rep-years at each attainment; dashed lines mark threshold, target and "
            "the attainment where the cap binds.",
        ),
        (
            "fig-curves",
            "Payout curves",
            F.payout_curves(plans),
            "Payout share of target incentive against attainment for each measure and variant",
            "Payout as a share of the measure's target incentive; the grey line marks target.",
        ),
        (
            "fig-scatter",
            "Payout vs attainment",
            F.payout_vs_attainment(result, base),
            f"Scatter of total payout against weighted attainment for the {base} plan",
            "Each dot is one rep in one simulated year (a random subsample).",
        ),
        (
            "fig-bookings",
            "Monthly bookings",
            F.monthly_bookings(result),
            "Mean company bookings per month for each variant",
            "Mean bookings of the whole team per month. When reps' effort does not depend on "
            "the plan, every variant is paid on the same outcomes and the lines coincide.",
        ),
    ]
    if any(v.behaviour is not None for v in result.variants.values()):
        items.append(
            (
                "fig-effort",
                "Effort and attainment to date",
                F.effort_vs_progress(result),
                "Mean effort against attainment to date in the first and last month of a period",
                "Effort (1.0 = today's) by how much of the period target a rep has booked when the "
                "month starts: pushing when the target is in reach at a deadline, giving up when "
                "it is far off, coasting past a cap.",
            )
        )
    return items


def _percent_index(df: pd.DataFrame) -> pd.DataFrame:
    """Attainment rows labelled as percentages (``0.5`` -> ``50%``)."""
    return df.set_axis(pd.Index([f"{a:.0%}" for a in df.index], name=df.index.name), axis=0)


def earnings_section(
    plans: Mapping[str, Plan],
    currency: str | None = None,
    tables: Mapping[str, pd.DataFrame] | None = None,
) -> str:
    """The earnings estimator: a rep's incentive at 0%-200% of every target, per measure
    and in total for the first plan, and the total under each other plan (amounts in
    ``currency`` when given)."""
    if tables is None:
        tables = {name: earnings_table(plan) for name, plan in plans.items()}
    first, df = next(iter(tables.items()))
    show = df.drop(columns=["incentive_share"]).rename(
        columns={"incentive_total": f"incentive_total_{first}", "total_pay": f"total_pay_{first}"}
    )
    for name, other in list(tables.items())[1:]:
        show[f"incentive_total_{name}"] = other["incentive_total"]
    intro = (
        f"What a rep earns in a year when every measure reaches the same share of its target "
        f"in every period: the payout of each measure of the {first} plan, its total with base "
        "salary, and the total incentive under each variant. Gates on other measures (such as "
        "a margin floor) count as met and modifiers (such as a satisfaction band) as neutral. "
        "The workbook (--xlsx) has an earnings calculator: type any attainment and every "
        "payout follows."
    )
    fig = F.earnings_curves(tables, currency)
    return blocks(
        note(intro),
        markup(render_table(_percent_index(show.iloc[::2]), currency=currency, verbatim=plans)),
        markup(
            figure_html(
                "fig-earnings",
                "Earnings at each attainment",
                fig,
                "Incentive per year against attainment for each plan and each measure",
                "Every measure at the same attainment; the grey line marks target.",
            )
        ),
    )


def _extra_tables(tables: Mapping[str, Table]) -> list[tuple[str, str, Table]]:
    """Tables whose key is not a known section: (anchor, title, table)."""
    known = {k for k, _, _ in SECTIONS}
    extra = [(k, t) for k, t in tables.items() if k not in known]
    return [(f"table-{i + 1}", str(k), t) for i, (k, t) in enumerate(extra)]


def _table_sections(
    result: SimulationResult, tables: Mapping[str, Table], leave_out: frozenset[str]
) -> list[tuple[str, str, str]]:
    """(anchor, title, html) of the known sections in order (missing tables built from the
    result; those that do not apply, or are in ``leave_out``, left out), then one per
    extra table."""
    cur = result.scenario.currency
    missing = [k for k, _, _ in SECTIONS if k not in tables and k not in leave_out]
    all_tables = {**default_tables(result, missing), **tables}
    out = []
    for key, title, intro in SECTIONS:
        if key not in all_tables or key in leave_out:  # does not apply, or shown elsewhere
            continue
        more = _plan_details(result) if key == "summary" else []
        full = "reps.csv" if key == "reps" else ""
        shown = all_tables[key]
        if key == "rep_behaviour":  # nobody leaves when leaving is off
            shown = shown.drop(
                columns=[c for c in IDLE_COLUMNS if c in shown and not shown[c].any()]
            )
        if key in ("company", "behaviour"):
            shown, idle = idle_left_out(shown)
            if idle:
                more = [
                    note(
                        f"Not shown, zero in every variant (that part of the model is off): "
                        f"{', '.join(idle)}."
                    ),
                    *more,
                ]
        parts = rep_table_parts(shown) if key == "reps" else (shown,)
        rendered = [
            markup(render_table(t, currency=cur, verbatim=result.variants, every_row_in=full))
            for t in parts
        ]
        out.append((key, title, blocks(note(intro), *rendered, *more)))
    for anchor, title, table in _extra_tables(tables):
        body = markup(render_table(table, currency=cur, verbatim=result.variants))
        out.append((anchor, title, blocks(body)))
    return out


def render_report(
    result: SimulationResult,
    title: str,
    tables: Mapping[str, Table],
    summary_lines: list[str],
    extra_sections: Iterable[tuple[str, str, str]] = (),
    figures: Sequence[tuple] = (),
    appendix: Iterable[tuple[str, str, str]] = (),
    leave_out: Iterable[str] = (),
    earnings: Mapping[str, pd.DataFrame] | None = None,
) -> str:
    """The whole report as one self-contained HTML document (no network, no script).

    ``tables`` maps section keys of :data:`SECTIONS` (``summary``, ``measures``,
    ``company``, ``teams``, ``reps``, ``rewards``) to the tables to show; keys
    left out are built from the result, other keys get sections of their own.
    A DataFrame whose index is named ``"metric"`` (and any Series) is read
    with metrics down the rows. ``summary_lines``, led by whether reps respond to the plan, become the
    executive summary (at most :data:`MAX_BULLETS`, with the cost chart beside them; any further lines go to
    the appendix). ``extra_sections`` are ``(anchor, title, html)`` placed right after
    it. ``figures`` adds (anchor, title, Figure, alt text, caption) after the standard
    ones; ``appendix`` sections ``(anchor, title, html)`` close the report (run and
    solver details). Sections named in ``leave_out`` are not shown (another section
    shows the same table). ``earnings`` are the run's earnings tables
    (:func:`planlab.simulate.tables.earnings_tables`), built here when not given.
    """
    behaviour = result.base.behaviour
    lines = [behaviour_note(behaviour.spec if behaviour is not None else None), *summary_lines]
    base = result.base.name
    headline = figure_html(
        "fig-cost",
        "Cost distribution",
        F.cost_distribution(result),
        "Histograms of total incentive cost per simulated year for each variant",
        f"Total incentive cost of the whole team per simulated year; the dashed line is "
        f"the {base} plan's 90th percentile.",
    )
    summary = executive_summary(lines, headline)
    closing = [*more_findings(lines), *appendix]
    sections = [
        ("executive-summary", "Executive summary", summary),
        *extra_sections,
        *_table_sections(result, tables, frozenset(leave_out)),
        (
            "earnings",
            "Earnings estimator",
            earnings_section(
                {n: v.plan for n, v in result.variants.items()},
                result.scenario.currency,
                earnings,
            ),
        ),
        (
            "figures",
            "Figures",
            blocks(*(markup(figure_html(*f)) for f in [*_figures(result), *figures])),
        ),
        *closing,
    ]
    footer = (
        f"planlab {__version__} · scenario digest {result.scenario.digest[:12] or 'n/a'} · "
        f"Monte Carlo estimates from {result.trials:,} simulated plan years."
    )
    return report_page(
        title,
        sections,
        _facts(result),
        footer,
        lead="Scenario:",
        lead_strong=result.scenario.name,
        description=result.scenario.description,
        appendix=frozenset(a for a, _, _ in closing),
    )
