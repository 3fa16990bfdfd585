"""What a review's re-optimisation of next period's targets writes, shows and records.

Files: the calibrated scenario one year on (``next_period_scenario.toml``), the
new plan as its variant ``next_period`` (``next_plan.toml``, which
``planlab simulate`` runs beside last period's plan), ``targets.csv`` with each
rep's target and why, and the optimiser's tables. The review report gains a
section, the review workbook gains sheets and the history record gains the new
plan and targets, all from the functions here.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pandas as pd

from optimize.explain import target_currency
from optimize.next_period import NextPeriod, new_targets
from optimize.verify import optimised_behaviour
from sim import metrics as M
from sim.money import money_amount
from sim.scenario import variant_toml

from ..kit.excel import SheetBuilder
from ..kit.files import to_csv
from ..kit.html import (
    blocks,
    bullets,
    code,
    figure_html,
    heading,
    markup,
    note,
    render_table,
)
from ..kit.toml import compact_scenario_toml, compact_toml
from ..optimize import figures as OF
from ..optimize.files import optimisation_lines
from ..optimize.tables import (
    binding_sheet,
    binding_shown,
    promises_sheet,
    promises_shown,
    targets_shown,
)

__all__ = [
    "NEXT_SCENARIO",
    "NEXT_VARIANT",
    "next_period_files",
    "next_period_headline",
    "next_period_lines",
    "next_period_results",
    "next_period_section",
    "next_period_sheets",
    "next_targets",
    "solver_notes",
]

NEXT_SCENARIO = "next_period_scenario.toml"
NEXT_VARIANT = "next_period"


def _settings(nxt: NextPeriod) -> str:
    opt = nxt.optimisation
    c = opt.spec.constraints
    parts = [f"targets for {nxt.label} on the calibrated model one year on"]
    if opt.chosen is not None:
        number = opt.chosen.problem.company_number
    else:
        number = c.company_number if c.company_number is not None else nxt.last_targets.sum()
    unit = target_currency(opt.scenario, opt.primary) if opt.primary else None
    total, last = (
        money_amount(x, unit) if unit else f"{x:,.0f}" for x in (number, nxt.last_targets.sum())
    )
    parts.append(
        f"{opt.primary or 'primary'} targets add up to the company number {total} "
        f"(up to {c.overassign:.0%} above; last period's targets: {last})"
    )
    if c.ratchet is not None:
        parts.append(f"each rep's target within ±{c.ratchet:.0%} of last period's actual target")
    if nxt.targets_only:
        parts.append("plan shape held: last period's weights and curves, targets re-set")
    else:
        parts.append(f"{len(opt.shapes)} plan shape(s) from the [optimize] menu compared")
    return "; ".join(parts) + "."


def next_period_lines(nxt: NextPeriod) -> list[str]:
    """The re-optimisation in plain words."""
    return [_settings(nxt), *nxt.notes, *optimisation_lines(nxt.optimisation, nxt.check)]


def _compared(nxt: NextPeriod) -> pd.DataFrame:
    table = M.summary_table(nxt.result)
    names = {"base": "last period's plan", "optimised": f"new plan ({nxt.label})"}
    return table.rename(index=names)


def _scenario_toml(nxt: NextPeriod) -> str:
    sc = nxt.scenario
    # The actuals' file name was relative to the original scenario: not carried over.
    sc = sc.model_copy(update={"actuals": sc.actuals.model_copy(update={"source": None})})
    return compact_scenario_toml(
        sc,
        f"The calibrated model one plan year on ({nxt.label}): demand grown by the estimated\n"
        "growth, each rep's estimated productivity, last period's plan at its actual targets\n"
        "and the [optimize] table the re-optimisation used; written by planlab review.",
    )


def _variant_toml(nxt: NextPeriod) -> str:
    anchor = Path("/planlab")  # any folder: the variant file sits beside the scenario it extends
    sc = nxt.scenario.model_copy(update={"source": str(anchor / NEXT_SCENARIO)})
    what = "Targets only, plan shape kept" if nxt.targets_only else "Targets and plan shape"
    text = variant_toml(
        sc,
        NEXT_VARIANT,
        nxt.plan,
        anchor,
        description=f"{what} for {nxt.label}, re-optimised by planlab review",
        behaviour=optimised_behaviour(nxt.optimisation),
        alone=True,
        seed=nxt.optimisation.seed,
        trials=None if nxt.result is None else nxt.result.trials,
    )
    return compact_toml(tomllib.loads(text))


def next_period_files(nxt: NextPeriod) -> dict[str, str]:
    """The re-optimisation's files, name -> text."""
    opt = nxt.optimisation
    files = {"shapes.csv": to_csv(opt.shapes)}
    if opt.plan is None:
        if opt.relaxation is not None and len(opt.relaxation):  # never an empty file
            files["relaxation.csv"] = to_csv(opt.relaxation)
        return files
    files[NEXT_SCENARIO] = _scenario_toml(nxt)
    files["next_plan.toml"] = _variant_toml(nxt)
    files["targets.csv"] = to_csv(opt.targets)
    if opt.binding is not None:
        files["binding.csv"] = to_csv(opt.binding)
    if nxt.result is not None:
        files["next_vs_last.csv"] = to_csv(_compared(nxt))
    return files


def next_period_headline(nxt: NextPeriod) -> str:
    """Next period in one line for the executive summary: where the targets land, or why
    no plan was found."""
    lines = optimisation_lines(nxt.optimisation, nxt.check)
    # With a plan, the optimiser's second line says where the targets land.
    return (
        f"Next period ({nxt.label}): {lines[1] if nxt.optimisation.plan is not None else lines[0]}"
    )


def next_period_section(nxt: NextPeriod, currency: str | None = None) -> str:
    """The report's section on next period's targets (solver details: :func:`solver_notes`)."""
    opt = nxt.optimisation
    pieces = [bullets(next_period_lines(nxt))]
    if opt.plan is None:
        return blocks(
            *pieces, note("What was tried, and the smallest relaxations: see Solver notes.")
        )
    pieces.append(
        note(
            f"Files: {NEXT_SCENARIO} (the calibrated model one year on) and next_plan.toml "
            "(the new plan as its variant next_period: ",
            code("planlab simulate next_plan.toml"),
            " runs it beside last period's plan), targets.csv.",
        )
    )
    if nxt.result is not None:
        pieces += [
            heading("New plan against last period's plan"),
            note(
                "Both simulated on the calibrated model one year on, as planlab simulate of "
                "next_plan.toml runs them "
                f"({nxt.result.trials:,} trials), reps best-responding."
            ),
            markup(render_table(_compared(nxt), currency=currency)),
        ]
    if opt.binding is not None:
        pieces += [
            heading("Binding constraints"),
            markup(render_table(binding_shown(opt), currency=currency)),
        ]
    pieces += [
        markup(
            figure_html(
                "fig-next-targets",
                "Targets: last period and next",
                OF.target_changes(opt.targets, currency),
                "Scatter of each rep's new target against last period's actual target",
                "Each dot is a rep, coloured by their chance of reaching the new target.",
            )
        ),
        heading("Targets and why"),
        markup(render_table(targets_shown(opt), currency=currency)),
    ]
    return blocks(*pieces)


def solver_notes(nxt: NextPeriod, currency: str | None = None) -> str:
    """The appendix on the re-optimisation: the plan shapes tried, the smallest
    relaxations when none was feasible, and what the optimiser expected against the
    simulation."""
    opt = nxt.optimisation
    pieces = []
    if opt.plan is None and opt.relaxation is not None and len(opt.relaxation):
        pieces += [heading("Smallest relaxations"), markup(render_table(opt.relaxation))]
    if nxt.check is not None:
        pieces += [
            heading("What the optimiser expected, and the simulation"),
            markup(render_table(promises_shown(nxt.check, opt.scenario.currency))),
        ]
    pieces += [heading("Plan shapes compared"), markup(render_table(opt.shapes, currency=currency))]
    return blocks(*pieces)


def next_period_sheets(nxt: NextPeriod) -> dict[str, pd.DataFrame | pd.Series | SheetBuilder]:
    """The re-optimisation's sheets of the review workbook."""
    opt = nxt.optimisation
    if opt.plan is None:
        tried = {"Plan shapes tried": opt.shapes}
        if opt.relaxation is not None and len(opt.relaxation):
            return {"Next period relaxations": opt.relaxation, **tried}
        return tried
    sheets: dict[str, pd.DataFrame | pd.Series | SheetBuilder] = {
        "Next period targets": opt.targets
    }
    if nxt.result is not None:
        sheets["New vs last plan"] = _compared(nxt)
    if nxt.check is not None:
        sheets["Model vs simulation"] = promises_sheet(nxt.check)
    if opt.binding is not None:
        sheets["Binding constraints"] = binding_sheet(opt)
    sheets["Plan shapes compared"] = opt.shapes
    return sheets


def next_period_results(nxt: NextPeriod) -> dict:
    """What the history keeps of the re-optimisation (besides the new plan and targets)."""
    opt = nxt.optimisation
    out = {
        "label": nxt.label,
        "feasible": nxt.feasible,
        "targets_only": nxt.targets_only,
        "constraints": opt.spec.constraints.model_dump(mode="json"),
        "findings": next_period_lines(nxt),
        "seconds": opt.timings,
    }
    if opt.plan is None:
        out["relaxation"] = opt.relaxation
        return out
    sol = opt.chosen.solution
    out.update(
        {
            "plan_name": opt.plan.name,
            "shape": opt.chosen.shape.label,
            "company_number": opt.chosen.problem.company_number,
            "targets_total": float(opt.targets["target"].sum()),
            "last_targets_total": float(nxt.last_targets.sum()),
            "solver": {"name": sol.solver, "status": sol.status, "gap": sol.gap},
            "binding": opt.binding,
            "check": nxt.check,
        }
    )
    return out


def next_targets(nxt: NextPeriod) -> dict[str, dict[str, float]]:
    """Each rep's new annual target per measure."""
    return new_targets(nxt.plan, nxt.optimisation.population)
