"""Formulas as MathML, made when the site is built: browsers render MathML without a
script, so the pages need nothing from a CDN and work offline.

pymdownx.arithmatex (generic mode) wraps each formula of a page in
``<span class="arithmatex">\\(...\\)</span>`` or ``<div class="arithmatex">\\[...\\]</div>``;
:func:`render_maths` replaces each one's TeX with its MathML.
"""

from __future__ import annotations

import html
import re

from latex2mathml.converter import convert

__all__ = ["render_formula", "render_maths"]

_FORMULA = re.compile(r'<(span|div) class="arithmatex">(.*?)</\1>', flags=re.S)
#: A command the converter does not know stays in the MathML as its name.
_UNKNOWN = re.compile(r"<m[io][^>]*>(\\[A-Za-z]+)</m[io]>")


def render_formula(tex: str, block: bool = False) -> str:
    """One TeX formula as MathML; ``ValueError`` naming the formula if it cannot be read
    or uses a command the converter does not know (never raw TeX on a page)."""
    try:
        mathml = convert(tex, display="block" if block else "inline")
    except Exception as err:  # the converter's errors share no base class
        raise ValueError(f"cannot render the formula {tex!r} ({type(err).__name__})") from err
    unknown = _UNKNOWN.search(mathml)
    if unknown:
        raise ValueError(f"unknown command {unknown.group(1)} in the formula {tex!r}")
    return mathml


def render_maths(page_html: str) -> str:
    """A page's HTML with every formula rendered to MathML."""

    def one(m: re.Match) -> str:
        tag, tex = m.group(1), html.unescape(m.group(2)).strip()
        if tex[:2] in ("\\(", "\\["):
            tex = tex[2:-2]
        return f'<{tag} class="arithmatex">{render_formula(tex, block=tag == "div")}</{tag}>'

    return _FORMULA.sub(one, page_html)
