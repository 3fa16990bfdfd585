"""Accuracy and cost of the linear family against the closed form, seeds 0-9.

For the one-measure textbook case (h = 1, k = 1, d = 1, r = 2, σ² = 0.5, m = 1)
and the public two-measure case (K = I, D = [[2, 0.5], [0.5, 1]], Σ = I, r = 1,
m = (1, 1)) it runs the simulated optimum with the linear family's default
20,000 draws on seeds 0-9, once with plain normal draws and once standardised
(sample mean 0, sample covariance I), and prints the largest relative error of
β, α and e* against the closed form, and the ratio of wall times two measures /
one measure. Target: every error under 1% with standardised draws.

Usage::

    .venv/bin/python benchmarks/agency.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sim.behaviour.agency import AgencyReps, linear_closed_form, optimal_linear_plan  # noqa: E402

D2 = [[2.0, 0.5], [0.5, 1.0]]
CASES = {
    "one measure": (
        AgencyReps.of(h=1, k=1, d=1, r=2, sigma=np.sqrt(0.5), ce0=1),
        1.0,
        linear_closed_form(1, 1, 1, 2, 0.5, 1, 1),
        0.0,
    ),
    "two measures": (
        AgencyReps.identical(1, [0, 0], np.eye(2), D2, 1, np.eye(2), 0),
        [1.0, 1.0],
        linear_closed_form([0, 0], np.eye(2), D2, 1, np.eye(2), [1, 1], 0),
        None,
    ),
}


def main() -> None:
    wall = {}
    print("case           draws         max |rel. error| over seeds 0-9: beta   alpha   e*")
    for name, (reps, margin, cf, floor) in CASES.items():
        for standardise in (False, True):
            errors = []
            start = time.perf_counter()
            for seed in range(10):
                p = optimal_linear_plan(
                    reps, margin, 20_000, seed, effort_floor=floor, standardise=standardise
                )
                errors.append(
                    [
                        np.max(np.abs(p.beta / cf.beta - 1)),
                        abs(p.alpha / cf.alpha - 1),
                        np.max(np.abs(p.effort / cf.effort - 1)),
                    ]
                )
            if standardise:
                wall[name] = time.perf_counter() - start
            worst = np.max(errors, axis=0)
            label = "standardised" if standardise else "plain"
            print(f"{name:14s} {label:13s} {'':34s}" + "  ".join(f"{e:6.2%}" for e in worst))
    print(
        f"wall time two measures / one measure: {wall['two measures'] / wall['one measure']:.1f}x"
    )


if __name__ == "__main__":
    main()
