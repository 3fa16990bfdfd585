"""The documentation site works offline: its formulas are rendered to MathML when it is
built (docs/maths.py), and the check that ``make docs`` runs on the built site
(docs/check_site.py) finds anything loaded from another host."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"docs_{name}", DOCS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


maths = _load("maths")
check_site = _load("check_site")

#: \( ... \) and \[ ... \] in a page's Markdown, as pymdownx.arithmatex reads them.
_TEX = re.compile(r"\\\((.+?)\\\)|\\\[(.+?)\\\]", flags=re.S)


def _formulas() -> list[tuple[str, str, bool]]:
    out = []
    for page in sorted(DOCS.rglob("*.md")):
        for m in _TEX.finditer(page.read_text("utf-8")):
            block = m.group(2) is not None
            out.append((page.relative_to(DOCS).as_posix(), m.group(2 if block else 1), block))
    return out


FORMULAS = _formulas()


def test_the_optimiser_page_is_written_in_formulas():
    assert sum(page == "concepts/optimiser.md" for page, _, _ in FORMULAS) > 30


@pytest.mark.parametrize(
    ("page", "tex", "block"), FORMULAS, ids=[f"{p}:{i}" for i, (p, _, _) in enumerate(FORMULAS)]
)
def test_every_formula_of_the_docs_renders_to_mathml(page, tex, block):
    mathml = maths.render_formula(tex.strip(), block=block)
    assert mathml.startswith("<math") and "\\" not in mathml.replace("\\\\", "")
    assert f'display="{"block" if block else "inline"}"' in mathml


def test_a_page_gets_mathml_in_place_of_tex():
    page = (
        '<p>Rep <span class="arithmatex">\\(x_{il} &lt; 1\\)</span> and</p>'
        '<div class="arithmatex">\\[\n\\sum_i s_i \\ge 0\n\\]</div>'
    )
    out = maths.render_maths(page)
    assert "\\(" not in out and "\\[" not in out and out.count("<math") == 2
    assert '<span class="arithmatex"><math' in out and '<div class="arithmatex"><math' in out
    assert "&lt;" in out or "&#x0003C;" in out  # the comparison survives, escaped
    assert not check_site.page_problems(out)


@pytest.mark.parametrize("tex", ["\\frac{1}{", "\\notacommand x", "x_1_2", "\\left( x"])
def test_a_formula_that_cannot_be_rendered_is_an_error_naming_it(tex):
    with pytest.raises(ValueError, match=re.escape(repr(tex))):
        maths.render_formula(tex)


@pytest.mark.parametrize(
    "tag",
    [
        '<script src="https://unpkg.com/mathjax@3/es5/tex-mml-chtml.js"></script>',
        '<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Roboto">',
        '<link rel="preconnect" href="https://fonts.gstatic.com">',
        '<script src="//cdn.example.org/x.js"></script>',
        '<img src="http://example.org/logo.png">',
        "<style>@import url('https://example.org/x.css');</style>",
        '<div style="background: url(https://example.org/x.png)"></div>',
    ],
)
def test_the_site_check_finds_what_is_loaded_from_another_host(tag):
    assert check_site.page_problems(f"<html><head>{tag}</head><body></body></html>")


def test_the_site_check_lets_links_and_local_files_be():
    page = (
        '<a href="https://distributed.dask.org/">Dask</a>'
        '<link rel="canonical" href="https://example.org/page/">'
        '<script src="../assets/javascripts/bundle.js"></script>'
        '<link rel="stylesheet" href="../stylesheets/maths.css">'
    )
    assert check_site.page_problems(page) == []


def _site(tmp_path: Path, optimiser: str) -> Path:
    (tmp_path / "concepts" / "optimiser").mkdir(parents=True)
    (tmp_path / "index.html").write_text("<p>home</p>", encoding="utf-8")
    (tmp_path / "concepts" / "optimiser" / "index.html").write_text(optimiser, encoding="utf-8")
    return tmp_path


def test_the_site_check_wants_rendered_maths_on_the_formula_pages(tmp_path):
    site = _site(tmp_path, maths.render_maths('<span class="arithmatex">\\(x\\)</span>'))
    assert check_site.site_problems(site) == []
    assert check_site.main([str(site)]) == 0
    raw = _site(tmp_path / "raw", '<span class="arithmatex">\\(x\\)</span>')
    problems = check_site.site_problems(raw)
    assert any("left as TeX" in p for p in problems)
    assert any("no rendered maths" in p for p in problems)
    assert check_site.main([str(raw)]) == 1
    assert check_site.site_problems(tmp_path / "empty") == [
        f"{tmp_path / 'empty'}: no pages (was the site built?)"
    ]


def test_the_site_check_wants_figures_on_the_notebook_pages(tmp_path):
    site = _site(tmp_path, maths.render_maths('<span class="arithmatex">\\(x\\)</span>'))
    page = site / "notebooks" / "01_design" / "index.html"
    page.parent.mkdir(parents=True)
    page.write_text("<pre>In [1]: plot()</pre>", encoding="utf-8")
    assert check_site.site_problems(site) == [
        "notebooks/01_design/index.html: the notebook shows no figure"
    ]
    page.write_text('<img src="data:image/png;base64,iVBORw0KGgo=">', encoding="utf-8")
    assert check_site.site_problems(site) == []


def test_the_site_config_loads_nothing_from_another_host():
    """No script or style sheet from a CDN, and the theme's web fonts switched off."""
    config = (ROOT / "mkdocs.yml").read_text("utf-8")
    lines = [line.split("#", 1)[0] for line in config.splitlines()]
    assert not [line for line in lines if re.search(r"https?://", line)]
    assert re.search(r"^  font: false$", config, flags=re.M)
    assert "stylesheets/maths.css" in config and (DOCS / "stylesheets" / "maths.css").is_file()
