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
