"""Command-line options of ``planlab simulate``, ``demo`` and ``validate`` (light: no
simulation imports, so ``planlab --help`` answers at once)."""

from __future__ import annotations

import argparse

from ..kit.options import (
    add_engine_option,
    add_output_options,
    add_scheduler_option,
    add_variants_option,
)

__all__ = ["add_simulate_commands"]


def _add_run_options(p: argparse.ArgumentParser) -> None:
    add_variants_option(p, "plan variants to simulate beside the base plan")
    add_output_options(p, "out/<scenario name>")
    p.add_argument("--xlsx", action="store_true", help="also write the tables as workbook.xlsx")
    add_scheduler_option(p)


def add_simulate_commands(sub) -> None:
    """Register simulate, demo and validate on the ``planlab`` sub-command parser."""
    p = sub.add_parser("simulate", help="simulate a scenario's plans and write a report")
    p.add_argument("scenario", help="scenario TOML file")
    _add_run_options(p)
    add_engine_option(p)
    p.set_defaults(func="planlab.simulate.command:cmd_simulate")
    p = sub.add_parser("demo", help="simulate the bundled key-account demo scenario")
    _add_run_options(p)
    p.set_defaults(func="planlab.simulate.command:cmd_demo")
    p = sub.add_parser("validate", help="check a scenario file without running it")
    p.add_argument("scenario", help="scenario TOML file")
    p.set_defaults(func="planlab.simulate.command:cmd_validate")
