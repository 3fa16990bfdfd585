"""The behaviour model against published field evidence (scenarios/evidence/).

Each study's effect is measured on common random numbers (both plans share every
draw) with a paired 95% interval. Asserted: the direction (the whole interval on
the published side of zero) and the magnitude band of the issue for the point
estimate. Seeds are the scenarios' own; 200 simulated years per plan.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim import load_scenario, simulate
from sim.behaviour.evidence import STUDIES, measure
from tests.conftest import ROOT

FOLDER = ROOT / "scenarios" / "evidence"
TRIALS = 200
BY_KEY = {s.key: s for s in STUDIES}


@pytest.fixture(scope="module")
def effects():
    cache = {}

    def get(key: str):
        if key not in cache:
            cache[key] = measure(BY_KEY[key], FOLDER, TRIALS)
        return cache[key]

    return get


def test_every_study_has_its_scenario_with_its_source_written_in_it():
    for s in STUDIES:
        text = (FOLDER / s.scenario).read_text(encoding="utf-8")
        assert text.startswith("#") and s.citation.split(" ")[0] in text, s.key


@pytest.mark.parametrize(
    "key",
    [
        "chung2014",
        "misra_nair2011",
        "oyer1998",
        "give_up",
        "ratchet",
        "larkin2014",
    ],
)
def test_effect_has_the_published_direction_and_lies_in_its_band(effects, key):
    study, e = BY_KEY[key], effects(key)
    lo, hi = study.band
    if lo >= 0:  # a rise: the whole interval above zero
        assert e.low > 0, (key, e)
    if hi <= 0:  # a fall
        assert e.high < 0, (key, e)
    assert lo <= e.value <= hi, (key, e)


def test_removing_over_achievement_pay_costs_most_at_the_top(effects):
    # Chung, Steenburgh & Sudhir 2014: the revenue lost comes mostly from the top
    # quartile of reps by sales potential (ability x territory).
    assert effects("chung2014").extra["top_quartile_share_of_change"] > 0.5


def test_quota_bonus_raises_effort_more_than_it_moves_deals(effects):
    # Steenburgh 2008: the bonus's revenue gain over an equal-cost commission (effort)
    # exceeds the revenue moved across period ends (timing).
    x = effects("oyer1998").extra
    assert x["effort_revenue_gain"] > x["revenue_moved_share"] > 0


def test_every_study_prints_a_published_figure_or_a_direction():
    for s in STUDIES:
        assert s.published and (
            math.isnan(s.published_value) or s.band[0] <= s.published_value <= s.band[1]
        )


def test_timed_deals_are_pulled_in_by_reps_on_the_accelerator(effects):
    # Larkin 2014: reps time deals to the accelerating commission; deals are pulled
    # into the year far more than pushed out of it, and the discounts go with them.
    x = effects("larkin2014").extra
    assert x["revenue_pulled_in_share"] > 10 * x["revenue_pushed_out_share"] > 0
    sc = load_scenario(FOLDER / BY_KEY["larkin2014"].scenario)
    r = simulate(sc, [], trials=100, rep_years=True)
    pulled = np.asarray(r.base.actuals["pulled_in"], dtype=float)
    revenue = np.asarray(r.base.actuals["revenue"], dtype=float)
    quota = r.base.outcome.targets["revenue"][:, 0]
    before = (revenue - pulled) / quota  # attainment without the deals pulled in
    assert pulled[before >= 1.0].sum() > 0.6 * pulled.sum() > 0  # mostly past quota already
    assert pulled[before >= 0.5].sum() > 0.95 * pulled.sum()  # hardly any below the threshold
