"""One switch for whether reps best-respond in effort: ``[behaviour.effort] enabled``
and ``[optimize] responding`` never disagree silently.

``sim.optimize_spec.reps_respond`` is the one rule: ``responding`` when set, else
``effort.enabled`` when the scenario sets it, else yes. Both set apart is a
validation error naming both keys (exit code 2 on the command line).
"""

from __future__ import annotations

import itertools

import pytest

from optimize.verify import optimised_behaviour
from planlab.cli import main
from sim import parse_scenario
from sim.errors import ScenarioError
from sim.optimize_spec import reps_respond

BASE = {
    "team": {"reps": 4},
    "plan": {
        "name": "p",
        "pay_mix": {"base": 100_000, "target_incentive": 50_000},
        "measures": [
            {
                "name": "revenue",
                "weight": 1.0,
                "target": 800_000,
                "curve": {"points": [[0, 0], [1, 1]]},
            }
        ],
    },
}


def _scenario(responding: bool | None, effort: bool | None):
    raw = dict(BASE)
    if responding is not None:
        raw["optimize"] = {"responding": responding}
    if effort is not None:
        raw["behaviour"] = {"effort": {"enabled": effort}}
    return parse_scenario(raw, origin="s.toml")


@pytest.mark.parametrize(
    ("responding", "effort"), list(itertools.product([None, True, False], repeat=2))
)
def test_one_rule_decides_and_a_conflict_names_both_keys(responding, effort):
    if responding is not None and effort is not None and responding != effort:
        with pytest.raises(ScenarioError) as e:
            _scenario(responding, effort)
        assert "optimize.responding" in str(e.value)
        assert "behaviour.effort.enabled" in str(e.value)
        return
    sc = _scenario(responding, effort)
    want = next((v for v in (responding, effort) if v is not None), True)
    assert reps_respond(sc.behaviour, sc.optimize) is want


def test_the_handoff_behaviour_follows_the_same_rule():
    class Opt:  # what optimised_behaviour reads of an optimisation
        def __init__(self, sc):
            self.scenario, self.spec = sc, sc.optimize

    # Effort switched off on purpose: the optimiser does not turn it on behind it.
    off = _scenario(None, False)
    assert not optimised_behaviour(Opt(off)).effort.enabled
    # Neither set: reps best-respond in the tables, so the hand-off says so.
    assert optimised_behaviour(Opt(_scenario(None, None))).effort.enabled
    assert not optimised_behaviour(Opt(_scenario(False, None))).effort.enabled


def test_a_conflict_stops_the_command_line_with_exit_code_2(tmp_path, capsys):
    path = tmp_path / "conflict.toml"
    path.write_text(
        "[team]\nreps = 4\n[plan]\nname = 'p'\n"
        "pay_mix = { base = 100000, target_incentive = 50000 }\n"
        "measures = [{ name = 'revenue', weight = 1.0, target = 800000, "
        "curve = { points = [[0, 0], [1, 1]] } }]\n"
        "[behaviour.effort]\nenabled = false\n[optimize]\nresponding = true\n",
        encoding="utf-8",
    )
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "optimize.responding" in err and "behaviour.effort.enabled" in err
    assert "Traceback" not in err
