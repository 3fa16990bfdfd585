"""What the plan really did: the design's expectations beside last year's actuals.

The reviewed year's actuals are paid by the plan's own math (the same
:func:`sim.payout.evaluate_plan` the simulator uses) and read by the same
:mod:`sim.metrics` functions as a simulated year, so "designed" and "actual"
mean the same thing in every row. Where the actuals say what was paid, the
actual cost is what was paid, and the gap to the plan's rules is a row of its own.
"""

from __future__ import annotations

import dataclasses
from functools import partial

import numpy as np
import pandas as pd
from scipy.stats import binomtest

from .. import metrics as M
from ..actuals.observed import missing_measures, observed_outcomes
from ..behaviour.flows import expected_flows
from ..crediting import credit_by_month
from ..money import money_text
from ..payout import PlanOutcome, evaluate_plan
from ..run import PROGRESS_BINS, SimulationResult, VariantResult
from ..summary import summarise
from .fit import Fit
from .prepare import Review

__all__ = [
    "WINDFALL_QUANTILE",
    "actual_variant",
    "design_vs_reality",
    "fairness_table",
    "market_vs_design",
    "rep_review",
    "timing_table",
]

#: A payout above this quantile of what the rep's calibrated productivity gives is a windfall.
WINDFALL_QUANTILE = 0.95
#: z-score of a rep's share of deals in quarter-end months above which timing is flagged
#: (one-sided 1%: about one rep in a hundred is flagged by chance).
TIMING_Z = 2.33
#: Width of the bands just below and just above target compared for bunching.
BUNCH_BAND = 0.05


def actual_variant(review: Review) -> tuple[VariantResult, PlanOutcome]:
    """Last year as a one-trial :class:`VariantResult` (cost = what was paid, when known)
    and the plan's own payout of the same actuals."""
    year, plan, pop = review.year, review.calibrated.plan, review.population
    oc = observed_outcomes(year)
    paid_on = oc
    if review.deal_teams is not None:  # credited over the deal teams the actuals record
        paid_on = credit_by_month(oc, plan, pop, review.deal_teams)
    computed = evaluate_plan(plan, paid_on, pop)
    f32 = np.float32
    total = year.values["payout"].sum(1)[None] if "payout" in year.values else computed.total
    outcome = dataclasses.replace(computed, total=np.asarray(total, dtype=f32))
    bookings = year.revenue
    actuals = {
        "revenue": bookings.sum(1)[None].astype(f32),
        "gross_margin": oc.measure("gross_margin", 1)[..., 0].astype(f32),
    }
    v = VariantResult(
        name="actual",
        plan=plan,
        outcome=outcome,
        actuals=actuals,
        bookings_by_month=bookings.sum(0)[None],
        rep_bookings_by_month=bookings,
        effort_by_progress=np.zeros((1, 2, 3, len(PROGRESS_BINS))),
        summary=summarise(plan, outcome, actuals, pop),
    )
    return v, computed


def _pct(x: float) -> str:
    return f"{x:.0%}"


def _row(metric: str, designed, actual, finding: str) -> dict:
    return {"metric": metric, "designed": designed, "actual": actual, "finding": finding}


def _at_target(m_id: str, designed: float, actual: float) -> str:
    gap = actual - designed
    if abs(gap) < 0.08:
        return f"{_pct(actual)} of reps reached their {m_id} target, close to the {_pct(designed)} designed."
    if gap < 0:
        return (
            f"Only {_pct(actual)} of reps reached their {m_id} target against {_pct(designed)} "
            "designed: targets were harder than the plan assumed."
        )
    return (
        f"{_pct(actual)} of reps reached their {m_id} target against {_pct(designed)} designed: "
        "targets were easier than the plan assumed."
    )


def design_vs_reality(
    review: Review, design: SimulationResult, fit: Fit, actual: VariantResult, computed: PlanOutcome
) -> pd.DataFrame:
    """One row per question leadership asks of last year: designed, actual, and a finding."""
    money = partial(money_text, currency=review.scenario.currency)
    d, a = design.base, actual
    first = a.plan.measures[0]
    dm, am = M.measure_metrics(d), M.measure_metrics(a)
    dc, ac = M.company_metrics(d), M.company_metrics(a)
    ti = a.plan.pay_mix.target_incentive
    rows = [
        _row(
            f"share_at_target_{first.id}",
            dm.loc[first.id, "share_at_target"],
            am.loc[first.id, "share_at_target"],
            _at_target(
                first.id, dm.loc[first.id, "share_at_target"], am.loc[first.id, "share_at_target"]
            ),
        ),
        _row(
            f"share_at_threshold_{first.id}",
            dm.loc[first.id, "share_at_threshold"],
            am.loc[first.id, "share_at_threshold"],
            f"{_pct(1 - am.loc[first.id, 'share_at_threshold'])} of reps earned nothing on "
            f"{first.id} (below threshold); the design expected "
            f"{_pct(1 - dm.loc[first.id, 'share_at_threshold'])}.",
        ),
        _row(
            "quota_accuracy",
            dm.loc[first.id, "quota_accuracy"],
            am.loc[first.id, "quota_accuracy"],
            f"{_pct(am.loc[first.id, 'quota_accuracy'])} of reps finished within ±20% of their "
            f"{first.id} target"
            + (
                "; quotas told reps little about what they would sell."
                if am.loc[first.id, "quota_accuracy"] < 0.4
                else "."
            ),
        ),
    ]
    cost, rev = float(a.outcome.total.sum()), float(a.actuals["revenue"].sum())
    p90 = dc["incentive_cost_p90"]
    rows += [
        _row(
            "revenue",
            dc["revenue_expected"],
            rev,
            f"The team booked {money(rev)} against {money(dc['revenue_expected'])} expected "
            f"({rev / dc['revenue_expected'] - 1:+.0%}).",
        ),
        _row(
            "incentive_cost",
            dc["incentive_cost_expected"],
            cost,
            f"Incentives cost {money(cost)}; the design expected "
            f"{money(dc['incentive_cost_expected'])} and put a bad year (P90) at {money(p90)}"
            + ("; last year was worse than that." if cost > p90 else "."),
        ),
        _row(
            "cost_of_sales",
            dc["cost_of_sales"],
            ac["cost_of_sales"],
            f"Incentive cost of sales was {ac['cost_of_sales']:.1%} against "
            f"{dc['cost_of_sales']:.1%} designed.",
        ),
        _row(
            "pay_for_performance",
            dc["pay_for_performance"],
            ac["pay_for_performance"],
            f"Rank correlation of pay with revenue was {ac['pay_for_performance']:.2f} "
            f"(designed {dc['pay_for_performance']:.2f})"
            + (
                ": pay followed performance."
                if ac["pay_for_performance"] >= 0.7
                else ": pay followed performance only loosely."
            ),
        ),
        _row(
            "payout_gini",
            dc["payout_gini"],
            ac["payout_gini"],
            f"Payout concentration (Gini) was {ac['payout_gini']:.2f} against "
            f"{dc['payout_gini']:.2f} designed.",
        ),
        _row(
            f"share_at_cap_{first.id}",
            dm.loc[first.id, "share_at_cap"],
            am.loc[first.id, "share_at_cap"],
            f"{int(round(am.loc[first.id, 'share_at_cap'] * review.population.size))} rep(s) "
            f"reached the {first.id} cap (designed share {_pct(dm.loc[first.id, 'share_at_cap'])}).",
        ),
    ]
    reps = rep_review(review, fit, actual, computed)
    windfalls = int(reps["windfall"].sum())
    rows.append(
        _row(
            "share_windfall",
            1 - WINDFALL_QUANTILE,
            windfalls / len(reps),
            f"{windfalls} rep(s) were paid more than {WINDFALL_QUANTILE:.0%} of years would pay "
            "them at their estimated productivity: luck, not performance"
            + (", worth a look." if windfalls > (1 - WINDFALL_QUANTILE) * len(reps) * 2 else "."),
        )
    )
    if "payout" in review.year.values:
        gap = float(a.outcome.total.sum() - computed.total.sum())
        off = int((np.abs(a.outcome.total - computed.total)[0] > 0.01 * ti).sum())
        rows.append(
            _row(
                "paid_minus_plan_rules",
                0.0,
                gap,
                f"Paid incentives differ from the plan's rules by {money(gap)} in total; "
                f"{off} rep(s) by more than 1% of target incentive"
                + (" (manual adjustments, or data to check)." if off else "."),
            )
        )
    t = timing_table(review)
    design_share = M.behaviour_metrics(d)["last_month_bookings_share"]
    actual_share = M.behaviour_metrics(a)["last_month_bookings_share"]
    rows.append(
        _row(
            "last_month_of_quarter_share",
            design_share,
            actual_share,
            f"{_pct(actual_share)} of bookings closed in the last month of a quarter against "
            f"{_pct(design_share)} in the design; "
            f"{int(t['flagged'].sum())} rep(s) close far more of their deals there than peers "
            "(timing games).",
        )
    )
    bunch = bunching(review, computed)
    rows.append(
        _row(
            "share_just_above_target",
            0.5,
            bunch["share_above"],
            f"Of {bunch['near']} rep-quarters within {BUNCH_BAND:.0%} of target, "
            f"{_pct(bunch['share_above'])} landed just above it"
            + (
                " — more than chance (p = "
                f"{bunch['pvalue']:.3f}): deals are timed to clear the target."
                if bunch["pvalue"] < 0.05 and bunch["share_above"] > 0.5
                else " (no sign of deals timed to clear the target)."
            ),
        )
    )
    gone = missing_measures(a.plan, review.year)
    if gone:
        rows.append(
            _row(
                "measures_not_in_actuals",
                np.nan,
                np.nan,
                f"The actuals do not hold {', '.join(gone)}; their attainment reads as zero.",
            )
        )
    df = pd.DataFrame(rows).set_index("metric")
    return df


def bunching(review: Review, computed: PlanOutcome) -> dict:
    """Quarterly attainments just below and just above target (a timing-game signature)."""
    first = review.calibrated.plan.measures[0].id
    q = np.asarray(computed.period_attainment[first], dtype=float).ravel()
    below = int(((q >= 1 - BUNCH_BAND) & (q < 1)).sum())
    above = int(((q >= 1) & (q < 1 + BUNCH_BAND)).sum())
    near = below + above
    p = binomtest(above, near, 0.5, alternative="greater").pvalue if near else 1.0
    return {"near": near, "share_above": above / near if near else np.nan, "pvalue": float(p)}


def timing_table(review: Review) -> pd.DataFrame:
    """Per rep: share of deals closed in quarter-end months against the team's."""
    r = review.calibration.reps
    out = r[["team", "deals", "last_month_share", "last_month_z"]].copy()
    out["flagged"] = out["last_month_z"] > TIMING_Z
    return out


def rep_review(
    review: Review, fit: Fit, actual: VariantResult, computed: PlanOutcome
) -> pd.DataFrame:
    """Per rep: actual attainment, what was paid and what the plan's rules pay, what the
    rep's calibrated productivity warranted, and the flags (windfall, cap, timing)."""
    pop = review.population
    sim = fit.simulated.base
    first = actual.plan.measures[0]
    pay_sim = sim.outcome.total.astype(float)
    cal = review.calibration.reps
    df = pd.DataFrame(
        {
            "rep": pop.name,
            "team": pop.team,
            "tenure_years": pop.tenure_years,
            f"target_{first.id}": actual.outcome.targets[first.id].sum(1),
            "revenue": actual.actuals["revenue"][0].astype(float),
            f"attainment_{first.id}": actual.outcome.attainment[first.id][0].astype(float),
            "weighted_attainment": actual.outcome.weighted_attainment[0].astype(float),
            "payout_paid": actual.outcome.total[0].astype(float),
            "payout_plan_rules": computed.total[0].astype(float),
            "payout_warranted": pay_sim.mean(0),
            "payout_p95_warranted": np.quantile(pay_sim, WINDFALL_QUANTILE, axis=0),
            "p_target_calibrated": np.mean(sim.outcome.attainment[first.id] >= 1.0, axis=0),
            "productivity": cal["productivity"].to_numpy(),
            "productivity_raw": cal["productivity_raw"].to_numpy(),
            "last_month_share": cal["last_month_share"].to_numpy(),
        }
    )
    df["windfall"] = df["payout_paid"] > df["payout_p95_warranted"]
    cap = first.curve.attainment_at_cap
    df["at_cap"] = df[f"attainment_{first.id}"] >= cap if np.isfinite(cap) else False
    df["timing_flag"] = cal["last_month_z"].to_numpy() > TIMING_Z
    return df.set_index("rep")


def _tenure_band(years: np.ndarray) -> np.ndarray:
    return np.where(years < 2, "under 2 years", np.where(years < 5, "2-5 years", "5+ years"))


def fairness_table(reps: pd.DataFrame) -> pd.DataFrame:
    """Per team and tenure band: attainment, share at target and the calibrated chance of
    reaching target (the same target load should give every group a similar chance)."""
    first = next(c for c in reps.columns if c.startswith("attainment_"))
    df = reps.assign(tenure_band=_tenure_band(reps["tenure_years"].to_numpy()))
    parts = []
    for by in ("team", "tenure_band"):
        g = df.groupby(by, sort=True)
        t = pd.DataFrame(
            {
                "reps": g.size(),
                "attainment_mean": g[first].mean(),
                "share_at_target": g[first].apply(lambda s: float((s >= 1).mean())),
                "p_target_calibrated": g["p_target_calibrated"].mean(),
                "payout_paid_mean": g["payout_paid"].mean(),
            }
        )
        t.index = pd.MultiIndex.from_product([[by], t.index], names=["group", "value"])
        parts.append(t)
    return pd.concat(parts)


def fairness_findings(table: pd.DataFrame, gap: float = 0.2) -> list[str]:
    """Plain-language findings: groups whose calibrated chance of target differs by ``gap``."""
    out = []
    for group in table.index.get_level_values(0).unique():
        t = table.loc[group]
        hi, lo = t["p_target_calibrated"].idxmax(), t["p_target_calibrated"].idxmin()
        spread = t.loc[hi, "p_target_calibrated"] - t.loc[lo, "p_target_calibrated"]
        if spread >= gap:
            out.append(
                f"Targets were uneven across {group.replace('_', ' ')}s: at their estimated "
                f"productivity, reps in {lo} had a {_pct(t.loc[lo, 'p_target_calibrated'])} "
                f"chance of reaching target against {_pct(t.loc[hi, 'p_target_calibrated'])} in "
                f"{hi}."
            )
        else:
            out.append(
                f"Targets were even across {group.replace('_', ' ')}s: the chance of reaching "
                f"target ranged {_pct(t['p_target_calibrated'].min())}–"
                f"{_pct(t['p_target_calibrated'].max())}."
            )
    return out


def _revenue_per_rep(market, pop) -> float:
    """Expected revenue of a rep-year at average productivity, across the team's territories."""
    flows = expected_flows(market, dataclasses.replace(pop, ability=np.ones(pop.size)))
    return float(sum(flows.mean[t][f"{t}_value"].sum(1).mean() for t in ("new", "xsell")))


def market_vs_design(review: Review) -> pd.DataFrame:
    """The market the scenario assumed against the one calibration found, with findings."""
    money = partial(money_text, currency=review.scenario.currency)
    d, c = review.scenario.market, review.calibrated.market
    pop = review.population

    def change(a: float, b: float) -> str:
        return f"{b / a - 1:+.0%}" if a else "n/a"

    rows = []
    pairs = [
        (
            "new_deals_per_rep_year",
            12 * d.new_business.deals_per_month,
            12 * c.new_business.deals_per_month,
            "new-account deals a year at average productivity",
        ),
        (
            "new_deal_size_mean",
            d.new_business.deal_size.mean,
            c.new_business.deal_size.mean,
            "mean new-account deal",
        ),
        (
            "new_deal_size_cv",
            np.sqrt(d.new_business.deal_size.variance) / d.new_business.deal_size.mean,
            np.sqrt(c.new_business.deal_size.variance) / c.new_business.deal_size.mean,
            "spread of new-account deal sizes (cv)",
        ),
        (
            "xsell_deals_per_account_year",
            12 * d.cross_sell.deals_per_account_month,
            12 * c.cross_sell.deals_per_account_month,
            "cross-sell deals per account a year",
        ),
        (
            "xsell_deal_size_mean",
            d.cross_sell.deal_size.mean,
            c.cross_sell.deal_size.mean,
            "mean cross-sell deal",
        ),
    ]
    for key, a, b, what in pairs:
        rows.append(
            _row(key, a, b, f"{what[0].upper()}{what[1:]}: {change(a, b)} against the assumption.")
        )
    rows.append(
        _row(
            "growth",
            d.growth,
            c.growth,
            f"Demand grew {c.growth:+.1%} a year against {d.growth:+.1%} assumed"
            + ("." if review.calibration.growth_estimated else " (kept: one year of actuals)."),
        )
    )
    ds, cs = (np.asarray(m.seasonality) / np.mean(m.seasonality) for m in (d, c))
    qd, qc = ds.reshape(4, 3)[:, 2].sum() / 12, cs.reshape(4, 3)[:, 2].sum() / 12
    rows.append(
        _row(
            "quarter_end_month_share",
            qd,
            qc,
            f"Quarter-end months carry {qc:.0%} of the year's demand against {qd:.0%} assumed "
            "(timing games show up here too).",
        )
    )
    rd, rc = _revenue_per_rep(d, pop), _revenue_per_rep(c, pop)
    rows.append(
        _row(
            "revenue_per_rep_year",
            rd,
            rc,
            f"A rep of average productivity books {money(rc)} a year in this market against "
            f"{money(rd)} assumed ({change(rd, rc)}): targets set on the assumption were "
            + ("too high." if rc < 0.95 * rd else "too low." if rc > 1.05 * rd else "about right."),
        )
    )
    return pd.DataFrame(rows).rename(columns={"actual": "found"}).set_index("metric")
