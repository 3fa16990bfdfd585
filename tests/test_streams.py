"""Per-rep streams: each rep's draws are its own, and the samplers match theory.

Statistical checks compare an estimate with its closed form within ``Z``
standard errors on fixed seeds (see tests/test_engine.py for the reasoning).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim import load_scenario, simulate
from sim.behaviour import Effort
from sim.montecarlo import MonteCarloEngine
from sim.pipeline import PipelineEngine
from sim.run import make_population
from sim.sampling import binomial, gamma, poisson
from sim.streams import BLOCK_TRIALS, hashed_uniforms, rep_counters, stream_key

Z = 4.0
BASELINE = Path(__file__).resolve().parent.parent / "scenarios" / "key_account_baseline.toml"
PIPELINE_SCENARIO = BASELINE.with_name("key_account_pipeline.toml")


def test_hashed_uniforms_are_uniform_and_independent():
    u = hashed_uniforms(stream_key(5, 1, 2, 3), np.arange(200_000, dtype=np.uint64))
    assert u.min() > 0.0 and u.max() < 1.0
    assert stats.kstest(u, "uniform").pvalue > 1e-4
    # Neighbouring counters and neighbouring keys are uncorrelated (se = 1/sqrt(n)).
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < Z / math.sqrt(u.size)
    v = hashed_uniforms(stream_key(5, 1, 2, 4), np.arange(200_000, dtype=np.uint64))
    assert abs(np.corrcoef(u, v)[0, 1]) < Z / math.sqrt(u.size)


def test_hashed_uniforms_depend_on_counter_alone():
    key = stream_key(1, 2)
    c = rep_counters(BLOCK_TRIALS, 30)
    whole = hashed_uniforms(key, c)
    np.testing.assert_array_equal(hashed_uniforms(key, c[:, 7:9]), whole[:, 7:9])
    assert len(np.unique(whole)) == whole.size


@pytest.mark.parametrize("shape", [0.4, 1.0, 4.0, 12.5])
def test_gamma_moments(shape):
    n = 100_000
    x = gamma(
        stream_key(3, shape.as_integer_ratio()[0]),
        np.arange(n, dtype=np.uint64) * 4,
        np.full(n, shape),
    )
    # Gamma(k, 1): mean k, variance k, fourth central moment 3k(k + 2).
    assert abs(x.mean() - shape) <= Z * math.sqrt(shape / n)
    se_var = math.sqrt((3 * shape * (shape + 2) - shape**2) / n)
    assert abs(x.var(ddof=1) - shape) <= Z * se_var
    assert stats.kstest(x, stats.gamma(shape).cdf).pvalue > 1e-4


def test_poisson_and_binomial_by_inversion_match_theory():
    rng = np.random.default_rng(0)
    n = 200_000
    lam = np.where(np.arange(n) % 2 == 0, 0.3, 12.0)  # inversion and the quantile fallback
    k = poisson(rng.random(n), lam)
    for rate in (0.3, 12.0):
        s = k[lam == rate]
        assert abs(s.mean() - rate) <= Z * math.sqrt(rate / s.size)
        assert abs(s.var() - rate) <= Z * math.sqrt((rate + 2 * rate**2) / s.size)
    b = binomial(rng.random(n), 3, 0.8)
    assert abs(b.mean() - 2.4) <= Z * math.sqrt(3 * 0.8 * 0.2 / n)
    assert abs(b.var() - 0.48) <= 0.02
    assert (binomial(rng.random(10), 2, 1.0) == 2).all()
    assert (binomial(rng.random(10), 2, 0.0) == 0).all()


@settings(max_examples=50, deadline=None)
@given(
    st.floats(0.0, 1.0, exclude_min=True, exclude_max=True),
    st.floats(0.0, 20.0),
    st.floats(0.0, 20.0),
)
def test_poisson_counts_rise_with_the_rate(u, a, b):
    lo, hi = sorted((a, b))
    x = poisson(np.array([u, u]), np.array([lo, hi]))
    assert x[0] <= x[1]


@settings(max_examples=50, deadline=None)
@given(
    st.floats(0.0, 1.0, exclude_min=True, exclude_max=True),
    st.integers(0, 6),
    st.floats(0.0, 1.0),
    st.floats(0.0, 1.0),
)
def test_renewals_rise_with_the_chance(u, n, a, b):
    lo, hi = sorted((a, b))
    x = binomial(np.array([u, u]), n, np.array([lo, hi]))
    assert 0 <= x[0] <= x[1] <= n


@dataclass(frozen=True)
class OneRepWorksHarder:
    """Every rep at the market's effort but ``rep``, who works ``level`` times as hard."""

    rep: int
    level: float
    reps: int
    plan_dependent: bool = False
    shifts_deals: bool = False

    def effort(self, state) -> Effort:
        e = np.ones(self.reps)
        e[self.rep] = self.level
        return Effort(e, e, e)

    def shift(self, kind, state, values, ahead=1) -> None:
        return None

    def presence(self, seed, block, trials, months) -> None:
        return None


def test_one_reps_effort_leaves_every_other_rep_unchanged():
    sc = load_scenario(BASELINE)
    pop = make_population(sc)
    engine = MonteCarloEngine(sc.market, pop)
    trials, rep = 300, 5
    base = engine.simulate_blocks(11, 0, 3, trials, OneRepWorksHarder(rep, 1.0, pop.size))
    more = engine.simulate_blocks(11, 0, 3, trials, OneRepWorksHarder(rep, 2.5, pop.size))
    others = np.arange(pop.size) != rep
    for name, a in base.components.items():
        np.testing.assert_array_equal(a[:, others], more.components[name][:, others], name)
    # The rep who works harder books more, trial by trial never fewer deals.
    deals = base.components["new_count"][:, rep], more.components["new_count"][:, rep]
    assert (deals[1] >= deals[0]).all() and deals[1].sum() > 1.5 * deals[0].sum()


def test_per_rep_draws_are_the_same_whatever_the_chunking():
    sc = load_scenario(BASELINE)
    a = simulate(sc, trials=300, seed=3, chunk_trials=100, workers=1, keep_outcomes=True)
    b = simulate(sc, trials=300, seed=3, chunk_trials=300, workers=2, keep_outcomes=True)
    for name, v in a.outcomes.components.items():
        assert np.asarray(v).tobytes() == np.asarray(b.outcomes.components[name]).tobytes(), name


def test_pipeline_one_reps_effort_leaves_every_other_rep_unchanged():
    """The pipeline engine's draws are addressed by rep too: every rep has a stream of
    their own in each replication, so one rep working harder changes no one else's
    opportunities, stage times, wins, deal sizes, renewals or satisfaction."""
    sc = load_scenario(PIPELINE_SCENARIO)
    pop = make_population(sc)
    engine = PipelineEngine(sc.market, pop, sc.pipeline)
    trials, rep = 4, 3
    base = engine.simulate_trials(5, 0, trials, OneRepWorksHarder(rep, 1.0, pop.size))
    more = engine.simulate_trials(5, 0, trials, OneRepWorksHarder(rep, 2.5, pop.size))
    others = np.arange(pop.size) != rep
    for name, a in base.components.items():
        np.testing.assert_array_equal(a[:, others], more.components[name][:, others], name)
    opportunities = [
        x.components["new_count"][:, rep].sum() + x.components["xsell_count"][:, rep].sum()
        for x in (base, more)
    ]
    assert not np.array_equal(
        base.components["new_value"][:, rep], more.components["new_value"][:, rep]
    )
    assert opportunities[1] > opportunities[0]
