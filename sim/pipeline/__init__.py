"""The key-account pipeline as discrete events (SimPy): deals, cycles, renewals, capacity.

The Monte Carlo engine draws outcomes per rep-month; this engine produces them
from opportunities moving through stages, a rep's finite capacity, renewals
and satisfaction, and returns the same :class:`~sim.outcomes.Outcomes` table.
"""

from .engine import PipelineEngine, PipelineRun
from .replications import run_replications
from .spec import PipelineSpec, Stage

__all__ = ["PipelineEngine", "PipelineRun", "PipelineSpec", "Stage", "run_replications"]
