"""The executed copy of a notebook is shown by the docs only while it was made from what
is in the repository now (docs/executed_notebooks.py)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "docs_executed_notebooks", ROOT / "docs" / "executed_notebooks.py"
)
executed_notebooks = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = executed_notebooks
_spec.loader.exec_module(executed_notebooks)


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A small copy of the repository's layout with one notebook."""
    for name in ("sim", "optimize", "planlab", "scenarios", "notebooks"):
        (tmp_path / name).mkdir()
    (tmp_path / "pyproject.toml").write_text("[project]\n", encoding="utf-8")
    (tmp_path / "sim" / "model.py").write_text("X = 1\n", encoding="utf-8")
    (tmp_path / "scenarios" / "base.toml").write_text("[plan]\n", encoding="utf-8")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
    for name in ("a.ipynb", "b.ipynb"):
        nbformat.write(nb, tmp_path / "notebooks" / name)
    monkeypatch.setattr(executed_notebooks, "ROOT", tmp_path)
    monkeypatch.setattr(executed_notebooks, "EXECUTED", tmp_path / "build" / "notebooks")
    return tmp_path


def _kept(repo: Path, name: str = "a.ipynb") -> Path:
    source = repo / "notebooks" / name
    done = nbformat.read(source, as_version=4)
    done.cells[0].outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "2"})]
    return executed_notebooks.keep(source, done, executed_notebooks.stamp(source))


def test_a_kept_copy_is_fresh_until_an_input_changes(repo):
    source = repo / "notebooks" / "a.ipynb"
    assert executed_notebooks.fresh(source) is None  # nothing kept yet
    kept = _kept(repo)
    assert executed_notebooks.fresh(source) == kept
    assert nbformat.read(kept, as_version=4).cells[0].outputs  # outputs kept, source not
    assert not nbformat.read(source, as_version=4).cells[0].outputs
    assert not [p for p in kept.parent.iterdir() if p.name.startswith(".")]  # no temp files


@pytest.mark.parametrize(
    "change",
    ["sim/model.py", "sim/new.py", "scenarios/base.toml", "pyproject.toml", "notebooks/a.ipynb"],
)
def test_a_change_to_the_code_data_or_notebook_makes_it_stale(repo, change):
    source = repo / "notebooks" / "a.ipynb"
    _kept(repo)
    path = repo / change
    if path.suffix == ".ipynb":
        nb = nbformat.read(path, as_version=4)
        nb.cells.append(nbformat.v4.new_code_cell("2 + 2"))
        nbformat.write(nb, path)
    else:
        path.write_text((path.read_text("utf-8") if path.exists() else "") + "# more\n", "utf-8")
    assert executed_notebooks.fresh(source) is None


def test_another_notebook_and_caches_are_not_inputs(repo):
    source = repo / "notebooks" / "a.ipynb"
    _kept(repo)
    (repo / "notebooks" / "b.ipynb").write_text("{}", encoding="utf-8")
    (repo / "sim" / "__pycache__").mkdir()
    (repo / "sim" / "__pycache__" / "model.pyc").write_bytes(b"\0")
    assert executed_notebooks.fresh(source) is not None


def test_a_library_upgrade_makes_it_stale(repo, monkeypatch):
    source = repo / "notebooks" / "a.ipynb"
    _kept(repo)
    real = executed_notebooks.metadata.version
    monkeypatch.setattr(
        executed_notebooks.metadata,
        "version",
        lambda lib: "999.0" if lib == "numpy" else real(lib),
    )
    assert executed_notebooks.fresh(source) is None


def test_a_damaged_copy_is_not_used(repo):
    source = repo / "notebooks" / "a.ipynb"
    _kept(repo).write_text("{ not json", encoding="utf-8")
    assert executed_notebooks.fresh(source) is None
