"""Calibrate the Monte Carlo engine's market to the pipeline engine or to a CRM export.

Designers run the fast Monte Carlo engine wherever many evaluations are
needed (the optimiser, sweeps) and check against the detailed pipeline. The
fit is by moments, on the scale the Monte Carlo engine uses (per rep-month at
ability 1, territory potential 1, demand 1):

- deal rates: new-account deals won per rep-month over the team's mean of
  ability x potential and the year's mean demand; expansion deals per account
  held and month, likewise;
- deal sizes: log-normal with the mean and coefficient of variation of the
  won amounts of each kind;
- win rate: won / (won + lost) among closed opportunities (the sales-cost model
  reads it); sales-cycle days: gamma with the mean and shape of won deals'
  cycles (ability's effect on speed divided out);
- from pipeline outcomes also retention (renewals won / due, ability's effect
  divided out), the pursuit cost per opportunity, and the satisfaction mean.

An export covers no renewals or satisfaction: those keep the scenario's values.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .distributions import LogNormal
from .market import Market
from .outcomes import Outcomes
from .population import Population
from .scenario import Scenario

__all__ = [
    "Calibration",
    "calibrate_market",
    "calibrate_to_export",
    "calibrate_to_pipeline",
    "compare_engines",
    "extreme_rows",
    "market_overrides",
]


@dataclass(frozen=True)
class Calibration:
    """A calibrated scenario, the table of what moved (parameter, before, after) and
    warnings about what the data could not say."""

    scenario: Scenario
    table: pd.DataFrame
    warnings: tuple[str, ...] = ()


def _lognormal(amounts: pd.Series, fallback) -> LogNormal:
    a = amounts.to_numpy(dtype=float)
    if a.size < 2 or a.mean() <= 0:
        return fallback
    return LogNormal(mean=float(a.mean()), cv=float(a.std(ddof=1) / a.mean()))


def _mean_demand(market: Market, months: int = 12) -> float:
    d = market.demand(months)
    for sh in market.shifts:
        d = d * np.where(np.arange(months) >= sh.month - 1, sh.factor, 1.0)
    return float(d.mean())


def calibrate_market(
    scenario: Scenario,
    opportunities: pd.DataFrame,
    population: Population,
    rep_months: float,
    outcomes: Outcomes | None = None,
) -> Calibration:
    """Fit the scenario's market to ``opportunities`` (the normalised export table)
    observed over ``rep_months`` of selling; with pipeline ``outcomes``, also
    retention, pursuit cost and satisfaction. Returns the calibrated scenario."""
    mk = scenario.market
    pop = population
    if rep_months <= 0:
        raise ValueError("rep_months must be > 0")
    demand = _mean_demand(mk)
    won = opportunities[opportunities["status"] == "won"]
    closed = opportunities[opportunities["status"] != "open"]
    new, xs = won[won["kind"] == "new"], won[won["kind"] == "expansion"]
    scale_new = float(np.mean(pop.ability * pop.potential_index)) * demand
    scale_x = float(np.mean(pop.accounts * pop.ability)) * demand
    data = mk.model_dump(by_alias=True)
    before = {
        "new deals per rep-month": mk.new_business.deals_per_month,
        "new deal size mean": mk.new_business.deal_size.mean,
        "cross-sell deals per account-month": mk.cross_sell.deals_per_account_month,
        "cross-sell deal size mean": mk.cross_sell.deal_size.mean,
        "win rate": mk.sales_cost.win_rate,
        "cycle mean days": mk.cycle.mean_days,
        "cycle shape": mk.cycle.shape,
        "retention": mk.renewal.retention,
        "cost per opportunity": mk.sales_cost.per_opportunity,
        "satisfaction mean": mk.satisfaction.mean,
    }
    if len(new):
        data["new_business"]["deals_per_month"] = len(new) / rep_months / scale_new
        data["new_business"]["deal_size"] = _lognormal(
            new["amount"], mk.new_business.deal_size
        ).model_dump(by_alias=True)
    if len(xs) and scale_x > 0:
        data["cross_sell"]["deals_per_account_month"] = len(xs) / rep_months / scale_x
        data["cross_sell"]["deal_size"] = _lognormal(
            xs["amount"], mk.cross_sell.deal_size
        ).model_dump(by_alias=True)
    if len(closed):
        data["sales_cost"]["win_rate"] = max(len(won) / len(closed), 1e-6)
    cyc = won["cycle_days"].to_numpy(dtype=float)
    if cyc.size >= 2 and cyc.mean() > 0:
        # Abler reps close faster (mean x ability ** -effect); divide it out, weighting
        # reps by their share of deals (ability x potential).
        w = pop.ability * pop.potential_index
        speed = float(np.sum(w * pop.ability ** (-mk.cycle.ability_effect)) / w.sum())
        data["cycle"]["mean_days"] = float(cyc.mean()) / speed
        data["cycle"]["shape"] = float(cyc.mean() ** 2 / max(cyc.var(ddof=1), 1e-9))
    if outcomes is not None:
        c = outcomes.components
        due, kept = float(c["renewals_due"].sum()), float(c["renewals_won"].sum())
        if due > 0:
            # Each account's chance is retention + ability_effect x log(ability).
            accounts = pop.renewals_due.sum(1)
            lift = mk.renewal.ability_effect * np.log(pop.ability)
            shift = float(np.sum(accounts * lift) / max(accounts.sum(), 1))
            data["renewal"]["retention"] = float(np.clip(kept / due - shift, 0.0, 1.0))
        deals = float((c["new_count"] + c["xsell_count"]).sum())
        months = c["sales_cost"].size
        if deals > 0:
            pursuit = float(c["sales_cost"].sum()) / months - mk.sales_cost.fixed_per_month
            data["sales_cost"]["per_opportunity"] = max(
                pursuit * data["sales_cost"]["win_rate"] / (deals / months), 0.0
            )
        shift = float(c["csat"].mean() - pop.csat_base.mean())
        data["satisfaction"]["mean"] = float(np.clip(mk.satisfaction.mean + shift, 0.0, 10.0))
    market = Market.model_validate(data)
    after = {
        "new deals per rep-month": market.new_business.deals_per_month,
        "new deal size mean": market.new_business.deal_size.mean,
        "cross-sell deals per account-month": market.cross_sell.deals_per_account_month,
        "cross-sell deal size mean": market.cross_sell.deal_size.mean,
        "win rate": market.sales_cost.win_rate,
        "cycle mean days": market.cycle.mean_days,
        "cycle shape": market.cycle.shape,
        "retention": market.renewal.retention,
        "cost per opportunity": market.sales_cost.per_opportunity,
        "satisfaction mean": market.satisfaction.mean,
    }
    table = pd.DataFrame({"before": before, "after": after})
    table.index.name = "parameter"
    return Calibration(scenario.model_copy(update={"market": market}), table)


def calibrate_to_pipeline(
    scenario: Scenario,
    replications: int = 200,
    seed: int | None = None,
    workers: int | None = None,
    first: int = 0,
) -> Calibration:
    """Simulate the scenario's pipeline and fit the Monte Carlo market to it.

    The team is the scenario's own (``make_population``); ``seed`` draws the
    replications, and ``first`` offsets them, so a
    check can run on replications the fit never saw. Deals won and opportunities closed inside the plan year count; the fit reads
    the same export-shaped table a CRM would give.
    """
    from .opportunities import ledger_to_opportunities
    from .pipeline import PipelineEngine, run_replications
    from .run import make_population

    seed = scenario.simulation.seed if seed is None else seed
    pop = make_population(scenario)
    engine = PipelineEngine(scenario.market, pop, scenario.pipeline)
    run = run_replications(engine, seed, replications, workers=workers, ledger=True, first=first)
    ledger = run.ledger
    year = engine.months * 365.25 / 12
    in_year = ledger["closed"].between(0, year, inclusive="left")
    names = [s.name for s in scenario.pipeline.stages]
    table = ledger_to_opportunities(ledger[in_year], pop, stages=names)
    return calibrate_market(
        scenario, table, pop, replications * pop.size * engine.months, run.outcomes
    )


def calibrate_to_export(
    scenario: Scenario,
    opportunities: pd.DataFrame,
    months: float | None = None,
    seed: int | None = None,
) -> Calibration:
    """Fit the Monte Carlo market to a CRM export (see :mod:`sim.opportunities`).

    The exposure is the export's owners times ``months`` (default: the calendar
    months its close dates fall in, first to last — an export of whole months); rates are scaled by the scenario's
    team (ability, potential, accounts).
    """
    from .run import make_population

    pop = make_population(scenario)
    cal = _fit_export(scenario, opportunities, pop, months)
    warnings = (
        *_inferred_kind_effect(opportunities, cal.table),
        *_influence(scenario, opportunities, pop, months, cal.table),
    )
    return dataclasses.replace(cal, warnings=warnings)


def _fit_export(
    scenario: Scenario, opportunities: pd.DataFrame, pop: Population, months: float | None
) -> Calibration:
    from .opportunities import exposure_months

    if months is None:  # the calendar months the close dates fall in, first to last
        months = exposure_months(opportunities)
    owners = opportunities["owner"].nunique()
    return calibrate_market(scenario, opportunities, pop, owners * months)


#: A fit moved more than this factor by a handful of rows says so.
INFLUENCE_FACTOR = 10.0


def extreme_rows(opportunities: pd.DataFrame) -> dict[str, pd.Index]:
    """The handfuls of rows most able to move a fit, by what makes them extreme: the
    largest won amounts, the longest won cycles, the earliest and latest close dates
    and the earliest created dates, ``k`` of each (1 per 200 rows, 1 to 5)."""
    k = max(1, min(5, len(opportunities) // 200))
    won = opportunities[opportunities["status"] == "won"]
    closed = opportunities[opportunities["closed"].notna()]
    return {
        "largest won amounts": won["amount"].nlargest(k).index,
        "longest won cycles": won["cycle_days"].nlargest(k).index,
        "earliest close dates": closed["closed"].nsmallest(k).index,
        "latest close dates": closed["closed"].nlargest(k).index,
        "earliest created dates": opportunities["created"].nsmallest(k).index,
    }


def _influence(
    scenario: Scenario,
    opportunities: pd.DataFrame,
    pop: Population,
    months: float | None,
    table: pd.DataFrame,
) -> tuple[str, ...]:
    """A warning for each handful of :func:`extreme_rows` whose leaving out moves a
    fitted parameter by more than :data:`INFLUENCE_FACTOR`: the fit rests on them."""
    out = []
    for what, rows in extreme_rows(opportunities).items():
        rest = opportunities.drop(index=rows)
        if len(rows) == 0 or not (rest["status"] == "won").any():
            continue
        robust = _fit_export(scenario, rest, pop, months).table["after"]
        moved = []
        for name, full in table["after"].items():
            other = float(robust[name])
            if full > 0 and other > 0 and max(full / other, other / full) > INFLUENCE_FACTOR:
                moved.append(f"{name} {full:.3g}, without them {other:.3g}")
        if moved:
            labels = opportunities.loc[rows, "row"] if "row" in opportunities else rows
            out.append(
                f"the {len(rows)} {what} (row {', '.join(str(int(x)) for x in sorted(labels))}) "
                f"move the fit more than {INFLUENCE_FACTOR:g}x: {'; '.join(moved)}. Check "
                "those rows; a placeholder date or an amount in the wrong unit?"
            )
    return tuple(out)


def _inferred_kind_effect(opportunities: pd.DataFrame, table: pd.DataFrame) -> tuple[str, ...]:
    """How far the fitted deal rates moved from the scenario's market when the kind of
    won deals was inferred from account history (which counts expansion into accounts
    won before the export began as new)."""
    if "kind_inferred" not in opportunities:
        return ()
    won = opportunities["status"] == "won"
    n = int((opportunities["kind_inferred"] & won).sum())
    if n == 0:
        return ()
    parts = []
    for label, key in (
        ("new-deal rate", "new deals per rep-month"),
        ("new-deal size", "new deal size mean"),
        ("cross-sell rate", "cross-sell deals per account-month"),
    ):
        before, after = table.loc[key, "before"], table.loc[key, "after"]
        if before > 0 and after > 0 and after != before:
            ratio = after / before
            parts.append(
                f"{label} {ratio:.2g}x higher" if ratio >= 1 else f"{label} {1 / ratio:.2g}x lower"
            )
    return (
        f"the kind of {n} won deals was inferred from account history; against the "
        f"scenario's market the fit moved: {', '.join(parts)}. Inference counts expansion "
        "into accounts won before the export began as new deals, which raises the new-deal "
        "rate and lowers the cross-sell rate; map the export's type column "
        "([opportunities] columns.kind) to fit on the real split.",
    )


def market_overrides(scenario: Scenario, calibrated: Scenario) -> dict:
    """The ``[market]`` keys a calibration changed, as a scenario file lists them."""
    before = scenario.market.model_dump(mode="json", by_alias=True)
    after = calibrated.market.model_dump(mode="json", by_alias=True)
    out = {}
    for key, table in after.items():
        if table == before.get(key):
            continue
        if isinstance(table, dict):
            out[key] = {k: v for k, v in table.items() if v != before[key].get(k)}
        else:
            out[key] = table
    return out


def compare_engines(
    calibrated: Scenario,
    scenario: Scenario,
    trials: int = 200,
    seed: int | None = None,
    fast_trials: int | None = None,
) -> pd.DataFrame:
    """The calibrated Monte Carlo engine against the pipeline engine, base plan, same
    team: mean revenue and incentive cost, and for the plan's first measure the
    attainment P10/P50/P90 and share of reps at target. Columns: montecarlo,
    pipeline and their relative difference."""
    from . import metrics
    from .run import simulate

    seed = scenario.simulation.seed if seed is None else seed
    fast = simulate(calibrated, [], trials=fast_trials or 10 * trials, seed=seed)
    slow = simulate(scenario, [], trials=trials, seed=seed, engine="pipeline")
    measure = scenario.plan.measures[0].id
    rows = {}
    for name, result in (("montecarlo", fast), ("pipeline", slow)):
        summary = metrics.summary_table(result).iloc[0]
        m = metrics.measure_metrics(result.base).loc[measure]
        rows[name] = {
            "revenue (mean)": summary["revenue_expected"],
            "incentive cost (mean)": summary["incentive_cost_expected"],
            f"{measure} attainment P10": m["attainment_p10"],
            f"{measure} attainment P50": m["attainment_p50"],
            f"{measure} attainment P90": m["attainment_p90"],
            f"{measure} share at target": m["share_at_target"],
        }
    table = pd.DataFrame(rows)
    table["difference"] = table["montecarlo"] / table["pipeline"] - 1.0
    table.index.name = "figure"
    return table
