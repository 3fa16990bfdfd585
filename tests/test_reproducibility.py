"""A result depends on the seed alone: not on chunking, workers or the executor."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest

from sim import load_scenario, simulate
from sim.payout import PlanOutcome
from sim.streams import BLOCK_TRIALS, block_bounds, generator

BASELINE = Path(__file__).resolve().parent.parent / "scenarios" / "key_account_baseline.toml"
TRIALS = 250  # two full stream blocks of 100 and a partial one


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(BASELINE)


@pytest.fixture(scope="module")
def reference(scenario):
    return simulate(
        scenario,
        trials=TRIALS,
        seed=7,
        chunk_trials=50,
        workers=1,
        keep_outcomes=True,
        rep_years=True,
    )


def _arrays(v) -> dict[str, np.ndarray]:
    """Every per-trial array of a variant result, flattened to one dict."""
    out = {}
    for f in fields(PlanOutcome):
        if f.name == "period_attainment":  # kept only with keep_outcomes=True
            continue
        val = getattr(v.outcome, f.name)
        if isinstance(val, dict):
            out.update({f"{f.name}.{k}": a for k, a in val.items()})
        else:
            out[f.name] = val
    out.update({f"actuals.{k}": a for k, a in v.actuals.items()})
    out["bookings_by_month"] = v.bookings_by_month
    return out


def assert_same(a, b) -> None:
    assert list(a.variants) == list(b.variants)
    assert a.draws == b.draws
    np.testing.assert_array_equal(a.population.ability, b.population.ability)
    for name in a.variants:
        xa, xb = _arrays(a.variants[name]), _arrays(b.variants[name])
        assert xa.keys() == xb.keys()
        for k in xa:
            assert np.array_equal(xa[k], xb[k]), f"{name}: {k} differs"
        ra, rb = a.variants[name].rep_bookings_by_month, b.variants[name].rep_bookings_by_month
        assert np.array_equal(ra, rb), f"{name}: rep_bookings_by_month differs"


def test_same_seed_same_result(scenario, reference):
    again = simulate(scenario, trials=TRIALS, seed=7, chunk_trials=50, workers=1, rep_years=True)
    assert_same(reference, again)
    assert reference.draws > 0


def test_different_seed_different_result(scenario, reference):
    other = simulate(scenario, trials=TRIALS, seed=8, chunk_trials=50, workers=1, rep_years=True)
    assert not np.array_equal(reference.base.outcome.total, other.base.outcome.total)
    assert not np.array_equal(reference.base.actuals["revenue"], other.base.actuals["revenue"])
    # The team is a fact of the scenario: a run's seed redraws the market only.
    np.testing.assert_array_equal(reference.population.ability, other.population.ability)
    np.testing.assert_array_equal(reference.population.renewals_due, other.population.renewals_due)


def test_team_seed_redraws_the_team(scenario):
    from sim.run import make_population

    other = scenario.model_copy(update={"team": scenario.team.model_copy(update={"seed": 99})})
    assert not np.array_equal(make_population(scenario).ability, make_population(other).ability)


def test_streams_are_spawned_children_of_the_seed():
    # generator(seed, *key) is the child SeedSequence.spawn would hand out.
    child = np.random.SeedSequence(7).spawn(2)[1].spawn(4)[3].spawn(6)[5]
    want = np.random.Generator(np.random.PCG64(child)).random(5)
    np.testing.assert_array_equal(generator(7, 1, 3, 5).random(5), want)
    assert not np.array_equal(generator(7, 1, 3, 5).random(5), generator(7, 1, 3, 4).random(5))


def test_every_trial_draws_its_own_outcomes(reference):
    # No two trials (within or across stream blocks) repeat each other's draws.
    rev = reference.base.actuals["revenue"]
    assert np.unique(rev, axis=0).shape[0] == TRIALS
    # Trial t of one stream block and trial t of the next must be independent. Deal
    # counts less each rep-month's mean (reps differ in ability and potential): the
    # correlation over 50 trials x reps x 12 months is ~N(0, 1/sqrt(n)) under independence
    # (4 standard errors allowed); a stream shared by two blocks makes it large.
    counts = reference.outcomes.components["new_count"]
    resid = counts - counts.mean(0)
    for b in range(TRIALS // BLOCK_TRIALS - 1):
        x = resid[b * BLOCK_TRIALS : (b + 1) * BLOCK_TRIALS].ravel()
        y = resid[(b + 1) * BLOCK_TRIALS : (b + 2) * BLOCK_TRIALS].ravel()
        assert abs(np.corrcoef(x, y)[0, 1]) < 4 / np.sqrt(x.size), f"blocks {b}, {b + 1}"


def test_block_bounds_are_whole_blocks():
    b = BLOCK_TRIALS
    assert block_bounds(5 * b, b) == [(i, 1) for i in range(5)]
    assert block_bounds(5 * b, 4 * b) == [(0, 4), (4, 1)]
    assert block_bounds(5 * b - 1, 100 * b) == [(0, 5)]
    assert block_bounds(2 * b + 1, 10) == [(0, 1), (1, 1), (2, 1)]  # chunks of at least a block


@pytest.mark.parametrize("chunk", [200, 1000])
def test_chunk_size_does_not_matter(scenario, reference, chunk):
    assert_same(
        reference,
        simulate(scenario, trials=TRIALS, seed=7, chunk_trials=chunk, workers=1, rep_years=True),
    )


def test_rep_bookings_by_month_is_the_trial_mean(reference):
    oc = reference.outcomes
    want = (oc.components["new_value"] + oc.components["xsell_value"]).mean(0)
    np.testing.assert_allclose(reference.base.rep_bookings_by_month, want, rtol=1e-12)


def test_workers_do_not_matter(scenario, reference):
    two = simulate(scenario, trials=TRIALS, seed=7, chunk_trials=50, workers=2, rep_years=True)
    assert_same(reference, two)


def test_executor_does_not_matter(scenario, reference):
    with ThreadPoolExecutor(3) as pool:
        pooled = simulate(
            scenario, trials=TRIALS, seed=7, chunk_trials=50, executor=pool, rep_years=True
        )
    assert_same(reference, pooled)


def test_progress_reports_every_chunk(scenario):
    seen = []
    simulate(
        scenario,
        ["base"],
        trials=TRIALS,
        seed=7,
        chunk_trials=50,
        workers=1,
        progress=lambda done, total: seen.append((done, total)),
        rep_years=True,
    )
    n = -(-TRIALS // max(BLOCK_TRIALS, 50))  # one chunk per block
    assert seen == [(i, n) for i in range(1, n + 1)]


def test_variants_see_the_same_draws(reference):
    base = reference.base
    assert len(reference.variants) >= 2
    for name, v in reference.variants.items():
        np.testing.assert_array_equal(v.actuals["revenue"], base.actuals["revenue"], err_msg=name)
        np.testing.assert_array_equal(v.bookings_by_month, base.bookings_by_month, err_msg=name)
    # ... while they pay differently on them.
    totals = {n: v.outcome.total.sum() for n, v in reference.variants.items()}
    assert len(set(totals.values())) == len(totals)


def test_variant_subset_sees_the_same_draws(scenario, reference):
    alone = simulate(
        scenario, ["uncapped"], trials=TRIALS, seed=7, chunk_trials=50, workers=1, rep_years=True
    )
    assert list(alone.variants) == ["base", "uncapped"]
    np.testing.assert_array_equal(
        alone.variants["uncapped"].outcome.total, reference.variants["uncapped"].outcome.total
    )
    assert alone.draws == reference.draws  # outcomes are drawn once, not per variant


def test_trial_count_keeps_leading_blocks(scenario):
    b = BLOCK_TRIALS
    short = simulate(
        scenario, ["base"], trials=2 * b + 20, seed=7, chunk_trials=1000, workers=1, rep_years=True
    )
    long = simulate(
        scenario, ["base"], trials=4 * b, seed=7, chunk_trials=b, workers=1, rep_years=True
    )
    a, c = _arrays(short.base), _arrays(long.base)
    for k in a:
        if k.startswith("targets."):
            np.testing.assert_array_equal(a[k], c[k])
            continue
        assert a[k].shape[0] == 2 * b + 20 and c[k].shape[0] == 4 * b
        assert np.array_equal(a[k][: 2 * b], c[k][: 2 * b]), k
