"""Team pay and help: closed forms (Holmström 1982, Itoh 1991) and the simulation's
own-effort view that makes team pay dilute effort."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.behaviour.agency import AgencyReps, best_effort
from sim.behaviour.base import Effort
from sim.behaviour.collaboration import (
    EQUILIBRIUM_TOLERANCE,
    choose_help,
    help_effort,
    own_effort_outcomes,
    own_marginal_share,
    team_effort,
    team_equilibrium,
)
from sim.behaviour.response import TASKS, PlanSample, TeamSample, best_response
from sim.payout import evaluate_plan
from sim.run import make_population, simulate
from sim.scenario import parse_scenario


def test_public_case_team_share_dilutes_effort():
    # N = 5, β = 0.1, k = 1, d = 1, w = 0.4 → e* = β·k·((1 − w) + w/N)/d = 0.068.
    assert team_effort(0.1, 1.0, 1.0, 0.4, 5) == pytest.approx(0.068, rel=0.01)
    assert team_effort(0.1, 1.0, 1.0, 0.0, 5) == pytest.approx(0.1, rel=1e-12)


def test_public_case_help_rises_with_team_pay():
    # Help cost a²/2, each unit adding 0.5 to every team-mate's sales → a* = 0.016.
    assert help_effort(0.1, 0.4, 5, 0.5) == pytest.approx(0.016, rel=0.01)
    assert help_effort(0.1, 0.0, 5, 0.5) == 0.0
    assert help_effort(0.1, 0.6, 5, 0.5) > help_effort(0.1, 0.4, 5, 0.5)


def test_simulated_best_response_matches_the_closed_form():
    """The agency model's numerical best response, paid on own sales plus the team's
    (team-mates at their equilibrium sales), gives the closed form within 1%."""
    n, beta, w = 5, 0.1, 0.4
    reps = AgencyReps.of(h=0.0, k=1.0, d=1.0, r=0.0, sigma=1.0, ce0=0.0)
    eps = np.random.default_rng(3).standard_normal((20_000, 1))
    e_mates = team_effort(beta, 1.0, 1.0, w, n)
    mates = (n - 1) * e_mates
    own = lambda x: x[..., 0]  # noqa: E731 -- sales, the one measure (draws, reps, measures)
    e = best_effort(
        lambda x: beta * ((1 - w) * own(x) + w / n * (own(x) + mates)), reps, eps, e_max=1.0
    )
    assert float(e[0, 0]) == pytest.approx(0.068, rel=0.01)


@settings(max_examples=50, deadline=None)
@given(w=st.floats(0, 1), n=st.integers(1, 50), peer=st.floats(0, 1))
def test_own_share_is_between_team_and_individual(w, n, peer):
    s = own_marginal_share(w, n, peer)
    assert own_marginal_share(w, n) - 1e-12 <= s <= 1 + 1e-12
    assert own_marginal_share(0.0, n, peer) == pytest.approx(1.0)
    assert own_marginal_share(w, n, 1.0) == pytest.approx(1.0)  # full monitoring: no free-riding
    assert help_effort(0.1, w, n, 0.5, peer=peer) >= help_effort(0.1, w, n, 0.5) - 1e-15


def test_bad_team_parameters_are_refused():
    with pytest.raises(ValueError, match="team share"):
        team_effort(0.1, 1, 1, 1.4, 5)
    with pytest.raises(ValueError, match="peer pressure"):
        help_effort(0.1, 0.4, 5, 0.5, peer=-1)


def _plan(w: float) -> dict:
    linear = {"points": [[0.0, 0.0], [1.0, 1.0]], "tail_slope": 1.0}
    measures = [
        {"name": "revenue", "weight": 1 - w, "target": 700000, "curve": linear},
        {
            "name": "revenue",
            "key": "team_revenue",
            "level": "team",
            "weight": w,
            "target": 700000,
            "curve": linear,
        },
    ]
    return {
        "period": "year",
        "pay_mix": {"base": 150000, "target_incentive": 40000},
        "measures": measures,
    }


def _scenario(w: float = 0.4, behaviour: bool = False):
    return parse_scenario(
        {
            "plan": _plan(0.0),
            "variants": {"individual": _plan(0.0), "team": _plan(w)},
            "team": {"reps": 15, "teams": ["A", "B", "C"]},
            "behaviour": {"effort": {"enabled": behaviour, "calibration_trials": 60}},
            "simulation": {"trials": 60, "seed": 11},
        }
    )


def test_own_effort_pays_team_share_at_its_own_marginal_rate():
    """On linear curves one rep's extra sales raise their pay by exactly (1 − w) + w/N
    of what the individual plan pays: the free-riding of Holmström (1982)."""
    s, w = _scenario(), 0.4
    pop = make_population(s)
    sample = TeamSample(s.market, pop, 60, s.simulation.seed)
    lo, hi = sample.at(1.0), sample.at(1.2)
    slope = {}
    for name, plan in s.plans.items():
        paid = [evaluate_plan(plan, own_effort_outcomes(plan, oc, lo, pop), pop) for oc in (lo, hi)]
        slope[name] = paid[1].total.astype(float).mean(0) - paid[0].total.astype(float).mean(0)
    n = np.bincount(pop.team_index)[pop.team_index]
    np.testing.assert_allclose(slope["team"] / slope["base"], (1 - w) + w / n, rtol=1e-4)


def test_team_share_lowers_effort_in_the_simulation():
    r = simulate(_scenario(0.8, behaviour=True), trials=20, rep_years=True)
    base, team = (r.variants[v].behaviour.response.effort for v in ("individual", "team"))
    assert team.mean() < base.mean() - 0.01


def test_team_pay_off_gives_the_individual_plan():
    """A team measure with no weight (team pay off) leaves every number of the
    individual plan unchanged for the same seed, with reps responding."""
    s = _scenario(0.0, behaviour=True)
    r = simulate(s, trials=40, rep_years=True)
    a, b = r.variants["individual"], r.variants["team"]  # both variants: chosen alike
    np.testing.assert_array_equal(a.outcome.total, b.outcome.total)
    np.testing.assert_array_equal(a.actuals["revenue"], b.actuals["revenue"])
    np.testing.assert_array_equal(a.behaviour.response.effort, b.behaviour.response.effort)


def _help_scenario(w: float, help: bool = True, extra: dict | None = None):
    return parse_scenario(
        {
            "plan": _plan(0.0),
            "variants": {"individual": _plan(0.0), "team": _plan(w), **(extra or {})},
            "team": {"reps": 15, "teams": ["A", "B", "C"]},
            "behaviour": {
                "effort": {"enabled": True, "calibration_trials": 60},
                "help": {"enabled": help},
            },
            "simulation": {"trials": 60, "seed": 11},
        }
    )


def test_help_is_chosen_by_its_own_marginal_pay():
    """On linear curves the help each rep chooses is the closed form in money:
    w·TI/T_team · lift · (team-mates' bookings) / (c·TI), and it rises with w."""
    w = 0.4
    s = _help_scenario(w)
    pop = make_population(s)
    spec = s.behaviour.help
    sample = TeamSample(s.market, pop, 60, s.simulation.seed)
    a = choose_help(s.plans["team"], sample, pop, spec)
    rev = sample.at(1.0).measure("revenue")[..., 0].mean(0)
    n = np.bincount(pop.team_index)[pop.team_index]
    mates = np.array([rev[pop.team_index == g].sum() for g in pop.team_index]) - rev
    ti = s.plan.pay_mix.target_incentive
    expected = w * ti / (n * 700000) * spec.lift * mates / (spec.cost * ti)
    np.testing.assert_allclose(a, expected, rtol=1e-4)  # pay is kept in float32
    assert (choose_help(s.plans["base"], sample, pop, spec) == 0).all()
    more = choose_help(parse_scenario({"plan": _plan(0.8)}).plan, sample, pop, spec)
    assert (more > a).all()
    peer = spec.model_copy(update={"peer_pressure": 0.5})
    assert (choose_help(s.plans["team"], sample, pop, peer) > a).all()


def test_help_raises_team_mates_bookings_in_the_simulation():
    on = simulate(_help_scenario(0.6), trials=40, rep_years=True)
    off = simulate(_help_scenario(0.6, help=False), trials=40, rep_years=True)
    team_on, team_off = on.variants["team"], off.variants["team"]
    assert team_on.actuals["help_given"].sum(1).mean() > 0
    assert team_on.actuals["revenue"].sum() > team_off.actuals["revenue"].sum()
    # The individual plan pays no one on team-mates' results: nobody helps.
    np.testing.assert_array_equal(on.base.actuals["revenue"], off.base.actuals["revenue"])


def test_team_pay_and_help_off_give_the_individual_plan():
    """Help switched on but no team pay (a team measure of weight 0) gives exactly
    the individual plan with help off, for the same seed."""
    on = simulate(_help_scenario(0.0), trials=40, rep_years=True)
    off = simulate(_help_scenario(0.0, help=False), trials=40, rep_years=True)
    a, b = off.variants["individual"], on.variants["team"]
    np.testing.assert_array_equal(a.outcome.total, b.outcome.total)
    np.testing.assert_array_equal(a.actuals["revenue"], b.actuals["revenue"])
    np.testing.assert_array_equal(a.actuals["gross_margin"], b.actuals["gross_margin"])


def test_a_collaboration_measure_pays_on_help_given():
    linear = {"points": [[0.0, 0.0], [1.0, 1.0]], "tail_slope": 1.0}
    collab = _plan(0.0)
    collab["measures"][0]["weight"] = 0.8
    collab["measures"][1] = {"name": "help_given", "weight": 0.2, "target": 20000, "curve": linear}
    s = _help_scenario(0.0, extra={"collab": collab})
    r = simulate(s, trials=40, rep_years=True)
    v = r.variants["collab"]
    assert v.actuals["help_given"].sum(1).mean() > 0
    assert float(v.outcome.payout["help_given"].mean()) > 0
    # The help it pays for shows in revenue: the same plan with help switched off (same
    # seed, same own effort) books less.
    off = simulate(
        _help_scenario(0.0, help=False, extra={"collab": collab}), trials=40, rep_years=True
    )
    assert v.actuals["revenue"].sum() > off.variants["collab"].actuals["revenue"].sum()


def test_the_optimisers_tables_see_free_riding():
    """The optimiser's effort choice values a rep's own effort as the simulation does:
    team share lowers it there too."""
    from optimize.spec import OptimizeSpec
    from optimize.tabulate import chosen_effort, team_outlook

    s = _scenario(0.8, behaviour=True)
    pop = make_population(s)
    outlook = team_outlook(s, pop, OptimizeSpec(), s.simulation.seed)
    individual = chosen_effort(s.variants["individual"], outlook, pop)[0]
    team = chosen_effort(s.variants["team"], outlook, pop)[0]
    assert team.mean() < individual.mean() - 0.01


def test_team_equilibrium_matches_the_symmetric_closed_form():
    """Best responses to team-mates' best responses, iterated from the individual
    plan's effort, settle at the symmetric equilibrium e* = 0.068 (N = 5, β = 0.1,
    w = 0.4), within 1%: each rep's numerical best response (agency model) is paid on
    own sales plus the team's, with team-mates at the current profile."""
    n, beta, w = 5, 0.1, 0.4
    reps = AgencyReps.of(h=0.0, k=1.0, d=1.0, r=0.0, sigma=1.0, ce0=0.0)
    eps = np.random.default_rng(3).standard_normal((20_000, 1))

    def respond(effort: np.ndarray) -> np.ndarray:
        out = np.empty(n)
        for i in range(n):
            mates = effort.sum() - effort[i]  # k = 1: team-mates' expected sales
            pay = lambda x, m=mates: beta * ((1 - w) * x[..., 0] + w / n * (x[..., 0] + m))  # noqa: E731
            out[i] = float(best_effort(pay, reps, eps, e_max=1.0)[0, 0])
        return out

    eq = team_equilibrium(respond, np.full(n, 0.1))  # start: the individual plan's β·k/d
    assert eq.converged and eq.rounds <= 3 and eq.gap <= EQUILIBRIUM_TOLERANCE
    np.testing.assert_allclose(eq.effort, team_effort(beta, 1.0, 1.0, w, n), rtol=0.01)


@settings(max_examples=50, deadline=None)
@given(
    a=st.floats(0.05, 2.0),
    b=st.floats(-0.9, 0.9),
    n=st.integers(2, 12),
    start=st.floats(0.0, 3.0),
)
def test_team_equilibrium_finds_the_fixed_point_of_a_contraction(a, b, n, start):
    """e_i = a + b·(mean of team-mates' effort): the fixed point a/(1 − b) is found to
    the tolerance (strategic substitutes, b < 0, as under free-riding, or complements)."""
    eq = team_equilibrium(
        lambda e: a + b * (e.sum() - e) / (n - 1), np.full(n, start), max_rounds=500
    )
    assert eq.converged
    # |e − e*| ≤ |b|/(1 − |b|) × last step, for a contraction of modulus |b|.
    bound = abs(b) / (1 - abs(b)) * EQUILIBRIUM_TOLERANCE + 1e-12
    np.testing.assert_allclose(eq.effort, a / (1 - b), atol=bound)


def test_team_equilibrium_stops_at_its_cap():
    eq = team_equilibrium(lambda e: -e + 1.0, np.zeros(3), max_rounds=5)  # cycles 1, 0, 1 ...
    assert not eq.converged and eq.rounds == 5 and eq.gap == pytest.approx(1.0)


def _kinked(w: float) -> dict:
    """A team share paid from 80% of the team's target: team-mates' effort moves one's
    own marginal pay, so the equilibrium is not the response to today's team."""
    plan = _plan(w)
    plan["measures"][1]["curve"] = {"points": [[0.8, 0.0], [1.0, 1.0]], "tail_slope": 0.5}
    return plan


def test_simulated_effort_is_a_best_response_to_team_mates_best_responses():
    s = parse_scenario(
        {
            "plan": _plan(0.0),
            "team": {"reps": 15, "teams": ["A", "B", "C"]},
            "behaviour": {"effort": {"enabled": True, "calibration_trials": 60}},
            "simulation": {"trials": 60, "seed": 11},
        }
    )
    team = parse_scenario({"plan": _kinked(0.6)}).plan
    pop = make_population(s)
    spec = s.behaviour.effort
    sample = TeamSample(s.market, pop, spec.calibration_trials, s.simulation.seed)
    _, reps = best_response(s.plan, s.market, pop, spec, s.simulation.seed, sample=sample)
    r = reps.respond(team, sample)
    eq = r.equilibrium
    assert eq is not None and eq.converged and 1 < eq.rounds <= 20  # the kink matters
    np.testing.assert_array_equal(eq.effort, r.effort)
    # The fixed point: re-choosing with team-mates at the equilibrium moves no rep by more
    # than a few steps of the tolerance (the last round moved team-mates by up to one
    # tolerance; the optimum is refined on a grid of about 1/400 of a bracket).
    ratio = {t: r.task[t] / r.effort for t in TASKS}
    mates = sample.at(Effort(*(r.effort * ratio[t] for t in TASKS)))
    again = PlanSample(team, sample, reps.risk, mates)
    choice = reps.choose(lambda e: again.value(e)[0])
    np.testing.assert_allclose(choice.effort, r.effort, atol=5 * EQUILIBRIUM_TOLERANCE)
    # Without pay on team-mates' results there is nothing to settle.
    alone = _plan(0.0)
    alone["measures"] = alone["measures"][:1]
    assert reps.respond(parse_scenario({"plan": alone}).plan, sample).equilibrium is None
