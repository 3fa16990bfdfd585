"""``planlab calibrate``: fit the fast engine to the pipeline or a CRM export, on disk.

Writes DIR/calibrated.toml (a scenario extending the original with the fitted
``[market]``), DIR/calibration.csv (each parameter before and after), with
``--check`` DIR/check.csv (both engines side by side) and, when
``--drop-bad-rows`` left rows of the export out, DIR/dropped_rows.csv, all at
once. The export is read as the scenario's ``[opportunities]`` table says;
what was detected and inferred is said on standard error, and the warnings
head calibrated.toml.
"""

from __future__ import annotations

import os
from pathlib import Path

import tomli_w

from sim import calibration as C
from sim import load_scenario
from sim.opportunities import load_opportunities

from ..kit.data_notes import dropped_rows, say_data_notes
from ..kit.files import check_out, run_inputs, to_csv, write_files
from ..kit.memory import check_run_memory
from ..kit.options import EXIT_OK, Progress
from ..kit.terminal import text_table

__all__ = ["calibrate", "cmd_calibrate"]


def calibrate(args) -> Path:
    """Run the ``calibrate`` command for parsed ``args``; return the output directory."""
    path = Path(args.scenario)
    scenario = load_scenario(path)
    if not args.export:
        check_run_memory(
            args,
            scenario,
            path,
            trials=args.replications,
            engine="pipeline",
            trials_key="--replications",
        )
    out = Path(args.out) if args.out else Path("out") / f"{path.stem}_calibrated"
    inputs = run_inputs(scenario, args.export)
    check_out(out, args.force, inputs)
    progress = Progress(quiet=args.quiet)
    warnings: tuple[str, ...] = ()
    with progress.step("fitting the market"):
        if args.export:
            drop = getattr(args, "drop_bad_rows", False)
            export = load_opportunities(args.export, scenario.opportunities, drop_bad_rows=drop)
            cal = C.calibrate_to_export(scenario, export.table, seed=args.seed)
            warnings = (*export.warnings, *cal.warnings)
        else:  # replications far from those ``simulate`` runs, so a check is out of sample
            cal = C.calibrate_to_pipeline(scenario, args.replications, args.seed, first=10**9)
    if args.export:
        rows = len({(p.origin, p.row) for p in export.dropped})
        say_data_notes(export.notes, warnings, rows, args.quiet)
    rel = os.path.relpath(path.resolve(), out.resolve())
    doc = {"extends": Path(rel).as_posix(), "market": C.market_overrides(scenario, cal.scenario)}
    source = args.export or f"the pipeline engine, {args.replications} replications"
    doc["scenario"] = {"name": f"{scenario.name} (calibrated)", "description": f"Fit to {source}"}
    check = None
    if args.check:  # the calibrated fast engine against the pipeline, on the same team
        with progress.step("checking the calibrated engine against the pipeline"):
            check = C.compare_engines(cal.scenario, scenario, args.check, args.seed)

    said = "".join(f"# warning: {w}\n" for w in warnings)
    files = {"calibrated.toml": said + tomli_w.dumps(doc), "calibration.csv": to_csv(cal.table)}
    if check is not None:
        files["check.csv"] = to_csv(check)
    if args.export and export.dropped:
        files["dropped_rows.csv"] = to_csv(dropped_rows(export.dropped))
    write_files(out, files, args.force, inputs)
    if not args.quiet:
        for table in (cal.table, check):
            if table is not None:
                print(_text(table))
        if check is not None:
            print(check_verdict(check, args.check))
        print(f"wrote {out}/calibrated.toml, calibration.csv{', check.csv' * bool(args.check)}")
    return out


#: The calibrated engine passes --check when every figure is within this of the pipeline's.
CHECK_TOLERANCE = 0.10


def _text(table) -> str:
    """A calibration table for the terminal: thousands separators, shares as percentages."""
    rows = [[str(i), *r] for i, r in zip(table.index, table.to_numpy().tolist(), strict=True)]
    kinds = ["text", *("percent" if c == "difference" else "number" for c in table.columns)]
    return text_table(rows, [str(table.index.name or ""), *map(str, table.columns)], kinds)


def check_verdict(check, replications: int) -> str:
    """One line: does the calibrated fast engine reproduce the pipeline's figures (on
    ``replications`` pipeline replications, so a small check is a noisy one)?"""
    off = check[check["difference"].abs() > CHECK_TOLERANCE]
    if off.empty:
        worst = check["difference"].abs().max()
        return (
            f"verdict: PASS, every figure within {CHECK_TOLERANCE:.0%} of the pipeline's "
            f"(largest difference {worst:.1%}; {replications:,} replications)"
        )
    names = ", ".join(f"{i} ({d:+.1%})" for i, d in off["difference"].items())
    return (
        f"verdict: FAIL, more than {CHECK_TOLERANCE:.0%} from the pipeline on {names} "
        f"({replications:,} replications)"
    )


def cmd_calibrate(args, argv) -> int:
    calibrate(args)
    return EXIT_OK
