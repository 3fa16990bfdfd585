"""Command-line options of ``planlab review``, ``checkin`` and ``history``."""

from __future__ import annotations

import argparse

from ..kit.options import add_memory_option, whole_number

__all__ = ["DEFAULT_STORE", "LOCK_TIMEOUT", "add_review_commands"]

#: Where reviews are recorded unless --store or $PLANLAB_HISTORY says otherwise.
DEFAULT_STORE = "planlab_history.sqlite"

#: Seconds a review waits for another process's lock on the history store.
LOCK_TIMEOUT = 30.0


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", help="scenario TOML file (its [actuals] table maps the columns)")
    add_memory_option(p)
    p.add_argument(
        "--actuals",
        metavar="SOURCE",
        help=".csv, .xlsx or .parquet file, or a SQLAlchemy URL (default: [actuals] source)",
    )
    q = p.add_mutually_exclusive_group()
    q.add_argument("--table", help="SQL table to read the actuals from (with a URL)")
    q.add_argument("--query", help="SQL query to read the actuals with (with a URL)")
    p.add_argument(
        "--drop-bad-rows",
        action="store_true",
        help="leave out bad rows (the report lists them) instead of stopping",
    )
    p.add_argument(
        "--opportunities",
        metavar="CSV",
        help="CRM opportunity export: each rep-month's deals are taken from its won "
        "opportunities (then the actuals need only reps, months, targets and payouts)",
    )
    p.add_argument(
        "--trials",
        type=whole_number(1, 1_000_000),
        help="simulated years per step (default: the scenario's)",
    )
    p.add_argument("--seed", type=whole_number(0), help="random seed (default: the scenario's)")
    p.add_argument(
        "--out",
        metavar="DIR",
        help="output directory (default: out/<scenario file>_review or _checkin)",
    )
    p.add_argument("--force", action="store_true", help="replace an existing output directory")
    p.add_argument(
        "--store",
        help=f"history store: SQLite file or URL (default: $PLANLAB_HISTORY or {DEFAULT_STORE})",
    )
    p.add_argument("--no-history", action="store_true", help="do not record in the history")
    p.add_argument(
        "--lock-timeout",
        type=_amount,
        default=LOCK_TIMEOUT,
        metavar="SECONDS",
        help="how long to wait while another process holds the history store's lock",
    )
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")


def _amount(text: str) -> float:
    """An argparse type: an amount > 0 (``86e6`` and ``86_000_000`` read too)."""
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not x > 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return x


def _next_period_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group(
        "next period's targets",
        "re-optimised on the calibrated model one year on; the [optimize] table of the "
        "scenario sets the company number, limits and menu",
    )
    what = g.add_mutually_exclusive_group()
    what.add_argument(
        "--targets-only",
        action="store_true",
        help="keep last period's plan shape (weights and curves); re-set only targets",
    )
    what.add_argument(
        "--no-optimize", action="store_true", help="review only; do not re-set next period"
    )
    g.add_argument(
        "--company-number",
        type=_amount,
        metavar="AMOUNT",
        help="next period's company number: the primary targets add up to it "
        "(default: optimize.constraints.company_number)",
    )
    g.add_argument(
        "--ratchet",
        type=_amount,
        metavar="SHARE",
        help="largest change of a rep's target on last period's actual target, e.g. 0.15 "
        "(default: optimize.constraints.ratchet)",
    )
    g.add_argument("--solver", choices=("cbc", "highs"), help="MILP solver (default: cbc)")
    g.add_argument(
        "--time-limit",
        type=_amount,
        metavar="SECONDS",
        help="wall-clock limit of the re-optimisation: tabulation may use half, the solves "
        "share the rest (each also stops at optimize.solver.time_limit) (default: no limit)",
    )


def add_review_commands(sub) -> None:
    """Register review, checkin and history on the ``planlab`` sub-command parser."""
    p = sub.add_parser(
        "review", help="review last year's plan against its actuals; re-set next period's targets"
    )
    _common(p)
    _next_period_options(p)
    p.set_defaults(func="planlab.review.command:cmd_review")
    p = sub.add_parser("checkin", help="mid-period check-in: simulate the rest of the year")
    _common(p)
    p.set_defaults(func="planlab.review.command:cmd_checkin")
    p = sub.add_parser(
        "history",
        help="the plan versions recorded: list them, show one, or diff two",
        description="planlab history               list every version recorded\n"
        "planlab history show N        one version in full\n"
        "planlab history diff N M      what changed from version N to M "
        "(targets, weights, curves, assumptions)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("action", nargs="?", choices=("list", "show", "diff"), default="list")
    p.add_argument("versions", nargs="*", type=whole_number(1), metavar="N")
    p.add_argument(
        "--store",
        help=f"history store: SQLite file or URL (default: $PLANLAB_HISTORY or {DEFAULT_STORE})",
    )
    p.add_argument("--scenario", help="the scenario whose versions to use (default: the only one)")
    p.set_defaults(func="planlab.review.command:cmd_history")
