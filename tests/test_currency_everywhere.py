"""Amounts in the scenario's currency wherever a person reads them: ``optimize`` and
``sweep`` on a scenario in euros, their terminal output and their reports."""

from __future__ import annotations

import html
import re

import pytest

from planlab.cli import main
from tests.conftest import BASELINE, SMALL_OPTIMIZE

SWEEP = BASELINE.parent / "key_account_sweep.toml"

#: A number written as an amount: with thousands separators, or shortened (650k, 1.82M);
#: a count of rows is not one.
_AMOUNT = re.compile(
    r"(?<![\w.,])(?P<sign>\S?)(?P<n>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?[kM])"
    r"(?![\w%])(?! rows)"
)


def _visible_text(page: str) -> str:
    """What a reader sees of a report: the text, without charts' markup or data URIs."""
    page = re.sub(r"<svg.*?</svg>", " ", page, flags=re.S)
    page = re.sub(r'="data:[^"]*"', " ", page)
    return html.unescape(re.sub(r"<[^>]+>", " | ", page))


def _bare_amounts(text: str, sign: str = "€") -> list[str]:
    """Every amount not written with the currency's sign, in its context."""
    return [
        text[max(0, m.start() - 50) : m.end() + 10]
        for m in _AMOUNT.finditer(text)
        if m.group("sign") != sign
    ]


def test_the_amount_pattern():
    text = (
        "costs €1,234 and 2,500 more; €650k, 1.5M; 40 reps; 12.5%; seed 20261127; -€3.1M; "
        "the first 100 of 1,020 rows"
    )
    assert [m.group("n") for m in _AMOUNT.finditer(text)] == [
        "1,234",
        "2,500",
        "650k",
        "1.5M",
        "3.1M",
    ]
    assert len(_bare_amounts(text)) == 2


@pytest.fixture(scope="module")
def euro(tmp_path_factory):
    d = tmp_path_factory.mktemp("euro")
    base = d / "small.toml"
    base.write_text(SMALL_OPTIMIZE, encoding="utf-8")
    small = d / "small_eur.toml"
    small.write_text(
        f"""extends = "{base.as_posix()}"

[scenario]
name = "Small, in euros"
currency = "EUR"

[optimize.constraints]
budget = 900_000
""",
        encoding="utf-8",
    )
    sweep = d / "sweep_eur.toml"
    sweep.write_text(
        f'extends = "{SWEEP.as_posix()}"\n\n[scenario]\ncurrency = "EUR"\n', encoding="utf-8"
    )
    return d, small, sweep


def test_optimize_speaks_in_the_scenarios_currency(euro, capsys):
    d, small, _ = euro
    out = d / "opt"
    code = main(["optimize", str(small), "--trials", "100", "--out", str(out)])
    assert code == 0
    terminal = capsys.readouterr().out
    assert "€" in terminal and not _bare_amounts(terminal), terminal
    report = _visible_text((out / "report.html").read_text(encoding="utf-8"))
    assert "€" in report
    assert _bare_amounts(report) == []


def test_sweep_speaks_in_the_scenarios_currency(euro, capsys):
    d, _, sweep = euro
    out = d / "sweep"
    assert main(["sweep", str(sweep), "--trials", "60", "--out", str(out)]) == 0
    terminal = capsys.readouterr().out
    assert "€" in terminal and not _bare_amounts(terminal), terminal
    report = _visible_text((out / "report.html").read_text(encoding="utf-8"))
    assert "€" in report
    assert _bare_amounts(report) == []
