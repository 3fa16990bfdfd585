"""The ``planlab`` command line: simulate, compare, optimize, validate, demo;
review, checkin, history.

Bad input exits with code 2 and a message naming the file and the key or row;
no traceback, and nothing is written.
"""

from __future__ import annotations

import argparse
import sys
import time
from importlib import resources
from pathlib import Path

import pandas as pd

from sim import ScenarioError, load_scenario, simulate
from sim import metrics as M

from .export import OutputExists, check_out, write_files
from .review_cli import add_review_commands
from .schema_cli import add_schema_command

__all__ = ["main"]

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A user mistake on the command line (exit code 2)."""


def _whole(minimum: int, maximum: int | None = None):
    """An argparse type: a whole number of at least ``minimum`` (and at most ``maximum``)."""

    def parse(text: str) -> int:
        try:
            n = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if n < minimum or (maximum is not None and n > maximum):
            top = f" and at most {maximum:,}" if maximum is not None else ""
            raise argparse.ArgumentTypeError(f"must be at least {minimum}{top}, got {n}")
        return n

    return parse


def _number(low: float, high: float | None = None, low_included: bool = False):
    """An argparse type: a number above ``low`` (or at least it) and below ``high``."""

    def parse(text: str) -> float:
        try:
            x = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        above = x >= low if low_included else x > low
        if not above or (high is not None and not x < high):
            floor = f"at least {low:g}" if low_included else f"above {low:g}"
            top = f" and below {high:g}" if high is not None else ""
            raise argparse.ArgumentTypeError(f"must be {floor}{top}, got {text}")
        return x

    return parse


class Progress:
    """A progress bar on stderr, shown only once a run has taken a couple of seconds."""

    def __init__(self, quiet: bool = False, after: float = 2.0, stream=None):
        self.start = time.perf_counter()
        self.quiet, self.after = quiet, after
        self.stream = stream or sys.stderr
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if self.quiet or time.perf_counter() - self.start < self.after:
            return
        width = 30
        filled = int(width * done / total)
        self.stream.write(
            f"\rsimulating [{'#' * filled}{'.' * (width - filled)}] {done}/{total} chunks"
        )
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()


def _print_summary(result, out: Path) -> None:
    table = M.summary_table(result)
    show = pd.DataFrame(
        {
            "revenue": table["revenue_expected"].map(lambda x: f"{x / 1e6:,.2f}M"),
            "incentive": table["incentive_cost_expected"].map(lambda x: f"{x / 1e6:,.2f}M"),
            "incentive P90": table["incentive_cost_p90"].map(lambda x: f"{x / 1e6:,.2f}M"),
            "cost of sales": table["cost_of_sales"].map(lambda x: f"{x:.2%}"),
            "at target": table.filter(like="share_at_target_").iloc[:, 0].map(lambda x: f"{x:.0%}"),
            "pay-for-perf": table["pay_for_performance"].map(lambda x: f"{x:.2f}"),
        }
    )
    print(
        f"{result.scenario.name}: {result.population.size} reps, {result.trials} trials, "
        f"seed {result.seed}"
    )
    print(show.to_string())
    print(f"wrote {out}/summary.json, manifest.json, reps.csv, report.html")
    if (out / "workbook.xlsx").exists():
        print(f"wrote {out}/workbook.xlsx")


def check_variants(scenario_path: Path, scenario, variants) -> None:
    """Every named variant exists in the scenario (else a UsageError naming it)."""
    unknown = [v for v in variants or () if v != "base" and v not in scenario.variants]
    if unknown:
        known = ", ".join(scenario.variants) or "none"
        raise UsageError(
            f"{scenario_path}: unknown variant {unknown[0]!r}; the scenario's variants: {known}"
        )


def _run(scenario_path: Path, args, argv) -> int:
    from .run_files import run_files

    scenario = load_scenario(scenario_path)
    variants = args.variant
    check_variants(scenario_path, scenario, variants)
    out = Path(args.out) if args.out else Path("out") / scenario_path.stem
    check_out(out, args.force)
    progress = Progress(quiet=args.quiet)
    try:
        engine = getattr(args, "engine", "montecarlo")
        result = simulate(
            scenario, variants, trials=args.trials, seed=args.seed, progress=progress, engine=engine
        )
    finally:
        progress.close()
    files = run_files(result, argv)
    if args.xlsx:
        from .excel import run_sheets, workbook_bytes
        from .narrative import summary_lines

        files["workbook.xlsx"] = workbook_bytes(run_sheets(result, summary_lines(result)))
    write_files(out, files, args.force)
    if not args.quiet:
        _print_summary(result, out)
    return EXIT_OK


def cmd_simulate(args, argv) -> int:
    return _run(Path(args.scenario), args, argv)


def cmd_demo(args, argv) -> int:
    demo = resources.files("planlab") / "data" / "demo.toml"
    with resources.as_file(demo) as path:
        if args.out is None:
            args.out = "out/demo"
        return _run(Path(path), args, argv)


def cmd_validate(args, argv) -> int:
    scenario = load_scenario(args.scenario)
    from sim.optimize_spec import check_optimize
    from sim.run import check_roster_targets, make_population

    population = make_population(scenario)  # reads the roster
    check_roster_targets(scenario, population)
    # The optimiser's team numbers against the roster's teams (a generated team's are
    # checked when the scenario is read).
    check_optimize(
        scenario.optimize, scenario.plan, scenario.team, args.scenario, population.team_names
    )
    names = ", ".join(scenario.variants) or "no variants"
    print(
        f"{args.scenario}: OK — {scenario.name}; base plan {scenario.plan.name!r} on "
        f"{', '.join(scenario.plan.measure_ids)}; {names}"
    )
    return EXIT_OK


def cmd_calibrate(args, argv) -> int:
    from .calibrate import calibrate

    calibrate(args)
    return EXIT_OK


def cmd_optimize(args, argv) -> int:
    from optimize.run import optimize_plan
    from optimize.solve import SolverMissing
    from optimize.verify import verify

    from .optimize_files import optimisation_lines, optimize_files

    path = Path(args.scenario)
    scenario = load_scenario(path)
    out = Path(args.out) if args.out else Path("out") / f"{path.stem}_optimised"
    check_out(out, args.force)
    say = (lambda *_: None) if args.quiet else (lambda msg: print(msg, file=sys.stderr))
    try:
        opt = optimize_plan(
            scenario,
            solver=args.solver,
            time_limit=args.time_limit,
            gap=args.gap,
            seed=args.seed,
            progress=say,
        )
    except SolverMissing as exc:
        raise UsageError(str(exc)) from None
    result = check = None
    if opt.plan is not None:
        say(f"simulating the optimised plan beside the base plan ({args.trials:,} trials)")
        result, check = verify(opt, trials=args.trials)
    files = optimize_files(opt, out, result, check, argv)
    write_files(out, files, args.force)
    if not args.quiet:
        for line in optimisation_lines(opt, check):
            print(f"- {line}")
        print(f"wrote {out}/: {', '.join(sorted(files))}")
    return EXIT_OK if opt.feasible else EXIT_ERROR


def add_output_options(
    p: argparse.ArgumentParser,
    out_help: str,
    trials_help: str = "number of simulated years (trials)",
    min_trials: int = 1,
    trials_default: int | None = None,
) -> None:
    """The options every run shares: trials, seed, output directory, --force, --quiet."""
    p.add_argument(
        "--trials", type=_whole(min_trials, 10_000_000), default=trials_default, help=trials_help
    )
    p.add_argument("--seed", type=_whole(0), help="random seed (default: the scenario's)")
    p.add_argument("--out", metavar="DIR", help=f"output directory (default: {out_help})")
    p.add_argument("--force", action="store_true", help="replace an existing output directory")
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")


def _add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--variant",
        action="append",
        metavar="NAME",
        help="plan variant to simulate beside the base (repeatable; default: all)",
    )
    add_output_options(p, "out/<scenario name>")
    p.add_argument("--xlsx", action="store_true", help="also write the tables as workbook.xlsx")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="planlab",
        description="Design, simulate and compare sales incentive plans for key-account teams.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("simulate", help="simulate a scenario's plans and write a report")
    p.add_argument("scenario", help="scenario TOML file")
    _add_run_options(p)
    p.add_argument(
        "--engine",
        choices=("montecarlo", "pipeline"),
        default="montecarlo",
        help="montecarlo (fast, default) or pipeline (SimPy deals, stages, renewals, capacity)",
    )
    p.set_defaults(func=cmd_simulate)
    from .compare_run import add_compare_parser

    add_compare_parser(sub)
    p = sub.add_parser("demo", help="simulate the bundled key-account demo scenario")
    _add_run_options(p)
    p.set_defaults(func=cmd_demo)
    p = sub.add_parser(
        "optimize", help="choose targets and plan shape with the optimiser, explain, check"
    )
    p.add_argument("scenario", help="scenario TOML file (its [optimize] table sets the levers)")
    p.add_argument("--solver", choices=("cbc", "highs"), help="MILP solver (default: cbc)")
    p.add_argument(
        "--time-limit", type=_number(0), metavar="SECONDS", help="wall-clock limit per solve"
    )
    p.add_argument(
        "--gap",
        type=_number(0, 1, low_included=True),
        help="relative optimality gap to stop at (default 0.001)",
    )
    add_output_options(
        p,
        "out/<scenario file>_optimised",
        "trials of the check simulation of the optimised plan (default 1,000)",
        min_trials=10,
        trials_default=1_000,
    )
    p.set_defaults(func=cmd_optimize)
    p = sub.add_parser("calibrate", help="fit the Monte Carlo market to the pipeline or an export")
    p.add_argument("scenario", help="scenario TOML file")
    p.add_argument("--export", metavar="CSV", help="CRM opportunity export (default: pipeline)")
    p.add_argument("--replications", type=_whole(1, 100_000), default=200)
    p.add_argument(
        "--check",
        type=_whole(0, 100_000),
        default=0,
        metavar="TRIALS",
        help="compare the calibrated engine with the pipeline on TRIALS replications",
    )
    p.add_argument("--seed", type=_whole(0), help="random seed (default: the scenario's)")
    p.add_argument("--out", required=True, metavar="DIR", help="output directory")
    p.add_argument("--force", action="store_true", help="replace an existing output directory")
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")
    p.set_defaults(func=cmd_calibrate)
    p = sub.add_parser("validate", help="check a scenario file without running it")
    p.add_argument("scenario", help="scenario TOML file")
    p.set_defaults(func=cmd_validate)
    add_review_commands(sub, _whole)
    add_schema_command(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``planlab`` console script; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    try:
        return args.func(args, ["planlab", *argv])
    except (ScenarioError, OutputExists, UsageError) as exc:
        print(f"planlab: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # output piped into a pager or head that stopped reading
        sys.stderr.close()
        return EXIT_OK
    except KeyboardInterrupt:
        print("planlab: interrupted; nothing was written", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
