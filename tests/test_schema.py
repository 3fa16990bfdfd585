"""The scenario reference and JSON Schema, generated from the typed models: every key
is documented; the schema accepts the shipped scenarios and rejects what validate
rejects (for the mistakes a schema can see: unknown keys, types, choices)."""

from __future__ import annotations

import copy
import json
import re
import tomllib
import typing
from pathlib import Path

import jsonschema
import pytest
import tomli_w
from pydantic import BaseModel, Field

from planlab.cli import main
from sim import ScenarioError, load_scenario
from sim import scenario_schema as schema_module
from sim.distributions import DISTRIBUTIONS
from sim.optimize_spec import OptimizeSpec
from sim.population import TeamSpec
from sim.scenario import Scenario
from sim.scenario_reference import scenario_reference, stated_unit
from sim.scenario_schema import DRAFT, scenario_schema
from sim.scenario_toml import dump_scenario

_SCHEMA_DOC = schema_module.__doc__ or ""

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = [*sorted((ROOT / "scenarios").glob("*.toml")), ROOT / "planlab" / "data" / "demo.toml"]
SCHEMA = scenario_schema()
VALIDATOR = jsonschema.Draft4Validator(SCHEMA)


def _models(root: type[BaseModel]) -> list[type[BaseModel]]:
    """Every model reachable from ``root`` through its fields' annotations."""
    seen: list[type[BaseModel]] = []

    def visit(t) -> None:
        if isinstance(t, type) and issubclass(t, BaseModel):
            if t not in seen:
                seen.append(t)
                for f in t.model_fields.values():
                    visit(f.annotation)
            return
        if typing.get_origin(t) is typing.Annotated:
            visit(typing.get_args(t)[0])
            return
        for arg in typing.get_args(t):
            visit(arg)

    visit(root)
    return seen


def _sections(markdown: str) -> dict[str, set[str]]:
    """Reference section title -> the keys of its table."""
    out = {}
    for block in markdown.split("\n## ")[1:]:
        title = block.splitlines()[0]
        out[title] = set(re.findall(r"^\| `([^`]+)` \|", block, flags=re.M))
    return out


def _field_keys(model: type[BaseModel]) -> set[str]:
    return {f.alias or name for name, f in model.model_fields.items()}


# -- the reference --------------------------------------------------------------------


REFERENCE = scenario_reference()
SECTIONS = _sections(REFERENCE)


@pytest.mark.parametrize("model", [m for m in _models(Scenario) if m is not Scenario], ids=str)
def test_every_key_of_every_model_is_in_the_reference(model):
    keys = _field_keys(model)
    assert any(rows == keys for rows in SECTIONS.values()), (model.__name__, sorted(keys))


def test_every_table_of_the_file_is_in_the_reference():
    file_table = REFERENCE.split("## The file", 1)[1].split("\n## ", 1)[0]
    for key in (*Scenario.model_fields, "extends", "variants"):
        if key in ("name", "description", "source", "digest"):
            assert key in ("source", "digest") or "`[scenario]`" in file_table
            continue
        shown = (f"`[{key}]`", f"`{key}`", f"`[{key}.<name>]`")
        assert any(s in file_table for s in shown), key


def _rows(model: type[BaseModel]) -> list[list[str]]:
    keys = _field_keys(model)
    title = next(t for t, rows in SECTIONS.items() if rows == keys)
    block = REFERENCE.split(f"\n## {title}", 1)[1].split("\n## ", 1)[0]
    return [
        [c.strip() for c in line.strip("|").split(" | ")]
        for line in block.splitlines()
        if line.startswith("| `")
    ]


_DOCUMENTED = [
    Scenario.model_fields[k].annotation for k in ("plan", "team", "market", "simulation")
] + [OptimizeSpec]


@pytest.mark.parametrize(
    "model", list(dict.fromkeys(m for root in _DOCUMENTED for m in _models(root))), ids=str
)
def test_keys_have_type_default_and_meaning(model):
    """The plan, team, market, simulation and optimiser settings are documented whole:
    every key has a type, a default (or is required) and a meaning."""
    for key, typ, default, _unit, meaning in _rows(model):
        assert typ and default and meaning, (model.__name__, key)


@pytest.mark.parametrize("model", [m for m in _models(Scenario) if m is not Scenario], ids=str)
def test_every_key_has_a_meaning(model):
    """Every key of every table a scenario file can hold says what it means."""
    blank = [key for key, _typ, _default, _unit, meaning in _rows(model) if not meaning]
    assert not blank, (model.__name__, blank)


def _is_number(annotation) -> bool:
    """A number, a distribution of numbers (in the unit of the key holding it, which must
    say it), or a list, table or choice holding numbers (booleans are not numbers)."""
    if annotation in (int, float, *DISTRIBUTIONS):
        return True
    return any(_is_number(a) for a in typing.get_args(annotation) if a is not bool)


def _has_unit(field) -> bool:
    """Its schema ``unit`` (the reference's unit column), or a unit word in its meaning."""
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    return bool(stated_unit(extra.get("unit"), field.description))


@pytest.mark.parametrize("model", [m for m in _models(Scenario) if m is not Scenario], ids=str)
def test_every_number_has_a_unit(model):
    """Every key holding a number says its unit (days, months, currency per month, a
    share 0-1, a count, a multiple of something...) or that it has none."""
    missing = [
        name
        for name, field in model.model_fields.items()
        if _is_number(field.annotation) and not _has_unit(field)
    ]
    assert not missing, (model.__name__, missing)


def test_unit_check_sees_a_number_without_one():
    class Bare(BaseModel):
        slip: float = Field(default=1.0, description="Mean slip (exponential).")
        days: float | None = Field(default=None, description="Mean slip in days.")
        on: bool = Field(default=True, description="Switch.")

    fields = Bare.model_fields
    assert [n for n, f in fields.items() if _is_number(f.annotation)] == ["slip", "days"]
    size = TeamSpec.model_fields["accounts"]
    assert _is_number(size.annotation) and _has_unit(size)
    assert not _has_unit(fields["slip"]) and _has_unit(fields["days"])


def test_every_table_and_head_key_has_a_meaning():
    """The file's tables and the [scenario] keys say what they mean, in the reference and
    in the JSON Schema an editor shows."""
    block = REFERENCE.split("\n## The file", 1)[1].split("\n## ", 1)[0]
    rows = [line.strip("|").split(" | ") for line in block.splitlines() if line.startswith("| [")]
    rows += [line.strip("|").split(" | ") for line in block.splitlines() if line.startswith("| `")]
    assert len(rows) == len(SCHEMA["properties"])
    assert all(meaning.strip() for _table, meaning in rows), rows
    head = SCHEMA["properties"]["scenario"]["properties"]
    assert all(node.get("description") for node in head.values()), sorted(head)


def test_reference_shows_defaults_and_units():
    rows = {r[0]: r for r in _rows(OptimizeSpec)}
    assert rows["`scenarios`"][2] == "`200`" and rows["`scenarios`"][3] == "simulated years"
    rows = {r[0]: r for r in _rows(Scenario.model_fields["simulation"].annotation)}
    assert rows["`trials`"][2] == "`2000`"


# -- the JSON Schema --------------------------------------------------------------------


def test_schema_is_draft_4():
    """Draft 4 is what taplo (Even Better TOML) reads."""
    assert SCHEMA["$schema"] == DRAFT
    jsonschema.Draft4Validator.check_schema(SCHEMA)
    text = json.dumps(SCHEMA)
    assert "$defs" not in text and "prefixItems" not in text and '"const"' not in text


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_schema_accepts_every_shipped_scenario_as_written_and_resolved(path):
    """As written (``extends`` files list only their changes) and whole (as written back)."""
    errors = [e.message for e in VALIDATOR.iter_errors(tomllib.loads(path.read_text("utf-8")))]
    assert not errors
    whole = tomllib.loads(dump_scenario(load_scenario(path)))
    assert not [e.message for e in VALIDATOR.iter_errors(whole)]


def _nodes(node, path=()):
    yield path, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _nodes(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _nodes(v, (*path, i))


#: Tables whose keys are names the file chooses (measures, teams, variants), not fields.
_FREE = ("weights", "team_numbers", "rep_targets", "members", "variants")


def _mutations(data: dict):
    """Mistakes a schema can see: an unknown key in every table, a wrong type at every
    value, a misspelt choice at every text value."""
    for path, node in _nodes(data):
        named = [p for p in path if not isinstance(p, int)][-1:]  # a list's items: its name
        if isinstance(node, dict) and not (named and named[0] in _FREE):
            yield (*path, "zz_unknown"), 1
        elif isinstance(node, bool | int | float):
            yield path, "x"
        elif isinstance(node, str):
            yield path, 12345
            if path[-1] in ("name", "dist", "basis", "kind", "period", "family", "level", "on"):
                yield path, node + "zz"


def _mutated(data: dict, path: tuple, value) -> dict:
    out = copy.deepcopy(data)
    node = out
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value
    return out


def _cases():
    for path in SHIPPED[:1] + SHIPPED[-1:] + [ROOT / "scenarios" / "key_account_roster.toml"]:
        data = tomllib.loads(path.read_text("utf-8"))
        for where, value in _mutations(data):
            yield pytest.param(path, where, value, id=f"{path.stem}:{'.'.join(map(str, where))}")


@pytest.mark.parametrize(("path", "where", "value"), list(_cases()))
def test_schema_rejects_what_validate_rejects(path, where, value, tmp_path):
    """Both say no to a mutated file, or both say yes (the schema never cries wolf)."""
    data = _mutated(tomllib.loads(path.read_text("utf-8")), where, value)
    if isinstance(data.get("extends"), str):
        data["extends"] = (path.parent / data["extends"]).resolve().as_posix()
    team = data.get("team")
    if isinstance(team, dict) and isinstance(team.get("roster"), str):
        team["roster"] = (path.parent / team["roster"]).resolve().as_posix()
    file = tmp_path / path.name
    file.write_text(tomli_w.dumps(data), encoding="utf-8")
    try:
        load_scenario(file)
        valid = True
    except ScenarioError:
        valid = False
    schema_ok = VALIDATOR.is_valid(data)
    assert schema_ok == valid, (valid, [e.message for e in VALIDATOR.iter_errors(data)][:3])


@pytest.mark.parametrize("rule", ["full", "pool", "none", "split", "fulll"])
def test_credit_rule_by_name_alone_as_validate_takes_it(rule, tmp_path):
    """``role = "pool"`` is short for ``role = { rule = "pool" }``; a split needs its share."""
    path = ROOT / "scenarios" / "key_account_teams.toml"
    data = tomllib.loads(path.read_text("utf-8"))
    role = next(iter(data["plan"]["credit"]))
    data["plan"]["credit"] = {role: rule}
    file = tmp_path / path.name
    file.write_text(tomli_w.dumps(data), encoding="utf-8")
    try:
        load_scenario(file)
        valid = True
    except ScenarioError:
        valid = False
    assert valid == (rule != "split" and rule != "fulll")
    assert VALIDATOR.is_valid(data) == valid


def test_what_only_validate_checks_is_documented():
    """Rules across keys (weights summing to 1) pass the schema; validate names them."""
    data = tomllib.loads(SHIPPED[0].read_text("utf-8"))
    data["plan"]["measures"][0]["weight"] = 0.9
    assert VALIDATOR.is_valid(data)
    with pytest.raises(ScenarioError, match="weights must sum to 1"):
        from sim import parse_scenario

        parse_scenario(data, origin="s.toml")
    assert "weights summing to 1" in (scenario_schema.__doc__ or "") + _SCHEMA_DOC


# -- planlab schema -------------------------------------------------------------------


def test_cli_writes_the_schema_and_the_reference(tmp_path, capsys):
    out = tmp_path / "scenario.schema.json"
    assert main(["schema", "--out", str(out), "--quiet"]) == 0
    assert json.loads(out.read_text("utf-8")) == SCHEMA
    assert main(["schema", "--out", str(out)]) == 2  # never replaced without --force
    assert "--force" in capsys.readouterr().err
    assert main(["schema", "--out", str(out), "--force", "--quiet"]) == 0
    ref = tmp_path / "reference.md"
    assert main(["schema", "--reference", "--out", str(ref), "--quiet"]) == 0
    assert ref.read_text("utf-8") == REFERENCE
    assert main(["schema", "--out", str(tmp_path / "missing" / "s.json")]) == 2
    assert not (tmp_path / "missing").exists()
    capsys.readouterr()
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == SCHEMA


def test_schema_directive_file_checks_in_an_editor_the_same_way(tmp_path):
    """A scenario starting with the ``#:schema`` line is still a scenario file."""
    text = SHIPPED[0].read_text("utf-8")
    path = tmp_path / "s.toml"
    path.write_text("#:schema ./scenario.schema.json\n" + text, encoding="utf-8")
    assert load_scenario(path).name == load_scenario(SHIPPED[0]).name


def test_the_reference_gives_every_number_its_unit():
    """The unit column names the unit of every key holding a number, from its schema
    ``unit`` or from the words of its meaning."""
    rows = {r[0]: r for r in _rows(Scenario.model_fields["pipeline"].annotation)}
    assert rows["`slip_days`"][3] == "days"
    assert rows["`travel_per_opportunity`"][3] == "currency per opportunity"
    assert stated_unit(None, "Key accounts a rep holds, a count.") == "count"
    assert stated_unit("months", "anything") == "months"
    assert stated_unit(None, "A label.") == ""
