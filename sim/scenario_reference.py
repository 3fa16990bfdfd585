"""The scenario reference: every table and key of a scenario file, with its type,
default, unit and meaning, written as Markdown from the typed models (through
their JSON Schema, :func:`sim.scenario_schema.scenario_schema`), so it cannot
drift from what ``planlab validate`` accepts.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .distributions import DISTRIBUTIONS
from .scenario import HEAD_KEYS
from .scenario_schema import scenario_schema

__all__ = ["UNIT_WORDS", "scenario_reference", "stated_unit"]

#: Words that name a unit (or say a number has none). A key's unit is its schema
#: ``unit``, or these words in its meaning (which the tests hold every number to).
UNIT_WORDS = re.compile(
    r"\b(unitless|shares?|count|chance|days?|months?|years?|seconds|currency|attainment"
    r"|exponent|points?|multiples?)\b|×|(key|column|measure)'s unit",
    flags=re.I,
)

#: "in currency per opportunity", "in days": the unit as the meaning words it.
_IN_UNIT = re.compile(
    r"\bin ((?:currency|days|months|years|seconds|points)(?: per [a-z-]+(?: [a-z-]+)?)?)",
    flags=re.I,
)

#: Definitions holding a distribution of numbers (in the unit of the key holding it).
_DISTRIBUTIONS = {d.__name__ for d in DISTRIBUTIONS}


def _holds_number(node: Any) -> bool:
    if not isinstance(node, dict):
        return False
    if node.get("type") in ("number", "integer") or _ref_name(node) in _DISTRIBUTIONS:
        return True
    parts = [*node.get("anyOf", ()), *node.get("oneOf", ())]
    parts += [node.get("items"), node.get("additionalProperties")]
    return any(_holds_number(p) for p in parts)


def stated_unit(unit: str | None, meaning: str | None) -> str:
    """A key's unit for the reference: its schema ``unit``, else the unit its meaning
    names ("in days", "a share", "a count", "unitless"...); empty when it names none."""
    if unit:
        return unit
    text = meaning or ""
    found = _IN_UNIT.search(text)
    if found:
        return found.group(1)
    word = UNIT_WORDS.search(text)
    if not word:
        return ""
    if word.group(2):
        return "the key's unit"
    rate = text[: word.start()].rstrip().lower().endswith("per")  # "per month": a rate
    return f"per {word.group(0).lower()}" if rate else word.group(0).lower()


_INTRO = """\
# Scenario reference

A scenario file is TOML. Every key below is optional unless marked **required**;
a key left out takes the default shown. Money is in the scenario's currency per
year unless the unit says otherwise; shares are fractions (0.6 = 60%);
attainment 1.0 = 100% of target. A file may start from another with
`extends = "other.toml"` and then lists only what it changes; a plan variant
(`[variants.<name>]`) lists only its overrides of the base plan.

This page is generated from the typed models (`planlab schema --reference`);
the same models give the JSON Schema (`planlab schema`) that editors use to
complete and check scenario files.
"""


def _ref_name(node: dict) -> str | None:
    ref = node.get("$ref")
    return ref.rsplit("/", 1)[1] if ref else None


def _complete(name: str) -> str:
    """The complete model behind an override's definition (``PlanOverrides`` -> ``Plan``)."""
    return name.removesuffix("Overrides")


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return f"{value:.1f}"
    return str(value)


def _bounds(node: dict) -> str:
    out = []
    for key, sign, strict in (
        ("minimum", ">=", "exclusiveMinimum"),
        ("maximum", "<=", "exclusiveMaximum"),
    ):
        if key in node:
            s = sign.replace("=", "") if node.get(strict) is True else sign
            out.append(f"{s} {_toml(node[key])}")
    return ", ".join(out)


class _Writer:
    """Walks the schema once, a section per table, each key a row."""

    def __init__(self, schema: dict):
        self.defs = schema["definitions"]
        self.sections: list[str] = []
        # definition -> (anchor, title) of the one section describing it
        self.anchor_of: dict[str, tuple[str, str]] = {}
        # sections still to write: (title, definition, anchor)
        self.queue: list[tuple[str, str, str]] = []

    def _type(self, node: dict, path: str) -> str:
        """A key's type in words (and the section its table is described in)."""
        if "anyOf" in node:
            parts = [p for p in node["anyOf"] if p.get("type") != "null"]
            words = [self._type(p, path) for p in parts]
            nullable = len(parts) < len(node["anyOf"])
            text = " or ".join(dict.fromkeys(words))
            return text + (" (optional)" if nullable else "")
        if "oneOf" in node:
            names = [_ref_name(p) for p in node["oneOf"]]
            tags = []
            for n in names:
                tag = self.defs[n].get("properties", {}).get("dist", {}).get("enum", [n])[0]
                anchor, _ = self._link(n, f'distribution dist = "{tag}"')
                tags.append(f"[`{tag}`](#{anchor})")
            return "distribution: table with `dist` = " + " / ".join(tags)
        name = _ref_name(node)
        if name:
            full = _complete(name)
            anchor = self._link(full, path)
            return f"table, see [{anchor[1]}](#{anchor[0]})"
        if "enum" in node:
            if node["enum"] == [False]:
                return "`false` (switches it off)"
            return "one of " + ", ".join(f"`{_toml(v)}`" for v in node["enum"])
        kind = node.get("type")
        if kind == "array":
            items = node.get("items", {})
            if isinstance(items, list):
                inner = ", ".join(self._type(i, path) for i in items)
                return f"list of exactly [{inner}]"
            word = f"list of {self._type(items, path + '[]')}" if items else "list"
            if "minItems" in node:
                word += f" (at least {node['minItems']})"
            return word
        if kind == "object":
            extra = node.get("additionalProperties")
            if isinstance(extra, dict):
                return f"table of name = {self._type(extra, path + '.<name>')}"
            return "table"
        words = {
            "number": "number",
            "integer": "whole number",
            "string": "text",
            "boolean": "true/false",
        }
        word = words.get(kind, str(kind))
        bounds = _bounds(node)
        return f"{word} {bounds}" if bounds else word

    def _link(self, name: str, path: str) -> tuple[str, str]:
        """The anchor of the section describing definition ``name`` (queued if new)."""
        if name not in self.anchor_of:
            anchor = path.replace(".", "-").replace("[]", "").replace(" ", "-")
            anchor = "".join(c for c in anchor.lower() if c.isalnum() or c in "-_")
            self.anchor_of[name] = (anchor, path)
            self.queue.append((path, name, anchor))
        return self.anchor_of[name]

    def section(self, path: str, name: str, anchor: str) -> None:
        model = self.defs[name]
        required = set(model.get("required", ()))
        lines = [f"## `{path}` {{#{anchor}}}", ""]
        if model.get("description"):
            lines += [model["description"].strip().replace("``", "`"), ""]
        lines += ["| key | type | default | unit | meaning |", "|---|---|---|---|---|"]
        for key, node in model.get("properties", {}).items():
            typ = self._type(node, f"{path}.{key}")
            if key in required:
                default = "**required**"
            elif "default" in node and not _ref_name(node):
                default = f"`{_toml(node['default'])}`" if node["default"] is not None else "none"
            elif _ref_name(node):
                default = "see table"
            else:  # a default made by a factory: an empty list or table
                default = {"array": "`[]`", "object": "`{}`"}.get(node.get("type"), "none")
            meaning = node.get("description") or ""
            if not meaning and _ref_name(node):
                whole = self.defs[_complete(_ref_name(node))].get("description", "")
                meaning = whole.split("\n\n", 1)[0]  # its section has the rest
            meaning = " ".join(meaning.split()).replace("``", "`").replace("|", "\\|")
            unit = stated_unit(node.get("unit"), meaning) if _holds_number(node) else ""
            lines.append(f"| `{key}` | {typ.replace('|', '/')} | {default} | {unit} | {meaning} |")
        self.sections.append("\n".join(lines) + "\n")

    def run(self, schema: dict) -> str:
        top = schema["properties"]
        lines = [
            "## The file {#the-file}",
            "",
            "| table | meaning |",
            "|---|---|",
        ]
        for key, node in top.items():
            name = _ref_name(node)
            if name:
                anchor, _ = self._link(_complete(name), key)
                meaning = node.get("description", "").replace("``", "`")
                lines.append(f"| [`[{key}]`](#{anchor}) | {meaning} |")
            elif key == "scenario":
                keys = ", ".join(f"`{k}`" for k in HEAD_KEYS)
                lines.append(f"| `[scenario]` | {node['description']} Keys: {keys}. |")
            elif key == "variants":
                anchor, _ = self._link("Variant", "variants.<name>")
                lines.append(f"| [`[variants.<name>]`](#{anchor}) | {node['description']} |")
            else:
                lines.append(f"| `{key}` | {node['description']} |")
        self.sections.append("\n".join(lines) + "\n")
        tops, self.queue = self.queue, []
        for item in tops:
            self._emit(item)
        shared, self.queue = self.queue, []  # distributions, described once at the end
        for item in shared:
            self._emit(item)
        return _INTRO + "\n" + "\n".join(self.sections)

    def _emit(self, item: tuple[str, str, str]) -> None:
        """A table's section, then its own tables' sections (distributions wait)."""
        before = len(self.queue)
        self.section(*item)
        children = self.queue[before:]
        del self.queue[before:]
        for child in children:
            if child[0].startswith("distribution"):
                self.queue.append(child)
            else:
                self._emit(child)


def scenario_reference() -> str:
    """The scenario reference as Markdown."""
    schema = scenario_schema()
    return _Writer(schema).run(schema)
