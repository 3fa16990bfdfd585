"""The review credits actuals over the deal teams they record: who worked whose deals,
in which role, paid by the plan's [plan.credit] rules; bad credit rows are clear errors."""

from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planlab.cli import main
from sim import load_scenario
from sim.actuals import ActualsError, load_actuals
from sim.actuals.observed import observed_outcomes
from sim.crediting import credit_by_month
from sim.payout import plan_targets
from sim.review.checkin import check_in
from sim.review.credits import read_credits
from sim.review.prepare import prepare_review
from sim.review.reality import actual_variant
from sim.run import make_population
from tests.conftest import ROOT

KEY_ACCOUNTS = ROOT / "scenarios" / "key_account_teams.toml"
MONTHS = [f"2026-{m:02d}" for m in range(1, 13)]


def _write(tmp_path, credits: str | None, months: int = 12) -> object:
    """The key-account teams with ``months`` of actuals (account managers book 30,000 +
    1,000 × rep number a month; overlays book nothing) and, if given, a credit file."""
    rows = []
    for i in range(1, 41):
        value = 30_000 + 1_000 * i if i <= 32 or i in (35, 36) else 0.0
        for m in MONTHS[:months]:
            rows.append({"rep": f"Rep {i:02d}", "period": m, "new_value": value, "new_count": 1})
    pd.DataFrame(rows).to_csv(tmp_path / "actuals.csv", index=False)
    extra = ""
    if credits is not None:
        (tmp_path / "credits.csv").write_text(credits, encoding="utf-8")
        extra = 'credits = "credits.csv"\n'
    path = tmp_path / "teams.toml"
    path.write_text(
        f'extends = "{KEY_ACCOUNTS.as_posix()}"\n[actuals]\nsource = "actuals.csv"\n{extra}',
        encoding="utf-8",
    )
    return path


def _review(path):
    scenario = load_scenario(path)
    return prepare_review(scenario, load_actuals(scenario))


def test_the_review_credits_the_recorded_deal_teams(tmp_path):
    """Rep 37 (solutions, North) worked Rep 01's deals in March only: the split gives
    them 25% of Rep 01's March bookings, and Rep 01 keeps the 75% no one else took.
    Pay and attainment read those credited values."""
    review = _review(_write(tmp_path, "period,seller,rep,role\n2026-03,Rep 01,Rep 37,solutions\n"))
    assert review.deal_teams is not None
    _, computed = actual_variant(review)
    targets = plan_targets(review.calibrated.plan, review.population)["revenue"].sum(1)
    credited = computed.attainment["revenue"][0].astype(float) * targets
    booked = 31_000.0
    assert credited[36] == pytest.approx(0.25 * booked, rel=1e-5)  # Rep 37
    assert credited[0] == pytest.approx(11 * booked + 0.75 * booked, rel=1e-5)  # Rep 01
    assert credited[37] == 0.0  # Rep 38 (solutions, South) worked no deal
    # Without a credit file, the declared account teams are credited as in a simulation.
    (tmp_path / "declared").mkdir()
    _, declared = actual_variant(_review(_write(tmp_path / "declared", None)))
    assert declared.attainment["revenue"][0, 36] > computed.attainment["revenue"][0, 36]


@settings(max_examples=25, deadline=None)
@given(
    worked=st.lists(
        st.tuples(
            st.integers(0, 11), st.integers(0, 31), st.sampled_from([32, 33, 36, 37, 38, 39])
        ),
        max_size=30,
    )
)
def test_a_full_split_credits_every_recorded_deal_once(worked):
    """The example's splits add to 100%: whatever the recorded deal teams, credited
    revenue adds up to booked revenue, month by month."""
    scenario = load_scenario(KEY_ACCOUNTS)
    pop = make_population(scenario)
    rng = np.random.default_rng(5)
    values = rng.uniform(0, 1e5, (40, 12))
    values[~pop.account_teams.originates] = 0.0

    year = SimpleNamespace(
        observed=np.ones((40, 12), bool),
        values={"new_value": values, "new_count": np.ones((40, 12))},
    )
    oc = observed_outcomes(year)
    members = [{} for _ in range(12)]
    for m, seller, rep in worked:
        members[m].setdefault(seller, []).append(rep)
    credited = credit_by_month(oc, scenario.plan, pop, members)
    np.testing.assert_allclose(
        credited.components["new_value"].sum(1), oc.components["new_value"].sum(1), rtol=1e-9
    )


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            "2026-03,Rep 1,Rep 37,solutions",
            "row 2: seller 'Rep 1' is not a rep of the team; did you mean",
        ),
        ("2026-03,Rep 01,Rep 99,solutions", "row 2: rep 'Rep 99' is not a rep of the team"),
        ("2026-03,Rep 01,Rep 37,solution", "row 2: role 'solution' is not a role of the team"),
        (
            "2026-03,Rep 01,Rep 33,solutions",
            "row 2: rep 'Rep 33' holds role 'industry', not 'solutions'",
        ),
        (
            "2026-03,Rep 37,Rep 38,solutions",
            "row 2: seller 'Rep 37' (solutions) originates no deals",
        ),
        ("March,Rep 01,Rep 37,solutions", "row 2: period 'March' is not a month"),
    ],
)
def test_bad_credit_rows_are_clear_errors(tmp_path, rows, message):
    path = _write(tmp_path, f"period,seller,rep,role\n{rows}\n")
    with pytest.raises(ActualsError, match=re.escape(f"credits.csv: {message}")):
        _review(path)


def test_a_credit_file_without_its_columns_is_named(tmp_path):
    pop = make_population(load_scenario(KEY_ACCOUNTS))
    bad = tmp_path / "c.csv"
    bad.write_text("month,seller,rep,role\n", encoding="utf-8")
    with pytest.raises(ActualsError, match=r"c\.csv: no 'period' column"):
        read_credits(bad, pop)


def test_the_review_command_stops_on_a_bad_credit_row(tmp_path, capsys):
    path = _write(tmp_path, "period,seller,rep,role\n2026-03,Rep 01,Rep 99,industry\n")
    out = tmp_path / "out"
    code = main(["review", str(path), "--out", str(out), "--no-history", "--trials", "50"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "credits.csv: row 2: rep 'Rep 99' is not a rep of the team" in err
    assert "Traceback" not in err and not out.exists()


def _to_date(reps: pd.DataFrame, months: int) -> pd.Series:
    """Revenue credited to date per rep: attainment to date times the target to date
    (the target is spread evenly over the year's months)."""
    return reps["attainment_to_date_revenue"] * reps["target_revenue"] * months / 12


def test_the_checkin_credits_the_recorded_deal_teams(tmp_path):
    """Six months observed; Rep 37 (solutions, North) worked Rep 01's deals in March
    only: attainment to date credits them 25% of Rep 01's March bookings, and Rep 01
    keeps the rest. Without the file, Rep 37 is credited on all of North's deals."""
    path = _write(tmp_path, "period,seller,rep,role\n2026-03,Rep 01,Rep 37,solutions\n", 6)
    scenario = load_scenario(path)
    got = check_in(scenario, load_actuals(scenario), trials=40)
    to_date = _to_date(got.reps, 6)
    booked = 31_000.0
    assert to_date["Rep 37"] == pytest.approx(0.25 * booked, rel=1e-5)
    assert to_date["Rep 01"] == pytest.approx(5.75 * booked, rel=1e-5)
    assert to_date["Rep 38"] == 0.0  # solutions, South: worked no deal
    assert any("credits.csv" in a for a in got.assumptions)
    (tmp_path / "declared").mkdir()
    plain = load_scenario(_write(tmp_path / "declared", None, 6))
    declared = check_in(plain, load_actuals(plain), trials=40)
    assert _to_date(declared.reps, 6)["Rep 37"] > 10 * to_date["Rep 37"]
    # The rest of the year is credited over the account teams: Rep 37 expects more pay
    # than March's credit alone would give, and less than with every month declared.
    pay = got.reps["payout_expected"]
    assert 0 < pay["Rep 37"] < declared.reps["payout_expected"]["Rep 37"]


def test_the_checkin_command_reads_the_credit_file(tmp_path, capsys):
    path = _write(tmp_path, "period,seller,rep,role\n2026-03,Rep 01,Rep 37,solutions\n", 6)
    out = tmp_path / "out"
    args = ["checkin", str(path), "--out", str(out), "--no-history", "--trials", "40"]
    code = main(args)
    err = capsys.readouterr().err
    assert code == 0, err
    reps = pd.read_csv(out / "reps.csv").set_index("rep")
    assert _to_date(reps, 6)["Rep 37"] == pytest.approx(0.25 * 31_000.0, rel=1e-4)
    bad = tmp_path / "bad"
    bad.mkdir()
    path = _write(bad, "period,seller,rep,role\n2026-03,Rep 37,Rep 01,solutions\n", 6)
    code = main(["checkin", str(path), "--out", str(bad / "out"), "--no-history", "--trials", "40"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "credits.csv: row 2:" in err
    assert "Traceback" not in err and not (bad / "out").exists()
