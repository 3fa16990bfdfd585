"""The earnings estimator: what a rep earns at each level of attainment.

The first question a rep asks about a plan, answered from the plan's own math
(:func:`sim.payout.plan_shares` applies the curves, gates and modifiers; no
second payout rule). The rep is assumed to attain the same share of target in
every period of the year, so period payouts add up to the annual payout and the
true-up pays nothing extra.

Gates and modifiers depend on measures the table does not vary (margin rate,
satisfaction). They are evaluated on ``conditions``, the values of those
measures; a gate whose measure is not given counts as met and a modifier whose
measure is not given leaves pay unchanged (factor 1). Gates on the attainment
of a paid measure are evaluated on the attainment in the row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .payout import plan_shares, plan_targets
from .plan import Plan
from .population import Population

__all__ = ["ATTAINMENTS", "earnings_table"]

#: Attainment from 0% to 200% of target in steps of 10%.
ATTAINMENTS = tuple(round(0.1 * i, 10) for i in range(21))


def _rep_index(population: Population, rep: str | int) -> int:
    if isinstance(rep, int | np.integer):
        if not 0 <= rep < population.size:
            raise KeyError(f"rep {rep} out of range; the team has {population.size} reps")
        return int(rep)
    names = population.name.tolist()
    if rep not in names:
        raise KeyError(f"unknown rep {rep!r}")
    return names.index(rep)


def earnings_table(
    plan: Plan,
    population: Population | None = None,
    rep: str | int | None = None,
    attainments: Sequence[float] = ATTAINMENTS,
    measure: str | None = None,
    conditions: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Annual incentive per measure and in total, at each attainment (one row each).

    Every measure moves together, or only ``measure`` while the others stay at
    target. Columns: ``payout_<measure id>``, ``incentive_total``,
    ``incentive_share`` (of target incentive) and ``total_pay`` (base salary
    plus incentive). With a ``population`` and a ``rep`` (name or position),
    ``actual_<measure id>`` gives the level of each measure the row stands for
    (the rep's annual target times attainment; inverted for lower-is-better
    measures; a team measure reads the team's target).
    """
    if measure is not None and measure not in plan.measure_ids:
        raise KeyError(f"plan {plan.name!r} does not pay on {measure!r}")
    a = np.asarray(attainments, dtype=float)
    if a.ndim != 1 or np.any(a < 0) or np.any(~np.isfinite(a)):
        raise ValueError("attainments must be a list of finite values >= 0")
    ones = np.ones_like(a)
    att = {m.id: a if measure in (None, m.id) else ones for m in plan.measures}
    given = dict(conditions or {})
    needed = {g.measure for g in plan.gates if g.on == "value"} | {
        d.measure for d in plan.modifiers
    }
    unknown = set(given) - needed
    if unknown:
        raise KeyError(
            f"conditions name {sorted(unknown)}, which no gate or modifier of the plan reads"
        )
    values = {}
    for name in needed:
        gated = any(g.on == "value" and g.measure == name for g in plan.gates)
        default = np.inf if gated else np.nan  # gates met, modifiers neutral
        values[name] = np.full_like(a, float(given.get(name, default)))
    shares = plan_shares(plan, att, values)
    ti = plan.pay_mix.target_incentive
    df = pd.DataFrame(index=pd.Index(a, name="attainment"))
    if population is not None and rep is not None:
        i = _rep_index(population, rep)
        targets = plan_targets(plan, population)
        for m in plan.measures:
            t = targets[m.id][i]
            annual = t.sum() if m.additive else t[0]
            with np.errstate(divide="ignore"):
                level = annual * att[m.id] if m.direction == "higher" else annual / att[m.id]
            df[f"actual_{m.id}"] = level
    for m in plan.measures:
        df[f"payout_{m.id}"] = m.weight * ti * shares[m.id]
    df["incentive_total"] = df[[f"payout_{m.id}" for m in plan.measures]].sum(axis=1)
    df["incentive_share"] = df["incentive_total"] / ti
    df["total_pay"] = plan.pay_mix.base + df["incentive_total"]
    return df
