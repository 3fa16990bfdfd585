"""Benchmark of account teams: the same run with crediting and help, and without teams.

Simulates the key-account teams example's team-share plan, on sales teams of ten
reps as key-account teams are (solutions and industry overlays, every deal split between account manager and overlays, 20%
of pay on the team's revenue, reps choosing help) with the team resized, then
the same scenario without teams (the individual plan: no roles, no crediting,
no team measure; help switched on as before, but nobody is paid on a team-mate's
result, so nobody helps), in one process, and prints the ratio of wall times. Target: with teams / without <= 1.5.

With ``--engine pipeline`` the same pair runs on the pipeline engine, the
solutions specialists selling their own accounts and co-selling their team's
deals as events (``co_sells``: they join the deals, queueing for their own
slots, and lift the win chance; each chooses the share of requests it
accepts), and the script also prints the help given and what it cost the
co-sellers' own bookings: the same run with co-selling off (same seed)
against the run with it.

With ``--flows`` the pair is the collaboration plan (reps choosing help, effort
fixed) with ``[market.referrals]`` and ``[market.collaboration_score]`` declared,
against the same run with neither: what referrals and the assessed score cost.

Usage::

    .venv/bin/python benchmarks/teams.py            # 200 reps x 12 months x 10,000 trials
    .venv/bin/python benchmarks/teams.py --quick    # 1/10 of the trials
    .venv/bin/python benchmarks/teams.py --engine pipeline    # 100 replications (--quick: 20)
    .venv/bin/python benchmarks/teams.py --flows    # referrals and the collaboration score
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


import sim  # noqa: E402
from sim.market import Referrals  # noqa: E402
from sim.metrics import company_metrics  # noqa: E402
from sim.run import ENGINES  # noqa: E402

SCENARIO = ROOT / "scenarios" / "key_account_teams.toml"
TARGET_RATIO = 1.5


def _example(reps: int, co_sells: bool = False) -> tuple[sim.Scenario, sim.Team]:
    """The key-account teams example, effort fixed, and its team resized to ``reps``
    reps in sales teams of ten. With ``co_sells`` the solutions specialists also sell
    their own accounts and co-sell in the pipeline engine, so help has a cost; industry
    specialists stay overlays credited on their teams' deals."""
    s = sim.load_scenario(SCENARIO)
    behaviour = s.behaviour.model_copy(
        update={"effort": s.behaviour.effort.model_copy(update={"enabled": False})}
    )
    roles = (  # by position in each sales team, whatever its size
        s.team.roles[0].model_copy(update={"co_sells": co_sells, "originates": co_sells}),
        s.team.roles[1].model_copy(update={"reps": (), "per_team": 1}),
    )
    names = ["North", "South", "East", "West"] + [f"Team {i}" for i in range(5, reps // 10 + 1)]
    team = s.team.model_copy(update={"reps": reps, "roles": roles, "teams": tuple(names)})
    return s.model_copy(update={"behaviour": behaviour}), team


def scenarios(reps: int, co_sells: bool = False) -> tuple[sim.Scenario, sim.Scenario]:
    """(with teams, without): the team-share plan with overlays, crediting and help
    (effort fixed), and the individual plan of the same team and behaviour settings
    with no roles and no crediting (help is on, but no plan pays for it). With
    ``co_sells`` the overlays co-sell in the pipeline engine."""
    s, team = _example(reps, co_sells)
    on = s.model_copy(
        update={"team": team, "plan": sim.load_scenario(SCENARIO).variants["team_share"]}
    )
    off = on.model_copy(
        update={
            "team": team.model_copy(update={"roles": ()}),
            "plan": s.plan.model_copy(update={"credit": {}}),
        }
    )
    return on, off


def flow_scenarios(reps: int) -> tuple[sim.Scenario, sim.Scenario]:
    """(with the flows, without): the collaboration plan with ``[market.referrals]``
    (its defaults) and ``[market.collaboration_score]`` declared, and the same without
    either."""
    s, team = _example(reps)
    market = s.market.model_copy(update={"referrals": Referrals()})
    plan = s.variants["collaboration"]
    on = s.model_copy(update={"team": team, "plan": plan, "variants": {}, "market": market})
    off = on.model_copy(
        update={
            "market": s.market.model_copy(update={"referrals": None, "collaboration_score": None})
        }
    )
    return on, off


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def flows(reps: int, kw: dict) -> None:
    """Time the collaboration plan with the referral and score flows and without."""
    on, off = flow_scenarios(reps)
    for warm in (off, on):  # imports, caches and the calibration sample out of the timing
        sim.simulate(warm, [], **{**kw, "trials": 100})
    _, t_off = timed(lambda: sim.simulate(off, [], **kw))
    r_on, t_on = timed(lambda: sim.simulate(on, [], **kw))
    referred = float(r_on.base.summary.yearly["referrals"].mean())
    print(f"without the flows: {t_off:.1f} s    with referrals and the score: {t_on:.1f} s")
    print(f"referrals that became opportunities per year (with the flows): {referred:,.1f}")
    report(t_on / t_off, "the flows")


def report(ratio: float, what: str) -> None:
    verdict = "ok" if ratio <= TARGET_RATIO else "ABOVE TARGET"
    print(f"ratio with / without {what}: {ratio:.2f} (target <= {TARGET_RATIO}) {verdict}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1/10 of the trials")
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--trials", type=int, default=None)
    ap.add_argument("--engine", choices=ENGINES, default="montecarlo")
    ap.add_argument("--flows", action="store_true", help="referrals and the score instead")
    args = ap.parse_args()
    pipeline = args.engine == "pipeline"
    trials = args.trials or (100 if pipeline else 10_000)
    trials = max(1, trials // (5 if pipeline else 10)) if args.quick else trials
    print(f"{args.reps} reps x 12 months x {trials:,} trials, 2 workers, {args.engine} engine")
    kw = dict(trials=trials, workers=2, engine=args.engine)
    if args.flows:
        flows(args.reps, kw)
        return
    on, off = scenarios(args.reps, co_sells=pipeline)
    r_off, t_off = timed(lambda: sim.simulate(off, [], **kw))
    r_on, t_on = timed(lambda: sim.simulate(on, [], **kw))
    helped = float(r_on.base.summary.yearly["help_given"].mean())
    assert float(r_off.base.summary.yearly["help_given"].sum()) == 0.0
    print(f"without teams: {t_off:.1f} s    with crediting and help: {t_on:.1f} s")
    print(f"help given per year (with teams): {helped:,.0f}")
    if pipeline:
        m = company_metrics(r_on.base)
        roles = tuple(r.model_copy(update={"co_sells": False}) for r in on.team.roles)
        quiet = on.model_copy(update={"team": on.team.model_copy(update={"roles": roles})})
        r_quiet = sim.simulate(quiet, [], rep_years=True, **kw)  # the same reps, no co-selling
        helpers = r_on.population.account_teams.co_sells
        alone = float(r_quiet.base.actuals["revenue"][:, helpers].sum(1).mean())
        own = m["co_sellers_revenue"]
        print(
            f"co-selling per year: {m['co_sell_opportunities']:,.0f} opportunities joined, "
            f"{m['co_sell_days']:,.0f} slot-days, {m['help_given']:,.0f} of bookings added"
        )
        print(
            f"co-sellers' own bookings: {own:,.0f} with co-selling, {alone:,.0f} without "
            f"({own / alone - 1:+.1%}); team revenue {m['revenue_expected']:,.0f} with, "
            f"{company_metrics(r_quiet.base)['revenue_expected']:,.0f} without"
        )
    report(t_on / t_off, "teams")


if __name__ == "__main__":
    main()
