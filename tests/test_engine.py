"""The Monte Carlo engine against closed forms.

Every statistical check compares an estimate with its closed form within
``Z`` standard errors, the standard error itself computed from the closed form
(or, where the closed form would need moments the model does not pin down,
from the sample's own fourth moment). The seeds are fixed, so the tests are
deterministic; ``Z = 4`` means a correct engine would fail a given check with
probability about 6e-5 over the choice of seed, while a wrong rate, size or
scaling by a few percent shows up as many standard errors.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.distributions import Gamma, LogNormal
from sim.market import CrossSell, Cycle, Market, NewBusiness, Renewal, Satisfaction
from sim.montecarlo import MonteCarloEngine
from sim.population import Population
from sim.streams import BLOCK_TRIALS

Z = 4.0
SEED = 12345

LAM_NEW = 0.5  # new-business deals per rep and month
NEW_SIZE = LogNormal(mean=100.0, cv=0.5)
XSELL_RATE = 0.02  # cross-sell deals per account and month
ACCOUNTS = 10
LAM_X = XSELL_RATE * ACCOUNTS
XSELL_SIZE = Gamma(mean=40.0, sd=20.0)
RETENTION = 0.85
MEAN_DAYS, SHAPE = 120.0, 4.0
MONTH_SD = 0.6


def lognormal_moment(d: LogNormal, k: int) -> float:
    return math.exp(k * d.mu + 0.5 * k * k * d.sigma**2)


def gamma_moment(d: Gamma, k: int) -> float:
    return d.scale**k * math.gamma(d.shape + k) / math.gamma(d.shape)


def market(**kw) -> Market:
    kw.setdefault("shock_sd", 0.0)
    kw.setdefault("growth", 0.0)
    return Market(
        new_business=NewBusiness(deals_per_month=LAM_NEW, deal_size=NEW_SIZE),
        cross_sell=CrossSell(deals_per_account_month=XSELL_RATE, deal_size=XSELL_SIZE),
        renewal=Renewal(retention=RETENTION),
        cycle=Cycle(mean_days=MEAN_DAYS, shape=SHAPE),
        satisfaction=Satisfaction(month_sd=MONTH_SD),
        **kw,
    )


def population(reps: int) -> Population:
    due = np.zeros((reps, 12), dtype=np.int64)
    due[:, :ACCOUNTS] = 1  # one account up for renewal in each of months 0-9
    return Population(
        name=np.array([f"r{i}" for i in range(reps)], dtype=object),
        team=np.array(["A", "B"] * (reps // 2), dtype=object),
        ability=np.ones(reps),
        potential=np.ones(reps),
        tenure_years=np.full(reps, 3.0),
        accounts=np.full(reps, ACCOUNTS, dtype=np.int64),
        csat_base=np.linspace(6.0, 8.0, reps),  # far from the clip at 10
        renewals_due=due,
    )


def run(mk: Market, reps: int, trials: int, seed: int = SEED):
    engine = MonteCarloEngine(mk, population(reps))
    return engine.simulate_blocks(seed, 0, -(-trials // BLOCK_TRIALS), trials)


@pytest.fixture(scope="module")
def flat():
    """No shock, flat seasonality, no growth: reps and trials are i.i.d."""
    return run(market(), reps=50, trials=400)


def check_mean(sample: np.ndarray, mean: float, var: float) -> None:
    se = math.sqrt(var / sample.size)
    assert abs(sample.mean() - mean) <= Z * se, (sample.mean(), mean, se)


def check_variance(sample: np.ndarray, var: float, fourth_cumulant: float) -> None:
    # Var of the sample variance ~ (mu4 - sigma^4) / N, with mu4 = k4 + 3 k2^2.
    se = math.sqrt((fourth_cumulant + 2 * var**2) / sample.size)
    assert abs(sample.var(ddof=1) - var) <= Z * se, (sample.var(ddof=1), var, se)


def test_new_business_revenue_is_compound_poisson(flat):
    # Annual sum of Poisson(12 lam) deals of size S: cumulant k_j = 12 lam E[S^j].
    y = flat.components["new_value"].sum(-1).ravel()
    lam = 12 * LAM_NEW
    k2 = lam * lognormal_moment(NEW_SIZE, 2)
    check_mean(y, lam * NEW_SIZE.mean, k2)
    check_variance(y, k2, lam * lognormal_moment(NEW_SIZE, 4))
    assert lognormal_moment(NEW_SIZE, 2) == pytest.approx(100.0**2 * (1 + 0.5**2))


def test_new_deal_counts_are_poisson(flat):
    n = flat.components["new_count"].sum(-1).ravel()
    lam = 12 * LAM_NEW
    check_mean(n, lam, lam)
    check_variance(n, lam, lam)
    assert np.all(n == np.round(n)) and n.min() >= 0


def test_cross_sell_is_compound_poisson_per_account(flat):
    lam = 12 * LAM_X  # rate x accounts, per month
    n = flat.components["xsell_count"].sum(-1).ravel()
    check_mean(n, lam, lam)
    check_variance(n, lam, lam)
    y = flat.components["xsell_value"].sum(-1).ravel()
    k2 = lam * gamma_moment(XSELL_SIZE, 2)
    check_mean(y, lam * XSELL_SIZE.mean, k2)
    check_variance(y, k2, lam * gamma_moment(XSELL_SIZE, 4))


def test_renewals_won_over_due_is_retention(flat):
    due = flat.components["renewals_due"]
    won = flat.components["renewals_won"]
    np.testing.assert_array_equal(due[0], population(50).renewals_due)
    assert np.all(won <= due) and np.all(won >= 0)
    # Binomial(due, retention) at ability 1: SE of the pooled rate sqrt(p(1-p)/D).
    d = due.sum()
    se = math.sqrt(RETENTION * (1 - RETENTION) / d)
    assert abs(won.sum() / d - RETENTION) <= Z * se


def test_average_cycle_days_is_mean_days(flat):
    c = flat.components
    deals = c["new_count"] + c["xsell_count"]
    assert np.all(c["cycle_days_sum"][deals == 0] == 0.0)
    k = deals.sum()
    # Given K deals the summed days are Gamma(shape K, mean/shape): the pooled
    # average has SE mean_days / sqrt(shape K).
    se = MEAN_DAYS / math.sqrt(SHAPE * k)
    assert abs(c["cycle_days_sum"].sum() / k - MEAN_DAYS) <= Z * se


def test_csat_mean_is_rep_base(flat):
    cs = flat.components["csat"]
    assert cs.min() >= 0.0 and cs.max() <= 10.0
    per_rep = cs.mean(axis=(0, 2))
    n = cs.shape[0] * cs.shape[2]
    base = population(50).csat_base
    # Each rep: trials x 12 draws of base + month_sd N(0,1); the clip at 10 is
    # > 3 sd away from every base (8 + 3.3 x 0.6), a bias below 1e-4.
    assert np.all(np.abs(per_rep - base) <= Z * MONTH_SD / math.sqrt(n))
    sd = cs.std(axis=(0, 2), ddof=1)
    # Sample sd over 4800 normal draws: SE ~ sd / sqrt(2n).
    assert np.all(np.abs(sd - MONTH_SD) <= Z * MONTH_SD / math.sqrt(2 * n))


def _annual_revenue(oc) -> np.ndarray:
    return (oc.components["new_value"] + oc.components["xsell_value"]).sum(-1)


MU = 12 * (LAM_NEW * NEW_SIZE.mean + LAM_X * XSELL_SIZE.mean)
K2 = 12 * (LAM_NEW * lognormal_moment(NEW_SIZE, 2) + LAM_X * gamma_moment(XSELL_SIZE, 2))


@pytest.fixture(scope="module")
def shocked():
    return run(market(shock_sd=0.3), reps=20, trials=2000, seed=777)


@pytest.fixture(scope="module")
def unshocked():
    return run(market(shock_sd=0.0), reps=20, trials=2000, seed=777)


def _var_with_se(x: np.ndarray) -> tuple[float, float]:
    """Sample variance and its SE from the sample's fourth central moment."""
    c = x - x.mean()
    s2, m4 = c.var(ddof=1), np.mean(c**4)
    return s2, math.sqrt(max(m4 - s2**2, 0.0) / x.size)


def test_shared_shock_moves_every_rep_together(shocked, unshocked):
    sd = 0.3
    v = math.exp(sd**2) - 1  # variance of the mean-one lognormal shock
    reps = 20
    rev = _annual_revenue(shocked)  # (trials, reps)
    t = rev.shape[0]
    # Trial mean over reps: Var = mu^2 v (shared) + k2 / reps (independent part).
    s2, se = _var_with_se(rev.mean(1))
    assert abs(s2 - (MU**2 * v + K2 / reps)) <= Z * se
    s2_0, se_0 = _var_with_se(_annual_revenue(unshocked).mean(1))
    assert abs(s2_0 - K2 / reps) <= Z * se_0
    assert s2 > 3 * s2_0  # ten times, in theory
    # Correlation between two reps' revenue: mu^2 v / (k2 + mu^2 v) = 0.33. A pair's
    # sample correlation has SE <= 1/sqrt(T) (independence: exactly), and the mean
    # over pairs is no noisier than one pair.
    corr = np.corrcoef(rev.T)
    mean_corr = corr[np.triu_indices(reps, 1)].mean()
    rho = MU**2 * v / (K2 + MU**2 * v)
    assert mean_corr > Z / math.sqrt(t)
    assert abs(mean_corr - rho) <= Z / math.sqrt(t)
    corr0 = np.corrcoef(_annual_revenue(unshocked).T)
    assert abs(corr0[np.triu_indices(reps, 1)].mean()) <= Z / math.sqrt(t)


def test_shared_shock_has_mean_one(shocked):
    rev = _annual_revenue(shocked)
    # Var of a trial's rep-average is mu^2 v + k2/reps (previous test).
    v = math.exp(0.3**2) - 1
    se = math.sqrt((MU**2 * v + K2 / rev.shape[1]) / rev.shape[0])
    assert abs(rev.mean() - MU) <= Z * se


@pytest.mark.parametrize(
    ("season", "growth"),
    [
        ((2.0, 1, 1, 1, 1, 0.5, 0.5, 1, 1, 1, 1, 3.0), 0.0),
        ((1.0,) * 12, 0.2),
        ((0.8, 0.9, 1.1, 0.95, 1.0, 1.1, 0.8, 0.75, 1.1, 1.05, 1.15, 1.3), 0.05),
    ],
)
def test_seasonality_and_growth(season, growth):
    oc = run(market(seasonality=season, growth=growth), reps=50, trials=400, seed=99)
    s = np.asarray(season) / np.mean(season)
    factor = s * (1 + growth) ** ((np.arange(12) + 0.5) / 12)
    np.testing.assert_allclose(market(seasonality=season, growth=growth).demand(), factor)
    book = (oc.components["new_value"] + oc.components["xsell_value"]).reshape(-1, 12)
    # Month m: compound Poisson with mean factor_m mu/12 and variance factor_m k2/12.
    se = np.sqrt(factor * K2 / 12 / book.shape[0])
    assert np.all(np.abs(book.mean(0) - factor * MU / 12) <= Z * se)


def test_draws_counter(flat):
    c = flat.components
    trials, reps, months = c["new_value"].shape
    deals = c["new_count"] + c["xsell_count"]
    # At least: one shock per trial, two Poisson counts, csat and discount per
    # rep-month, and one size per deal. At most also a cycle-time gamma (a normal
    # and a uniform) per month with a deal and one renewal uniform per rep-month
    # with renewals due.
    lower = trials + 4 * trials * reps * months + int(deals.sum())
    upper = lower + 2 * int((deals > 0).sum()) + int((c["renewals_due"] > 0).sum())
    assert flat.draws > 0
    assert lower <= flat.draws <= upper


def test_ability_and_potential_scale_deal_flow():
    pop = population(4)
    pop = Population(
        **{
            **pop.__dict__,
            "ability": np.array([1.0, 2.0, 1.0, 1.0]),
            "potential": np.array([1.0, 1.0, 0.5, 1.0]),
        }
    )
    oc = MonteCarloEngine(market(), pop).simulate_blocks(SEED, 0, 8, 400)
    n = oc.components["new_count"].sum(-1)  # (trials, reps)
    # Deal flow scales with ability and with potential relative to the team mean.
    potential_index = np.array([1.0, 1.0, 0.5, 1.0]) / 0.875
    rates = np.array([1.0, 2.0, 1.0, 1.0]) * potential_index * 12 * LAM_NEW
    se = np.sqrt(rates / n.shape[0])
    assert np.all(np.abs(n.mean(0) - rates) <= Z * se)
