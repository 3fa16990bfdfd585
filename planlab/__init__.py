"""planlab: the front door — command line, reports and exports.

The names below are what notebooks and scripts use; each is imported on first
use, so ``planlab --help`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: Public name -> module (under ``planlab``) that defines it.
_EXPORTS: dict[str, str] = {
    # simulate
    "run_files": "simulate.files",
    "render_report": "simulate.report",
    "summary_lines": "simulate.narrative",
    "attainment_histograms": "simulate.figures",
    "cost_distribution": "simulate.figures",
    "earnings_curves": "simulate.figures",
    "monthly_bookings": "simulate.figures",
    "payout_curves": "simulate.figures",
    "payout_vs_attainment": "simulate.figures",
    "effort_vs_progress": "simulate.figures",
    # compare
    "compare_files": "compare.command",
    "comparison_lines": "compare.narrative",
    "attainment_overlay": "compare.figures",
    # sweep
    "sweep_files": "sweep.files",
    "heatmap": "sweep.figures",
    # optimize
    "optimize_files": "optimize.files",
    "frontier": "optimize.figures",
    "target_changes": "optimize.figures",
    # review, check-in, history
    "review_files": "review.files",
    "review_record": "review.files",
    "checkin_files": "review.files",
    "checkin_record": "review.files",
    "next_period_lines": "review.next_period",
    "fit_histogram": "review.figures",
    "shrinkage_plot": "review.figures",
    "checkin_cost": "review.figures",
    "list_records": "review.history",
    "read_record": "review.history",
    "record": "review.history",
    # shared kit
    "write_files": "kit.files",
    "write_workbook": "kit.excel",
    "to_data_uri": "kit.plot",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'planlab' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"planlab.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
