"""Every notebook in notebooks/ runs top to bottom on the shipped scenarios; the
executed copy is kept for the docs site (docs/executed_notebooks.py), which then shows
it instead of executing the notebook a second time."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))

_spec = importlib.util.spec_from_file_location(
    "docs_executed_notebooks", ROOT / "docs" / "executed_notebooks.py"
)
executed_notebooks = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = executed_notebooks
_spec.loader.exec_module(executed_notebooks)


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ holds the designer workflows and must not be empty"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path):
    stored = path.read_bytes()
    nb = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), (
        f"{path.name} is stored with outputs; clear them before committing"
    )
    inputs = executed_notebooks.stamp(path)
    done = executed_notebooks.execute(path, tmp_path)
    errors = [o for c in done.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    assert any(c.get("outputs") for c in done.cells if c.cell_type == "code")
    kept = executed_notebooks.keep(path, done, inputs)
    assert executed_notebooks.fresh(path) == kept
    assert path.read_bytes() == stored  # the notebook itself is left as it was
