"""Bounded summaries: metrics accumulated as chunks finish, sketches against exact
quantiles, the same bytes for any chunking, and memory that does not grow with
trials x reps."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import load_scenario, simulate
from sim import metrics as M
from sim.rep_differences import rep_differences
from sim.summary import SKETCH_RANGE, SKETCH_RATIO, Sketch, VariantSummary

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "key_account_baseline.toml"
PIPELINE = ROOT / "scenarios" / "key_account_pipeline.toml"
#: A sketch's quantile is within this share of the exact one (half a bin, geometric).
SKETCH_ERROR = SKETCH_RATIO**0.5 - 1.0


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(BASELINE)


@pytest.fixture(scope="module")
def full(scenario):
    return simulate(scenario, trials=400, seed=11, chunk_trials=100, workers=1, rep_years=True)


def _summary_arrays(s: VariantSummary) -> dict[str, np.ndarray]:
    out = {f"yearly.{k}": v for k, v in s.yearly.items()}
    out |= {f"per_rep.{k}": v for k, v in s.per_rep.items()}
    out |= {f"hits.{k}": v for k, v in s.hits.items()}
    out |= {f"sample.{k}": v for k, v in s.sample.items()}
    out |= {f"sketch.{k}": v.counts for k, v in s.attainment_sketch.items()}
    out["pay_sketch"] = s.pay_sketch.counts
    return out


def _exact_tolerance(x: np.ndarray, p: float, scale: float) -> float:
    """How far the sketch may be from numpy's quantile: each of the two order
    statistics interpolated is read within SKETCH_ERROR of itself, or within the
    sketch's lower bound near zero."""
    s = np.sort(x)
    h = p * (len(s) - 1)
    lo, hi = s[int(np.floor(h))], s[int(np.ceil(h))]
    return SKETCH_ERROR * max(abs(lo), abs(hi)) + SKETCH_RANGE[0] * scale + 1e-12


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.just(0.0),
            st.floats(-1e3, 1e3, allow_nan=False),
            st.floats(1e-3, 50.0),
        ),
        min_size=1,
        max_size=200,
    ),
    st.floats(0.0, 1.0),
    st.sampled_from([1.0, 250.0, 40_000.0]),
)
def test_sketch_quantile_is_within_its_stated_error(values, p, scale):
    x = np.array(values)
    got = float(Sketch.of(x, scale).quantile(p))
    assert abs(got - np.quantile(x, p)) <= _exact_tolerance(x, p, scale)


def test_rep_payout_quantiles_against_exact(scenario, full):
    """The sketch replaces exact per-rep payout quantiles; they stay within its error."""
    reps = M.rep_metrics(full)
    pay = full.base.outcome.total.astype(float)
    ti = full.base.plan.pay_mix.target_incentive
    for p, col in zip((0.1, 0.5, 0.9), ("payout_p10", "payout_p50", "payout_p90"), strict=True):
        for r in range(pay.shape[1]):
            tol = _exact_tolerance(pay[:, r], p, ti)
            assert abs(reps[col].iloc[r] - np.quantile(pay[:, r], p)) <= tol


def test_summary_sums_match_the_arrays(full):
    """Per-rep sums and per-year values read from the summary are the arrays' own."""
    v = full.base
    s = v.summary
    pay = v.outcome.total.astype(float)
    np.testing.assert_allclose(s.mean("pay"), pay.mean(0), rtol=1e-12)
    np.testing.assert_allclose(s.yearly["cost"], pay.sum(1), rtol=1e-12)
    first = v.plan.measures[0].id
    hits = v.outcome.attainment[first] >= 1.0
    np.testing.assert_array_equal(s.hit_rows(first), hits)
    np.testing.assert_array_equal(s.per_rep[f"at_target:{first}"], hits.sum(0))


def test_without_rep_years_the_numbers_are_the_same(scenario, full):
    lean = simulate(scenario, trials=400, seed=11, chunk_trials=300, workers=2, rep_years=False)
    assert all(v.outcome is None and v.actuals is None for v in lean.variants.values())
    assert M.company_table(lean).equals(M.company_table(full))
    for table in (M.rep_metrics, M.team_metrics, M.reward_metrics, M.rep_behaviour):
        assert table(lean).equals(table(full)), table.__name__
    assert rep_differences(lean).equals(rep_differences(full))
    for name in full.variants:
        assert M.measure_metrics(lean.variants[name]).equals(M.measure_metrics(full.variants[name]))


@pytest.mark.parametrize("chunk, workers", [(100, 1), (300, 2), (1000, 2)])
def test_summaries_are_the_same_bytes_for_any_chunking(scenario, full, chunk, workers):
    other = simulate(
        scenario, trials=400, seed=11, chunk_trials=chunk, workers=workers, rep_years=False
    )
    for name, v in full.variants.items():
        a, b = _summary_arrays(v.summary), _summary_arrays(other.variants[name].summary)
        assert a.keys() == b.keys()
        for k in a:
            assert a[k].tobytes() == b[k].tobytes(), f"{name}: {k} differs"


def test_pipeline_summaries_do_not_depend_on_chunking():
    """The pipeline engine's unit is one replication, so chunks cut stream blocks:
    per-rep sums are made per block either way and give the same bytes."""
    sc = load_scenario(PIPELINE)
    kw = dict(trials=6, seed=2, engine="pipeline", rep_years=False)
    a = simulate(sc, [], chunk_trials=6, workers=1, **kw)
    b = simulate(sc, [], chunk_trials=1, workers=1, **kw)
    sa, sb = _summary_arrays(a.base.summary), _summary_arrays(b.base.summary)
    for k in sa:
        assert sa[k].tobytes() == sb[k].tobytes(), k


def _nbytes(s: VariantSummary, sample: bool = False) -> int:
    arrays = _summary_arrays(s)
    return sum(a.nbytes for k, a in arrays.items() if sample or not k.startswith("sample."))


def test_summary_grows_only_by_trials_long_vectors(scenario):
    """Without per-(trial, rep) arrays a result grows per trial by its per-year values
    and one bit per rep and measure, never by a number per rep-year."""
    sizes = {}
    for trials in (200, 600):
        r = simulate(scenario, [], trials=trials, seed=5, rep_years=False, workers=1)
        sizes[trials] = _nbytes(r.base.summary)
    s = r.base.summary
    per_trial = sum(v[0].nbytes for v in s.yearly.values())
    per_trial += sum(-(-s.reps // 8) for _ in s.hits)
    assert sizes[600] - sizes[200] == 400 * per_trial


def test_rep_differences_against_another_base_need_the_arrays(scenario, full):
    """The summary pairs every variant with the run's first plan; any other base is
    read from the per-(trial, rep) arrays, and a lean run says what it lacks."""
    other = list(full.variants)[1]
    table = rep_differences(full, base=other)
    ref, v = full.variants[other], full.base
    d = v.outcome.total.astype(float) - ref.outcome.total.astype(float)
    np.testing.assert_allclose(
        table.xs("base")["payout_difference"].to_numpy(), d.mean(0), rtol=1e-9, atol=1e-6
    )
    lean = simulate(scenario, trials=100, seed=11, rep_years=False, workers=1)
    with pytest.raises(ValueError, match="rep_years=True"):
        rep_differences(lean, base=other)
    with pytest.raises(ValueError, match="rep_years=True"):
        M.reward_qualification(lean)


_ties = st.lists(st.integers(-2, 3), min_size=1, max_size=40)


@given(st.lists(_ties, min_size=1, max_size=6), st.booleans())
@settings(max_examples=200, deadline=None)
def test_average_ranks_are_scipys(rows, with_nan):
    """The summary's own ranking gives exactly ``scipy.stats.rankdata``'s average ranks,
    ties and NaN rows included, along either axis."""
    from scipy.stats import rankdata

    from sim.summary import average_ranks

    width = min(len(r) for r in rows)
    x = np.array([r[:width] for r in rows], dtype=float)
    if with_nan:
        x[0, 0] = np.nan
    for axis in (0, 1, -1):
        assert np.array_equal(average_ranks(x, axis=axis), rankdata(x, axis=axis), equal_nan=True)


@given(st.lists(_ties, min_size=1, max_size=6), st.data())
@settings(max_examples=200, deadline=None)
def test_top_k_is_a_stable_sort_s_first_k(rows, data):
    """Recognition's top k per trial is the first k of a stable descending sort: a tie
    at the edge goes to the reps listed first."""
    from sim.rewards import top_k

    width = min(len(r) for r in rows)
    w = np.array([r[:width] for r in rows], dtype=float)
    if data.draw(st.booleans()):
        w[-1, -1] = np.nan
    k = data.draw(st.integers(1, width))
    want = np.zeros(w.shape, dtype=bool)
    np.put_along_axis(want, np.argsort(-w, axis=1, kind="stable")[:, :k], True, axis=1)
    assert np.array_equal(top_k(w, k), want)
    assert (top_k(w, k).sum(1) == k).all()
