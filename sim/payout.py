"""Apply a plan to outcomes: targets, attainment, gates, modifiers, payouts, true-up.

This is the only place payouts are computed; it reads each measure's
:class:`~sim.curves.PayoutCurve` and never re-implements one. Everything is
vectorised over (trials, reps, periods).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from .crediting import credit_outcomes, credit_targets
from .curves import PayoutCurve
from .measures import COMPONENTS, MEASURES
from .outcomes import Outcomes
from .plan import Gate, Measure, Modifier, Plan
from .population import Population

__all__ = [
    "PlanOutcome",
    "attainment",
    "modifier_factor",
    "ToDate",
    "annual_marginal_pay",
    "annual_targets",
    "effort_measures",
    "gated_curve",
    "evaluate_plan",
    "marginal_pay",
    "pay_to_date",
    "period_payouts",
    "plan_shares",
    "plan_targets",
    "rep_targets",
    "team_total",
]

#: Attainment given for a lower-is-better measure whose actual is zero.
MAX_ATTAINMENT = 10.0


def rep_targets(measure: Measure, population: Population, periods: int) -> np.ndarray:
    """Each rep's target in each period, shape (reps, periods).

    Additive measures split the annual target across periods (evenly unless
    ``period_shares`` says otherwise); rates and scores keep the same level.
    """
    if measure.target_basis == "potential":
        annual = measure.target * population.potential_index
    elif measure.target_basis == "roster":
        if measure.name not in population.targets:
            raise ValueError(f"measure {measure.name}: roster has no target_{measure.name} column")
        annual = np.asarray(population.targets[measure.name], dtype=float)
    elif measure.target_basis == "listed":
        listed = measure.rep_targets or {}
        missing = [n for n in population.name if n not in listed]
        if missing:
            raise ValueError(f"measure {measure.id}: rep_targets has no target for {missing[0]!r}")
        annual = np.array([listed[n] for n in population.name], dtype=float)
    else:
        annual = np.full(population.size, measure.target)
    if not measure.additive:
        return np.repeat(annual[:, None], periods, axis=1)
    shares = np.asarray(measure.period_shares or [1.0 / periods] * periods)
    return annual[:, None] * shares[None, :]


def team_targets(targets: np.ndarray, measure: Measure, team_index: np.ndarray) -> np.ndarray:
    """Per-rep view of the team target: sum of members' (additive) or their mean."""
    out = np.empty_like(targets)
    for g in np.unique(team_index):
        members = team_index == g
        agg = targets[members].sum(0) if measure.additive else targets[members].mean(0)
        out[members] = agg
    return out


def plan_targets(plan: Plan, population: Population) -> dict[str, np.ndarray]:
    """Each paid measure's target per rep and period (team measures: the team's).

    On account teams, targets set from the plan (flat or by potential) are credited
    as deals are, so an overlay carries the targets of the deals it is credited on."""
    out = {}
    for m in plan.measures:
        t = credit_targets(rep_targets(m, population, plan.periods), m, plan, population)
        out[m.id] = team_targets(t, m, population.team_index) if m.level == "team" else t
    return out


def attainment(actual: np.ndarray, target: np.ndarray, direction: str) -> np.ndarray:
    """actual / target, inverted for lower-is-better; undefined actuals attain 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if direction == "higher":
            a = np.asarray(actual / target, dtype=float)
        else:
            a = np.where(actual > 0, target / actual, np.where(actual == 0, MAX_ATTAINMENT, np.nan))
    # In place: reps decide on this every month of every trial.
    np.minimum(a, MAX_ATTAINMENT, out=a)
    np.copyto(a, 0.0, where=np.isnan(a))
    return a


@dataclass(frozen=True)
class PlanOutcome:
    """A plan applied to one outcome table (arrays over trials x reps)."""

    attainment: dict[str, np.ndarray]  # annual attainment per measure id (trials, reps)
    period_attainment: dict[str, np.ndarray] | None  # (trials, reps, periods); None if dropped
    period_at_target: dict[str, np.ndarray]  # share of reps at/above target (trials, periods)
    payout: dict[str, np.ndarray]  # period payouts summed per measure (trials, reps)
    true_up: np.ndarray  # (trials, reps)
    total: np.ndarray  # total incentive paid (trials, reps)
    weighted_attainment: np.ndarray  # sum of weight x annual attainment (trials, reps)
    payout_by_month: np.ndarray  # company incentive cash by month paid (trials, months + lag)
    targets: dict[str, np.ndarray]  # (reps, periods)


def _gate_fail(gate: Gate, values: dict, att: dict) -> np.ndarray:
    v = att[gate.measure] if gate.on == "attainment" else values[gate.measure]
    return ~(v >= gate.floor)  # NaN fails the gate


def modifier_factor(mod: Modifier, values: dict) -> np.ndarray:
    """The modifier's factor at each value: the band's (bands are ascending, a value on
    a band's edge takes the higher band), 1 where the value is undefined (NaN).

    Written band by band, a whole-array pass each: a modifier has a handful of bands,
    and a binary search per value costs several passes' worth."""
    v = np.asarray(values[mod.measure], dtype=float)
    f = np.full(v.shape, float(mod.factors[0]))
    for edge, factor in zip(mod.bands, mod.factors[1:], strict=True):
        np.copyto(f, factor, where=v >= edge)
    np.copyto(f, 1.0, where=np.isnan(v))
    return f


def _known(rule: Gate | Modifier, values: dict, att: dict) -> bool:
    """Whether a gate or modifier can be read from ``values`` / ``att``."""
    if isinstance(rule, Gate) and rule.on == "attainment":
        return rule.measure in att
    return rule.measure in values


def _shares(plan: Plan, att: dict, values: dict, partial: bool = False) -> dict[str, np.ndarray]:
    """Payout share per measure after gates and modifiers. With ``partial``, a rule
    whose measure is not among ``values`` is neutral (gate passed, factor 1)."""
    shares = {}
    gates = [g for g in plan.gates if not partial or _known(g, values, att)]
    mods = [d for d in plan.modifiers if not partial or _known(d, values, att)]
    factors = [modifier_factor(mod, values) for mod in mods]
    for m in plan.measures:
        a = att[m.id]
        for g in gates:
            if not g.applies_to or m.id in g.applies_to:
                a = np.where(_gate_fail(g, values, att), np.minimum(a, g.max_attainment), a)
        s = m.curve.payout(a)
        for mod, factor in zip(mods, factors, strict=True):
            if not mod.applies_to or m.id in mod.applies_to:
                if s.shape == np.broadcast_shapes(s.shape, factor.shape):
                    s *= factor  # payout() hands back a new array: no copy needed
                else:
                    s = s * factor
        shares[m.id] = s
    return shares


def plan_shares(plan: Plan, att: dict, values: dict) -> dict[str, np.ndarray]:
    """Payout share per measure after gates and modifiers, for any attainments.

    ``att`` maps each paid measure id to its attainment; ``values`` maps every
    measure a value gate or a modifier reads to its value (arrays broadcast).
    The earnings estimator reads a plan through this, the engine's own rule.
    """
    return _shares(plan, att, values)


def _measure_state(
    outcomes: Outcomes,
    plan: Plan,
    population: Population,
    targets: dict[str, np.ndarray],
    periods: int,
):
    """Individual values of gate/modifier measures, and attainment per paid measure."""
    raw = {g.measure for g in plan.gates if g.on == "value"} | {d.measure for d in plan.modifiers}
    values = {n: outcomes.measure(n, periods) for n in raw}
    att = {}
    for m in plan.measures:
        team = population.team_index if m.level == "team" else None
        tgt = targets[m.id]
        if periods == 1 and tgt.shape[1] > 1:
            tgt = tgt.sum(1, keepdims=True) if m.additive else tgt[:, :1]
        att[m.id] = attainment(outcomes.measure(m.name, periods, team), tgt[None], m.direction)
    return values, att


def _period_sum(x: np.ndarray) -> np.ndarray:
    """Sum over the last (period) axis, one whole-array add per period: a reduction
    over an axis of a few entries costs ten times as much. From 8 periods on numpy
    sums pairwise, in another order: monthly plans keep its own sum."""
    if x.shape[-1] >= 8:
        return x.sum(-1)
    out = x[..., 0].copy()
    for p in range(1, x.shape[-1]):
        out += x[..., p]
    return out


def evaluate_plan(
    plan: Plan, outcomes: Outcomes, population: Population, *, keep_periods: bool = True
) -> PlanOutcome:
    """Pay ``plan`` on ``outcomes`` (credited by its rules): period payouts, then the
    annual true-up. Without ``keep_periods`` the per-period attainments (the largest
    table) are left out (``period_attainment=None``)."""
    outcomes = credit_outcomes(outcomes, plan, population)
    periods = plan.periods
    ti = plan.pay_mix.target_incentive
    targets = plan_targets(plan, population)
    values, att = _measure_state(outcomes, plan, population, targets, periods)
    shares = _shares(plan, att, values)
    per_measure = {m.id: m.weight * ti / periods * shares[m.id] for m in plan.measures}
    period_total = sum(per_measure.values())  # (trials, reps, periods)
    paid = _period_sum(period_total)  # (trials, reps), before the true-up

    if periods > 1:
        y_values, y_att = _measure_state(outcomes, plan, population, targets, 1)
    else:
        y_values, y_att = values, att
    annual_att = {k: v[..., 0] for k, v in y_att.items()}
    if periods > 1 and plan.true_up:
        y_shares = _shares(plan, y_att, y_values)
        annual = sum(m.weight * ti * y_shares[m.id][..., 0] for m in plan.measures)
        true_up = annual - paid
        if not plan.clawback:
            true_up = np.maximum(true_up, 0.0)
    else:
        true_up = np.zeros(outcomes.shape[:2])
    total = paid + true_up

    months = outcomes.months
    per_period = months // periods
    cash = np.zeros((outcomes.trials, months + plan.payout_lag_months))
    company = period_total.sum(1)  # (trials, periods)
    for p in range(periods):
        cash[:, (p + 1) * per_period - 1 + plan.payout_lag_months] += company[:, p]
    cash[:, months - 1 + plan.payout_lag_months] += true_up.sum(1)

    f32 = np.float32
    return PlanOutcome(
        attainment={k: v.astype(f32) for k, v in annual_att.items()},
        period_attainment={k: v.astype(f32) for k, v in att.items()} if keep_periods else None,
        period_at_target={k: (v >= 1.0).mean(1) for k, v in att.items()},
        payout={k: _period_sum(v).astype(f32) for k, v in per_measure.items()},
        true_up=true_up.astype(f32),
        total=total.astype(f32),
        weighted_attainment=sum(m.weight * annual_att[m.id] for m in plan.measures).astype(f32),
        payout_by_month=cash,
        targets=targets,
    )


def period_payouts(plan: Plan, outcomes: Outcomes, population: Population) -> np.ndarray:
    """Incentive each rep earns in each period, before the annual true-up: (trials, reps, periods).

    What a payroll file records period by period (the review compares it with what was paid).
    """
    outcomes = credit_outcomes(outcomes, plan, population)
    targets = plan_targets(plan, population)
    values, att = _measure_state(outcomes, plan, population, targets, plan.periods)
    shares = _shares(plan, att, values)
    ti = plan.pay_mix.target_incentive / plan.periods
    return sum(m.weight * ti * shares[m.id] for m in plan.measures)


# -- pay while the period runs: what reps see when they decide ----------------------


@dataclass(frozen=True)
class ToDate:
    """Bookings so far in a period, as reps see them when they decide.

    ``totals`` maps components (those the engines book as deals close: values,
    counts, margin, cycle days) to (trials, reps) sums; ``team_index`` pools them
    for team measures. Measures the totals cannot give (csat, retention) count as
    on target, and rules that read them are neutral: they do not move with a deal.
    Measures are worked out once on the totals and kept: build one for a decision,
    never across months (the engines add to their totals in place).
    """

    plan: Plan
    targets: dict[str, np.ndarray]  # plan_targets: (reps, periods), team measures the team's
    team_index: np.ndarray
    totals: dict[str, np.ndarray]
    period: int
    #: Measures already worked out on the totals: a decision reads each several times.
    _values: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def value(self, name: str, level: str = "individual") -> np.ndarray | None:
        """Measure ``name`` on the totals (pooled over the team), or None if they cannot give it."""
        key = (name, level)
        if key in self._values:
            return self._values[key]
        kind = MEASURES[name]
        comps = kind.numerator + kind.denominator
        out = None
        if not kind.average and all(c in self.totals for c in comps):
            pick = {c: self.totals[c] for c in comps}
            if level == "team":
                pick = {c: team_total(v, self.team_index) for c, v in pick.items()}
            out = kind.combine(pick)
        self._values[key] = out
        return out

    def state(self) -> tuple[dict, dict]:
        """Attainment per paid measure and the values gates and modifiers read."""
        att = {}
        for m in self.plan.measures:
            v = self.value(m.name, m.level)
            target = self.targets[m.id][:, self.period]
            att[m.id] = 1.0 if v is None else attainment(v, target, m.direction)
        names = {g.measure for g in self.plan.gates if g.on == "value"}
        names |= {d.measure for d in self.plan.modifiers}
        values = {n: v for n in names if (v := self.value(n)) is not None}
        return att, values


def annual_targets(plan: Plan, targets: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The year's targets in the shape of :func:`plan_targets` (one period): additive
    measures add their period targets up, rates and scores keep their level."""
    return {
        m.id: targets[m.id].sum(1, keepdims=True) if m.additive else targets[m.id][:, :1]
        for m in plan.measures
    }


def team_total(x: np.ndarray, team_index: np.ndarray) -> np.ndarray:
    """Each rep's team total of ``x`` (reps on the last axis)."""
    out = np.empty(np.broadcast_shapes(np.shape(x), team_index.shape))
    x = np.broadcast_to(x, out.shape)
    for g in np.unique(team_index):
        members = team_index == g
        out[..., members] = x[..., members].sum(-1, keepdims=True)
    return out


def pay_to_date(to_date: ToDate) -> np.ndarray:
    """Period pay (money, trials x reps) if the period closed on ``to_date``'s bookings,
    with gates, modifiers and team measures applied by the engine's own rule."""
    plan = to_date.plan
    att, values = to_date.state()
    shares = _shares(plan, att, values, partial=True)
    ti = plan.pay_mix.target_incentive / plan.periods
    return sum(m.weight * ti * shares[m.id] for m in plan.measures)


def gated_curve(curve: PayoutCurve, max_attainment: float) -> PayoutCurve | None:
    """The curve as a failed gate leaves it (nothing above ``max_attainment``), or
    None when it then pays nothing at all."""
    # Cached by the curve's settings, never by the curve object: a curve keeps arrays
    # it computed, which cannot be compared as a cache key.
    return _gated_curve(
        curve.points, curve.cap, curve.tail_slope, curve.monotone, float(max_attainment)
    )


@lru_cache(maxsize=256)
def _gated_curve(points, cap, tail_slope, monotone, max_attainment: float) -> PayoutCurve | None:
    curve = PayoutCurve(points=points, cap=cap, tail_slope=tail_slope, monotone=monotone)
    top = float(curve.payout(max_attainment))
    if top <= 0:
        return None
    cap = top if curve.cap is None else min(curve.cap, top)
    return PayoutCurve(
        points=curve.points, cap=cap, tail_slope=curve.tail_slope, monotone=curve.monotone
    )


def effort_measures(plan: Plan) -> list[Measure]:
    """The paid measures one more deal raises: additive, higher-is-better amounts
    the engines book (collaboration measures come from crediting and help)."""
    return [
        m
        for m in plan.measures
        if m.additive
        and m.direction == "higher"
        and MEASURES[m.name].numerator
        and set(MEASURES[m.name].numerator) <= set(COMPONENTS)
    ]


def marginal_pay(
    to_date: ToDate,
    remaining: dict[str, tuple[np.ndarray, np.ndarray]],
    year: tuple[ToDate, dict[str, tuple[np.ndarray, np.ndarray]]] | None = None,
) -> dict[str, np.ndarray]:
    """Expected pay (money) of one more unit of each deal-driven measure booked now.

    ``remaining`` gives, per measure id, the mean and variance of the rep's own
    bookings still to come in the period (team measures add their team-mates').
    The slope of each curve is taken in expectation over the rest of the period
    (:meth:`~sim.curves.PayoutCurve.expected_slope`), on the curve a failed gate
    leaves, times the modifiers' factors so far. With a true-up, ``year`` (the
    year-to-date bookings and the rest of the year) gives the annual curve's
    marginal pay, and a rep is paid the larger of the two.
    """
    out = _marginal(to_date, remaining, to_date.plan.periods)
    if year is not None and to_date.plan.true_up and to_date.plan.periods > 1:
        annual = annual_marginal_pay(*year)
        out = {k: np.maximum(v, annual[k]) for k, v in out.items()}
    return out


def annual_marginal_pay(
    year_to_date: ToDate, remaining: dict[str, tuple[np.ndarray, np.ndarray]]
) -> dict[str, np.ndarray]:
    """Marginal pay of one more unit booked now on the annual curve the true-up pays:
    ``year_to_date`` holds the year's bookings against :func:`annual_targets`,
    ``remaining`` the rest of the year (as :func:`marginal_pay` reads them)."""
    return _marginal(year_to_date, remaining, 1)


def _marginal(to_date: ToDate, remaining: dict, periods: int) -> dict[str, np.ndarray]:
    plan = to_date.plan
    att, values = to_date.state()
    ti = plan.pay_mix.target_incentive / periods
    gates = [g for g in plan.gates if _known(g, values, att)]
    mods = [d for d in plan.modifiers if _known(d, values, att)]
    out = {}
    for m in effort_measures(plan):
        target = to_date.targets[m.id][:, to_date.period]
        mean, var = remaining[m.id]
        if m.level == "team":
            mean, var = team_total(mean, to_date.team_index), team_total(var, to_date.team_index)
        done, rm, rs = att[m.id], mean / target, np.sqrt(var) / target
        slope = m.curve.expected_slope(done, rm, rs)
        for g in gates:
            if not g.applies_to or m.id in g.applies_to:
                capped = gated_curve(m.curve, g.max_attainment)
                low = 0.0 if capped is None else capped.expected_slope(done, rm, rs)
                slope = np.where(_gate_fail(g, values, att), np.minimum(slope, low), slope)
        for mod in mods:
            if not mod.applies_to or m.id in mod.applies_to:
                slope = slope * modifier_factor(mod, values)
        out[m.id] = m.weight * ti / target * np.maximum(slope, 0.0)
    return out
