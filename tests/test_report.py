"""The HTML report: self-contained, no script, every user string escaped."""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from planlab.kit.format import column_kind, format_change, format_value, label
from planlab.kit.html import render_table
from planlab.kit.svg import Chart
from planlab.simulate import figures as F
from planlab.simulate.report import describe_plan, render_report
from planlab.simulate.tables import rep_table, rep_table_parts
from sim import load_scenario, simulate

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "key_account_baseline.toml"
PAYLOAD = "<script>alert(1)</script>"
IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
IMG_SRC = re.compile(r'\bsrc="data:image/(png|svg\+xml);base64,([A-Za-z0-9+/=]+)"')
ALT = re.compile(r'\balt="[^"]+"')


@pytest.fixture(scope="module")
def result():
    return simulate(load_scenario(BASELINE), trials=100)


@pytest.fixture(scope="module")
def report(result):
    return render_report(result, "Baseline check", {}, ["Cost < budget & on track"])


def _assert_images_are_embedded(html: str) -> int:
    """Every image is an embedded PNG or a well-formed SVG document, with alt text."""
    tags = IMG.findall(html)
    for tag in tags:
        src = IMG_SRC.search(tag)
        assert src, f"image without an embedded PNG or SVG: {tag[:80]}"
        data = base64.b64decode(src.group(2), validate=True)
        if src.group(1) == "png":
            assert data.startswith(b"\x89PNG")
        else:
            assert ET.fromstring(data).tag == "{http://www.w3.org/2000/svg}svg"
        assert ALT.search(tag), "image without alt text"
    return len(tags)


def test_report_is_one_self_contained_document(report):
    assert report.startswith("<!DOCTYPE html>")
    assert report.count("<html") == 1
    assert "http://" not in report
    assert "https://" not in report
    assert "<script" not in report.lower()
    assert _assert_images_are_embedded(report) == 6  # five figures and the earnings chart


def test_report_has_every_section(report, result):
    for anchor in (
        "executive-summary",
        "summary",
        "measures",
        "company",
        "teams",
        "reps",
        "rewards",
        "figures",
    ):
        assert f'id="{anchor}"' in report
    assert report.index('id="executive-summary"') < report.index('id="summary"')
    assert "Cost &lt; budget &amp; on track" in report
    assert f"{result.trials:,}" in report and str(result.seed) in report
    assert "Key-account baseline" in report


def test_given_tables_replace_defaults_and_extras_get_sections(result):
    custom = pd.DataFrame(
        {"share_at_target": [0.5], "revenue_expected": [1234567.0]},
        index=pd.Index(["only <row>"], name="variant"),
    )
    extra = pd.Series({"p_win": 0.25}, name="Extra <b>table</b>")
    html = render_report(result, "t", {"summary": custom, "Extra <b>": extra}, [])
    assert "only &lt;row&gt;" in html
    assert "50.0%" in html and "1,234,567" in html
    assert "Extra &lt;b&gt;" in html and "Extra <b>" not in html
    assert "25.0%" in html


def _write_hostile_scenario(tmp_path: Path) -> Path:
    (tmp_path / "roster.csv").write_text(
        "name,team\n"
        f"{PAYLOAD},<b>Team A</b>\n"
        "Ann,<b>Team A</b>\n"
        '"Bob, <img src=x onerror=alert(2)>",Team B\n',
        encoding="utf-8",
    )
    toml = f"""
[scenario]
name = "{PAYLOAD} scenario"
description = "Description with {PAYLOAD} & more"

[team]
roster = "roster.csv"

[plan]
name = "{PAYLOAD}"

[plan.pay_mix]
base = 100000
target_incentive = 20000

[[plan.measures]]
name = "revenue"
key = "{PAYLOAD}"
weight = 1.0
target = 500000
curve = {{ points = [[0.5, 0.0], [1.0, 1.0]], cap = 2.0 }}

[[plan.rewards]]
name = "{PAYLOAD}"
kind = "recognition"
top_percent = 10

[simulation]
trials = 50

[variants."{PAYLOAD} $\\\\frac$"]
description = "{PAYLOAD}"
"""
    path = tmp_path / "hostile.toml"
    path.write_text(toml, encoding="utf-8")
    return path


def test_user_text_is_escaped(tmp_path):
    scenario = load_scenario(_write_hostile_scenario(tmp_path))
    result = simulate(scenario, trials=50)
    assert PAYLOAD in result.population.name.tolist()
    html = render_report(result, PAYLOAD, {}, [PAYLOAD])
    assert PAYLOAD not in html
    assert "<script" not in html.lower()
    assert "&lt;script&gt;" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>Team A</b>" not in html and "&lt;b&gt;Team A&lt;/b&gt;" in html
    assert "onerror=alert(2)>" not in html
    assert _assert_images_are_embedded(html) == 6


@pytest.mark.parametrize(
    ("column", "value", "text"),
    [
        ("share_at_target", 0.5107, "51.1%"),
        ("p_target_revenue", 0.25, "25.0%"),
        ("cost_of_sales_p90", 0.0568, "5.7%"),
        ("quota_accuracy", 0.2, "20.0%"),
        ("revenue_expected", 32986330.4, "32,986,330"),
        ("incentive_cost_p90", 2271431.2, "2,271,431"),
        ("payout_gini", 0.326099, "0.326"),
        ("payout_expected_retention_focus", 1234.4, "1,234"),
        ("ability", 0.981785, "0.982"),
        ("reps", 40, "40"),
        ("anything", float("nan"), "–"),
    ],
)
def test_cell_formatting(column, value, text):
    assert format_value(value, column_kind(column)) == text


@pytest.mark.parametrize(
    ("column", "value", "text"),
    [
        ("share_at_target", 0.021, "+2.1 pts"),  # a change of a share reads in points
        ("cost_of_sales", -0.0015, "-0.1 pts"),
        ("revenue_expected", 120000.0, "+120,000"),
        ("payout_gini", 0.0, "0"),
        ("anything", float("nan"), "–"),
    ],
)
def test_change_formatting(column, value, text):
    assert format_change(value, column_kind(column)) == text


def test_describe_plan_lists_pay_mix_curves_and_rewards(result):
    html = describe_plan(result.base.plan)
    for text in (
        "OTE",
        "190,000",
        "40,000",
        "50% → 0%",
        "250%",
        "President&#39;s Club",
        "csat",
        "Promotion track",
    ):
        assert text in html, text


def test_figures_are_svg_charts(result):
    plans = {name: v.plan for name, v in result.variants.items()}
    built = [
        F.attainment_histograms(result),
        F.payout_curves(plans),
        F.payout_vs_attainment(result),
        F.cost_distribution(result),
        F.monthly_bookings(result),
    ]
    for fig in built:
        assert isinstance(fig, Chart)
        uri = fig.data_uri()
        assert uri.startswith("data:image/svg+xml;base64,")
        root = ET.fromstring(base64.b64decode(uri.split(",", 1)[1]))
        assert root.tag == "{http://www.w3.org/2000/svg}svg" and float(root.get("width")) > 300
        assert fig._repr_svg_() == fig.svg  # notebooks show it inline


def test_payout_curves_come_from_the_plan_curve(result):
    plan = result.base.plan
    fig = F.payout_curves({"base": plan})
    line = next(m for m in fig.panels[0].marks if m.kind == "line")
    np.testing.assert_allclose(line.y, plan.measures[0].curve.payout(line.x))
    assert len(fig.panels) == len(plan.measures)


def test_variant_names_read_as_written(result, report):
    """Plan variants keep the names the scenario gave them (escaped), in every table."""
    assert ">team_component</th>" in report and ">margin_gate</th>" in report
    assert "Team component" not in report and "Margin gate" not in report
    assert "Expected payout: team_component" in report  # payout_expected_<variant>
    table = pd.DataFrame(
        {"big <deal>_x": [1.0], "payout_expected_big <deal>_x": [2.0], "share_at_target": [0.5]},
        index=pd.Index(["revenue_expected"], name="metric"),
    )
    html = render_table(table, verbatim=["big <deal>_x"])
    assert ">big &lt;deal&gt;_x</th>" in html
    assert ">Expected payout: big &lt;deal&gt;_x</th>" in html
    assert f">{label('share_at_target')}</th>" in html  # other columns keep their labels


def test_the_reps_table_is_shown_in_two_parts_that_fit_the_page(result, report):
    """Targets and chances, then pay and each variant's payout: every target, chance
    and payout column is in one part, traits and reward chances stay in reps.csv."""
    reps = rep_table(result)
    targets, pay = rep_table_parts(reps)
    per_measure = {c for c in reps if c.startswith(("target_", "p_target_"))}
    payouts = {c for c in reps if c.startswith(("payout_", "ote_"))}
    assert per_measure <= set(targets) and payouts <= set(pay)
    assert not ({"ability", "potential", "tenure_years"} & (set(targets) | set(pay)))
    assert len(targets.columns) == 2 + 2 * len(result.base.plan.measures)
    assert len(pay.columns) == 6 + len(result.variants) - 1  # spread, OTE, other variants
    section = report.split('<section id="reps">')[1].split("</section>")[0]
    assert section.count("<table") == 2 and "Ability" not in section


def test_a_matplotlib_figure_handed_in_is_embedded_as_png(result):
    """Users may add their own matplotlib figures; they are embedded as PNGs."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(3, 2))
    fig.subplots().plot([0, 1], [1, 0])
    html = render_report(result, "t", {}, [], figures=[("fig-own", "Own", fig, "own chart", "")])
    assert _assert_images_are_embedded(html) == 7
    assert re.search(r'<figure id="fig-own">.*?src="data:image/png;base64,', html, re.S)


def test_a_long_table_shows_its_top_rows_and_names_the_file_with_every_row():
    from planlab.kit.html import MAX_ROWS

    table = pd.DataFrame({"revenue": np.arange(MAX_ROWS + 37, dtype=float)})
    html = render_table(table, every_row_in="reps.csv")
    assert html.count("<tr>") == MAX_ROWS + 1  # the header row and the first rows
    assert f"Showing the first {MAX_ROWS:,} of {MAX_ROWS + 37:,} rows" in html
    assert "every row is in reps.csv." in html
    short = render_table(table.head(5), every_row_in="reps.csv")
    assert "Showing" not in short and short.count("<tr>") == 6
