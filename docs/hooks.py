"""MkDocs hook: pages generated from the code at every build, so they cannot drift —
the scenario reference from the typed models (``sim.scenario_reference``) and the
command-line reference from the ``planlab`` argument parser; notebook pages made
from executed copies (``docs/executed_notebooks.py``), each notebook executed once;
and formulas turned into MathML at build time, so the site renders them offline
(no script from a CDN)."""

from __future__ import annotations

import argparse
import logging
import tempfile
from pathlib import Path

# MkDocs puts a hook's folder on the path: docs/maths.py, docs/executed_notebooks.py.
from executed_notebooks import execute, fresh, keep, stamp
from maths import render_maths
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files
from nbclient.exceptions import CellExecutionError

from planlab.cli import build_parser
from sim.scenario_reference import scenario_reference

_log = logging.getLogger("mkdocs.hooks.planlab")

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


#: Front matter of a page of wide tables: the theme leaves out the site navigation
#: (the page's own table of contents stays) to give the tables its room.
_WIDE = "---\nhide:\n  - navigation\n---\n\n"


def _put(files: Files, config, path: str, content: str) -> None:
    existing = files.get_file_from_path(path)
    if existing is not None:
        files.remove(existing)
    files.append(File.generated(config, path, content=content))


def _show_executed_copies(files: Files) -> None:
    """Each notebook page shows an executed copy of the notebook: the one the test suite
    kept when it was made from what is here now, else one executed and kept now (so a
    second build executes nothing either). A notebook that fails fails the build."""
    for f in files:
        if f.src_uri.startswith("notebooks/") and f.src_uri.endswith(".ipynb"):
            source = Path(f.abs_src_path)
            kept = fresh(source)
            if kept is None:
                _log.info("%s: executing the notebook", f.src_uri)
                inputs = stamp(source)
                with tempfile.TemporaryDirectory() as out:
                    try:
                        done = execute(source, Path(out))
                    except CellExecutionError as err:
                        raise PluginError(f"{f.src_uri}: a cell failed:\n{err}") from err
                kept = keep(source, done, inputs)
            else:
                _log.info("%s: showing its executed copy in build/notebooks/", f.src_uri)
            f.abs_src_path = str(kept)


def on_files(files: Files, config) -> Files:
    """Add the generated reference pages to the site's files; notebook pages show the
    notebooks executed."""
    _put(files, config, "reference/scenario.md", _WIDE + scenario_reference())
    _put(files, config, "reference/cli.md", cli_reference())
    _show_executed_copies(files)
    return files


def on_page_content(page_html: str, page, config, files) -> str:
    """Formulas as MathML (``docs/maths.py``); one that cannot be rendered fails the build."""
    try:
        return render_maths(page_html)
    except ValueError as err:
        raise PluginError(f"{page.file.src_uri}: {err}") from err
