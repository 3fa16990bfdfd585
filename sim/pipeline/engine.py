"""The pipeline engine: replications of the SimPy model into one outcome table.

Replication ``r`` of a run with seed ``s`` draws only from the child
``SeedSequence(s, spawn_key=(PIPELINE, r))`` (:data:`sim.streams.PIPELINE`) — what ``SeedSequence.spawn``
hands out, addressed directly — so a replication's result does not depend on
which worker runs it or which others run beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from ..behaviour import Behaviour, FixedEffort
from ..market import Market
from ..outcomes import Outcomes
from ..plan import Plan
from ..population import Population
from ..streams import BLOCK_TRIALS
from .model import Replication, events_processed
from .spec import PipelineSpec

__all__ = ["LEDGER_COLUMNS", "PipelineEngine", "PipelineRun"]

#: Columns of the opportunity ledger (times in days from the start of the plan year).
LEDGER_COLUMNS = ("id", "rep", "kind", "account", "created", "closed", "status", "amount", "stage")


@dataclass(frozen=True)
class PipelineRun:
    """Replications simulated: their outcome table, the events processed, the ledger."""

    outcomes: Outcomes
    events: int
    ledger: pd.DataFrame | None = None


@dataclass(frozen=True)
class PipelineEngine:
    """Simulates the key-account pipeline of a population in a market."""

    market: Market
    population: Population
    spec: PipelineSpec = PipelineSpec()
    months: int = 12
    pull_discount: float = 0.08  # extra discount a rep gives to pull a deal forward
    #: The :class:`~sim.engine.Engine` interface: any run of replications, on processes.
    unit: ClassVar[int] = 1
    pool: ClassVar[str] = "processes"

    def simulate_trials(
        self,
        seed: int,
        first: int,
        n: int,
        behaviour: Behaviour | None = None,
        plan: Plan | None = None,
    ) -> Outcomes:
        """Replications ``first .. first + n - 1`` as trials of the outcome table."""
        return self.replications(seed, first, n, behaviour, plan).outcomes

    def replications(
        self,
        seed: int,
        first: int,
        n: int,
        behaviour: Behaviour | None = None,
        plan: Plan | None = None,
        ledger: bool = False,
    ) -> PipelineRun:
        """Replications ``first .. first + n - 1`` (each one trial of the outcome table)."""
        behaviour = behaviour or FixedEffort()
        shape = (n, self.population.size, self.months)
        comps: dict[str, np.ndarray] = {}
        events, draws, rows = 0, 0, []
        for i in range(n):
            rep = Replication(self, seed, first + i, behaviour, plan, ledger)
            rep.run()
            for c, v in rep.comp.items():  # COMPONENTS, and help given on account teams
                if c not in comps:
                    comps[c] = np.empty(shape)
                comps[c][i] = v
            events += events_processed(rep.env)
            draws += rep.draws
            if ledger:
                rows.extend((first + i, *row) for row in rep.ledger)
        table = None
        if ledger:
            table = pd.DataFrame(rows, columns=["replication", *LEDGER_COLUMNS])
            table["kind"] = np.where(table["kind"] == 0, "new", "expansion")
            table = table.sort_values(["replication", "id"], kind="stable").reset_index(drop=True)
        return PipelineRun(Outcomes(comps, draws=draws), events, table)

    def simulate_blocks(
        self,
        seed: int,
        first_block: int,
        n_blocks: int,
        trials: int,
        behaviour: Behaviour | None = None,
        plan: Plan | None = None,
    ) -> Outcomes:
        """The Monte Carlo engine's interface: trials of whole stream blocks."""
        first = first_block * BLOCK_TRIALS
        n = min((first_block + n_blocks) * BLOCK_TRIALS, trials) - first
        return self.replications(seed, first, n, behaviour, plan).outcomes
