"""Plan shapes: the measure weights and payout-curve family the menu offers.

A shape is what stays fixed while the target MILP chooses levels: which
measures pay and with what weight, and the curve (threshold, accelerator, cap)
of the volume measures, and the team share (the share of pay on the sales
team's result of the primary measure: team pay dilutes each rep's own effort,
Holmström 1982, and pays for help, Itoh 1991). The menu is expanded into every
combination; each shape is applied to the base plan to give the plan the
simulator evaluates.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from sim.curves import PayoutCurve
from sim.plan import Measure, Plan

from .spec import Menu

__all__ = [
    "PlanShape",
    "apply_shape",
    "menu_shapes",
    "team_key",
    "volume_measures",
    "weight_grid",
]


@dataclass(frozen=True)
class PlanShape:
    """Weights per measure id (absent = not paid) and the volume measures' curve;
    a ``None`` curve field keeps the base plan's curves."""

    weights: tuple[tuple[str, float], ...]
    threshold: float | None = None
    accelerator: float | None = None
    cap: float | None = None
    curve_set: bool = False  # whether threshold/accelerator/cap replace the base curves
    team_share: float | None = None  # share of pay on the team's primary result (None: as weighted)

    @property
    def label(self) -> str:
        w = "/".join(f"{m} {v:.0%}" for m, v in self.weights)
        if self.team_share is not None:
            w += f"; team share {self.team_share:.0%}"
        if not self.curve_set:
            return w
        cap = "no cap" if self.cap is None else f"cap {self.cap:.0%}"
        return f"{w}; threshold {self.threshold:.0%}, accelerator {self.accelerator:g}×, {cap}"


def team_key(primary: str) -> str:
    """Id of the team-level copy of the primary measure a team share pays on."""
    return f"team_{primary}"


def volume_measures(plan: Plan) -> list[Measure]:
    """Measures whose target is an amount to reach (additive, higher is better):
    the ones per-rep target levels scale and the curve menu reshapes."""
    return [m for m in plan.measures if m.additive and m.direction == "higher"]


def weight_grid(measures: list[str], max_active: int, floor: float, step: float) -> list[dict]:
    """Every weight vector on a ``step`` grid over ``measures`` that sums to 1, with
    at most ``max_active`` measures paid and each paid one at least ``floor``."""
    units = round(1 / step)
    if abs(units * step - 1) > 1e-9:
        raise ValueError(f"step {step} does not divide 1")
    out = []
    for combo in itertools.product(range(units + 1), repeat=len(measures)):
        if sum(combo) != units:
            continue
        w = {m: c * step for m, c in zip(measures, combo, strict=True) if c}
        if len(w) <= max_active and all(v >= floor - 1e-9 for v in w.values()):
            out.append({m: round(v, 10) for m, v in w.items()})
    return out


def menu_shapes(plan: Plan, menu: Menu) -> list[PlanShape]:
    """The menu expanded: every weight vector × threshold × accelerator × cap × team share."""
    if menu.weights is not None:
        weights = menu.weights
    elif menu.measures is not None:
        weights = weight_grid(menu.measures, menu.max_active, menu.floor, menu.step)
    else:
        weights = [{m.id: m.weight for m in plan.measures}]
    curve_set = bool(menu.thresholds or menu.accelerators or menu.caps)
    base = _base_curve(plan)
    thresholds = menu.thresholds or [base[0]]
    accelerators = menu.accelerators or [base[1]]
    caps = menu.caps or [base[2]]
    shares = menu.team_shares or [None]
    return [
        PlanShape(
            weights=tuple((m, float(v)) for m, v in w.items() if v > 0),
            threshold=t if curve_set else None,
            accelerator=a if curve_set else None,
            cap=c if curve_set else None,
            curve_set=curve_set,
            team_share=share,
        )
        for w, t, a, c, share in itertools.product(weights, thresholds, accelerators, caps, shares)
    ]


def _base_curve(plan: Plan) -> tuple[float, float, float | None]:
    """Threshold, accelerator and cap read off the first volume measure's curve."""
    vols = volume_measures(plan)
    if not vols:
        return 0.0, 1.0, None
    c = vols[0].curve
    return c.threshold, c.tail, c.cap  # the curve's own defaults (tail_slope may be left out)


def family_curve(
    threshold: float, accelerator: float, cap: float | None, threshold_payout: float | None
) -> PayoutCurve:
    """The menu's curve: from (threshold, payout there) linearly to (1, 1), then
    ``accelerator`` per unit of attainment beyond target, up to ``cap``."""
    start = threshold if threshold_payout is None else threshold_payout
    points = [(threshold, start), (1.0, 1.0)] if threshold < 1 else [(1.0, 1.0)]
    return PayoutCurve(points=points, tail_slope=accelerator, cap=cap)


def apply_shape(
    plan: Plan,
    shape: PlanShape,
    threshold_payout: float | None = None,
    primary: str | None = None,
) -> Plan:
    """The base plan with the shape's weights (unlisted measures dropped), curve and
    team share (which needs the ``primary`` measure's id)."""
    weights = dict(shape.weights)
    measures = []
    curve = (
        family_curve(shape.threshold, shape.accelerator, shape.cap, threshold_payout)
        if shape.curve_set
        else None
    )
    vols = {m.id for m in volume_measures(plan)}
    for m in plan.measures:
        if m.id not in weights:
            continue
        update: dict = {"weight": weights[m.id]}
        if curve is not None and m.id in vols:
            update["curve"] = curve
        measures.append(m.model_copy(update=update))
    if shape.team_share is not None:
        measures = _with_team_share(measures, shape, primary)
    if not np.isclose(sum(m.weight for m in measures), 1.0):
        raise ValueError(f"shape {shape.label}: weights of the plan's measures do not sum to 1")
    return Plan.model_validate({**plan.model_dump(), "measures": measures})


def _with_team_share(measures: list[Measure], shape: PlanShape, primary: str | None) -> list:
    """Split the primary measure's weight (with any team copy's) into the rep's own
    result, weight W − w, and the team's, weight w (a copy keyed ``team_<primary>``)."""
    w = float(shape.team_share)
    own = next((m for m in measures if m.id == primary), None)
    if own is None or own.level != "individual":
        raise ValueError(
            f"shape {shape.label}: a team share needs the individual primary measure "
            f"{primary!r} in the shape"
        )
    key = team_key(own.id)
    total = sum(m.weight for m in measures if m.id in (own.id, key))
    if w > total + 1e-9:
        raise ValueError(
            f"shape {shape.label}: team share {w:.0%} exceeds {own.id}'s weight {total:.0%}"
        )
    team = own.model_copy(update={"key": key, "level": "team", "weight": w})
    out = [m.model_copy(update={"weight": total - w}) if m.id == own.id else m for m in measures]
    out = [m for m in out if m.id != key]
    if w > 0:
        out.insert(out.index(next(m for m in out if m.id == own.id)) + 1, team)
    return out
