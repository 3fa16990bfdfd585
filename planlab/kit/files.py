"""Writing run outputs safely: all or nothing, never over an existing directory.

Files are written into a fresh temporary directory beside the target and
renamed into place at the end, so a failure leaves no half-written output. CSV
cells that a spreadsheet would read as a formula (starting with ``= + - @``,
tab or carriage return) are neutralised with a leading apostrophe; CSV numbers are
rounded to a sensible precision (amounts to the cent).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import os
import platform
import shutil
import sys
import tempfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.run import SimulationResult

__all__ = [
    "FORMULA_START",
    "OutputExists",
    "check_out",
    "csv_number",
    "manifest",
    "neutralise",
    "to_csv",
    "to_json",
    "write_atomic",
    "write_files",
]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class OutputExists(FileExistsError):
    """The output directory exists (and overwriting was not asked for) or cannot be made."""


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


def check_out(target: Path, force: bool) -> None:
    """Refuse an existing output directory without ``force`` (before any work is done)."""
    if Path(target).exists() and not force:
        raise OutputExists(
            f"{target}: output directory exists; choose another --out or add --force"
        )


def write_files(out: Path, files: dict[str, str | bytes], force: bool = False) -> Path:
    """Write every file of a run (name -> text or bytes) into ``out`` at once."""

    def write(tmp: Path) -> None:
        for name, data in files.items():
            if isinstance(data, bytes):
                (tmp / name).write_bytes(data)
            else:
                (tmp / name).write_text(data, encoding="utf-8")

    return write_atomic(out, write, force=force)


def write_atomic(target: Path, write: Callable[[Path], None], force: bool = False) -> Path:
    """Call ``write(tmpdir)`` and move the result to ``target`` in one step.

    Raises :class:`OutputExists` if ``target`` exists and ``force`` is false;
    on any error the temporary directory is removed and ``target`` is untouched.
    """
    target = Path(target)
    check_out(target, force)
    if target.exists() and not target.is_dir():
        raise OutputExists(f"{target}: exists and is not a directory")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputExists(
            f"{target}: cannot create the output directory ({exc.strerror})"
        ) from None
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)  # mkdtemp makes 0700; the output is an ordinary directory
    try:
        write(tmp)
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
            target.rename(old / "previous")
            try:
                tmp.rename(target)
            except BaseException:
                (old / "previous").rename(target)  # put the previous output back
                shutil.rmtree(old, ignore_errors=True)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


_PACKAGES = ("planlab", "numpy", "scipy", "pandas", "pydantic", "matplotlib", "pulp", "simpy")


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
