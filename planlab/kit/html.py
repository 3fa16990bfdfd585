"""The HTML kit: one self-contained page (inline styles, no script, no network), escaped
tables, section bodies built from blocks (notes, headings, bullets, facts, folded
details) and embedded figures, all rendered by Jinja2 templates
(``planlab/kit/templates``) with autoescaping on.

Every piece of user text is escaped by the templates, so a roster or scenario
file cannot inject markup into a report; report modules hand in blocks, never
HTML, and a body handed in as a string is markup the kit built.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from .format import column_kind, format_value, is_number, label

__all__ = [
    "Block",
    "MAX_ROWS",
    "blocks",
    "box",
    "bullets",
    "code",
    "details",
    "facts",
    "heading",
    "markup",
    "MAX_BULLETS",
    "executive_summary",
    "more_findings",
    "note",
    "paragraph",
    "METRIC_INDEX",
    "Table",
    "figure_html",
    "figure_uri",
    "report_page",
    "environment",
    "render_table",
]

Table = pd.DataFrame | pd.Series


#: A DataFrame whose index has this name lists metrics down and is formatted row by row.
METRIC_INDEX = "metric"


#: Tables with more columns than this are set tighter so that they fit the page width
#: (every table wraps its text to fit; numbers never wrap).
WIDE_COLUMNS = 6

#: Tables longer than this show their first rows and say how many were left out (and
#: where every row is): a reader scans the top of a table, the full one is in its CSV.
MAX_ROWS = 100


def _label(key: object, verbatim: frozenset[str]) -> str:
    """A header's text: a name the user wrote (a plan variant) as written, a key ending in
    one (``payout_expected_<variant>``) as its label and the name, anything else as its
    human label."""
    text = str(key)
    if text in verbatim:
        return text
    for name in sorted(verbatim, key=len, reverse=True):
        if text.endswith(f"_{name}") and len(text) > len(name) + 1:
            return f"{label(text[: -len(name) - 1])}: {name}"
    return label(key)


class _Cell(NamedTuple):
    """One table cell for the ``table`` macro. Attributes, not dict keys: the template
    reads three of them per cell, and Jinja2 reads an attribute at once where a dict key
    costs it a failed attribute lookup first (most of a long table's rendering time)."""

    text: str
    num: bool = False
    head: bool = False
    title: str = ""


def _header(key: object, verbatim: frozenset[str] = frozenset()) -> _Cell:
    """A header cell: the human label (a metric's from the catalogue), names the user wrote
    as written; the key as title."""
    parts = key if isinstance(key, tuple) else (key,)
    return _Cell(" / ".join(_label(p, verbatim) for p in parts), title=" / ".join(map(str, parts)))


def _frame(data: Table) -> tuple[pd.DataFrame, bool]:
    """The table as a DataFrame, and whether its cells are formatted by row label."""
    if isinstance(data, pd.Series):
        return data.to_frame(name="value" if data.name is None else data.name), True
    return data, data.index.names[-1] == METRIC_INDEX


def _index_labels(df: pd.DataFrame) -> list[str] | None:
    """Header names of the index columns, or None when the index is a plain row number."""
    names = list(df.index.names)
    if isinstance(df.index, pd.RangeIndex) and all(n is None for n in names):
        return None
    return ["" if n is None else str(n) for n in names]


@cache
def environment() -> Environment:
    """The template environment of every report: autoescaping on, templates in the package."""
    return Environment(
        loader=PackageLoader("planlab.kit", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def _parts():
    """The macros of ``parts.html`` (made once: building the module renders the template)."""
    return environment().get_template("parts.html").module


# -- section bodies as blocks ---------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """One piece of a section body (a note, a heading, bullets, a table ...), rendered by
    the ``blocks`` template macro so that report modules never write HTML themselves."""

    kind: str
    text: str = ""
    parts: tuple = ()
    items: tuple = ()
    level: int = 3
    open: bool = False
    markup: Markup = Markup("")


@dataclass(frozen=True)
class _Text:
    text: str
    code: bool = False


def code(text: str) -> _Text:
    """A piece of a note or paragraph shown as code (a command, a file name)."""
    return _Text(str(text), code=True)


def _parts_of(pieces: Sequence[object]) -> tuple[_Text, ...]:
    return tuple(p if isinstance(p, _Text) else _Text(str(p)) for p in pieces)


def note(*pieces: object) -> Block:
    """A muted explanatory paragraph; pieces are text or :func:`code`."""
    return Block("note", parts=_parts_of(pieces))


def paragraph(*pieces: object) -> Block:
    return Block("paragraph", parts=_parts_of(pieces))


def heading(text: str, level: int = 3) -> Block:
    return Block("heading", text=str(text), level=level)


def bullets(items: Iterable[object], empty: str = "") -> Block:
    """Bullets, or ``empty`` as a note when there are none."""
    return Block("bullets", text=empty, items=tuple(str(i) for i in items))


def facts(pairs: Iterable[tuple[str, str]]) -> Block:
    return Block("facts", items=tuple(pairs))


def markup(html: str) -> Block:
    """Markup the kit already built from escaped pieces (a table, a figure)."""
    return Block("markup", markup=Markup(html))


def box(css_class: str, *items: Block) -> Block:
    """Blocks inside a ``<div>`` of ``css_class`` (the executive summary's box, a plan)."""
    return Block("box", text=css_class, items=items)


def details(summary: str, *items: Block, open: bool = False) -> Block:  # noqa: A002
    """Blocks folded under a summary line the reader can open."""
    return Block("details", text=str(summary), items=items, open=open)


def blocks(*items: Block) -> str:
    """A section body from blocks, rendered by the template with autoescaping."""
    return str(_parts().blocks(items))


#: The executive summary shows at most this many findings; the rest follow in an appendix.
MAX_BULLETS = 6


def executive_summary(lines: Sequence[str], headline: str = "") -> str:
    """The first screen of every report: at most :data:`MAX_BULLETS` findings in the summary
    box, then the key chart (``headline``, a figure from :func:`figure_html`)."""
    return blocks(
        box("exec", bullets(lines[:MAX_BULLETS], "No findings.")),
        markup(headline),
    )


def more_findings(lines: Sequence[str]) -> list[tuple[str, str, str]]:
    """The appendix section of the findings beyond the summary's first
    :data:`MAX_BULLETS` (none when they all fit)."""
    rest = list(lines[MAX_BULLETS:])
    return [("more-findings", "More findings", blocks(bullets(rest)))] if rest else []


def render_table(
    data: Table,
    max_rows: int = MAX_ROWS,
    currency: str | None = None,
    verbatim: Iterable[str] = (),
    every_row_in: str = "",
) -> str:
    """An escaped HTML table of a DataFrame or Series, in a horizontally scrolling box
    (markup as a plain string: the kit's functions return strings to build bodies with).

    Numbers are formatted by :func:`column_kind` of their column (of their row
    for a Series or a metric-indexed DataFrame) and right-aligned, money with the
    ``currency`` sign; headers and metric rows show human labels, the key on hover.
    Names in ``verbatim`` (plan variants, as the user wrote them) are never relabelled.
    A table longer than ``max_rows`` shows its first rows and says so, naming the file
    ``every_row_in`` that holds them all.
    """
    names = frozenset(map(str, verbatim))
    df, by_row = _frame(data)
    index_names = _index_labels(df)
    head = [_Cell(label(n) if n else "", title=n) for n in index_names or []]
    head += [_header(c, names) for c in df.columns]
    col_kinds = [column_kind(c[-1] if isinstance(c, tuple) else c) for c in df.columns]
    rows = []
    values = df.iloc[:max_rows].to_numpy(dtype=object)
    for row_label, cells in zip(df.index[:max_rows], values, strict=True):
        parts = row_label if isinstance(row_label, tuple) else (row_label,)
        row_kind = column_kind(parts[-1]) if by_row else None
        row = []
        if index_names is not None:
            last = len(parts) - 1  # by row: the metric's label; the other levels as written
            row = [
                _Cell(label(p) if by_row and i == last else format_value(p), head=True)
                for i, p in enumerate(parts)
            ]
        for kind, v in zip(col_kinds, cells, strict=True):
            row.append(_Cell(format_value(v, row_kind or kind, currency), num=is_number(v)))
        rows.append(row)
    note = ""
    if len(df) > max_rows:
        note = f"Showing the first {max_rows:,} of {len(df):,} rows"
        note += f"; every row is in {every_row_in}." if every_row_in else "."
    wide = len(head) > WIDE_COLUMNS
    return str(_parts().table(head, rows, len(rows) > 25, note, wide))


def figure_uri(fig) -> str:
    """A figure as a data URI: an SVG chart (:class:`planlab.kit.svg.Chart`) as SVG, a
    matplotlib figure (still used by a few commands) as PNG."""
    if hasattr(fig, "data_uri"):
        return fig.data_uri()
    from .plot import to_data_uri  # matplotlib loads only when a figure needs it

    return to_data_uri(fig)


def figure_html(anchor: str, title: str, fig, alt: str, caption: str) -> str:
    """A figure embedded as a data URI image, with a title, alt text and caption."""
    return str(_parts().figure(anchor, title, figure_uri(fig), alt, caption))


def report_page(
    title: str,
    sections: list[tuple[str, str, str]],
    facts: list[tuple[str, str]],
    footer: str,
    lead: str = "",
    lead_strong: str = "",
    description: str = "",
    appendix: frozenset[str] = frozenset(),
    intros: dict[str, str] | None = None,
) -> str:
    """A whole report: header with facts, contents, sections ``(anchor, title, body)``
    (sections named in ``appendix`` are marked as such) and a footer."""
    intros = intros or {}
    items = [
        {
            "anchor": a,
            "title": t,
            "body": Markup(b),
            "intro": intros.get(a, ""),
            "appendix": a in appendix,
        }
        for a, t, b in sections
    ]
    template = environment().get_template("report.html")
    return (
        template.render(
            title=title,
            lead=lead,
            lead_strong=lead_strong,
            description=description,
            facts=list(facts),
            sections=items,
            footer=footer,
        )
        + "\n"
    )
