"""Check raw actuals row by row and turn them into a clean :class:`Actuals` table.

Every problem names the source, the row and the column: a missing column, a
cell that is not a number or not a month (a quarter or a year is not a month),
an Excel formula without a saved value, a negative amount, a rep the
scenario's team does not know, a rep-month given twice. Numbers and months are
read with the ``[actuals]`` table's separators, currency and date format, or
as detected (:mod:`sim.amounts`, :mod:`sim.dates`). By default any problem
stops the review before anything is computed; with ``drop_bad_rows`` the bad
rows are left out and listed in :attr:`Actuals.dropped`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..amounts import PLAIN, number_format, read_number
from ..dates import date_order, is_blank, read_month
from ..errors import ScenarioError
from ..plausible import AMOUNT_MULTIPLE, amount_limit, date_window
from ..problems import Problem, problem_listing
from ..scenario_limits import MAX_NUMBER, MAX_SAID
from .sources import RawTable, Uncached
from .spec import REQUIRED, TEXT_FIELDS, ActualsSpec, known_field

__all__ = ["Actuals", "ActualsError", "Problem", "validate"]


class ActualsError(ScenarioError):
    """Actuals that cannot be used as they are (exit code 2 on the command line)."""


@dataclass(frozen=True)
class Actuals:
    """Clean actuals: one row per rep and month, fields named as planlab names them.

    ``frame`` has ``rep``, ``team``, ``period`` (a monthly ``pd.Period``) and the
    numeric fields present in the source; ``dropped`` lists rows left out, ``notes``
    what was detected about the source and ``warnings`` what was inferred.
    """

    frame: pd.DataFrame
    origin: str
    fields: tuple[str, ...]
    dropped: tuple[Problem, ...] = field(default_factory=tuple)
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def months(self) -> list[pd.Period]:
        return sorted(self.frame["period"].unique())

    @property
    def reps(self) -> list[str]:
        return list(dict.fromkeys(self.frame["rep"]))


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
    scales: dict[str, tuple[float, float, str]] | None = None,
) -> Actuals:
    """Check ``raw`` against the team (rep name -> team) and return clean :class:`Actuals`.

    ``required`` are the fields the source must have (fewer when an opportunity
    export provides the deals); ``scales`` gives fields read on a scale (low, high,
    where the scale is declared), such as the assessed collaboration score."""
    frame = _rename(raw, spec, required)
    if frame.empty:
        raise ActualsError(f"{raw.origin}: the actuals table has no rows")
    n = len(frame)
    problems: dict[int, list[Problem]] = {}

    def bad(i: int, column: str, message: str) -> None:
        problems.setdefault(i, []).append(Problem(raw.origin, raw.row_label(i), column, message))

    source_name = {f: spec.columns.get(f, f) for f in frame.columns}
    for i, message in raw.broken.items():
        bad(i, "", message)
    for f in frame.columns:
        for i in np.flatnonzero(frame[f].map(lambda v: isinstance(v, Uncached)).to_numpy()):
            bad(
                i,
                source_name[f],
                f"formula {frame[f].iloc[i]} has no saved value (the file was written by a "
                "program that does not compute formulas); open and save it in Excel",
            )
    frame = frame.map(lambda v: None if isinstance(v, Uncached) else v)
    reps = frame["rep"].map(lambda v: "" if is_blank(v) else str(v).strip())
    reps = reps.map(lambda r: spec.reps.get(r, r))
    for i, r in enumerate(reps):
        if not r:
            bad(i, source_name["rep"], "empty rep name")
        elif r not in teams:
            bad(i, source_name["rep"], f"unknown rep {r!r}: not in the scenario's team")
    labels = [raw.row_label(i) for i in range(n)]
    order = date_order(
        {source_name["period"]: [(lab, v) for lab, v in zip(labels, frame["period"], strict=True)]},
        spec.date_format,
        "[actuals] date_format",
    )
    if order.error:
        raise ActualsError(f"{raw.where()}: {order.error}")
    periods: list[pd.Period | None] = []
    for i, v in enumerate(frame["period"]):
        p = None if is_blank(v) else read_month(v, order)
        if p is None or isinstance(p, str):
            bad(i, source_name["period"], p or "empty: the month is needed (YYYY-MM)")
            p = None
        periods.append(p)
    numeric = [f for f in frame.columns if f not in TEXT_FIELDS]
    values = {}
    notes = [x for x in (raw.detected, order.note) if x]
    for f in numeric:
        col = frame[f]
        text = [(lab, v.strip()) for lab, v in zip(labels, col, strict=True) if isinstance(v, str)]
        fmt, err = number_format(text, spec.decimal, spec.thousands, spec.currency)
        if err:
            raise ActualsError(f"{raw.where()}: column {source_name[f]!r}: {err}")
        if fmt.note:
            notes.append(f"column {source_name[f]!r}: {fmt.note}")
        num = np.zeros(n)
        # Plain numbers in one vectorised pass; every other cell is read one by one.
        plain = col.map(_plain) if fmt.decimal == "." else pd.Series(False, index=col.index)
        quick = pd.to_numeric(col.where(plain), errors="coerce").to_numpy(float)
        ok = np.isfinite(quick) & (quick >= 0)
        num[ok] = quick[ok]
        for i in np.flatnonzero(~ok):
            v = col.iloc[i]
            if is_blank(v):
                if f in required:
                    bad(i, source_name[f], "empty")
                continue
            x = read_number(v, fmt) if isinstance(v, str) else _plain_number(v)
            if isinstance(x, str):
                bad(i, source_name[f], x)
            elif x < 0:
                bad(i, source_name[f], f"negative amount {x:g}")
            else:
                num[i] = x
        if f in (scales or {}):
            low, high, declared = scales[f]
            for i in np.flatnonzero((num < low) | (num > high)):
                bad(
                    i,
                    source_name[f],
                    f"{num[i]:g} is outside the scale {low:g}-{high:g} ({declared})",
                )
        values[f] = num
    _implausible(bad, values, periods, source_name, problems)
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
        raise ActualsError(
            f"{raw.where()}: {len(problems)} bad row(s) in the actuals; nothing was computed. "
            "Fix them, or re-run with --drop-bad-rows to leave them out:\n"
            + problem_listing(listed)
            + "".join(f"\n(read with: {x})" for x in notes[1 if raw.detected else 0 :])
        )
    keep = np.array([i not in problems for i in range(n)])
    if not keep.any():
        raise ActualsError(f"{raw.origin}: every row is bad; nothing left to review")
    out = pd.DataFrame({"rep": reps[keep].to_numpy(dtype=object)})
    team_col = (
        frame["team"].map(lambda v: "" if is_blank(v) else str(v).strip())
        if "team" in frame
        else None
    )
    kept_reps = reps.to_numpy(dtype=object)[keep]
    kept_teams = team_col.to_numpy(dtype=object)[keep] if team_col is not None else None
    out["team"] = [
        t if kept_teams is not None and (t := kept_teams[k]) else teams[r]
        for k, r in enumerate(kept_reps)
    ]
    out["period"] = pd.PeriodIndex([periods[i] for i in np.flatnonzero(keep)], freq="M")
    for f in numeric:
        out[f] = values[f][keep]
    for f in ("new_value", "new_count", "xsell_value", "xsell_count"):
        if f not in out:
            out[f] = 0.0
    out = out.sort_values(["period", "rep"], kind="stable").reset_index(drop=True)
    return Actuals(
        out, raw.origin, tuple(c for c in out.columns), tuple(listed), notes=tuple(notes)
    )


def _implausible(bad, values: dict, periods: list, source_name: dict, problems: dict) -> None:
    """Flag readable cells no business has (:mod:`sim.plausible`): a month outside the
    actuals' plausible window, an amount above a multiple of its column's median."""
    readable = [i for i, p in enumerate(periods) if p is not None]
    window = date_window(pd.Series([periods[i].to_timestamp() for i in readable]))
    for i in readable:
        if window is not None and not window.holds(periods[i].to_timestamp()):
            bad(
                i,
                source_name["period"],
                f"{periods[i]} is outside the actuals' plausible months, {window.said()}; "
                "a placeholder date?",
            )
    for f, num in values.items():
        for i in np.flatnonzero(num > MAX_NUMBER):
            bad(i, source_name[f], f"{num[i]:.6g} is beyond the largest value read ({MAX_SAID})")
        if f.endswith("_count") or f in ("csat", "collaboration_score"):
            continue
        ok = np.array([i not in problems for i in range(len(num))], dtype=bool)
        limit = amount_limit(num[ok])
        if limit is None:
            continue
        for i in np.flatnonzero(ok & (num > limit)):
            bad(
                i,
                source_name[f],
                f"{num[i]:,.6g} is more than {AMOUNT_MULTIPLE:,} times the column's median "
                f"({limit / AMOUNT_MULTIPLE:,.0f}); an amount in the wrong unit?",
            )


def _plain(v: object) -> bool:
    """A cell a vectorised parse reads exactly: a finite number or plain decimal text."""
    if isinstance(v, str):
        return PLAIN.match(v.strip()) is not None
    return isinstance(v, int | float | np.number) and not isinstance(v, bool)


def _plain_number(v: object) -> float | str:
    """A cell a typed source (Excel, Parquet, SQL) gave: a number, or what is wrong."""
    if isinstance(v, bool):
        return f"{v!r} is not a number"
    try:
        x = float(v)
    except (TypeError, ValueError):
        return f"{v!r} is not a number"
    return x if np.isfinite(x) else f"{v!r} is not a finite number"
