"""``planlab optimize``: choose targets and plan shape with the optimiser, explain the
result and check it by simulation."""

from __future__ import annotations

import sys
from pathlib import Path

from optimize.budget import Budget, OutOfTime
from optimize.run import optimize_plan
from optimize.solve import SolverMissing
from optimize.tabulate import tabulation_trials
from optimize.verify import Holding, verify
from sim import load_scenario

from ..kit.files import check_out, run_inputs, write_files
from ..kit.memory import check_run_memory
from ..kit.options import EXIT_ERROR, EXIT_OK, Progress, UsageError
from ..kit.scheduler import scheduler_executor
from .files import optimisation_lines, optimize_files

__all__ = ["cmd_optimize"]


def cmd_optimize(args, argv) -> int:
    path = Path(args.scenario)
    scenario = load_scenario(path)
    check_run_memory(
        args,
        scenario,
        path,
        trials=args.trials,
        plans=2,
        behaviour=True,
        optimize_trials=tabulation_trials(scenario, scenario.optimize),
    )
    out = Path(args.out) if args.out else Path("out") / f"{path.stem}_optimised"
    inputs = run_inputs(scenario)
    check_out(out, args.force, inputs)
    progress = Progress(quiet=args.quiet)
    budget = Budget(args.time_limit)  # the whole command: optimisation and its check
    with scheduler_executor(args) as executor:
        hold = Holding(scenario, args.seed, executor, budget)  # keeps its last simulation
        try:
            with progress.step("optimising (tables, solves, explanations)") as tick:
                opt = optimize_plan(
                    scenario,
                    solver=args.solver,
                    budget=budget,
                    gap=args.gap,
                    seed=args.seed,
                    progress=tick,
                    executor=executor,
                    hold=hold,
                )
            result = check = None
            if opt.plan is not None:
                label = (
                    f"simulating the optimised plan beside the base plan ({args.trials:,} trials)"
                )
                with progress.step(label):
                    result, check = verify(
                        opt,
                        trials=args.trials,
                        executor=executor,
                        budget=budget,
                        promised=hold.simulated(opt.plan),
                    )
        except SolverMissing as exc:
            raise UsageError(str(exc)) from None
        except OutOfTime as exc:  # the machine's speed, not the input: exit 1
            print(f"planlab: {exc}; nothing was written", file=sys.stderr)
            return EXIT_ERROR
    with progress.step("writing the report and files"):
        files = optimize_files(opt, out, result, check, argv)
    write_files(out, files, args.force, inputs)
    if not args.quiet:
        for line in optimisation_lines(opt, check):
            print(f"- {line}")
        print(f"wrote {out}/: {', '.join(sorted(files))}")
    return EXIT_OK if opt.feasible else EXIT_ERROR
