"""Who worked whose deals, as the actuals record it: the deal teams the review credits.

The scenario's ``[[team.roles]]`` say who *may* work a sales team's deals; a
credit file says who *did*. It is a CSV file named by ``[actuals] credits``
with one row per rep who worked a seller's deals in a month::

    period,seller,rep,role
    2026-03,Rep 01,Rep 37,solutions
    2026-03,Rep 01,Rep 33,industry

The seller originates deals (an account manager); ``rep`` worked them in
``role`` (a role of ``[[team.roles]]``, the one the rep holds). Each month of
the reviewed year is credited by the plan's ``[plan.credit]`` rules over the
deal teams recorded for it (:func:`sim.crediting.credit_by_month`); a seller
with no row in a month sold alone that month. Rows of months outside the
reviewed year are left out. The check-in credits the observed months of the
year in progress the same way, and the months still to come over the account
teams of ``[[team.roles]]``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..actuals.validate import ActualsError
from ..population import Population
from ..scenario import Scenario
from ..suggest import did_you_mean
from ..teams import DEFAULT_ROLE

__all__ = ["COLUMNS", "DealTeams", "deal_teams", "read_credits", "recorded_deal_teams"]

_MONTH = re.compile(r"\d{4}-\d{2}(-\d{2})?")  # 2026-03 or a date in it
#: The credit file's columns.
COLUMNS = ("period", "seller", "rep", "role")


@dataclass(frozen=True)
class DealTeams:
    """The credit file's rows, checked against the team: month, seller, rep (indices)."""

    origin: str
    period: tuple[pd.Period, ...]
    seller: np.ndarray  # (rows,) rep index of the seller
    rep: np.ndarray  # (rows,) rep index of who worked the deals


def _fail(origin: str, where: str, what: str) -> ActualsError:
    return ActualsError(f"{origin}: {where}: {what}; nothing was computed")


def read_credits(path: str | Path, population: Population) -> DealTeams:
    """Read and check a credit file: every row names a seller who originates deals, a
    rep of the team, a month, and the role that rep holds.

    Raises :class:`~sim.actuals.ActualsError` naming the file, the row (as a
    spreadsheet numbers it: the header is row 1) and what is wrong."""
    origin = str(path)
    teams = population.account_teams
    if teams is None:
        raise ActualsError(
            f"{origin}: a credit file needs account teams: declare [[team.roles]] in the scenario"
        )
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except FileNotFoundError:
        raise ActualsError(f"{origin}: credit file not found") from None
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise ActualsError(f"{origin}: not a readable CSV file ({exc})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise ActualsError(
            f"{origin}: no {missing[0]!r} column (a credit file has columns "
            f"{', '.join(COLUMNS)}; found {', '.join(frame.columns) or 'none'})"
            + did_you_mean(missing[0], frame.columns)
        )
    names = [str(n) for n in population.name]
    index = {n: i for i, n in enumerate(names)}
    roles = teams.roles
    periods, sellers, reps = [], [], []
    for k, row in enumerate(frame.itertuples(index=False), start=2):
        where = f"row {k}"
        cells = {c: str(getattr(row, c)).strip() for c in COLUMNS}
        for c in ("seller", "rep"):
            if cells[c] not in index:
                raise _fail(
                    origin,
                    where,
                    f"{c} {cells[c]!r} is not a rep of the team" + did_you_mean(cells[c], names),
                )
        seller, rep = index[cells["seller"]], index[cells["rep"]]
        if cells["role"] not in roles:
            raise _fail(
                origin,
                where,
                f"role {cells['role']!r} is not a role of the team (the roles: "
                f"{', '.join(roles)})" + did_you_mean(cells["role"], roles),
            )
        if teams.role[rep] != cells["role"]:
            raise _fail(
                origin,
                where,
                f"rep {cells['rep']!r} holds role {teams.role[rep]!r}, not {cells['role']!r}",
            )
        if not teams.originates[seller]:
            raise _fail(
                origin,
                where,
                f"seller {cells['seller']!r} ({teams.role[seller]}) originates no deals; "
                f"the seller is the {DEFAULT_ROLE} whose deals were worked",
            )
        if seller == rep:
            raise _fail(origin, where, f"{cells['rep']!r} is the seller; list who helped")
        try:
            if not _MONTH.fullmatch(cells["period"]):
                raise ValueError(cells["period"])
            period = pd.Period(cells["period"], freq="M")
        except ValueError:
            raise _fail(
                origin, where, f"period {cells['period']!r} is not a month (e.g. 2026-03)"
            ) from None
        periods.append(period)
        sellers.append(seller)
        reps.append(rep)
    return DealTeams(
        origin, tuple(periods), np.array(sellers, dtype=np.intp), np.array(reps, dtype=np.intp)
    )


def deal_teams(credits: DealTeams, months: tuple[pd.Period, ...]) -> list[dict[int, list[int]]]:
    """Per month of ``months``: seller -> the reps who worked their deals."""
    out: list[dict[int, list[int]]] = [{} for _ in months]
    at = {p: m for m, p in enumerate(months)}
    for p, s, r in zip(credits.period, credits.seller, credits.rep, strict=True):
        if p in at:
            team = out[at[p]].setdefault(int(s), [])
            if int(r) not in team:
                team.append(int(r))
    return out


def recorded_deal_teams(
    scenario: Scenario, population: Population, months: tuple[pd.Period, ...]
) -> tuple[dict[int, list[int]], ...] | None:
    """Per month of ``months``, the deal teams the scenario's credit file records
    (``[actuals] credits``, relative to the scenario's folder), or None without one."""
    if scenario.actuals.credits is None:
        return None
    path = Path(scenario.actuals.credits)
    if not path.is_absolute() and scenario.base_dir is not None:
        path = scenario.base_dir / path
    return tuple(deal_teams(read_credits(path, population), months))
