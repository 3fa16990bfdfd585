"""The override rules of scenario tables: variants over the base plan, ``extends``,
a sweep's market over the scenario's.

Tables merge key by key; arrays replace whole, and so do the atomic keys
(curves, per-rep targets, distributions), which are never merged field by field.
"""

from __future__ import annotations

import copy
from typing import Any

__all__ = ["ATOMIC", "merge_tables"]

#: Keys whose values replace whole, never merge.
ATOMIC = frozenset(
    {"curve", "rep_targets", "deal_size", "ability", "potential", "tenure_years", "accounts"}
)


def merge_tables(base: Any, over: Any) -> Any:
    """``over`` merged into ``base`` (deep copies; ``base`` is not modified)."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            if k in out and k not in ATOMIC:
                out[k] = merge_tables(out[k], v)
            else:
                out[k] = copy.deepcopy(v)
        return out
    return copy.deepcopy(over)
