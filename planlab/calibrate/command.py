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
from ..kit.files import check_out, to_csv, write_files
from ..kit.options import EXIT_OK, Progress

__all__ = ["calibrate", "cmd_calibrate"]


def calibrate(args) -> Path:
    """Run the ``calibrate`` command for parsed ``args``; return the output directory."""
    path = Path(args.scenario)
    scenario = load_scenario(path)
    out = Path(args.out) if args.out else Path("out") / f"{path.stem}_calibrated"
    check_out(out, args.force)
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
        say_data_notes(export.notes, warnings, len(export.dropped), args.quiet)
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
    write_files(out, files, args.force)
    if not args.quiet:
        for table in (cal.table, check):
            if table is not None:
                print(table.to_string(float_format=lambda x: f"{x:,.4g}"))
        print(f"wrote {out}/calibrated.toml, calibration.csv{', check.csv' * bool(args.check)}")
    return out


def cmd_calibrate(args, argv) -> int:
    calibrate(args)
    return EXIT_OK
