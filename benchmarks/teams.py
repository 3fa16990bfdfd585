"""Benchmark of account teams: the same run with crediting and help, and without teams.

Simulates the key-account teams example's team-share plan, on sales teams of ten
reps as key-account teams are (solutions and industry overlays, every deal split between account manager and overlays, 20%
of pay on the team's revenue, reps choosing help) with the team resized, then
the same scenario without teams (the individual plan: no roles, no crediting,
no team measure; help switched on as before, but nobody is paid on a team-mate's
result, so nobody helps), in one process, and prints the ratio of wall times. Target: with teams / without <= 1.5.

Usage::

    .venv/bin/python benchmarks/teams.py            # 200 reps x 12 months x 10,000 trials
    .venv/bin/python benchmarks/teams.py --quick    # 1/10 of the trials
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

SCENARIO = ROOT / "scenarios" / "key_account_teams.toml"
TARGET_RATIO = 1.5


def scenarios(reps: int) -> tuple[sim.Scenario, sim.Scenario]:
    """(with teams, without): the team-share plan with overlays, crediting and help
    (effort fixed), and the individual plan of the same team and behaviour settings
    with no roles and no crediting (help is on, but no plan pays for it)."""
    s = sim.load_scenario(SCENARIO)
    behaviour = s.behaviour.model_copy(
        update={"effort": s.behaviour.effort.model_copy(update={"enabled": False})}
    )
    roles = (  # by position in each sales team, whatever its size
        s.team.roles[0],
        s.team.roles[1].model_copy(update={"reps": (), "per_team": 1}),
    )
    names = ["North", "South", "East", "West"] + [f"Team {i}" for i in range(5, reps // 10 + 1)]
    team = s.team.model_copy(update={"reps": reps, "roles": roles, "teams": tuple(names)})
    plan = s.variants["team_share"]
    on = s.model_copy(update={"team": team, "plan": plan, "variants": {}, "behaviour": behaviour})
    off = on.model_copy(
        update={
            "team": team.model_copy(update={"roles": ()}),
            "plan": s.plan.model_copy(update={"credit": {}}),
        }
    )
    return on, off


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1/10 of the trials")
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--trials", type=int, default=10_000)
    args = ap.parse_args()
    trials = args.trials // 10 if args.quick else args.trials
    on, off = scenarios(args.reps)
    print(f"{args.reps} reps x 12 months x {trials:,} trials, 2 workers")
    r_off, t_off = timed(lambda: sim.simulate(off, [], trials=trials, workers=2))
    r_on, t_on = timed(lambda: sim.simulate(on, [], trials=trials, workers=2))
    helped = float(r_on.base.summary.yearly["help_given"].mean())
    assert float(r_off.base.summary.yearly["help_given"].sum()) == 0.0
    print(f"without teams: {t_off:.1f} s    with crediting and help: {t_on:.1f} s")
    print(f"help given per year (with teams): {helped:,.0f}")
    ratio = t_on / t_off
    verdict = "ok" if ratio <= TARGET_RATIO else "ABOVE TARGET"
    print(f"ratio with / without teams: {ratio:.2f} (target <= {TARGET_RATIO}) {verdict}")


if __name__ == "__main__":
    main()
