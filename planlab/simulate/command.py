"""``planlab simulate``, ``demo`` and ``validate``: simulate a scenario's plans and write
a report (or only check the scenario file)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

from sim import load_scenario, simulate
from sim.optimize_spec import check_optimize
from sim.run import check_roster_targets, make_population

from ..kit.files import check_out, run_inputs, write_files
from ..kit.memory import check_run_memory
from ..kit.options import EXIT_OK, Progress, check_variants
from ..kit.scheduler import scheduler_executor
from ..kit.terminal import metric_table
from .files import run_files
from .tables import run_tables

__all__ = ["cmd_demo", "cmd_simulate", "cmd_validate"]


#: The columns of the summary printed in the terminal.
TERMINAL_KEYS = (
    "revenue_expected",
    "incentive_cost_expected",
    "incentive_cost_p90",
    "cost_of_sales",
    "share_at_target",
    "pay_for_performance",
)


def _print_summary(result, table: pd.DataFrame, out: Path, files) -> None:
    print(
        f"{result.scenario.name}: {result.population.size:,} reps, {result.trials:,} trials, "
        f"seed {result.seed}"
    )
    print(metric_table(table, TERMINAL_KEYS, result.scenario.currency))
    print(f"wrote {out}/: {', '.join(files)}")


def _run(scenario_path: Path, args, argv) -> int:
    scenario = load_scenario(scenario_path)
    variants = args.variants
    check_variants(scenario_path, scenario, variants)
    engine = getattr(args, "engine", "montecarlo")
    plans = len({"base", *(variants if variants is not None else scenario.variants)})
    check_run_memory(args, scenario, scenario_path, trials=args.trials, plans=plans, engine=engine)
    out = Path(args.out) if args.out else Path("out") / scenario_path.stem
    inputs = run_inputs(scenario)
    check_out(out, args.force, inputs)
    progress = Progress(quiet=args.quiet)
    with progress.step("simulating") as tick, scheduler_executor(args) as executor:
        result = simulate(
            scenario,
            variants,
            trials=args.trials,
            seed=args.seed,
            progress=tick,
            engine=engine,
            executor=executor,
            rep_years=False,
        )
    with progress.step("writing the report and tables"):
        tables = run_tables(result)
        files = run_files(result, argv, xlsx=args.xlsx, tables=tables)
    write_files(out, files, args.force, inputs)
    if not args.quiet:
        _print_summary(result, tables["summary"], out, files)
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
