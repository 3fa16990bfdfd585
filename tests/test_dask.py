"""A Dask cluster gives the local run's bytes: simulate, compare, sweep, a lost worker.

CI runs these on a two-worker ``LocalCluster`` with processes (the ``dask``
extra is in ``dev``). Chunk tasks are pure functions of their stream
addresses, so the scheduler may run them anywhere, and again.
"""

from __future__ import annotations

import os
import signal
import threading

import numpy as np
import pytest

from planlab.cli import main
from sim import load_scenario, simulate
from sim.executors import cluster_executor, scheduler_address
from sim.sweep.run import run_sweep
from tests.conftest import BASELINE

distributed = pytest.importorskip("distributed")
SWEEP = BASELINE.parent / "key_account_sweep.toml"


@pytest.fixture(scope="module")
def cluster():
    """A two-worker LocalCluster (processes, one thread each) and its client."""
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as lc,
        distributed.Client(lc) as client,
    ):
        yield lc, client


def test_scheduler_address_from_option_or_environment(monkeypatch):
    monkeypatch.delenv("PLANLAB_SCHEDULER", raising=False)
    assert scheduler_address(None) is None
    monkeypatch.setenv("PLANLAB_SCHEDULER", "tcp://h:8786")
    assert scheduler_address(None) == "tcp://h:8786"
    assert scheduler_address("local") == "local"
    with cluster_executor(None) as ex:
        assert ex is None


def test_simulate_on_the_cluster_is_byte_identical(cluster):
    _, client = cluster
    sc = load_scenario(BASELINE)
    local = simulate(sc, trials=400, seed=9, chunk_trials=100, rep_years=True)
    remote = simulate(
        sc, trials=400, seed=9, chunk_trials=100, executor=client.get_executor(), rep_years=True
    )
    assert local.draws == remote.draws
    for name, v in local.variants.items():
        w = remote.variants[name]
        assert v.outcome.total.tobytes() == w.outcome.total.tobytes()
        assert v.actuals["revenue"].tobytes() == w.actuals["revenue"].tobytes()
        assert v.rep_bookings_by_month.tobytes() == w.rep_bookings_by_month.tobytes()


def test_a_worker_killed_mid_sweep_loses_nothing(cluster):
    lc, client = cluster
    sc = load_scenario(SWEEP)
    local = run_sweep(sc, trials=300, seed=2, workers=1)
    pids = client.run(os.getpid)
    victim = next(iter(pids.values()))
    killed = threading.Event()

    def kill_one(done: int, total: int) -> None:
        if done == 1:  # while the next markets' chunks are in flight
            threading.Timer(0.2, lambda: (os.kill(victim, signal.SIGKILL), killed.set())).start()

    remote = run_sweep(sc, trials=300, seed=2, executor=client.get_executor(), progress=kill_one)
    assert killed.wait(5)
    client.wait_for_workers(2, timeout=60)  # the nanny restarts the killed worker
    assert victim not in client.run(os.getpid).values()
    assert remote.cells.equals(local.cells)
    assert remote.ranking.equals(local.ranking)
    assert remote.reps.equals(local.reps)


@pytest.mark.slow
def test_cli_scheduler_local_gives_the_local_summary(tmp_path, monkeypatch):
    monkeypatch.delenv("PLANLAB_SCHEDULER", raising=False)
    base = ["--trials", "200", "--seed", "4", "--quiet"]
    assert main(["sweep", str(SWEEP), *base, "--out", str(tmp_path / "a")]) == 0
    monkeypatch.setenv("PLANLAB_SCHEDULER", "local")
    assert main(["sweep", str(SWEEP), *base, "--out", str(tmp_path / "b")]) == 0
    assert main(["simulate", str(BASELINE), *base, "--out", str(tmp_path / "c")]) == 0
    monkeypatch.delenv("PLANLAB_SCHEDULER")
    assert main(["simulate", str(BASELINE), *base, "--out", str(tmp_path / "d")]) == 0
    for x, y in (("a", "b"), ("c", "d")):
        assert (tmp_path / x / "summary.json").read_bytes() == (
            tmp_path / y / "summary.json"
        ).read_bytes()


def test_an_unreachable_scheduler_is_a_usage_error(tmp_path, capsys):
    args = ["simulate", str(BASELINE), "--trials", "10", "--out", str(tmp_path / "o")]
    code = main([*args, "--scheduler", "tcp://127.0.0.1:9"])
    err = capsys.readouterr().err
    assert code == 2 and "cannot connect" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_the_optimisers_tabulation_on_the_cluster_is_identical(cluster):
    from optimize.spec import optimize_spec
    from optimize.tabulate import team_outlook
    from sim.run import make_population

    _, client = cluster
    sc = load_scenario(BASELINE)
    small = sc.model_copy(update={"optimize": sc.optimize.model_copy(update={"trials": 200})})
    spec = optimize_spec(small)
    pop = make_population(small)
    local = team_outlook(small, pop, spec, 3)
    remote = team_outlook(small, pop, spec, 3, client.get_executor())
    here, there = local.sample.levels(local.efforts), remote.sample.levels(remote.efforts)
    assert len(here) == len(there) > 1
    for a, b in zip(here, there, strict=True):
        for c, v in a.components.items():
            assert v.tobytes() == b.components[c].tobytes(), (c, np.abs(v - b.components[c]).max())
    assert local.reps.cost.tobytes() == remote.reps.cost.tobytes()
