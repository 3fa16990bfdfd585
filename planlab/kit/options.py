"""Command-line kit: exit codes, the usage error, number types for argparse, the options
every run shares, and progress on stderr."""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = [
    "add_engine_option",
    "add_scheduler_option",
    "EXIT_ERROR",
    "EXIT_OK",
    "EXIT_USAGE",
    "Progress",
    "UsageError",
    "HelpFormatter",
    "add_memory_option",
    "add_output_options",
    "add_variants_option",
    "check_variants",
    "number_in",
    "whole_number",
]

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A user mistake on the command line (exit code 2)."""


def whole_number(minimum: int, maximum: int | None = None):
    """An argparse type: a whole number of at least ``minimum`` (and at most ``maximum``)."""

    def parse(text: str) -> int:
        try:
            n = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if n < minimum or (maximum is not None and n > maximum):
            top = f" and at most {maximum:,}" if maximum is not None else ""
            raise argparse.ArgumentTypeError(f"must be at least {minimum}{top}, got {n}")
        return n

    return parse


def number_in(low: float, high: float | None = None, low_included: bool = False):
    """An argparse type: a number above ``low`` (or at least it) and below ``high``."""

    def parse(text: str) -> float:
        try:
            x = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        above = x >= low if low_included else x > low
        if not above or (high is not None and not x < high):
            floor = f"at least {low:g}" if low_included else f"above {low:g}"
            top = f" and below {high:g}" if high is not None else ""
            raise argparse.ArgumentTypeError(f"must be {floor}{top}, got {text}")
        return x

    return parse


class Progress:
    """Progress and time left on stderr (tqdm), silenced by ``--quiet``.

    ``with progress.step("simulating", total=n) as tick:`` shows a bar that ``tick(done,
    total)`` moves, with the time left; a step with no total shows the time it has run,
    and ``tick("text")`` prints a line of news above the bar.
    A heartbeat refreshes the bar every ``heartbeat`` seconds, so a long solve or a report
    being written never looks hung. The bar appears once a step has run ``after`` seconds.
    """

    def __init__(
        self, quiet: bool = False, stream=None, heartbeat: float = 1.0, after: float = 0.5
    ):
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.heartbeat = heartbeat
        self.after = after

    @contextmanager
    def step(self, label: str, total: int | None = None) -> Iterator[Callable[..., None]]:
        """A step of a command with a bar (``total`` known) or a running clock (unknown)."""
        if self.quiet:
            yield lambda *_a, **_k: None
            return
        from tqdm import tqdm  # loaded only when a command runs

        fmt = (
            "{desc}: {percentage:3.0f}%|{bar:24}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}]"
            if total
            else "{desc} [{elapsed}]"
        )
        start = time.monotonic()
        lock = threading.Lock()
        state: dict = {"bar": None, "done": 0, "total": total}

        def bar():
            """The bar, made once the step has run ``after`` seconds (quick steps stay quiet)."""
            if state["bar"] is None and time.monotonic() - start >= self.after:
                state["bar"] = tqdm(
                    total=state["total"],
                    initial=state["done"],
                    desc=label,
                    file=self.stream,
                    bar_format=fmt,
                    mininterval=0.2,
                    leave=True,
                )
                state["bar"].start_t -= time.monotonic() - start  # the step's whole time
            return state["bar"]

        stop = threading.Event()

        def beat() -> None:
            while not stop.wait(self.heartbeat):
                with lock:
                    if (b := bar()) is not None:
                        b.refresh()

        thread = threading.Thread(target=beat, daemon=True)
        thread.start()

        def tick(done: int | str, total: int | None = None) -> None:
            if isinstance(done, str):  # a line of news from inside the step
                with lock:
                    if state["bar"] is not None:
                        state["bar"].write(done, file=self.stream)
                    else:
                        print(done, file=self.stream, flush=True)
                return
            with lock:
                state["done"] = done
                if total is not None:
                    state["total"] = total
                b = bar()
                if b is not None:
                    if total is not None and b.total != total:
                        b.total = total
                    b.update(done - b.n)

        try:
            yield tick
        finally:
            stop.set()
            thread.join()
            if state["bar"] is not None:
                state["bar"].close()

    def say(self, message: str) -> None:
        """A line of news between steps (nothing with ``--quiet``)."""
        if not self.quiet:
            print(message, file=self.stream, flush=True)


def check_variants(scenario_path: Path, scenario, variants) -> None:
    """Every named variant exists in the scenario (else a UsageError naming it)."""
    unknown = [v for v in variants or () if v != "base" and v not in scenario.variants]
    if unknown:
        known = ", ".join(scenario.variants) or "none"
        raise UsageError(
            f"{scenario_path}: unknown variant {unknown[0]!r}; the scenario's variants: {known}"
        )


def add_variants_option(p: argparse.ArgumentParser, what: str) -> None:
    """``--variants A B`` (also ``--variant A --variant B``): the one way every command
    names plan variants."""
    p.add_argument(
        "--variants",
        "--variant",
        dest="variants",
        nargs="+",
        action="extend",
        metavar="NAME",
        help=f"{what} (default: every variant of the scenario)",
    )


class HelpFormatter(argparse.HelpFormatter):
    """Help that shows each option's default, unless it is unset or already stated."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if (
            "default" in text
            or not action.option_strings
            or action.default in (None, False, argparse.SUPPRESS)
        ):
            return text
        return f"{text} (default: %(default)s)"


def add_engine_option(p: argparse.ArgumentParser) -> None:
    """The ``--engine`` option: the Monte Carlo engine (default) or the pipeline (SimPy)."""
    p.add_argument(
        "--engine",
        choices=("montecarlo", "pipeline"),
        default="montecarlo",
        help="montecarlo (fast, default) or pipeline (SimPy deals, stages, renewals, capacity)",
    )


def add_scheduler_option(p: argparse.ArgumentParser) -> None:
    """The ``--scheduler ADDRESS`` option (default: ``$PLANLAB_SCHEDULER``, else local)."""
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on the Dask cluster at ADDRESS (tcp://host:8786), or 'local' for a "
        "LocalCluster of two worker processes (default: $PLANLAB_SCHEDULER, else this "
        "process's pool)",
    )


def add_output_options(
    p: argparse.ArgumentParser,
    out_help: str,
    trials_help: str = "number of simulated years (default: the scenario's)",
    min_trials: int = 1,
    trials_default: int | None = None,
) -> None:
    """The options every run shares: trials, seed, output directory, --force, --quiet."""
    p.add_argument(
        "--trials",
        type=whole_number(min_trials, 10_000_000),
        default=trials_default,
        help=trials_help,
    )
    p.add_argument("--seed", type=whole_number(0), help="random seed (default: the scenario's)")
    p.add_argument("--out", metavar="DIR", help=f"output directory (default: {out_help})")
    p.add_argument("--force", action="store_true", help="replace an existing output directory")
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")
    add_memory_option(p)


def add_memory_option(p: argparse.ArgumentParser) -> None:
    """The ``--max-memory SIZE`` option: refuse a run estimated to need more."""

    def size(text: str) -> float:
        from sim.memory import parse_size  # only when the option is given: --help stays light

        try:
            return parse_size(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    p.add_argument(
        "--max-memory",
        type=size,
        metavar="SIZE",
        help="refuse to start a run estimated to need more memory than SIZE (2GB, 500MB; "
        "default: the memory the machine has available)",
    )
