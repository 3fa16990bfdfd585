"""Shared fixtures: the shipped scenarios and small scenario files written on the fly."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "key_account_baseline.toml"
#: A 12-rep optimisation of the baseline small enough for end-to-end command tests.
#: The optimiser's settings and constraints for a 16-rep team of the baseline.
OPTIMIZE_16 = """
[optimize]
trials = 200
scenarios = 100
frontier_points = 3
levels = { low = 0.7, high = 1.2, count = 9 }

[optimize.constraints]
company_number = 9_800_000
achievability = { low = 0.5, high = 0.75 }
cost_of_sales = 0.08
ratchet = 0.25
bad_year = { quantile = 0.9, ceiling = 1_350_000 }
"""

SMALL_OPTIMIZE = f"""
extends = "{BASELINE.as_posix()}"

[team]
reps = 12

[optimize]
trials = 120
scenarios = 60
frontier_points = 2
levels = {{ low = 0.7, high = 1.2, count = 5 }}

[optimize.constraints]
company_number = 7_400_000
achievability = {{ low = 0.5, high = 0.8 }}
cost_of_sales = 0.09
ratchet = 0.3

[optimize.menu]
weights = [{{ revenue = 0.6, new_accounts = 0.2, cross_sell = 0.2 }}]
thresholds = [0.5]
accelerators = [1.5]
caps = [3.0]
"""

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
