"""The annual plan review and the mid-period check-in, on top of actuals.

- :mod:`.prepare`: actuals laid out by plan year, the team with last year's
  actual targets, calibration, and the calibrated scenario (the interface for
  every later step, re-optimising next period's targets included);
- :mod:`.fit`: does the calibrated model reproduce last year? (goodness of fit);
- :mod:`.reality`: what the plan really did, designed against actual;
- :mod:`.checkin`: part of a year observed, the rest simulated from where each
  rep stands, and adjustment options weighed against staying the course.
"""

from .annual import AnnualReview, annual_review
from .checkin import CheckIn, check_in
from .fit import Fit, goodness_of_fit
from .prepare import Review, next_period_scenario, prepare_review
from .reality import actual_variant, design_vs_reality, fairness_table, rep_review

__all__ = [
    "AnnualReview",
    "CheckIn",
    "Fit",
    "Review",
    "actual_variant",
    "annual_review",
    "check_in",
    "design_vs_reality",
    "fairness_table",
    "goodness_of_fit",
    "next_period_scenario",
    "prepare_review",
    "rep_review",
]
