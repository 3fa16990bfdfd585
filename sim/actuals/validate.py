"""Check raw actuals row by row and turn them into a clean :class:`Actuals` table.

Every problem names the source, the row and the column: a missing column, a
cell that is not a number or not a month, a negative amount, a rep the
scenario's team does not know, a rep-month given twice. By default any problem
stops the review before anything is computed; with ``drop_bad_rows`` the bad
rows are left out and listed in :attr:`Actuals.dropped`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import ScenarioError
from .sources import RawTable
from .spec import REQUIRED, TEXT_FIELDS, ActualsSpec, known_field

__all__ = ["Actuals", "ActualsError", "Problem", "validate"]

#: Problems listed in an error message before "... and N more".
SHOWN = 12


class ActualsError(ScenarioError):
    """Actuals that cannot be used as they are (exit code 2 on the command line)."""


@dataclass(frozen=True)
class Problem:
    """One bad cell or row: where it is and what is wrong."""

    origin: str
    row: str
    column: str
    message: str

    def __str__(self) -> str:
        col = f", column {self.column!r}" if self.column else ""
        return f"{self.origin}: {self.row}{col}: {self.message}"


@dataclass(frozen=True)
class Actuals:
    """Clean actuals: one row per rep and month, fields named as planlab names them.

    ``frame`` has ``rep``, ``team``, ``period`` (a monthly ``pd.Period``) and the
    numeric fields present in the source; ``dropped`` lists rows left out.
    """

    frame: pd.DataFrame
    origin: str
    fields: tuple[str, ...]
    dropped: tuple[Problem, ...] = field(default_factory=tuple)

    @property
    def months(self) -> list[pd.Period]:
        return sorted(self.frame["period"].unique())

    @property
    def reps(self) -> list[str]:
        return list(dict.fromkeys(self.frame["rep"]))


def _month(value: object) -> pd.Period | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    try:
        if isinstance(value, str):
            value = value.strip()
            if not value:
                return None
        p = pd.Period(value, freq="M")
    except (ValueError, TypeError):
        return None
    return None if pd.isna(p) else p


def _rename(raw: RawTable, spec: ActualsSpec, required: tuple[str, ...]) -> pd.DataFrame:
    """Source columns renamed to planlab's fields; missing required columns are errors."""
    frame = raw.frame.copy()
    frame.columns = [str(c).strip() for c in frame.columns]
    by_source = {v: k for k, v in spec.columns.items()}
    renamed = {}
    for c in frame.columns:
        f = by_source.get(c, c if c not in spec.columns.values() else None)
        if f is not None and known_field(f) and c not in renamed.values():
            renamed[c] = f
    missing = [f for f in required if f not in renamed.values()]
    if missing:
        names = [
            f"{f!r}" + (f" (mapped to {spec.columns[f]!r})" if f in spec.columns else "")
            for f in missing
        ]
        raise ActualsError(
            f"{raw.origin}: missing column {', '.join(names)}; the source has "
            f"{', '.join(map(repr, frame.columns))}. Map your column names in the "
            "scenario's [actuals.columns] table"
        )
    return frame[list(renamed)].rename(columns=renamed)


def validate(
    raw: RawTable,
    spec: ActualsSpec,
    teams: dict[str, str],
    drop_bad_rows: bool = False,
    required: tuple[str, ...] = REQUIRED,
) -> Actuals:
    """Check ``raw`` against the team (rep name -> team) and return clean :class:`Actuals`.

    ``required`` are the fields the source must have (fewer when an opportunity
    export provides the deals)."""
    frame = _rename(raw, spec, required)
    if frame.empty:
        raise ActualsError(f"{raw.origin}: the actuals table has no rows")
    n = len(frame)
    problems: dict[int, list[Problem]] = {}

    def bad(i: int, column: str, message: str) -> None:
        problems.setdefault(i, []).append(Problem(raw.origin, raw.row_label(i), column, message))

    source_name = {f: spec.columns.get(f, f) for f in frame.columns}
    reps = frame["rep"].map(lambda v: "" if v is None or pd.isna(v) else str(v).strip())
    for i, r in enumerate(reps):
        if not r:
            bad(i, source_name["rep"], "empty rep name")
        elif r not in teams:
            bad(i, source_name["rep"], f"unknown rep {r!r}: not in the scenario's team")
    periods = [_month(v) for v in frame["period"]]
    for i, p in enumerate(periods):
        if p is None:
            bad(i, source_name["period"], f"{frame['period'].iloc[i]!r} is not a month (YYYY-MM)")
    numeric = [f for f in frame.columns if f not in TEXT_FIELDS]
    values = {}
    for f in numeric:
        col = frame[f]
        text = col.map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else v)
        num = pd.to_numeric(
            text.map(lambda v: v.strip() if isinstance(v, str) else v), errors="coerce"
        ).astype(float)
        for i in np.flatnonzero(num.isna().to_numpy()):
            v = text.iloc[i]
            if v == "" and f not in required:
                continue
            what = "empty" if v == "" else f"{v!r} is not a number"
            bad(i, source_name[f], what)
        for i in np.flatnonzero((num < 0).to_numpy()):
            bad(i, source_name[f], f"negative amount {num.iloc[i]:g}")
        for i in np.flatnonzero(np.isinf(num.to_numpy())):
            bad(i, source_name[f], "not a finite number")
        values[f] = num.fillna(0.0).to_numpy()
    first: dict[tuple[str, pd.Period], int] = {}
    for i, (r, p) in enumerate(zip(reps, periods, strict=True)):
        if not r or p is None:
            continue
        if (r, p) in first:
            bad(
                i,
                "",
                f"rep {r!r} and month {p} given twice (first at {raw.row_label(first[(r, p)])})",
            )
        else:
            first[(r, p)] = i
    listed = [p for i in sorted(problems) for p in problems[i]]
    if listed and not drop_bad_rows:
        more = f"\n... and {len(listed) - SHOWN} more" if len(listed) > SHOWN else ""
        raise ActualsError(
            f"{raw.origin}: {len(problems)} bad row(s) in the actuals; nothing was computed. "
            "Fix them, or re-run with --drop-bad-rows to leave them out:\n"
            + "\n".join(str(p) for p in listed[:SHOWN])
            + more
        )
    keep = np.array([i not in problems for i in range(n)])
    if not keep.any():
        raise ActualsError(f"{raw.origin}: every row is bad; nothing left to review")
    out = pd.DataFrame({"rep": reps[keep].to_numpy(dtype=object)})
    team_col = frame["team"].astype(str).str.strip() if "team" in frame else None
    out["team"] = [
        team_col.iloc[i] if team_col is not None and team_col.iloc[i] else teams[reps.iloc[i]]
        for i in np.flatnonzero(keep)
    ]
    out["period"] = pd.PeriodIndex([periods[i] for i in np.flatnonzero(keep)], freq="M")
    for f in numeric:
        out[f] = values[f][keep]
    for f in ("new_value", "new_count", "xsell_value", "xsell_count"):
        if f not in out:
            out[f] = 0.0
    out = out.sort_values(["period", "rep"], kind="stable").reset_index(drop=True)
    return Actuals(out, raw.origin, tuple(c for c in out.columns), tuple(listed))
