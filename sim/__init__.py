"""planlab's simulation floor: plans as data, scenarios, reps, market, engines, metrics.

Imports go down the floors only: ``sim`` never imports ``optimize`` or ``planlab``.
"""

from .curves import PayoutCurve, linear_commission, standard_curve
from .errors import ScenarioError
from .market import Market
from .measures import MEASURES
from .outcomes import Outcomes
from .payout import evaluate_plan
from .plan import Gate, Measure, Modifier, PayMix, Plan, Reward
from .population import Population, TeamSpec
from .run import SimulationResult, simulate
from .scenario import Scenario, load_scenario, parse_scenario

__all__ = [
    "MEASURES",
    "Gate",
    "Market",
    "Measure",
    "Modifier",
    "Outcomes",
    "PayMix",
    "PayoutCurve",
    "Plan",
    "Population",
    "Reward",
    "Scenario",
    "ScenarioError",
    "SimulationResult",
    "TeamSpec",
    "evaluate_plan",
    "linear_commission",
    "load_scenario",
    "parse_scenario",
    "simulate",
    "standard_curve",
]
