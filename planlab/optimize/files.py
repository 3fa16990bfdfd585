"""Everything ``planlab optimize`` writes, as name -> text.

The optimised plan as a scenario variant ready for ``planlab simulate``, the
per-rep targets with their rationale, the shapes compared, the binding
constraints, the budget frontier (or, when nothing was feasible, the smallest
relaxations), and one report that sets the optimised plan beside the base plan
simulated again as ``planlab simulate`` of the hand-off runs it.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pandas as pd

from optimize.explain import target_currency
from optimize.outcome import SOLVED, chosen_lines, limits_text, no_plan_lines
from optimize.run import Optimisation, tightened
from optimize.verify import OPTIMISED, optimised_behaviour
from sim import metrics as M
from sim.money import money_amount
from sim.run import SimulationResult
from sim.scenario import variant_toml

from ..kit.files import manifest, to_csv, to_json
from ..kit.html import blocks, facts
from ..kit.toml import compact_toml
from ..simulate.narrative import summary_lines
from . import figures as OF
from .tables import binding_shown, promises_shown, targets_shown

__all__ = ["optimisation_lines", "optimize_files"]


def optimisation_lines(opt: Optimisation, check: pd.DataFrame | None = None) -> list[str]:
    """The optimiser's findings in plain words, for the executive summary."""
    cur = opt.scenario.currency
    if opt.linear is not None:
        return opt.linear.findings(cur)
    limits = limits_text(opt.spec.solver, opt.budget)
    if opt.plan is None:
        return no_plan_lines(opt.shapes, opt.relaxation, limits)
    best = opt.chosen
    n_ok = int(opt.shapes["status"].isin(SOLVED).sum())
    lines = [
        f"Chosen plan shape: {best.shape.label} (best of {n_ok} feasible shapes out of "
        f"{len(opt.shapes)}).",
        *chosen_lines(opt.shapes, best.solution.status, best.solution.gap, limits),
    ]
    t = opt.targets
    up, down = int((t["change_on_last"] > 0.005).sum()), int((t["change_on_last"] < -0.005).sum())
    unit = target_currency(opt.scenario, opt.primary)
    total, number = (
        money_amount(x, unit) if unit else f"{x:,.0f}"
        for x in (t["target"].sum(), best.problem.company_number)
    )
    lines.append(
        f"Targets sum to {total} (company number {number}); {up} reps' targets go up and "
        f"{down} go down on last period's."
    )
    if opt.held:
        lines.append(held_line(opt))
    if check is not None and "outside" in check:  # a limit missed: on the first screen
        for _, r in check[check["outside"]].iterrows():
            lines.append(
                f"The chosen plan misses the limit on {r['quantity']} ({r['limit']}): "
                f"simulated it gives {_fmt(r['model'], cur)}, where the tables the optimiser "
                f"held to the limit gave {_fmt(r['tables'], cur)} (they see each rep at one "
                "target level, with annual effort and no within-period dynamics or deal "
                f"timing). To hold it, tighten that limit by at least {_gap(r, cur)} and run "
                "again: the gap moves with the plan."
            )
    if opt.team_choice is not None:
        lines.append(opt.team_choice)
    if opt.binding is not None:
        for _, r in opt.binding[opt.binding["binding"]].iterrows():
            lines.append(
                f"The {r['constraint'].replace('_', ' ')} constraint binds: with the "
                f"{r['relaxed']}, expected profit would rise by "
                f"{money_amount(r['objective_gain'], cur)}."
            )
    if check is not None:
        for _, r in check.iterrows():
            lines.append(
                f"Simulated again, {r['quantity']} is {_fmt(r['simulated'], cur)} "
                f"(the model expected {_fmt(r['model'], cur)})."
            )
    return lines


def _run_details(opt: Optimisation) -> tuple[str, str, str]:
    """The appendix: how the chosen plan was solved and how long each step took."""
    sol = opt.chosen.solution
    pairs = [
        ("Solver", sol.describe()),
        *((f"{k.replace('_', ' ')} (s)", f"{v:,.1f}") for k, v in (opt.timings or {}).items()),
    ]
    return ("run-details", "Run and solver details", blocks(facts(pairs)))


def held_line(opt: Optimisation) -> str:
    """How much tighter than the scenario's limits the tables were held, so that the
    plan simulated keeps them."""
    c, cur = opt.spec.constraints, opt.scenario.currency
    t = tightened(c, opt.held)
    words = {
        "achievability_low": lambda: (
            f"a floor of {t.achievability.low:.1%} on the share of "
            f"reps at target (the limit: {c.achievability.low:.0%})"
        ),
        "achievability_high": lambda: (
            f"a ceiling of {t.achievability.high:.1%} on the share "
            f"of reps at target (the limit: {c.achievability.high:.0%})"
        ),
        "budget": lambda: (
            f"a budget of {money_amount(t.budget, cur)} (the limit: {money_amount(c.budget, cur)})"
        ),
        "cost_of_sales": lambda: (
            f"cost of sales at most {t.cost_of_sales:.2%} (the limit: {c.cost_of_sales:.2%})"
        ),
        "bad_year": lambda: (
            f"a bad-year ceiling of {money_amount(t.bad_year.ceiling, cur)} "
            f"(the limit: {money_amount(c.bad_year.ceiling, cur)})"
        ),
    }
    held = "; ".join(words[k]() for k in opt.held if k in words)
    return (
        "Simulated, the plan the tables first chose missed a limit, so the optimiser held "
        f"its tables tighter and chose again: {held}."
    )


def _gap(r, currency: str) -> str:
    """How far the tables' figure was from the simulated one: points for shares, money
    for amounts (what a limit must tighten by for the simulated plan to hold it)."""
    d = abs(float(r["tables"]) - float(r["model"]))
    if abs(float(r["model"])) < 1:
        return f"{100 * d:.1f} points"
    return money_amount(d, currency)


def _fmt(x: float, currency: str) -> str:
    """A promise checked: a share as a percentage, anything larger an amount."""
    return f"{x:.1%}" if abs(x) < 1 else money_amount(x, currency)


def optimize_files(
    opt: Optimisation,
    out: Path,
    result: SimulationResult | None = None,
    check: pd.DataFrame | None = None,
    argv: list[str] | None = None,
) -> dict[str, str]:
    """Every output file of an optimisation, name -> text (``out`` is where they will live)."""
    from ..simulate.report import render_report

    files: dict[str, str] = {"shapes.csv": to_csv(opt.shapes)}
    findings = optimisation_lines(opt, check)
    summary = {
        "scenario": opt.scenario.name,
        "feasible": opt.feasible,
        "findings": findings,
        "timings_seconds": opt.timings,
    }
    if opt.linear is not None:
        files["linear.csv"] = to_csv(opt.linear.table())
        files["summary.json"] = to_json({**summary, "linear": opt.linear.table()})
        return files
    if opt.plan is None:
        if opt.relaxation is not None and len(opt.relaxation):  # never an empty file
            files["relaxation.csv"] = to_csv(opt.relaxation)
            summary["relaxation"] = opt.relaxation
        files["summary.json"] = to_json(summary)
        return files
    files["optimised.toml"] = compact_toml(
        tomllib.loads(
            variant_toml(
                opt.scenario,
                OPTIMISED,
                opt.plan,
                out,
                description="Targets and plan shape chosen by planlab optimize",
                behaviour=optimised_behaviour(opt),
                alone=True,
                seed=opt.seed,
                trials=None if result is None else result.trials,
            )
        )
    )
    files["targets.csv"] = to_csv(opt.targets)
    if opt.binding is not None:
        files["binding.csv"] = to_csv(opt.binding)
    if opt.frontier is not None:
        files["frontier.csv"] = to_csv(opt.frontier)
    solution = opt.chosen.solution
    summary.update(
        {
            "shape": opt.chosen.shape.label,
            "solver": {
                "name": solution.solver,
                "status": solution.status,
                "gap": solution.gap,
                "seconds": solution.build_seconds + solution.solve_seconds,
            },
            "company_number": opt.chosen.problem.company_number,
            "targets_total": float(opt.targets["target"].sum()),
        }
    )
    if check is not None:
        summary["check"] = check
    files["summary.json"] = to_json(summary)
    if result is not None:
        files["manifest.json"] = to_json(manifest(result, argv))
        tables = {
            "summary": M.summary_table(result),
            "What the model promised, and the simulation": None
            if check is None
            else promises_shown(check, opt.scenario.currency),
            "Plan shapes compared": opt.shapes,
            "Binding constraints": None if opt.binding is None else binding_shown(opt),
            "Budget frontier": opt.frontier,
            "Targets and why": targets_shown(opt),
        }
        tables = {k: v for k, v in tables.items() if v is not None}
        figures = []
        if opt.frontier is not None and "expected_profit" in opt.frontier:
            figures.append(
                (
                    "fig-frontier",
                    "Profit, cost and achievability",
                    OF.frontier(opt.frontier, opt.scenario.currency, opt.spec.solver.gap),
                    "Expected profit against expected incentive cost and against achievability",
                    "Each dot is the best plan for one incentive budget; the star is the chosen plan.",
                )
            )
        figures.append(
            (
                "fig-targets",
                "Targets: last period and optimised",
                OF.target_changes(opt.targets, opt.scenario.currency),
                "Scatter of each rep's optimised target against last period's target",
                "Each dot is a rep, coloured by their chance of reaching the new target.",
            )
        )
        lines = findings + summary_lines(result)
        title = f"planlab optimise — {opt.scenario.name}"
        files["report.html"] = render_report(
            result, title, tables, lines, figures=figures, appendix=[_run_details(opt)]
        )
    return files
