"""Example actuals made by the simulator from a known "true" model.

The true model differs from what the scenario assumes (fewer but larger new
deals, a stronger year-end, reps who play the quarterly plan with
deadline pushes and deal timing), so a review has something to find; its
parameters are written to a ground-truth file so that calibration can be
checked against them. A few messy rows (an unknown rep, a duplicate, a
negative amount, a word where a number belongs) exercise the validation.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from sim import load_scenario, simulate
from sim.distributions import LogNormal
from sim.market import Shift
from sim.outcomes import Outcomes
from sim.payout import evaluate_plan, period_payouts
from sim.population import TeamSpec
from sim.scenario import Scenario
from sim.streams import generator

__all__ = ["COLUMNS", "TRUTH", "generate", "write_example"]

#: The company's column names, mapped in the example scenario's [actuals.columns].
COLUMNS = {
    "rep": "Account Manager",
    "period": "Month",
    "team": "Region",
    "new_value": "New logo bookings",
    "new_count": "New logos",
    "xsell_value": "Expansion bookings",
    "xsell_count": "Expansion deals",
    "target_revenue": "Quota",
    "csat": "CSAT",
    "payout": "Commission paid",
}

#: The true market and team behind the example (the scenario assumes otherwise).
TRUTH = {
    "ability_cv": 0.3,
    "new_deals_per_month": 0.22,
    "new_deal_size_mean": 200_000.0,
    "new_deal_size_cv": 1.1,
    "xsell_deals_per_account_month": 0.03,
    "xsell_deal_size_mean": 60_000.0,
    "xsell_deal_size_cv": 0.8,
    "growth": 0.06,
    "seasonality": [0.8, 0.85, 1.15, 0.9, 0.95, 1.2, 0.75, 0.7, 1.15, 1.0, 1.1, 1.45],
    "shock_sd": 0.05,
    "timing_gamers": 0.1,  # share of reps who pull next quarter's first-month deals forward
    "timing_pull": 0.6,  # share of those deals they pull into the quarter's last month
    "region_shock": {"team": "West", "from_month": 4, "factor": 0.7},
}

_FIRST = ["Ana", "Ben", "Chen", "Dara", "Elif", "Femi", "Gita", "Hugo", "Ines", "Jon"]
_LAST = ["Souza", "Okafor", "Wei", "Novak", "Yilmaz", "Adeyemi", "Rao", "Lemaire", "Costa", "Berg"]


def _names(n: int) -> list[str]:
    out = [f"{_FIRST[i % 10]} {_LAST[(i // 10 + 3 * i) % 10]}" for i in range(n)]
    return [f"{x} {i // 100 + 1}" if i >= 100 else x for i, x in enumerate(out)]


def true_scenario(scenario: Scenario, reps: int, seed: int) -> tuple[Scenario, pd.DataFrame]:
    """The true model: the scenario's plan and team layout, the true market, rep abilities
    drawn with the true spread, and a few reps who play timing games (see :func:`_pull_forward`)."""
    rng = generator(seed, 7)
    teams = scenario.team.teams
    names = _names(reps)
    if len(set(names)) < reps:
        names = [f"{x} ({i})" for i, x in enumerate(names)]
    roster = pd.DataFrame(
        {
            "name": names,
            "team": [teams[i % len(teams)] for i in range(reps)],
            "potential": np.round(LogNormal(mean=1.0, cv=0.35).sample(rng, reps), 3),
            "tenure_years": np.round(rng.gamma(16 / 9, 9 / 4, reps), 1),
            "accounts": np.rint(np.clip(rng.normal(10, 3, reps), 2, None)),
        }
    )
    ability = LogNormal(mean=1.0, cv=TRUTH["ability_cv"]).sample(rng, reps)
    revenue = scenario.plan.measure("revenue")
    # Targets set from potential, as the scenario's plan does, rounded to 10,000.
    roster["target_revenue"] = np.round(
        revenue.target * roster["potential"] / roster["potential"].mean(), -4
    )
    t = TRUTH
    market = scenario.market.model_copy(
        update={
            "growth": t["growth"],
            "seasonality": tuple(t["seasonality"]),
            "shock_sd": t["shock_sd"],
            "new_business": scenario.market.new_business.model_copy(
                update={
                    "deals_per_month": t["new_deals_per_month"],
                    "deal_size": LogNormal(mean=t["new_deal_size_mean"], cv=t["new_deal_size_cv"]),
                }
            ),
        }
    )
    members = [
        {**{k: (v if isinstance(v, str) else float(v)) for k, v in row.items()}, "ability": a}
        for row, a in zip(roster.to_dict("records"), ability.tolist(), strict=True)
    ]
    plan = scenario.plan.model_copy(
        update={
            "measures": tuple(
                m.model_copy(update={"target_basis": "roster"}) if m.name == "revenue" else m
                for m in scenario.plan.measures
            )
        }
    )
    true = scenario.model_copy(
        update={
            "team": TeamSpec(members=tuple(members), teams=teams),
            "market": market,
            "plan": plan,
            "variants": {},
        }
    )
    roster["true_ability"] = ability
    roster["timing_gamer"] = rng.random(reps) < t["timing_gamers"]
    return true, roster


def _pull_forward(comps: dict, gamers: np.ndarray, rng: np.random.Generator) -> dict:
    """Timing games of the true model: the gamers close a share of the deals of a
    quarter's first month in the previous quarter's last month (within the year)."""
    comps = {k: np.array(v, dtype=float) for k, v in comps.items()}
    share = TRUTH["timing_pull"]
    for first in (3, 6, 9):
        for kind in ("new", "xsell"):
            n = comps[f"{kind}_count"][0, gamers, first]
            k = rng.binomial(n.astype(np.int64), share)
            frac = np.divide(k, n, out=np.zeros_like(n), where=n > 0)
            for c, moved in ((f"{kind}_count", k), (f"{kind}_value", None)):
                amount = moved if moved is not None else comps[c][0, gamers, first] * frac
                comps[c][0, gamers, first] -= amount
                comps[c][0, gamers, first - 1] += amount
    return comps


def _year(true: Scenario, index: int, seed: int, target_scale: float, shift: Shift | None, gamers):
    """One plan year of the true model: outcomes, period payouts and true-up (one trial)."""
    grown = Shift(name="growth", month=1, factor=(1 + TRUTH["growth"]) ** index)
    shifts = (grown,) + ((shift,) if shift else ())
    members = tuple(
        {**m, "target_revenue": m["target_revenue"] * target_scale} for m in true.team.members
    )
    sc = true.model_copy(
        update={
            "market": true.market.model_copy(update={"shifts": shifts}),
            "team": true.team.model_copy(update={"members": members}),
        }
    )
    res = simulate(sc, [], trials=1, seed=seed, keep_outcomes=True, workers=1)
    comps = _pull_forward(res.outcomes.components, gamers, generator(seed, 8))
    for c in ("new_value", "xsell_value", "csat"):  # as the export writes them
        comps[c] = np.round(comps[c], 2)
    outcomes = Outcomes(comps)
    pay = period_payouts(sc.plan, outcomes, res.population)[0]  # (reps, periods)
    true_up = evaluate_plan(sc.plan, outcomes, res.population).true_up[0]
    return comps, pay, true_up, res.population


def generate(
    scenario: Scenario,
    reps: int = 120,
    years: int = 2,
    partial_months: int = 6,
    first_year: int = 2025,
    seed: int = 2027,
    messy: bool = True,
) -> tuple[pd.DataFrame, dict]:
    """Monthly actuals for ``years`` plan years plus ``partial_months`` of the next,
    in the company's column names (:data:`COLUMNS`), and the ground truth."""
    true, roster = true_scenario(scenario, reps, seed)
    gamers = roster["timing_gamer"].to_numpy()
    frames = []
    spec = TRUTH["region_shock"]
    for y in range(years + (1 if partial_months else 0)):
        scale = (1 + TRUTH["growth"]) ** (y - (years - 1))
        comps, pay, true_up, pop = _year(true, y, seed * 100 + y, scale, None, gamers)
        last = y == years
        if last:  # the year in progress: a shock hits one region from a stated month
            shock = Shift(name="region", month=spec["from_month"], factor=spec["factor"])
            comps_r, pay_r, _, _ = _year(true, y, seed * 100 + y, scale, shock, gamers)
            west = pop.team == spec["team"]
            comps = {k: np.where(west[None, :, None], comps_r[k], v) for k, v in comps.items()}
            pay = np.where(west[:, None], pay_r, pay)
        months = partial_months if last else 12
        paid = np.zeros((pop.size, 12))
        per = 12 // pay.shape[1]
        paid[:, per - 1 :: per] = pay
        paid[:, 11] += true_up
        target = np.repeat(pop.targets["revenue"][:, None] / 12.0, 12, axis=1)
        for m in range(months):
            frames.append(
                pd.DataFrame(
                    {
                        COLUMNS["rep"]: pop.name,
                        COLUMNS["period"]: f"{first_year + y}-{m + 1:02d}",
                        COLUMNS["team"]: pop.team,
                        COLUMNS["new_value"]: np.round(comps["new_value"][0, :, m], 2),
                        COLUMNS["new_count"]: comps["new_count"][0, :, m].astype(int),
                        COLUMNS["xsell_value"]: np.round(comps["xsell_value"][0, :, m], 2),
                        COLUMNS["xsell_count"]: comps["xsell_count"][0, :, m].astype(int),
                        COLUMNS["csat"]: np.round(comps["csat"][0, :, m], 2),
                        COLUMNS["target_revenue"]: np.round(target[:, m], 2),
                        COLUMNS["payout"]: np.round(paid[:, m], 2),
                    }
                )
            )
    df = pd.concat(frames, ignore_index=True).astype(object)
    messy_rows = []
    if messy:
        df, messy_rows = _mess(df)
    truth = {
        **TRUTH,
        "reps": reps,
        "years": [f"FY{first_year + y}" for y in range(years)],
        "partial_year": f"FY{first_year + years}" if partial_months else None,
        "partial_months": partial_months,
        "seed": seed,
        "timing_gamers_named": roster.loc[gamers, "name"].tolist(),
        "true_ability": dict(zip(roster["name"], np.round(roster["true_ability"], 6), strict=True)),
        "messy_rows": messy_rows,
    }
    return df, truth


def _mess(df: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    """A few rows as real exports have them; each is listed in the ground truth."""
    c = COLUMNS
    df = df.copy()
    notes = []
    i = 5  # a credit note entered as a negative booking
    df.loc[i, c["new_value"]] = -12_500.0
    notes.append({"line": i + 2, "column": c["new_value"], "problem": "negative amount"})
    j = 17  # a count typed as a word
    df.loc[j, c["new_count"]] = "two"
    notes.append({"line": j + 2, "column": c["new_count"], "problem": "not a number"})
    dup = df.iloc[[40]].copy()  # a row exported twice
    typo = df.iloc[[41]].copy()
    typo[c["rep"]] = str(typo[c["rep"]].iloc[0]).replace("a", "e", 1) + "x"  # unknown rep
    df = pd.concat([df, dup, typo], ignore_index=True)
    notes.append({"line": len(df), "column": "", "problem": "duplicate rep-month"})
    notes.append({"line": len(df) + 1, "column": c["rep"], "problem": "unknown rep"})
    return df, notes


def write_example(folder: Path, scenario_file: Path, reps: int = 120, **kw) -> dict[str, Path]:
    """Write the team roster, the actuals CSV and the ground truth JSON into ``folder``."""
    scenario = load_scenario(scenario_file)
    df, truth = generate(scenario, reps=reps, **kw)
    true, roster = true_scenario(scenario, reps, truth["seed"])
    folder.mkdir(parents=True, exist_ok=True)
    paths = {
        "roster": folder / "review_team.csv",
        "actuals": folder / "review_actuals.csv",
        "truth": folder / "review_truth.json",
    }
    roster.drop(columns=["true_ability", "timing_gamer"]).to_csv(paths["roster"], index=False)
    df.to_csv(paths["actuals"], index=False)
    paths["truth"].write_text(json.dumps(truth, indent=2) + "\n", encoding="utf-8")
    return paths
