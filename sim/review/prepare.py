"""From a scenario and its actuals to the calibrated model of the reviewed year."""

from __future__ import annotations

from dataclasses import dataclass

from ..actuals import Actuals
from ..actuals.observed import with_actual_targets
from ..actuals.years import PlanYear, plan_years
from ..calibrate import Calibration, calibrate, calibrated_scenario
from ..errors import ScenarioError
from ..market import Shift
from ..population import Population
from ..run import make_population
from ..scenario import Scenario
from .credits import recorded_deal_teams

__all__ = ["Review", "next_period_scenario", "prepare_review"]


@dataclass(frozen=True)
class Review:
    """The inputs of a review, prepared once and shared by every step."""

    scenario: Scenario  # as designed
    actuals: Actuals
    population: Population  # the team, with the reviewed year's actual targets
    years: tuple[PlanYear, ...]  # complete plan years read, oldest first
    year: PlanYear  # the reviewed (last complete) year
    calibration: Calibration
    calibrated: Scenario  # the calibrated scenario: the model every later step starts from
    in_progress: PlanYear | None = None  # a later, incomplete year (for a check-in)
    deal_teams: tuple[dict[int, list[int]], ...] | None = None  # per month: who worked whose deals


def prepare_review(scenario: Scenario, actuals: Actuals, growth: float | None = None) -> Review:
    """Lay the actuals out by plan year and calibrate on the complete ones.

    The reviewed year is the last complete plan year; a later incomplete year
    is kept for a check-in. ``growth`` fixes annual demand growth instead of
    estimating it.
    """
    pop = make_population(scenario)
    years = plan_years(actuals, list(pop.name), scenario.actuals.plan_year_start)
    complete = [y for y in years if y.complete]
    later = [
        y for y in years if not y.complete and complete and y.months[0] > complete[-1].months[0]
    ]
    if not complete:
        seen = ", ".join(f"{y.label} ({y.months_observed} months)" for y in years)
        raise ScenarioError(
            f"{actuals.origin}: no complete plan year to review (read: {seen}); "
            "a review needs 12 months of actuals, a check-in fewer"
        )
    year = complete[-1]
    team = with_actual_targets(pop, year)
    recorded = recorded_deal_teams(scenario, team, year.months)
    cal = calibrate(scenario, team, complete, growth, origin=actuals.origin)
    return Review(
        scenario=scenario,
        actuals=actuals,
        population=team,
        years=tuple(complete),
        year=year,
        calibration=cal,
        calibrated=calibrated_scenario(scenario, team, cal),
        in_progress=later[-1] if later else None,
        deal_teams=recorded,
    )


def next_period_scenario(review: Review) -> Scenario:
    """The calibrated scenario one plan year on: demand grown by the estimated growth,
    each rep's estimated productivity, and last year's plan and targets — the starting
    point for setting next period's targets."""
    cal = review.calibrated
    grown = Shift(name="one year on", month=1, factor=1.0 + review.calibration.growth)
    return cal.model_copy(
        update={
            "name": f"{review.scenario.name} (next period, calibrated)",
            "market": cal.market.model_copy(update={"shifts": (grown, *cal.market.shifts)}),
        }
    )
