"""Plan optimisation with PuLP: per-rep targets and plan shape, explained. Builds on ``sim``.

The entry point is :func:`optimize_plan`; :func:`verify` simulates its answer
again on fresh random numbers.
"""

from .model import TargetProblem, build_model
from .run import Optimisation, optimize_plan
from .solve import Solution, SolverPool, solve
from .spec import OptimizeSpec, optimize_spec
from .verify import verify

__all__ = [
    "Optimisation",
    "OptimizeSpec",
    "Solution",
    "SolverPool",
    "TargetProblem",
    "build_model",
    "optimize_plan",
    "optimize_spec",
    "solve",
    "verify",
]
