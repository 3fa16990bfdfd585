"""What the solve loop proved, in plain words: a plan, proven infeasibility, or neither.

"No plan meets every constraint" is said only when every plan shape was proven
infeasible. When some shape ran out of time or nodes, nothing is proven about it,
so the answer is "no plan found within the limits", naming the shapes proven
infeasible, those not solved and why, and what to do. A plan found by a solve that
stopped short of proof is called the best found, not optimal.
"""

from __future__ import annotations

import pandas as pd

from .spec import SolverSpec

__all__ = ["SOLVED", "chosen_lines", "limits_text", "no_plan_lines", "proven_infeasible"]

#: Statuses of a solve that found a plan.
SOLVED = ("optimal", "feasible")


def proven_infeasible(shapes: pd.DataFrame) -> bool:
    """Every shape was proven infeasible (so no plan meets every constraint)."""
    return len(shapes) > 0 and bool((shapes["status"] == "infeasible").all())


def limits_text(solver: SolverSpec, budget: float | None = None) -> str:
    """The limits the solves ran under, for people."""
    parts = [f"{solver.time_limit:g} s per solve"]
    if solver.nodes is not None:
        parts.append(f"{solver.nodes:,} nodes per solve")
    if budget is not None:
        parts.append(f"--time-limit {budget:g} s for the whole optimisation")
    return ", ".join(parts)


def _relaxation_lines(relaxation: pd.DataFrame | None, lead: str) -> list[str]:
    if relaxation is None or not len(relaxation):
        return []
    if "shape" in relaxation and relaxation["shape"].nunique() > 1:
        return [
            f"For shape {s} to be feasible, {w}."
            for s, w in zip(relaxation["shape"], relaxation["in_words"], strict=True)
        ]
    return [f"{lead}, {w}." for w in relaxation["in_words"]]


def no_plan_lines(shapes: pd.DataFrame, relaxation: pd.DataFrame | None, limits: str) -> list[str]:
    """Why there is no plan: proven infeasible everywhere, or not found within the limits."""
    infeasible = shapes.loc[shapes["status"] == "infeasible", "shape"].tolist()
    if proven_infeasible(shapes):
        lines = ["No plan meets every constraint."]
        relax = _relaxation_lines(relaxation, "To make one feasible")
        if not relax:
            relax = [
                "The smallest relaxation that would make one feasible was not found "
                f"within the limits ({limits}), so no relaxation.csv was written; raise "
                "--time-limit to find it."
            ]
        return lines + relax
    lines = [f"No plan found within the limits ({limits})."]
    if infeasible:
        lines.append(f"Proven infeasible: {', '.join(infeasible)}.")
    else:
        lines.append("No plan shape was proven infeasible.")
    unsolved = shapes[shapes["status"] != "infeasible"]
    by_status = unsolved.groupby("status", sort=True)["shape"].apply(list)
    lines.append(
        "Not solved: "
        + "; ".join(f"{', '.join(names)} ({status})" for status, names in by_status.items())
        + "."
    )
    lines.append(
        "Allow more: raise --time-limit (the whole optimisation) or "
        "optimize.solver.time_limit / optimize.solver.nodes (each solve), or accept a "
        "larger --gap."
    )
    if infeasible:
        relax = _relaxation_lines(relaxation, f"For shape {infeasible[0]} to be feasible")
        lines += relax or [
            "The relaxations the infeasible shapes need were not found within the limits."
        ]
    return lines


def chosen_lines(shapes: pd.DataFrame, status: str, gap: float | None, limits: str) -> list[str]:
    """What is and is not proven about a chosen plan: shapes left unsolved, and whether
    the chosen solve proved its plan optimal."""
    lines = []
    unsolved = shapes[~shapes["status"].isin((*SOLVED, "infeasible"))]
    if len(unsolved):
        names = ", ".join(
            f"{s} ({t})" for s, t in zip(unsolved["shape"], unsolved["status"], strict=True)
        )
        lines.append(
            f"Not solved within the limits ({limits}): {names}; the chosen plan is the "
            "best of the shapes solved."
        )
    if status == "feasible":
        stopped = f" with a gap of {gap:.2%}" if gap is not None else ""
        lines.append(
            f"The plan is the best found, not proven optimal: its solve stopped at the "
            f"limits{stopped}."
        )
    return lines
