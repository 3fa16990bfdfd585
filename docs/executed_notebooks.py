"""The notebooks executed once, for both the test suite and the documentation site.

The repository keeps ``notebooks/`` without outputs. ``tests/test_notebooks.py``
executes each notebook (:func:`execute`) and keeps the executed copy in
``build/notebooks/`` (:func:`keep`), stamped with a digest of everything its outputs
are made from: the notebook, the code, the shipped scenarios and data, and the
versions of Python and of the libraries that compute and draw. ``make docs`` shows
that copy when its stamp still matches (:func:`fresh`, called by ``docs/hooks.py``)
and executes the notebook itself only when it does not. CI runs ``make test`` and
then ``make docs``, so each notebook is executed once.
"""

from __future__ import annotations

import hashlib
import os
import platform
import uuid
from importlib import metadata
from pathlib import Path

import nbformat
from nbclient import NotebookClient

__all__ = ["EXECUTED", "SOURCES", "execute", "fresh", "keep", "stamp"]

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "notebooks"
EXECUTED = ROOT / "build" / "notebooks"
#: Folders and files whose contents a notebook's outputs are made from.
_INPUTS = ("sim", "optimize", "planlab", "scenarios", "notebooks", "pyproject.toml")
#: Libraries whose version can change a number or a figure.
_LIBRARIES = ("numpy", "scipy", "pandas", "matplotlib", "pydantic", "pulp", "simpy", "highspy")
_SKIP = ("__pycache__", ".ipynb_checkpoints")
_KEY = "planlab_inputs"


def stamp(source: Path) -> str:
    """Digest of everything the executed ``source`` notebook is made from."""
    h = hashlib.sha256()
    h.update(f"python {platform.python_version()}\n".encode())
    for lib in _LIBRARIES:
        try:
            version = metadata.version(lib)
        except metadata.PackageNotFoundError:
            version = "absent"
        h.update(f"{lib} {version}\n".encode())
    files = []
    for name in _INPUTS:
        path = ROOT / name
        files += [path] if path.is_file() else sorted(path.rglob("*"))
    for path in files:
        rel = path.relative_to(ROOT)
        if not path.is_file() or any(part in _SKIP for part in rel.parts):
            continue
        if path.suffix == ".ipynb" and path.resolve() != source.resolve():
            continue  # another notebook is not an input of this one
        h.update(f"{rel.as_posix()}\n".encode())
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def execute(source: Path, out_dir: Path, timeout: int = 600) -> nbformat.NotebookNode:
    """``source`` executed top to bottom in its own folder, writing its files into
    ``out_dir`` (``PLANLAB_NOTEBOOK_OUT``) and its figures inline."""
    nb = nbformat.read(source, as_version=4)
    env = {
        **os.environ,
        "PLANLAB_NOTEBOOK_OUT": str(out_dir),
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    }
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(source.parent)}},
    )
    client.execute(env=env)
    return nb


def keep(source: Path, executed: nbformat.NotebookNode, inputs: str) -> Path:
    """Keep the executed copy of ``source`` for the docs, stamped with ``inputs`` (the
    :func:`stamp` taken before it was executed); written whole or not at all."""
    EXECUTED.mkdir(parents=True, exist_ok=True)
    executed.metadata[_KEY] = inputs
    target = EXECUTED / source.name
    tmp = EXECUTED / f".{source.stem}.{os.getpid()}.{uuid.uuid4().hex}.tmp"
    try:
        with open(tmp, "x", encoding="utf-8") as f:
            nbformat.write(executed, f)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def fresh(source: Path) -> Path | None:
    """The kept executed copy of ``source`` if it was made from what is here now."""
    target = EXECUTED / source.name
    if not target.is_file():
        return None
    try:
        kept = nbformat.read(target, as_version=4).metadata.get(_KEY)
    except Exception:  # a damaged copy is simply made again
        return None
    return target if kept == stamp(source) else None
