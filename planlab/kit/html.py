"""The HTML kit: one self-contained page (inline styles, no script, no network), escaped
tables, bullets, facts, sections and embedded figures.

Every piece of user text goes through :func:`html.escape`, so a roster or
scenario file cannot inject markup into a report.
"""

from __future__ import annotations

from html import escape

import pandas as pd

from .format import column_kind, format_value, is_number
from .plot import to_data_uri

__all__ = [
    "MAX_ROWS",
    "METRIC_INDEX",
    "Table",
    "bullet_list",
    "fact_list",
    "figure_html",
    "nav_html",
    "page",
    "render_table",
    "section_html",
]

Table = pd.DataFrame | pd.Series


#: A DataFrame whose index has this name lists metrics down and is formatted row by row.
METRIC_INDEX = "metric"


#: Tables longer than this show their first rows and say how many were left out.
MAX_ROWS = 1000


def _header(label: object) -> str:
    """A header cell's text: snake_case shown with spaces (so it can wrap); full name as title."""
    raw = " / ".join(map(str, label)) if isinstance(label, tuple) else str(label)
    return f'<th scope="col" title="{escape(raw)}">{escape(raw.replace("_", " "))}</th>'


def _frame(data: Table) -> tuple[pd.DataFrame, bool]:
    """The table as a DataFrame, and whether its cells are formatted by row label."""
    if isinstance(data, pd.Series):
        return data.to_frame(name="value" if data.name is None else data.name), True
    return data, data.index.name == METRIC_INDEX


def _index_labels(df: pd.DataFrame) -> list[str] | None:
    """Header names of the index columns, or None when the index is a plain row number."""
    names = list(df.index.names)
    if isinstance(df.index, pd.RangeIndex) and all(n is None for n in names):
        return None
    return ["" if n is None else str(n) for n in names]


def render_table(data: Table, max_rows: int = MAX_ROWS) -> str:
    """An escaped HTML table of a DataFrame or Series, in a horizontally scrolling box.

    Numbers are formatted by :func:`column_kind` of their column (of their row
    for a Series or a metric-indexed DataFrame) and right-aligned.
    """
    df, by_row = _frame(data)
    index_names = _index_labels(df)
    head = [f'<th scope="col">{escape(n)}</th>' for n in index_names or []]
    head += [_header(c) for c in df.columns]
    col_kinds = [column_kind(c[-1] if isinstance(c, tuple) else c) for c in df.columns]
    rows = []
    values = df.iloc[:max_rows].to_numpy(dtype=object)
    for label, cells in zip(df.index[:max_rows], values, strict=True):
        parts = label if isinstance(label, tuple) else (label,)
        row_kind = column_kind(parts[-1]) if by_row else None
        out = []
        if index_names is not None:
            out = [f'<th scope="row">{escape(format_value(p))}</th>' for p in parts]
        for kind, v in zip(col_kinds, cells, strict=True):
            css = ' class="num"' if is_number(v) else ""
            out.append(f"<td{css}>{escape(format_value(v, row_kind or kind))}</td>")
        rows.append("<tr>" + "".join(out) + "</tr>")
    tall = " tall" if len(rows) > 25 else ""
    note = ""
    if len(df) > max_rows:
        note = f'<p class="note">Showing the first {max_rows:,} of {len(df):,} rows.</p>'
    return (
        f'<div class="table-wrap{tall}"><table><thead><tr>{"".join(head)}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>{note}"
    )


def bullet_list(items: list[str], empty: str) -> str:
    if not items:
        return f'<p class="note">{escape(empty)}</p>'
    return "<ul>" + "".join(f"<li>{escape(t)}</li>" for t in items) + "</ul>"


def fact_list(pairs: list[tuple[str, str]]) -> str:
    body = "".join(f"<div><dt>{escape(k)}</dt><dd>{escape(v)}</dd></div>" for k, v in pairs)
    return f'<dl class="facts">{body}</dl>'


_CSS = """
:root { --fg: #1d2430; --muted: #5b6573; --line: #dde2e8; --accent: #1f5f99;
        --soft: #f4f6f9; --row: #fafbfc; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--soft); color: var(--fg); line-height: 1.5; font-size: 15px;
       font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
       "Noto Sans", "Liberation Sans", sans-serif; }
.page { max-width: 1100px; margin: 0 auto; padding: 28px 32px 48px; background: #fff;
        min-height: 100vh; }
h1 { font-size: 1.75rem; margin: 0 0 .2em; line-height: 1.25; }
h2 { font-size: 1.3rem; margin: 2.2em 0 .6em; padding-bottom: .25em;
     border-bottom: 2px solid var(--line); }
h3 { font-size: 1.05rem; margin: 1.6em 0 .4em; }
h4 { font-size: .95rem; margin: 1.2em 0 .3em; color: var(--muted); }
p { margin: .4em 0 .8em; }
.lead { font-size: 1.05rem; color: var(--muted); }
.note { color: var(--muted); font-size: .88rem; }
nav ul { list-style: none; padding: 0; margin: 1em 0 0; display: flex; flex-wrap: wrap;
         gap: .3em 1.2em; font-size: .9rem; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
.exec { background: #eef4fa; border-left: 4px solid var(--accent); border-radius: 4px;
        padding: .5em 1.2em; }
.exec ul { margin: .4em 0; padding-left: 1.2em; }
.exec li { margin: .25em 0; }
dl.facts { display: flex; flex-wrap: wrap; gap: .4em 1.8em; margin: .6em 0 1em; }
dl.facts div { min-width: 8em; }
dl.facts dt { font-size: .78rem; color: var(--muted); text-transform: uppercase;
              letter-spacing: .03em; }
dl.facts dd { margin: 0; font-weight: 600; font-variant-numeric: tabular-nums; }
.table-wrap { overflow-x: auto; margin: .6em 0 1.2em; border: 1px solid var(--line);
              border-radius: 6px; }
.table-wrap.tall { max-height: 75vh; overflow-y: auto; }
table { border-collapse: collapse; font-size: .85rem; width: max-content; min-width: 100%; }
th, td { padding: .35em .75em; border-bottom: 1px solid var(--line); text-align: left;
         white-space: nowrap; }
thead th { position: sticky; top: 0; z-index: 1; background: var(--soft);
           vertical-align: bottom; white-space: normal; min-width: 4.5em; max-width: 10em;
           font-weight: 600; }
tbody tr { background: #fff; }
tbody tr:nth-child(even) { background: var(--row); }
tbody th { font-weight: 600; }
tbody th:first-child { position: sticky; left: 0; background: inherit; }
thead th:first-child { left: 0; z-index: 2; }
tbody tr:hover { background: #eef4fa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
details { border: 1px solid var(--line); border-radius: 6px; padding: .4em 1em;
          margin: .6em 0; }
details > summary { cursor: pointer; font-weight: 600; padding: .2em 0; }
details[open] > summary { margin-bottom: .4em; }
.plan .table-wrap td { white-space: normal; min-width: 6em; }
figure { margin: 1.2em 0 2em; }
figure img { display: block; max-width: 100%; height: auto; border: 1px solid var(--line);
             border-radius: 6px; }
figcaption { color: var(--muted); font-size: .88rem; margin-top: .4em; }
footer { margin-top: 3em; color: var(--muted); font-size: .8rem;
         border-top: 1px solid var(--line); padding-top: .8em; }
@media (max-width: 700px) { .page { padding: 16px; } }
@media print { body { background: #fff; } .page { max-width: none; padding: 0; }
               .table-wrap, .table-wrap.tall { overflow: visible; max-height: none; } }
"""


def section_html(anchor: str, title: str, body: str) -> str:
    return f'<section id="{escape(anchor)}"><h2>{escape(title)}</h2>{body}</section>'


def figure_html(anchor: str, title: str, fig, alt: str, caption: str) -> str:
    uri = to_data_uri(fig)
    return (
        f'<figure id="{escape(anchor)}"><h3>{escape(title)}</h3>'
        f'<img src="{uri}" alt="{escape(alt)}">'
        f"<figcaption>{escape(caption)}</figcaption></figure>"
    )


def nav_html(sections: list[tuple[str, str]]) -> str:
    links = "".join(f'<li><a href="#{escape(a)}">{escape(t)}</a></li>' for a, t in sections)
    return f'<nav aria-label="Contents"><ul>{links}</ul></nav>'


def page(title: str, body: str) -> str:
    """A self-contained HTML document around ``body`` (already escaped markup)."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head>"
        f'<body><main class="page">{body}</main></body></html>\n'
    )
