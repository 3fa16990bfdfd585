"""Command-line options of ``planlab sweep`` (light: no simulation imports)."""

from __future__ import annotations

import argparse

from ..kit.options import add_output_options, add_scheduler_option

__all__ = ["add_sweep_command"]


def add_sweep_command(sub) -> argparse.ArgumentParser:
    """Register ``planlab sweep`` on the command line's subparsers."""
    p = sub.add_parser(
        "sweep", help="every plan variant in every market of the scenario's [sweep] table"
    )
    p.add_argument("scenario", help="scenario TOML file with a [sweep] table")
    add_output_options(
        p,
        "out/<scenario file>-sweep",
        "trials per cell (default: [sweep] trials, else the scenario's)",
        min_trials=2,
    )
    add_scheduler_option(p)
    p.set_defaults(func="planlab.sweep.command:cmd_sweep")
    return p
