"""Command-line options of ``planlab optimize``."""

from __future__ import annotations

from ..kit.options import add_output_options, add_scheduler_option, number_in

__all__ = ["add_optimize_command"]


def add_optimize_command(sub) -> None:
    """Register optimize on the ``planlab`` sub-command parser."""
    p = sub.add_parser(
        "optimize", help="choose targets and plan shape with the optimiser, explain, check"
    )
    p.add_argument("scenario", help="scenario TOML file (its [optimize] table sets the levers)")
    p.add_argument("--solver", choices=("cbc", "highs"), help="MILP solver (default: cbc)")
    p.add_argument(
        "--time-limit",
        type=number_in(0),
        metavar="SECONDS",
        help="wall-clock limit of the whole optimisation and its check: tabulation may use "
        "half, the solves share the rest (each also stops at optimize.solver.time_limit), "
        "and the check simulation stops when it is spent (exit 1, nothing written) "
        "(default: no limit)",
    )
    p.add_argument(
        "--gap",
        type=number_in(0, 1, low_included=True),
        help="relative optimality gap to stop at (default: 0.001)",
    )
    add_output_options(
        p,
        "out/<scenario file>_optimised",
        "trials of the check simulation of the optimised plan (default: 1,000)",
        min_trials=10,
        trials_default=1_000,
    )
    add_scheduler_option(p)
    p.set_defaults(func="planlab.optimize.command:cmd_optimize")
