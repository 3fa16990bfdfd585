"""Command-line options of ``planlab schema`` (light: no simulation imports)."""

from __future__ import annotations

__all__ = ["add_schema_command"]


def add_schema_command(sub) -> None:
    """Register ``planlab schema`` on the command line's sub-commands."""
    p = sub.add_parser(
        "schema",
        help="write the JSON Schema of scenario files (or, with --reference, their reference)",
        description="Write the JSON Schema (draft 4) of scenario files, for TOML editors such "
        "as Even Better TOML (taplo): save it beside your scenarios and start a scenario file "
        "with the line '#:schema ./scenario.schema.json'. With --reference, write the scenario "
        "reference (every table and key, its type, default, unit and meaning) as Markdown.",
    )
    p.add_argument("--out", metavar="FILE", help="file to write (default: standard output)")
    p.add_argument("--reference", action="store_true", help="write the Markdown reference")
    p.add_argument("--force", action="store_true", help="replace an existing file")
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")
    p.set_defaults(func="planlab.schema.command:cmd_schema")
