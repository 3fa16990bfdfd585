"""Command-line kit: exit codes, the usage error, number types for argparse, the options
every run shares, and progress on stderr."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

__all__ = [
    "EXIT_ERROR",
    "EXIT_OK",
    "EXIT_USAGE",
    "Progress",
    "UsageError",
    "add_output_options",
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
    """A progress bar on stderr, shown only once a run has taken a couple of seconds."""

    def __init__(self, quiet: bool = False, after: float = 2.0, stream=None):
        self.start = time.perf_counter()
        self.quiet, self.after = quiet, after
        self.stream = stream or sys.stderr
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if self.quiet or time.perf_counter() - self.start < self.after:
            return
        width = 30
        filled = int(width * done / total)
        self.stream.write(
            f"\rsimulating [{'#' * filled}{'.' * (width - filled)}] {done}/{total} chunks"
        )
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()


def check_variants(scenario_path: Path, scenario, variants) -> None:
    """Every named variant exists in the scenario (else a UsageError naming it)."""
    unknown = [v for v in variants or () if v != "base" and v not in scenario.variants]
    if unknown:
        known = ", ".join(scenario.variants) or "none"
        raise UsageError(
            f"{scenario_path}: unknown variant {unknown[0]!r}; the scenario's variants: {known}"
        )


def add_output_options(
    p: argparse.ArgumentParser,
    out_help: str,
    trials_help: str = "number of simulated years (trials)",
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
