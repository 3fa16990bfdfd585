"""Shared fixtures: the shipped scenarios and small scenario files written on the fly."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "key_account_baseline.toml"

MINIMAL_PLAN = """
[plan]
name = "mini"
period = "quarter"
[plan.pay_mix]
base = 100000
target_incentive = 30000
[[plan.measures]]
name = "revenue"
weight = 1.0
target = 600000
curve = { points = [[0.5, 0.0], [1.0, 1.0]], tail_slope = 1.0, cap = 2.0 }
"""


@pytest.fixture
def baseline() -> Path:
    return BASELINE


@pytest.fixture
def write_scenario(tmp_path):
    """Write a scenario TOML (and optional roster) into tmp_path; return its path."""

    def write(text: str, roster: str | None = None, name: str = "scenario.toml") -> Path:
        if roster is not None:
            (tmp_path / "roster.csv").write_text(roster, encoding="utf-8")
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
