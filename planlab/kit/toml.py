"""Scenario files people can read: only the keys that differ from the defaults, arrays
and small tables inline, amounts rounded to cents and float noise removed.

The compact text loads back into the same scenario (amounts to the cent).
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from collections.abc import Mapping
from typing import Any

import tomli_w

from sim.scenario import Scenario
from sim.scenario_toml import dump_scenario

__all__ = ["compact_scenario_toml", "compact_toml", "prune_defaults", "tidy_number"]

#: Tables of a scenario that have defaults: only what differs from them is written.
DEFAULT_TABLES = ("team", "market", "behaviour", "simulation", "actuals", "checkin")
#: Numbers at least this large are amounts (or levels) and are rounded to cents.
AMOUNT = 100.0
_BARE = re.compile(r"^[A-Za-z0-9_-]+$")
#: Keys that say which kind of table this is (a distribution's ``dist``): such a table
#: is written whole, never pruned key by key.
DISCRIMINATORS = frozenset({"dist", "kind", "type"})


def tidy_number(x: float) -> float:
    """An amount to the cent; a small number to 10 significant digits (no float noise)."""
    if not math.isfinite(x) or x == 0:
        return x
    if abs(x) >= AMOUNT:
        return round(x, 2)
    return float(f"{x:.10g}")


def _tidy(v: Any) -> Any:
    if isinstance(v, float):
        return tidy_number(v)
    if isinstance(v, Mapping):
        return {k: _tidy(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_tidy(x) for x in v]
    return v


def prune_defaults(data: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """The keys of ``data`` whose values differ from ``defaults`` (nested tables compared
    key by key; a table naming its kind, see :data:`DISCRIMINATORS`, is compared whole)."""
    out: dict[str, Any] = {}
    for k, v in data.items():
        if k not in defaults:
            out[k] = v
            continue
        d = defaults[k]
        if isinstance(v, Mapping) and isinstance(d, Mapping) and not DISCRIMINATORS & set(v):
            sub = prune_defaults(v, d)
            if sub:
                out[k] = sub
        elif v != d:
            out[k] = v
    return out


def _key(k: str) -> str:
    return k if _BARE.match(k) else json.dumps(k, ensure_ascii=False)


def _inline(v: Any) -> str:
    if isinstance(v, Mapping):
        return "{ " + ", ".join(f"{_key(k)} = {_inline(x)}" for k, x in v.items()) + " }"
    if isinstance(v, list):
        return "[" + ", ".join(_inline(x) for x in v) + "]"
    return tomli_w.dumps({"v": v}).removeprefix("v = ").rstrip("\n")


def _assignment(k: str, v: Any) -> str:
    if isinstance(v, list) and v and all(isinstance(x, Mapping) for x in v):
        rows = "".join(f"    {_inline(x)},\n" for x in v)  # one table per line
        return f"{_key(k)} = [\n{rows}]"
    return f"{_key(k)} = {_inline(v)}"


def _table(name: str, table: Mapping[str, Any], out: list[str]) -> None:
    leaves = {k: v for k, v in table.items() if not isinstance(v, Mapping)}
    subs = {k: v for k, v in table.items() if isinstance(v, Mapping)}
    if leaves or not subs:
        out.append(f"\n[{name}]")
        out += [_assignment(k, v) for k, v in leaves.items()]
    for k, v in subs.items():
        _table(f"{name}.{_key(k)}", v, out)


def compact_toml(data: Mapping[str, Any], header: str = "") -> str:
    """TOML text of ``data``: arrays inline, numbers tidied (see :func:`tidy_number`)."""
    data = _tidy(data)
    out = [f"# {line}" for line in header.splitlines()]
    top = {k: v for k, v in data.items() if not isinstance(v, Mapping)}
    out += [_assignment(k, v) for k, v in top.items()]
    for k, v in data.items():
        if isinstance(v, Mapping):
            _table(_key(k), v, out)
    text = "\n".join(out).lstrip("\n") + "\n"
    tomllib.loads(text)  # always valid TOML
    return text


def _defaults() -> dict[str, Any]:
    fields = Scenario.model_fields
    return {
        k: fields[k].default.model_dump(mode="json", by_alias=True, exclude_none=True)
        for k in DEFAULT_TABLES
    }


def compact_scenario_toml(scenario: Scenario, header: str = "") -> str:
    """A whole scenario as compact TOML: only what differs from the defaults, tidy numbers."""
    data = tomllib.loads(dump_scenario(scenario))
    defaults = _defaults()
    for k in DEFAULT_TABLES:
        if k in data:
            pruned = prune_defaults(data[k], defaults[k])
            if pruned:
                data[k] = pruned
            else:
                del data[k]
    return compact_toml(data, header)
