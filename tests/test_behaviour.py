"""Direction checks of the behaviour model on scenarios built to show each effect.

Each scenario is small (30 reps, a few hundred trials, a 200-trial calibration
sample) and seeded, so every check is deterministic. The market is "smooth":
several mid-sized deals a month rather than one large deal a quarter, with flat
seasonality and no growth, so attainment to date moves gradually and the
effects show up clearly. Statistical checks compare plans on common random
numbers (the same seed) and allow ``Z = 4`` standard errors of the paired
per-trial difference; structural checks (exact equalities, effort floors) are
exact up to floating-point rounding.
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import sim
from sim.behaviour import pull_discount
from sim.behaviour.flows import expected_flows
from sim.behaviour.model import build_behaviours
from sim.behaviour.spec import BehaviourSpec
from sim.market import Shift
from sim.montecarlo import MonteCarloEngine
from sim.run import PROGRESS_BINS, make_population

Z = 4.0
SEED = 7
TRIALS = 300
BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "key_account_baseline.toml"

LINEAR = "{ points = [[0.0, 0.0], [1.0, 1.0]], tail_slope = 1.0 }"
BONUS = "{ points = [[1.0, 0.0], [1.0, 1.0]], tail_slope = 0.0 }"  # lump sum at 100%
THRESHOLD = "{ points = [[0.5, 0.0], [1.0, 1.0]], tail_slope = 1.0 }"  # uncapped
CAPPED = "{ points = [[0.5, 0.0], [1.0, 1.0]], tail_slope = 1.0, cap = 1.0 }"  # nothing above 100%

#: Index of the first attainment-to-date bin at or above 100% of the period target.
AT_TARGET = int(np.searchsorted(PROGRESS_BINS, 1.0))


def scenario(
    curve: str,
    variants: str = "",
    *,
    target: float = 800_000,
    market: str = "",
    extra: str = "",
    reps: int = 30,
) -> sim.Scenario:
    """A one-measure (revenue) quarterly plan in a smooth market.

    Expected bookings at today's effort are about 790k a year per rep, so the
    default target of 800k is reached by about half the reps.
    """
    text = f"""
[team]
reps = {reps}
teams = ["A", "B"]

[market]
growth = 0.0
shock_sd = 0.1
{market}

[market.new_business]
deals_per_month = 3
deal_size = {{ dist = "lognormal", mean = 20000, cv = 0.5 }}

[market.cross_sell]
deals_per_account_month = 0.03
deal_size = {{ dist = "lognormal", mean = 20000, cv = 0.5 }}

[plan]
name = "plan"
period = "quarter"
true_up = false

[plan.pay_mix]
base = 100000
target_incentive = 50000

[[plan.measures]]
name = "revenue"
weight = 1.0
target = {target}
target_basis = "potential"
curve = {curve}
{extra}
{variants}
[simulation]
trials = {TRIALS}
seed = {SEED}
"""
    return sim.parse_scenario(tomllib.loads(text))


def spec(**components: dict | None) -> BehaviourSpec:
    """Behaviour with the named components on (with optional settings), the rest off."""
    raw: dict = {"effort": {"calibration_trials": 200}}
    for name, settings in components.items():
        raw.setdefault(name, {}).update({"enabled": True, **(settings or {})})
    return BehaviourSpec.model_validate(raw)


def paired(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Mean and standard error of the per-trial difference a - b (trials first)."""
    d = np.asarray(a, float) - np.asarray(b, float)
    return float(d.mean()), float(d.std(ddof=1) / math.sqrt(d.size))


def effort_profile(v) -> tuple[np.ndarray, np.ndarray]:
    """Effort sums and counts by position in the quarter (first, middle, last) and
    attainment-to-date bin, over all trials: arrays of shape (3, bins)."""
    e = v.effort_by_progress
    return e[:, 0].sum(0), e[:, 1].sum(0)


def mean_effort(v, positions=slice(None), bins=slice(None)) -> float:
    s, c = effort_profile(v)
    return float(s[positions, bins].sum() / c[positions, bins].sum())


def last_month_share(v) -> np.ndarray:
    """Per trial, the share of the year's bookings closed in the last month of a quarter."""
    b = v.bookings_by_month.reshape(-1, 4, 3)
    return b[:, :, 2].sum(1) / b.sum((1, 2))


def top_reps(result) -> np.ndarray:
    """The top quarter of the team by ability."""
    ability = result.population.ability
    return ability >= np.quantile(ability, 0.75)


# -- all components off: the foundation, exactly -------------------------------------------


def _small_baseline(data: dict | None = None) -> sim.Scenario:
    data = data if data is not None else tomllib.loads(BASELINE.read_text(encoding="utf-8"))
    data["team"]["reps"] = 20
    return sim.parse_scenario(data)


def assert_same_results(a: sim.SimulationResult, b: sim.SimulationResult) -> None:
    assert list(a.variants) == list(b.variants)
    assert a.draws == b.draws
    for name, x in a.variants.items():
        y = b.variants[name]
        assert np.array_equal(x.outcome.total, y.outcome.total), name
        assert np.array_equal(x.outcome.true_up, y.outcome.true_up), name
        for k in x.outcome.payout:
            assert np.array_equal(x.outcome.payout[k], y.outcome.payout[k]), (name, k)
        for k in x.outcome.attainment:
            assert np.array_equal(x.outcome.attainment[k], y.outcome.attainment[k]), (name, k)
        assert x.actuals.keys() == y.actuals.keys()
        for k in x.actuals:
            assert np.array_equal(x.actuals[k], y.actuals[k]), (name, k)
        assert np.array_equal(x.bookings_by_month, y.bookings_by_month), name
        assert np.array_equal(x.rep_bookings_by_month, y.rep_bookings_by_month), name
        assert np.array_equal(x.effort_by_progress, y.effort_by_progress), name


def test_behaviour_off_gives_the_foundation_results_exactly():
    # Exact equality: with every component off the engine must take the very same
    # path (one shared outcome table, the same draws), not a numerically close one.
    raw = tomllib.loads(BASELINE.read_text(encoding="utf-8"))
    assert "behaviour" not in raw
    foundation = _small_baseline()
    kw = {"trials": 200, "seed": 314, "rep_years": True}
    ref = sim.simulate(foundation, **kw)
    assert all(v.behaviour is None for v in ref.variants.values())

    all_off = BehaviourSpec.model_validate(
        {
            "effort": {"enabled": False, "risk_aversion": 3.0, "calibration_trials": 50},
            "dynamics": {"enabled": False, "elasticity": 2.0},
            "timing": {"enabled": False, "max_shift_share": 1.0, "hurdle": 0.0},
            "ratchet": {"enabled": False, "strength": 1.0},
            "retention": {"enabled": False, "base_attrition": 0.9},
        }
    )
    assert not all_off.enabled
    written_off = dict(raw, behaviour=all_off.model_dump(mode="json"))
    written_on = dict(raw, behaviour=all_off.all_on().model_dump(mode="json"))
    runs = [
        sim.simulate(foundation, behaviour=False, **kw),
        sim.simulate(foundation, behaviour=all_off, **kw),
        sim.simulate(_small_baseline(written_off), **kw),  # [behaviour] with everything off
        sim.simulate(_small_baseline(written_on), behaviour=False, **kw),  # switched off per run
    ]
    for run in runs:
        assert all(v.behaviour is None for v in run.variants.values())
        assert_same_results(ref, run)


# -- within-period effort: deadlines, caps, unreachable targets ----------------------------


@pytest.fixture(scope="module")
def bonus_vs_linear() -> sim.SimulationResult:
    # A reachable quarterly quota: 700k a year against about 790k expected bookings.
    variants = f"[variants.bonus.measures.revenue]\ncurve = {BONUS}\n"
    sc = scenario(LINEAR, variants, target=700_000)
    return sim.simulate(sc, behaviour=spec(effort=None, dynamics=None), rep_years=True)


def test_quota_bonus_concentrates_bookings_in_the_last_month(bonus_vs_linear):
    # Paired per-trial difference of the last-month share, Z standard errors above
    # zero (the plans share their random numbers, so the noise is mostly common).
    linear, bonus = bonus_vs_linear.base, bonus_vs_linear.variants["bonus"]
    diff, se = paired(last_month_share(bonus), last_month_share(linear))
    assert diff > Z * se, (diff, se)
    # The mechanism: reps with the quota in reach (30-90% of it booked) work harder in
    # the last month than anyone does at the quarter's start. Averages over thousands of
    # rep-months; the margin (observed ~1.16 vs ~0.85) is structural.
    in_reach = slice(3, 9)
    assert mean_effort(bonus, 2, in_reach) > 1.2 * mean_effort(bonus, 0)


def test_quota_bonus_beats_a_linear_commission_of_the_same_expected_cost():
    # Today's plan is the threshold plan; the two alternatives are a lump-sum bonus at
    # quota costing about what today's plan costs, and a linear commission whose rate
    # makes it cost the same as the bonus at today's effort (checked below). With reps
    # best-responding and pacing themselves within the quarter, the bonus books a
    # larger share in each quarter's last month (paired difference, Z standard errors;
    # observed about +0.015 with a standard error of 0.0017).
    bonus = "{ points = [[1.0, 0.0], [1.0, 2.0]], tail_slope = 0.0 }"

    def variants(linear: str) -> str:
        return (
            f"[variants.bonus.measures.revenue]\ncurve = {bonus}\n"
            f"[variants.linear.measures.revenue]\ncurve = {linear}\n"
        )

    today = sim.simulate(
        scenario(THRESHOLD, variants(LINEAR), target=700_000), behaviour=False, rep_years=True
    )
    cost = {n: float(v.outcome.total.mean()) for n, v in today.variants.items()}
    rate = cost["bonus"] / cost["linear"]
    matched = f"{{ points = [[0.0, 0.0], [1.0, {rate}]], tail_slope = {rate} }}"
    sc = scenario(THRESHOLD, variants(matched), target=700_000)
    check = sim.simulate(sc, behaviour=False, rep_years=True)
    assert float(check.variants["linear"].outcome.total.mean()) == pytest.approx(
        cost["bonus"], rel=1e-6
    )
    run = sim.simulate(sc, behaviour=spec(effort=None, dynamics=None), rep_years=True)
    diff, se = paired(
        last_month_share(run.variants["bonus"]), last_month_share(run.variants["linear"])
    )
    assert diff > Z * se, (diff, se)


def test_linear_commission_has_no_deadline_effect(bonus_vs_linear):
    # Under a commission linear from zero the marginal pay of effort is the same in
    # every month (flat demand), so effort in the first and the last month of a
    # quarter must agree. The only slack is the rounding of the curve's numerically
    # differentiated slopes (~1e-9 relative); a deadline effect would be of order 0.1.
    linear = bonus_vs_linear.base
    first, last = mean_effort(linear, 0), mean_effort(linear, 2)
    assert last == pytest.approx(first, rel=1e-8, abs=0)
    assert linear.actuals["pulled_in"].sum() == 0


@pytest.mark.parametrize("seasonal", [False, True])
def test_linear_commission_effort_is_flat_within_each_quarter_per_rep(seasonal):
    # The same statement rep by rep and trial by trial, read from the engine's
    # outcome table (the effort component) for the base plan's behaviour; with
    # seasonal demand too: seasonality shapes the deals, not the incentive.
    season = "seasonality = [0.8, 0.9, 1.1, 0.95, 1.0, 1.1, 0.8, 0.75, 1.1, 1.05, 1.15, 1.3]"
    sc = scenario(LINEAR, target=700_000, market=season if seasonal else "")
    pop = make_population(sc)
    behaviour = build_behaviours(spec(effort=None, dynamics=None), sc.plans, sc.market, pop, SEED)[
        "base"
    ]
    oc = MonteCarloEngine(sc.market, pop).simulate_blocks(SEED, 0, 4, 200, behaviour, sc.plan)
    effort = oc.components["effort"]
    for offset in (1, 2):
        np.testing.assert_allclose(effort[..., offset::3], effort[..., 0::3], rtol=1e-8, atol=0)


@pytest.fixture(scope="module")
def cap_and_reach() -> sim.SimulationResult:
    variants = f"""
[variants.capped.measures.revenue]
curve = {CAPPED}
[variants.far.measures.revenue]
target = 4000000
"""
    # base: threshold at 50%, 1x above target, uncapped; capped: nothing above 100%;
    # far: the same curve against a target five times as high.
    return sim.simulate(
        scenario(THRESHOLD, variants), behaviour=spec(effort=None, dynamics=None), rep_years=True
    )


def test_cap_lowers_top_reps_revenue(cap_and_reach):
    # The ablest quarter of the team is the most often above target: without pay above
    # target they stop earlier. Paired per-trial difference, Z standard errors.
    top = top_reps(cap_and_reach)
    base, capped = cap_and_reach.base, cap_and_reach.variants["capped"]
    diff, se = paired(
        capped.actuals["revenue"][:, top].mean(1), base.actuals["revenue"][:, top].mean(1)
    )
    assert diff < -Z * se, (diff, se)
    # Their annual best response falls too (calibration sample: no noise threshold needed
    # for a strict inequality of means; observed 0.67 vs 1.0).
    assert capped.behaviour.response.effort[top].mean() < base.behaviour.response.effort[top].mean()


def test_cap_lowers_effort_past_the_cap(cap_and_reach):
    base, capped = cap_and_reach.base, cap_and_reach.variants["capped"]
    later = slice(1, 3)  # middle and last months: attainment to date can be past the cap
    past = slice(AT_TARGET, None)
    below = slice(1, AT_TARGET)
    # Past the cap the marginal pay is zero, so effort sits at the dynamics floor
    # (min_effort x the rep's annual effort): an exact bound, up to rounding.
    floor = capped.behaviour.spec.dynamics.min_effort * capped.behaviour.response.task["new"].max()
    assert mean_effort(capped, later, past) <= floor + 1e-12
    # ... well below reps still short of it under the same plan, and below the same
    # positions under the uncapped plan (observed ~0.21 vs ~0.6-0.9: structural margins).
    assert mean_effort(capped, later, past) < 0.5 * mean_effort(capped, later, below)
    assert mean_effort(capped, later, past) < 0.5 * mean_effort(base, later, past)


def test_target_out_of_reach_lowers_effort(cap_and_reach):
    base, far = cap_and_reach.base, cap_and_reach.variants["far"]
    # Best response: the threshold (2.5x expected bookings) is out of reach for every
    # rep, so each chooses less than today's calibrated effort of 1.0.
    assert np.all(far.behaviour.response.effort < base.behaviour.response.effort)
    # Realised effort over the year (hundreds of thousands of rep-months; observed 0.59
    # vs 1.00): a structural margin.
    assert mean_effort(far) < 0.8 * mean_effort(base)
    assert far.actuals["revenue"].mean() < 0.8 * base.actuals["revenue"].mean()


# -- ratchet --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ratchet_runs() -> dict[float, sim.SimulationResult]:
    sc = scenario(THRESHOLD)
    return {
        s: sim.simulate(
            sc, behaviour=spec(effort=None, dynamics=None, ratchet={"strength": s}), rep_years=True
        )
        for s in (0.0, 0.8)
    }


def test_ratchet_makes_reps_above_target_hold_back(ratchet_runs):
    none, strong = ratchet_runs[0.0].base, ratchet_runs[0.8].base
    later, past = slice(1, 3), slice(AT_TARGET, None)
    # Effort once the quarter's target is made (observed ~0.31 vs ~0.85): structural.
    assert mean_effort(strong, later, past) < 0.6 * mean_effort(none, later, past)
    # The ablest reps, most often above target, sell less: paired per-trial difference.
    top = top_reps(ratchet_runs[0.0])
    diff, se = paired(
        strong.actuals["revenue"][:, top].mean(1), none.actuals["revenue"][:, top].mean(1)
    )
    assert diff < -Z * se, (diff, se)


# -- deal timing ----------------------------------------------------------------------------


TIMING_VARIANTS = f"""
[variants.bonus.measures.revenue]
curve = {BONUS}
[variants.linear.measures.revenue]
curve = {LINEAR}
"""


@pytest.fixture(scope="module")
def timing_runs() -> tuple[sim.SimulationResult, sim.SimulationResult]:
    sc = scenario(THRESHOLD, TIMING_VARIANTS)
    return sim.simulate(sc, behaviour=spec(timing=None), rep_years=True), sim.simulate(
        sc, behaviour=False, rep_years=True
    )


@pytest.mark.parametrize("name", ["base", "bonus"])
def test_timing_pulls_revenue_in_at_a_discount(timing_runs, name):
    a = timing_runs[0].variants[name].actuals
    pulled, given = a["pulled_in"].astype(float), a["timing_discount"].astype(float)
    assert pulled.sum() > 0 and given.sum() > 0
    # pulled_in is booked net of the discount: value moved = pulled_in + timing_discount,
    # and the discount is pull_discount of it, for every rep and trial. The actuals are
    # float32, hence the relative tolerance of 1e-5.
    rate = BehaviourSpec().timing.pull_discount
    np.testing.assert_allclose(given, rate * (pulled + given), rtol=1e-5, atol=1e-3)


def test_timing_does_nothing_under_a_linear_commission(timing_runs):
    # A deal earns the same now or next quarter: no move gains anything. Exact zeros,
    # and the bookings are exactly those of the foundation run.
    timed, foundation = (r.variants["linear"] for r in timing_runs)
    for k in ("pulled_in", "pushed_out", "timing_discount"):
        assert not timed.actuals[k].any(), k
    assert np.array_equal(timed.actuals["revenue"], foundation.actuals["revenue"])
    assert np.array_equal(timed.bookings_by_month, foundation.bookings_by_month)


def test_timing_discount_follows_the_configured_pull_discount():
    sc = scenario(THRESHOLD)
    a = sim.simulate(
        sc, behaviour=spec(timing={"pull_discount": 0.15}), trials=100, rep_years=True
    ).base.actuals
    pulled, given = a["pulled_in"].astype(float), a["timing_discount"].astype(float)
    assert pulled.sum() > 0
    np.testing.assert_allclose(given, 0.15 * (pulled + given), rtol=1e-5, atol=1e-3)


def test_timing_moves_value_between_months_consistently():
    # Deal timing alone leaves effort and every draw unchanged, so bookings month by
    # month differ from the foundation's only by the moves the engine records:
    #   + pulled_in (into a quarter's last month, net of the discount)
    #   - value pulled out of the next month (pulled_in + timing_discount of the month before)
    #   - pushed_out, + pushed_out of the month before.
    # December's pulls come from next January, which is not in the table. An identity,
    # checked to floating-point rounding.
    sc = scenario(BONUS)
    pop = make_population(sc)
    # Pushes are rare at the default settings; allow more so that both moves occur.
    timing = {"max_push_share": 0.3, "slip_risk": 0.25}
    behaviour = build_behaviours(spec(timing=timing), sc.plans, sc.market, pop, SEED)["base"]
    engine = MonteCarloEngine(sc.market, pop)
    timed = engine.simulate_blocks(SEED, 0, 4, 200, behaviour, sc.plan).components
    fixed = engine.simulate_blocks(SEED, 0, 4, 200).components
    revenue = {k: c["new_value"] + c["xsell_value"] for k, c in (("t", timed), ("f", fixed))}
    pulled, pushed, given = timed["pulled_in"], timed["pushed_out"], timed["timing_discount"]
    assert pulled.sum() > 0 and pushed.sum() > 0
    out_by_pull = np.zeros_like(pulled)
    for m in (3, 6, 9):
        out_by_pull[..., m] = pulled[..., m - 1] + given[..., m - 1]
    pushed_before = np.concatenate([np.zeros_like(pushed[..., :1]), pushed[..., :-1]], axis=-1)
    moved = pulled - out_by_pull - pushed + pushed_before
    np.testing.assert_allclose(revenue["t"] - revenue["f"], moved, rtol=0, atol=1e-6)
    np.testing.assert_allclose(given, 0.08 * (pulled + given), rtol=1e-12, atol=1e-9)


@dataclasses.dataclass(frozen=True)
class _PullAll:
    """Reps at fixed effort who pull every deal the engine offers them into a close."""

    plan_dependent: bool = True
    shifts_deals: bool = True
    asked: list = dataclasses.field(default_factory=list)

    def effort(self, state):
        return None

    def shift(self, kind, state, values, ahead=1):
        self.asked.append((kind, state.month, ahead))
        return np.ones_like(values["new_value"]) if kind == "pull" else None

    def presence(self, seed, block, trials, months):
        return None


@given(
    rate=st.floats(0.0, 0.9, allow_nan=False),
    ahead=st.integers(1, 11),
)
def test_pull_discount_is_the_monthly_rate_compounded(rate, ahead):
    # d(1) = rate; d(k) = 1 - (1 - rate)^k rises with k and stays below 1.
    d = pull_discount(rate, ahead)
    assert d == pytest.approx(1.0 - (1.0 - rate) ** ahead, abs=1e-15)
    assert pull_discount(rate, 1) == pytest.approx(rate, abs=1e-15)
    assert d <= pull_discount(rate, ahead + 1) + 1e-15 and d < 1.0


@given(
    rate=st.floats(0.0, 0.9, allow_nan=False),
    ahead=st.integers(1, 11),
)
def test_a_discount_per_deal_is_the_same_whatever_the_distance(rate, ahead):
    # Larkin 2014's form: one extra discount per moved deal. It equals the monthly
    # form for next month's deals and never exceeds it further ahead.
    d = pull_discount(rate, ahead, "deal")
    assert d == rate
    assert d == pytest.approx(pull_discount(rate, 1), abs=1e-15)
    assert d <= pull_discount(rate, ahead) + 1e-15


def test_a_pull_window_moves_whole_months_at_a_discount_growing_with_distance():
    # Reps who pull everything, window of two months, quarterly plan: each quarter's
    # close (months 2, 5, 8) takes the next two months' deals at 1 - (1 - r)^k, leaving
    # them empty; December takes next year's first two months (drawn from their own
    # streams). Effort is fixed, so every draw is the foundation's: an exact identity.
    sc = scenario(BONUS)
    pop = make_population(sc)
    rate = 0.05
    engine = MonteCarloEngine(sc.market, pop, pull_discount=rate, pull_months=2)
    who = _PullAll()
    timed = engine.simulate_blocks(SEED, 0, 2, 100, who, sc.plan).components
    fixed = engine.simulate_blocks(SEED, 0, 2, 100).components

    def revenue(c):
        return c["new_value"] + c["xsell_value"]

    t, f = revenue(timed), revenue(fixed)
    d1, d2 = pull_discount(rate, 1), pull_discount(rate, 2)
    for close in (2, 5, 8):
        want = f[..., close] + (1 - d1) * f[..., close + 1] + (1 - d2) * f[..., close + 2]
        np.testing.assert_allclose(t[..., close], want, rtol=1e-12)
        assert not t[..., close + 1].any() and not t[..., close + 2].any()
        disc = d1 * f[..., close + 1] + d2 * f[..., close + 2]
        np.testing.assert_allclose(timed["timing_discount"][..., close], disc, rtol=1e-12)
    # December: its own deals plus next year's January and February, net of discounts.
    pulled, disc = timed["pulled_in"][..., 11], timed["timing_discount"][..., 11]
    np.testing.assert_allclose(t[..., 11], f[..., 11] + pulled, rtol=1e-12)
    assert (disc > d1 * (pulled + disc) - 1e-9).all() and disc.sum() > 0
    assert (disc < d2 * (pulled + disc) + 1e-9).all()
    assert {a for k, m, a in who.asked if k == "pull" and m == 11} == {1, 2}


def test_a_pull_window_priced_per_deal_gives_every_moved_deal_the_same_discount():
    # The same identity as above with one discount per deal: each quarter's close takes
    # the next two months' deals at (1 - r), whatever their distance; December's pulls
    # from next year carry exactly r of the value moved.
    sc = scenario(BONUS)
    pop = make_population(sc)
    rate = 0.05
    engine = MonteCarloEngine(
        sc.market, pop, pull_discount=rate, pull_months=2, pull_discount_per="deal"
    )
    timed = engine.simulate_blocks(SEED, 0, 2, 100, _PullAll(), sc.plan).components
    fixed = engine.simulate_blocks(SEED, 0, 2, 100).components

    def revenue(c):
        return c["new_value"] + c["xsell_value"]

    t, f = revenue(timed), revenue(fixed)
    for close in (2, 5, 8):
        moved = f[..., close + 1] + f[..., close + 2]
        np.testing.assert_allclose(t[..., close], f[..., close] + (1 - rate) * moved, rtol=1e-12)
        np.testing.assert_allclose(timed["timing_discount"][..., close], rate * moved, rtol=1e-12)
    pulled, disc = timed["pulled_in"][..., 11], timed["timing_discount"][..., 11]
    assert disc.sum() > 0
    np.testing.assert_allclose(disc, rate * (pulled + disc), rtol=1e-12, atol=1e-9)


def test_the_scenario_key_prices_pulled_deals_per_deal_in_engine_and_decision():
    # [behaviour.timing] pull_discount_per = "deal" reaches the engine: with a
    # three-month window every pulled deal carries exactly pull_discount (the monthly
    # form gives deals two or three months ahead more), and more is pulled than when
    # the discount compounds, since far deals cost the rep less (common random numbers).
    sc = scenario(THRESHOLD)
    runs = {
        per: sim.simulate(
            sc,
            behaviour=spec(timing={"pull_months": 3, "pull_discount_per": per}),
            trials=100,
            rep_years=True,
        ).base.actuals
        for per in ("deal", "month")
    }
    pulled, given = (runs["deal"][k].astype(float) for k in ("pulled_in", "timing_discount"))
    assert pulled.sum() > 0
    np.testing.assert_allclose(given, 0.08 * (pulled + given), rtol=1e-5, atol=1e-3)
    monthly = runs["month"]
    assert monthly["timing_discount"].sum() > 0.08 * (
        monthly["pulled_in"].sum() + monthly["timing_discount"].sum()
    )
    assert (
        pulled.sum() + given.sum() > monthly["pulled_in"].sum() + monthly["timing_discount"].sum()
    )


def test_a_longer_pull_window_costs_more_in_discounts():
    # Larkin 2014: deals pulled from further ahead cost larger discounts. On common
    # random numbers, a three-month window gives away more than next month only.
    sc = scenario(THRESHOLD)
    one, three = (
        sim.simulate(
            sc, behaviour=spec(timing={"pull_months": k}), trials=100, rep_years=True
        ).base.actuals
        for k in (1, 3)
    )
    assert three["timing_discount"].sum() > one["timing_discount"].sum() > 0
    assert three["pulled_in"].sum() > one["pulled_in"].sum()


@pytest.mark.parametrize("true_up", [False, True])
def test_timing_weighs_the_true_up_like_effort_does(true_up):
    # A quarterly quota bonus (a lump sum at 100% of the quarter's target). At the first
    # quarter's close a rep stands at 90% of it; pulling in the share of next month's
    # deals a rep can (30% of deals worth half the quarter's target) wins the bonus. Without a true-up that is worth it. With
    # one, the annual curve pays on the year's bookings (the rep is at 22% of the year
    # with nine months to go, where its marginal rate exceeds the quarter's, zero just
    # below the step at the close): the pull moves bookings within the year and only
    # gives the discount away, so the rep does not pull: the rule effort follows
    # (a rep is paid at the larger marginal rate, sim.payout.marginal_pay).
    sc = scenario(BONUS)
    plan = sc.plan.model_copy(update={"true_up": true_up})
    pop = make_population(sc)
    b = build_behaviours(spec(timing={"hurdle": 0.0}), {"base": plan}, sc.market, pop, SEED)
    quarter = b["base"].targets["revenue"][:, 0]
    zero = np.zeros((1, pop.size))
    comps = ("new_value", "new_count", "xsell_value", "xsell_count", "cycle_days_sum")
    comps += ("gross_margin", "discount_given")
    booked = {c: zero.copy() for c in comps}
    booked["new_value"] = 0.9 * quarter[None, :]
    values = {c: zero.copy() for c in comps}
    values["new_value"] = 0.5 * quarter[None, :]
    state = sim.behaviour.MonthState(2, 12, plan, booked, dict(booked), 0)
    share = b["base"].shift("pull", state, values)
    if true_up:
        assert not share.any()
    else:
        assert (share > 0).all()


# -- retention --------------------------------------------------------------------------------

RETENTION_VARIANTS = """
[variants.half_pay.pay_mix]
target_incentive = 25000
[variants.hard_cap.measures.revenue]
curve = { points = [[0.5, 0.0], [1.0, 1.0]], tail_slope = 1.0, cap = 0.8 }
[variants.valued]
[[variants.valued.rewards]]
name = "Club"
kind = "recognition"
top_percent = 10
value = 20000
"""
CLUB = """
[[plan.rewards]]
name = "Club"
kind = "recognition"
top_percent = 10
"""


@pytest.fixture(scope="module")
def retention_run() -> sim.SimulationResult:
    sc = scenario(THRESHOLD, RETENTION_VARIANTS, extra=CLUB)
    return sim.simulate(sc, behaviour=spec(effort=None, retention=None), rep_years=True)


@pytest.mark.parametrize("cut", ["half_pay", "hard_cap"])
def test_pay_cut_raises_attrition(retention_run, cut):
    base, variant = retention_run.base, retention_run.variants[cut]
    p0, p1 = base.behaviour.p_leave, variant.behaviour.p_leave
    # Leave probabilities: every rep's plan is worth less, so none is less likely to go;
    # the mean rises by a structural margin (observed 0.13 -> 0.22-0.27).
    assert np.all(p1 >= p0)
    assert p1.mean() > p0.mean() + 0.05
    # Leavers: both plans draw the same uniforms, so a higher probability can only add
    # leavers (exact, rep by rep); and the expected count rises (paired, Z SE).
    left0, left1 = base.actuals["left"], variant.actuals["left"]
    assert np.all(left1 >= left0)
    diff, se = paired(left1.mean(1), left0.mean(1))
    assert diff > Z * se, (diff, se)


def test_leavers_match_the_leave_probability(retention_run):
    # Share of rep-trials with a departure against the mean annual probability: a
    # proportion over 9,000 rep-trials, binomial standard error.
    for v in retention_run.variants.values():
        p = v.behaviour.p_leave.mean()
        n = v.actuals["left"].size
        assert abs(v.actuals["left"].mean() - p) < Z * math.sqrt(p * (1 - p) / n), v.name


def test_valued_reward_raises_utility_and_retention(retention_run):
    base, valued = retention_run.base, retention_run.variants["valued"]
    assert valued.behaviour.response.utility.mean() > base.behaviour.response.utility.mean()
    assert valued.behaviour.p_leave.mean() < base.behaviour.p_leave.mean()


def test_reward_value_adds_its_expected_value_to_utility():
    # Effort fixed: each trial exactly ceil(10% of 30) = 3 reps win the recognition
    # (no tenure condition), so the team's mean utility rises by value x 3 / 30 exactly.
    sc = scenario(THRESHOLD, RETENTION_VARIANTS, extra=CLUB)
    run = sim.simulate(sc, ["valued"], trials=50, behaviour=spec(retention=None), rep_years=True)
    gain = run.variants["valued"].behaviour.response.utility - run.base.behaviour.response.utility
    assert np.all(gain >= 0)
    assert gain.mean() == pytest.approx(20_000 * 3 / 30, rel=1e-9)


# -- market shifts ----------------------------------------------------------------------------


def _shifted(sc: sim.Scenario, *shifts: Shift) -> sim.Scenario:
    return sc.model_copy(update={"market": sc.market.model_copy(update={"shifts": shifts})})


def _ratio_of_sums(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """sum(a) / sum(b) over trials, with its delta-method standard error."""
    r = a.sum() / b.sum()
    u = a - r * b
    return float(r), float(math.sqrt((u**2).sum() * a.size / (a.size - 1)) / b.sum())


@pytest.fixture(scope="module")
def shift_runs() -> dict[str, sim.SimulationResult]:
    sc = scenario(THRESHOLD)
    kw = {"trials": 400, "behaviour": False, "keep_outcomes": True, "rep_years": True}
    return {
        "none": sim.simulate(sc, **kw),
        "july": sim.simulate(_shifted(sc, Shift(month=7, factor=0.85)), **kw),
        "stacked": sim.simulate(
            _shifted(sc, Shift(month=7, factor=0.9), Shift(month=10, factor=0.8)), **kw
        ),
        "random": sim.simulate(_shifted(sc, Shift(month=7, sd=0.3)), **kw),
    }


def test_shift_lowers_bookings_from_its_month_on(shift_runs):
    none, july = shift_runs["none"].base, shift_runs["july"].base
    # Before July the draws are untouched: exactly the same bookings.
    assert np.array_equal(july.bookings_by_month[:, :6], none.bookings_by_month[:, :6])
    # From July on, -15%: ratio of total bookings within Z standard errors of 0.85
    # (same seed, so much of the noise cancels; SE ~0.003).
    r, se = _ratio_of_sums(
        july.bookings_by_month[:, 6:].sum(1), none.bookings_by_month[:, 6:].sum(1)
    )
    assert abs(r - 0.85) < Z * se, (r, se)


def test_shifts_stack_multiplicatively(shift_runs):
    # Expected flows (what reps plan with) are exact products of the factors.
    sc = scenario(THRESHOLD)
    pop = make_population(sc)
    one = expected_flows(sc.market, pop).mean["new"]["new_value"]
    two = expected_flows(
        _shifted(sc, Shift(month=7, factor=0.9), Shift(month=10, factor=0.8)).market, pop
    ).mean["new"]["new_value"]
    factor = np.array([1.0] * 6 + [0.9] * 3 + [0.72] * 3)
    np.testing.assert_allclose(two, one * factor, rtol=1e-12)
    # Simulated bookings: 0.9 in Q3 and 0.9 x 0.8 = 0.72 in Q4, Z standard errors.
    none, stacked = shift_runs["none"].base, shift_runs["stacked"].base
    for months, want in ((slice(6, 9), 0.9), (slice(9, 12), 0.72)):
        r, se = _ratio_of_sums(
            stacked.bookings_by_month[:, months].sum(1), none.bookings_by_month[:, months].sum(1)
        )
        assert abs(r - want) < Z * se, (months, r, se)


def test_random_shift_moves_every_rep_in_a_trial(shift_runs):
    # With sd > 0 the shift draws one factor per trial for the whole team, so reps'
    # H2/H1 bookings ratios move together across trials; without it they are
    # independent (the year's common shock cancels in the ratio).
    def halves_correlation(result):
        c = result.outcomes.components
        b = c["new_value"] + c["xsell_value"]
        ratios = [
            b[:, half, 6:].sum((1, 2)) / b[:, half, :6].sum((1, 2))
            for half in (slice(0, None, 2), slice(1, None, 2))
        ]
        return np.corrcoef(*ratios)[0, 1]

    def mean_pairwise_correlation(result):
        c = result.outcomes.components
        b = c["new_value"] + c["xsell_value"]
        h1, h2 = b[..., :6].sum(-1), b[..., 6:].sum(-1)
        # Second-half share of the year (bounded, defined when a half books nothing).
        share = np.where(h1 + h2 > 0, h2 / np.maximum(h1 + h2, 1e-12), 0.5)  # (trials, reps)
        corr = np.corrcoef(share.T)
        return corr[~np.eye(len(corr), dtype=bool)].mean()

    # 400 trials: the standard error of a correlation near zero is ~0.05, so 0.2 is Z of
    # them; with a factor of log-sd 0.3 against ~0.08 of deal noise per half-team the
    # halves' correlation is ~0.9 and a single pair's ~0.35.
    assert halves_correlation(shift_runs["random"]) > 0.8
    assert abs(halves_correlation(shift_runs["none"])) < 0.2
    assert mean_pairwise_correlation(shift_runs["random"]) > 0.2
    assert abs(mean_pairwise_correlation(shift_runs["none"])) < 0.05


# -- reproducibility --------------------------------------------------------------------------


def test_same_seed_same_results_with_behaviour_for_any_chunking():
    # Every component on, on the baseline scenario (three measures, a csat modifier,
    # rewards): identical arrays for one or two workers and chunks of 50 or 200 trials.
    data = tomllib.loads(BASELINE.read_text(encoding="utf-8"))
    data["behaviour"] = {"effort": {"calibration_trials": 200}}
    sc = _small_baseline(data)
    kw = {"trials": 200, "seed": 99, "behaviour": True, "rep_years": True}
    runs = [
        sim.simulate(sc, ["uncapped"], workers=1, chunk_trials=50, **kw),
        sim.simulate(sc, ["uncapped"], workers=2, chunk_trials=50, **kw),
        sim.simulate(sc, ["uncapped"], workers=2, chunk_trials=200, **kw),
    ]
    first = runs[0]
    assert all(v.behaviour is not None for v in first.variants.values())
    assert first.base.actuals["pulled_in"].sum() > 0  # timing did act
    assert first.base.actuals["left"].sum() > 0  # and so did attrition
    for run in runs[1:]:
        assert_same_results(first, run)
        for name, v in run.variants.items():
            np.testing.assert_array_equal(
                v.behaviour.response.effort, first.variants[name].behaviour.response.effort
            )


def test_keep_outcomes_with_behaviour():
    run = sim.simulate(
        scenario(LINEAR), trials=50, behaviour=spec(timing=None), keep_outcomes=True, rep_years=True
    )
    assert run.outcomes is not None


# -- several measures: effort follows the weights and the marginal payoffs -----------


def test_heavily_weighted_easy_measure_crowds_out_the_rest():
    # Today's plan pays revenue 60%, new accounts 20%, cross-sell 20%. The variant puts
    # 70% on new accounts with an easy target (1 a year): effort moves to prospecting
    # (the new-business task multiplier rises, cross-sell's falls) and cross-sell
    # bookings drop. Task multipliers are deterministic given the calibration sample;
    # the bookings comparison is a paired difference over trials (Z standard errors).
    data = tomllib.loads(BASELINE.read_text(encoding="utf-8"))
    data["team"]["reps"] = 20
    data["variants"] = {
        "easy_logos": {
            "measures": {
                "revenue": {"weight": 0.15},
                "new_accounts": {"weight": 0.7, "target": 1},
                "cross_sell": {"weight": 0.15},
            }
        }
    }
    run = sim.simulate(
        sim.parse_scenario(data), trials=300, behaviour=spec(effort=None), rep_years=True
    )
    base, easy = run.base.behaviour.response, run.variants["easy_logos"].behaviour.response
    assert easy.task["new"].mean() > base.task["new"].mean()
    assert easy.task["xsell"].mean() < base.task["xsell"].mean()
    assert easy.shares["new"][0] > base.shares["new"][0]
    xs_base = run.base.actuals["cross_sell"].sum(1)
    xs_easy = run.variants["easy_logos"].actuals["cross_sell"].sum(1)
    diff, se = paired(xs_easy, xs_base)
    assert diff < -Z * se, (diff, se)


def test_lost_accounts_stop_buying_more_when_churn_is_on():
    # With churn_reduces_cross_sell, an account lost at renewal buys nothing more for
    # the rest of the year: second-half cross-sell falls (paired, Z standard errors)
    # while the renewal rate stays what the market says (binomial standard error).
    data = tomllib.loads(BASELINE.read_text(encoding="utf-8"))
    data["team"]["reps"] = 20
    data["market"].setdefault("renewal", {})["retention"] = 0.7
    plain = sim.simulate(
        sim.parse_scenario(data), [], trials=200, keep_outcomes=True, rep_years=True
    )
    data["market"]["renewal"]["churn_reduces_cross_sell"] = True
    churn = sim.simulate(
        sim.parse_scenario(data), [], trials=200, keep_outcomes=True, rep_years=True
    )
    comps = churn.outcomes.components
    rate, due = (
        comps["renewals_won"].sum() / comps["renewals_due"].sum(),
        comps["renewals_due"].sum(),
    )
    plain_c = plain.outcomes.components
    rate0 = plain_c["renewals_won"].sum() / plain_c["renewals_due"].sum()
    assert abs(rate - rate0) < Z * math.sqrt(2 * 0.7 * 0.3 / due)
    xs = [r.outcomes.components["xsell_value"][..., 6:].sum((1, 2)) for r in (plain, churn)]
    diff, se = paired(xs[1], xs[0])
    assert diff < -Z * se, (diff, se)


@given(
    st.lists(
        st.one_of(
            st.floats(-1.0, 5.0),
            st.just(float("nan")),
            st.sampled_from(list(PROGRESS_BINS)),
            st.integers(0, 20).map(lambda k: k * 0.1),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_progress_bins_are_digitize_s(values):
    """The effort profile's bins (one division, edges checked) are np.digitize's,
    on and around every edge."""
    from sim.chunks import progress_bin

    p = np.array(values)
    want = np.clip(np.digitize(p, PROGRESS_BINS) - 1, 0, len(PROGRESS_BINS) - 1)
    assert np.array_equal(progress_bin(p), want)
