"""Benchmark of the Monte Carlo engine and the full ``simulate()`` pipeline.

Measures, in one run (benchmarks/README.md explains each figure):

* peak memory of ``simulate()`` at 2,000 reps x 10,000 trials, alone in a
  child process;
* rep-months per second of ``sim.simulate`` (engine + payouts + metrics-ready
  arrays) with 1 worker and with 2 worker threads;
* the *floor ratio*: engine wall time / the time numpy alone takes, on one
  thread, to draw as many standard normals as the engine consumed
  (``result.draws``), one ``rng.standard_normal`` call per 50-trial stream
  block;
* the speed-up over a straightforward per-rep, per-month pure-Python loop of
  the same model and plan (``reference_loop`` below), per rep-month.

Usage::

    .venv/bin/python benchmarks/montecarlo.py              # full run, a few minutes
    .venv/bin/python benchmarks/montecarlo.py --quick      # every size / 20, smoke test
    .venv/bin/python benchmarks/montecarlo.py --skip-memory

The scenario is scenarios/key_account_baseline.toml with the team resized and
the plan variants dropped: the base plan's three measures (revenue, new
accounts, cross-sell), paid quarterly with the csat modifier and the annual
true-up.
"""

from __future__ import annotations

import argparse
import bisect
import json
import math
import os
import random
import resource
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sim  # noqa: E402
from sim.chunks import chunk_bounds  # noqa: E402
from sim.distributions import Fixed, LogNormal  # noqa: E402
from sim.measures import MEASURES  # noqa: E402
from sim.montecarlo import MonteCarloEngine  # noqa: E402
from sim.payout import MAX_ATTAINMENT, rep_targets  # noqa: E402
from sim.run import make_population  # noqa: E402
from sim.streams import BLOCK_TRIALS  # noqa: E402

SCENARIO = ROOT / "scenarios" / "key_account_baseline.toml"
MONTHS = 12
SEED = 20261127

# Targets the figures are compared against.
FLOOR_TARGET = 2.0  # engine time / numpy standard-normal floor, both cores
LOOP_TARGET = 50.0  # speed-up over the per-rep-month Python loop
MEMORY_TARGET_GB = 1.0  # peak RSS at 2,000 reps x 10,000 trials (1 GB = 1e9 bytes)
OUTSIDE_TARGET = 0.25  # share of simulate() time outside the engine, 2 workers


# ---------------------------------------------------------------------------
# scenario and timing utilities
# ---------------------------------------------------------------------------
def make_scenario(reps: int) -> sim.Scenario:
    """The key-account baseline with ``reps`` reps and only the base plan."""
    s = sim.load_scenario(SCENARIO)
    return s.model_copy(update={"team": s.team.model_copy(update={"reps": reps}), "variants": {}})


def chunk_trials(scenario: sim.Scenario, trials: int) -> int:
    """The scenario's chunk size, cut so that small (--quick) runs still have
    at least four chunks for two workers to share."""
    quarter = max(BLOCK_TRIALS, (trials // 4) // BLOCK_TRIALS * BLOCK_TRIALS)
    return min(scenario.simulation.chunk_trials, quarter)


def engine_bounds(engine, chunk: int, trials: int) -> list[tuple[int, int]]:
    """The chunks ``sim.simulate`` uses for ``chunk_trials=chunk``: (first trial, trials)."""
    return chunk_bounds(engine, trials, chunk, 2)


class Timing(NamedTuple):
    """Wall seconds of a timed call, the cores this process kept busy meanwhile,
    and the cores other processes on the machine kept busy (noise)."""

    wall: float
    cores: float
    other: float


def _machine_busy() -> float | None:
    """CPU seconds used by every process on the machine so far (Linux /proc/stat)."""
    try:
        ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    except (OSError, ValueError):
        return None
    busy = sum(ticks) - ticks[3] - ticks[4]  # all but idle and iowait
    return busy / os.sysconf("SC_CLK_TCK")


def wait_quiet(max_wait: float, window: float = 2.0, threshold: float = 0.15) -> None:
    """Wait (up to ``max_wait`` s) until other processes keep under ``threshold``
    cores busy for ``window`` seconds, so that shared machines give clean timings."""
    if max_wait <= 0 or _machine_busy() is None:
        return
    end = time.monotonic() + max_wait
    while time.monotonic() < end:
        busy0 = _machine_busy()
        time.sleep(window)
        if (_machine_busy() - busy0) / window < threshold:
            return


#: Seconds to wait for a quiet machine before each timed run (see --max-wait).
MAX_WAIT = [0.0]


def timed(fn):
    """Run ``fn()`` (after waiting for a quiet machine); return (Timing, its result)."""
    wait_quiet(MAX_WAIT[0])
    busy0, cpu0 = _machine_busy(), time.process_time()
    t0 = time.perf_counter()
    out = fn()
    wall = time.perf_counter() - t0
    own = time.process_time() - cpu0
    busy1 = _machine_busy()
    other = max(busy1 - busy0 - own, 0.0) / wall if busy0 is not None else math.nan
    return Timing(wall, own / wall, other), out


def time_simulate(scenario, trials, seed, workers, chunk):
    return timed(
        lambda: sim.simulate(
            scenario, trials=trials, seed=seed, workers=workers, chunk_trials=chunk
        )
    )


def time_engine(scenario, trials, seed, workers, chunk):
    """The engine alone over simulate()'s chunks; returns (Timing, draws)."""
    pop = make_population(scenario)
    engine = MonteCarloEngine(scenario.market, pop)
    bounds = engine_bounds(engine, chunk, trials)

    def task(b):
        return engine.simulate_trials(seed, b[0], b[1]).draws  # outcomes dropped

    def run():
        if workers == 1:
            return sum(task(b) for b in bounds)
        with ThreadPoolExecutor(workers) as pool:
            return sum(pool.map(task, bounds))

    return timed(run)


def time_floor(draws: int, trials: int, seed: int, repeat: int = 3) -> float:
    """Best time for numpy to draw ``draws`` standard normals, one call per stream block."""
    n_blocks = -(-trials // BLOCK_TRIALS)
    per, extra = divmod(draws, n_blocks)
    sizes = [per + (1 if b < extra else 0) for b in range(n_blocks)]
    best = math.inf
    for _ in range(repeat):
        wait_quiet(MAX_WAIT[0])
        rng = np.random.Generator(np.random.PCG64(seed))
        t0 = time.perf_counter()
        for size in sizes:
            rng.standard_normal(size)
        best = min(best, time.perf_counter() - t0)
    return best


# ---------------------------------------------------------------------------
# the reference implementation: one rep, one month, one deal at a time
# ---------------------------------------------------------------------------
COMPONENT_NAMES = (
    "new_value",
    "new_count",
    "xsell_value",
    "xsell_count",
    "cycle_days_sum",
    "renewals_due",
    "renewals_won",
    "csat",
    "gross_margin",
    "discount_given",
    "sales_cost",
)


def _scalar_sampler(dist, rnd: random.Random, nrng: np.random.Generator):
    if isinstance(dist, LogNormal):
        mu, sigma = dist.mu, dist.sigma
        return lambda: rnd.lognormvariate(mu, sigma)
    if isinstance(dist, Fixed):
        return lambda: dist.value
    return lambda: float(dist.sample(nrng, 1)[0])


def _measure_value(name: str, comps: dict[str, list[float]], months: range) -> float:
    """One measure over ``months`` from monthly component lists (scalar)."""
    kind = MEASURES[name]
    num = sum(comps[c][mo] for c in kind.numerator for mo in months)
    if kind.average:
        return num / len(months)
    if not kind.denominator:
        return num
    den = sum(comps[c][mo] for c in kind.denominator for mo in months)
    return num / den if den > 0 else kind.empty


def _attain(actual: float, target: float, direction: str) -> float:
    if direction == "higher":
        a = actual / target if target else math.nan
    elif actual > 0:
        a = target / actual
    else:
        a = MAX_ATTAINMENT if actual == 0 else math.nan
    return 0.0 if math.isnan(a) else min(a, MAX_ATTAINMENT)


def _pay_shares(plan, att: dict, values: dict) -> dict:
    shares = {}
    for m in plan.measures:
        a = att[m.id]
        for g in plan.gates:
            if not g.applies_to or m.id in g.applies_to:
                v = att[g.measure] if g.on == "attainment" else values[g.measure]
                if not (v >= g.floor):
                    a = min(a, g.max_attainment)
        s = float(m.curve.payout(a))  # the plan's own curve, one scalar at a time
        for mod in plan.modifiers:
            if not mod.applies_to or m.id in mod.applies_to:
                v = values[mod.measure]
                if not math.isnan(v):
                    s *= mod.factors[bisect.bisect_right(mod.bands, v)]
        shares[m.id] = s
    return shares


def reference_loop(scenario: sim.Scenario, trials: int, seed: int) -> dict[str, np.ndarray]:
    """Straightforward per-rep, per-month loop of the engine's model and the base plan.

    The engine's foundation model (fixed effort, no market shifts), with the
    same population (drawn by the library) and market parameters as the
    engine. Draws one variate at a time (``random`` for normal, lognormal and
    gamma variates, numpy scalar draws for Poisson and binomial), then pays
    the plan per rep with its curves evaluated on scalars.
    Returns annual revenue and total incentive per (trial, rep).
    """
    mk, plan = scenario.market, scenario.plan
    pop = make_population(scenario)
    if any(m.level == "team" for m in plan.measures):
        raise NotImplementedError("the reference loop pays individual measures only")
    if getattr(mk, "shifts", ()) or getattr(mk.renewal, "churn_reduces_cross_sell", False):
        raise NotImplementedError("the reference loop models a market without shifts or churn")
    rnd, nrng = random.Random(seed), np.random.default_rng(seed)
    periods, ti = plan.periods, plan.pay_mix.target_incentive
    per_period = MONTHS // periods

    demand = mk.demand(MONTHS).tolist()
    nb, xs, cyc, ren = mk.new_business, mk.cross_sell, mk.cycle, mk.renewal
    sat, mg, sc = mk.satisfaction, mk.margin, mk.sales_cost
    new_size = _scalar_sampler(nb.deal_size, rnd, nrng)
    x_size = _scalar_sampler(xs.deal_size, rnd, nrng)
    # per-rep parameters, as Python floats
    ability = pop.ability.tolist()
    potential = pop.potential_index.tolist()  # territory potential, mean 1 over the team
    accounts = pop.accounts.tolist()
    base_new = [nb.deals_per_month * a * p for a, p in zip(ability, potential, strict=True)]
    base_x = [xs.deals_per_account_month * n * a for n, a in zip(accounts, ability, strict=True)]
    cycle_scale = [cyc.mean_days / cyc.shape * a ** (-cyc.ability_effect) for a in ability]
    p_keep = [min(max(ren.retention + ren.ability_effect * math.log(a), 0.0), 1.0) for a in ability]
    csat_base = pop.csat_base.tolist()
    due = pop.renewals_due.tolist()
    cost_per_deal = sc.per_opportunity / sc.win_rate
    # targets per rep and period
    tgt = {m.id: rep_targets(m, pop, periods).tolist() for m in plan.measures}
    raw = {g.measure for g in plan.gates if g.on == "value"} | {d.measure for d in plan.modifiers}
    year = range(MONTHS)

    revenue_out = np.zeros((trials, pop.size))
    total_out = np.zeros((trials, pop.size))
    for t in range(trials):
        shock = math.exp(mk.shock_sd * rnd.gauss(0.0, 1.0) - 0.5 * mk.shock_sd**2)
        for i in range(pop.size):
            comps = {c: [0.0] * MONTHS for c in COMPONENT_NAMES}
            for mo in year:
                scale = shock * demand[mo]
                n_new = int(nrng.poisson(scale * base_new[i]))
                n_x = int(nrng.poisson(scale * base_x[i]))
                v_new = 0.0
                for _ in range(n_new):
                    v_new += new_size()
                v_x = 0.0
                for _ in range(n_x):
                    v_x += x_size()
                deals = n_new + n_x
                cycle = rnd.gammavariate(cyc.shape * deals, cycle_scale[i]) if deals else 0.0
                d = due[i][mo]
                won = int(nrng.binomial(d, p_keep[i])) if d else 0
                csat = min(max(csat_base[i] + sat.month_sd * rnd.gauss(0.0, 1.0), 0.0), 10.0)
                disc = min(max(mg.discount_mean + mg.discount_sd * rnd.gauss(0.0, 1.0), 0.0), 0.9)
                revenue = v_new + v_x
                list_price = revenue / (1.0 - disc)
                comps["new_value"][mo] = v_new
                comps["new_count"][mo] = n_new
                comps["xsell_value"][mo] = v_x
                comps["xsell_count"][mo] = n_x
                comps["cycle_days_sum"][mo] = cycle
                comps["renewals_due"][mo] = d
                comps["renewals_won"][mo] = won
                comps["csat"][mo] = csat
                comps["gross_margin"][mo] = revenue - mg.cogs_share * list_price
                comps["discount_given"][mo] = list_price - revenue
                comps["sales_cost"][mo] = sc.fixed_per_month + cost_per_deal * deals

            # period payouts
            period_total = 0.0
            for p in range(periods):
                months = range(p * per_period, (p + 1) * per_period)
                values = {n: _measure_value(n, comps, months) for n in raw}
                att = {}
                for m in plan.measures:
                    actual = _measure_value(m.name, comps, months)
                    att[m.id] = _attain(actual, tgt[m.id][i][p], m.direction)
                shares = _pay_shares(plan, att, values)
                period_total += sum(m.weight * ti / periods * shares[m.id] for m in plan.measures)
            # annual true-up
            true_up = 0.0
            if periods > 1 and plan.true_up:
                values = {n: _measure_value(n, comps, year) for n in raw}
                att = {}
                for m in plan.measures:
                    row = tgt[m.id][i]
                    annual_target = sum(row) if m.additive else row[0]
                    actual = _measure_value(m.name, comps, year)
                    att[m.id] = _attain(actual, annual_target, m.direction)
                shares = _pay_shares(plan, att, values)
                annual = sum(m.weight * ti * shares[m.id] for m in plan.measures)
                true_up = annual - period_total
                if not plan.clawback:
                    true_up = max(true_up, 0.0)
            revenue_out[t, i] = _measure_value("revenue", comps, year)
            total_out[t, i] = period_total + true_up
    return {"revenue": revenue_out, "total": total_out}


# ---------------------------------------------------------------------------
# peak memory, measured alone in a child process
# ---------------------------------------------------------------------------
def _vm_hwm() -> int | None:
    """Peak resident set of this process image (Linux VmHWM), in bytes."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _nbytes(obj) -> int:
    """Bytes held by the numpy arrays in a (nested) result object."""
    if isinstance(obj, np.ndarray):
        return obj.nbytes
    if isinstance(obj, dict):
        return sum(_nbytes(v) for v in obj.values())
    if hasattr(obj, "__dataclass_fields__"):
        return sum(_nbytes(getattr(obj, f)) for f in obj.__dataclass_fields__)
    return 0


def memory_child(reps: int, trials: int, seed: int, workers: int) -> None:
    import tracemalloc

    scenario = make_scenario(reps)
    sim.simulate(scenario, trials=BLOCK_TRIALS, seed=seed, workers=1)  # imports, caches
    hwm_before = _vm_hwm()
    tracemalloc.start()
    t0 = time.perf_counter()
    res = sim.simulate(scenario, trials=trials, seed=seed, workers=workers)
    seconds = time.perf_counter() - t0
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # ru_maxrss is in KiB on Linux. After fork + exec it may carry the parent's
    # high-water mark, so the peak of this process image (VmHWM) is preferred.
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    report = {
        "reps": reps,
        "trials": trials,
        "workers": workers,
        "seconds": seconds,
        "vm_hwm": _vm_hwm(),
        "vm_hwm_before": hwm_before,
        "maxrss": maxrss,
        "traced_peak": traced_peak,
        "result_bytes": _nbytes(res.variants),
        "draws": res.draws,
    }
    print(json.dumps(report))


def run_memory(reps: int, trials: int, seed: int, workers: int) -> dict:
    script = str(Path(__file__).resolve())
    cmd = [
        sys.executable,
        script,
        "--memory-child",
        str(reps),
        str(trials),
        str(seed),
        str(workers),
    ]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT)
    mem = json.loads(out.stdout.strip().splitlines()[-1])
    mem["peak"] = mem["vm_hwm"] or mem["maxrss"]
    return mem


# ---------------------------------------------------------------------------
# the run
# ---------------------------------------------------------------------------
def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def _cores(tm: Timing) -> str:
    return f"(busy cores: {tm.cores:.2f} this process, {tm.other:.2f} others)"


def _w(w: int) -> str:
    return f"{w} worker{'s' if w > 1 else ' '}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="shrink every size (trials / 20)")
    ap.add_argument("--skip-memory", action="store_true", help="skip the big-memory subprocess")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument(
        "--repeat", type=int, default=None, help="timed runs per figure, best kept (default 3)"
    )
    ap.add_argument(
        "--max-wait",
        type=float,
        default=None,
        help="seconds to wait for other processes to go quiet before each timed run "
        "(default 60; 2 with --quick)",
    )
    ap.add_argument("--memory-child", nargs=4, type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    MAX_WAIT[0] = args.max_wait if args.max_wait is not None else (2.0 if args.quick else 60.0)
    if args.memory_child:
        memory_child(*args.memory_child)
        return 0

    shrink = 20 if args.quick else 1
    repeat = max(1, args.repeat or (1 if args.quick else 3))
    reps, trials = 200, 10_000 // shrink
    loop_trials = max(1, 20 // shrink)
    mem_reps, mem_trials = 2_000, 10_000 // shrink
    seed = args.seed
    rm = reps * MONTHS * trials
    scenario = make_scenario(reps)
    chunk = chunk_trials(scenario, trials)
    bounds = engine_bounds(
        MonteCarloEngine(scenario.market, make_population(scenario)), chunk, trials
    )

    quick = " (--quick: sizes / 20)" if args.quick else ""
    print(f"planlab Monte Carlo benchmark{quick}")
    print(
        f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, numpy {np.__version__}"
    )
    measures = ", ".join(m.id for m in scenario.plan.measures)
    print(
        f"scenario: {SCENARIO.relative_to(ROOT)}, base plan ({measures}; {scenario.plan.period}ly)"
    )
    print(
        f"size: {reps} reps x {MONTHS} months x {trials:,} trials = {rm:,} rep-months "
        f"({len(bounds)} chunks of {bounds[0][1]} trials)"
    )
    print(f"timings: best of {repeat}; load average at start {os.getloadavg()[0]:.2f}")
    print()

    # 1. peak memory, first, while this process is still small
    mem = None
    if not args.skip_memory:
        mem = run_memory(mem_reps, mem_trials, seed, 2)
        print(
            f"peak memory: simulate() at {mem_reps:,} reps x {MONTHS} months x {mem_trials:,} "
            f"trials, 2 workers, own process ({mem['seconds']:.1f} s)"
        )
        print(
            f"  peak RSS {mem['peak'] / 1e9:.2f} GB (ru_maxrss {mem['maxrss'] / 1e9:.2f} GB; "
            f"{(mem['vm_hwm_before'] or 0) / 1e9:.2f} GB before the run)"
        )
        print(
            f"  tracemalloc peak {mem['traced_peak'] / 1e9:.2f} GB; arrays in the returned "
            f"result {mem['result_bytes'] / 1e9:.2f} GB"
        )
        print()

    sim.simulate(scenario, trials=2 * BLOCK_TRIALS, seed=seed, workers=2)  # warm-up

    # 2. full simulate(): best of ``repeat``, 1 and 2 workers interleaved so
    # that a burst of other load on the machine does not decide a figure.
    best_sim, res = {}, {}
    for _ in range(repeat):
        for w in (1, 2):
            tm, res[w] = time_simulate(scenario, trials, seed, w, chunk)
            if w not in best_sim or tm.wall < best_sim[w].wall:
                best_sim[w] = tm
    t_sim = {w: best_sim[w].wall for w in (1, 2)}
    draws = res[1].draws
    assert res[2].draws == draws
    assert np.array_equal(res[1].base.summary.yearly["cost"], res[2].base.summary.yearly["cost"])
    print("simulate() (engine + payout + metrics-ready arrays)")
    for w in (1, 2):
        print(
            f"  {_w(w)}: {t_sim[w]:8.2f} s   {rm / t_sim[w] / 1e6:6.2f} M rep-months/s   "
            f"{t_sim[w] / rm * 1e9:4.0f} ns/rep-month   {_cores(best_sim[w])}"
        )
    print(f"  2 workers vs 1: {t_sim[1] / t_sim[2]:.2f}x")
    print()

    # 3. floor ratio
    best_eng = {}
    for _ in range(repeat):
        for w in (1, 2):
            tm, d = time_engine(scenario, trials, seed, w, chunk)
            assert d == draws, (d, draws)
            if w not in best_eng or tm.wall < best_eng[w].wall:
                best_eng[w] = tm
    t_eng = {w: best_eng[w].wall for w in (1, 2)}
    t_floor = time_floor(draws, trials, seed)
    n_blocks = -(-trials // BLOCK_TRIALS)
    floor = {w: t_eng[w] / t_floor for w in (1, 2)}
    print("floor ratio (engine wall time / numpy drawing as many standard normals, 1 thread)")
    print(f"  variates the engine consumed (result.draws): {draws:,} ({draws / rm:.2f}/rep-month)")
    print(
        f"  numpy floor: {n_blocks} x rng.standard_normal(~{draws // n_blocks:,}): "
        f"{t_floor:.2f} s ({t_floor / draws * 1e9:.1f} ns/variate)"
    )
    for w in (1, 2):
        print(
            f"  engine, {_w(w)}: {t_eng[w]:8.2f} s   floor ratio {floor[w]:5.2f}   "
            f"{_cores(best_eng[w])}"
        )
    print(f"  engine, 2 workers vs 1: {t_eng[1] / t_eng[2]:.2f}x")
    for w in (1, 2):
        rest = max(t_sim[w] - t_eng[w], 0.0) / t_sim[w]
        print(f"  share of simulate() outside the engine (payout, arrays), {_w(w)}: {rest:.0%}")
    print()

    # 4. reference loop
    loop_rm = reps * MONTHS * loop_trials
    t_loop = math.inf
    for _ in range(min(repeat, 2)):
        tm, ref = timed(lambda: reference_loop(scenario, loop_trials, seed))
        t_loop = min(t_loop, tm.wall)
    per_loop = t_loop / loop_rm
    speed = {w: per_loop / (t_sim[w] / rm) for w in (1, 2)}
    print(
        f"reference loop (pure Python, per rep, month and deal; "
        f"{reps} reps x {MONTHS} months x {loop_trials} trials = {loop_rm:,} rep-months)"
    )
    print(f"  {t_loop:.2f} s   {per_loop * 1e6:.1f} us/rep-month")
    for w in (1, 2):
        print(f"  simulate() with {_w(w)} is {speed[w]:6.1f}x faster per rep-month")
    per_rep_year = res[1].trials * res[1].population.size
    e_rev = res[1].base.summary.yearly["revenue"].sum() / per_rep_year / MONTHS
    e_tot = res[1].base.summary.yearly["cost"].sum() / per_rep_year
    print(
        f"  same model? mean revenue per rep-month: loop {ref['revenue'].mean() / MONTHS:,.0f}"
        f" vs engine {e_rev:,.0f}; mean incentive per rep-year: loop "
        f"{ref['total'].mean():,.0f} vs engine {e_tot:,.0f}"
    )
    print()

    noisy = [
        f"{label} {_w(w).strip()} ({tm.other:.2f} cores)"
        for label, best in (("simulate()", best_sim), ("engine", best_eng))
        for w, tm in best.items()
        if tm.other > 0.2
    ]
    if noisy:
        print("WARNING: other processes were busy during: " + "; ".join(noisy))
        print("         those figures are pessimistic; rerun on a quiet machine.")
        print()

    # targets
    note = "  (quick sizes: indicative only)" if args.quick else ""
    print(f"targets{note}")
    print(
        f"  {_verdict(floor[2] <= FLOOR_TARGET)}  floor ratio with 2 workers "
        f"{floor[2]:.2f} <= {FLOOR_TARGET:g}   (1 worker: {floor[1]:.2f})"
    )
    outside = max(t_sim[2] - t_eng[2], 0.0) / t_sim[2]
    print(
        f"  {_verdict(outside <= OUTSIDE_TARGET)}  share of simulate() outside the engine, "
        f"2 workers {outside:.0%} <= {OUTSIDE_TARGET:.0%}"
    )
    for w in (1, 2):
        print(
            f"  {_verdict(speed[w] >= LOOP_TARGET)}  speed-up over the loop, {_w(w).strip()} "
            f"{speed[w]:.0f}x >= {LOOP_TARGET:g}x"
        )
    if mem is not None:
        gb = mem["peak"] / 1e9
        print(
            f"  {_verdict(gb < MEMORY_TARGET_GB)}  peak memory at {mem_reps:,} reps x "
            f"{mem_trials:,} trials {gb:.2f} GB < {MEMORY_TARGET_GB:g} GB"
        )
    else:
        print("  ----  peak memory skipped (--skip-memory)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
