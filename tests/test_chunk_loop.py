"""One engine interface, one chunk loop, no private names across modules."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

import sim.chunks
from sim import load_scenario, simulate
from sim.engine import Engine
from sim.montecarlo import MonteCarloEngine
from sim.pipeline import PipelineEngine
from sim.run import make_population

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "key_account_baseline.toml"
PIPELINE = ROOT / "scenarios" / "key_account_pipeline.toml"


def _private_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        f"{path.relative_to(ROOT)}:{node.lineno} {alias.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
        if alias.name.startswith("_") and not alias.name.startswith("__")
    ]


def test_no_private_name_crosses_modules():
    found = [
        hit
        for package in ("sim", "optimize")
        for path in sorted((ROOT / package).rglob("*.py"))
        for hit in _private_imports(path)
    ]
    assert found == []


@pytest.mark.parametrize("path, kind", [(BASELINE, MonteCarloEngine), (PIPELINE, PipelineEngine)])
def test_both_engines_implement_the_interface_and_share_the_loop(monkeypatch, path, kind):
    sc = load_scenario(path)
    sc = sc.model_copy(update={"team": sc.team.model_copy(update={"reps": 4})})
    engine: Engine = kind(sc.market, make_population(sc))
    assert engine.unit >= 1 and engine.pool in ("threads", "processes")
    oc = engine.simulate_trials(5, 0, engine.unit * 2)
    assert oc.shape == (engine.unit * 2, 4, 12)

    seen = []
    real = sim.chunks.simulate_chunk

    def spy(engine, *args, **kwargs):
        seen.append(type(engine))
        return real(engine, *args, **kwargs)

    monkeypatch.setattr(sim.chunks, "simulate_chunk", spy)
    name = "montecarlo" if kind is MonteCarloEngine else "pipeline"
    res = simulate(sc, trials=6, seed=1, workers=1, engine=name, rep_years=True)
    assert seen and set(seen) == {kind}
    assert np.isfinite(res.base.outcome.total).all()


def test_outcomes_pickle_in_their_own_layout():
    """A table shipped from a worker reduces to the same bytes as the one made here."""
    import pickle

    sc = load_scenario(BASELINE)
    oc = MonteCarloEngine(sc.market, make_population(sc)).simulate_trials(2, 0, 200)
    back = pickle.loads(pickle.dumps(oc))
    for name, v in oc.components.items():
        w = back.components[name]
        assert v.strides == w.strides and v.tobytes() == w.tobytes(), name
    a = oc.measure("revenue", 1)[..., 0].mean(0)
    assert a.tobytes() == back.measure("revenue", 1)[..., 0].mean(0).tobytes()
