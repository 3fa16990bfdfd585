"""Run a sweep: every plan variant in every market, on the same draws.

Each market is one :func:`sim.simulate` run of all variants with the same seed,
so every cell draws from the same streams (per-rep common random numbers); a
variant's difference from the base plan in a market is measured trial by
trial, as in a comparison. The markets' chunks share one executor (a local
thread pool or a Dask cluster's), and each run is reduced to its tables as
soon as it finishes.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor, as_completed
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pydantic import ValidationError

from ..compare import comparison_table, differences
from ..errors import ScenarioError
from ..market import Market
from ..messages import explain_error
from ..money import money_text
from ..rep_differences import gains_and_losses, rep_differences
from ..run import simulate
from ..scenario import Scenario
from .spec import BASE_MARKET, apply_case

__all__ = [
    "HEADLINE",
    "StoppableExecutor",
    "SweepResult",
    "SweepStopped",
    "robustness",
    "run_sweep",
    "sweep_markets",
]

#: Headline metrics of a sweep (a heatmap each), and whether higher is better.
HEADLINE: dict[str, bool] = {
    "cost_of_sales": False,
    "incentive_cost_expected": False,
    "revenue_expected": True,
    "gross_margin_after_incentive": True,
    "share_at_target": True,
}
#: The metric regret and worst case are judged on (profit after incentive).
JUDGED = "gross_margin_after_incentive"


@dataclass(frozen=True)
class SweepResult:
    """A sweep's tables: tidy cells, per-rep verdicts, and the robustness ranking."""

    scenario: Scenario
    seed: int
    trials: int
    variants: list[str]  # base first
    markets: list[str]  # base first
    cells: pd.DataFrame  # one row per variant x market x metric
    reps: pd.DataFrame  # per (market, variant, rep): paired payout and revenue differences
    verdicts: pd.DataFrame  # per (market, variant): reps who gain, lose, no clear change
    ranking: pd.DataFrame  # per variant: worst case, regret, band, plain-language line

    def grid(self, metric: str) -> pd.DataFrame:
        """One metric as variants (rows) x markets (columns)."""
        one = self.cells[self.cells["metric"] == metric]
        return one.pivot(index="variant", columns="market", values="value").loc[
            self.variants, self.markets
        ]


def _cells(result, market: str, level: float) -> pd.DataFrame:
    table = comparison_table(result)
    diffs = differences(result, level=level)
    rows = []
    for variant in table.columns:
        for metric in table.index:
            row = {
                "variant": variant,
                "market": market,
                "metric": metric,
                "value": float(table.loc[metric, variant]),
            }
            if variant == "base":
                row |= {"difference": 0.0, "ci_low": np.nan, "ci_high": np.nan}
                row["significant"] = False
            else:
                d = diffs.loc[(variant, metric)]
                row |= {k: d[k] for k in ("difference", "ci_low", "ci_high", "significant")}
                row["significant"] = bool(row["significant"])
            rows.append(row)
    return pd.DataFrame(rows)


def _pct(x: float) -> str:
    return f"{x:.1%}"


def robustness(
    cells: pd.DataFrame,
    variants: list[str],
    markets: list[str],
    band: tuple[float, float],
    currency: str = "USD",
) -> pd.DataFrame:
    """Per variant: worst case and largest regret of profit after incentive across
    markets, the markets where cost of sales leaves ``band``, and one plain line.

    Regret in a market is how much less the variant earns there than the best
    variant in that market; the ranking is by largest regret (minimax regret),
    then by worst case. Amounts in the line are in ``currency``."""
    grid = cells.pivot_table(index=["variant", "market"], columns="metric", values="value")
    judged = grid[JUDGED].unstack("market").loc[variants, markets]
    cos = grid["cost_of_sales"].unstack("market").loc[variants, markets]
    regret = judged.max(axis=0) - judged
    lo, hi = band
    rows = []
    for v in variants:
        outside = [m for m in markets if not lo <= cos.loc[v, m] <= hi]
        worst_m = judged.loc[v].idxmin()
        regret_m = regret.loc[v].idxmax()
        if outside:
            where = ", ".join(f"{m} ({_pct(cos.loc[v, m])})" for m in outside)
            band_text = f"leaves the cost-of-sales band {_pct(lo)}–{_pct(hi)} in {where}"
        else:
            band_text = f"stays inside the cost-of-sales band {_pct(lo)}–{_pct(hi)} in every market"
        if regret.loc[v, regret_m] <= 0:
            regret_text = "the most profit after incentive in every market"
        else:
            regret_text = (
                f"largest regret {money_text(regret.loc[v, regret_m], currency)} below the best "
                "variant "
                f"({regret_m})"
            )
        line = (
            f"{v} {band_text}; worst case {money_text(judged.loc[v, worst_m], currency)} profit "
            "after "
            f"incentive ({worst_m}); {regret_text}."
        )
        rows.append(
            {
                "variant": v,
                "worst_case": float(judged.loc[v, worst_m]),
                "worst_market": worst_m,
                "max_regret": float(regret.loc[v, regret_m]),
                "regret_market": regret_m,
                "markets_outside_band": len(outside),
                "line": line,
            }
        )
    df = pd.DataFrame(rows).sort_values(
        ["max_regret", "worst_case"], ascending=[True, False], kind="stable"
    )
    df.insert(0, "rank", np.arange(1, len(df) + 1))
    return df.set_index("variant")


def run_sweep(
    scenario: Scenario,
    *,
    trials: int | None = None,
    seed: int | None = None,
    executor: Executor | None = None,
    workers: int | None = None,
    level: float = 0.95,
    progress: Callable[[int, int], None] | None = None,
) -> SweepResult:
    """Simulate every variant of the scenario's ``[sweep]`` in every market."""
    spec = scenario.sweep
    markets = sweep_markets(scenario)
    names = list(spec.variants if spec.variants is not None else scenario.variants)
    trials = trials or spec.trials or scenario.simulation.trials
    seed = scenario.simulation.seed if seed is None else int(seed)

    def one_market(market: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        result = simulate(
            scenario.model_copy(update={"market": markets[market]}),
            names,
            trials=trials,
            seed=seed,
            executor=pool,
            rep_years=False,
        )
        per_rep = rep_differences(result, level=level)
        return (
            _cells(result, market, level),
            pd.concat({market: per_rep}, names=["market"]),
            pd.concat({market: gains_and_losses(per_rep)}, names=["market"]),
        )

    # Every market's chunks go to one executor at once (no idle workers between
    # markets); each market is reduced to its tables as soon as it finishes.
    with contextlib.ExitStack() as stack:
        stop = threading.Event()
        pool = executor or StoppableExecutor(
            stack.enter_context(ThreadPoolExecutor(workers or min(2, os.cpu_count() or 1))), stop
        )
        drivers = stack.enter_context(ThreadPoolExecutor(len(markets)))
        futures = {drivers.submit(one_market, m): m for m in markets}
        done: dict[str, tuple] = {}
        try:
            for fut in as_completed(futures):
                done[futures[fut]] = fut.result()
                if progress:
                    progress(len(done), len(markets))
        except BaseException:  # Ctrl-C or a failure: queued chunks end at once, unrun,
            stop.set()  # so only the running ones finish
            raise
    cells, reps, verdicts = (list(x) for x in zip(*(done[m] for m in markets), strict=True))
    all_cells = pd.concat(cells, ignore_index=True)
    variants = ["base", *(n for n in names if n != "base")]
    market_names = list(markets)
    return SweepResult(
        scenario=scenario,
        seed=seed,
        trials=trials,
        variants=variants,
        markets=market_names,
        cells=all_cells,
        reps=pd.concat(reps),
        verdicts=pd.concat(verdicts),
        ranking=robustness(
            all_cells, variants, market_names, spec.cost_of_sales_band, scenario.currency
        ),
    )


class SweepStopped(Exception):
    """A queued chunk of a sweep that was stopped (Ctrl-C or a failure elsewhere)."""


def _unless_stopped(stop: threading.Event, fn: Callable, *args, **kwargs):
    if stop.is_set():
        raise SweepStopped("the sweep was stopped before this chunk ran")
    return fn(*args, **kwargs)


class StoppableExecutor(Executor):
    """A local thread pool whose queued tasks end unrun once ``stop`` is set. (Cancelling
    them instead would leave the markets' loops waiting for futures that never finish.)"""

    def __init__(self, inner: Executor, stop: threading.Event) -> None:
        self.inner, self.stop = inner, stop

    def submit(self, fn, /, *args, **kwargs):
        return self.inner.submit(_unless_stopped, self.stop, fn, *args, **kwargs)


def sweep_markets(scenario: Scenario) -> dict[str, Market]:
    """Every market of the scenario's sweep, the scenario's own (``base``) first.

    A bad ``market`` override is a :class:`ScenarioError` naming the file and key.
    """
    origin = scenario.source or "<scenario>"
    out = {BASE_MARKET: scenario.market}
    for name, case in scenario.sweep.markets.items():
        try:
            out[name] = apply_case(scenario.market, case)
        except ValidationError as exc:
            prefix = f"sweep.markets.{name}.market"
            raise ScenarioError(explain_error(exc, prefix, origin, Market)) from None
    return out
