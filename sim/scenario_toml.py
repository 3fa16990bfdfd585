"""A whole scenario written back as one TOML file (the inverse of ``load_scenario``).

Used for scenarios built in memory, such as a calibrated one: the file holds
every section in full (team members inline), so it needs no other file.
"""

from __future__ import annotations

import tomli_w

from .optimize_spec import optimize_table
from .scenario import Scenario, variant_overrides

__all__ = ["dump_scenario"]


def _plain(model) -> dict:
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


def dump_scenario(scenario: Scenario, header: str = "") -> str:
    """TOML text that :func:`sim.load_scenario` reads back into the same scenario."""
    data = {
        "scenario": {
            "name": scenario.name,
            "description": scenario.description,
            "currency": scenario.currency,
        },
        "team": _plain(scenario.team),
        "market": _plain(scenario.market),
        "plan": _plain(scenario.plan),
        "behaviour": _plain(scenario.behaviour),
        "simulation": _plain(scenario.simulation),
        "actuals": _plain(scenario.actuals),
        "checkin": _plain(scenario.checkin),
        "opportunities": _plain(scenario.opportunities),
    }
    optimize = optimize_table(scenario.optimize)
    if optimize:
        data["optimize"] = optimize
    if scenario.variants:
        data["variants"] = {
            k: variant_overrides(scenario.plan, v) for k, v in scenario.variants.items()
        }
    if not data["team"].get("members"):
        data["team"].pop("members", None)
    comment = "".join(f"# {line}\n" for line in header.splitlines())
    return comment + tomli_w.dumps(data)
