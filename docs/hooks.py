"""MkDocs hook: pages generated from the code at every build, so they cannot drift —
the scenario reference from the typed models (``sim.scenario_reference``) and the
command-line reference from the ``planlab`` argument parser — and formulas turned
into MathML at build time, so the site renders them offline (no script from a CDN)."""

from __future__ import annotations

import argparse

from maths import render_maths  # docs/maths.py: MkDocs puts a hook's folder on the path
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

from planlab.cli import build_parser
from sim.scenario_reference import scenario_reference

_CLI_INTRO = """\
# Command line

Every command reads a scenario file and writes its results into a new
directory, all at once (never a half-written directory, never over an existing
one without `--force`). Bad input exits with code 2 and a message naming the
file and the key or row; no traceback, and nothing is written. This page is
generated from the command line itself (`planlab COMMAND --help`).

Two environment variables stand in for options left out: `PLANLAB_SCHEDULER`
for `--scheduler` (a Dask scheduler's address, or `local`; see [running on a
cluster](../guides/cluster.md)) and `PLANLAB_HISTORY` for `--store` (the plan
history of `review`, `checkin` and `history`).
"""


def cli_reference() -> str:
    """Every ``planlab`` command's help text, as Markdown."""
    parser = build_parser()
    parts = [_CLI_INTRO]
    for action in parser._actions:  # argparse lists sub-commands only here
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                sub.prog = f"planlab {name}"
                parts.append(f"## `planlab {name}`\n\n```text\n{sub.format_help()}```\n")
    return "\n".join(parts)


def _put(files: Files, config, path: str, content: str) -> None:
    existing = files.get_file_from_path(path)
    if existing is not None:
        files.remove(existing)
    files.append(File.generated(config, path, content=content))


def on_files(files: Files, config) -> Files:
    """Add the generated reference pages to the site's files."""
    _put(files, config, "reference/scenario.md", scenario_reference())
    _put(files, config, "reference/cli.md", cli_reference())
    return files


def on_page_content(page_html: str, page, config, files) -> str:
    """Formulas as MathML (``docs/maths.py``); one that cannot be rendered fails the build."""
    try:
        return render_maths(page_html)
    except ValueError as err:
        raise PluginError(f"{page.file.src_uri}: {err}") from err
