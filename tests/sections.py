"""A report shows each section, and each table, once."""

from __future__ import annotations

import re
from collections import Counter

SECTION = re.compile(r'<section id="([^"]+)"><h2>(.*?)</h2>', re.S)
TABLE = re.compile(r"<table>.*?</table>", re.S)
#: Plan descriptions (one per variant) may repeat a measures table when variants share it.
DETAILS = re.compile(r"<details\b.*?</details>", re.S)


def assert_each_section_once(html: str) -> list[str]:
    """Every section id, section title and table body appears once; returns the titles."""
    found = SECTION.findall(html)
    assert found, "no sections in the report"
    for what, items in (("id", [i for i, _ in found]), ("title", [t for _, t in found])):
        twice = [k for k, n in Counter(items).items() if n > 1]
        assert not twice, f"section {what} shown more than once: {twice}"
    tables = [t for t in TABLE.findall(DETAILS.sub("", html)) if "<td" in t]
    twice = [t[:120] for t, n in Counter(tables).items() if n > 1]
    assert not twice, f"a table shown more than once: {twice}"
    return [t for _, t in found]


EXEC = re.compile(r'<div class="exec">(.*?)</div>', re.S)
SECTION_BODY = re.compile(r'<section id="([^"]+)"( class="appendix")?>(.*?)</section>', re.S)


def assert_first_screen(html: str, chart: str) -> list[str]:
    """The layout every report shares: the executive summary first, with at most six
    findings and the key chart (figure id ``chart``) in it; appendix sections (data,
    solver and run notes, more findings) after every other section. Returns the
    summary's findings as text."""
    sections = SECTION_BODY.findall(html)
    assert sections[0][0] == "executive-summary", [s[0] for s in sections[:3]]
    summary = sections[0][2]
    box = EXEC.search(summary)
    assert box, "no summary box"
    items = re.findall(r"<li>(.*?)</li>", box.group(1), re.S)
    assert 1 <= len(items) <= 6, items
    assert f'<figure id="{chart}">' in summary, "the key chart is not in the summary"
    kinds = [bool(flag) for _, flag, _ in sections]
    assert kinds == sorted(kinds), "an appendix section comes before a main one"
    return items
