"""The files of a ``planlab simulate`` run, built in memory before anything is written.

``summary.json`` holds results only (same scenario and seed, same bytes);
``manifest.json`` holds provenance (file hash, seed, versions, time);
``reps.csv`` the per-rep table; ``report.html`` the self-contained report.
"""

from __future__ import annotations

import pandas as pd

from sim import metrics as M
from sim.run import SimulationResult

from ..kit.files import manifest, to_csv, to_json
from .narrative import summary_lines

__all__ = ["rep_table", "run_files", "summary"]


def summary(result: SimulationResult) -> dict:
    """Results of the run, per variant: company, measure, team and reward metrics."""
    variants = {}
    for name, v in result.variants.items():
        rewards = {
            k: float(q.sum(1).mean()) for k, q in M.reward_qualification(result, name).items()
        }
        variants[name] = {
            "plan": v.plan.name,
            "company": M.company_metrics(v),
            "measures": M.measure_metrics(v),
            "teams": M.team_metrics(result, name),
            "rewards_expected_qualifiers": rewards,
        }
        if v.behaviour is not None:
            variants[name]["behaviour"] = M.behaviour_metrics(v)
    return {
        "scenario": result.scenario.name,
        "seed": result.seed,
        "trials": result.trials,
        "reps": result.population.size,
        "findings": summary_lines(result),
        "variants": variants,
    }


def rep_table(result: SimulationResult) -> pd.DataFrame:
    """Per-rep table of the base plan, with each variant's expected payout beside it."""
    df = M.rep_metrics(result, "base")
    for name, v in result.variants.items():
        if name != "base":
            df[f"payout_expected_{name}"] = v.outcome.total.astype(float).mean(0)
    return df


def run_files(result: SimulationResult, argv: list[str] | None = None) -> dict[str, str]:
    """Every output file of a run, name -> text."""
    from .report import render_report

    tables = {
        "Plan variants": M.summary_table(result),
        "Measures (base plan)": M.measure_metrics(result.base),
        "Company (base plan)": M.company_metrics(result.base),
        "Teams (base plan)": M.team_metrics(result),
        "Reps (base plan)": rep_table(result),
        "Rewards (probability of qualifying)": M.reward_metrics(result),
    }
    title = f"planlab — {result.scenario.name}"
    return {
        "summary.json": to_json(summary(result)),
        "manifest.json": to_json(manifest(result, argv)),
        "reps.csv": to_csv(rep_table(result)),
        "report.html": render_report(result, title, tables, summary_lines(result)),
    }
