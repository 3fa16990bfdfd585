"""Self-contained HTML pages of a plan review and of a mid-period check-in.

Built from the simulate report's building blocks (:mod:`planlab.kit.html`):
tables through :func:`render_table`, figures as embedded PNGs, every piece of
user text escaped.
"""

from __future__ import annotations

from html import escape

import pandas as pd

from optimize.next_period import NextPeriod
from planlab import __version__
from sim.actuals import Actuals
from sim.review import AnnualReview, CheckIn

from ..kit.behaviour_note import behaviour_note
from ..kit.html import (
    bullet_list,
    figure_html,
    render_table,
    report_page,
)
from . import figures as RF
from .next_period import next_period_section

__all__ = ["checkin_html", "dropped_table", "review_html"]


def dropped_table(actuals: Actuals) -> pd.DataFrame:
    """The rows left out with --drop-bad-rows: where they were and what was wrong."""
    return pd.DataFrame(
        [
            {"source": p.origin, "row": p.row, "column": p.column, "problem": p.message}
            for p in actuals.dropped
        ],
        columns=["source", "row", "column", "problem"],
    )


def _data_section(actuals: Actuals, note: str) -> str:
    body = f'<p class="note">{escape(note)}</p>'
    if actuals.dropped:
        body += (
            f"<p>{len(actuals.dropped)} problem(s) in the actuals; those rows were left out "
            "(--drop-bad-rows):</p>" + render_table(dropped_table(actuals))
        )
    else:
        body += "<p>Every row of the actuals passed validation.</p>"
    return body


def _page(title: str, lead: str, facts, sections: list[tuple[str, str, str]]) -> str:
    return report_page(title, sections, facts, f"planlab {__version__}", lead=lead)


def review_html(r: AnnualReview, version: int | None = None, nxt: NextPeriod | None = None) -> str:
    """The review report: findings, fit, design against reality, calibration, fairness,
    reps, and (given ``nxt``) next period's re-optimised targets."""
    rv = r.review
    sc = rv.scenario
    cal = rv.calibration
    first = rv.calibrated.plan.measures[0].id
    facts = [
        ("Rep behaviour", behaviour_note(sc.behaviour)),
        ("Year reviewed", rv.year.label),
        ("Plan", rv.calibrated.plan.name),
        ("Reps", f"{rv.population.size:,}"),
        ("Plan years of actuals", ", ".join(y.label for y in rv.years)),
        ("Rows read", f"{len(rv.actuals.frame):,}"),
        ("Rows left out", f"{len(rv.actuals.dropped):,}"),
        ("Fit", r.fit.status),
        ("History version", "not recorded" if version is None else str(version)),
    ]
    if nxt is not None:
        facts.append(("Next period", nxt.plan.name if nxt.plan is not None else "no plan found"))
    flagged = r.timing[r.timing["flagged"]]
    sections = [
        ("findings", "Findings", bullet_list(r.findings, "No findings.")),
        (
            "data",
            "Actuals",
            _data_section(
                rv.actuals,
                f"Source: {rv.actuals.origin}; column names mapped by the "
                "scenario's [actuals] table.",
            ),
        ),
        (
            "fit",
            "Goodness of fit",
            f'<p class="note">{escape(r.fit.finding)}</p>'
            + render_table(pd.Series(r.fit.table(), name="value").rename_axis("metric"))
            + figure_html(
                "fig-fit",
                "Actual against calibrated",
                RF.fit_histogram(
                    r.fit.actual_attainment,
                    r.fit.simulated.base.outcome.attainment[first],
                    first,
                ),
                "Histogram of actual attainment against the calibrated model's distribution",
                "Last year's attainment per rep (line) against every simulated year of the "
                "calibrated model (shaded).",
            ),
        ),
        (
            "reality",
            "What the plan really did",
            '<p class="note">The design (the scenario as planned, simulated) beside last year '
            "(the actuals, paid by the plan's own rules; cost is what was paid).</p>"
            + render_table(r.table),
        ),
        (
            "market",
            "The market: assumed against found",
            '<p class="note">The scenario\'s market assumptions beside what calibration found '
            "in the actuals.</p>" + render_table(r.market),
        ),
        (
            "calibration",
            "Calibration",
            '<p class="note">What the simulator needs, estimated from the actuals; productivity '
            "is shrunk towards peers (empirical Bayes), so one lucky quarter does not make a "
            "star.</p>"
            + render_table(cal.parameters().rename_axis("metric"))
            + figure_html(
                "fig-shrinkage",
                "Shrinkage towards peers",
                RF.shrinkage_plot(cal.reps),
                "Scatter of raw against shrunk productivity per rep",
                "Reps with few deals are pulled furthest towards the team average.",
            ),
        ),
        (
            "fairness",
            "Fairness of targets",
            '<p class="note">Per team and tenure band: actual attainment, and the chance of '
            "reaching target at the reps' estimated productivity.</p>" + render_table(r.fairness),
        ),
        (
            "timing",
            "Timing around period ends",
            f'<p class="note">Team share of deals in a quarter\'s last month: '
            f"{cal.last_month_share:.1%}. Reps far above the team (one-sided 1% level) are "
            "listed; with few deals per rep only strong timing games show.</p>"
            + (render_table(flagged) if len(flagged) else "<p>No rep stands out.</p>"),
        ),
        ("reps", "Reps", render_table(r.reps)),
    ]
    if nxt is not None:
        sections.insert(1, ("next-period", f"Next period: {nxt.label}", next_period_section(nxt)))
    return _page(
        f"planlab review — {sc.name}",
        f"Scenario: {sc.name}. What last year's plan really did, and a calibrated model of it.",
        facts,
        sections,
    )


def checkin_html(c: CheckIn, actuals: Actuals, version: int | None = None) -> str:
    """The check-in report: where the year is heading and the options weighed."""
    facts = [
        (
            "Rep behaviour",
            behaviour_note(
                c.scenario.behaviour,
                "the rest of the year is simulated at fixed effort, so that replacing the "
                "observed months by the actuals conditions it exactly ([behaviour] is off)",
            ),
        ),
        ("Plan year", c.year),
        ("Months observed", str(c.months_observed)),
        ("Reps", f"{len(c.reps):,}"),
        ("Reps at risk", str(int(c.company["reps_at_risk"]))),
        ("History version", "not recorded" if version is None else str(version)),
    ]
    at_risk = c.reps[c.reps["at_risk"]]
    sections = [
        ("findings", "Findings", bullet_list(c.findings(), "No findings.")),
        (
            "assumptions",
            "How the rest of the year is simulated",
            bullet_list(list(c.assumptions), ""),
        ),
        ("data", "Actuals", _data_section(actuals, f"Source: {actuals.origin}.")),
        (
            "options",
            "Options against staying the course",
            render_table(c.options)
            + figure_html(
                "fig-options",
                "Cost by option",
                RF.checkin_cost(c.options),
                "Expected year-end incentive cost per option with P10-P90 range",
                "Each option is paid on the same simulated rest of the year.",
            ),
        ),
        ("company", "Company, staying the course", render_table(c.company.rename_axis("metric"))),
        (
            "levels",
            "This year's level against the model",
            render_table(c.factors.rename_axis("metric")),
        ),
        (
            "at-risk",
            "Reps at risk of missing the threshold",
            render_table(at_risk) if len(at_risk) else "<p>No rep is at risk.</p>",
        ),
        ("reps", "Reps", render_table(c.reps)),
    ]
    return _page(
        f"planlab check-in — {c.scenario.name}",
        f"{c.year} after {c.months_observed} months: the rest of the year simulated from where "
        "each rep stands.",
        facts,
        sections,
    )
