"""Deal timing's decision at a period's close (:func:`sim.behaviour.timing.shift_share`).

Within the year the annual true-up can only cancel a move (it pays the same
bookings whichever period they fall in), so it is weighed only for the entries
that would move; these tests pin that this leaves every decision as it was.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import sim
from sim.behaviour.base import MonthState
from sim.behaviour.flows import expected_flows
from sim.behaviour.spec import TimingSpec
from sim.behaviour.timing import shift_share
from sim.payout import plan_targets
from sim.run import make_population

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "key_account_baseline.toml"
TRIALS = 60


@pytest.fixture(scope="module")
def close():
    """The baseline's team at the first quarter's close, with bookings drawn around
    what each rep can expect (some short of target, some past it)."""
    sc = sim.load_scenario(BASELINE)
    sc = sc.model_copy(update={"team": sc.team.model_copy(update={"reps": 40})})
    pop = make_population(sc)
    plan = sc.plans["base"]
    flows = expected_flows(sc.market, pop)
    rng = np.random.default_rng(3)
    factor = rng.uniform(0.3, 1.8, (TRIALS, pop.size))
    comps = list(flows.mean["new"])
    quarter = {c: sum(flows.mean[t][c][:, :3].sum(1) for t in ("new", "xsell")) for c in comps}
    month = {c: sum(flows.mean[t][c][:, 3] for t in ("new", "xsell")) for c in comps}
    booked = {c: factor * quarter[c] for c in comps}
    values = {c: rng.uniform(0.5, 1.5, (TRIALS, pop.size)) * month[c] for c in comps}
    state = MonthState(2, 12, plan, booked, booked, 0)
    effort = {t: np.ones(pop.size) for t in ("new", "xsell", "service")}
    return plan, plan_targets(plan, pop), pop.team_index, flows, state, values, effort


def _decide(kind, close, plan=None, rows=slice(None)):
    p, targets, team_index, flows, state, values, effort = close
    plan = plan or p
    sub = MonthState(
        state.month,
        state.months,
        plan,
        {c: v[rows] for c, v in state.booked.items()},
        {c: v[rows] for c, v in state.booked_period.items()},
        state.period,
    )
    vals = {c: v[rows] for c, v in values.items()}
    return shift_share(kind, plan, targets, team_index, flows, sub, vals, effort, TimingSpec())


@pytest.mark.parametrize("kind", ["pull", "push"])
def test_each_trials_decision_is_its_own(close, kind):
    """A trial's moves do not depend on the other trials of the call (the true-up is
    weighed only where some rep would move)."""
    whole = _decide(kind, close)
    alone = np.concatenate([_decide(kind, close, rows=slice(i, i + 1)) for i in range(TRIALS)])
    assert (whole == alone).all()


@pytest.mark.parametrize("kind", ["pull", "push"])
def test_true_up_only_cancels_moves_within_the_year(close, kind):
    """Without the true-up some reps move deals the true-up makes worthless (it pays
    the same bookings in any quarter, less the discount); it never adds a move."""
    with_true_up = _decide(kind, close)
    without = _decide(kind, close, plan=close[0].model_copy(update={"true_up": False}))
    assert (with_true_up <= without).all()
    if kind == "pull":
        assert (without > 0).any() and (with_true_up < without).any()


def test_a_move_is_weighed_on_what_the_engine_moves(monkeypatch):
    """Timing decides on the components a deal's close date carries (bookings, counts,
    cycle days, margin, discount), the same ones the engine then moves: renewals, csat
    and sales cost stay where they are, so no gain may be read from moving them."""
    from sim.behaviour import timing
    from sim.montecarlo import SHIFTED

    seen: set[str] = set()
    real = timing.shift_share

    def spy(kind, plan, targets, team_index, flows, state, values, *args, **kw):
        seen.update(values)
        return real(kind, plan, targets, team_index, flows, state, values, *args, **kw)

    monkeypatch.setattr(timing, "shift_share", spy)
    s = sim.load_scenario(BASELINE)
    sim.simulate(s, ["retention_focus"], trials=20, behaviour=True)
    assert seen and seen <= set(SHIFTED)
