"""Writing run outputs: all or nothing (see :mod:`planlab.kit.output_dir`), with CSV
and JSON text safe to open. CSV cells that a spreadsheet would read as a formula
(starting with ``= + - @``, tab or carriage return) are neutralised with a leading apostrophe; CSV numbers are
rounded to a sensible precision (amounts to the cent).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import platform
import sys
from collections.abc import Callable, Iterable
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.run import SimulationResult

from .output_dir import OutputExists, check_out, run_inputs, write_atomic

__all__ = [
    "FORMULA_START",
    "OutputExists",
    "check_out",
    "csv_number",
    "file_writer",
    "manifest",
    "neutralise",
    "run_inputs",
    "to_csv",
    "to_json",
    "write_atomic",
    "write_files",
]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """Make a text cell safe for spreadsheets: ``=1+1`` becomes ``'=1+1``."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def to_csv(df: pd.DataFrame) -> str:
    """CSV text of ``df`` (index included) with text cells neutralised."""
    frame = df.reset_index() if df.index.name or not isinstance(df.index, pd.RangeIndex) else df
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([neutralise(str(c)) for c in frame.columns])
    for row in frame.itertuples(index=False):
        writer.writerow([_cell(v) for v in row])
    return buf.getvalue()


#: CSV numbers: amounts (at least this large) to the cent, the rest to 6 significant digits.
CSV_AMOUNT = 100.0


def csv_number(x: float) -> str:
    """A float as CSV text, rounded to a sensible precision (no float noise)."""
    if math.isnan(x):
        return ""
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if abs(x) >= CSV_AMOUNT:
        return f"{round(x, 2):.2f}".rstrip("0").rstrip(".")
    return f"{x:.6g}"


def _cell(v: Any) -> Any:
    if isinstance(v, float | np.floating):
        return csv_number(float(v))
    if isinstance(v, np.integer):
        return int(v)
    return neutralise(v)


def _plain(obj: Any) -> Any:
    """Convert numpy/pandas values to JSON-ready Python values (NaN -> None)."""
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_plain(v) for v in obj]
    if isinstance(obj, pd.DataFrame):  # column by column, so integer columns stay integers
        return _plain(obj.to_dict(orient="index"))
    if isinstance(obj, pd.Series):
        return _plain(obj.to_dict())
    if isinstance(obj, np.ndarray):
        return _plain(obj.tolist())
    if isinstance(obj, float | np.floating):
        f = float(obj)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(obj, np.integer | np.bool_):
        return obj.item()
    return obj


def to_json(obj: Any) -> str:
    """Deterministic JSON (sorted keys, NaN as null): same input, same bytes."""
    return json.dumps(_plain(obj), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_files(
    out: Path,
    files: dict[str, str | bytes],
    force: bool = False,
    inputs: Iterable[str | Path] = (),
    about: dict[str, Any] | None = None,
) -> Path:
    """Write every file of a run (name -> text or bytes) into ``out`` at once; see
    :func:`~planlab.kit.output_dir.write_atomic` for what is refused and recovered."""
    return write_atomic(out, file_writer(files), force=force, inputs=inputs, about=about)


def file_writer(files: dict[str, str | bytes]) -> Callable[[Path], None]:
    """A ``write(directory)`` function that writes ``files`` (name -> text or bytes)."""

    def write(directory: Path) -> None:
        for name, data in files.items():
            if isinstance(data, bytes):
                (directory / name).write_bytes(data)
            else:
                (directory / name).write_text(data, encoding="utf-8")

    return write


_PACKAGES = ("planlab", "numpy", "scipy", "pandas", "pydantic", "matplotlib", "pulp", "simpy")


@cache  # installed versions do not change while a command runs; reading them is slow
def _version(pkg: str) -> str | None:
    try:
        return metadata.version(pkg)
    except metadata.PackageNotFoundError:
        return None


def manifest(result: SimulationResult, argv: list[str] | None = None) -> dict:
    """Provenance: what was run, from which file, with which seed and software."""
    sc = result.scenario
    return {
        "scenario_file": sc.source,
        "scenario_sha256": sc.digest,
        "seed": result.seed,
        "trials": result.trials,
        "variants": list(result.variants),
        "engine": "montecarlo",
        "random_variates": result.draws,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": {p: _version(p) for p in _PACKAGES},
        "command": argv,
        "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
