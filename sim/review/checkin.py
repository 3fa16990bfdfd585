"""Mid-period check-in: part of the plan year observed, the rest simulated from where
each rep stands, and adjustment options weighed against staying the course.

How the rest of the year is simulated, and what that assumes:

- Each rep's productivity comes from calibration on the complete plan years
  before this one (or on the months observed so far when there are none).
- The months observed so far say how this year is going: the team's deals
  against what the calibrated model expected give a company factor (shrunk
  towards 1 with the scenario's shock spread as prior) and, within it, a
  factor per team (shrunk towards the company's with a 10% prior spread).
  Both are assumed to persist for the rest of the year (a region hit by a
  shock stays hit); the company factor's remaining uncertainty becomes the
  shared shock of the months left.
- The whole year is simulated with that model and the observed months are
  replaced by the actuals. Without behaviour this is exact for the engine's
  model, in which months are independent given the rep's productivity and the
  shared shocks. With the scenario's ``[behaviour]`` on, reps respond as in
  every other command (the same best response), and from the first month not
  observed they respond to where the actuals left them
  (:class:`~sim.review.observed.ObservedMonths`).
- The year's targets are the scenario's, or, when the actuals carry
  ``target_<measure>``, the months observed scaled to twelve.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..actuals import Actuals, CheckinOption
from ..actuals.observed import COLLABORATION_FIELDS
from ..actuals.years import PlanYear, plan_years
from ..behaviour import Behaviour
from ..behaviour.spec import BehaviourSpec
from ..calibrate import Calibration, calibrate, calibrated_scenario
from ..crediting import credit_by_month, credit_outcomes, originated
from ..errors import ScenarioError
from ..market import Shift
from ..money import money_change, money_text
from ..outcomes import Outcomes
from ..payout import evaluate_plan
from ..plan import Plan
from ..population import Population
from ..run import make_population, simulate
from ..scenario import Scenario
from .credits import recorded_deal_teams
from .observed import OBSERVABLE, ObservedMonths

__all__ = ["STAY", "TEAM_PRIOR_SD", "CheckIn", "check_in"]

STAY = "stay the course"
#: Prior spread of a team's level this year around the company's (shrinkage of team factors).
TEAM_PRIOR_SD = 0.10


@dataclass(frozen=True)
class CheckIn:
    """Where the year is heading, per rep and for the company, and the options weighed."""

    year: str
    months_observed: int
    reps: pd.DataFrame
    company: pd.Series
    options: pd.DataFrame
    factors: pd.Series  # this year's level against the calibrated model: company and teams
    scenario: Scenario  # the model of the rest of the year
    calibration: Calibration
    assumptions: tuple[str, ...]

    def findings(self) -> list[str]:
        c, o = self.company, self.options
        cur = self.scenario.currency
        lines = [
            f"After {self.months_observed} months of {self.year}, the year is heading for "
            f"{money_text(c['revenue_expected'], cur)} of revenue (P10–P90 "
            f"{money_text(c['revenue_p10'], cur)}–{money_text(c['revenue_p90'], cur)}) and "
            f"{money_text(c['incentive_cost_expected'], cur)} of incentives (P90 "
            f"{money_text(c['incentive_cost_p90'], cur)}).",
            f"{int(c['reps_at_risk'])} rep(s) are more likely than not to miss the threshold.",
        ]
        low = self.factors.drop("company").sort_values()
        if len(low) and low.iloc[0] < 0.9:
            lines.append(
                f"{low.index[0]} is running at {low.iloc[0]:.0%} of its expected level this year."
            )
        for name, r in o.drop(STAY).iterrows():
            lines.append(
                f"{name}: {money_change(r['delta_cost'], cur)} incentive cost, "
                f"{money_change(r['delta_revenue'], cur)} revenue, "
                f"{r['delta_reps_at_threshold']:+.1f} reps over the threshold "
                "against staying the course."
            )
        return lines


def _current_year(years: list[PlanYear]) -> tuple[PlanYear, list[PlanYear]]:
    cur = years[-1]
    if cur.complete:
        raise ScenarioError(
            f"the actuals end with a complete plan year ({cur.label}); a check-in needs a "
            "year in progress — review the complete year instead"
        )
    if cur.months_observed == 0:
        raise ScenarioError(f"no month of {cur.label} observed")
    return cur, [y for y in years[:-1] if y.complete]


def _targets(pop: Population, cur: PlanYear) -> Population:
    """Annual targets from the months seen: each rep's monthly target rows averaged over
    the months they have a row for (a missing month is not a zero target), times 12."""
    k = cur.months_observed
    seen = np.maximum(cur.observed[:, :k].sum(1), 1)
    t = dict(pop.targets)
    for name, v in cur.values.items():
        if name.startswith("target_"):
            rows = np.where(cur.observed[:, :k], np.nan_to_num(v[:, :k]), 0.0)
            t[name.removeprefix("target_")] = rows.sum(1) * 12.0 / seen
    return dataclasses.replace(pop, targets=t)


def _factors(
    cal: Calibration, pop: Population, cur: PlanYear, demand: np.ndarray, shock_sd: float
) -> tuple[np.ndarray, pd.Series, float]:
    """Per rep multiplier of productivity for this year, the factors, and the remaining shock sd."""
    k = cur.months_observed
    obs = cur.observed[:, :k]
    n = (cur.field("new_count") + cur.field("xsell_count"))[:, :k]
    per_month = cal.new_rate * pop.potential_index + cal.xsell_rate * pop.accounts
    lam = cal.reps["productivity"].to_numpy()[:, None] * per_month[:, None] * demand[None, :k]
    big_n, big_l = float(n[obs].sum()), float(lam[obs].sum())
    kc = 1.0 / max(shock_sd, 1e-3) ** 2
    company = (kc + big_n) / (kc + big_l)
    sd = float(np.sqrt(kc + big_n) / (kc + big_l) / company)
    kt = 1.0 / TEAM_PRIOR_SD**2
    mult = np.full(pop.size, company)
    out = {"company": company}
    for team in pop.team_names:
        m = pop.team == team
        nt = float(n[m][obs[m]].sum())
        lt = float(lam[m][obs[m]].sum()) * company
        f = (kt + nt) / (kt + lt)
        mult[m] = company * f
        out[team] = company * f
    return mult, pd.Series(out, name="level_vs_model"), sd


def _condition(outcomes: Outcomes, cur: PlanYear) -> Outcomes:
    """The simulated year with the observed rep-months replaced by the actuals."""
    k = cur.months_observed
    comps = dict(outcomes.components)
    mask = np.zeros(cur.observed.shape, dtype=bool)
    mask[:, :k] = cur.observed[:, :k]
    scored = [c for c in COLLABORATION_FIELDS if c in cur.values and c in comps]
    for c in (*OBSERVABLE, *scored):  # the assessed score too, when the actuals give it
        arr = np.array(comps[c], dtype=float)
        arr[:, mask] = cur.field(c)[mask][None, :]
        comps[c] = arr
    return Outcomes(comps)


def _lowered(plan: Plan, measure: str, threshold: float) -> Plan:
    m = plan.measure(measure)
    pts = list(m.curve.points)
    first = (min(threshold, pts[1][0] if len(pts) > 1 else threshold), pts[0][1])
    # Validated anew: a curve caches its derived breakpoints.
    curve = type(m.curve).model_validate({**m.curve.model_dump(), "points": (first, *pts[1:])})
    ms = tuple(
        x.model_copy(update={"curve": curve}) if x.id == measure else x for x in plan.measures
    )
    return plan.model_copy(update={"measures": ms})


def _retargeted(
    plan: Plan, pop: Population, measure: str, factor: float, k: int
) -> tuple[Plan, Population]:
    """Targets of the periods not yet started multiplied by ``factor`` (earlier ones kept)."""
    m = plan.measure(measure)
    per = 12 // plan.periods
    shares = np.asarray(m.period_shares or [1.0 / plan.periods] * plan.periods)
    later = np.arange(plan.periods) * per >= k
    new = np.where(later, shares * factor, shares)
    scale = new.sum()
    ms = tuple(
        x.model_copy(update={"period_shares": tuple(new / scale)}) if x.id == measure else x
        for x in plan.measures
    )
    targets = dict(pop.targets)
    if m.target_basis == "roster":
        targets[m.name] = targets[m.name] * scale
    else:
        ms = tuple(
            x.model_copy(update={"target": x.target * scale}) if x.id == measure else x for x in ms
        )
    return plan.model_copy(update={"measures": ms}), dataclasses.replace(pop, targets=targets)


def _uplifted(outcomes: Outcomes, who: np.ndarray, uplift: float, k: int) -> Outcomes:
    comps = dict(outcomes.components)
    for c in OBSERVABLE:
        arr = np.array(comps[c], dtype=float)
        arr[:, who, k:] *= 1.0 + uplift
        comps[c] = arr
    return Outcomes(comps)


def _summarise(total, revenue, att, threshold) -> dict:
    """Company outcomes of one option; ``threshold`` per rep (an option may lower it)."""
    cost = total.sum(1)
    rev = revenue.sum(1)
    return {
        "incentive_cost_expected": float(cost.mean()),
        "incentive_cost_p10": float(np.quantile(cost, 0.1)),
        "incentive_cost_p90": float(np.quantile(cost, 0.9)),
        "revenue_expected": float(rev.mean()),
        "revenue_p10": float(np.quantile(rev, 0.1)),
        "revenue_p90": float(np.quantile(rev, 0.9)),
        "reps_at_threshold_expected": float((att >= threshold).sum(1).mean()),
        "reps_at_target_expected": float((att >= 1.0).sum(1).mean()),
        "reps_at_risk": int((np.mean(att < threshold, axis=0) > 0.5).sum()),
    }


def _credited(
    members: list[dict[int, list[int]] | None] | None,
) -> Callable[[Outcomes, Plan, Population], Outcomes]:
    """What a plan pays on: with a credit file, each observed month credited over the
    deal teams it records and each later month over the account teams
    (:func:`sim.crediting.credit_by_month`); without one, every month over the
    account teams (:func:`sim.crediting.credit_outcomes`)."""

    def paid_on(outcomes: Outcomes, plan: Plan, pop: Population) -> Outcomes:
        if members is None:
            return credit_outcomes(outcomes, plan, pop)
        return credit_by_month(outcomes, plan, pop, members)

    return paid_on


def _option(
    opt: CheckinOption,
    plan: Plan,
    pop: Population,
    outcomes: Outcomes,
    k: int,
    first: str,
    paid_on: Callable[[Outcomes, Plan, Population], Outcomes],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Total pay (trials, reps), revenue and first-measure attainment under one option."""
    who = np.isin(pop.team, opt.teams) if opt.teams else np.ones(pop.size, dtype=bool)
    if opt.measure not in plan.measure_ids:
        raise ScenarioError(f"checkin.options {opt.name!r}: the plan does not pay on {opt.measure}")
    if opt.kind == "spif" and opt.uplift:
        outcomes = _uplifted(outcomes, who, opt.uplift, k)
    if opt.kind == "threshold":
        alt_plan, alt_pop = _lowered(plan, opt.measure, opt.threshold), pop
    elif opt.kind == "retarget":
        alt_plan, alt_pop = _retargeted(plan, pop, opt.measure, opt.factor, k)
    else:
        alt_plan, alt_pop = plan, pop
    base = evaluate_plan(plan, paid_on(outcomes, plan, pop), pop)
    alt = (
        evaluate_plan(alt_plan, paid_on(outcomes, alt_plan, alt_pop), alt_pop)
        if alt_plan is not plan
        else base
    )
    total = np.where(who[None], alt.total, base.total).astype(float)
    att = np.where(who[None], alt.attainment[first], base.attainment[first]).astype(float)
    if opt.kind == "spif":
        hit = np.where(who[None], alt.attainment[opt.measure], 0.0) >= opt.at_attainment
        total = total + opt.amount * hit
    revenue = outcomes.measure("revenue", 1)[..., 0]
    threshold = np.full(pop.size, plan.measure(first).curve.threshold)
    if opt.kind == "threshold" and opt.measure == first:
        threshold[who] = alt_plan.measure(first).curve.threshold
    return total, revenue, att, threshold


def _response_assumption(spec: BehaviourSpec, k: int) -> str:
    """What the projection assumes about how reps respond, in one sentence."""
    if not spec.enabled:
        return (
            "Reps do not respond to the plan (behaviour off): effort is fixed, and months are "
            "independent given productivity and the shared shock, so replacing the observed "
            "months by the actuals conditions each simulated year exactly."
        )
    on = [
        n
        for n in ("effort", "dynamics", "timing", "ratchet", "retention", "help")
        if getattr(spec, n).enabled
    ]
    monthly = spec.dynamics.enabled or spec.timing.enabled
    where = (
        f"from month {k + 1} on, each month's effort and deal timing respond to attainment "
        "to date with the observed months taken from the actuals"
        if monthly
        else "at their annual best response to the plan (no monthly response: dynamics off)"
    )
    return (
        f"Reps respond to the plan ({', '.join(on)} on): they work {where}; no deals are "
        "moved into or out of the observed months."
    )


def check_in(
    scenario: Scenario,
    actuals: Actuals,
    trials: int | None = None,
    seed: int | None = None,
    growth: float | None = None,
) -> CheckIn:
    """Simulate the rest of the year in progress and weigh the scenario's options."""
    seed = scenario.simulation.seed if seed is None else int(seed)
    trials = scenario.checkin.trials if trials is None else int(trials)
    pop = make_population(scenario)
    years = plan_years(actuals, list(pop.name), scenario.actuals.plan_year_start)
    cur, history = _current_year(years)
    k = cur.months_observed
    pop = _targets(pop, cur)
    recorded = recorded_deal_teams(scenario, pop, cur.months)
    members = None if recorded is None else [t if m < k else None for m, t in enumerate(recorded)]
    paid_on = _credited(members)
    cal = calibrate(scenario, pop, history or [cur], growth, origin=actuals.origin)
    ahead = 1 if history else 0  # the year in progress is one year after the calibrated one
    demand = (
        scenario.market.model_copy(
            update={"seasonality": tuple(cal.seasonality), "growth": cal.growth}
        ).demand(12)
        * (1.0 + cal.growth) ** ahead
    )
    mult, factors, sd = _factors(cal, pop, cur, demand, scenario.market.shock_sd)
    sc = calibrated_scenario(scenario, pop, cal)
    members = tuple(
        {**m, "ability": float(m["ability"]) * f}
        for m, f in zip(sc.team.members, mult, strict=True)
    )
    shifts = (Shift(name="growth", month=1, factor=(1.0 + cal.growth) ** ahead),) if ahead else ()
    sc = sc.model_copy(
        update={
            "name": f"{scenario.name} ({cur.label} check-in)",
            "team": sc.team.model_copy(update={"members": members}),
            "market": sc.market.model_copy(update={"shock_sd": sd, "shifts": shifts}),
            "behaviour": scenario.behaviour,
            "variants": {},
        }
    )
    actual = {c: cur.field(c) for c in OBSERVABLE}

    def respond(b: Behaviour) -> Behaviour:
        return ObservedMonths(b, actual, cur.observed, k, sc.plan.periods)

    res = simulate(sc, [], trials=trials, seed=seed, keep_outcomes=True, respond=respond)
    team_pop = res.population
    outcomes = originated(_condition(res.outcomes, cur), team_pop)  # overlays book nothing
    plan, first = sc.plan, sc.plan.measures[0]
    credited = paid_on(outcomes, plan, team_pop)
    stay = evaluate_plan(plan, credited, team_pop)
    revenue = outcomes.measure("revenue", 1)[..., 0]
    total = stay.total.astype(float)
    att = stay.attainment[first.id].astype(float)
    thr = first.curve.threshold
    rows = {STAY: _summarise(total, revenue, att, thr)}
    for opt in scenario.checkin.options:
        rows[opt.name] = _summarise(*_option(opt, plan, team_pop, outcomes, k, first.id, paid_on))
    options = pd.DataFrame.from_dict(rows, orient="index")
    options.index.name = "option"
    base = options.loc[STAY]
    options["delta_cost"] = options["incentive_cost_expected"] - base["incentive_cost_expected"]
    options["delta_revenue"] = options["revenue_expected"] - base["revenue_expected"]
    options["delta_reps_at_threshold"] = (
        options["reps_at_threshold_expected"] - base["reps_at_threshold_expected"]
    )
    tgt = stay.targets[first.id]  # (reps, periods)
    per = 12 // plan.periods
    to_date_target = np.repeat(tgt / per, per, axis=1)[:, :k].sum(1)
    booked = credited.measure(first.name, 12)[0, :, :k].sum(1) if first.additive else np.nan
    aq = np.quantile(att, (0.1, 0.5, 0.9), axis=0)
    pq = np.quantile(total, (0.1, 0.5, 0.9), axis=0)
    p_thr = np.mean(att >= thr, axis=0)
    reps = pd.DataFrame(
        {
            "rep": team_pop.name,
            "team": team_pop.team,
            f"target_{first.id}": tgt.sum(1),
            f"attainment_to_date_{first.id}": booked
            / np.where(to_date_target > 0, to_date_target, np.nan),
            "p_threshold": p_thr,
            "p_target": np.mean(att >= 1.0, axis=0),
            "attainment_p10": aq[0],
            "attainment_p50": aq[1],
            "attainment_p90": aq[2],
            "payout_expected": total.mean(0),
            "payout_p10": pq[0],
            "payout_p50": pq[1],
            "payout_p90": pq[2],
            "at_risk": p_thr < 0.5,
        }
    ).set_index("rep")
    company = pd.Series(rows[STAY], name="company")
    assumptions = (
        f"{k} of 12 months observed; the rest simulated {trials:,} times (seed {seed}).",
        f"This year's level against the calibrated model: company {factors['company']:.2f}; "
        "team levels shrunk towards it; both assumed to persist.",
        "The observed months of each simulated year are replaced by the actuals.",
        _response_assumption(sc.behaviour, k),
        "A SPIF's uplift is the stated assumption of its option; options are weighed on "
        "the same simulated months (reps do not respond anew to an option).",
    )
    if recorded is not None:
        assumptions += (
            f"Pay and attainment credit the {k} observed months over the deal teams of "
            f"{scenario.actuals.credits} and later months over the account teams, by "
            "the plan's credit rules.",
        )
    if any(n.startswith("target_") for n in cur.values):
        assumptions += ("Annual targets are the months observed scaled to twelve.",)
    return CheckIn(
        year=cur.label,
        months_observed=k,
        reps=reps,
        company=company,
        options=options,
        factors=factors,
        scenario=sc,
        calibration=cal,
        assumptions=assumptions,
    )
