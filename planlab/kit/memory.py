"""Refuse a run before it starts when its estimated peak memory does not fit."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.memory import check_memory, memory_estimate
from sim.scenario import Scenario

__all__ = ["check_run_memory"]


def check_run_memory(
    args: argparse.Namespace, scenario: Scenario, path: Path | str, **options
) -> None:
    """Estimate the run's peak memory from the scenario and ``options`` (see
    :func:`sim.memory.memory_estimate`) and refuse it (exit 2, naming the keys that
    drive it) when it exceeds ``--max-memory`` or the memory available."""
    estimate = memory_estimate(scenario, **options)
    check_memory(estimate, getattr(args, "max_memory", None), str(path))
