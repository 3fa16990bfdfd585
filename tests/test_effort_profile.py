"""The effort profile by attainment to date (the behaviour report's hockey-stick
chart): effort and counts by the month's place in its period and the rep's
attainment of the period target so far, against its definition entry by entry."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import sim
import sim.chunks as chunks
from sim.behaviour.base import Effort
from sim.behaviour.response import TaskEffort
from sim.montecarlo import MonteCarloEngine
from sim.payout import plan_targets
from sim.run import make_population

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "key_account_baseline.toml"
SEED = 11


@pytest.fixture(scope="module")
def team():
    scenario = sim.load_scenario(BASELINE)
    return scenario, make_population(scenario)


@pytest.mark.parametrize("overlay", [False, True])
def test_the_profile_is_its_definition(team, monkeypatch, overlay):
    """Worked month by month into one index, the profile is its definition; a rep
    without a target on the measure (an overlay) is left out."""
    scenario, pop = team
    plan = scenario.plans["base"]
    targets = plan_targets(plan, pop)
    if overlay:
        targets = {k: v.copy() for k, v in targets.items()}
        targets["revenue"][3] = 0.0
        monkeypatch.setattr(chunks, "plan_targets", lambda *a: targets)
    engine = MonteCarloEngine(scenario.market, pop)
    effort = Effort(np.linspace(0.8, 1.2, pop.size), 1.0, 1.0)
    oc = engine.simulate_blocks(SEED, 0, 1, 40, TaskEffort(effort, passive=False), plan)
    got = chunks.effort_by_progress(oc, plan, pop)
    comps = oc.components
    booked = comps["new_value"] + comps["xsell_value"]
    t, r, months = oc.shape
    per = months // plan.periods
    edges, last = chunks.PROGRESS_BINS, len(chunks.PROGRESS_BINS) - 1
    want = np.zeros_like(got)
    for mo in range(months):
        start = mo - mo % per
        target = targets["revenue"][:, mo // per]
        to_date = booked[:, :, start:mo].sum(-1)
        ok = target > 0
        progress = np.where(ok, to_date / np.where(ok, target, 1.0), 0.0)
        b = np.clip(np.digitize(progress, edges) - 1, 0, last)
        place = 0 if mo % per == 0 else 2 if mo % per == per - 1 else 1
        for i in range(t):
            np.add.at(want[i, 0, place], b[i], comps["effort"][i, :, mo] * ok)
            np.add.at(want[i, 1, place], b[i], ok.astype(float))
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-9)
    assert want[:, 1].sum() == t * months * (r - overlay)
