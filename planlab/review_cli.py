"""``planlab review``, ``planlab checkin`` and ``planlab history``.

Bad actuals stop with exit code 2 and a message naming the file, row and
column; nothing is computed, recorded or written unless ``--drop-bad-rows``
is given (then the report lists the rows left out).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from sim import ScenarioError, load_scenario
from sim.actuals import load_actuals

from .export import OutputExists, write_atomic
from .history import DEFAULT_STORE, list_records, record

__all__ = ["add_review_commands"]


def _load(args):
    scenario = load_scenario(args.scenario)
    source = args.actuals or scenario.actuals.source
    if source is None:
        raise ScenarioError(
            f"{args.scenario}: no actuals: give --actuals SOURCE or set [actuals] source"
        )
    actuals = load_actuals(
        scenario, source, drop_bad_rows=args.drop_bad_rows, table=args.table, query=args.query
    )
    return scenario, actuals, str(source)


def _out(args, default: str) -> Path:
    out = Path(args.out) if args.out else Path("out") / default
    if out.exists() and not args.force:
        raise OutputExists(f"{out}: output directory exists; choose another --out or add --force")
    return out


def _write(out: Path, files: dict[str, str], force: bool) -> None:
    def write(tmp: Path) -> None:
        for name, text in files.items():
            (tmp / name).write_text(text, encoding="utf-8")

    write_atomic(out, write, force=force)


def _say(args, text: str) -> None:
    if not args.quiet:
        print(text)


def cmd_review(args, argv) -> int:
    from sim.review import annual_review

    from .review_files import review_files, review_record

    scenario, actuals, source = _load(args)
    out = _out(args, f"{Path(args.scenario).stem}_review")
    result = annual_review(scenario, actuals, trials=args.trials, seed=args.seed)
    version = None if args.no_history else record(review_record(result, source), args.store)
    _write(out, review_files(result, version, argv), args.force)
    rv = result.review
    _say(args, f"{scenario.name}: review of {rv.year.label}, {rv.population.size} reps")
    for line in result.findings:
        _say(args, f"- {line}")
    where = "" if version is None else f"; history version {version} in {args.store}"
    _say(args, f"wrote {out}/report.html, reps.csv, calibrated_scenario.toml, ...{where}")
    return 0


def cmd_checkin(args, argv) -> int:
    from sim.review import check_in

    from .review_files import checkin_files, checkin_record

    scenario, actuals, source = _load(args)
    out = _out(args, f"{Path(args.scenario).stem}_checkin")
    result = check_in(scenario, actuals, trials=args.trials, seed=args.seed)
    version = (
        None if args.no_history else record(checkin_record(result, scenario, source), args.store)
    )
    _write(out, checkin_files(result, actuals, version, argv), args.force)
    _say(args, f"{scenario.name}: check-in of {result.year} after {result.months_observed} months")
    for line in result.findings():
        _say(args, f"- {line}")
    _say(args, f"wrote {out}/report.html, reps.csv, options.csv, summary.json")
    return 0


def cmd_history(args, argv) -> int:
    url = args.store
    if "://" not in url and not Path(url).exists():
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
    p.add_argument("--trials", type=whole(1, 1_000_000), help="simulated years per step")
    p.add_argument("--seed", type=whole(0), help="random seed (default: the scenario's)")
    p.add_argument("--out", metavar="DIR", help="output directory")
    p.add_argument("--force", action="store_true", help="replace an existing output directory")
    p.add_argument("--store", default=DEFAULT_STORE, help="history store: SQLite file or URL")
    p.add_argument("--no-history", action="store_true", help="do not record in the history")
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")


def add_review_commands(sub, whole) -> None:
    """Register review, checkin and history on the ``planlab`` sub-command parser."""
    p = sub.add_parser("review", help="review last year's plan against its actuals")
    _common(p, whole)
    p.set_defaults(func=cmd_review)
    p = sub.add_parser("checkin", help="mid-period check-in: simulate the rest of the year")
    _common(p, whole)
    p.set_defaults(func=cmd_checkin)
    p = sub.add_parser("history", help="list the reviews and check-ins recorded")
    p.add_argument("--store", default=DEFAULT_STORE, help="history store: SQLite file or URL")
    p.add_argument("--scenario", help="only this scenario's versions")
    p.set_defaults(func=cmd_history)
