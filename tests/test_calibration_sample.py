"""The calibration sample: each effort level simulated once, levels side by side, and
the dynamics' reference read off the kept sample as the engine would have seen it.

The baseline scenario's team (40 reps) on a 200-trial sample: small enough to run
in a few seconds, with a quarterly plan, a true-up and three measures.
"""

from __future__ import annotations

import pickle
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.behaviour import dynamics
from sim.behaviour.base import Effort
from sim.behaviour.flows import expected_flows
from sim.behaviour.response import BestResponse, PlanSample, TaskEffort, TeamSample
from sim.montecarlo import MonteCarloEngine
from sim.payout import plan_targets
from sim.run import make_population
from sim.streams import CALIBRATION

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "key_account_baseline.toml"
SEED = 11
TRIALS = 200


@pytest.fixture(scope="module")
def team():
    scenario = sim.load_scenario(BASELINE)
    return scenario, make_population(scenario)


class _Counting(TeamSample):
    """A sample that counts its simulations and how many run at once."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        run, lock = self._run, threading.Lock()
        self.runs, self.running, self.most = [], 0, 0  # levels other than 1.0 at once

        def counted(effort):
            level = np.ndim(effort.new) == 0 and float(effort.new) != 1.0
            with lock:
                self.runs.append(effort)
                self.running += level
                self.most = max(self.most, self.running)
            try:
                time.sleep(0.05)  # long enough for the other thread to start its own
                return run(effort)
            finally:
                with lock:
                    self.running -= level

        self._run = counted


def test_each_level_is_simulated_once_and_new_levels_side_by_side(team):
    scenario, pop = team
    sample = _Counting(scenario.market, pop, TRIALS, SEED)
    first = sample.levels([0.8, 1.2, 1.0, 1.0])
    assert len(sample.runs) == 3  # 1.0 asked twice, simulated once
    assert sample.most == 2  # two new levels at a time, not one after the other
    again = sample.levels([1.2, 0.8])
    assert len(sample.runs) == 3 and again[0] is first[1] and again[1] is first[0]
    # Threads asking for the same new level wait for its one simulation.
    from sim.behaviour.base import side_by_side

    got = side_by_side(sample.at, [1.4] * 4, workers=4)
    assert len(sample.runs) == 4 and all(g is got[0] for g in got)


def test_a_failed_simulation_is_not_kept(team):
    scenario, pop = team
    sample = TeamSample(scenario.market, pop, TRIALS, SEED)
    calls = []

    def fails(effort):
        calls.append(effort)
        raise RuntimeError("boom")

    real, sample._run = sample._run, fails
    with pytest.raises(RuntimeError):
        sample.at(0.9)
    sample._run = real
    assert sample.at(0.9).components["new_value"].shape[0] == TRIALS


def test_a_fixed_effort_sample_records_its_effort_as_a_view(team):
    """A sample at a fixed effort skips the bookkeeping of responding reps; its effort
    component is the level (per rep where the level is), the rest as before."""
    scenario, pop = team
    engine = MonteCarloEngine(scenario.market, pop, stream=CALIBRATION)
    per_rep = np.linspace(0.7, 1.3, pop.size)
    passive = engine.simulate_blocks(SEED, 0, 2, TRIALS, TaskEffort(Effort(per_rep, 1.1, 0.9)))
    assert np.array_equal(
        passive.components["effort"], np.broadcast_to(per_rep[None, :, None], passive.shape)
    )

    responding = TaskEffort(Effort(per_rep, 1.1, 0.9), passive=False)
    active = engine.simulate_blocks(SEED, 0, 2, TRIALS, responding)
    for name, values in active.components.items():
        assert np.array_equal(passive.components[name], values), name


class _Recorder(TaskEffort):
    """Records, inside the engine, each month's marginal pay at the bookings to date."""

    def __init__(self, level, record):
        super().__init__(level, passive=False)
        object.__setattr__(self, "record", record)

    def effort(self, state):
        self.record(state)
        return self.level


def test_reference_read_off_the_sample_is_what_the_engine_month_by_month_gives(team):
    scenario, pop = team
    plan = scenario.plans[next(iter(scenario.plans))]
    spec = scenario.behaviour.all_on().dynamics
    flows, targets = expected_flows(scenario.market, pop), plan_targets(plan, pop)
    task = {t: np.linspace(0.8, 1.2, pop.size) for t in ("new", "xsell", "service")}
    effort = Effort(task["new"], task["xsell"], task["service"])
    sample = TeamSample(scenario.market, pop, TRIALS, SEED)
    got = dynamics.reference_marginal(
        plan, targets, pop.team_index, flows, task, sample.at(effort), spec
    )
    seen = {"new": [[] for _ in range(plan.periods)], "xsell": [[] for _ in range(plan.periods)]}

    def record(state):
        g = dynamics.marginal_pay(plan, targets, pop.team_index, flows, state, task)
        shape = state.booked["new_value"].shape
        for t in seen:
            seen[t][state.period].append(np.broadcast_to(g[t], shape))

    engine = MonteCarloEngine(scenario.market, pop, stream=CALIBRATION)
    engine.simulate_blocks(SEED, 0, sample.n_blocks, TRIALS, _Recorder(effort, record), plan)
    for t, periods in seen.items():
        want = np.stack([dynamics._unit_scale(np.concatenate(p), spec) for p in periods], axis=1)
        assert np.array_equal(got[t], want), t


def test_a_lean_sample_keeps_only_todays_effort_and_gives_the_same_responses(team):
    """Paying every plan of a run on each grid level as it is simulated, a calibration
    need keep only today's effort (everyone's team-mates): the same best responses,
    bit for bit, from a fraction of the memory."""
    scenario, pop = team
    spec = scenario.behaviour.all_on().effort
    plans = [scenario.plans[n] for n in ("base", "uncapped", "margin_gate")]
    got, runs = {}, {}
    for keep in (True, False):
        sample = _Counting(scenario.market, pop, TRIALS, SEED, keep=keep)
        reps = BestResponse.calibrate(plans[0], sample, spec, SEED, plans[1:])
        got[keep] = [reps.respond(p, sample) for p in plans]
        kept = set(sample._cache)
        assert kept >= set(spec.levels) if keep else kept == {1.0}
        runs[keep] = sum(np.ndim(e.new) == 0 for e in sample.runs)  # uniform levels
        assert sample.most == 2  # levels kept or not, two levels simulated at a time
    # Every plan was paid on each level as it was simulated: no level simulated twice.
    assert runs[False] == runs[True] >= len(spec.levels)
    for lean, kept in zip(got[False], got[True], strict=True):
        for field in ("effort", "ce", "utility", "pay_mean", "p_target"):
            assert np.array_equal(getattr(lean, field), getattr(kept, field)), field
        for t in ("new", "xsell", "service"):
            assert np.array_equal(lean.task[t], kept.task[t])


def test_values_are_kept_only_for_the_plans_a_sample_remembers(team):
    """A run's plans are paid once per grid level; an optimiser's many candidate plans
    are not kept (they would pile up for the whole tabulation)."""
    scenario, pop = team
    plan, other = scenario.plans["base"], scenario.plans["uncapped"]
    sample = TeamSample(scenario.market, pop, TRIALS, SEED)
    risk = np.full(pop.size, 1e-5)
    first = PlanSample(other, sample, risk).worth(0.85)
    assert not sample._values  # not remembered: worked out, not kept
    sample.remember([plan])
    kept = PlanSample(plan, sample, risk).worth(0.85)
    assert PlanSample(plan, sample, risk).worth(0.85) is kept and len(sample._values) == 1
    assert not kept.flags.writeable
    assert np.array_equal(PlanSample(other, sample, risk).worth(0.85), first)


def test_flows_travel_without_what_reps_asked(team):
    scenario, pop = team
    flows = expected_flows(scenario.market, pop)
    plan = scenario.plans["base"]
    task = {t: np.ones(pop.size) for t in ("new", "xsell", "service")}
    rest = dynamics.remaining_flows(plan, flows, task, slice(2, 6))
    assert flows._windows and flows._remaining
    copy = pickle.loads(pickle.dumps(flows))
    assert not copy._windows and not copy._remaining
    again = dynamics.remaining_flows(plan, copy, task, slice(2, 6))
    for k, (mean, var) in rest.items():
        assert np.array_equal(again[k][0], mean) and np.array_equal(again[k][1], var)
        assert not mean.flags.writeable
