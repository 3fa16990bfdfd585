"""The check-in's projection with reps who respond to the plan.

From the first month not observed, reps decide on the to-date bookings with the
observed rep-months taken from the actuals (sim.review.observed.ObservedMonths):
checked exactly on a recording behaviour, then end to end (reps far behind after
the actual months work more, reps past the steep part of the curve coast).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from planlab.review.report import checkin_html
from sim import load_scenario
from sim.actuals import load_actuals
from sim.actuals.validate import Actuals
from sim.montecarlo import MonteCarloEngine
from sim.review import check_in, prepare_review
from sim.review.observed import OBSERVABLE, ObservedMonths
from sim.run import make_population
from tests.conftest import ROOT

EXAMPLE = ROOT / "scenarios" / "review_example.toml"


@dataclasses.dataclass
class _Recorder:
    """Fixed effort; remembers the to-date totals it is shown each month."""

    seen: dict = dataclasses.field(default_factory=dict)
    plan_dependent: bool = True
    shifts_deals: bool = False

    def effort(self, state):
        self.seen[state.month] = (
            {c: state.booked[c].copy() for c in OBSERVABLE},
            {c: state.booked_period[c].copy() for c in OBSERVABLE},
        )
        return None

    def shift(self, kind, state, values, ahead=1):
        return None

    def presence(self, seed, block, trials, months):
        return None


def test_decisions_after_the_observed_months_see_the_actuals_to_date():
    # Booked to date at month m >= k = actuals of the observed rep-months + simulated
    # rep-months not observed + simulated months k .. m-1: an identity, exact to rounding.
    sc = load_scenario(EXAMPLE)
    pop = make_population(sc)
    rng = np.random.default_rng(0)
    k, periods = 5, sc.plan.periods
    observed = rng.random((pop.size, 12)) < 0.9
    actual = {c: rng.gamma(2.0, 1e4, (pop.size, 12)) for c in OBSERVABLE}
    inner = _Recorder()
    wrapped = ObservedMonths(inner, actual, observed, k, periods)
    engine = MonteCarloEngine(sc.market, pop)
    comps = engine.simulate_blocks(3, 0, 1, 30, wrapped, sc.plan).components
    per = 12 // periods
    for m in range(k, 12):
        year, period = inner.seen[m]
        p0 = (m // per) * per
        for c in OBSERVABLE:
            sim = np.asarray(comps[c], dtype=float)
            mixed = np.where(observed[None, :, :k], actual[c][None, :, :k], sim[:, :, :k])
            months = np.concatenate([mixed, sim[:, :, k:]], axis=-1)
            np.testing.assert_allclose(year[c], months[:, :, :m].sum(-1), rtol=1e-12, atol=1e-6)
            np.testing.assert_allclose(period[c], months[:, :, p0:m].sum(-1), rtol=1e-12, atol=1e-6)


def _scaled(actuals: Actuals, year: str, factor: float) -> Actuals:
    """The actuals with the year in progress's deal values scaled (counts kept)."""
    f = actuals.frame.copy()
    rows = f["period"].dt.year == int(year.removeprefix("FY"))
    for c in ("new_value", "xsell_value"):
        if c in f:
            f.loc[rows, c] = f.loc[rows, c] * factor
    return dataclasses.replace(actuals, frame=f)


@pytest.fixture(scope="module")
def example():
    sc = load_scenario(EXAMPLE)
    return sc, load_actuals(sc, drop_bad_rows=True)


def test_reps_respond_to_where_the_actual_months_left_them(example):
    # An annual plan on revenue steep from half of target to 150% (slope 2), flatter
    # above (slope 1), capped at 250%. Deal values of the months observed scaled, counts
    # kept: the model's level (read on counts) is unchanged, so with fixed effort the
    # rest of the year is exactly the same. With monthly dynamics effort follows the
    # marginal pay: reps set back to the steep part work more for the rest of the year,
    # reps pushed past it coast.
    sc, actuals = example
    sc = sc.model_copy(update={"plan": sc.plan.model_copy(update={"period": "year"})})
    assert sc.plan.periods == 1
    k = prepare_review(sc, actuals).in_progress.months_observed
    on = sc.behaviour.model_copy(
        update={
            "effort": sc.behaviour.effort.model_copy(
                update={"enabled": True, "calibration_trials": 100}
            ),
            "dynamics": sc.behaviour.dynamics.model_copy(update={"enabled": True}),
        }
    )
    responding = sc.model_copy(update={"behaviour": on})

    def rest(scenario, factor):
        acts = _scaled(actuals, "FY2027", factor)
        c = check_in(scenario, acts, trials=100, seed=4)
        done = prepare_review(scenario, acts).in_progress.revenue[:, :k].sum()
        return c, c.company["revenue_expected"] - done

    fixed = [rest(sc, f)[1] for f in (0.3, 1.0, 3.0)]
    assert fixed == pytest.approx([fixed[1]] * 3, rel=1e-9)
    (c, low), (_, normal), (_, high) = (rest(responding, f) for f in (0.3, 1.0, 3.0))
    assert low > 1.03 * normal and high < 0.97 * normal
    assert any("respond" in a and f"month {k + 1}" in a for a in c.assumptions)
    # The report says so in its first facts.
    html = checkin_html(c, _scaled(actuals, "FY2027", 0.3))
    assert "Reps respond to the plan" in html and "fixed effort" not in html
