"""Rep behaviour: how reps respond to the plan, as switchable, documented components.

The engines ask a :class:`Behaviour` for effort once a month (see
:mod:`sim.behaviour.base`); the components live one per module.
"""

from .base import Behaviour, Effort, FixedEffort, MonthState, pull_discount

__all__ = ["Behaviour", "Effort", "FixedEffort", "MonthState", "pull_discount"]
