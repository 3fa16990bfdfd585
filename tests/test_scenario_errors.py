"""Scenario errors in plain words: the typed ``[optimize]`` table, "did you mean",
no library message reaching the user, and optional keys at their defaults."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimize.shapes import menu_shapes
from optimize.spec import optimize_spec
from planlab.cli import main
from sim import ScenarioError, load_scenario, parse_scenario
from sim.optimize_spec import Menu, OptimizeSpec
from sim.scenario_toml import dump_scenario
from sim.suggest import closest

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "key_account_baseline.toml"
RAW = tomllib.loads(BASELINE.read_text(encoding="utf-8"))

#: Phrases of the validation library that must never reach a user.
LIBRARY_WORDS = (
    "Input should",
    "should have at least",
    "should have at most",
    "Field required",
    "Extra inputs",
    "Value error,",
    "validation error",
    "Tuple",
    "List should",
    "function-after",
    "https://errors.pydantic.dev",
)


def error_of(mutate) -> str:
    data = copy.deepcopy(RAW)
    mutate(data)
    with pytest.raises(ScenarioError) as info:
        parse_scenario(data, origin="s.toml")
    return str(info.value)


def _set(path: str, value):
    """A mutation setting ``value`` at a dotted path (``[i]`` indexes a list)."""

    def mutate(data: dict) -> None:
        parts = path.replace("[", ".[").split(".")
        node = data
        for p in parts[:-1]:
            node = node[int(p[1:-1])] if p.startswith("[") else node.setdefault(p, {})
        last = parts[-1]
        if last.startswith("["):
            node[int(last[1:-1])] = value
        else:
            node[last] = value

    return mutate


# -- 1. the [optimize] table is validated with the scenario ------------------------


def test_validate_catches_what_optimize_would(tmp_path, capsys):
    """``planlab validate`` rejects an unknown optimiser key and an inverted band."""
    path = tmp_path / "s.toml"
    path.write_text(
        f'extends = "{BASELINE.as_posix()}"\n'
        "[optimize]\nnot_a_key = 1\n"
        "[optimize.constraints]\nachievability = { low = 0.8, high = 0.6 }\n",
        encoding="utf-8",
    )
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert f"{path}: unknown key 'not_a_key' in optimize" in err
    assert f"{path}: optimize.constraints.achievability: low (0.8) must not exceed high" in err


@pytest.mark.parametrize(
    ("path", "value", "needle"),
    [
        ("optimize.primary", "revenu", "optimize.primary: 'revenu' is not a measure"),
        ("optimize.menu.measures", ["revenue", "margin"], "optimize.menu.measures: 'margin'"),
        ("optimize.menu.weights", [{"revenue": 1.0, "x": 0.0}], "optimize.menu.weights[0]: 'x'"),
        ("optimize.constraints.team_numbers", {"Nort": 1e6}, "'Nort' is not a team"),
        ("optimize.levels", {"low": 1.2, "high": 0.8}, "optimize.levels: low (1.2) must be"),
        ("optimize.solver.name", "gurobi", "optimize.solver.name: expected one of 'cbc'"),
        ("optimize.family", "linear", "needs a [optimize.linear.textbook]"),
    ],
)
def test_optimize_errors_at_load(path, value, needle):
    """Every check of the optimiser's settings runs when the scenario is read."""
    mutate = _set(path, value)
    if path == "optimize.family":
        mutate = _set("optimize.linear", {"reps": "textbook"})
    msg = error_of(mutate)
    assert msg.startswith("s.toml: ") and needle in msg


def test_optimize_spec_is_typed_and_reused():
    sc = load_scenario(BASELINE)
    assert isinstance(sc.optimize, OptimizeSpec)
    assert sc.optimize.constraints.ratchet == 0.2
    assert optimize_spec(sc) is sc.optimize  # the optimiser reads the same object
    changed = sc.model_copy(update={"optimize": {"levels": {"count": 1}}})
    with pytest.raises(ScenarioError, match=r"optimize\.levels\.count: must be >= 2, got 1"):
        optimize_spec(changed)


def test_written_scenario_keeps_its_optimiser_settings(tmp_path):
    """A switched-off constraint is written ``false`` and read back switched off."""
    sc = load_scenario(BASELINE)
    spec = OptimizeSpec.model_validate(
        {**sc.optimize.model_dump(), "constraints": {"achievability": False, "ratchet": 0.1}}
    )
    sc = sc.model_copy(update={"optimize": spec})
    path = tmp_path / "copy.toml"
    path.write_text(dump_scenario(sc), encoding="utf-8")
    back = load_scenario(path)
    assert back.optimize == spec
    assert back.optimize.constraints.achievability is None


def test_tail_slope_left_out_takes_the_curves_default():
    """The menu reads the first volume curve's accelerator with the curve's own default
    (the last segment's slope) when ``tail_slope`` is left out."""
    data = copy.deepcopy(RAW)
    curve = data["plan"]["measures"][0]["curve"]
    del curve["tail_slope"]
    sc = parse_scenario(data, origin="s.toml")
    first = sc.plan.measures[0].curve
    assert first.tail_slope is None
    shapes = menu_shapes(sc.plan, Menu(thresholds=[0.5]))
    # points (1.0, 1.0) -> (1.5, 2.0): the last segment rises 2 per unit of attainment
    assert [s.accelerator for s in shapes] == pytest.approx([2.0] * len(shapes))
    assert {s.cap for s in shapes} == {2.5}


# -- 2. helpful errors ------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "value", "needle"),
    [
        ("plan.measures[0].wieght", 0.5, "unknown key 'wieght' in plan.measures[0]; did you mean 'weight'?"),
        ("plan.mesures", [], "unknown key 'mesures' in plan; did you mean 'measures'?"),
        ("plan.measures[0].name", "revenu", "plan.measures[0].name: unknown measure 'revenu'; did you mean 'revenue'?"),
        ("variants.uncapped.measures.revenu", {"weight": 0.5}, "variants.uncapped.measures.revenu: not a measure of the base plan (revenue, new_accounts, cross_sell) nor a known measure; did you mean 'revenue'?"),
        ("simulaton", {}, "unknown key 'simulaton' at the top of the file; did you mean 'simulation'?"),
        ("scenario.nme", "x", "unknown key 'nme' in scenario; did you mean 'name'?"),
        ("market.grwth", 0.1, "unknown key 'grwth' in market; did you mean 'growth'?"),
        ("optimize.constraints.achievabilty", 1, "unknown key 'achievabilty' in optimize.constraints; did you mean 'achievability'?"),
        ("plan.period", "quater", "plan.period: expected one of 'month', 'quarter' or 'year', got 'quater'; did you mean 'quarter'?"),
        ("optimize.family", "linar", "did you mean 'linear'?"),
        ("team.ability", {"dist": "lognorml", "mean": 1.0, "cv": 0.3}, "team.ability: dist = 'lognorml' is not one of"),
        ("team.ability", {"dist": "lognormal", "mean": 1.0, "cvv": 0.3}, "unknown key 'cvv' in team.ability; did you mean 'cv'?"),
    ],
)  # fmt: skip
def test_did_you_mean(path, value, needle):
    msg = error_of(_set(path, value))
    assert needle in msg, msg


@pytest.mark.parametrize(
    ("path", "value", "needle"),
    [
        ("plan.modifiers[0].bands", [], "plan.modifiers[0].bands: expected at least 1 item, got 0"),
        ("plan.measures[0].curve.points", [], "plan.measures[0].curve.points: expected at least 1 item, got 0"),
        ("plan.measures", [], "plan.measures: expected at least 1 item, got 0"),
        ("plan.measures[0].target", -5, "plan.measures[0].target: must be > 0, got -5"),
        ("simulation.trials", "many", "simulation.trials: expected a whole number, got 'many'"),
        ("plan.true_up", "maybe", "plan.true_up: expected true or false, got 'maybe'"),
        ("plan.pay_mix", 3, "plan.pay_mix: expected a table, got 3"),
        ("plan.name", 7, "plan.name: expected text, got 7"),
        ("optimize.menu.caps", ["x"], "optimize.menu.caps[0]: expected a number, got 'x'"),
        ("plan.pay_mix.base", None, None),
    ],
)  # fmt: skip
def test_plain_words_name_the_key(path, value, needle):
    """Library messages become plain sentences naming the key."""
    if value is None:
        mutate = lambda d: d["plan"]["pay_mix"].pop("base")  # noqa: E731
        needle = "plan.pay_mix.base: required key is missing"
    else:
        mutate = _set(path, value)
    msg = error_of(mutate)
    assert needle in msg, msg
    assert not any(w in msg for w in LIBRARY_WORDS), msg


def test_a_failed_measure_does_not_also_count_as_missing():
    """One bad item is one message (not also "at least 1 item")."""
    msg = error_of(_set("plan.measures[0].target", -1))
    assert "at least" not in msg and msg.count("\n") == 0, msg


_KEYS = ["plan.measures[0].weight", "plan.pay_mix.base", "simulation.trials", "market.growth",
         "optimize.levels.count", "optimize.constraints.achievability", "team.reps",
         "plan.measures[0].curve", "plan.gates", "optimize.menu.thresholds", "behaviour",
         "plan.measures[1].curve.points", "simulation.seed", "optimize.solver.time_limit"]  # fmt: skip
_VALUES = st.one_of(
    st.booleans(),
    st.integers(-5, 5),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(max_size=6),
    st.lists(st.integers(-2, 2), max_size=2),
    st.dictionaries(st.sampled_from(["low", "x", "dist", "mean"]), st.integers(-1, 2), max_size=2),
)


@settings(max_examples=60, deadline=None)
@given(key=st.sampled_from(_KEYS), value=_VALUES)
def test_no_library_message_reaches_the_user(key, value):
    """Whatever value a key gets, a rejection is in the project's words, naming the file."""
    data = copy.deepcopy(RAW)
    _set(key, value)(data)
    try:
        parse_scenario(data, origin="s.toml")
    except ScenarioError as exc:
        msg = str(exc)
        assert all(line.startswith("s.toml: ") for line in msg.splitlines()), msg
        assert not any(w in msg for w in LIBRARY_WORDS), msg


@pytest.mark.parametrize(
    ("word", "choices", "best"),
    [
        ("revenu", ["revenue", "retention"], "revenue"),
        ("Revenue", ["revenue"], "revenue"),
        ("zzz", ["revenue", "retention"], None),
    ],
)
def test_closest(word, choices, best):
    assert closest(word, choices) == best


def test_validate_checks_team_numbers_against_the_roster(tmp_path, capsys):
    """A roster's teams are known once it is read; validate reads it and checks them."""
    path = tmp_path / "s.toml"
    roster = (ROOT / "scenarios" / "key_account_roster.toml").as_posix()
    path.write_text(
        f'extends = "{roster}"\n[optimize.constraints]\nteam_numbers = {{ Nrth = 1e6 }}\n',
        encoding="utf-8",
    )
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "optimize.constraints.team_numbers: 'Nrth' is not a team" in err
    assert "did you mean 'North'?" in err
