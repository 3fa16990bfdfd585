"""The stated bounds of a scenario file: how large a number, how deep a table, how
long an ``extends`` chain.

A value of 1e200 in a deal size or 1e308 in a curve's cap is never meant; left
in, it overflows the simulation's sums and squares (or prints as nonsense) long
after the file was read. Every number a scenario gives is refused beyond
:data:`MAX_NUMBER` in size, naming the key; seeds are labels, not amounts, and
are left out. Tables nested deeper than :data:`MAX_DEPTH` and ``extends`` chains
longer than :data:`MAX_EXTENDS` are refused before they exhaust Python's stack.
"""

from __future__ import annotations

from typing import Any

from .errors import ScenarioError
from .messages import key_path

__all__ = ["MAX_DEPTH", "MAX_EXTENDS", "MAX_NUMBER", "MAX_SAID", "check_numbers", "nesting_depth"]

#: Largest size of any number in a scenario file (a thousand trillion): amounts in any
#: currency fit, and sums over trials, reps and months stay far from float overflow.
MAX_NUMBER = 1e15
MAX_SAID = "1e15"
#: Deepest nesting of tables and lists in a scenario file.
MAX_DEPTH = 64
#: Longest chain of files that extend one another.
MAX_EXTENDS = 32
#: Keys whose numbers are labels, not quantities.
_LABELS = frozenset({"seed"})


def nesting_depth(data: Any, limit: int = MAX_DEPTH) -> int:
    """How deeply tables and lists nest in ``data`` (0 for a plain value), counted
    without recursion and up to ``limit + 1`` (enough to say it is too deep)."""
    deepest = 0
    stack = [(data, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            depth += 1
            deepest = max(deepest, depth)
            if depth > limit:
                return depth
            stack.extend((v, depth) for v in (node.values() if isinstance(node, dict) else node))
    return deepest


def check_numbers(data: Any, origin: str) -> None:
    """Refuse any number in ``data`` (a scenario file's tables) beyond :data:`MAX_NUMBER`,
    NaN included, naming the first such key."""
    stack: list[tuple[Any, tuple]] = [(data, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            stack.extend((v, (*path, k)) for k, v in node.items() if k not in _LABELS)
        elif isinstance(node, list):
            stack.extend((v, (*path, i)) for i, v in enumerate(node))
        elif isinstance(node, int | float) and not isinstance(node, bool):
            if node != node:
                raise ScenarioError(f"{origin}: {key_path(path)}: nan is not a number")
            if not abs(node) <= MAX_NUMBER:
                shown = f"{node:.6g}" if isinstance(node, float) else f"{node:.3e}"
                raise ScenarioError(
                    f"{origin}: {key_path(path)}: {shown} is beyond the largest value a "
                    f"scenario accepts ({MAX_SAID} in size)"
                )
