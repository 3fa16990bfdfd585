"""A large team's stream block is simulated and paid a slice of trials at a time, with
the same bytes as the whole block at once.

Each slice holds the whole team of its trials, so team measures, team pay and
crediting across account teams see what they would see in one piece; the tests
check this on a plan with a team-level measure and on account teams.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
import sim.chunks
from sim.montecarlo import MonteCarloEngine
from sim.outcomes import Outcomes
from sim.run import make_population
from sim.streams import BLOCK_TRIALS, BlockRows, generator

ROOT = Path(__file__).resolve().parent.parent
SLOW = settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def resized(path: str, reps: int) -> sim.Scenario:
    s = sim.load_scenario(ROOT / "scenarios" / path)
    return s.model_copy(update={"team": s.team.model_copy(update={"reps": reps})})


@pytest.fixture(scope="module")
def baseline():
    return resized("key_account_baseline.toml", 24)


@given(
    size=st.integers(1, 60),
    bounds=st.tuples(st.integers(0, 60), st.integers(0, 60)),
    cols=st.integers(1, 9),
)
def test_block_rows_are_the_rows_of_the_whole_draw(size, bounds, cols):
    """Uniforms and normals of rows lo..hi, draw after draw, are those rows of the
    whole block's draws."""
    lo, hi = sorted(min(b, size) for b in bounds)
    hi = max(hi, lo + 1) if lo < size else size
    lo = min(lo, hi - 1)
    whole = generator(5, 1, 2, 3)
    u1, z1, u2 = (
        whole.random((size, cols)),
        whole.standard_normal((size, cols)),
        whole.random((size, cols)),
    )
    rows = BlockRows(generator(5, 1, 2, 3), size, lo, hi)
    n = hi - lo
    assert rows.random((n, cols)).tobytes() == u1[lo:hi].tobytes()
    assert rows.standard_normal((n, cols)).tobytes() == z1[lo:hi].tobytes()
    assert rows.random((n, cols)).tobytes() == u2[lo:hi].tobytes()


@SLOW
@given(
    first_block=st.integers(0, 2),
    n=st.integers(1, 2 * BLOCK_TRIALS),
    rows=st.integers(1, 2 * BLOCK_TRIALS),
)
def test_engine_slices_join_into_the_whole_chunk(baseline, first_block, n, rows):
    """Slices of any size, joined in trial order, are the chunk simulated at once,
    component by component and byte for byte, with the same variates counted."""
    pop = make_population(baseline)
    engine = MonteCarloEngine(baseline.market, pop)
    first = first_block * BLOCK_TRIALS
    whole = engine.simulate_trials(9, first, n)
    pieces = list(engine.trial_slices(9, first, n, rows * pop.size))
    offsets = [o for o, _ in pieces]
    assert offsets == sorted(offsets) and offsets[0] == 0
    assert all(p.trials <= max(rows, 1) or len(pieces) == 1 for _, p in pieces)
    joined = Outcomes.concat([p for _, p in pieces])
    assert joined.draws == whole.draws
    for c, v in whole.components.items():
        assert np.ascontiguousarray(joined.components[c]).tobytes() == (
            np.ascontiguousarray(v).tobytes()
        ), c


def _fingerprint(result) -> dict[str, bytes]:
    """Every number a run hands on: summaries, per-year and per-rep arrays."""
    out = {"draws": str(result.draws).encode()}
    for name, v in result.variants.items():
        s = v.summary
        for group in ("yearly", "per_rep", "hits", "sample"):
            for k, a in getattr(s, group).items():
                out[f"{name}/{group}/{k}"] = np.asarray(a).tobytes()
        out[f"{name}/pay_sketch"] = s.pay_sketch.counts.tobytes()
        out[f"{name}/bookings"] = v.bookings_by_month.tobytes()
        out[f"{name}/rep_bookings"] = v.rep_bookings_by_month.tobytes()
        out[f"{name}/cash"] = v.outcome.payout_by_month.tobytes()
        out[f"{name}/total"] = v.outcome.total.tobytes()
        for k, a in v.outcome.attainment.items():
            out[f"{name}/attainment/{k}"] = a.tobytes()
        for k, a in v.actuals.items():
            out[f"{name}/actuals/{k}"] = a.tobytes()
    return out


def _run(scenario, monkeypatch, budget: int | None, **kw):
    if budget is not None:
        monkeypatch.setattr(sim.chunks, "CHUNK_REP_TRIALS", budget)
    try:
        return sim.simulate(scenario, trials=230, seed=4, behaviour=False, rep_years=True, **kw)
    finally:
        monkeypatch.undo()


@pytest.fixture(scope="module")
def reference(baseline):
    """The baseline (a team-level measure among its variants) with whole blocks."""
    return _fingerprint(
        sim.simulate(baseline, trials=230, seed=4, behaviour=False, rep_years=True, workers=1)
    )


@SLOW
@given(
    rows=st.integers(1, 99),
    workers=st.sampled_from([1, 2, 3]),
    chunk=st.sampled_from([100, 200, 1000]),
)
def test_slicing_does_not_change_a_run(baseline, reference, monkeypatch, rows, workers, chunk):
    """Whatever the slice size, chunk size and worker count, every number a run hands
    on is the same bytes as the run with whole blocks, team-level measure included."""
    res = _run(
        baseline, monkeypatch, rows * baseline.team.reps, workers=workers, chunk_trials=chunk
    )
    assert _fingerprint(res) == reference


def test_account_teams_are_credited_the_same_in_slices(monkeypatch):
    """Crediting reads across an account team's reps in a trial: each slice holds the
    whole team, so the credited pay is the same bytes in slices."""
    sc = sim.load_scenario(ROOT / "scenarios" / "key_account_teams.toml")
    whole = _fingerprint(_run(sc, monkeypatch, None, workers=2))
    sliced = _fingerprint(_run(sc, monkeypatch, 7 * 40, workers=2))
    assert sliced == whole


def test_a_large_team_is_held_a_slice_at_a_time(baseline, monkeypatch):
    """Chunks of a team larger than the budget are simulated in slices of at most the
    budget (at least one trial); smaller teams keep whole blocks."""
    pop = make_population(baseline)
    engine = MonteCarloEngine(baseline.market, pop)
    sizes = [p.trials for _, p in engine.trial_slices(1, 0, 150, 10 * pop.size)]
    assert sizes == [10] * 10 + [10] * 5
    assert [p.trials for _, p in engine.trial_slices(1, 0, 150, 1)] == [1] * 150
    assert [p.trials for _, p in engine.trial_slices(1, 0, 150, 200 * pop.size)] == [150]
    seen = []
    real = engine.trial_slices

    class Spy(MonteCarloEngine):
        def trial_slices(self, *a):
            for o, p in real(*a):
                seen.append(p.trials)
                yield o, p

    monkeypatch.setattr(sim.chunks, "CHUNK_REP_TRIALS", 25 * pop.size)
    spy = Spy(baseline.market, pop)
    from sim.chunks import simulate_chunk

    simulate_chunk(spy, 4, {"base": baseline.plan}, {}, False, 200, (0, 200))
    assert seen == [25] * 8
