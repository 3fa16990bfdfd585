"""``planlab review``, ``planlab checkin`` and ``planlab history``.

Bad actuals stop with exit code 2 and a message naming the file, row and
column; nothing is computed, recorded or written unless ``--drop-bad-rows``
is given (then the report lists the rows left out). A history version and its
output directory are one unit (see :mod:`planlab.review.history`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from optimize.budget import OutOfTime
from optimize.next_period import next_period_plan
from optimize.solve import SolverMissing
from optimize.tabulate import tabulation_trials
from sim import ScenarioError, load_scenario
from sim.actuals import load_actuals
from sim.review import annual_review, check_in

from ..kit.data_notes import say_data_notes
from ..kit.files import check_out, file_writer, run_inputs, write_files
from ..kit.memory import check_run_memory
from ..kit.options import Progress, UsageError
from ..kit.output_dir import stage
from .files import checkin_files, checkin_record, review_files, review_record
from .history import LOCK_TIMEOUT, commit, list_records, release, reserve, store_url
from .history_view import diff_lines, history_table, read_version, show_lines
from .next_period import next_period_lines

__all__ = ["cmd_checkin", "cmd_history", "cmd_review"]


def _load(args, checkin: bool = False):
    scenario = load_scenario(args.scenario)
    if checkin:  # the rest of the year, every monthly array kept
        trials = args.trials or scenario.checkin.trials
        check_run_memory(args, scenario, args.scenario, trials=trials, rep_years=True)
    else:  # the fit and the design simulations keep their rep-years; then the optimiser
        tables = None if args.no_optimize else tabulation_trials(scenario, scenario.optimize)
        check_run_memory(
            args,
            scenario,
            args.scenario,
            trials=args.trials,
            plans=2,
            rep_years=True,
            optimize_trials=tables,
        )
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


def _out(args, default: str, inputs: tuple[Path, ...]) -> Path:
    out = Path(args.out) if args.out else Path("out") / default
    check_out(out, args.force, inputs)
    return out


def _inputs(args, scenario) -> tuple[Path, ...]:
    """The files this run reads, which ``--force`` never replaces."""
    return run_inputs(scenario, args.actuals, args.opportunities)


def _record_and_write(
    args, out: Path, rec, files: Callable[[int | None], dict], inputs: tuple[Path, ...]
) -> int | None:
    """Write the files (naming their history version) and record the version as one
    unit: the number is reserved, the files are written aside with the store
    unlocked, then the version is recorded and the files put in place together."""
    if args.no_history:
        write_files(out, files(None), args.force, inputs)
        return None
    url = store_url(args.store)
    local = Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None
    new_store = local is not None and not local.exists()
    timeout = getattr(args, "lock_timeout", LOCK_TIMEOUT)
    version = reserve(rec, args.store, out, lock_timeout=timeout)
    if new_store:
        _say(
            args,
            f"started the plan history in {local.resolve()} (set --store or $PLANLAB_HISTORY to keep it elsewhere)",
        )
    try:
        about = {"history": {"scenario": rec.scenario, "version": version}}
        staged = stage(out, file_writer(files(version)), args.force, inputs, about=about)
        try:
            commit(rec.scenario, version, args.store, staged, lock_timeout=timeout)
        except BaseException:
            staged.discard()
            raise
    except BaseException:
        release(rec.scenario, version, args.store)
        raise
    return version


def _say(args, text: str) -> None:
    if not args.quiet:
        print(text)


def _next_period(args, result, progress):
    """Re-optimise next period's targets on the review's calibrated model."""
    try:
        return next_period_plan(
            result.review,
            company_number=args.company_number,
            ratchet=args.ratchet,
            targets_only=args.targets_only,
            trials=args.trials,
            seed=args.seed,
            solver=args.solver,
            budget=args.time_limit,
            progress=progress,
        )
    except SolverMissing as exc:  # only a missing solver is the user's to fix
        raise ScenarioError(str(exc)) from None


def cmd_review(args, argv) -> int:
    scenario, actuals, source = _load(args)
    inputs = _inputs(args, scenario)
    out = _out(args, f"{Path(args.scenario).stem}_review", inputs)
    progress = Progress(quiet=args.quiet)
    with progress.step("reviewing last year (calibration, fit, design against reality)"):
        result = annual_review(scenario, actuals, trials=args.trials, seed=args.seed)
    nxt = None
    if not args.no_optimize:
        try:
            with progress.step("re-setting next period's targets") as tick:
                nxt = _next_period(args, result, tick)
        except OutOfTime as exc:  # the machine's speed, not the input: exit 1
            print(
                f"planlab: {exc}, or review with --no-optimize; nothing was written",
                file=sys.stderr,
            )
            return 1
    with progress.step("writing the report and recording the version"):
        version = _record_and_write(
            args,
            out,
            review_record(result, source, nxt),
            lambda v: review_files(result, v, argv, nxt),
            inputs,
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
    scenario, actuals, source = _load(args, checkin=True)
    inputs = _inputs(args, scenario)
    out = _out(args, f"{Path(args.scenario).stem}_checkin", inputs)
    progress = Progress(quiet=args.quiet)
    with progress.step("simulating the rest of the year"):
        result = check_in(scenario, actuals, trials=args.trials, seed=args.seed)
    with progress.step("writing the report and recording the version"):
        version = _record_and_write(
            args,
            out,
            checkin_record(result, scenario, source),
            lambda v: checkin_files(result, actuals, v, argv),
            inputs,
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
    wanted = {"list": 0, "show": 1, "diff": 2}[args.action]
    if len(args.versions) != wanted:
        raise UsageError(
            f"history {args.action} takes {wanted} version number(s), got {len(args.versions)}"
        )
    if args.action == "show":
        rec = read_version(args.store, args.scenario, args.versions[0])
        print("\n".join(show_lines(rec)))
        return 0
    if args.action == "diff":
        a, b = (read_version(args.store, args.scenario, v) for v in args.versions)
        print("\n".join(diff_lines(a, b)))
        return 0
    table = list_records(url, args.scenario)
    if table.empty:
        print(f"no reviews recorded yet in {url}")
        return 0
    print(f"plan history in {url}")
    print(history_table(table))
    return 0
