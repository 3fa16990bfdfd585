"""Account teams: roles, who serves whose accounts, and the rules that credit a deal.

Key accounts are sold by teams: an account manager owns the accounts and
originates the deals; overlay specialists (solutions, technical, industry)
work on the deals of the account managers they serve. A scenario's ``[team]``
declares the roles (``[[team.roles]]``) and a plan says how each role is
credited with a deal (``[plan.credit]``):

- ``full``: every member of the role on the deal's account team is credited
  with the whole deal (overlay or double credit; it shows in cost of sales);
- ``split``: the role's members share the stated ``share`` of the deal;
- ``pool``: the role's members share, equally with the other pooled members,
  what the split roles leave (a team pool);
- ``none``: the role is not credited.

What neither a split nor a pool takes goes to the originator, so a 100% split
credits every deal exactly once. A plan that names no role credits each deal
to its originator alone (the individual plan).

This module holds the data; :mod:`sim.crediting` applies it to outcomes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "DEFAULT_ROLE",
    "WIN_LIFT",
    "AccountTeams",
    "CreditRule",
    "RoleSpec",
    "account_teams",
    "credit_matrix",
]

#: Role of every rep no ``[[team.roles]]`` entry names: sells on their own accounts.
DEFAULT_ROLE = "account_manager"
#: Default rise of a stage's win chance with a co-seller on the deal (a planning
#: assumption, not fitted: no study in the evidence table measures it).
WIN_LIFT = 0.2


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RoleSpec(_Frozen):
    """A role on the account teams and the reps who hold it.

    Reps are named (``reps``) or, for a generated team, taken from the end of
    each sales team (``per_team``, among reps no earlier role took). Reps of a role that does not ``originate``
    own no accounts: their own bookings are nil and they are credited on the
    deals of the teams they ``serve`` (default: their own team).
    """

    name: str = Field(
        min_length=1,
        description="The role's name, as [plan.credit] and the reports call it.",
    )
    originates: bool = Field(
        default=False, description="Owns accounts and originates deals (account managers do)."
    )
    reps: tuple[str, ...] = Field(default=(), description="Reps holding the role, by name.")
    per_team: int = Field(
        default=0, ge=0, description="Or: this many reps (a count) at the end of each sales team."
    )
    serves: tuple[str, ...] = Field(
        default=(), description="Sales teams whose deals the role works on (default: own team)."
    )
    co_sells: bool = Field(
        default=False,
        description="Pipeline engine: the role's reps co-sell the deals of the account "
        "managers they serve. An opportunity reaching [pipeline] co_sell_stage asks them; "
        "one who accepts (the share of requests a rep accepts comes from [behaviour.help]; "
        "all without it) takes one of their slots, in turn with their own opportunities, "
        "and holds it to the deal's end, so their own work waits when their capacity binds.",
    )
    capacity: int | None = Field(
        default=None,
        ge=1,
        le=1_000_000_000,
        description="Pipeline engine: slots of work a rep of this role holds at once, a count "
        "(default: [pipeline] capacity); a co-seller's slots serve their own and others' deals.",
    )
    win_lift: float = Field(
        default=WIN_LIFT,
        ge=0,
        description="Pipeline engine: rise of the win chance of each stage that ends with a "
        "rep of this role co-selling the deal, a share (0.2 = +20%). A planning assumption: no study in the "
        "evidence table measures it.",
    )

    @model_validator(mode="after")
    def _check(self) -> RoleSpec:
        if bool(self.reps) == bool(self.per_team):
            raise ValueError(f"role {self.name!r}: give either reps or per_team (not both)")
        if "win_lift" in self.model_fields_set and not self.co_sells:
            raise ValueError(f"role {self.name!r}: win_lift needs co_sells = true")
        if self.co_sells and self.name == DEFAULT_ROLE:
            raise ValueError(f"role {self.name!r}: account managers originate, they do not co-sell")
        return self


class CreditRule(_Frozen):
    """How one role is credited with a deal its account team works on."""

    rule: Literal["full", "split", "pool", "none"] = Field(
        description="full: each rep of the role is credited with the whole deal; split: "
        "they share `share` of it; pool: they share what the splits leave; none: no credit."
    )
    share: float | None = Field(
        default=None, ge=0, le=1, description="For split: the share of the deal (0-1)."
    )

    @model_validator(mode="before")
    @classmethod
    def _short(cls, v):
        return {"rule": v} if isinstance(v, str) else v

    @model_validator(mode="after")
    def _check(self) -> CreditRule:
        if (self.rule == "split") != (self.share is not None):
            raise ValueError("share goes with rule = 'split', and only with it")
        return self


@dataclass(frozen=True)
class AccountTeams:
    """Each rep's role, whether they originate deals, and the sales teams they serve."""

    role: np.ndarray  # role name per rep (reps,)
    originates: np.ndarray  # bool (reps,)
    serves: np.ndarray  # bool (reps, teams): works on deals of that sales team
    home: np.ndarray  # sales team index per rep (reps,)
    win_lift: np.ndarray = field(default_factory=lambda: np.zeros(0))  # co-selling (reps,)
    co_sells: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))  # (reps,)
    capacity: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # 0: default
    memo: dict = field(default_factory=dict, compare=False, repr=False)  # credit matrices

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.role.tolist()))

    def co_sellers(self) -> list[list[int]]:
        """Per rep, the reps who co-sell their deals in the pipeline engine: those of a
        role that ``co_sells`` and serves the rep's sales team (never the rep)."""
        helpers = self.co_sells if self.co_sells.size else np.zeros(len(self.role), dtype=bool)
        return [
            [j for j in np.flatnonzero(helpers & self.serves[:, self.home[i]]).tolist() if j != i]
            if o
            else []
            for i, o in enumerate(self.originates)
        ]


def account_teams(
    roles: tuple[RoleSpec, ...], names: np.ndarray, team: np.ndarray
) -> AccountTeams | None:
    """The account teams of a sales team (None when no role is declared).

    Raises ValueError naming the role and the rep or team that is not there."""
    if not roles:
        return None
    names = np.asarray(names, dtype=object)
    team_names = list(dict.fromkeys(np.asarray(team).tolist()))
    home = np.array([team_names.index(t) for t in team], dtype=np.intp)
    n = len(names)
    role = np.full(n, DEFAULT_ROLE, dtype=object)
    originates = np.ones(n, dtype=bool)
    lift = np.zeros(n)
    co_sells = np.zeros(n, dtype=bool)
    capacity = np.zeros(n, dtype=np.int64)
    serves = np.zeros((n, len(team_names)), dtype=bool)
    serves[np.arange(n), home] = True
    index = {str(x): i for i, x in enumerate(names)}
    for k, spec in enumerate(roles):
        where = f"team.roles[{k}] ({spec.name})"
        if spec.name == DEFAULT_ROLE and not spec.originates:
            raise ValueError(f"{where}: {DEFAULT_ROLE} originates deals; use another role name")
        if spec.reps:
            missing = [r for r in spec.reps if r not in index]
            if missing:
                raise ValueError(f"{where}.reps: {missing[0]!r} is not on the team")
            who = [index[r] for r in spec.reps]
        else:
            who = []
            for g in range(len(team_names)):
                free = np.flatnonzero((home == g) & (role == DEFAULT_ROLE))
                who.extend(free[max(len(free) - spec.per_team, 0) :].tolist())
        unknown = [t for t in spec.serves if t not in team_names]
        if unknown:
            raise ValueError(
                f"{where}.serves: {unknown[0]!r} is not a sales team "
                f"(the teams: {', '.join(team_names)})"
            )
        for i in who:
            if role[i] != DEFAULT_ROLE:
                raise ValueError(f"{where}: rep {names[i]!r} already holds role {role[i]!r}")
            role[i] = spec.name
            originates[i] = spec.originates
            lift[i] = spec.win_lift if spec.co_sells else 0.0
            co_sells[i] = spec.co_sells
            capacity[i] = spec.capacity or 0
            if spec.serves:
                serves[i] = False
                serves[i, [team_names.index(t) for t in spec.serves]] = True
    if not originates.any():
        raise ValueError("team.roles: no rep originates deals (every rep is an overlay)")
    return AccountTeams(role, originates, serves, home, lift, co_sells, capacity)


def credit_matrix(
    teams: AccountTeams | None,
    credit: dict[str, CreditRule],
    size: int,
    members: dict[int, list[int]] | None = None,
) -> np.ndarray:
    """C[i, j]: the share of a deal originated by rep i credited to rep j.

    A deal's account team is its originator and every rep of a non-originating or
    co-selling role that serves the originator's sales team, or, with ``members`` (what
    actuals record: originator -> the reps who worked their deals), those reps."""
    if teams is None:
        return np.eye(size)
    unknown = [r for r in credit if r not in teams.roles]
    if unknown:
        raise ValueError(
            f"credit.{unknown[0]}: no rep holds this role (the roles: {', '.join(teams.roles)})"
        )
    default = {DEFAULT_ROLE: CreditRule(rule="full")}
    rules = {r: credit.get(r, default.get(r, CreditRule(rule="none"))) for r in teams.roles}
    splits = sum(c.share for c in rules.values() if c.rule == "split")
    if splits > 1 + 1e-9:
        raise ValueError(f"credit: split shares add up to {splits:.4g}, more than 100%")
    out = np.zeros((size, size))
    overlay = ~teams.originates
    if teams.co_sells.size:  # co-sellers who sell their own accounts work their teams' deals too
        overlay = overlay | teams.co_sells
    for i in np.flatnonzero(teams.originates):
        if members is None:
            served = np.flatnonzero(overlay & teams.serves[:, teams.home[i]]).tolist()
            team = [i, *(j for j in served if j != i)]
        else:
            team = [i, *dict.fromkeys(j for j in members.get(int(i), ()) if j != i)]
        by_role: dict[str, list[int]] = {}
        for j in team:
            by_role.setdefault(teams.role[j], []).append(j)
        left, pool = 1.0, []
        for r, who in by_role.items():
            rule = rules[r]
            if rule.rule == "full":
                out[i, who] += 1.0
            elif rule.rule == "split":
                out[i, who] += rule.share / len(who)
                left -= rule.share
            elif rule.rule == "pool":
                pool.extend(who)
        left = max(left, 0.0)
        if pool:
            out[i, pool] += left / len(pool)
        elif rules[teams.role[i]].rule == "split" or (
            teams.role[i] not in credit and rules[teams.role[i]].rule == "none"
        ):  # a split, or a role the plan does not name, keeps what is left of its own deals
            out[i, i] += left
    return out
