"""The field studies the behaviour model is calibrated against, as runnable checks.

Each :class:`Study` names its scenario in ``scenarios/evidence/``, the published
effect, the band planlab's effect must fall in (the issue's bands, wider than the
published point estimates because the studied firms differ from a scenario),
and a measurement that simulates the scenario on common random numbers and
returns the effect with a paired 95% interval (per-trial differences between
the two plans, which share every draw). ``benchmarks/evidence.py`` prints the
table; the test suite asserts the directions and bands.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..run import PROGRESS_BINS, SimulationResult, VariantResult, simulate
from ..scenario import Scenario, load_scenario
from .flows import expected_flows

__all__ = ["STUDIES", "Effect", "Study", "measure"]

Z95 = 1.959964


@dataclass(frozen=True)
class Effect:
    """An effect with its paired 95% interval, and any side figures."""

    value: float
    low: float
    high: float
    extra: dict[str, float]


@dataclass(frozen=True)
class Study:
    """One published effect and how planlab measures it."""

    key: str
    citation: str
    scenario: str  # file name in scenarios/evidence/
    published: str
    published_value: float  # the point estimate (NaN: a direction only)
    band: tuple[float, float]  # where planlab's effect must lie
    unit: str
    run: Callable[[Scenario, int, int | None], Effect]


def _interval(d: np.ndarray, scale: float = 1.0) -> tuple[float, float, float]:
    d = np.asarray(d, dtype=float) / scale
    m, se = float(d.mean()), float(d.std(ddof=1) / math.sqrt(d.size))
    return m, m - Z95 * se, m + Z95 * se


def _relative(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """Relative change of per-trial totals b over a, with a paired interval."""
    return _interval(b - a, float(a.mean()))


def sales_potential(result: SimulationResult) -> np.ndarray:
    """Each rep's expected annual sales at today's effort: ability x territory x accounts."""
    sc = result.scenario
    flows = expected_flows(sc.market, result.population)
    one = {"new": 1.0, "xsell": 1.0}
    return flows.measure(("new_value", "xsell_value"), one, slice(None))[0]


def _chung(sc: Scenario, trials: int, seed: int | None) -> Effect:
    r = simulate(sc, ["no_overachievement"], trials=trials, seed=seed, rep_years=True)
    a, b = r.base.actuals["revenue"], r.variants["no_overachievement"].actuals["revenue"]
    m, lo, hi = _relative(a.sum(1), b.sum(1))
    pot = sales_potential(r)
    top = pot >= np.quantile(pot, 0.75)
    drop = (b - a).mean(0)
    share = float(drop[top].sum() / drop.sum()) if drop.sum() < 0 else float("nan")
    return Effect(m, lo, hi, {"top_quartile_share_of_change": share})


def _misra_nair(sc: Scenario, trials: int, seed: int | None) -> Effect:
    today = simulate(sc, [], trials=trials, seed=seed, rep_years=True)
    off = sc.behaviour.model_copy(
        update={"ratchet": sc.behaviour.ratchet.model_copy(update={"enabled": False})}
    )
    new = simulate(sc, ["new_plan"], trials=trials, seed=seed, behaviour=off, rep_years=True)
    a, b = today.base.actuals["revenue"], new.variants["new_plan"].actuals["revenue"]
    return Effect(*_relative(a.sum(1), b.sum(1)), {})


def _ratchet(sc: Scenario, trials: int, seed: int | None) -> Effect:
    """Revenue of reps above target with and without ratchet anticipation (new plan)."""
    on = simulate(sc, ["new_plan"], trials=trials, seed=seed, rep_years=True)
    on = on.variants["new_plan"]
    off_spec = sc.behaviour.model_copy(
        update={"ratchet": sc.behaviour.ratchet.model_copy(update={"enabled": False})}
    )
    off = simulate(sc, ["new_plan"], trials=trials, seed=seed, behaviour=off_spec, rep_years=True)
    off = off.variants["new_plan"]
    above = off.outcome.attainment["revenue"].mean(0) >= 1.0
    a, b = off.actuals["revenue"][:, above], on.actuals["revenue"][:, above]
    return Effect(*_relative(a.sum(1), b.sum(1)), {"reps_above_target": float(above.sum())})


def last_month_share(v: VariantResult) -> np.ndarray:
    """Per trial, the share of the year's bookings closed in a period's last month."""
    per = 12 // v.plan.periods
    b = v.bookings_by_month.reshape(-1, v.plan.periods, per)
    return b[:, :, -1].sum(1) / b.sum((1, 2))


def equal_cost_bonus(sc: Scenario, base: str, variant: str, trials: int, seed) -> Scenario:
    """``sc`` with ``variant``'s lump sum scaled so that, at today's effort, it costs what
    ``base`` costs (the comparison Oyer and Steenburgh make)."""
    today = simulate(sc, [variant], trials=trials, seed=seed, behaviour=False, rep_years=True)
    ratio = float(today.base.outcome.total.mean() / today.variants[variant].outcome.total.mean())
    plan = sc.variants[variant]
    m = plan.measures[0]
    pts = tuple((x, y * ratio) for x, y in m.curve.points)
    curve = m.curve.model_copy(update={"points": pts})
    curve = type(m.curve).model_validate(curve.model_dump())
    new = plan.model_copy(update={"measures": (m.model_copy(update={"curve": curve}),)})
    return sc.model_copy(update={"variants": {**sc.variants, variant: new}})


def _oyer(sc: Scenario, trials: int, seed: int | None) -> Effect:
    sc = equal_cost_bonus(sc, "base", "quota_bonus", trials, seed)
    r = simulate(sc, ["quota_bonus"], trials=trials, seed=seed, rep_years=True)
    lin, bonus = r.base, r.variants["quota_bonus"]
    m, lo, hi = _interval(last_month_share(bonus) - last_month_share(lin))
    rev_lin, rev_bonus = lin.actuals["revenue"].sum(1), bonus.actuals["revenue"].sum(1)
    moved = (bonus.actuals["pulled_in"] + bonus.actuals["pushed_out"]).sum(1)
    cost = bonus.outcome.total.sum(1).mean() / lin.outcome.total.sum(1).mean()
    return Effect(
        m,
        lo,
        hi,
        {
            "effort_revenue_gain": float((rev_bonus - rev_lin).mean() / rev_lin.mean()),
            "revenue_moved_share": float(moved.mean() / rev_bonus.mean()),
            "cost_ratio_at_response": float(cost),
        },
    )


def _larkin(sc: Scenario, trials: int, seed: int | None) -> Effect:
    r = simulate(sc, [], trials=trials, seed=seed, rep_years=True)
    a = r.base.actuals
    disc = a["timing_discount"].sum(1) / a["revenue"].sum(1).mean()
    m, lo, hi = _interval(disc)
    rev = a["revenue"].sum(1).mean()
    pulled = float(a["pulled_in"].sum(1).mean() / rev)
    pushed = float(a["pushed_out"].sum(1).mean() / rev)
    return Effect(
        m, lo, hi, {"revenue_pulled_in_share": pulled, "revenue_pushed_out_share": pushed}
    )


def _give_up(sc: Scenario, trials: int, seed: int | None) -> Effect:
    r = simulate(sc, ["threshold"], trials=trials, seed=seed)
    far = slice(0, int(np.searchsorted(PROGRESS_BINS, 0.4)))

    def effort(v: VariantResult) -> np.ndarray:
        e = v.effort_by_progress[:, :, 2, far].sum(-1)  # (trials, 2): sum, count
        return e[:, 0] / np.maximum(e[:, 1], 1)

    lin, thr = effort(r.base), effort(r.variants["threshold"])
    return Effect(*_relative(lin, thr), {"linear_effort": float(lin.mean())})


STUDIES: tuple[Study, ...] = (
    Study(
        "chung2014",
        "Chung, Steenburgh & Sudhir 2014",
        "chung_steenburgh_sudhir_2014.toml",
        "removing pay above quota: about -6% revenue, mostly top performers",
        -0.06,
        (-0.10, -0.03),
        "revenue change",
        _chung,
    ),
    Study(
        "misra_nair2011",
        "Misra & Nair 2011",
        "misra_nair_2011.toml",
        "new plan without ratchet and ceiling: about +9% revenue",
        0.09,
        (0.04, 0.15),
        "revenue change",
        _misra_nair,
    ),
    Study(
        "oyer1998",
        "Oyer 1998; Steenburgh 2008",
        "oyer_1998_steenburgh_2008.toml",
        "quota bonus: bookings concentrate in a period's last month; effort more than timing",
        float("nan"),
        (0.0, math.inf),
        "last-month share of bookings, bonus - linear",
        _oyer,
    ),
    Study(
        "larkin2014",
        "Larkin 2014",
        "larkin_2014.toml",
        "accelerating annual commission: timing discounts cost about 6-8% of revenue",
        0.07,
        (0.03, 0.10),
        "timing discount / revenue",
        _larkin,
    ),
    Study(
        "give_up",
        "Chung et al. 2014; Steenburgh 2008",
        "give_up.toml",
        "reps far below a threshold late in the period work less than under a commission",
        float("nan"),
        (-math.inf, 0.0),
        "last-month effort of reps below 40% of quota, threshold vs linear",
        _give_up,
    ),
    Study(
        "ratchet",
        "Leone, Misra & Zimmerman 2004; Misra & Nair 2011",
        "misra_nair_2011.toml",
        "reps above target hold back when quotas are ratcheted",
        float("nan"),
        (-math.inf, 0.0),
        "revenue change of reps above target, ratchet vs none",
        _ratchet,
    ),
)


def measure(study: Study, folder: Path, trials: int | None = None, seed: int | None = None):
    """Run ``study`` on its scenario in ``folder``; returns its :class:`Effect`."""
    sc = load_scenario(folder / study.scenario)
    return study.run(sc, trials or sc.simulation.trials, seed)
