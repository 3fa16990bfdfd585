"""Validation errors in plain words: ``file: key.path: what is wrong``.

The typed models (pydantic) report errors in the library's own words ("Tuple
should have at least 1 item"); this module turns each into a sentence naming
the key and, for a misspelt key or choice, the nearest valid name.
"""

from __future__ import annotations

import re
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from .suggest import did_you_mean

__all__ = [
    "LINE_LIMIT",
    "MESSAGE_VALUE_CHARS",
    "explain_error",
    "key_path",
    "keys_at",
    "plain_message",
    "shorten",
    "walk",
]

#: Longest line of an error message; a longer one quotes a huge value and is cut.
LINE_LIMIT = 1000

#: The longest value quoted in a message; longer ones are cut (a 1 MB cell is not a message).
MESSAGE_VALUE_CHARS = 60

#: Steps pydantic adds to an error's location that are not keys of the file.
_NOT_A_KEY = re.compile(r"^(function-|union\[|tagged-union|lax-|json-or-python|chain\[)|\[")


def key_path(loc: tuple) -> str:
    """A location as a scenario file's key path: ``plan.measures[0].curve``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _members(annotation: Any) -> list[Any]:
    """The types an annotation allows (unions and ``Annotated`` unwrapped, ``None`` left out)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _members(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [t for a in typing.get_args(annotation) for t in _members(a)]
    return [] if annotation is type(None) else [annotation]


def _is_model(t: Any) -> bool:
    return isinstance(t, type) and issubclass(t, BaseModel)


def _field_names(model: type[BaseModel]) -> dict[str, Any]:
    return {(f.alias or name): f.annotation for name, f in model.model_fields.items()}


def _step(t: Any, part: Any) -> list[Any]:
    if _is_model(t):
        fields = _field_names(t)
        return _members(fields[part]) if part in fields else []
    origin, args = typing.get_origin(t), typing.get_args(t)
    if origin in (list, tuple, set, frozenset) and isinstance(part, int) and args:
        if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
            return _members(args[part]) if part < len(args) else []
        return _members(args[0])
    if origin is dict and isinstance(part, str) and len(args) == 2:
        return _members(args[1])
    return []


def _tagged(t: Any, tag: str) -> bool:
    """Whether model ``t`` is the member of a tagged union that ``tag`` names."""
    if not _is_model(t):
        return False
    for f in t.model_fields.values():
        if typing.get_origin(f.annotation) is typing.Literal and tag in typing.get_args(
            f.annotation
        ):
            return True
    return False


def walk(model: type[BaseModel], loc: tuple) -> tuple[tuple, list[Any]]:
    """Follow an error's location through ``model``: the location as keys of the
    file (a tagged union's tag left out) and the types found at its end."""
    current: list[Any] = [model]
    keys: list[Any] = []
    for part in loc:
        nxt = [n for t in current for n in _step(t, part)]
        if not nxt and isinstance(part, str):
            members = [t for t in current if _tagged(t, part)]
            if members:  # the tag pydantic adds for a tagged union's member
                current = members
                continue
        current = nxt
        keys.append(part)
    return tuple(keys), current


def keys_at(model: type[BaseModel], loc: tuple) -> list[str]:
    """The valid keys of the table at ``loc`` under ``model`` (empty when none is known)."""
    _, found = walk(model, loc)
    return sorted({name for t in found if _is_model(t) for name in _field_names(t)})


def shorten(value: Any, limit: int = MESSAGE_VALUE_CHARS) -> str:
    """``value`` as text on one line of at most ``limit`` characters, so a message
    quoting a huge cell, path or line stays readable. A long cut keeps the head (where a
    message names the file and row) and the tail, and says how much was left out;
    where that note does not fit, ``...`` marks the cut."""
    text = str(value)
    if "\n" in text or "\r" in text:
        text = " ".join(text.split())
    if len(text) <= limit:
        return text
    note = f" ...[{len(text):,} characters, cut]... "
    room = limit - len(note)
    if room < 20:
        return text[: max(limit - 3, 1)] + "..."
    head = (2 * room) // 3
    return f"{text[:head]}{note}{text[len(text) - (room - head) :]}"


def _shown(value: Any) -> str:
    return shorten(repr(value))


def plain_message(e: dict) -> str:
    """One pydantic error (as in ``ValidationError.errors()``) in plain words."""
    kind, ctx, value = e["type"], e.get("ctx") or {}, e.get("input")
    got = f", got {_shown(value)}"
    if kind == "missing":
        return "required key is missing"
    if kind in ("value_error", "assertion_error"):
        return str(ctx.get("error", e["msg"])).removeprefix("Value error, ")
    if kind in ("too_short", "too_long"):
        n = ctx.get("min_length" if kind == "too_short" else "max_length")
        items = "item" if n == 1 else "items"
        word = "at least" if kind == "too_short" else "at most"
        return f"expected {word} {n} {items}, got {ctx.get('actual_length')}"
    bounds = {
        "greater_than": (">", "gt"),
        "greater_than_equal": (">=", "ge"),
        "less_than": ("<", "lt"),
        "less_than_equal": ("<=", "le"),
    }
    if kind in bounds:
        sign, key = bounds[kind]
        limit = ctx.get(key)
        if isinstance(limit, float) and limit.is_integer():
            limit = int(limit)
        return f"must be {sign} {limit}{got}"
    if kind == "union_tag_invalid":
        options = re.findall(r"'([^']*)'", str(ctx.get("expected_tags", "")))
        tag = str(ctx.get("tag"))
        return (
            f"{str(ctx.get('discriminator')).strip(chr(39))} = {tag!r} is not one of {ctx.get('expected_tags')}"
            + did_you_mean(tag, options)
        )
    if kind == "union_tag_not_found":
        return f"required key {ctx.get('discriminator')} is missing"
    if kind == "literal_error":
        options = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        hint = did_you_mean(value, options) if isinstance(value, str) else ""
        return f"expected one of {ctx.get('expected')}{got}{hint}"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"expected a whole number{got}"
    if kind in ("float_parsing", "float_type", "decimal_parsing", "decimal_type"):
        return f"expected a number{got}"
    if kind == "finite_number":
        return f"expected a finite number{got}"
    if kind in ("bool_parsing", "bool_type"):
        return f"expected true or false{got}"
    if kind in ("string_type", "string_sub_type"):
        return f"expected text{got}"
    if kind in ("list_type", "tuple_type", "set_type", "iterable_type"):
        return f"expected a list{got}"
    if kind in ("dict_type", "model_type", "model_attributes_type", "dataclass_type"):
        return f"expected a table{got}"
    if kind == "multiple_of":
        return f"must be a multiple of {ctx.get('multiple_of')}{got}"
    if kind in ("string_too_short", "string_too_long"):
        n = ctx.get("min_length" if kind == "string_too_short" else "max_length")
        word = "at least" if kind == "string_too_short" else "at most"
        return f"expected {word} {n} characters{got}"
    if kind == "enum":
        return f"expected one of {ctx.get('expected')}{got}"
    # Anything else: the library's sentence, turned to the file's words.
    msg = e["msg"].replace("Input should be", "must be").replace("Input", "value")
    return f"{msg}{got}"


def explain_error(
    err: ValidationError, prefix: str, origin: str, model: type[BaseModel] | None = None
) -> str:
    """A validation error as lines of ``file: key.path: what is wrong``.

    ``model`` is the model that was validated at ``prefix``; with it, an unknown
    key is named with the nearest valid one ("did you mean 'revenue'?").
    """
    lines: list[str] = []
    errors = err.errors(include_url=False)
    failed_items = {  # lists with an item that failed
        tuple(e["loc"][:i]) for e in errors for i, p in enumerate(e["loc"]) if isinstance(p, int)
    }
    for e in errors:
        if e["type"] == "too_short" and tuple(e["loc"]) in failed_items:
            continue  # a list whose items failed counts as short; the items' errors say why
        raw = tuple(p for p in e["loc"] if not (isinstance(p, str) and _NOT_A_KEY.search(p)))
        loc = walk(model, raw)[0] if model is not None else raw
        if e["type"] == "extra_forbidden" and loc:
            parent = ".".join(x for x in (prefix, key_path(loc[:-1])) if x)
            valid = keys_at(model, raw[:-1]) if model is not None else []
            where = f" in {parent}" if parent else ""
            line = f"{origin}: unknown key {str(loc[-1])!r}{where}" + did_you_mean(
                str(loc[-1]), valid
            )
            if valid and not did_you_mean(str(loc[-1]), valid):
                line += f"; expected one of {', '.join(valid)}"
        else:
            key = ".".join(x for x in (prefix, key_path(loc)) if x)
            line = (
                f"{origin}: {key}: {plain_message(e)}" if key else f"{origin}: {plain_message(e)}"
            )
        if line not in lines:
            lines.append(line)
    return "\n".join(lines)
