"""The seam where rep behaviour acts on the engines.

Once a month, before drawing, an engine asks its behaviour model for each
rep's effort on each task (multipliers on deal flow and account service; 1.0
= the effort the market parameters describe), handing it what has happened so
far. At period ends it asks which share of a month's deals reps pull forward
or push out. Once a block it asks who is in the seat (attrition). The
foundation model is :class:`FixedEffort`; :mod:`sim.behaviour.model` composes
the research-based components behind the same :class:`Behaviour` protocol.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from ..plan import Plan

__all__ = [
    "Behaviour",
    "Effort",
    "FixedEffort",
    "MonthState",
    "pull_discount",
    "side_by_side",
]


@dataclass(frozen=True)
class Effort:
    """Effort multipliers per task, each a scalar or a (trials, reps) array."""

    new: np.ndarray | float = 1.0  # prospecting and closing new accounts
    xsell: np.ndarray | float = 1.0  # selling more into existing accounts
    service: np.ndarray | float = 1.0  # looking after accounts: retention and satisfaction


@dataclass(frozen=True)
class MonthState:
    """What a rep knows at the start of ``month`` (or at a period's close)."""

    month: int
    months: int
    plan: Plan | None
    booked: dict[str, np.ndarray]  # component -> (trials, reps) totals before this month
    booked_period: dict[str, np.ndarray]  # the same since the current period began
    period: int  # index of the plan period ``month`` falls in


class Behaviour(Protocol):
    """How reps act under a plan; every method may return ``None`` for "no effect"."""

    plan_dependent: bool
    shifts_deals: bool  # whether :meth:`shift` may move deals (next year's are drawn then)

    def effort(self, state: MonthState) -> Effort | None: ...

    def shift(
        self, kind: str, state: MonthState, values: dict[str, np.ndarray], ahead: int = 1
    ) -> np.ndarray | None:
        """Share of ``values`` (a month's deals) to pull into the closing period
        (``kind="pull"``, from ``ahead`` months after the close) or push out of it
        (``kind="push"``)."""
        ...

    def presence(self, seed: int, block: int, trials: int, months: int) -> np.ndarray | None:
        """Productivity of each seat by month (trials, reps, months): 1 = rep in place."""
        ...


@dataclass(frozen=True)
class FixedEffort:
    """Every rep works at the same, plan-independent effort level on every task."""

    level: float = 1.0
    plan_dependent: bool = False
    shifts_deals: bool = False

    @property
    def passive(self) -> bool:
        """Effort fixed and nothing shifted: the engine may skip its bookkeeping (it
        records the effort as a view). Kept to today's effort, the foundation run."""
        return self.level == 1.0

    def effort(self, state: MonthState) -> Effort | None:
        return None if self.level == 1.0 else Effort(self.level, self.level, self.level)

    def shift(self, kind, state, values, ahead=1) -> None:
        return None

    def presence(self, seed, block, trials, months) -> None:
        return None


def pull_discount(rate: float, ahead: int, per: str = "month") -> float:
    """Extra discount on a deal pulled ``ahead`` months forward into a period's close.

    With ``per="month"`` the customer asks ``rate`` for every month the signature is
    brought forward, compounded: 1 - (1 - rate) ** ahead (``rate`` for next month's
    deals, rising with how far ahead a deal is pulled, never reaching 100%). With
    ``per="deal"`` a moved deal carries one extra discount ``rate`` whatever the
    distance, the form Larkin (2014) estimates: a price cut granted so that the deal
    closes when the rep wants it. The engines give it and the timing decision
    weighs it, so both use this one rule."""
    if per == "deal":
        return rate
    return 1.0 - (1.0 - rate) ** ahead


def side_by_side(fn: Callable[[Any], Any], items: Iterable, workers: int = 2) -> list:
    """``[fn(x) for x in items]`` on ``workers`` threads (numpy releases the GIL in its
    array work). Each item draws its own streams, so the results do not depend on the
    order they finish in."""
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return list(pool.map(fn, items))
