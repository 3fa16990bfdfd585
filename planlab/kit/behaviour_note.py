"""One sentence for the first lines of every report: do reps respond to the plan?

The numbers of a simulation, a comparison, an optimisation or a review depend on
whether reps respond to the plan (``[behaviour]``); a reader must know which
before reading any of them.
"""

from __future__ import annotations

from sim.behaviour.spec import BehaviourSpec

__all__ = ["behaviour_note"]

_PARTS = (
    ("effort", "set their effort by what the plan pays"),
    ("dynamics", "push or give up as period ends near"),
    ("timing", "time deals around period ends"),
    ("ratchet", "hold back when targets ratchet"),
    ("retention", "may leave when pay falls below their outside option"),
    ("help", "help team-mates as far as the plan pays for it"),
)


def behaviour_note(spec: BehaviourSpec | None, why_off: str = "") -> str:
    """'Reps respond to the plan: ...' or 'Reps do not respond to the plan: ...'."""
    if spec is None or not spec.enabled:
        reason = why_off or "fixed effort, no deal timing, no attrition ([behaviour] is off)"
        return f"Reps do not respond to the plan: {reason}."
    on = [text for key, text in _PARTS if getattr(spec, key).enabled]
    return "Reps respond to the plan: they " + ", ".join(on) + "."
