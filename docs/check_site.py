"""Checks a built documentation site (``make docs`` runs it on site/): every page works
offline — no script, style sheet, font or image is loaded from another host (links to
other sites are fine) — the formula pages hold rendered maths (MathML), never raw
TeX waiting for a script, and each notebook page shows the notebook executed, with its
figures.

Usage: ``python docs/check_site.py SITE_DIR``; exit code 1 and one line per problem.
"""

from __future__ import annotations

import re
import sys
from html.parser import HTMLParser
from pathlib import Path

#: Pages written in formulas: each must show MathML.
FORMULA_PAGES = ("concepts/optimiser/index.html",)

_REMOTE = re.compile(r"^\s*(https?:)?//", flags=re.I)
#: ``<link rel=...>`` kinds that load something (``canonical``, ``alternate`` only point).
_LOADING_RELS = {"stylesheet", "preconnect", "preload", "modulepreload", "icon", "manifest"}
_CSS_REMOTE = re.compile(r"(@import\s+|url\(\s*)['\"]?(https?:)?//", flags=re.I)
_RAW_TEX = re.compile(r'class="arithmatex">\s*\\[(\[]')


class _Loads(HTMLParser):
    """Collects what a page loads from elsewhere."""

    def __init__(self) -> None:
        super().__init__()
        self.remote: list[str] = []
        self._style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag in ("script", "img", "iframe", "audio", "video", "source", "embed"):
            if _REMOTE.match(a.get("src", "")):
                self.remote.append(f"<{tag} src={a['src']}>")
        elif tag == "link":
            rels = set(a.get("rel", "").lower().split())
            if rels & _LOADING_RELS and _REMOTE.match(a.get("href", "")):
                self.remote.append(f"<link rel={a['rel']} href={a['href']}>")
        elif tag == "style":
            self._style = True
        if _CSS_REMOTE.search(a.get("style", "")):
            self.remote.append(f"<{tag} style=...> loads from another host")

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._style = False

    def handle_data(self, data: str) -> None:
        if self._style and _CSS_REMOTE.search(data):
            self.remote.append("<style> imports from another host")


def page_problems(page_html: str) -> list[str]:
    """What keeps one page from working offline."""
    parser = _Loads()
    parser.feed(page_html)
    return parser.remote


def site_problems(site: Path) -> list[str]:
    """Every problem of a built site, one line each, naming the file."""
    problems = []
    pages = sorted(site.rglob("*.html"))
    if not pages:
        return [f"{site}: no pages (was the site built?)"]
    for page in pages:
        text = page.read_text("utf-8")
        name = page.relative_to(site).as_posix()
        problems += [f"{name}: loads {what}" for what in page_problems(text)]
        if _RAW_TEX.search(text):
            problems.append(f"{name}: a formula is left as TeX (not rendered to MathML)")
    for css in sorted(site.rglob("*.css")):
        if _CSS_REMOTE.search(css.read_text("utf-8", errors="replace")):
            problems.append(f"{css.relative_to(site).as_posix()}: imports from another host")
    for page in sorted(site.glob("notebooks/*/index.html")):
        if "data:image/" not in page.read_text("utf-8"):
            problems.append(f"{page.relative_to(site).as_posix()}: the notebook shows no figure")
    for name in FORMULA_PAGES:
        page = site / name
        if not page.is_file():
            problems.append(f"{name}: missing")
        elif "<math" not in page.read_text("utf-8"):
            problems.append(f"{name}: holds no rendered maths (MathML)")
    return problems


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python docs/check_site.py SITE_DIR", file=sys.stderr)
        return 2
    problems = site_problems(Path(argv[0]))
    for line in problems:
        print(f"check_site: {line}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
