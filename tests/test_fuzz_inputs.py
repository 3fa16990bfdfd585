"""Fuzzing the front door: the shipped scenarios, CRM exports and actuals, damaged at
random (values set to extremes, NaN or text, keys dropped, files cut short, garbage
rows inserted), run through the command line. Every run ends in exit 0 or 2, no
traceback reaches the user, and a run that stops (exit 2) leaves no output behind.

The examples are drawn from a fixed seed (``derandomize``) so the suite is
repeatable, and their number keeps the whole file near a minute.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

import pandas as pd
import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planlab.cli import main
from tests.conftest import ROOT

SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml")) + sorted(
    (ROOT / "scenarios" / "crm").glob("*.toml")
)
CRM = ROOT / "scenarios" / "crm"
EXPORTS = [
    (CRM / "hubspot.toml", CRM / "hubspot_deals.csv"),
    (CRM / "salesforce.toml", CRM / "salesforce_opportunities.csv"),
]
EXAMPLE = ROOT / "scenarios" / "review_example.toml"

#: Values a damaged file may hold where a number, a text or a table was.
EXTREMES = [
    1e308,
    -1e308,
    1e200,
    1e16,
    -1.0,
    0,
    0.0,
    10**30,
    -(10**30),
    math.nan,
    math.inf,
    -math.inf,
    "x",
    "",
    "9999-12-31",
    "=cmd|' /C calc'!A0",
    "a" * 5_000,
    True,
    [],
    {},
    [1e308],
    {"zz": 1},
]
#: Cells a damaged export or actuals file may hold.
CELLS = [
    "1e308",
    "-1e308",
    "1e200",
    "nan",
    "NaN",
    "inf",
    "-5",
    "",
    "abc",
    "9999-12-31",
    "0001-01-01",
    "2099-12-31 00:00",
    "1970-01-01",
    "=1+1",
    "@SUM(A1)",
    '"unclosed',
    "x" * 140_000,
    "0",
    "\x00",
    "٣",
]
FUZZ = {
    "derandomize": True,
    "deadline": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    "database": None,
}


def run(args: list, tmp: Path, capsys) -> tuple[int, str]:
    """Run the command line in-process: any exception escaping ``main`` is a traceback."""
    out = tmp / "out"
    code = main([str(a) for a in args])
    _, err = capsys.readouterr()
    assert code in (0, 2), (code, err[-2000:])
    assert "Traceback" not in err, err[-2000:]
    if code == 2:
        assert err.startswith("planlab: error: ") or "\nplanlab: error: " in err, err[-2000:]
        assert not out.exists(), "an output directory was left behind on exit 2"
    return code, err


def _absolute(data: dict, source: Path) -> dict:
    """Paths a scenario names, made absolute so the file can be written elsewhere."""
    if isinstance(data.get("extends"), str):
        data["extends"] = (source.parent / data["extends"]).resolve().as_posix()
    team = data.get("team")
    if isinstance(team, dict) and isinstance(team.get("roster"), str):
        team["roster"] = (source.parent / team["roster"]).resolve().as_posix()
    actuals = data.get("actuals")
    if isinstance(actuals, dict) and isinstance(actuals.get("source"), str):
        actuals["source"] = (source.parent / actuals["source"]).resolve().as_posix()
    return data


def _nodes(node, path=()):
    yield path, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _nodes(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _nodes(v, (*path, i))


def _mutate(data: dict, pick: int, value, drop: bool) -> dict:
    nodes = [p for p, _ in _nodes(data) if p]
    path = nodes[pick % len(nodes)]
    parent = data
    for p in path[:-1]:
        parent = parent[p]
    if drop:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return data


def _toml(data: dict) -> str:
    try:
        return tomli_w.dumps(data)
    except (TypeError, ValueError, OverflowError):  # a value TOML cannot hold: leave it
        return tomli_w.dumps({k: v for k, v in data.items() if k != "scenario"})


@settings(max_examples=100, **FUZZ)
@given(
    which=st.integers(0, len(SCENARIOS) - 1),
    pick=st.integers(0, 10_000),
    value=st.sampled_from(EXTREMES),
    drop=st.booleans(),
)
def test_damaged_scenarios_validate_or_stop_with_a_message(
    which, pick, value, drop, tmp_path_factory, capsys
):
    source = SCENARIOS[which]
    data = _absolute(tomllib.loads(source.read_text("utf-8")), source)
    data = _mutate(data, pick, value, drop)
    tmp = tmp_path_factory.mktemp("scen")
    path = tmp / "s.toml"
    try:
        text = tomli_w.dumps(data)
    except (TypeError, ValueError, OverflowError):
        return  # a value no TOML file can hold
    path.write_text(text, encoding="utf-8")
    run(["validate", path], tmp, capsys)


@settings(max_examples=30, **FUZZ)
@given(
    which=st.integers(0, len(SCENARIOS) - 1),
    cut=st.floats(0.0, 1.0),
    garbage=st.sampled_from(["", "\x00\xff", "[[[", "= 1", "a = ", '"""', "[plan]\n[plan]"]),
)
def test_truncated_scenarios_stop_with_a_message(which, cut, garbage, tmp_path_factory, capsys):
    source = SCENARIOS[which]
    text = tomli_w.dumps(_absolute(tomllib.loads(source.read_text("utf-8")), source))
    tmp = tmp_path_factory.mktemp("cut")
    path = tmp / "s.toml"
    path.write_bytes((text[: int(len(text) * cut)] + garbage).encode("utf-8", "surrogateescape"))
    run(["validate", path], tmp, capsys)


@settings(max_examples=4, **FUZZ)
@given(
    pick=st.integers(0, 10_000),
    value=st.sampled_from([1e200, 1e16, -1.0, 0, math.nan, "x", []]),
)
def test_damaged_scenario_simulates_or_stops(pick, value, tmp_path_factory, capsys):
    source = ROOT / "scenarios" / "key_account_baseline.toml"
    data = _mutate(tomllib.loads(source.read_text("utf-8")), pick, value, drop=False)
    tmp = tmp_path_factory.mktemp("sim")
    path = tmp / "s.toml"
    path.write_text(_toml(data), encoding="utf-8")
    run(["simulate", path, "--trials", 3, "--out", tmp / "out", "--quiet"], tmp, capsys)


def _damage_rows(lines: list[str], row: int, column: int, cell: str, kind: str) -> list[str]:
    """One export's lines damaged: a cell replaced, a garbage row inserted, or cut short."""
    out = list(lines)
    i = 1 + row % max(len(out) - 1, 1)
    if kind == "cell":
        fields = out[i].split(",")
        fields[column % len(fields)] = f'"{cell}"' if "," in cell else cell
        out[i] = ",".join(fields)
    elif kind == "row":
        out.insert(i, cell)
    else:  # cut the file short inside a row
        out = out[:i] + [out[i][: len(out[i]) // 2]]
    return out


@settings(max_examples=10, **FUZZ)
@given(
    which=st.integers(0, len(EXPORTS) - 1),
    row=st.integers(0, 10_000),
    column=st.integers(0, 20),
    cell=st.sampled_from(CELLS),
    kind=st.sampled_from(["cell", "row", "cut"]),
    drop=st.booleans(),
)
def test_damaged_exports_calibrate_or_stop(
    which, row, column, cell, kind, drop, tmp_path_factory, capsys
):
    scenario, export = EXPORTS[which]
    encoding = "utf-8" if export.name.startswith("hubspot") else "cp1252"
    lines = export.read_text(encoding).splitlines()
    tmp = tmp_path_factory.mktemp("export")
    path = tmp / "export.csv"
    text = "\n".join(_damage_rows(lines, row, column, cell, kind)) + "\n"
    path.write_bytes(text.encode(encoding, errors="replace"))
    args = ["calibrate", scenario, "--export", path, "--out", tmp / "out", "--quiet"]
    run([*args, "--drop-bad-rows"] if drop else args, tmp, capsys)


@pytest.fixture(scope="module")
def clean_actuals() -> pd.DataFrame:
    """The review example's actuals without the rows it damages on purpose."""
    from sim import load_scenario
    from sim.actuals.load import load_actuals

    good = load_actuals(load_scenario(EXAMPLE), drop_bad_rows=True)
    bad = sorted(int(p.row.split()[-1]) - 2 for p in good.dropped)
    return pd.read_csv(ROOT / "scenarios" / "review_actuals.csv", dtype=str).drop(index=bad)


@settings(max_examples=4, **FUZZ)
@given(
    row=st.integers(0, 10_000),
    column=st.integers(0, 20),
    cell=st.sampled_from([c for c in CELLS if c not in ("0", "")]),
    kind=st.sampled_from(["cell", "row", "cut"]),
)
def test_damaged_actuals_review_or_stop(
    row, column, cell, kind, clean_actuals, tmp_path_factory, capsys
):
    lines = clean_actuals.to_csv(index=False).splitlines()
    tmp = tmp_path_factory.mktemp("actuals")
    path = tmp / "actuals.csv"
    path.write_text("\n".join(_damage_rows(lines, row, column, cell, kind)) + "\n", "utf-8")
    args = ["review", EXAMPLE, "--actuals", path, "--no-optimize", "--no-history"]
    run([*args, "--trials", 5, "--out", tmp / "out", "--quiet"], tmp, capsys)
