"""Benchmark of the collaboration flows: referrals and the assessed score.

Simulates the key-account teams example's collaboration plan (reps choosing help,
effort fixed) with the team resized, once with ``[market.referrals]`` and
``[market.collaboration_score]`` declared and once with neither, in one process,
and prints the ratio of wall times. Target: with / without <= 1.5 (the issue's
bound for teams and help).

Usage::

    .venv/bin/python benchmarks/collaboration.py            # 200 reps x 12 months x 10,000 trials
    .venv/bin/python benchmarks/collaboration.py --quick    # 1/10 of the trials
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

SCENARIO = ROOT / "scenarios" / "key_account_teams.toml"
TARGET_RATIO = 1.5


def scenarios(reps: int) -> tuple[sim.Scenario, sim.Scenario]:
    """(with the flows, without): the collaboration plan on ``reps`` reps in sales teams
    of ten, effort fixed, help chosen by the plan."""
    s = sim.load_scenario(SCENARIO)
    behaviour = s.behaviour.model_copy(
        update={"effort": s.behaviour.effort.model_copy(update={"enabled": False})}
    )
    names = ["North", "South", "East", "West"] + [f"Team {i}" for i in range(5, reps // 10 + 1)]
    roles = (  # by position in each sales team, whatever its size
        s.team.roles[0],
        s.team.roles[1].model_copy(update={"reps": (), "per_team": 1}),
    )
    team = s.team.model_copy(update={"reps": reps, "roles": roles, "teams": tuple(names)})
    on = s.model_copy(
        update={
            "team": team,
            "plan": s.variants["collaboration"],
            "variants": {},
            "behaviour": behaviour,
            "market": s.market.model_copy(update={"referrals": Referrals()}),
        }
    )
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1/10 of the trials")
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--trials", type=int, default=10_000)
    args = ap.parse_args()
    trials = args.trials // 10 if args.quick else args.trials
    on, off = scenarios(args.reps)
    print(f"{args.reps} reps x 12 months x {trials:,} trials, 2 workers")
    for warm in (off, on):  # imports, caches and the calibration sample out of the timing
        sim.simulate(warm, [], trials=100, workers=2)
    r_off, t_off = timed(lambda: sim.simulate(off, [], trials=trials, workers=2))
    r_on, t_on = timed(lambda: sim.simulate(on, [], trials=trials, workers=2))
    referred = float(r_on.base.actuals["referrals"].sum(1).mean())
    print(f"without the flows: {t_off:.1f} s    with referrals and the score: {t_on:.1f} s")
    print(f"referrals that became opportunities per year (with the flows): {referred:,.1f}")
    ratio = t_on / t_off
    verdict = "ok" if ratio <= TARGET_RATIO else "ABOVE TARGET"
    print(f"ratio with / without the flows: {ratio:.2f} (target <= {TARGET_RATIO}) {verdict}")


if __name__ == "__main__":
    main()
