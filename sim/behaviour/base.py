"""The seam where rep behaviour acts on the engines, once a month.

Before drawing month ``m`` an engine asks its behaviour model for each rep's
effort (a multiplier on the rep's deal flow; 1.0 = the effort the market
parameters were calibrated at), handing it what has happened so far. The
foundation model is :class:`FixedEffort`; behaviour models (best response,
deadline pushes, giving up, coasting, deal timing) implement the same
:class:`Behaviour` protocol.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ..plan import Plan

__all__ = ["Behaviour", "FixedEffort", "MonthState"]


@dataclass(frozen=True)
class MonthState:
    """What a rep knows at the start of ``month``: the plan and bookings to date."""

    month: int
    months: int
    plan: Plan | None
    booked: dict[str, np.ndarray]  # component -> (trials, reps) totals before this month


class Behaviour(Protocol):
    """Chooses effort per (trial, rep) each month; ``None`` means 1.0 for everyone."""

    plan_dependent: bool

    def effort(self, state: MonthState) -> np.ndarray | None: ...


@dataclass(frozen=True)
class FixedEffort:
    """Every rep works at the same, plan-independent effort level."""

    level: float = 1.0
    plan_dependent: bool = False

    def effort(self, state: MonthState) -> np.ndarray | None:
        return None if self.level == 1.0 else np.float64(self.level)
