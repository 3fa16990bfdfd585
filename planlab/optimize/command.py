"""``planlab optimize``: choose targets and plan shape with the optimiser, explain the
result and check it by simulation."""

from __future__ import annotations

import sys
from pathlib import Path

from sim import load_scenario

from ..kit.files import check_out, write_files
from ..kit.options import EXIT_ERROR, EXIT_OK, UsageError, add_output_options, number_in

__all__ = ["add_optimize_command"]


def cmd_optimize(args, argv) -> int:
    from optimize.run import optimize_plan
    from optimize.solve import SolverMissing
    from optimize.verify import verify

    from .files import optimisation_lines, optimize_files

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


def add_optimize_command(sub) -> None:
    """Register optimize on the ``planlab`` sub-command parser."""
    p = sub.add_parser(
        "optimize", help="choose targets and plan shape with the optimiser, explain, check"
    )
    p.add_argument("scenario", help="scenario TOML file (its [optimize] table sets the levers)")
    p.add_argument("--solver", choices=("cbc", "highs"), help="MILP solver (default: cbc)")
    p.add_argument(
        "--time-limit", type=number_in(0), metavar="SECONDS", help="wall-clock limit per solve"
    )
    p.add_argument(
        "--gap",
        type=number_in(0, 1, low_included=True),
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
