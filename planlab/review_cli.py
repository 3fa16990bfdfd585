"""``planlab review``, ``planlab checkin`` and ``planlab history``.

Bad actuals stop with exit code 2 and a message naming the file, row and
column; nothing is computed, recorded or written unless ``--drop-bad-rows``
is given (then the report lists the rows left out). A history version is
committed only once the output files are written.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from sim import ScenarioError, load_scenario
from sim.actuals import load_actuals

from .data_notes import say_data_notes
from .export import check_out, write_files
from .history import DEFAULT_STORE, list_records, record, store_url

__all__ = ["add_review_commands"]


def _load(args):
    scenario = load_scenario(args.scenario)
    source = args.actuals or scenario.actuals.source
    if source is None:
        raise ScenarioError(
            f"{args.scenario}: no actuals: give --actuals SOURCE or set [actuals] source"
        )
    actuals = load_actuals(
        scenario,
        source,
        drop_bad_rows=args.drop_bad_rows,
        table=args.table,
        query=args.query,
        opportunities=args.opportunities,
    )
    say_data_notes(actuals.notes, actuals.warnings, len(actuals.dropped), args.quiet)
    return scenario, actuals, str(source)


def _out(args, default: str) -> Path:
    out = Path(args.out) if args.out else Path("out") / default
    check_out(out, args.force)
    return out


def _record_and_write(args, out: Path, rec, files: Callable[[int | None], dict]) -> int | None:
    """Write the files (naming their history version) and record the version, so
    that a version exists only with its files: the record commits after the write,
    and the files are removed again if the commit fails."""
    if args.no_history:
        write_files(out, files(None), args.force)
        return None
    written = []

    def write(version: int) -> None:
        write_files(out, files(version), args.force)
        written.append(out)

    try:
        return record(rec, args.store, then=write)
    except BaseException:
        if written:  # the files were written but the version was not committed
            shutil.rmtree(out, ignore_errors=True)
        raise


def _say(args, text: str) -> None:
    if not args.quiet:
        print(text)


def _next_period(args, result):
    """Re-optimise next period's targets on the review's calibrated model."""
    from optimize.next_period import next_period_plan
    from optimize.solve import SolverMissing

    progress = None if args.quiet else (lambda msg: print(msg, file=sys.stderr))
    try:
        return next_period_plan(
            result.review,
            company_number=args.company_number,
            ratchet=args.ratchet,
            targets_only=args.targets_only,
            trials=args.trials,
            seed=args.seed,
            solver=args.solver,
            time_limit=args.time_limit,
            progress=progress,
        )
    except SolverMissing as exc:  # only a missing solver is the user's to fix
        raise ScenarioError(str(exc)) from None


def cmd_review(args, argv) -> int:
    from sim.review import annual_review

    from .next_period_files import next_period_lines
    from .review_files import review_files, review_record

    scenario, actuals, source = _load(args)
    out = _out(args, f"{Path(args.scenario).stem}_review")
    result = annual_review(scenario, actuals, trials=args.trials, seed=args.seed)
    nxt = None if args.no_optimize else _next_period(args, result)
    version = _record_and_write(
        args,
        out,
        review_record(result, source, nxt),
        lambda v: review_files(result, v, argv, nxt),
    )
    rv = result.review
    _say(args, f"{scenario.name}: review of {rv.year.label}, {rv.population.size} reps")
    for line in result.findings:
        _say(args, f"- {line}")
    if nxt is not None:
        _say(args, f"Next period ({nxt.label}):")
        for line in next_period_lines(nxt):
            _say(args, f"- {line}")
    where = "" if version is None else f"; history version {version} in {store_url(args.store)}"
    new = ", next_plan.toml, targets.csv" if nxt is not None and nxt.feasible else ""
    _say(args, f"wrote {out}/report.html, review.xlsx, calibrated_scenario.toml{new}, ...{where}")
    return 1 if nxt is not None and not nxt.feasible else 0


def cmd_checkin(args, argv) -> int:
    from sim.review import check_in

    from .review_files import checkin_files, checkin_record

    scenario, actuals, source = _load(args)
    out = _out(args, f"{Path(args.scenario).stem}_checkin")
    result = check_in(scenario, actuals, trials=args.trials, seed=args.seed)
    version = _record_and_write(
        args,
        out,
        checkin_record(result, scenario, source),
        lambda v: checkin_files(result, actuals, v, argv),
    )
    _say(args, f"{scenario.name}: check-in of {result.year} after {result.months_observed} months")
    for line in result.findings():
        _say(args, f"- {line}")
    where = "" if version is None else f"; history version {version} in {store_url(args.store)}"
    _say(args, f"wrote {out}/report.html, reps.csv, options.csv, summary.json{where}")
    return 0


def cmd_history(args, argv) -> int:
    url = store_url(args.store)
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        print(f"no reviews recorded yet in {url}")
        return 0
    table = list_records(url, args.scenario)
    if table.empty:
        print(f"no reviews recorded yet in {url}")
        return 0
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(table.to_string(index=False))
    return 0


def _common(p: argparse.ArgumentParser, whole) -> None:
    p.add_argument("scenario", help="scenario TOML file (its [actuals] table maps the columns)")
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
    p.add_argument("--trials", type=whole(1, 1_000_000), help="simulated years per step")
    p.add_argument("--seed", type=whole(0), help="random seed (default: the scenario's)")
    p.add_argument("--out", metavar="DIR", help="output directory")
    p.add_argument("--force", action="store_true", help="replace an existing output directory")
    p.add_argument(
        "--store",
        help=f"history store: SQLite file or URL (default: $PLANLAB_HISTORY or {DEFAULT_STORE})",
    )
    p.add_argument("--no-history", action="store_true", help="do not record in the history")
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
        "--time-limit", type=_amount, metavar="SECONDS", help="wall-clock limit per solve"
    )


def add_review_commands(sub, whole) -> None:
    """Register review, checkin and history on the ``planlab`` sub-command parser."""
    p = sub.add_parser(
        "review", help="review last year's plan against its actuals; re-set next period's targets"
    )
    _common(p, whole)
    _next_period_options(p)
    p.set_defaults(func=cmd_review)
    p = sub.add_parser("checkin", help="mid-period check-in: simulate the rest of the year")
    _common(p, whole)
    p.set_defaults(func=cmd_checkin)
    p = sub.add_parser("history", help="list the reviews and check-ins recorded")
    p.add_argument(
        "--store",
        help=f"history store: SQLite file or URL (default: $PLANLAB_HISTORY or {DEFAULT_STORE})",
    )
    p.add_argument("--scenario", help="only this scenario's versions")
    p.set_defaults(func=cmd_history)
