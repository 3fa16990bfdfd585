"""The files of ``planlab review`` and ``planlab checkin``, and their history records,
built in memory before anything is written."""

from __future__ import annotations

from optimize.next_period import NextPeriod
from sim.actuals import Actuals
from sim.review import AnnualReview, CheckIn

from ..kit.excel import workbook_bytes
from ..kit.files import to_csv, to_json
from ..kit.toml import compact_scenario_toml
from .excel import review_sheets
from .history import Record
from .next_period import next_period_files, next_period_results, next_targets
from .report import checkin_html, dropped_table, review_html

__all__ = ["checkin_files", "checkin_record", "review_files", "review_record"]


def _targets(pop) -> dict:
    return {
        str(n): {m: float(t[i]) for m, t in pop.targets.items()} for i, n in enumerate(pop.name)
    }


def _headline_review(r: AnnualReview) -> dict:
    t = r.table["actual"]
    first = r.review.calibrated.plan.measures[0].id
    return {
        "fit": r.fit.status,
        "share_at_target": t.get(f"share_at_target_{first}"),
        "incentive_cost": t.get("incentive_cost"),
        "cost_of_sales": t.get("cost_of_sales"),
    }


def review_record(r: AnnualReview, source: str, nxt: NextPeriod | None = None) -> Record:
    """What the history store keeps of a review.

    The plan version recorded is the plan the review hands on: with a
    re-optimisation that found a plan, next period's plan and targets (the
    reviewed plan and its actual targets are kept under ``results.reviewed``);
    otherwise the reviewed plan and its actual targets.
    """
    rv = r.review
    sc = rv.scenario
    reviewed = {
        "plan_name": rv.calibrated.plan.name,
        "plan": rv.calibrated.plan.model_dump(mode="json", by_alias=True),
        "targets": _targets(rv.population),
    }
    version = reviewed
    headline = _headline_review(r)
    results = {"reviewed": {"plan_name": reviewed["plan_name"], "targets": reviewed["targets"]}}
    if nxt is not None:
        results["next_period"] = next_period_results(nxt)
        if nxt.feasible:
            version = {
                "plan_name": nxt.plan.name,
                "plan": nxt.plan.model_dump(mode="json", by_alias=True),
                "targets": next_targets(nxt),
            }
            headline["next_targets_total"] = float(nxt.targets["target"].sum())
    return Record(
        scenario=sc.name,
        kind="review",
        period=rv.year.label,
        plan_name=version["plan_name"],
        plan=version["plan"],
        targets=version["targets"],
        assumptions={
            "market": sc.market.model_dump(mode="json", by_alias=True),
            "calibration_notes": list(rv.calibration.notes),
            "rows_dropped": [str(p) for p in rv.actuals.dropped],
        },
        calibration={
            "parameters": rv.calibration.parameters(),
            "productivity": rv.calibration.reps["productivity"],
        },
        results={
            **results,
            "currency": sc.currency,
            "headline": headline,
            "fit": r.fit.table(),
            "design_vs_reality": r.table[["designed", "actual"]],
            "findings": r.findings,
        },
        seed=r.fit.simulated.seed,
        trials=r.fit.simulated.trials,
        scenario_file=sc.source,
        scenario_sha256=sc.digest,
        actuals_source=source,
    )


def checkin_record(c: CheckIn, scenario, source: str) -> Record:
    """What the history store keeps of a check-in."""
    return Record(
        scenario=scenario.name,
        kind="checkin",
        period=f"{c.year} ({c.months_observed} months)",
        plan_name=c.scenario.plan.name,
        plan=c.scenario.plan.model_dump(mode="json", by_alias=True),
        targets={
            str(rep): {
                col.removeprefix("target_"): v
                for col, v in row.items()
                if col.startswith("target_")
            }
            for rep, row in c.reps.to_dict("index").items()
        },
        assumptions={"assumptions": list(c.assumptions), "levels": c.factors},
        calibration={"parameters": c.calibration.parameters()},
        results={
            "currency": scenario.currency,
            "headline": {
                "reps_at_risk": c.company["reps_at_risk"],
                "incentive_cost": c.company["incentive_cost_expected"],
            },
            "company": c.company,
            "options": c.options,
            "findings": c.findings(),
        },
        seed=scenario.simulation.seed,
        trials=scenario.checkin.trials,
        scenario_file=scenario.source,
        scenario_sha256=scenario.digest,
        actuals_source=source,
    )


def _calibrated_toml(scenario, header: str, seed: int, trials: int) -> str:
    """The calibrated model as a scenario file: the plan in force, its behaviour, the
    calibrated team and market, and the seed and trials of the review's simulation
    of it (so ``planlab simulate`` of the file draws the years the fit was read on).
    The actuals' file name was relative to the original scenario, and the scenario's
    plan variants were not part of the review's figures (each hand-off carries only
    the plans its numbers were made with): neither is carried over."""
    drawn = {"seed": int(seed), "trials": int(trials)}
    sc = scenario.model_copy(
        update={
            "actuals": scenario.actuals.model_copy(update={"source": None}),
            "variants": {},
            "simulation": scenario.simulation.model_copy(update=drawn),
        }
    )
    dropped = ", ".join(scenario.variants)
    if dropped:
        header += (
            f"\nThe scenario's plan variants ({dropped}) are left out: the review's figures "
            "are for the plan in force."
        )
    return compact_scenario_toml(sc, header)


def review_files(
    r: AnnualReview,
    version: int | None,
    argv: list[str] | None,
    nxt: NextPeriod | None = None,
) -> dict[str, str | bytes]:
    """Every output file of a review, name -> text (the workbook as bytes)."""
    rv = r.review
    files: dict[str, str | bytes] = {
        "report.html": review_html(r, version, nxt),
        "design_vs_reality.csv": to_csv(r.table),
        "market.csv": to_csv(r.market),
        "reps.csv": to_csv(r.reps),
        "fairness.csv": to_csv(r.fairness),
        "calibration.csv": to_csv(rv.calibration.parameters().rename_axis("parameter").to_frame()),
        "calibrated_scenario.toml": _calibrated_toml(
            rv.calibrated,
            f"Calibrated on the actuals of {', '.join(y.label for y in rv.years)} "
            f"({rv.actuals.origin});\nwritten by planlab review. Reps' ability is their "
            "estimated productivity.",
            r.fit.simulated.seed,
            r.fit.simulated.trials,
        ),
        "summary.json": to_json(
            {
                "scenario": rv.scenario.name,
                "year": rv.year.label,
                "fit": r.fit.table(),
                "findings": r.findings,
                "design_vs_reality": r.table,
                "market": r.market,
                "calibration": rv.calibration.parameters(),
                "rows_dropped": len(rv.actuals.dropped),
                "history_version": version,
                "seconds": r.seconds,
                "next_period": None if nxt is None else next_period_results(nxt),
                "command": argv,
            }
        ),
        "review.xlsx": workbook_bytes(review_sheets(r, version, nxt), r.review.scenario.currency),
    }
    if nxt is not None:
        files.update(next_period_files(nxt))
    if rv.actuals.dropped:
        files["dropped_rows.csv"] = to_csv(dropped_table(rv.actuals))
    return files


def checkin_files(
    c: CheckIn, actuals: Actuals, version: int | None, argv: list[str] | None
) -> dict[str, str]:
    """Every output file of a check-in, name -> text."""
    files = {
        "report.html": checkin_html(c, actuals, version),
        "reps.csv": to_csv(c.reps),
        "options.csv": to_csv(c.options),
        "summary.json": to_json(
            {
                "year": c.year,
                "months_observed": c.months_observed,
                "company": c.company,
                "options": c.options,
                "levels": c.factors,
                "findings": c.findings(),
                "assumptions": list(c.assumptions),
                "rows_dropped": len(actuals.dropped),
                "history_version": version,
                "command": argv,
            }
        ),
    }
    if actuals.dropped:
        files["dropped_rows.csv"] = to_csv(dropped_table(actuals))
    return files
