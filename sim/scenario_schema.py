"""The JSON Schema of a scenario file, built from the typed models.

Editors that check TOML against a JSON Schema (Even Better TOML / taplo, tombi)
complete keys and flag mistakes with it: write it with ``planlab schema --out
scenario.schema.json`` and start a scenario file with the line
``#:schema ./scenario.schema.json``.

The schema describes one file as written: a file with ``extends`` may leave out
any table (its parent supplies it), a plan variant lists only its overrides.
It checks keys, types, choices and ranges; rules that need several keys at once
(weights summing to 1, a measure named in a gate being paid) are checked by
``planlab validate`` only. It is written in JSON Schema draft 4, the draft taplo
reads.
"""

from __future__ import annotations

import copy
from typing import Any

from .scenario import ATOMIC, HEAD_KEYS, TABLES, Scenario

__all__ = ["DRAFT", "scenario_schema"]

DRAFT = "http://json-schema.org/draft-04/schema#"
_REF = "#/definitions/{model}"


def _draft4(node: Any) -> Any:
    """Rewrite pydantic's draft 2020-12 output in draft 4 terms."""
    if isinstance(node, list):
        return [_draft4(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: _draft4(v) for k, v in node.items() if k != "discriminator"}
    if "const" in out:
        out["enum"] = [out.pop("const")]
    for bound, edge in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if isinstance(out.get(bound), int | float) and not isinstance(out[bound], bool):
            out[edge] = out[bound]
            out[bound] = True
    if "prefixItems" in out:
        out["items"] = out.pop("prefixItems")
        if out.get("maxItems") == len(out["items"]):
            out["additionalItems"] = False
    return out


def _partial(name: str, defs: dict) -> str:
    """The definition of model ``name`` with every key optional, as an override lists
    it; tables inside merge key by key too, while list items and whole values
    (curves, distributions) stay complete. Returns the new definition's reference."""
    partial = f"{name}Overrides"
    if partial not in defs:
        out = copy.deepcopy(defs[name])
        out.pop("required", None)
        out["title"] = partial
        defs[partial] = out
        for key, prop in out.get("properties", {}).items():
            ref = prop.get("$ref", "")
            if key not in ATOMIC and ref.startswith("#/definitions/"):
                prop["$ref"] = _partial(ref.rsplit("/", 1)[1], defs)
    return f"#/definitions/{partial}"


def _variant(defs: dict) -> dict:
    """The schema of a plan variant: the plan's keys, all optional, measures as a list
    (replacing the base plan's) or keyed by name (merging into them), drop_measures."""
    plan = copy.deepcopy(defs["PlanOverrides"])
    plan["title"] = "Variant"
    plan["description"] = "A plan variant: only its overrides of the base plan."
    props = plan["properties"]
    props["measures"] = {
        "description": "A list replaces the base plan's measures; a table keyed by measure "
        "name (or key) merges into that measure, or adds it.",
        "anyOf": [
            props["measures"],
            {"type": "object", "additionalProperties": {"$ref": _partial("Measure", defs)}},
        ],
    }
    props["drop_measures"] = {
        "description": "Measures of the base plan this variant does not pay on.",
        "type": "array",
        "items": {"type": "string"},
    }
    return plan


def scenario_schema() -> dict:
    """The JSON Schema (draft 4) of a scenario file."""
    full = Scenario.model_json_schema(ref_template=_REF)
    defs = full.pop("$defs")
    head = {k: full["properties"][k] for k in HEAD_KEYS}
    properties: dict[str, Any] = {
        "extends": {
            "type": "string",
            "description": "Scenario file this one starts from (relative to this file); "
            "this file's tables merge into it key by key.",
        },
        "scenario": {
            "type": "object",
            "description": "The scenario's name, description and currency.",
            "additionalProperties": False,
            "properties": head,
        },
        "plan": {**full["properties"]["plan"], "description": defs["Plan"]["description"]},
        "variants": {
            "type": "object",
            "description": "Named plan variants, each listing only its overrides of the base plan.",
            "additionalProperties": {"$ref": "#/definitions/Variant"},
        },
    }
    for key in TABLES:
        prop = dict(full["properties"][key])
        ref = prop.get("$ref")
        if ref and "description" not in prop:
            prop["description"] = defs[ref.rsplit("/", 1)[1]].get("description", "")
        properties[key] = prop
    # A file that extends another may leave out any key (its parent has it); one that
    # does not must hold a complete plan.
    complete = {k: dict(properties[k]) for k in ("plan", *TABLES)}
    for key, prop in properties.items():
        ref = prop.get("$ref", "")
        if key != "scenario" and ref.startswith("#/definitions/"):
            properties[key] = {**prop, "$ref": _partial(ref.rsplit("/", 1)[1], defs)}
    defs["Variant"] = _variant(defs)
    schema = {
        "$schema": DRAFT,
        "title": "planlab scenario",
        "description": "A planlab scenario file: team, market, base plan, plan variants, "
        "behaviour, simulation and optimiser settings.",
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
        "anyOf": [
            {"required": ["extends"]},
            {"required": ["plan"], "properties": complete},
        ],
        "definitions": defs,
    }
    return _draft4(schema)
