"""The pipeline engine against queueing theory, its invariants, and its determinism."""

from __future__ import annotations

import dataclasses
import tomllib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import simulate
from sim.measures import COMPONENTS
from sim.pipeline import PipelineEngine, PipelineSpec, Stage, run_replications
from sim.pipeline.model import MONTH_DAYS
from sim.run import make_population
from sim.scenario import load_scenario, parse_scenario
from tests.conftest import MINIMAL_PLAN, ROOT

PIPELINE = ROOT / "scenarios" / "key_account_pipeline.toml"
YEAR = 12 * MONTH_DAYS

#: A market with constant demand (flat seasonality, no growth, no shared shock).
FLAT = """
[market]
shock_sd = 0.0
growth = 0.0
[market.renewal]
ability_effect = 0.0
"""


def _engine(team: str, pipeline: dict, seed: int = 1, market: str = FLAT):
    """A pipeline engine for a small scenario: the minimal plan, ``team`` and ``market``."""
    scenario = parse_scenario(tomllib.loads(f"{MINIMAL_PLAN}\n[team]\n{team}\n{market}"))
    scenario = scenario.model_copy(update={"pipeline": PipelineSpec(**pipeline)})
    pop = make_population(scenario, seed)
    return PipelineEngine(scenario.market, pop, scenario.pipeline), pop


#: Every rep alike: ability and potential exactly 1.
ALIKE = 'reps = {n}\nability = {{ dist = "fixed", value = 1.0 }}\npotential = {{ dist = "fixed", value = 1.0 }}'

#: The reduced case: one stage, exponential durations, no skill or attention effects.
REDUCED = dict(
    stages=[Stage(days=60.0, win=0.4, shape=1.0)],
    expansion_per_account_month=0.0,
    skill_win=0.0,
    skill_speed=0.0,
    attention_win=0.0,
    attention_speed=0.0,
    slip_probability=0.0,
    service_slots=0.0,
    warmup_months=12,
)


def _time_in_system(ledger, lo: float, hi: float) -> np.ndarray:
    """Opportunity-days spent open inside [lo, hi) per replication."""
    end = ledger["closed"].fillna(hi).clip(upper=hi)
    start = ledger["created"].clip(lower=lo)
    inside = (end - start).clip(lower=0.0)
    return inside.groupby(ledger["replication"]).sum().to_numpy()


def _sojourn(ledger, lo: float = -300.0, hi: float = -30.0):
    """Days in the system of opportunities created in the warm-up window [lo, hi): over
    a year left before the horizon, so it cuts short a negligible few (counted to it)."""
    sample = ledger[ledger["created"].between(lo, hi, inclusive="left")]
    assert sample["closed"].isna().mean() < 0.01
    return sample["closed"].fillna(YEAR) - sample["created"]


def test_littles_law_in_the_reduced_case():
    """One exponential stage, unlimited capacity: the mean number of open opportunities
    is L = lambda * W (arrival rate times mean time in the system). Over 20 replications
    the time-averaged L has a standard error near 1.2% of its mean: 5% is 4 of them."""
    spec = {**REDUCED, "capacity": 10**9, "opportunities_per_month": 2.0}
    engine, pop = _engine(ALIKE.format(n=20), spec)
    run = engine.replications(3, 0, 20, ledger=True)
    lam = 2.0 * pop.size / MONTH_DAYS  # opportunities a day, whole team
    L = _time_in_system(run.ledger, 0.0, YEAR) / YEAR
    expected = lam * 60.0
    assert L.mean() == pytest.approx(expected, rel=0.05)
    # With unlimited capacity nobody waits: time in the system is the stage alone.
    assert _sojourn(run.ledger).mean() == pytest.approx(60.0, rel=0.06)  # ~7,000 exponentials
    # Each closed opportunity is won with the stage's chance (binomial, 4 standard errors).
    closed = run.ledger[run.ledger["status"] != "open"]
    won = (closed["status"] == "won").mean()
    assert abs(won - 0.4) < 4 * np.sqrt(0.4 * 0.6 / len(closed))


def test_one_slot_per_rep_is_an_mm1_queue():
    """Capacity 1 makes each rep an M/M/1 queue: time in the system 1 / (mu - lambda)."""
    spec = {**REDUCED, "capacity": 1, "opportunities_per_month": 1.0}
    spec["stages"] = [Stage(days=15.0, win=0.5, shape=1.0)]
    engine, _ = _engine(ALIKE.format(n=10), spec)
    run = engine.replications(4, 0, 20, ledger=True)
    lam, mu = 1.0 / MONTH_DAYS, 1.0 / 15.0
    # M/M/1 sojourn times are exponential: the mean of ~1,600 is within ~2.5% (1 sd).
    assert _sojourn(run.ledger).mean() == pytest.approx(1.0 / (mu - lam), rel=0.08)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    capacity=st.integers(1, 6),
    wins=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=4),
    slip=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_every_opportunity_ends_won_lost_or_open(capacity, wins, slip, seed):
    """Conservation: each opportunity created ends won, lost or open at the horizon; the
    year's bookings are the won deals that closed in it, deal by deal."""
    spec = PipelineSpec(
        stages=[Stage(days=20.0 + 10 * i, win=w, shape=2.0) for i, w in enumerate(wins)],
        capacity=capacity,
        slip_probability=slip,
        warmup_months=2,
    )
    engine, _ = _engine(ALIKE.format(n=4), spec.model_dump(), seed=seed % 1000)
    run = engine.replications(seed, 0, 2, ledger=True)
    led = run.ledger
    assert set(led["status"]) <= {"won", "lost", "open"}
    for _, g in led.groupby("replication"):
        assert sorted(g["id"]) == list(range(len(g)))  # every opportunity created is accounted for
    assert led.loc[led["status"] == "open", "closed"].isna().all()
    assert (
        led.loc[led["status"] != "open", "closed"] >= led.loc[led["status"] != "open", "created"]
    ).all()
    skip = min(spec.expansion_skips, len(wins) - 1)  # expansion starts past qualification
    # A stage that never wins stops every deal that passes it: new business passes all
    # stages, expansion only those from ``skip`` on.
    expansion = led["kind"] == "expansion"
    if not all(w > 0 for w in wins):
        assert led.loc[~expansion, "status"].ne("won").all()
    if not all(w > 0 for w in wins[skip:]):
        assert led.loc[expansion, "status"].ne("won").all()
    assert led["stage"].between(0, len(wins) - 1).all()
    assert (led.loc[led["kind"] == "expansion", "stage"] >= skip).all()
    assert (led.loc[led["status"] == "won", "stage"] == len(wins) - 1).all()
    won = led[(led["status"] == "won") & led["closed"].between(0, YEAR, inclusive="left")]
    c = run.outcomes.components
    for r, oc_rev in enumerate((c["new_value"] + c["xsell_value"]).sum(axis=(1, 2))):
        assert oc_rev == pytest.approx(won.loc[won["replication"] == r, "amount"].sum())
    counts = (c["new_count"] + c["xsell_count"]).sum(axis=(1, 2))
    assert (
        counts.tolist() == won.groupby("replication").size().reindex([0, 1], fill_value=0).tolist()
    )


def test_renewal_rate_matches_the_configured_probability():
    """With service, satisfaction and ability effects off, accounts renew with the
    market's retention (binomial: within 4 standard errors)."""
    market = FLAT.replace("ability_effect = 0.0", "ability_effect = 0.0\nretention = 0.8")
    spec = {"service_retention": 0.0, "csat_retention": 0.0, "warmup_months": 0}
    engine, _ = _engine("reps = 30", spec, market=market)
    c = engine.replications(8, 0, 20).outcomes.components
    due, won = c["renewals_due"].sum(), c["renewals_won"].sum()
    assert due == 20 * engine.population.renewals_due.sum()  # every account comes up once
    se = np.sqrt(0.8 * 0.2 / due)
    assert abs(won / due - 0.8) < 4 * se


def test_satisfaction_moves_renewals_and_expansion():
    """With the attention effects on, satisfied accounts renew more and buy more."""
    engine, pop = _engine("reps = 20", {"warmup_months": 0, "csat_retention": 0.1})
    rate, expansion = [], []
    for level in (9.5, 6.0):
        team = dataclasses.replace(pop, csat_base=np.full(pop.size, level))
        e = PipelineEngine(engine.market, team, engine.spec)
        c = e.replications(2, 0, 10).outcomes.components
        rate.append(c["renewals_won"].sum() / c["renewals_due"].sum())
        expansion.append(c["xsell_count"].sum())
    assert rate[0] > rate[1] + 0.1
    # csat_expansion 0.1 a point: 3.5 points apart is 1.2 against 0.85 of the mean rate.
    assert expansion[0] > 1.2 * expansion[1]


def test_servicing_accounts_takes_capacity_from_opportunities():
    """Slots held for account service leave fewer for opportunities: they queue longer."""
    cycle = []
    for held in (0.0, 3.0):
        engine, _ = _engine("reps = 10", {"capacity": 5, "service_slots": held})
        oc = engine.replications(6, 0, 8).outcomes
        cycle.append(np.nanmean(oc.measure("cycle_days")))
    assert cycle[1] > 1.2 * cycle[0]


def test_outcomes_fill_every_component():
    sc = load_scenario(PIPELINE)
    pop = make_population(sc, 1)
    oc = PipelineEngine(sc.market, pop, sc.pipeline).replications(1, 0, 2).outcomes
    assert set(oc.components) == set(COMPONENTS)
    assert oc.shape == (2, pop.size, 12)
    assert all(np.isfinite(v).all() for v in oc.components.values())
    assert 0 < oc.measure("retention").mean() <= 1
    assert 0 < oc.measure("csat").mean() <= 10
    assert np.nanmean(oc.measure("cycle_days")) > 30  # NaN: a rep who closed nothing


def test_same_seed_same_result_for_any_worker_count_and_batching():
    sc = load_scenario(PIPELINE)
    sc = sc.model_copy(update={"team": sc.team.model_copy(update={"reps": 8})})
    engine = PipelineEngine(sc.market, make_population(sc, 5), sc.pipeline)
    one = run_replications(engine, 5, 6, workers=1).outcomes
    two = run_replications(engine, 5, 6, workers=2).outcomes
    split = [engine.replications(5, f, n).outcomes for f, n in ((0, 1), (1, 5))]
    for c in COMPONENTS:
        np.testing.assert_array_equal(one.components[c], two.components[c])
        np.testing.assert_array_equal(
            one.components[c], np.concatenate([s.components[c] for s in split])
        )
    other = run_replications(engine, 6, 6, workers=1).outcomes
    assert not np.array_equal(one.components["new_value"], other.components["new_value"])


def test_simulate_with_the_pipeline_engine_pays_every_variant():
    sc = load_scenario(PIPELINE)
    result = simulate(
        sc, ["uncapped"], trials=4, seed=3, workers=1, engine="pipeline", rep_years=True
    )
    assert set(result.variants) == {"base", "uncapped"}
    base, unc = result.variants["base"], result.variants["uncapped"]
    assert base.outcome.total.shape == (4, 40)
    # Common random numbers: both plans are paid on the same deals.
    np.testing.assert_array_equal(base.actuals["revenue"], unc.actuals["revenue"])
    assert (unc.outcome.total >= base.outcome.total - 1e-6).all()
    with pytest.raises(ValueError, match="unknown engine"):
        simulate(sc, trials=2, engine="spreadsheet", rep_years=True)


def test_behaviour_drives_the_pipeline():
    """With the behaviour model on, effort comes from the plan, and at period ends reps
    push won deals out and pull final-stage deals in, at the pull discount."""
    sc = load_scenario(ROOT / "scenarios" / "key_account_behaviour.toml")
    # Pushes are rare at the default settings; allow more so that both moves occur.
    timing = sc.behaviour.timing.model_copy(update={"max_push_share": 0.3, "slip_risk": 0.25})
    behaviour = sc.behaviour.model_copy(update={"timing": timing})
    team = sc.team.model_copy(update={"reps": 12})
    sc = sc.model_copy(update={"team": team, "behaviour": behaviour})
    # Pushes stay rare (a few rep-quarters in a hundred): 40 replications give both moves.
    result = simulate(
        sc, [], trials=40, seed=2, workers=1, engine="pipeline", keep_outcomes=True, rep_years=True
    )
    c = result.outcomes.components
    assert c["effort"].std() > 0  # effort varies by rep and month
    assert np.isfinite(result.base.outcome.total).all()
    closing = np.arange(12) % 3 == 2  # quarterly plan: deals move only at quarter ends
    for k in ("pulled_in", "pushed_out"):
        assert c[k][..., closing].sum() > 0 and c[k][..., ~closing].sum() == 0
    assert (
        c["pulled_in"][..., -1].sum() > 0
    )  # next year's deals pulled into December too (12 years)
    pull = sc.behaviour.timing.pull_discount
    gross = c["pulled_in"].sum() + c["timing_discount"].sum()
    assert c["timing_discount"].sum() == pytest.approx(pull * gross)


def test_simulate_pipeline_in_chunks_gives_the_same_result(monkeypatch):
    """Chunks (any run of replications) bound memory; their size never changes a number."""
    sc = load_scenario(PIPELINE)
    sc = sc.model_copy(update={"team": sc.team.model_copy(update={"reps": 5})})
    one = simulate(
        sc, ["uncapped"], trials=201, seed=4, engine="pipeline", keep_outcomes=True, rep_years=True
    )
    monkeypatch.setattr("sim.chunks.CHUNK_REP_TRIALS", 35)  # seven replications per chunk
    many = simulate(
        sc,
        ["uncapped"],
        trials=201,
        seed=4,
        engine="pipeline",
        workers=1,
        keep_outcomes=True,
        rep_years=True,
    )
    for v in one.variants:
        np.testing.assert_array_equal(one.variants[v].outcome.total, many.variants[v].outcome.total)
        a, b = one.variants[v].rep_bookings_by_month, many.variants[v].rep_bookings_by_month
        assert a.tobytes() == b.tobytes()  # summed by stream block whatever the chunks
    for c in COMPONENTS:
        np.testing.assert_array_equal(one.outcomes.components[c], many.outcomes.components[c])
