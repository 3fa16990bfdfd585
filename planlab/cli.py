"""The ``planlab`` command line: simulate, compare, optimize, validate, demo, calibrate;
sweep, review, checkin, history, schema. Each command lives in its own folder and registers itself here.

Bad input exits with code 2 and a message naming the file and the key or row; a
failure of the machine (full disk, read-only or busy device, permissions, a locked
history store) with code 1 and a line naming the path and what to do; Ctrl-C with
code 130. No traceback, and nothing is left half-written.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from . import __version__
from .calibrate.parser import add_calibrate_command
from .compare.parser import add_compare_command
from .kit.interrupts import interrupted, terminate_as_interrupt
from .kit.options import EXIT_ERROR, EXIT_OK, EXIT_USAGE, HelpFormatter, Progress, UsageError
from .optimize.parser import add_optimize_command
from .review.parser import add_review_commands
from .schema.parser import add_schema_command
from .simulate.parser import add_simulate_commands
from .sweep.parser import add_sweep_command

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The ``planlab`` argument parser with every command registered."""
    parser = argparse.ArgumentParser(
        prog="planlab",
        description="Design, simulate and compare sales incentive plans for key-account teams.",
    )
    parser.add_argument("--version", action="version", version=f"planlab {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    add_simulate_commands(sub)
    add_compare_command(sub)
    add_sweep_command(sub)
    add_optimize_command(sub)
    add_calibrate_command(sub)
    add_review_commands(sub)
    add_schema_command(sub)
    for command in sub.choices.values():
        command.formatter_class = HelpFormatter
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``planlab`` console script; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(argv)
        # The command's module (and with it numpy, pandas, the simulator) loads only
        # now, so --help and --version answer at once.
        module, name = args.func.split(":")
        with terminate_as_interrupt():
            return _command(args, argv, module, name)
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (a Terminated)
        return interrupted(exc)


def _command(args, argv: list[str], module: str, name: str) -> int:
    with Progress(quiet=getattr(args, "quiet", True)).step("starting"):
        from sim.errors import ScenarioError

        from .kit.failures import EnvironmentFailure, describe_os_error
        from .kit.files import OutputExists

        command = getattr(importlib.import_module(module), name)
    try:
        return command(args, ["planlab", *argv])
    except (ScenarioError, OutputExists, UsageError) as exc:
        print(f"planlab: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except EnvironmentFailure as exc:
        print(f"planlab: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:  # output piped into a pager or head that stopped reading
        sys.stderr.close()
        return EXIT_OK
    except OSError as exc:  # the machine: a full disk, a read-only or busy device, permissions
        print(f"planlab: error: {describe_os_error(exc)}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
