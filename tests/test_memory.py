"""Memory known before a run starts: the estimate against measured peaks, and the
refusal (exit 2, the keys that drive it named, nothing written) when it does not fit."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from planlab.cli import main
from sim import load_scenario
from sim.errors import ScenarioError
from sim.memory import check_memory, memory_estimate, parse_size

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "key_account_baseline.toml"
PIPELINE = ROOT / "scenarios" / "key_account_pipeline.toml"
#: The estimate is within this factor of the measured peak, either way.
FACTOR = 2.0

CHILD = """
import json, resource, sys
import sim
from sim.memory import estimate_peak
reps, trials = int(sys.argv[1]), int(sys.argv[2])
s = sim.load_scenario(sys.argv[3])
s = s.model_copy(update={"team": s.team.model_copy(update={"reps": reps}), "variants": {}})
sim.simulate(s, trials=trials, seed=1, workers=2, behaviour=False, rep_years=False)
# VmHWM is this process image's own peak; ru_maxrss may carry the forking parent's.
try:
    status = open("/proc/self/status").read().split("VmHWM:")[1]
    peak = int(status.split()[0]) * 1024
except (OSError, IndexError):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"peak": peak, "estimate": estimate_peak(s, trials=trials, workers=2)}))
"""


@pytest.mark.parametrize("reps, trials", [(40, 400), (1000, 200), (2500, 100)])
def test_estimate_is_within_a_factor_of_the_measured_peak(reps, trials):
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(reps), str(trials), str(BASELINE)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    m = json.loads(out.stdout.strip().splitlines()[-1])
    assert 1 / FACTOR <= m["estimate"] / m["peak"] <= FACTOR, m


def test_estimate_grows_with_what_drives_it():
    sc = load_scenario(BASELINE)
    small = memory_estimate(sc, trials=1_000).peak
    assert memory_estimate(sc, trials=100_000).peak > small
    big_team = sc.model_copy(update={"team": sc.team.model_copy(update={"reps": 20_000})})
    assert memory_estimate(big_team, trials=1_000).peak > 10 * small
    assert memory_estimate(sc, trials=1_000, rep_years=True).peak > small


def test_parse_size():
    assert parse_size("2GB") == 2e9
    assert parse_size("500 MB") == 5e8
    assert parse_size("1GiB") == 1024**3
    for bad in ("lots", "-1GB", "2XB"):
        with pytest.raises(ValueError, match="expected a size"):
            parse_size(bad)


def test_refusal_names_the_keys():
    sc = load_scenario(BASELINE)
    est = memory_estimate(sc, trials=10_000_000)
    with pytest.raises(ScenarioError) as err:
        check_memory(est, 1e9, "x.toml")
    msg = str(err.value)
    assert msg.startswith("x.toml: this run would need about")
    assert "--trials = 10,000,000" in msg and "[team] reps = 40" in msg


def _write(tmp_path: Path, text: str, base: Path = BASELINE) -> Path:
    p = tmp_path / "big.toml"
    p.write_text(f'extends = "{base.as_posix()}"\n{text}', encoding="utf-8")
    return p


def _run(argv, capsys) -> tuple[int, str]:
    code = main(argv)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


@pytest.mark.parametrize(
    "command, toml, extra, keys",
    [
        ("simulate", "", ["--trials", "10000000"], ["--trials = 10,000,000"]),
        ("simulate", "[team]\nreps = 1000000\n", [], ["[team] reps = 1,000,000"]),
        ("compare", "", ["--trials", "10000000"], ["--trials", "variants"]),
        ("sweep", "", ["--trials", "10000000"], ["--trials ([sweep] trials)"]),
        ("optimize", "[optimize]\ntrials = 100000\n", [], ["[optimize] trials = 100,000"]),
    ],
)
def test_schema_maxima_are_refused_before_starting(tmp_path, capsys, command, toml, extra, keys):
    base = ROOT / "scenarios" / "key_account_sweep.toml" if command == "sweep" else BASELINE
    path = _write(tmp_path, toml, base)
    out = tmp_path / "out"
    code, err = _run([command, str(path), "--out", str(out), *extra], capsys)
    assert code == 2, err
    assert "this run would need about" in err and "memory" in err
    for k in keys:
        assert k in err, err
    assert not out.exists()


def test_pipeline_opportunities_drive_the_estimate(tmp_path, capsys):
    path = _write(tmp_path, "[pipeline]\nopportunities_per_month = 1000\n", PIPELINE)
    out = tmp_path / "out"
    code, err = _run(
        ["simulate", str(path), "--engine", "pipeline", "--max-memory", "1GB", "--out", str(out)],
        capsys,
    )
    assert code == 2
    assert "[pipeline] opportunities_per_month = 1000" in err
    assert not out.exists()


def test_bounds_in_the_models_refuse_what_no_estimate_could_run(tmp_path, capsys):
    for toml in (
        "[market.new_business]\ndeals_per_month = 1e9\n",
        "[pipeline]\nopportunities_per_month = 1e6\n",
    ):
        code, err = _run(["simulate", str(_write(tmp_path, toml))], capsys)
        assert code == 2 and "must be <= 1000" in err, err


def test_max_memory_refuses_a_run_that_would_fit_the_machine(tmp_path, capsys):
    out = tmp_path / "out"
    code, err = _run(
        ["simulate", str(BASELINE), "--trials", "200", "--max-memory", "10MB", "--out", str(out)],
        capsys,
    )
    assert code == 2 and "--max-memory" in err
    assert not out.exists()
    code, _ = _run(
        ["simulate", str(BASELINE), "--trials", "100", "--max-memory", "20GB", "--out", str(out)],
        capsys,
    )
    assert code == 0 and out.exists()
