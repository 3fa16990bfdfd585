"""The optimiser's settings: the scenario's typed ``[optimize]`` table.

The models live in :mod:`sim.optimize_spec` (so that a scenario is validated
whole when it is read); they are re-exported here for the optimiser's callers.
"""

from __future__ import annotations

from pydantic import ValidationError

from sim.errors import ScenarioError
from sim.optimize_spec import (
    BadYear,
    Band,
    Baseline,
    Constraints,
    Fairness,
    Levels,
    LinearSpec,
    Menu,
    Objective,
    OptimizeSpec,
    SolverSpec,
    TextbookReps,
    check_optimize,
)
from sim.scenario import Scenario, explain_error

__all__ = [
    "Band",
    "Baseline",
    "BadYear",
    "Constraints",
    "Fairness",
    "Levels",
    "LinearSpec",
    "Menu",
    "Objective",
    "OptimizeSpec",
    "SolverSpec",
    "TextbookReps",
    "optimize_spec",
]


def optimize_spec(scenario: Scenario) -> OptimizeSpec:
    """The scenario's ``[optimize]`` settings, checked against its plan and team.

    A scenario read from a file carries them validated already; one changed in
    memory (``model_copy(update={"optimize": {...}})``) may hold a raw table,
    which is validated here with the same messages (naming the file and key).
    """
    origin = scenario.source or "<scenario>"
    try:
        spec = OptimizeSpec.model_validate(scenario.optimize)
    except ValidationError as exc:
        raise ScenarioError(explain_error(exc, "optimize", origin, OptimizeSpec)) from None
    check_optimize(spec, scenario.plan, scenario.team, origin)
    return spec
