"""Command-line options of ``planlab calibrate``."""

from __future__ import annotations

from ..kit.options import add_memory_option, whole_number

__all__ = ["add_calibrate_command"]


def add_calibrate_command(sub) -> None:
    """Register calibrate on the ``planlab`` sub-command parser."""
    p = sub.add_parser("calibrate", help="fit the Monte Carlo market to the pipeline or an export")
    p.add_argument("scenario", help="scenario TOML file")
    add_memory_option(p)
    p.add_argument("--export", metavar="CSV", help="CRM opportunity export (default: pipeline)")
    p.add_argument(
        "--drop-bad-rows",
        action="store_true",
        help="leave out the export's bad rows (listed on the terminal) instead of stopping",
    )
    p.add_argument(
        "--replications",
        type=whole_number(1, 100_000),
        default=200,
        help="pipeline replications to fit the market to",
    )
    p.add_argument(
        "--check",
        type=whole_number(0, 100_000),
        default=0,
        metavar="TRIALS",
        help="compare the calibrated engine with the pipeline on TRIALS replications "
        "(default: 0, no check)",
    )
    p.add_argument("--seed", type=whole_number(0), help="random seed (default: the scenario's)")
    p.add_argument(
        "--out", metavar="DIR", help="output directory (default: out/<scenario file>_calibrated)"
    )
    p.add_argument("--force", action="store_true", help="replace an existing output directory")
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")
    p.set_defaults(func="planlab.calibrate.command:cmd_calibrate")
