"""The multi-task agency model (Holmström & Milgrom 1991) against its closed form.

Sales on n measures x = h + K·e + ε, ε ~ N(0, Σ), effort cost e′De/2, CARA risk
aversion r, margins m: salary α plus commissions β′x is best at
β* = (K D⁻¹ K′ + rΣ)⁻¹ K D⁻¹ K′ m with e* = D⁻¹K′β. The checks: the public case
by hand, the closed form's defining properties on random problems (hypothesis),
the one-measure formula as its 1 × 1 case, the simulated optimum on every seed
0–9 (standardised draws leave only the optimiser's tolerance, far inside 1%),
the corner a floor on effort creates, the scenario's validation and the command
line end to end.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimize.run import optimize_plan
from planlab.cli import main
from sim import load_scenario
from sim.behaviour.agency import (
    AgencyReps,
    best_effort,
    linear_closed_form,
    linear_response,
    optimal_linear_plan,
    standardised_normals,
)
from tests.conftest import BASELINE, ROOT

PUBLIC = ROOT / "scenarios" / "two_measure_textbook.toml"
K, D, S = np.eye(2), np.array([[2.0, 0.5], [0.5, 1.0]]), np.eye(2)


def test_public_case_by_hand():
    # K = I, Σ = I, r = 1, m = (1, 1): β* = (D⁻¹ + I)⁻¹ D⁻¹ m = (I + D)⁻¹ m, and
    # (I + D)⁻¹ = [[2, −0.5], [−0.5, 3]] / 5.75, so β* = (1.5, 2.5) / 5.75 = (6/23, 10/23);
    # e* = D⁻¹β* = [[1, −0.5], [−0.5, 2]]·β* / 1.75 = (4/161, 68/161). Pure arithmetic.
    cf = linear_closed_form([0, 0], K, D, 1.0, S, [1, 1], 0.0)
    np.testing.assert_allclose(cf.beta, [6 / 23, 10 / 23], rtol=1e-12)
    np.testing.assert_allclose(cf.effort[0], [4 / 161, 68 / 161], rtol=1e-12)
    # α* = −β′KD⁻¹K′β/2 + β′Σβ/2 = −β′e*/2 + |β|²/2
    b, e = cf.beta, cf.effort[0]
    assert cf.alpha == pytest.approx(-b @ e / 2 + b @ b / 2, rel=1e-12)
    assert cf.profit == pytest.approx(e.sum() - cf.alpha - b @ e, rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    k=st.floats(0.1, 5),
    d=st.floats(0.1, 5),
    r=st.floats(0, 5),
    s2=st.floats(0, 5),
    m=st.floats(0.1, 3),
    h=st.floats(0, 3),
)
def test_one_measure_is_the_one_by_one_case(k, d, r, s2, m, h):
    # Lal & Srinivasan's β* = m·k²/(k² + r·d·σ²), e* = β·k/d, from the matrix code.
    cf = linear_closed_form(h, k, d, r, s2, m, 0.0)
    beta = m * k**2 / (k**2 + r * d * s2)
    assert cf.beta.shape == (1,) and cf.effort.shape == (1, 1)
    assert cf.beta[0] == pytest.approx(beta, rel=1e-9)
    assert cf.effort[0, 0] == pytest.approx(beta * k / d, rel=1e-9)


def _problem(data, n: int, t: int):
    """A random K (n × t), positive definite D (t × t), positive semi-definite Σ."""
    f = st.floats(-1, 1)
    K = np.array(data.draw(st.lists(f, min_size=n * t, max_size=n * t))).reshape(n, t)
    K = K + np.eye(n, t) * 2  # each measure mostly driven by its own task
    a = np.array(data.draw(st.lists(f, min_size=t * t, max_size=t * t))).reshape(t, t)
    D = a @ a.T + 0.2 * np.eye(t)
    b = np.array(data.draw(st.lists(f, min_size=n * n, max_size=n * n))).reshape(n, n)
    Sigma = b @ b.T
    m = np.array(data.draw(st.lists(st.floats(0.1, 2), min_size=n, max_size=n)))
    r = data.draw(st.floats(0, 3))
    return K, D, Sigma, m, r


@settings(max_examples=60, deadline=None)
@given(data=st.data(), n=st.integers(1, 3), t=st.integers(1, 3))
def test_closed_form_maximises_the_surplus(data, n, t):
    # With effort free in sign, the firm's profit (all surplus, the salary holding the rep
    # at the outside option) is S(β) = m′K·e(β) − e′De/2 − r/2·β′Σβ with e(β) = D⁻¹K′β,
    # a concave quadratic: β* must beat every perturbation, and the first-order
    # condition (K D⁻¹ K′ + rΣ)β = K D⁻¹ K′ m must hold to rounding.
    K, Dm, Sigma, m, r = _problem(data, n, t)
    cf = linear_closed_form(np.zeros(n), K, Dm, r, Sigma, m, 0.0)
    A = K @ np.linalg.solve(Dm, K.T)
    # To rounding: a nearly singular K D⁻¹ K′ + rΣ (hypothesis finds entries of 1e-7)
    # leaves residuals of its smallest eigenvalue times β.
    scale = 1 + abs(A @ m).max() + abs(cf.beta).max()
    np.testing.assert_allclose((A + r * Sigma) @ cf.beta, A @ m, atol=1e-6 * scale)

    def surplus(beta):
        e = np.linalg.solve(Dm, K.T @ beta)
        return m @ K @ e - e @ Dm @ e / 2 - r / 2 * beta @ Sigma @ beta

    assert cf.profit == pytest.approx(surplus(cf.beta), abs=1e-9 * (1 + abs(cf.profit)))
    rng = np.random.default_rng(0)
    for _ in range(5):
        assert surplus(cf.beta + 0.05 * rng.standard_normal(n)) <= cf.profit + 1e-9


def test_separate_tasks_are_separate_one_measure_problems():
    # K, D and Σ diagonal: each commission is its own measure's one-by-one formula.
    k, d, s2, m, r = (
        np.array([1.0, 2.0, 0.5]),
        np.array([1.0, 3.0, 0.5]),
        np.array([0.5, 1, 2]),
        1.5,
        2.0,
    )
    cf = linear_closed_form(np.zeros(3), np.diag(k), np.diag(d), r, np.diag(s2), [m] * 3, 0.0)
    np.testing.assert_allclose(cf.beta, m * k**2 / (k**2 + r * d * s2), rtol=1e-12)


def test_riskless_reps_get_the_margin():
    # Σ = 0: no risk premium, so the firm sells the business to the rep: β* = m.
    cf = linear_closed_form([0, 0], [[1, 0.3], [0.2, 1]], D, 2.0, np.zeros((2, 2)), [0.7, 1.2], 0)
    np.testing.assert_allclose(cf.beta, [0.7, 1.2], rtol=1e-12)


def test_best_effort_under_linear_commissions_is_inverse_d_k_beta():
    # Pay variance β′Σβ does not depend on effort, so the simulated CE is
    # β′(h + K·e) − const − e′De/2 on *any* draws: the best response D⁻¹K′β is exact up
    # to the Newton tolerance (1e-6), for every rep at once.
    rng = np.random.default_rng(3)
    reps = AgencyReps(
        h=rng.uniform(0, 1, (4, 2)),
        K=np.stack([np.eye(2), [[1, 0.5], [0, 1]], [[2, 0], [0.3, 1]], [[1, 0], [0, 2]]]),
        D=np.stack([D, 2 * D, [[1, -0.3], [-0.3, 1]], np.eye(2)]),
        r=np.array([0.0, 1.0, 2.0, 4.0]),
        noise=np.stack([S, [[1, 0.6], [0.6, 1]], 0.5 * S, [[2, -1], [-1, 1]]]),
        ce0=np.zeros(4),
    )
    beta = np.array([0.3, 0.4])
    e = best_effort(lambda x: x @ beta, reps, rng.standard_normal((5_000, 2)))
    want = np.linalg.solve(reps.D, np.einsum("rnt,n->rt", reps.K, beta)[..., None])[..., 0]
    np.testing.assert_allclose(e, want, atol=1e-5)


def test_standardised_normals_have_exact_moments():
    z = standardised_normals(1_000, 3, seed=7)
    np.testing.assert_allclose(z.mean(0), 0, atol=1e-12)
    np.testing.assert_allclose(z.T @ z / len(z), np.eye(3), atol=1e-12)


TEXTBOOK_1 = (
    "[optimize]\nfamily = 'linear'\n[optimize.linear]\nreps = 'textbook'\nmargin = 1.0\n"
    "textbook = { h = 1.0, k = 1.0, d = 1.0, r = 2.0, sigma = 0.7071067811865476, ce0 = 1.0 }\n"
)


@pytest.fixture(scope="module")
def textbooks(tmp_path_factory):
    one = tmp_path_factory.mktemp("tb") / "one.toml"
    one.write_text(f'extends = "{BASELINE.as_posix()}"\n{TEXTBOOK_1}', encoding="utf-8")
    return {"single": load_scenario(one), "multi": load_scenario(PUBLIC)}


@pytest.mark.parametrize("case", ["single", "multi"])
@pytest.mark.parametrize("seed", range(10))
def test_linear_family_is_exact_on_every_seed(textbooks, case, seed):
    # The linear family's own path with its default draws (20,000). The draws are
    # standardised, so the certainty equivalent of a linear commission carries no
    # sampling error and only the optimiser's tolerance (β to 1e-6) remains: 1% is the
    # issue's bar, not a noise allowance. Before standardising, α landed 1.1–1.5% off
    # on some seeds (sample variance and mean of 20,000 draws).
    lin = optimize_plan(textbooks[case], seed=seed).linear
    cf, got = lin.closed_form, lin.plan
    np.testing.assert_allclose(got.beta, cf.beta, rtol=0.01)
    assert got.alpha == pytest.approx(cf.alpha, rel=0.01)
    np.testing.assert_allclose(got.effort, cf.effort, rtol=0.01)
    np.testing.assert_allclose(got.beta, cf.beta, rtol=1e-4)  # what is really reached


def test_an_effort_floor_makes_the_corner_better():
    # Effort held at zero or more: paying only on the second measure, β = (0, b), gets
    # e = (0, b) (the first task's marginal pay is −0.5·b < 0 at zero effort), so the
    # surplus is b − b²/2 − b²/2, best at b = 0.5 with 0.25, above the closed form's
    # 0.2236 (Holmström & Milgrom 1991: interacting tasks favour paying on fewer
    # measures). The simulated optimum must find that corner.
    reps = AgencyReps.identical(1, [0, 0], K, D, 1.0, S, 0.0)
    got = optimal_linear_plan(reps, [1, 1], draws=2_000, seed=0, effort_floor=0.0)
    cf = linear_closed_form([0, 0], K, D, 1.0, S, [1, 1], 0.0)
    np.testing.assert_allclose(got.beta, [0.0, 0.5], atol=1e-4)
    np.testing.assert_allclose(got.effort[0], [0.0, 0.5], atol=1e-4)
    assert got.profit == pytest.approx(0.25, abs=1e-6)
    assert got.profit > cf.profit + 0.02


def test_cli_finds_the_commission_vector(tmp_path, capsys):
    out = tmp_path / "opt"
    code = main(["optimize", str(PUBLIC), "--out", str(out), "--quiet"])
    assert code == 0, capsys.readouterr().err
    import pandas as pd

    table = pd.read_csv(out / "linear.csv").set_index("solution")
    got = table.loc["simulated", ["beta_new_account_value", "beta_cross_sell"]].to_numpy(float)
    np.testing.assert_allclose(got, [6 / 23, 10 / 23], rtol=0.01)
    assert {"effort_task_1", "effort_task_2", "alpha", "profit"} <= set(table.columns)


BAD = {
    "non-square d": ("d = [[2.0, 0.5, 0.1], [0.5, 1.0, 0.1]]", "must be square"),
    "d not positive definite": ("d = [[1.0, 2.0], [2.0, 1.0]]", "positive definite"),
    "d of the wrong size": ("d = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]", "task"),
    "noise of the wrong size": ("noise = [[1.0]]", "2 × 2"),
    "noise not a covariance": ("noise = [[1.0, 2.0], [2.0, 1.0]]", "semi-definite"),
    "h of the wrong length": ("h = [0.0, 0.0, 0.0]", "one per measure"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_matrices_exit_2_naming_the_key(case, tmp_path, capsys):
    line, needle = BAD[case]
    key = line.split(" = ")[0]
    text = PUBLIC.read_text(encoding="utf-8")
    text = text.replace(
        'extends = "key_account_baseline.toml"', f'extends = "{BASELINE.as_posix()}"'
    )
    lines = [ln for ln in text.splitlines() if not ln.startswith(f"{key} = ")]
    at = lines.index("[optimize.linear.textbook]") + 1
    path = tmp_path / "bad.toml"
    path.write_text("\n".join([*lines[:at], line, *lines[at:]]) + "\n", encoding="utf-8")
    before = path.read_bytes()
    out = tmp_path / "out"
    code = main(["optimize", str(path), "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert needle in err and "optimize.linear" in err and "bad.toml" in err
    assert "Traceback" not in err and not out.exists()
    assert path.read_bytes() == before


def test_margin_must_name_every_measure(tmp_path, capsys):
    text = PUBLIC.read_text(encoding="utf-8").replace(
        'extends = "key_account_baseline.toml"', f'extends = "{BASELINE.as_posix()}"'
    )
    path = tmp_path / "bad.toml"
    path.write_text(text.replace("margin = [1.0, 1.0]", "margin = [1.0]"), encoding="utf-8")
    code = main(["optimize", str(path), "--out", str(tmp_path / "o"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "margin must have 2 value(s)" in err, err


# -- the full behaviour model in the limit of a linear plan ------------------------------

TWO_COMMISSIONS = """
[plan]
name = "two commissions"
period = "year"
modifiers = []
rewards = []
[plan.pay_mix]
base = 150000
target_incentive = 40000
[[plan.measures]]
name = "new_account_value"
weight = 0.5
target = 400000
curve = { points = [[0.0, 0.0], [1.0, 1.0]], tail_slope = 1.0 }
[[plan.measures]]
name = "cross_sell"
weight = 0.5
target = 200000
curve = { points = [[0.0, 0.0], [1.0, 1.0]], tail_slope = 1.0 }
[variants.tilt.measures.new_account_value]
weight = 0.7
[variants.tilt.measures.cross_sell]
weight = 0.3
target = 250000
[behaviour.effort]
enabled = true
risk_aversion = 0.0
min_task_share = 0.1
calibration_trials = 2000
"""


def test_full_model_task_split_is_the_multi_task_closed_form_under_linear_pay():
    # Two measures, each paid by a commission linear from zero, one per task (K diagonal:
    # new-account bookings come from the "new" task, cross-sell from "xsell"); reps risk
    # neutral, the limit in which the model's lumpy, effort-scaled noise carries no risk
    # premium, as in the closed form. The full model calibrates each rep's effort cost on
    # today's plan and splits effort by each task's marginal pay: the closed form with D
    # diagonal, each task's cost set so that today's effort is 1 (d_t = β_t·k_t), gives
    # e* = D⁻¹K′β. The split e_new / e_xsell must agree: here (0.7/0.5) / (0.3/0.5 · 0.8)
    # = 2.917, where splitting by weights alone would give 2.333 (20% less). The model
    # measures marginal pay by finite differences on 2,000 simulated years of lumpy deals:
    # on seeds 1, 2, 3 the split lands −1.3%, −0.6% and +2.6% off (−3.3%, −5.6%, +3.0%
    # at 300 years; −0.5%, −1.0%, +1.6% at 3,000), a sampling error of about 2% that
    # shrinks with the sample. 5% is 2.5 of those on this seed-pinned run, and a quarter
    # of the gap to the weights-only split.
    import tomllib

    from sim.behaviour.flows import expected_flows
    from sim.behaviour.response import best_response
    from sim.run import make_population
    from sim.scenario import parse_scenario

    raw = tomllib.loads(BASELINE.read_text(encoding="utf-8"))
    raw.pop("variants")
    raw.pop("optimize", None)  # its settings name the baseline's measures
    raw.update(tomllib.loads(TWO_COMMISSIONS))
    sc = parse_scenario(raw)
    pop = make_population(sc)
    spec = sc.behaviour.effort
    _, base = best_response(sc.plan, sc.market, pop, spec, seed=1)
    tilt, _ = best_response(sc.plans["tilt"], sc.market, pop, spec, seed=1, base=base)

    def beta(plan) -> np.ndarray:
        ti = plan.pay_mix.target_incentive
        return np.array([ti * m.weight / m.target for m in plan.measures])

    flows = expected_flows(sc.market, pop)
    k = np.stack(
        [flows.mean["new"]["new_value"].sum(1), flows.mean["xsell"]["xsell_value"].sum(1)], 1
    )
    b0, b1 = beta(sc.plan), beta(sc.plans["tilt"])
    for rep in range(0, pop.size, 7):
        K = np.diag(k[rep])
        e = linear_response(K, np.diag(b0 * k[rep]), b1)
        want = e[0] / e[1]
        got = tilt.task["new"][rep] / tilt.task["xsell"][rep]
        assert want == pytest.approx(2.9167, rel=1e-3)
        assert got == pytest.approx(want, rel=0.05), (rep, got, want)


# -- a scenario's team as a multi-task agency model --------------------------------------


@pytest.fixture(scope="module")
def team():
    from sim.run import make_population

    sc = load_scenario(BASELINE)
    return sc, make_population(sc)


def test_agency_moments_of_the_team(team):
    # K from the market's expected deal flows: each measure's simulated mean per rep lies
    # within 4 standard errors of K·1 (today's effort). Σ is built from one compound
    # Poisson pair per task, so exactly: revenue = new + cross-sell bookings from
    # independent tasks gives Cov(revenue, cross_sell) = Var(cross_sell); new accounts
    # and cross-sell share no deals (covariance 0); gross margin is a fixed share of
    # bookings (correlation 1 with revenue within each task).
    from sim import simulate
    from sim.behaviour.flows import agency_moments, expected_flows

    sc, pop = team
    measures = ("revenue", "new_accounts", "cross_sell", "gross_margin")
    K, noise = agency_moments(expected_flows(sc.market, pop), measures)
    assert K.shape == (pop.size, 4, 2) and noise.shape == (pop.size, 4, 4)
    np.testing.assert_allclose(noise, np.swapaxes(noise, 1, 2), rtol=1e-12)
    assert np.linalg.eigvalsh(noise / noise.max()).min() > -1e-9
    np.testing.assert_allclose(noise[:, 0, 2], noise[:, 2, 2], rtol=1e-12)
    assert np.all(noise[:, 1, 2] == 0) and np.all(K[:, 1, 1] == 0) and np.all(K[:, 2, 0] == 0)
    run = simulate(sc, [], trials=2000, rep_years=True)
    for i, m in enumerate(measures):
        x = run.base.actuals[m].astype(float)
        se = x.std(0) / np.sqrt(x.shape[0])
        np.testing.assert_array_less(np.abs(x.mean(0) - K[:, i].sum(-1)), 4 * se + 1e-9)


@settings(max_examples=50, deadline=None)
@given(
    g=st.lists(st.floats(0.1, 100), min_size=2, max_size=2),
    cross=st.floats(-0.9, 0.9),
)
def test_calibrated_costs_make_today_the_best_response(g, cross):
    # D·1 = g (so effort 1 on each task answers today's marginal pay g), D positive
    # definite, and the cross term is `cross` times √(D_11·D_22): rounding only.
    from optimize.linear import calibrated_costs

    D = calibrated_costs(np.array([g]), cross)[0]
    np.testing.assert_allclose(D @ np.ones(2), g, rtol=1e-9)
    assert np.linalg.eigvalsh(D).min() > 0
    assert D[0, 1] == pytest.approx(cross * np.sqrt(D[0, 0] * D[1, 1]), rel=1e-9, abs=1e-12)


TEAM_LINEAR = f"""
extends = "{BASELINE.as_posix()}"
[team]
reps = 6
[optimize]
family = "linear"
trials = 100
[optimize.linear]
measures = ["revenue", "cross_sell"]
effort_cost_cross = 0.3
margin = [0.05, 0.05]
draws = 1000
"""


def test_team_two_commissions_end_to_end(write_scenario, tmp_path, capsys):
    # The team as a two-measure model: revenue driven by both tasks, cross-sell by one,
    # their noise correlated, task costs interacting. Exact checks: under today's
    # commissions every rep's best response is today's effort (1, 1) (that is how D is
    # calibrated), and under the optimised ones each rep works D⁻¹K′β (a margin small
    # enough that no rep reaches a bound). The command line writes the vector.
    from optimize.linear import linear_plan
    from optimize.spec import optimize_spec
    from sim.run import make_population

    path = write_scenario(TEAM_LINEAR)
    sc = load_scenario(path)
    spec = optimize_spec(sc)
    pop = make_population(sc)
    lin = linear_plan(sc, spec, pop, seed=3)
    reps, beta = lin.reps, lin.plan.beta
    assert lin.measures == ("revenue", "cross_sell") and beta.shape == (2,)
    eps = standardised_normals(1000, 2, 0)
    marginal = np.einsum("rts,s->rt", reps.D, np.ones(2))
    beta0 = np.linalg.lstsq(reps.K[0].T, marginal[0], rcond=None)[0]
    today = best_effort(lambda x: x @ beta0, reps, eps)
    np.testing.assert_allclose(today, 1.0, atol=1e-5)
    want = np.linalg.solve(reps.D, np.einsum("rnt,n->rt", reps.K, beta)[..., None])[..., 0]
    assert np.all((want > 0) & (want < 5))
    np.testing.assert_allclose(lin.plan.effort, want, atol=1e-5)
    out = tmp_path / "opt"
    code = main(["optimize", str(path), "--out", str(out), "--quiet"])
    assert code == 0, capsys.readouterr().err
    import pandas as pd

    table = pd.read_csv(out / "linear.csv")
    assert {"beta_revenue", "beta_cross_sell", "effort_new", "effort_xsell"} <= set(table.columns)


@pytest.mark.parametrize(
    ("line", "needle"),
    [
        ('measures = ["revenue", "csat"]', "'csat' is not a bookings measure of the plan"),
        ('measures = ["revenue", "new_account_value"]', "'new_account_value' is not"),
        ("margin = [0.05]", "margin must have 2 value(s)"),
        ("effort_cost_cross = 1.0", "effort_cost_cross"),
        ("margin = [0.05, -0.01]", "margins must be zero or more"),
    ],
)
def test_team_bad_settings_exit_2(line, needle, write_scenario, tmp_path, capsys):
    key = line.split(" = ")[0]
    text = "\n".join(ln for ln in TEAM_LINEAR.splitlines() if not ln.startswith(f"{key} = "))
    path = write_scenario(text.replace("[optimize.linear]", f"[optimize.linear]\n{line}"))
    code = main(["optimize", str(path), "--out", str(tmp_path / "o"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and needle in err and "Traceback" not in err, err


def test_reps_at_the_effort_ceiling_are_reported(write_scenario):
    # The market's own margin (about 62% of bookings) against today's pay of about 4% of
    # sales: the best commission would have reps work far above today's effort, so their
    # response sits at the ceiling and the findings say how many and why.
    from sim.behaviour.agency import EFFORT_MAX

    path = write_scenario(
        f'extends = "{BASELINE.as_posix()}"\n[team]\nreps = 6\n'
        "[optimize]\nfamily = 'linear'\ntrials = 100\n[optimize.linear]\ndraws = 1000\n"
    )
    lin = optimize_plan(load_scenario(path)).linear
    capped = int(np.isclose(lin.plan.effort, EFFORT_MAX).any(1).sum())
    assert capped > 0
    assert any(f"{capped} of 6 reps would work at the highest effort" in x for x in lin.findings())
