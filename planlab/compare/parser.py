"""Command-line options of ``planlab compare``."""

from __future__ import annotations

import argparse

from ..kit.options import (
    add_engine_option,
    add_output_options,
    add_scheduler_option,
    add_variants_option,
)

__all__ = ["add_compare_command"]


def add_compare_command(sub) -> argparse.ArgumentParser:
    """Register ``planlab compare`` on the command line's subparsers."""
    p = sub.add_parser(
        "compare", help="compare plan variants on the same draws and write a sign-off report"
    )
    p.add_argument("scenario", help="scenario TOML file")
    add_variants_option(p, "plan variants to compare with the base plan")
    add_output_options(p, "out/<scenario name>-compare", min_trials=2)
    p.add_argument("--xlsx", action="store_true", help="also write the tables as workbook.xlsx")
    add_scheduler_option(p)
    add_engine_option(p)
    p.set_defaults(func="planlab.compare.command:cmd_compare")
    return p
