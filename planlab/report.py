"""One self-contained HTML report of a simulation run.

The document needs no network: styles are inline, figures are PNG data URIs
and there is no script. Every piece of user text (names, descriptions, table
cells and headers, summary lines) goes through :func:`html.escape`, so a
roster or scenario file cannot inject markup into the report.

Tables are passed in by key (see :data:`SECTIONS`); any key left out is built
from :mod:`sim.metrics`, and keys that are not a known section get a section
of their own after the known ones.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from html import escape

import numpy as np
import pandas as pd

from planlab import __version__
from planlab import figures as F
from sim import metrics as M
from sim.compare import COMPARISON_METRICS
from sim.earnings import earnings_table
from sim.measures import MEASURES
from sim.plan import Gate, Measure, Modifier, Plan, Reward
from sim.run import SimulationResult

from .behaviour_note import behaviour_note

__all__ = [
    "SECTIONS",
    "column_kind",
    "comparison_section",
    "default_tables",
    "describe_plan",
    "earnings_section",
    "format_value",
    "page",
    "render_report",
    "render_table",
]

Table = pd.DataFrame | pd.Series

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
        "Per rep, for the base plan: targets, the chance of reaching "
        "each target and the spread of payout.",
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

#: A DataFrame whose index has this name lists metrics down and is formatted row by row.
METRIC_INDEX = "metric"
#: Tables longer than this show their first rows and say how many were left out.
MAX_ROWS = 1000

_PERCENT_PREFIXES = ("share_", "p_")
_MONEY_PREFIXES = ("payout_", "incentive_total", "total_pay")
_PERCENT_SUFFIXES = ("_share", "_rate")
_PERCENT_PARTS = ("cost_of_sales", "accuracy", "attainment", "weight", "retention")
_RATIO_PARTS = ("_vs_", "gini", "pay_for_performance", "correlation")
_MONEY_WORDS = frozenset(
    {"revenue", "cost", "payout", "incentive", "margin", "ote", "bookings", "salary", "budget"}
)
_UNIT_KIND = {"currency": "money", "rate": "percent"}


# -- cell formatting --------------------------------------------------------------


def column_kind(name: object) -> str:
    """How a column's numbers read best: ``"percent"``, ``"money"`` or ``"number"``.

    Decided from the column (or metric) name: shares, probabilities, rates,
    attainment, cost of sales and accuracy are percentages; revenue, cost,
    payout, incentive and margin amounts are money; ratios and the rest are
    plain numbers.
    """
    n = str(name).lower()
    if n.startswith(_MONEY_PREFIXES) and not any(p in n for p in _RATIO_PARTS):
        return "money"  # e.g. payout_expected_<variant>, whatever the variant is called
    if n.startswith(_PERCENT_PREFIXES) or n.endswith(_PERCENT_SUFFIXES):
        return "percent"
    if any(p in n for p in _PERCENT_PARTS):
        return "percent"
    if any(p in n for p in _RATIO_PARTS):
        return "number"
    if n.startswith("target_") and n[len("target_") :] in MEASURES:
        return _UNIT_KIND.get(MEASURES[n[len("target_") :]].unit, "number")
    if _MONEY_WORDS & set(re.split(r"[^a-z0-9]+", n)):
        return "money"
    return "number"


def format_value(value: object, kind: str = "number") -> str:
    """Plain text of one cell (not yet escaped); NaN and None show as a dash."""
    if value is None:
        return "–"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    if isinstance(value, numbers.Real):
        x = float(value)
        if not math.isfinite(x):
            return "–" if math.isnan(x) else ("∞" if x > 0 else "−∞")
        if kind == "percent":
            return f"{x:.1%}"
        if kind == "money" or abs(x) >= 1000:
            return f"{x:,.0f}"
        return f"{x:.3g}"
    return str(value)


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Number) and not isinstance(value, bool | np.bool_)


def _header(label: object) -> str:
    """A header cell's text: snake_case shown with spaces (so it can wrap); full name as title."""
    raw = " / ".join(map(str, label)) if isinstance(label, tuple) else str(label)
    return f'<th scope="col" title="{escape(raw)}">{escape(raw.replace("_", " "))}</th>'


# -- tables -----------------------------------------------------------------------


def _frame(data: Table) -> tuple[pd.DataFrame, bool]:
    """The table as a DataFrame, and whether its cells are formatted by row label."""
    if isinstance(data, pd.Series):
        return data.to_frame(name="value" if data.name is None else data.name), True
    return data, data.index.name == METRIC_INDEX


def _index_labels(df: pd.DataFrame) -> list[str] | None:
    """Header names of the index columns, or None when the index is a plain row number."""
    names = list(df.index.names)
    if isinstance(df.index, pd.RangeIndex) and all(n is None for n in names):
        return None
    return ["" if n is None else str(n) for n in names]


def render_table(data: Table, max_rows: int = MAX_ROWS) -> str:
    """An escaped HTML table of a DataFrame or Series, in a horizontally scrolling box.

    Numbers are formatted by :func:`column_kind` of their column (of their row
    for a Series or a metric-indexed DataFrame) and right-aligned.
    """
    df, by_row = _frame(data)
    index_names = _index_labels(df)
    head = [f'<th scope="col">{escape(n)}</th>' for n in index_names or []]
    head += [_header(c) for c in df.columns]
    col_kinds = [column_kind(c[-1] if isinstance(c, tuple) else c) for c in df.columns]
    rows = []
    values = df.iloc[:max_rows].to_numpy(dtype=object)
    for label, cells in zip(df.index[:max_rows], values, strict=True):
        parts = label if isinstance(label, tuple) else (label,)
        row_kind = column_kind(parts[-1]) if by_row else None
        out = []
        if index_names is not None:
            out = [f'<th scope="row">{escape(format_value(p))}</th>' for p in parts]
        for kind, v in zip(col_kinds, cells, strict=True):
            css = ' class="num"' if _is_number(v) else ""
            out.append(f"<td{css}>{escape(format_value(v, row_kind or kind))}</td>")
        rows.append("<tr>" + "".join(out) + "</tr>")
    tall = " tall" if len(rows) > 25 else ""
    note = ""
    if len(df) > max_rows:
        note = f'<p class="note">Showing the first {max_rows:,} of {len(df):,} rows.</p>'
    return (
        f'<div class="table-wrap{tall}"><table><thead><tr>{"".join(head)}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>{note}"
    )


def _metric_table(columns: list[pd.Series]) -> pd.DataFrame:
    """Per-variant metric series side by side: metrics down, variants across."""
    df = pd.concat(columns, axis=1)
    df.index.name = METRIC_INDEX
    return df


def _company_table(result: SimulationResult) -> pd.DataFrame:
    """Company metrics with metrics down and variants across."""
    return _metric_table([M.company_metrics(v) for v in result.variants.values()])


def _per_variant(result: SimulationResult, build: Callable, level: str) -> pd.DataFrame:
    parts = {name: build(name) for name in result.variants}
    return pd.concat(parts, names=["variant", level])


def _rewards_table(result: SimulationResult) -> pd.DataFrame:
    df = M.reward_metrics(result, result.base.name)
    return df.rename(columns={r.name: f"p_{r.name}" for r in result.base.plan.rewards})


_BUILDERS: dict[str, Callable[[SimulationResult], Table]] = {
    "summary": M.summary_table,
    "measures": lambda r: _per_variant(r, lambda n: M.measure_metrics(r.variants[n]), "measure"),
    "company": _company_table,
    "teams": lambda r: _per_variant(r, lambda n: M.team_metrics(r, n), "team"),
    "reps": lambda r: M.rep_metrics(r, r.base.name),
    "rewards": _rewards_table,
    "behaviour": lambda r: _metric_table([M.behaviour_metrics(v) for v in r.variants.values()]),
    "rep_behaviour": lambda r: M.rep_behaviour(r, r.base.name),
}


def default_tables(result: SimulationResult, keys: Iterable[str] | None = None) -> dict[str, Table]:
    """The report's standard tables (all known keys, or only ``keys``), from :mod:`sim.metrics`."""
    wanted = [k for k, _, _ in SECTIONS] if keys is None else list(keys)
    return {k: _BUILDERS[k](result) for k in wanted}


# -- plan description -------------------------------------------------------------


def _pct(x: float) -> str:
    return f"{x:.0%}" if abs(x * 100 - round(x * 100)) < 1e-9 else f"{x:.1%}"


def _measure_value(measure_name: str, value: float) -> str:
    """A level of a catalogue measure in its unit (money, count, rate, score, days)."""
    kind = MEASURES.get(measure_name)
    unit = kind.unit if kind else "number"
    if unit == "rate":
        return _pct(value)
    if unit == "currency":
        return f"{value:,.0f}"
    if unit == "days":
        return f"{value:g} days"
    return f"{value:g}"


def _months(n: int) -> str:
    return f"{n} month" if n == 1 else f"{n} months"


def _target(m: Measure) -> str:
    if m.target_basis == "roster":
        text = f"from the roster (target_{m.name})"
    elif m.target_basis == "listed":
        values = list((m.rep_targets or {}).values())
        text = (
            f"set per rep: {_measure_value(m.name, min(values))} to "
            f"{_measure_value(m.name, max(values))}"
        )
    else:
        text = _measure_value(m.name, m.target)
        text += " × territory potential" if m.target_basis == "potential" else ""
    if m.level == "team":
        text += ", summed over the team" if m.additive else ", averaged over the team"
    return text


def _curve_cells(m: Measure) -> tuple[str, str, str]:
    """Breakpoints, the slope beyond them, and the cap of a measure's curve."""
    c = m.curve
    points = ", ".join(f"{_pct(a)} → {_pct(s)}" for a, s in c.points)
    tail = f"slope {c.tail:g}" if c.tail > 0 else "flat"
    if c.cap is None:
        cap = "uncapped"
    else:
        at = c.attainment_at_cap
        cap = _pct(c.cap) + (f" (from {_pct(at)} attainment)" if math.isfinite(at) else "")
    return points, tail, cap


def _measures_table(plan: Plan) -> str:
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
    rows = []
    for m in plan.measures:
        points, tail, cap = _curve_cells(m)
        cells = [m.id, m.name, _pct(m.weight), m.level, _target(m), points, tail, cap]
        rows.append("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>")
    th = "".join(f'<th scope="col">{escape(h)}</th>' for h in head)
    return (
        f'<div class="table-wrap"><table><thead><tr>{th}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _applies(ids: tuple[str, ...]) -> str:
    return ", ".join(ids) if ids else "all measures"


def _gate_text(g: Gate) -> str:
    if g.on == "attainment":
        what, floor = f"attainment of {g.measure}", _pct(g.floor)
    else:
        what, floor = g.measure, _measure_value(g.measure, g.floor)
    effect = (
        "pay nothing"
        if g.max_attainment == 0
        else f"pay as if attainment were at most {_pct(g.max_attainment)}"
    )
    return f"When {what} is below {floor} in a period, {_applies(g.applies_to)} {effect}."


def _modifier_text(d: Modifier) -> str:
    b = [_measure_value(d.measure, x) for x in d.bands]
    ranges = [f"below {b[0]}"] + [f"{lo} to {hi}" for lo, hi in zip(b, b[1:], strict=False)]
    ranges.append(f"from {b[-1]}")
    bands = "; ".join(f"{r} ×{f:g}" for r, f in zip(ranges, d.factors, strict=True))
    return f"{d.measure}: {bands} (applies to {_applies(d.applies_to)})."


def _reward_text(r: Reward) -> str:
    if r.kind == "recognition":
        rule = f"top {r.top_percent:g}% of reps by weighted annual attainment"
    else:
        rule = f"weighted annual attainment of at least {_pct(r.min_attainment or 0.0)}"
    if r.min_tenure_years > 0:
        rule += f", tenure of at least {r.min_tenure_years:g} years"
    return f"{r.name} ({r.kind}): {rule}."


def _bullets(items: list[str], empty: str) -> str:
    if not items:
        return f'<p class="note">{escape(empty)}</p>'
    return "<ul>" + "".join(f"<li>{escape(t)}</li>" for t in items) + "</ul>"


def _facts(pairs: list[tuple[str, str]]) -> str:
    body = "".join(f"<div><dt>{escape(k)}</dt><dd>{escape(v)}</dd></div>" for k, v in pairs)
    return f'<dl class="facts">{body}</dl>'


def describe_plan(plan: Plan) -> str:
    """An HTML fragment describing a plan: pay mix, measures and curves, gates, modifiers, rewards.

    Lets a reader check what was simulated without opening the scenario file.
    """
    mix = plan.pay_mix
    true_up = ("yes, with clawback" if plan.clawback else "yes") if plan.true_up else "no"
    facts = _facts(
        [
            ("Period", f"{plan.period}ly ({plan.periods} per year)"),
            ("Payout lag", _months(plan.payout_lag_months)),
            ("Annual true-up", true_up),
            ("Base salary", f"{mix.base:,.0f}"),
            ("Target incentive", f"{mix.target_incentive:,.0f}"),
            ("OTE", f"{mix.ote:,.0f}"),
            ("Pay mix", f"{_pct(mix.base_share)} base / {_pct(1 - mix.base_share)} incentive"),
        ]
    )
    desc = f"<p>{escape(plan.description)}</p>" if plan.description else ""
    return (
        f'<div class="plan">{desc}{facts}<h4>Measures</h4>{_measures_table(plan)}'
        f"<h4>Gates</h4>{_bullets([_gate_text(g) for g in plan.gates], 'No gates.')}"
        f"<h4>Modifiers</h4>{_bullets([_modifier_text(d) for d in plan.modifiers], 'No modifiers.')}"
        f"<h4>Rewards</h4>{_bullets([_reward_text(r) for r in plan.rewards], 'No rewards.')}"
        "</div>"
    )


# -- the document -----------------------------------------------------------------

_CSS = """
:root { --fg: #1d2430; --muted: #5b6573; --line: #dde2e8; --accent: #1f5f99;
        --soft: #f4f6f9; --row: #fafbfc; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--soft); color: var(--fg); line-height: 1.5; font-size: 15px;
       font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
       "Noto Sans", "Liberation Sans", sans-serif; }
.page { max-width: 1100px; margin: 0 auto; padding: 28px 32px 48px; background: #fff;
        min-height: 100vh; }
h1 { font-size: 1.75rem; margin: 0 0 .2em; line-height: 1.25; }
h2 { font-size: 1.3rem; margin: 2.2em 0 .6em; padding-bottom: .25em;
     border-bottom: 2px solid var(--line); }
h3 { font-size: 1.05rem; margin: 1.6em 0 .4em; }
h4 { font-size: .95rem; margin: 1.2em 0 .3em; color: var(--muted); }
p { margin: .4em 0 .8em; }
.lead { font-size: 1.05rem; color: var(--muted); }
.note { color: var(--muted); font-size: .88rem; }
nav ul { list-style: none; padding: 0; margin: 1em 0 0; display: flex; flex-wrap: wrap;
         gap: .3em 1.2em; font-size: .9rem; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
.exec { background: #eef4fa; border-left: 4px solid var(--accent); border-radius: 4px;
        padding: .5em 1.2em; }
.exec ul { margin: .4em 0; padding-left: 1.2em; }
.exec li { margin: .25em 0; }
dl.facts { display: flex; flex-wrap: wrap; gap: .4em 1.8em; margin: .6em 0 1em; }
dl.facts div { min-width: 8em; }
dl.facts dt { font-size: .78rem; color: var(--muted); text-transform: uppercase;
              letter-spacing: .03em; }
dl.facts dd { margin: 0; font-weight: 600; font-variant-numeric: tabular-nums; }
.table-wrap { overflow-x: auto; margin: .6em 0 1.2em; border: 1px solid var(--line);
              border-radius: 6px; }
.table-wrap.tall { max-height: 75vh; overflow-y: auto; }
table { border-collapse: collapse; font-size: .85rem; width: max-content; min-width: 100%; }
th, td { padding: .35em .75em; border-bottom: 1px solid var(--line); text-align: left;
         white-space: nowrap; }
thead th { position: sticky; top: 0; z-index: 1; background: var(--soft);
           vertical-align: bottom; white-space: normal; min-width: 4.5em; max-width: 10em;
           font-weight: 600; }
tbody tr { background: #fff; }
tbody tr:nth-child(even) { background: var(--row); }
tbody th { font-weight: 600; }
tbody th:first-child { position: sticky; left: 0; background: inherit; }
thead th:first-child { left: 0; z-index: 2; }
tbody tr:hover { background: #eef4fa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
details { border: 1px solid var(--line); border-radius: 6px; padding: .4em 1em;
          margin: .6em 0; }
details > summary { cursor: pointer; font-weight: 600; padding: .2em 0; }
details[open] > summary { margin-bottom: .4em; }
.plan .table-wrap td { white-space: normal; min-width: 6em; }
figure { margin: 1.2em 0 2em; }
figure img { display: block; max-width: 100%; height: auto; border: 1px solid var(--line);
             border-radius: 6px; }
figcaption { color: var(--muted); font-size: .88rem; margin-top: .4em; }
footer { margin-top: 3em; color: var(--muted); font-size: .8rem;
         border-top: 1px solid var(--line); padding-top: .8em; }
@media (max-width: 700px) { .page { padding: 16px; } }
@media print { body { background: #fff; } .page { max-width: none; padding: 0; }
               .table-wrap, .table-wrap.tall { overflow: visible; max-height: none; } }
"""


def _section(anchor: str, title: str, body: str) -> str:
    return f'<section id="{escape(anchor)}"><h2>{escape(title)}</h2>{body}</section>'


def _header_block(result: SimulationResult, title: str) -> str:
    sc = result.scenario
    facts = _facts(
        [
            ("Seed", str(result.seed)),
            ("Trials", f"{result.trials:,}"),
            ("Reps", f"{result.population.size:,}"),
            ("Teams", f"{len(result.population.team_names):,}"),
            ("Plan variants", f"{len(result.variants):,}"),
        ]
    )
    desc = f"<p>{escape(sc.description)}</p>" if sc.description else ""
    return (
        f"<header><h1>{escape(title)}</h1>"
        f'<p class="lead">Scenario: <strong>{escape(sc.name)}</strong></p>{desc}{facts}'
        "</header>"
    )


def _plan_details(result: SimulationResult) -> str:
    """Each variant's plan as a collapsible description, the base plan open."""
    out = ["<h3>What each variant pays</h3>"]
    for i, (name, v) in enumerate(result.variants.items()):
        label = name if v.plan.name == name else f"{name}: {v.plan.name}"
        is_open = " open" if i == 0 else ""
        out.append(
            f"<details{is_open}><summary>{escape(label)}</summary>{describe_plan(v.plan)}</details>"
        )
    return "".join(out)


def _figure(anchor: str, title: str, fig, alt: str, caption: str) -> str:
    uri = F.to_data_uri(fig)
    return (
        f'<figure id="{escape(anchor)}"><h3>{escape(title)}</h3>'
        f'<img src="{uri}" alt="{escape(alt)}">'
        f"<figcaption>{escape(caption)}</figcaption></figure>"
    )


def _figures(result: SimulationResult) -> str:
    """Every figure of the report, as embedded PNG images."""
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
            "fig-cost",
            "Cost distribution",
            F.cost_distribution(result),
            "Histograms of total incentive cost per simulated year for each variant",
            f"Total incentive cost of the whole team per simulated year; the dashed line is "
            f"the {base} plan's 90th percentile.",
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
    return "".join(_figure(*item) for item in items)


def _percent_index(df: pd.DataFrame) -> pd.DataFrame:
    """Attainment rows labelled as percentages (``0.5`` -> ``50%``)."""
    return df.set_axis(pd.Index([f"{a:.0%}" for a in df.index], name=df.index.name), axis=0)


def earnings_section(plans: Mapping[str, Plan]) -> str:
    """The earnings estimator: a rep's incentive at 0%-200% of every target, per measure
    and in total for the first plan, and the total under each other plan."""
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
        "a margin floor) count as met and modifiers (such as a satisfaction band) as neutral; "
        "sim.earnings.earnings_table takes their values, one rep's targets, or one measure "
        "moving while the others stay at target."
    )
    fig = F.earnings_curves(tables)
    return (
        f'<p class="note">{escape(intro)}</p>'
        + render_table(_percent_index(show.iloc[::2]))
        + _figure(
            "fig-earnings",
            "Earnings at each attainment",
            fig,
            "Incentive per year against attainment for each plan and each measure",
            "Every measure at the same attainment; the grey line marks target.",
        )
    )


def _difference_cell(row: pd.Series, metric: str, material: bool) -> str:
    kind = column_kind(metric)
    if not np.isfinite(row["difference"]):
        return "–"
    sign = "+" if row["difference"] > 0 else ""
    d = sign + format_value(float(row["difference"]), kind)
    lo, hi = (format_value(float(row[k]), kind) for k in ("ci_low", "ci_high"))
    return f"{'● ' if material else ''}{d} ({lo} to {hi})"


def comparison_section(
    result: SimulationResult,
    table: pd.DataFrame,
    diffs: pd.DataFrame,
    material: pd.Series,
    level: float = 0.95,
) -> str:
    """Variants side by side, their differences from the base plan with paired intervals,
    and the attainment of each variant overlaid (see :mod:`sim.compare`)."""
    cells = {
        variant: [
            _difference_cell(diffs.loc[(variant, m)], m, bool(material.get((variant, m), False)))
            for m in table.index
        ]
        for variant in diffs.index.unique(level="variant")
    }
    dtable = pd.DataFrame(cells, index=table.index)
    meaning = dict(COMPARISON_METRICS)
    table = table.assign(what_it_measures=[meaning.get(m, "") for m in table.index])
    notes = (
        "Each metric per variant, estimated on the same simulated years (metrics of attainment "
        "read the base plan's first measure; behaviour metrics are zero when reps do not "
        "respond to the plan)."
    )
    dnotes = (
        f"Difference from the base plan and its {level:.0%} confidence interval, from the "
        "per-year (paired) differences: every variant is simulated on the same draws, so luck "
        "cancels and the intervals are tight. ● marks a material difference: the interval "
        "excludes zero and the size matters."
    )
    fig = F.attainment_overlay(result)
    return (
        f'<p class="note">{escape(notes)}</p>{render_table(table)}'
        f'<h3>Differences from the base plan</h3><p class="note">{escape(dnotes)}</p>'
        f"{render_table(dtable)}"
        + _figure(
            "fig-attainment-overlay",
            "Attainment by variant",
            fig,
            "Overlaid histograms of annual attainment for each variant",
            "Share of rep-years at each attainment; the dashed line marks target. When reps' "
            "effort does not depend on the plan, attainment is the same under every variant and "
            "the lines coincide.",
        )
    )


def _extra_tables(tables: Mapping[str, Table]) -> list[tuple[str, str, Table]]:
    """Tables whose key is not a known section: (anchor, title, table)."""
    known = {k for k, _, _ in SECTIONS}
    extra = [(k, t) for k, t in tables.items() if k not in known]
    return [(f"table-{i + 1}", str(k), t) for i, (k, t) in enumerate(extra)]


def _table_sections(result: SimulationResult, tables: Mapping[str, Table]) -> list[str]:
    """Known sections in order (missing tables built from the result), then any extra tables."""
    missing = [k for k, _, _ in SECTIONS if k not in tables]
    all_tables = {**default_tables(result, missing), **tables}
    out = []
    for key, title, intro in SECTIONS:
        body = f'<p class="note">{escape(intro)}</p>{render_table(all_tables[key])}'
        if key == "summary":
            body += _plan_details(result)
        out.append(_section(key, title, body))
    for anchor, title, table in _extra_tables(tables):
        out.append(_section(anchor, title, render_table(table)))
    return out


def _nav(sections: list[tuple[str, str]]) -> str:
    links = "".join(f'<li><a href="#{escape(a)}">{escape(t)}</a></li>' for a, t in sections)
    return f'<nav aria-label="Contents"><ul>{links}</ul></nav>'


def render_report(
    result: SimulationResult,
    title: str,
    tables: Mapping[str, Table],
    summary_lines: list[str],
    extra_sections: Iterable[tuple[str, str, str]] = (),
    figures: Sequence[tuple] = (),
) -> str:
    """The whole report as one self-contained HTML document (no network, no script).

    ``tables`` maps section keys of :data:`SECTIONS` (``summary``, ``measures``,
    ``company``, ``teams``, ``reps``, ``rewards``) to the tables to show; keys
    left out are built from the result, other keys get sections of their own.
    A DataFrame whose index is named ``"metric"`` (and any Series) is read
    with metrics down the rows. ``summary_lines`` become the executive summary.
    ``extra_sections`` are ``(anchor, title, html)`` placed right after it.
    ``figures`` adds (anchor, title, Figure, alt text, caption) after the standard ones.
    """
    sections = _table_sections(result, tables)
    extra_sections = list(extra_sections)
    nav = _nav(
        [
            ("executive-summary", "Executive summary"),
            *((a, t) for a, t, _ in extra_sections),
            *((k, t) for k, t, _ in SECTIONS),
            *((a, t) for a, t, _ in _extra_tables(tables)),
            ("earnings", "Earnings estimator"),
            ("figures", "Figures"),
        ]
    )
    summary = _section(
        "executive-summary",
        "Executive summary",
        f'<div class="exec">{_bullets(_with_behaviour(result, summary_lines), "")}</div>',
    )
    footer = (
        f"<footer>planlab {escape(__version__)} · scenario digest "
        f"{escape(result.scenario.digest[:12] or 'n/a')} · Monte Carlo estimates from "
        f"{result.trials:,} simulated plan years.</footer>"
    )
    body = "".join(
        [
            _header_block(result, title),
            nav,
            summary,
            *(_section(a, t, html) for a, t, html in extra_sections),
            *sections,
            _section(
                "earnings",
                "Earnings estimator",
                earnings_section({n: v.plan for n, v in result.variants.items()}),
            ),
            _section(
                "figures", "Figures", _figures(result) + "".join(_figure(*f) for f in figures)
            ),
            footer,
        ]
    )
    return page(title, body)


def _with_behaviour(result: SimulationResult, lines: Iterable[str]) -> list[str]:
    """The summary lines, led by whether reps respond to the plan."""
    b = result.base.behaviour
    return [behaviour_note(b.spec if b is not None else None), *lines]


def page(title: str, body: str) -> str:
    """A self-contained HTML document around ``body`` (already escaped markup)."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head>"
        f'<body><main class="page">{body}</main></body></html>\n'
    )
