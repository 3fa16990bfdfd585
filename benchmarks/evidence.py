"""The behaviour model against published field evidence: one line per study.

For each study in ``scenarios/evidence/`` (see :mod:`sim.behaviour.evidence`)
prints the published effect, planlab's effect with its paired 95% interval (the
two plans of a comparison share every random draw), the ratio of planlab's point
estimate to the published one, and whether it lies in the band the behaviour
issue sets. Figures are recorded in ``benchmarks/README.md``.

Usage::

    .venv/bin/python benchmarks/evidence.py              # 1,000 simulated years per plan
    .venv/bin/python benchmarks/evidence.py --trials 200
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sim.behaviour.evidence import STUDIES, measure  # noqa: E402

FOLDER = ROOT / "scenarios" / "evidence"


def _fmt(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{x:+.2%}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=None, help="years per plan (default: file's)")
    ap.add_argument("--study", action="append", help="only these study keys")
    args = ap.parse_args()
    print(
        f"{'study':34s} {'published':>10s} {'planlab':>9s} {'95% interval':>20s} {'ratio':>6s}  band"
    )
    for s in STUDIES:
        if args.study and s.key not in args.study:
            continue
        e = measure(s, FOLDER, args.trials)
        ratio = e.value / s.published_value if not math.isnan(s.published_value) else math.nan
        lo, hi = s.band
        ok = lo <= e.value <= hi and (lo < 0 or e.low > 0) and (hi > 0 or e.high < 0)
        band = f"[{_fmt(lo) if math.isfinite(lo) else '-inf'}, {_fmt(hi) if math.isfinite(hi) else '+inf'}]"
        print(
            f"{s.citation[:34]:34s} {_fmt(s.published_value):>10s} {_fmt(e.value):>9s} "
            f"[{_fmt(e.low)}, {_fmt(e.high)}] {'' if math.isnan(ratio) else f'{ratio:6.2f}':>6s}  "
            f"{band} {'PASS' if ok else 'MISS'}"
        )
        print(f"    {s.unit}; published: {s.published}")
        for k, v in e.extra.items():
            print(f"    {k}: {v:.4g}")


if __name__ == "__main__":
    main()
