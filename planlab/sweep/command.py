"""``planlab sweep SCENARIO``: the scenario's ``[sweep]`` run and written at once."""

from __future__ import annotations

from pathlib import Path

from sim import load_scenario
from sim.sweep.run import run_sweep

from ..kit.files import check_out, run_inputs, write_files
from ..kit.memory import check_run_memory
from ..kit.options import EXIT_OK, Progress, UsageError, check_variants
from ..kit.scheduler import scheduler_executor
from .files import sweep_files, sweep_lines

__all__ = ["cmd_sweep"]


def cmd_sweep(args, argv) -> int:
    """Run the scenario's sweep and write its files at once."""
    path = Path(args.scenario)
    scenario = load_scenario(path)
    check_variants(path, scenario, scenario.sweep.variants)
    if not scenario.sweep.markets:
        raise UsageError(
            f"{path}: sweep.markets: nothing to sweep: add a [sweep.markets.NAME] table "
            "(demand, recession, churn, deal_size or market overrides)"
        )
    sweep = scenario.sweep
    names = {"base", *(sweep.variants if sweep.variants is not None else scenario.variants)}
    check_run_memory(
        args,
        scenario,
        path,
        trials=args.trials or sweep.trials or scenario.simulation.trials,
        plans=len(names) * len(sweep.markets),
        trials_key="--trials ([sweep] trials)",
    )
    out = Path(args.out) if args.out else Path("out") / f"{path.stem}-sweep"
    inputs = run_inputs(scenario)
    check_out(out, args.force, inputs)
    progress = Progress(quiet=args.quiet)
    label = "simulating every variant in every market"
    with progress.step(label) as tick, scheduler_executor(args) as executor:
        result = run_sweep(
            scenario, trials=args.trials, seed=args.seed, executor=executor, progress=tick
        )
    with progress.step("writing the report and tables"):
        files = sweep_files(result, argv)
    write_files(out, files, args.force, inputs)
    if not args.quiet:
        print(
            f"{scenario.name}: {len(result.variants)} variants x {len(result.markets)} markets, "
            f"{result.trials} trials, seed {result.seed}"
        )
        grid = result.grid("cost_of_sales").rename_axis(index=None, columns=None)
        print("Cost of sales, variants down, markets across:")
        print(grid.map(lambda x: f"{x:.1%}").to_string())
        for line in sweep_lines(result):
            print(f"- {line}")
        print(f"wrote {out}/{', '.join(files)}")
    return EXIT_OK
