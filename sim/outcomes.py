"""The outcome table every engine returns: monthly components per trial and rep.

Components (see :data:`sim.measures.COMPONENTS`) are arrays of shape
(trials, reps, months). Measures over any period and any group of reps are
computed from them by :meth:`Outcomes.measure`, so metrics, payouts and
reports work unchanged on any engine that fills this table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .measures import COMPONENTS, MEASURES

__all__ = ["Outcomes"]


@dataclass(frozen=True)
class Outcomes:
    """Monthly components, each of shape (trials, reps, months)."""

    components: dict[str, np.ndarray]
    draws: int = field(default=0, compare=False)  # random variates consumed to make them
    _memo: dict = field(default_factory=dict, compare=False, repr=False)  # measures computed

    def __post_init__(self):
        missing = [c for c in COMPONENTS if c not in self.components]
        if missing:
            raise ValueError(f"outcomes lack components: {missing}")
        shapes = {v.shape for v in self.components.values()}
        if len(shapes) != 1:
            raise ValueError(f"components differ in shape: {shapes}")

    @property
    def shape(self) -> tuple[int, int, int]:
        return next(iter(self.components.values())).shape

    @property
    def trials(self) -> int:
        return self.shape[0]

    @property
    def reps(self) -> int:
        return self.shape[1]

    @property
    def months(self) -> int:
        return self.shape[2]

    def by_period(self, periods: int) -> dict[str, np.ndarray]:
        """Components reshaped to (trials, reps, periods, months per period) (views)."""
        t, r, m = self.shape
        if m % periods:
            raise ValueError(f"{m} months do not split into {periods} periods")
        return {k: v.reshape(t, r, periods, m // periods) for k, v in self.components.items()}

    def measure(
        self, name: str, periods: int = 1, team_index: np.ndarray | None = None
    ) -> np.ndarray:
        """Measure ``name`` per (trial, rep, period); with ``team_index``, each rep
        gets the value of their team (team members' components pooled).

        Results are remembered (read-only): paying many plans on one table, as the
        optimiser does, computes each measure once."""
        key = (name, periods, None if team_index is None else team_index.tobytes())
        if key not in self._memo:
            value = self._measure(name, periods, team_index)
            value.flags.writeable = False
            self._memo[key] = value
        return self._memo[key]

    def _measure(self, name: str, periods: int, team_index: np.ndarray | None) -> np.ndarray:
        kind = MEASURES[name]
        comps = self.by_period(periods)
        if team_index is None:
            return kind.aggregate(comps, axis=3)
        teams = np.unique(team_index)
        t = self.shape[0]
        out = np.empty(self.shape[:2] + (periods,), dtype=float)
        for g in teams:
            members = team_index == g
            # Members' months of a period laid out along a contiguous last axis: each
            # trial's team sum is then the same however many trials are summed at once.
            sub = {
                k: np.ascontiguousarray(v[:, members].transpose(0, 2, 1, 3)).reshape(t, periods, -1)
                for k, v in comps.items()
                if k in kind.numerator + kind.denominator
            }
            out[:, members] = kind.aggregate(sub, axis=2)[:, None, :]
        return out

    def __reduce__(self):
        """Pickle each component in its own memory layout (month-major views stay
        month-major, broadcast constants stay broadcast), so a table computed on a
        worker process or cluster gives the same bytes in every later reduction as
        one computed here (numpy's summation order follows the layout)."""
        return (_rebuild, ({k: _pack(v) for k, v in self.components.items()}, self.draws))

    @classmethod
    def concat(cls, parts: list[Outcomes]) -> Outcomes:
        """Stack outcome tables along the trial axis (every component of the first,
        collaboration components included)."""
        return cls(
            {k: np.concatenate([p.components[k] for p in parts]) for k in parts[0].components},
            draws=sum(p.draws for p in parts),
        )


def _pack(v: np.ndarray) -> tuple:
    if v.size and 0 in v.strides:  # a broadcast constant: keep one copy of what varies
        one = tuple(slice(0, 1) if st == 0 else slice(None) for st in v.strides)
        return ("broadcast", np.ascontiguousarray(v[one]), v.shape)
    if v.ndim == 3 and not v.flags.c_contiguous and v.transpose(2, 0, 1).flags.c_contiguous:
        return ("month_major", v.transpose(2, 0, 1))
    return ("array", v)


def _unpack(packed: tuple) -> np.ndarray:
    kind, data, *shape = packed
    if kind == "broadcast":
        return np.broadcast_to(data, shape[0])
    if kind == "month_major":
        return data.transpose(1, 2, 0)
    return data


def _rebuild(components: dict[str, tuple], draws: int) -> Outcomes:
    return Outcomes({k: _unpack(p) for k, p in components.items()}, draws=draws)
