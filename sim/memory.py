"""Peak memory of a run, estimated from the scenario and options before it starts.

A run holds: the interpreter and its libraries; the chunks in flight (one outcome
table of monthly components per worker, plus the deals drawn for it; a large
team's chunk is held a slice of at most ``CHUNK_REP_TRIALS`` rep-trials at a time,
beside its stream block's normals and paid annual arrays); the
behaviour model's calibration sample (one outcome table per effort level) when
reps respond to the plan; and the result (bounded summaries, plus per-(trial, rep)
arrays when a run keeps them). :func:`estimate_peak` adds these up with
coefficients measured by ``benchmarks/memory.py``; :func:`check_memory` refuses a
run whose estimate exceeds the memory available, naming the keys that drive it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .chunks import CHUNK_REP_TRIALS
from .errors import ScenarioError
from .scenario import Scenario
from .streams import BLOCK_TRIALS
from .summary import SAMPLE_REP_YEARS, SKETCH_BINS

__all__ = [
    "MemoryEstimate",
    "available_memory",
    "check_memory",
    "estimate_peak",
    "memory_estimate",
    "parse_size",
]

#: The interpreter with numpy, pandas, scipy, pydantic and matplotlib loaded (bytes).
BASE_BYTES = 150e6
#: Bytes per rep-month of an outcome table in flight, with the payout's temporaries.
REP_MONTH_BYTES = 100.0
#: Bytes per deal drawn (counters, uniforms, sizes, their sums).
DEAL_BYTES = 48.0
#: Bytes per opportunity alive in the pipeline engine (a SimPy process and its record).
OPPORTUNITY_BYTES = 2_000.0
#: Bytes per rep-year of the per-(trial, rep) arrays a run keeps, per measure and besides.
REP_YEAR_BYTES_PER_MEASURE, REP_YEAR_BYTES = 12.0, 32.0
#: Bytes per rep-trial of a sliced stream block held while its slices are paid: the
#: block's normals (2 a month), and per plan its rep bookings by month and paid arrays.
SLICED_BLOCK_BYTES, SLICED_BLOCK_BYTES_PER_PLAN = 192.0, 250.0
#: Months simulated a year.
MONTHS = 12


@dataclass(frozen=True)
class MemoryEstimate:
    """A run's estimated peak (bytes) and what drives it, largest part first."""

    peak: float
    parts: dict[str, float]  # part of the run -> bytes
    drivers: dict[str, str]  # key or option -> its value, for the refusal


def _expected_deals(scenario: Scenario) -> float:
    """Deals per rep-month: new accounts and cross-sell into the accounts a rep holds."""
    mk = scenario.market
    accounts = getattr(scenario.team.accounts, "mean", None) or 20.0
    return mk.new_business.deals_per_month + mk.cross_sell.deals_per_account_month * accounts


def memory_estimate(
    scenario: Scenario,
    *,
    trials: int | None = None,
    plans: int = 1,
    workers: int | None = None,
    engine: str = "montecarlo",
    rep_years: bool = False,
    behaviour: bool | None = None,
    optimize_trials: int | None = None,
    trials_key: str = "--trials",
) -> MemoryEstimate:
    """Estimate the peak memory of simulating ``plans`` plans of ``scenario``.

    ``optimize_trials`` adds the optimiser's tabulation (one outcome table of that many
    years per effort level). ``trials_key`` names where the trials came from.
    """
    sim = scenario.simulation
    trials = sim.trials if trials is None else int(trials)
    workers = workers or min(2, os.cpu_count() or 1)
    reps = _team_size(scenario)
    measures = max(len(p.measures) for p in scenario.plans.values())
    per_rep_month = REP_MONTH_BYTES + DEAL_BYTES * _expected_deals(scenario)
    drivers = {trials_key: f"{trials:,}", "[team] reps": f"{reps:,}"}
    if engine == "pipeline":
        opp = scenario.pipeline.opportunities_per_month
        per_rep_month += OPPORTUNITY_BYTES * opp
        drivers["[pipeline] opportunities_per_month"] = f"{opp:g}"
        unit = 1
    else:
        drivers["[market] deals_per_month"] = f"{scenario.market.new_business.deals_per_month:g}"
        held = getattr(scenario.team.accounts, "mean", None)
        if held is not None and scenario.market.cross_sell.deals_per_account_month > 0:
            drivers["[team] accounts (mean)"] = f"{held:g}"
        unit = BLOCK_TRIALS
    chunk = max(unit, min(sim.chunk_trials, max(1, CHUNK_REP_TRIALS // reps)) // unit * unit)
    chunk = min(chunk, trials)
    parts = {"libraries": BASE_BYTES}
    if engine == "pipeline":  # worker processes load the libraries too
        parts["libraries"] += workers * BASE_BYTES
    responding = scenario.behaviour.enabled if behaviour is None else behaviour
    if engine != "pipeline" and not responding and chunk * reps > CHUNK_REP_TRIALS:
        rows = max(1, CHUNK_REP_TRIALS // reps)  # a large team's block, a slice at a time
        parts["chunks in flight"] = workers * rows * reps * MONTHS * per_rep_month
        per_block = SLICED_BLOCK_BYTES + plans * SLICED_BLOCK_BYTES_PER_PLAN
        parts["chunks in flight"] += workers * chunk * reps * per_block
    else:
        parts["chunks in flight"] = (workers + 1) * chunk * reps * MONTHS * per_rep_month
    if responding:
        eff = scenario.behaviour.effort
        n = eff.calibration_trials
        parts["behaviour calibration"] = len(eff.levels) * n * reps * MONTHS * per_rep_month
        drivers["[behaviour.effort] calibration_trials"] = f"{n:,}"
    if optimize_trials:
        levels = len(scenario.behaviour.effort.levels)
        # The effort levels' samples, today's effort on the trial streams and one
        # chosen-effort sample per worker in flight.
        held = levels + 1 + workers
        parts["optimiser tables"] = held * optimize_trials * reps * MONTHS * per_rep_month
        drivers["[optimize] trials"] = f"{optimize_trials:,}"
    per_trial = 8 * (40 + 5 * measures) + 8 * MONTHS * 2 + 1000  # per-year values, bookings
    per_trial += measures * -(-reps // 8)  # who reached target, as bits
    per_plan = trials * per_trial + reps * (8 * (12 + 6 * measures) + 12 * SKETCH_BINS)
    per_plan += 4 * (3 + measures) * min(trials * reps, max(reps, SAMPLE_REP_YEARS))
    if rep_years:
        per_plan += trials * reps * (REP_YEAR_BYTES + REP_YEAR_BYTES_PER_MEASURE * measures)
    parts["result"] = plans * per_plan
    if plans > 1:
        drivers["variants"] = str(plans)
    ordered = dict(sorted(parts.items(), key=lambda kv: -kv[1]))
    return MemoryEstimate(sum(parts.values()), ordered, drivers)


def estimate_peak(scenario: Scenario, **options) -> float:
    """The estimated peak in bytes (see :func:`memory_estimate`)."""
    return memory_estimate(scenario, **options).peak


def _team_size(scenario: Scenario) -> int:
    team = scenario.team
    if team.members:
        return len(team.members)
    if team.roster:
        path = Path(team.roster)
        if not path.is_absolute() and scenario.base_dir is not None:
            path = Path(scenario.base_dir) / path
        try:
            with path.open(encoding="utf-8", errors="replace") as fh:
                return max(1, sum(1 for line in fh if line.strip()) - 1)
        except OSError:
            return team.reps
    return team.reps


def available_memory() -> float | None:
    """Memory the machine can give a new run, in bytes: ``MemAvailable`` from
    /proc/meminfo, else free physical pages (``os.sysconf``); None when unknown."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return float(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return float(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


_UNITS = {"": 1, "b": 1, "k": 1e3, "kb": 1e3, "m": 1e6, "mb": 1e6, "g": 1e9, "gb": 1e9}
_UNITS |= {"t": 1e12, "tb": 1e12, "kib": 1024, "mib": 1024**2, "gib": 1024**3}


def parse_size(text: str) -> float:
    """Bytes in a size such as ``2GB``, ``500M`` or ``1.5 GiB``."""
    t = text.strip().lower().replace(" ", "")
    num = t.rstrip("abcdefghijklmnopqrstuvwxyz")
    unit = t[len(num) :]
    try:
        value = float(num)
    except ValueError:
        raise ValueError(f"expected a size such as 2GB or 500MB, got {text!r}") from None
    if unit not in _UNITS or value <= 0:
        raise ValueError(f"expected a size such as 2GB or 500MB, got {text!r}")
    return value * _UNITS[unit]


def _gb(x: float) -> str:
    return f"{x / 1e9:,.2f} GB" if x >= 1e8 else f"{x / 1e6:,.0f} MB"


def check_memory(
    estimate: MemoryEstimate, limit: float | None = None, origin: str = "<scenario>"
) -> None:
    """Refuse (:class:`~sim.errors.ScenarioError`) a run whose estimated peak exceeds
    ``limit`` (``--max-memory``) or, without one, the memory available now."""
    available = available_memory()
    cap, what = (limit, "--max-memory") if limit is not None else (available, "available memory")
    if cap is None or estimate.peak <= cap:
        return
    parts = ", ".join(f"{k} {_gb(v)}" for k, v in estimate.parts.items())
    keys = ", ".join(f"{k} = {v}" for k, v in estimate.drivers.items())
    raise ScenarioError(
        f"{origin}: this run would need about {_gb(estimate.peak)} of memory ({parts}), "
        f"more than the {_gb(cap)} of {what}; lower the keys that drive it: {keys}"
    )
