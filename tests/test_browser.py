"""The report in a real browser: headless Chromium opens it, every figure loads and
nothing is logged as an error. A screenshot is kept in the test's tmp_path.

Without Chromium the test is skipped locally; under CI (``CI=true``), where
``.ci/run`` installs Debian's ``chromium``, a missing browser fails the test.
"""

from __future__ import annotations

import os

import pytest

from planlab.cli import main
from tests.cdp import Browser, find_chromium
from tests.conftest import BASELINE

IMAGES = "Array.from(document.images).map(i => [i.alt, i.complete, i.naturalWidth])"
LAYOUT = (
    "({overflow: document.documentElement.scrollWidth - window.innerWidth,"
    " sections: Array.from(document.querySelectorAll('section h2')).map(h => h.textContent),"
    " summaryTop: document.getElementById('executive-summary').getBoundingClientRect().top})"
)


@pytest.fixture(scope="module")
def chromium():
    path = find_chromium()
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed; .ci/run installs it (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium to run this test)")
    return path


def test_report_opens_in_chromium(chromium, tmp_path, capsys):
    out = tmp_path / "run"
    args = ["compare", str(BASELINE), "--variants", "uncapped", "margin_gate"]
    assert main([*args, "--trials", "200", "--out", str(out), "--quiet"]) == 0
    with Browser(chromium) as browser:
        session = browser.open_page((out / "report.html").resolve().as_uri())
        images = browser.evaluate(session, IMAGES)
        layout = browser.evaluate(session, LAYOUT)
        shot = browser.screenshot(session, tmp_path / "report.png")
        errors = browser.errors()
    assert len(images) >= 7, images
    assert all(complete and width > 0 for _, complete, width in images), images
    assert errors == []
    assert layout["overflow"] <= 0, "the page scrolls sideways on a 1366-pixel laptop screen"
    assert layout["sections"][:2] == ["Executive summary", "Comparison"]
    assert layout["summaryTop"] < 768, "the executive summary is not on the first screen"
    assert shot.read_bytes().startswith(b"\x89PNG") and shot.stat().st_size > 10_000


def test_the_check_sees_broken_figures_and_errors(chromium, tmp_path):
    page = tmp_path / "broken.html"
    page.write_text(
        '<!DOCTYPE html><html><body><img alt="x" src="data:image/png;base64,AAAA">'
        "<script>console.error('boom')</script></body></html>",
        encoding="utf-8",
    )
    with Browser(chromium) as browser:
        session = browser.open_page(page.as_uri())
        images = browser.evaluate(session, IMAGES)
        errors = browser.errors()
    assert images == [["x", True, 0]]
    assert any("boom" in e for e in errors)
