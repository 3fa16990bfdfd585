"""``planlab schema``: the JSON Schema of scenario files (for editors), or the
scenario reference as Markdown (``--reference``), both made from the typed models."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

from sim import ScenarioError
from sim.scenario_reference import scenario_reference
from sim.scenario_schema import scenario_schema

__all__ = ["cmd_schema", "schema_text"]


def schema_text(reference: bool = False) -> str:
    """The JSON Schema as JSON text, or the scenario reference as Markdown."""
    if reference:
        return scenario_reference()
    return json.dumps(scenario_schema(), indent=2, ensure_ascii=False) + "\n"


def _write(path: Path, text: str, force: bool) -> None:
    """Write ``text`` whole or not at all (a temporary file renamed into place)."""
    if path.exists() and not force:
        raise ScenarioError(f"{path}: exists; pass --force to replace it")
    if not path.parent.is_dir():
        raise ScenarioError(f"{path}: directory {path.parent} does not exist")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def cmd_schema(args, argv) -> int:
    """Write the schema (or the reference) to ``--out`` or standard output."""
    text = schema_text(args.reference)
    if args.out is None:
        sys.stdout.write(text)
        return 0
    out = Path(args.out)
    _write(out, text, args.force)
    if not args.quiet:
        what = "scenario reference" if args.reference else "JSON Schema"
        hint = "" if args.reference else f"; start a scenario file with: #:schema {out.name}"
        print(f"{out}: {what} written{hint}", file=sys.stderr)
    return 0
