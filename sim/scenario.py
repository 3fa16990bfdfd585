"""Scenario files: TOML in, frozen validated objects out.

A scenario holds the sales team, the market, a base plan, named plan variants
(each listing only its overrides of the base plan) and simulation settings.
Anything a file leaves out takes the documented default of the typed models;
``extends = "other.toml"`` starts from another scenario file.

Errors name the file, the key path and what is wrong, e.g.
``scenarios/x.toml: plan.measures: weights must sum to 1, got 1.15``.

Override rules (plan variants and ``extends``): tables merge key by key;
arrays and curves replace whole; in ``measures`` a table keyed by measure name
merges into (or adds) that measure, and ``drop_measures`` removes measures.
A file that extends another may list ``drop_variants`` to leave inherited
variants out (hand-off files carry only their own variant).
"""

from __future__ import annotations

import copy
import hashlib
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .actuals.spec import ActualsSpec, CheckinSpec
from .behaviour.spec import BehaviourSpec
from .errors import ScenarioError
from .market import Market
from .measures import MEASURES
from .messages import explain_error, shorten
from .opportunity_spec import OpportunitySpec
from .optimize_spec import OptimizeSpec, check_optimize, check_responding
from .overrides import ATOMIC
from .overrides import merge_tables as _merge
from .pipeline.spec import PipelineSpec
from .plan import Plan
from .population import TeamSpec
from .scenario_limits import MAX_DEPTH, MAX_EXTENDS, check_numbers, nesting_depth
from .suggest import did_you_mean
from .sweep.spec import SweepSpec

__all__ = [
    "ATOMIC",
    "HEAD_KEYS",
    "Scenario",
    "Simulation",
    "TABLES",
    "explain_error",
    "load_scenario",
    "parse_scenario",
    "resolve_variant",
    "variant_overrides",
    "variant_toml",
    "write_variant",
]

BASE = "base"
#: The scenario's tables besides its head, plan and variants, each taken as read.
#: The keys of a file's ``[scenario]`` table.
HEAD_KEYS = ("name", "description", "currency")

TABLES = (
    "team",
    "market",
    "behaviour",
    "simulation",
    "optimize",
    "actuals",
    "checkin",
    "pipeline",
    "opportunities",
    "sweep",
)


class Simulation(BaseModel):
    """How much to simulate and with which seed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    trials: int = Field(
        default=2_000,
        ge=1,
        le=10_000_000,
        description="Simulated years (trials) per plan.",
        json_schema_extra={"unit": "simulated years"},
    )
    seed: int = Field(
        default=20_261_127,
        ge=0,
        description="Seed of every random draw (unitless): same seed, same result, on any machine.",
    )
    chunk_trials: int = Field(
        default=500,
        ge=1,
        description="Trials held in memory at once.",
        json_schema_extra={"unit": "simulated years"},
    )


class Scenario(BaseModel):
    """A validated scenario: team, market, base plan, variants, simulation settings."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    name: str = Field(default="scenario", description="The scenario's name, as reports show it.")
    description: str = Field(default="", description="The scenario in words, for reports.")
    currency: str = Field(
        default="USD",
        pattern=r"^[A-Z]{3}$",
        description="ISO 4217 code of every amount (targets, pay, revenue); reports show it.",
    )
    team: TeamSpec = Field(
        default=TeamSpec(),
        description="How to make the sales team: a roster file, or distributions to draw from.",
    )
    market: Market = Field(
        default=Market(), description="Demand and deal economics for one plan year."
    )
    plan: Plan = Field(description="The base plan: today's incentive plan for one plan year.")
    variants: dict[str, Plan] = Field(
        default_factory=dict, description="Named plan variants compared with the base plan."
    )
    behaviour: BehaviourSpec = Field(
        default=BehaviourSpec(),
        description="How reps respond to the plan; every component is off by default.",
    )
    pipeline: PipelineSpec = Field(
        default=PipelineSpec(),
        description="Opportunities, stages, capacity, attention and satisfaction of the pipeline engine.",
    )
    simulation: Simulation = Field(
        default=Simulation(), description="How much to simulate and with which seed."
    )
    sweep: SweepSpec = Field(
        default=SweepSpec(), description="Plan variants x market scenarios (planlab sweep)."
    )
    optimize: OptimizeSpec = Field(
        default_factory=OptimizeSpec,
        description="The optimiser's settings: levers, constraints, objective, solver.",
    )
    actuals: ActualsSpec = Field(
        default=ActualsSpec(),
        description="Where the review's actuals are and what their columns are called.",
    )
    checkin: CheckinSpec = Field(
        default=CheckinSpec(), description="The mid-period check-in's adjustment options."
    )
    opportunities: OpportunitySpec = Field(
        default=OpportunitySpec(), description="How the CRM export of opportunities is read."
    )
    source: str | None = Field(default=None, description="File the scenario was read from.")
    digest: str = Field(default="", description="SHA-256 of the file(s) read.")

    @model_validator(mode="after")
    def _one_effort_switch(self) -> Scenario:
        check_responding(self.behaviour, self.optimize)
        return self

    @model_validator(mode="after")
    def _collaboration_declared(self) -> Scenario:
        need = {
            "referrals": (self.market.referrals, "leads passed between sales teams"),
            "collaboration_score": (
                self.market.collaboration_score,
                "the scale and how help moves the score",
            ),
        }
        for name, plan in self.plans.items():
            where = "plan" if name == BASE else f"variants.{name}"
            used = [
                *((f"measures[{i}]", m.name) for i, m in enumerate(plan.measures)),
                *((f"gates[{i}]", g.measure) for i, g in enumerate(plan.gates)),
                *((f"modifiers[{i}]", d.measure) for i, d in enumerate(plan.modifiers)),
            ]
            for key, measure in used:
                if measure in need and need[measure][0] is None:
                    raise ValueError(
                        f"{where}.{key}: pays on {measure}, but the scenario declares no "
                        f"[market.{measure}] ({need[measure][1]})"
                    )
        return self

    @property
    def plans(self) -> dict[str, Plan]:
        """The base plan and every variant, base first."""
        return {BASE: self.plan, **self.variants}

    @property
    def base_dir(self) -> Path | None:
        return Path(self.source).parent if self.source else None


def resolve_variant(base_plan: dict, overrides: dict, where: str) -> dict:
    """Apply a variant's overrides to the base plan's raw table."""
    over = dict(overrides)
    drop = over.pop("drop_measures", [])
    measures = [dict(m) for m in base_plan.get("measures", [])]
    m_over = over.pop("measures", None)
    if isinstance(m_over, list):
        for i, m in enumerate(m_over):
            if not isinstance(m, dict):
                raise ScenarioError(f"{where}.measures[{i}]: expected a table describing a measure")
        measures = m_over
    elif isinstance(m_over, dict):
        ids_before = [m.get("key") or m.get("name") for m in measures]
        for name, table in m_over.items():
            if not isinstance(table, dict):
                raise ScenarioError(f"{where}.measures.{name}: expected a table of overrides")
            for i, m in enumerate(measures):
                if (m.get("key") or m.get("name")) == name:
                    measures[i] = _merge(m, table)
                    break
            else:
                if name not in MEASURES and "name" not in table:
                    raise ScenarioError(
                        f"{where}.measures.{name}: not a measure of the base plan "
                        f"({', '.join(str(i) for i in ids_before)}) nor a known measure"
                        + did_you_mean(name, [*ids_before, *MEASURES])
                    )
                added = {"name": name, **table}
                if added["name"] != name:
                    added.setdefault("key", name)
                measures.append(added)
    elif m_over is not None:
        raise ScenarioError(f"{where}.measures: expected a list or a table keyed by measure name")
    if not isinstance(drop, list):
        raise ScenarioError(f"{where}.drop_measures: expected a list of measure names")
    ids = [m.get("key") or m.get("name") for m in measures]
    for d in drop:
        if d not in ids:
            raise ScenarioError(f"{where}.drop_measures: {d!r} is not a measure of the base plan")
    merged = _merge(base_plan, over)
    merged["measures"] = [m for m in measures if (m.get("key") or m.get("name")) not in drop]
    return merged


def _read_toml(
    path: Path, chain: tuple[Path, ...] = (), named_by: str = ""
) -> tuple[dict, list[bytes]]:
    """A scenario file's tables with every file it extends merged under them, and the
    bytes of each file read. ``named_by`` is ``"FILE: extends"`` when another file
    named this one, so that a bad ``extends`` is reported against the file that holds it."""
    try:
        found = path.is_file()
    except OSError as exc:  # a name too long for the file system, say
        found = False
        if not named_by:
            raise ScenarioError(f"{path}: cannot open the scenario file ({exc.strerror})") from None
    if not found:
        if named_by:
            raise ScenarioError(f"{named_by}: no scenario file at {shorten(str(path), 200)}")
        raise ScenarioError(f"{path}: scenario file not found")
    if path.resolve() in chain:
        raise ScenarioError(f"{named_by}: {path} loops back to a file already read")
    if len(chain) >= MAX_EXTENDS:
        raise ScenarioError(
            f"{named_by}: more than {MAX_EXTENDS} files extend one another "
            f"(starting at {chain[0]}); flatten the chain"
        )
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read the scenario file ({exc.strerror})") from None
    too_deep = (
        f"{path}: tables or lists nested more than {MAX_DEPTH} deep; a scenario needs a few levels"
    )
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{path}: not UTF-8 text ({exc.reason})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:  # the reader is recursive: nesting beyond Python's stack
        raise ScenarioError(too_deep) from None
    if nesting_depth(data) > MAX_DEPTH:
        raise ScenarioError(too_deep)
    team = data.get("team")
    if isinstance(team, dict) and isinstance(team.get("roster"), str):
        # A roster is relative to the file that names it, whichever file extends it.
        try:
            team["roster"] = str((path.parent / team["roster"]).resolve())
        except (OSError, ValueError) as exc:
            raise ScenarioError(f"{path}: team.roster: not a usable file name ({exc})") from None
    parent = data.pop("extends", None)
    if parent is None:
        return data, [raw]
    if not isinstance(parent, str) or not parent.strip():
        raise ScenarioError(f"{path}: extends: expected a file name")
    if "\0" in parent:
        raise ScenarioError(f"{path}: extends: a file name cannot hold a NUL character")
    base, raws = _read_toml(path.parent / parent, (*chain, path.resolve()), f"{path}: extends")
    inherited = base.pop("variants", {})
    drop = data.pop("drop_variants", [])
    if not isinstance(drop, list) or not all(isinstance(v, str) for v in drop):
        raise ScenarioError(f"{path}: drop_variants: expected a list of variant names")
    unknown = [v for v in drop if v not in inherited]
    if unknown:
        raise ScenarioError(
            f"{path}: drop_variants: {unknown[0]!r} is not a variant of {parent} "
            f"(it has: {', '.join(inherited) or 'none'})"
        )
    inherited = {k: v for k, v in inherited.items() if k not in drop}
    variants = _merge(inherited, data.pop("variants", {}))
    merged = _merge(base, data)
    if variants:
        merged["variants"] = variants
    return merged, [*raws, raw]


def parse_scenario(
    data: dict, origin: str = "<scenario>", source: Path | None = None, digest: str = ""
) -> Scenario:
    """Validate a raw scenario table (as read from TOML) into a :class:`Scenario`."""
    if nesting_depth(data) > MAX_DEPTH:
        raise ScenarioError(f"{origin}: tables or lists nested more than {MAX_DEPTH} deep")
    check_numbers(data, origin)
    data = copy.deepcopy(data)
    known = {"scenario", "plan", "variants", *TABLES}
    for k in data:
        if k not in known:
            raise ScenarioError(
                f"{origin}: unknown key {k!r} at the top of the file"
                + (did_you_mean(k, known) or f"; expected one of {', '.join(sorted(known))}")
            )
    head = data.get("scenario", {})
    if not isinstance(head, dict):
        raise ScenarioError(f"{origin}: scenario: expected a table")
    plan_raw = data.get("plan")
    if not isinstance(plan_raw, dict):
        raise ScenarioError(f"{origin}: plan: required table is missing")
    variants_raw = data.get("variants", {})
    if not isinstance(variants_raw, dict):
        raise ScenarioError(f"{origin}: variants: expected a table of named variants")
    try:
        plan = Plan.model_validate(plan_raw)
    except ValidationError as exc:
        raise ScenarioError(explain_error(exc, "plan", origin, Plan)) from None
    variants: dict[str, Plan] = {}
    for vname, over in variants_raw.items():
        where = f"variants.{vname}"
        if vname == BASE:
            raise ScenarioError(f"{origin}: {where}: 'base' is the name of the base plan")
        if not isinstance(over, dict):
            raise ScenarioError(f"{origin}: {where}: expected a table of plan overrides")
        try:
            base_name = plan_raw.get("name", "plan")
            merged = resolve_variant(plan_raw, {"name": f"{base_name} [{vname}]", **over}, where)
        except ScenarioError as exc:
            raise ScenarioError(f"{origin}: {exc}") from None
        try:
            variants[vname] = Plan.model_validate(merged)
        except ValidationError as exc:
            raise ScenarioError(explain_error(exc, where, origin, Plan)) from None
    rest = {k: data[k] for k in TABLES if k in data}
    for k in head:
        if k not in HEAD_KEYS:
            raise ScenarioError(
                f"{origin}: unknown key {k!r} in scenario"
                + (did_you_mean(k, HEAD_KEYS) or f"; expected {', '.join(HEAD_KEYS)}")
            )
    try:
        scenario = Scenario.model_validate(
            {
                **head,
                **rest,
                "plan": plan,
                "variants": variants,
                "source": str(source) if source else None,
                "digest": digest,
            }
        )
    except ValidationError as exc:
        raise ScenarioError(explain_error(exc, "", origin, Scenario)) from None
    check_optimize(scenario.optimize, scenario.plan, scenario.team, origin)
    return scenario


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario TOML file (following ``extends``)."""
    path = Path(path)
    data, raws = _read_toml(path)
    roster = (data.get("team") or {}).get("roster") if isinstance(data.get("team"), dict) else None
    if isinstance(roster, str):
        roster_path = path.parent / roster
        try:
            raws.append(roster_path.read_bytes())
        except OSError as exc:
            why = "file not found" if isinstance(exc, FileNotFoundError) else exc.strerror
            raise ScenarioError(f"{path}: team.roster: {why}: {roster_path}") from None
    digest = hashlib.sha256(b"".join(raws)).hexdigest()
    return parse_scenario(data, origin=str(path), source=path, digest=digest)


def _changed(base: Any, new: Any) -> Any:
    """The parts of ``new`` that differ from ``base`` (tables by key; anything else whole)."""
    if isinstance(base, dict) and isinstance(new, dict):
        out = {}
        for k, v in new.items():
            if k not in base:
                out[k] = v
            elif base[k] != v:
                out[k] = _changed(base[k], v) if k not in ATOMIC else v
        return out
    return new


def variant_overrides(base: Plan, variant: Plan) -> dict:
    """A variant as a scenario file lists it: only what differs from the base plan.

    The measures, when they differ, are listed whole (a list replaces the base's).
    """
    b = base.model_dump(mode="json", exclude_none=True)
    v = variant.model_dump(mode="json", exclude_none=True)
    out = _changed(b, v)
    if "measures" in out:  # listed whole, so their own defaults can stay implicit
        out["measures"] = variant.model_dump(mode="json", exclude_defaults=True)["measures"]
    return out


def variant_toml(
    scenario: Scenario,
    name: str,
    plan: Plan,
    directory: str | Path,
    description: str = "",
    behaviour: BehaviourSpec | None = None,
    alone: bool = False,
    seed: int | None = None,
    trials: int | None = None,
) -> str:
    """A scenario file, to be saved in ``directory``, that extends ``scenario``'s file
    and adds ``plan`` as variant ``name`` (listing only its overrides of the base plan).

    A hand-off passes the ``behaviour`` its numbers were made with (written out in
    full, so the file carries it whatever the scenario it extends says),
    ``alone=True``: the scenario's other variants are dropped (``drop_variants``),
    and the ``seed`` and ``trials`` its numbers were drawn with where they are not
    the scenario's."""
    import os

    import tomli_w

    if scenario.source is None:
        raise ScenarioError("the scenario was not read from a file; nothing to extend")
    if name == BASE or not name.replace("_", "").isalnum():
        raise ScenarioError(f"variant name {name!r}: use letters, digits and underscores")
    rel = os.path.relpath(Path(scenario.source).resolve(), Path(directory).resolve())
    over = variant_overrides(scenario.plan, plan)
    if description:
        over["description"] = description
    data: dict[str, Any] = {"extends": Path(rel).as_posix()}
    others = [v for v in scenario.variants if v != name]
    if alone and others:
        data["drop_variants"] = others
    if behaviour is not None:
        data["behaviour"] = behaviour.model_dump(mode="json", exclude_none=True)
    drawn = {"seed": seed, "trials": trials}
    simulation = {
        k: int(v)
        for k, v in drawn.items()
        if v is not None and int(v) != getattr(scenario.simulation, k)
    }
    if simulation:
        data["simulation"] = simulation
    if "seed" in simulation and scenario.team.seed is None:
        # The team is drawn from the scenario's seed: the same reps under the new one.
        data["team"] = {"seed": scenario.simulation.seed}
    data["variants"] = {name: over}
    return tomli_w.dumps(data)


def write_variant(
    path: str | Path, scenario: Scenario, name: str, plan: Plan, description: str = ""
) -> Path:
    """Save ``plan`` as variant ``name`` in a new scenario file that extends ``scenario``'s.

    The file lists only the variant's overrides of the base plan; loading it gives
    the scenario back with the new variant beside the existing ones.
    """
    path = Path(path)
    text = variant_toml(scenario, name, plan, path.parent, description)
    path.write_text(text, encoding="utf-8")
    return path
