"""Self-contained HTML pages of a plan review and of a mid-period check-in.

The same layout as the simulate and compare reports: an executive summary of at
most six findings with the key chart on the first screen, the details below, and
data and solver notes in an appendix. Bodies are built from the kit's blocks
(:mod:`planlab.kit.html`) and rendered by templates with autoescaping; amounts
are in the scenario's currency.
"""

from __future__ import annotations

import pandas as pd

from optimize.next_period import NextPeriod
from planlab import __version__
from sim.actuals import Actuals
from sim.review import AnnualReview, CheckIn

from ..kit.behaviour_note import behaviour_note
from ..kit.html import (
    blocks,
    bullets,
    executive_summary,
    facts,
    figure_html,
    markup,
    more_findings,
    note,
    paragraph,
    render_table,
    report_page,
)
from . import figures as RF
from .next_period import next_period_headline, next_period_section, solver_notes

__all__ = ["checkin_html", "dropped_table", "review_findings", "review_html"]


def dropped_table(actuals: Actuals) -> pd.DataFrame:
    """The rows left out with --drop-bad-rows: where they were and what was wrong."""
    return pd.DataFrame(
        [
            {"source": p.origin, "row": p.row, "column": p.column, "problem": p.message}
            for p in actuals.dropped
        ],
        columns=["source", "row", "column", "problem"],
    )


def _data_note(actuals: Actuals) -> list[str]:
    """One summary line for the data warnings and rows left out (details in the appendix)."""
    parts = []
    if actuals.warnings:
        parts.append(f"{len(actuals.warnings)} data warning(s)")
    if actuals.dropped:
        parts.append(f"{len(actuals.dropped)} row(s) of the actuals left out (--drop-bad-rows)")
    if not parts:
        return []
    return [f"{' and '.join(parts).capitalize()}: see Actuals in the appendix."]


def _data_section(actuals: Actuals, source: str, extra: list[tuple[str, str]] = ()) -> str:
    pieces = [note(source), facts([("Rows read", f"{len(actuals.frame):,}"), *extra])]
    if actuals.warnings:
        pieces.append(bullets([f"Data warning: {w}" for w in actuals.warnings]))
    if actuals.dropped:
        pieces += [
            paragraph(
                f"{len(actuals.dropped)} problem(s) in the actuals; those rows were left out "
                "(--drop-bad-rows):"
            ),
            markup(render_table(dropped_table(actuals))),
        ]
    else:
        pieces.append(paragraph("Every row of the actuals passed validation."))
    return blocks(*pieces)


def _page(title: str, lead: str, fact_pairs, sections, appendix) -> str:
    return report_page(
        title,
        [*sections, *appendix],
        fact_pairs,
        f"planlab {__version__}",
        lead=lead,
        appendix=frozenset(a for a, _, _ in appendix),
    )


def review_findings(r: AnnualReview, nxt: NextPeriod | None = None) -> list[str]:
    """The review's findings in the order a sales VP reads them: whether reps respond to
    the plan, next period's headline, data warnings and rows left out (one line pointing
    to the appendix), what the plan really did, then the rest (market, fit, fairness,
    calibration)."""
    rv = r.review
    n_data = len(rv.actuals.warnings) + (1 if rv.actuals.dropped else 0)
    rest = r.findings[n_data:]  # sim.review puts the data lines first
    reality = [f for f in r.table["finding"] if isinstance(f, str) and f]
    head = [behaviour_note(rv.scenario.behaviour)]
    if nxt is not None:
        head.append(next_period_headline(nxt))
    return [*head, *_data_note(rv.actuals), *reality, *(f for f in rest if f not in reality)]


def review_html(r: AnnualReview, version: int | None = None, nxt: NextPeriod | None = None) -> str:
    """The review report: findings and actual attainment against the model first; then
    next period's targets (given ``nxt``), design against reality, market, fairness,
    timing, calibration and reps; fit, data and solver notes in the appendix."""
    rv = r.review
    sc = rv.scenario
    cur = sc.currency
    cal = rv.calibration
    first = rv.calibrated.plan.measures[0].id
    fact_pairs = [
        ("Year reviewed", rv.year.label),
        ("Plan", rv.calibrated.plan.name),
        ("Reps", f"{rv.population.size:,}"),
        ("Fit", r.fit.status),
        ("History version", "not recorded" if version is None else str(version)),
    ]
    if nxt is not None:
        fact_pairs.append(
            ("Next period", nxt.plan.name if nxt.plan is not None else "no plan found")
        )
    findings = review_findings(r, nxt)
    headline = figure_html(
        "fig-fit",
        "Last year's attainment against the model",
        RF.fit_histogram(
            r.fit.actual_attainment, r.fit.simulated.base.outcome.attainment[first], first
        ),
        "Histogram of actual attainment against the calibrated model's distribution",
        "Last year's attainment per rep (line) against every simulated year of the "
        "calibrated model (shaded); the dashed line marks target.",
    )
    flagged = r.timing[r.timing["flagged"]]
    sections = [("executive-summary", "Executive summary", executive_summary(findings, headline))]
    if nxt is not None:
        sections.append(("next-period", f"Next period: {nxt.label}", next_period_section(nxt, cur)))
    sections += [
        (
            "reality",
            "What the plan really did",
            blocks(
                note(
                    "The design (the scenario as planned, simulated) beside last year (the "
                    "actuals, paid by the plan's own rules; cost is what was paid)."
                ),
                markup(render_table(r.table, currency=cur)),
            ),
        ),
        (
            "market",
            "The market: assumed against found",
            blocks(
                note(
                    "The scenario's market assumptions beside what calibration found in the actuals."
                ),
                markup(render_table(r.market, currency=cur)),
            ),
        ),
        (
            "fairness",
            "Fairness of targets",
            blocks(
                note(
                    "Per team and tenure band: actual attainment, and the chance of reaching "
                    "target at the reps' estimated productivity."
                ),
                markup(render_table(r.fairness, currency=cur)),
            ),
        ),
        (
            "timing",
            "Timing around period ends",
            blocks(
                note(
                    f"Team share of deals in a quarter's last month: {cal.last_month_share:.1%}. "
                    "Reps far above the team (one-sided 1% level) are listed; with few deals "
                    "per rep only strong timing games show."
                ),
                markup(render_table(flagged, currency=cur))
                if len(flagged)
                else paragraph("No rep stands out."),
            ),
        ),
        (
            "calibration",
            "Calibration",
            blocks(
                note(
                    "What the simulator needs, estimated from the actuals; productivity is "
                    "shrunk towards peers (empirical Bayes), so one lucky quarter does not "
                    "make a star."
                ),
                markup(render_table(cal.parameters().rename_axis("metric"), currency=cur)),
                markup(
                    figure_html(
                        "fig-shrinkage",
                        "Shrinkage towards peers",
                        RF.shrinkage_plot(cal.reps),
                        "Scatter of raw against shrunk productivity per rep",
                        "Reps with few deals are pulled furthest towards the team average.",
                    )
                ),
            ),
        ),
        (
            "reps",
            "Reps",
            blocks(markup(render_table(r.reps, currency=cur, every_row_in="reps.csv"))),
        ),
    ]
    appendix = [
        *more_findings(findings),
        (
            "fit",
            "Goodness of fit",
            blocks(
                note(r.fit.finding),
                markup(
                    render_table(
                        pd.Series(r.fit.table(), name="value").rename_axis("metric"),
                        currency=cur,
                    )
                ),
            ),
        ),
        (
            "data",
            "Actuals",
            _data_section(
                rv.actuals,
                f"Source: {rv.actuals.origin}; column names mapped by the scenario's "
                "[actuals] table.",
                [
                    ("Plan years of actuals", ", ".join(y.label for y in rv.years)),
                    ("Rows left out", f"{len(rv.actuals.dropped):,}"),
                ],
            ),
        ),
    ]
    if nxt is not None:
        appendix.append(("solver", "Solver notes", solver_notes(nxt, cur)))
    return _page(
        f"planlab review — {sc.name}",
        f"Scenario: {sc.name}. What last year's plan really did, and a calibrated model of it.",
        fact_pairs,
        sections,
        appendix,
    )


def checkin_html(c: CheckIn, actuals: Actuals, version: int | None = None) -> str:
    """The check-in report: where the year is heading and the options weighed, with the
    cost of each option on the first screen."""
    cur = c.scenario.currency
    fact_pairs = [
        ("Plan year", c.year),
        ("Months observed", str(c.months_observed)),
        ("Reps", f"{len(c.reps):,}"),
        ("Reps at risk", str(int(c.company["reps_at_risk"]))),
        ("History version", "not recorded" if version is None else str(version)),
    ]
    findings = [
        behaviour_note(
            c.scenario.behaviour,
            "the rest of the year is simulated at fixed effort, so that replacing the "
            "observed months by the actuals conditions it exactly ([behaviour] is off)",
        ),
        *c.findings(),
        *_data_note(actuals),
    ]
    headline = figure_html(
        "fig-options",
        "Cost by option",
        RF.checkin_cost(c.options, cur),
        "Expected year-end incentive cost per option with P10-P90 range",
        "Each option is paid on the same simulated rest of the year.",
    )
    at_risk = c.reps[c.reps["at_risk"]]
    sections = [
        ("executive-summary", "Executive summary", executive_summary(findings, headline)),
        (
            "options",
            "Options against staying the course",
            blocks(markup(render_table(c.options, currency=cur))),
        ),
        (
            "company",
            "Company, staying the course",
            blocks(markup(render_table(c.company.rename_axis("metric"), currency=cur))),
        ),
        (
            "at-risk",
            "Reps at risk of missing the threshold",
            blocks(
                markup(render_table(at_risk, currency=cur))
                if len(at_risk)
                else paragraph("No rep is at risk.")
            ),
        ),
        (
            "levels",
            "This year's level against the model",
            blocks(markup(render_table(c.factors.rename_axis("metric"), currency=cur))),
        ),
        (
            "reps",
            "Reps",
            blocks(markup(render_table(c.reps, currency=cur, every_row_in="reps.csv"))),
        ),
    ]
    appendix = [
        *more_findings(findings),
        (
            "assumptions",
            "How the rest of the year is simulated",
            blocks(bullets(list(c.assumptions))),
        ),
        ("data", "Actuals", _data_section(actuals, f"Source: {actuals.origin}.")),
    ]
    return _page(
        f"planlab check-in — {c.scenario.name}",
        f"{c.year} after {c.months_observed} months: the rest of the year simulated from where "
        "each rep stands.",
        fact_pairs,
        sections,
        appendix,
    )
