"""The sales team: reps with ability, territory potential, tenure, accounts and team.

A team is either generated from stated distributions or read from a roster
CSV. The team is drawn once per scenario (from its own random stream) and is
the same in every trial; only the market and the deals vary across trials.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from .csvfile import read_rows
from .distributions import Distribution, Gamma, LogNormal
from .errors import ScenarioError
from .scenario_limits import MAX_NUMBER, MAX_SAID
from .teams import AccountTeams, RoleSpec, account_teams

__all__ = ["MAX_ACCOUNTS", "Population", "TeamSpec", "build_population", "read_roster"]

#: Key accounts one rep can hold in the model: a key-account book is tens of accounts;
#: beyond this a value is a typo, and renewals alone would not fit in memory.
MAX_ACCOUNTS = 10_000


class TeamSpec(BaseModel):
    """How to make the sales team: a roster file, or distributions to draw from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    reps: int = Field(
        default=40, ge=1, le=1_000_000, description="Reps to generate, a count (without a roster)."
    )
    teams: tuple[str, ...] = Field(
        default=("North", "South", "East", "West", "Central"),
        description="Team names; generated reps are dealt to them in turn.",
    )
    roster: str | None = Field(default=None, description="CSV roster, relative to the scenario.")
    seed: int | None = Field(
        default=None,
        ge=0,
        description="Seed the generated team is drawn from, unitless (default: the scenario's seed). "
        "A run's seed redraws the market, never the team.",
    )
    members: tuple[dict[str, str | float], ...] = Field(
        default=(),
        description="Inline roster rows (the roster's columns, each in its column's unit), e.g. a calibrated "
        "team.",
    )
    ability: Distribution = Field(
        default=LogNormal(mean=1.0, cv=0.3),
        description="Rep productivity, a multiple of the market's deal rates (mean 1).",
    )
    potential: Distribution = Field(
        default=LogNormal(mean=1.0, cv=0.35),
        description="Territory potential, a multiple of demand (mean 1).",
    )
    tenure_years: Distribution = Field(
        default=Gamma(mean=4.0, sd=3.0),
        description="Time in the role, in years (promotion rewards).",
    )
    accounts: Distribution = Field(
        default=Gamma(mean=10.0, sd=3.0),
        description="Key accounts a rep holds, a count (renewals and cross-sell); at most "
        "10,000 per rep (MAX_ACCOUNTS): beyond that a value is a typo.",
    )
    roles: tuple[RoleSpec, ...] = Field(
        default=(),
        description="Account-team roles besides account managers (sim.teams), e.g. overlays.",
    )

    @model_validator(mode="after")
    def _check(self) -> TeamSpec:
        if not self.teams:
            raise ValueError("teams needs at least one team name")
        if self.members and self.roster is not None:
            raise ValueError("give a roster file or inline members, not both")
        for i, m in enumerate(self.members):
            if not isinstance(m.get("name"), str) or not isinstance(m.get("team"), str):
                raise ValueError(f"members[{i}]: needs a text name and team")
            if set(m) != set(self.members[0]):
                raise ValueError(f"members[{i}]: every member needs the same columns")
        return self


@dataclass(frozen=True)
class Population:
    """The reps, as parallel arrays (one entry per rep)."""

    name: np.ndarray
    team: np.ndarray
    ability: np.ndarray
    potential: np.ndarray
    tenure_years: np.ndarray
    accounts: np.ndarray
    csat_base: np.ndarray
    renewals_due: np.ndarray  # (reps, 12): accounts up for renewal each month
    targets: dict[str, np.ndarray] = field(default_factory=dict)  # roster target_<measure>
    history: dict[str, np.ndarray] = field(default_factory=dict)  # roster actual_<measure>
    account_teams: AccountTeams | None = None  # roles and who serves whom (sim.teams)

    @property
    def size(self) -> int:
        return len(self.name)

    @property
    def team_names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.team.tolist()))

    @property
    def team_index(self) -> np.ndarray:
        """Integer team id per rep, in order of first appearance."""
        lookup = {t: i for i, t in enumerate(self.team_names)}
        return np.array([lookup[t] for t in self.team], dtype=np.intp)

    @property
    def potential_index(self) -> np.ndarray:
        """Territory potential normalised to mean 1 across the team."""
        return self.potential / self.potential.mean()


def _renewal_months(accounts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    due = np.zeros((len(accounts), 12), dtype=np.int64)
    for i, n in enumerate(accounts):
        np.add.at(due[i], rng.integers(0, 12, int(n)), 1)
    return due


def build_population(
    spec: TeamSpec,
    rng: np.random.Generator,
    satisfaction_mean: float,
    satisfaction_rep_sd: float,
    base_dir: Path | None = None,
    origin: str = "<scenario>",
) -> Population:
    """Generate the team from ``spec`` (or read its roster) using ``rng``."""
    if spec.roster is not None:
        path = Path(spec.roster)
        if base_dir is not None and not path.is_absolute():
            path = base_dir / path
        cols = read_roster(path)
        n = len(cols["name"])
    elif spec.members:
        cols = {
            k: np.array(
                [m[k] for m in spec.members], dtype=object if k in ("name", "team") else float
            )
            for k in spec.members[0]
        }
        n = len(spec.members)
    else:
        n = spec.reps
        width = len(str(n))
        cols = {
            "name": np.array([f"Rep {i + 1:0{width}d}" for i in range(n)], dtype=object),
            "team": np.array([spec.teams[i % len(spec.teams)] for i in range(n)], dtype=object),
        }
    draws = {
        "ability": spec.ability,
        "potential": spec.potential,
        "tenure_years": spec.tenure_years,
        "accounts": spec.accounts,
    }
    values = {}
    for key, dist in draws.items():  # always draw, so a roster column does not shift streams
        drawn = np.maximum(dist.sample(rng, n), 0.0)
        values[key] = cols.get(key, drawn)
    held = np.asarray(values["accounts"], dtype=float)
    if held.size and not float(held.max()) <= MAX_ACCOUNTS:
        where = "a roster's accounts column" if "accounts" in cols else "[team] accounts"
        raise ScenarioError(
            f"{origin}: {where}: a rep holding {float(held.max()):,.0f} key accounts is "
            f"beyond what planlab models (at most {MAX_ACCOUNTS:,} per rep)"
        )
    accounts = np.rint(held).astype(np.int64)
    ability = np.maximum(values["ability"], 1e-6)
    csat = np.clip(satisfaction_mean + satisfaction_rep_sd * rng.standard_normal(n), 0, 10)
    try:
        teams = account_teams(spec.roles, cols["name"], cols["team"])
    except ValueError as exc:
        raise ScenarioError(f"{origin}: {exc}") from None
    return Population(
        name=np.asarray(cols["name"], dtype=object),
        team=np.asarray(cols["team"], dtype=object),
        ability=ability,
        potential=np.maximum(values["potential"], 1e-6),
        tenure_years=values["tenure_years"],
        accounts=accounts,
        csat_base=csat,
        renewals_due=_renewal_months(accounts, rng),
        targets={k[len("target_") :]: v for k, v in cols.items() if k.startswith("target_")},
        history={k[len("actual_") :]: v for k, v in cols.items() if k.startswith("actual_")},
        account_teams=teams,
    )


_NUMERIC = ("ability", "potential", "tenure_years", "accounts")


def read_roster(path: Path) -> dict[str, np.ndarray]:
    """Read a roster CSV: ``name``, ``team`` and optional numeric columns.

    Optional columns: ability, potential, tenure_years, accounts,
    ``target_<measure>`` and last period's ``actual_<measure>``. Errors name the
    file, the row and the column.
    """
    path = Path(path)
    rows = read_rows(path, "roster")
    header = [h.strip() for h in rows[0]]
    for req in ("name", "team"):
        if req not in header:
            # The file may be anything (a mistyped path): say what a roster is, never
            # echo its content; name a column only when it is the wanted one misspelt.
            near = [h for h in header if h.lower() == req]
            hint = f"; its column {near[0]!r} must be written {req!r}" if near else ""
            raise ScenarioError(
                f"{path}: not a roster: its first row must name the columns, with a {req!r} "
                f"column (name, team, then optional ability, potential, tenure_years, "
                f"accounts, target_<measure>){hint}"
            )
    known = {"name", "team", *_NUMERIC}
    for h in header:
        if h not in known and not h.startswith(("target_", "actual_")):
            raise ScenarioError(
                f"{path}: unknown roster column {h!r}; expected name, team, "
                f"{', '.join(_NUMERIC)}, target_<measure> or actual_<measure>"
            )
    out: dict[str, list] = {h: [] for h in header}
    seen: set[str] = set()
    for lineno, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(header):
            raise ScenarioError(
                f"{path}: row {lineno}: expected {len(header)} fields, got {len(row)}"
            )
        for h, raw in zip(header, row, strict=True):
            val = raw.strip()
            if h in ("name", "team"):
                if not val:
                    raise ScenarioError(f"{path}: row {lineno}, column {h!r}: empty")
                if h == "name":
                    if val in seen:
                        raise ScenarioError(f"{path}: row {lineno}: rep name {val!r} appears twice")
                    seen.add(val)
                out[h].append(val)
                continue
            try:
                num = float(val)
            except ValueError:
                raise ScenarioError(
                    f"{path}: row {lineno}, column {h!r}: {val!r} is not a number"
                ) from None
            positive = h in ("ability", "potential") or h.startswith("target_")
            if not math.isfinite(num) or num < 0 or (positive and num == 0):
                need = "a positive number" if positive else "a number >= 0"
                raise ScenarioError(f"{path}: row {lineno}, column {h!r}: {val!r} must be {need}")
            if num > MAX_NUMBER:
                raise ScenarioError(
                    f"{path}: row {lineno}, column {h!r}: {num:.6g} is beyond the largest "
                    f"value a scenario accepts ({MAX_SAID})"
                )
            out[h].append(num)
    if not out["name"]:
        raise ScenarioError(f"{path}: roster has no reps")
    return {
        h: np.array(v, dtype=object if h in ("name", "team") else float) for h, v in out.items()
    }
