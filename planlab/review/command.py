"""``planlab review``, ``planlab checkin`` and ``planlab history``.

Bad actuals stop with exit code 2 and a message naming the file, row and
column; nothing is computed, recorded or written unless ``--drop-bad-rows``
is given (then the report lists the rows left out). A history version is
committed only once the output files are written.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from sim import ScenarioError, load_scenario
from sim.actuals import load_actuals

from ..kit.files import check_out, write_files
from .history import list_records, record, store_url

__all__ = ["cmd_checkin", "cmd_history", "cmd_review"]


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

    from .files import review_files, review_record
    from .next_period import next_period_lines

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

    from .files import checkin_files, checkin_record

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
