"""Solving a target problem with CBC or HiGHS, honestly and within a wall-clock limit.

Two traps are handled here. PuLP's ``status`` reads "Optimal" when a solver stops
at its time limit with a feasible but unproven solution, so the status is read
from ``sol_status`` and the gap is reported ("feasible, gap 0.8%"). And a solver
may overrun its own time limit, so solves run in a :class:`SolverPool` of worker
processes: a solve still running at the deadline is killed with its process group
and reported as timed out; the caller never hangs. Every solve builds a fresh
model from the problem's plain data; results are plain :class:`Solution` objects.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import re
import select
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pulp

from sim.executors import die_with_parent

from .model import TargetProblem, bad_year_allowance, build_model, evaluate_choice

__all__ = [
    "SOLVERS",
    "Solution",
    "SolverMissing",
    "SolverPool",
    "solution_state",
    "solver_backend",
    "solve",
    "solve_now",
]

SOLVERS = ("cbc", "highs")
_GRACE = 1.0  # seconds between the solver's own limit and the kill


class SolverMissing(RuntimeError):
    """The chosen solver is not installed."""


@dataclass(frozen=True)
class Solution:
    """The outcome of one solve, as plain data."""

    # optimal | feasible (stopped with a plan, unproven) | infeasible (proven) | unbounded
    # | no solution (stopped at its limits without a plan) | timed out (killed at the
    # deadline) | not solved (the time budget ran out before it started)
    status: str
    solver: str
    level: np.ndarray | None = None  # chosen level per rep
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    build_seconds: float = 0.0
    solve_seconds: float = 0.0
    slack: dict[str, float] = field(default_factory=dict)  # elastic relaxations
    message: str = ""

    @property
    def ok(self) -> bool:
        """A plan was found (proven optimal or feasible with a stated gap)."""
        return self.status in ("optimal", "feasible")

    def describe(self) -> str:
        """One line for people: status, gap, times."""
        if self.status == "feasible":
            head = f"feasible, gap {self.gap:.2%}" if self.gap is not None else "feasible"
        elif self.status == "optimal" and self.gap:
            head = f"optimal within gap {self.gap:.2%}"
        else:
            head = self.status
        text = f"{head} ({self.solver}, built in {self.build_seconds:.2f} s, "
        text += f"solved in {self.solve_seconds:.2f} s)"
        return f"{text}: {self.message}" if self.message else text


def solution_state(sol_status: int, gap: float | None, wanted_gap: float) -> str:
    """ "optimal" only when the solver proved it (within the wanted gap); a solve that
    stopped early with a plan is "feasible", whatever PuLP's ``status`` says."""
    proven = sol_status == pulp.LpSolutionOptimal
    if proven and (gap is None or gap <= wanted_gap + 1e-9):
        return "optimal"
    return "feasible"


def solver_backend(
    name: str,
    time_limit: float,
    gap: float,
    log: Path | None,
    warm: bool = False,
    nodes: int | None = None,
):
    """One thread and (optionally) a node limit: without a binding time limit, the same
    problem gives the same answer on any machine under any load."""
    if name == "cbc":
        return pulp.PULP_CBC_CMD(
            msg=False,
            warmStart=warm,
            timeLimit=time_limit,
            gapRel=gap,
            logPath=str(log) if log else None,
            threads=1,
            maxNodes=nodes,
            _skip_v4_deprecation=True,
        )
    if name == "highs":
        try:
            import highspy  # noqa: F401
        except ImportError:
            raise SolverMissing(
                "the HiGHS solver needs highspy: pip install 'planlab[highs]'"
            ) from None
        extra = {} if nodes is None else {"mip_max_nodes": int(nodes)}
        return pulp.HiGHS(msg=False, timeLimit=time_limit, gapRel=gap, threads=1, **extra)
    raise ValueError(f"unknown solver {name!r}; choose one of {', '.join(SOLVERS)}")


def _cbc_bound(log: Path, maximise: bool) -> float | None:
    """The best bound CBC proved, read from its log (CBC minimises, so signs flip)."""
    try:
        text = log.read_text(errors="replace")
    except OSError:
        return None
    found = re.findall(r"Lower bound:\s+(-?[\d.eE+-]+)", text)
    if not found:
        return None
    bound = float(found[-1])  # the final one (a warm start logs earlier bounds)
    return -bound if maximise else bound


def _first_plan(
    problem: TargetProblem,
    solver: str,
    time_limit: float,
    gap: float,
    relax,
    nodes: int | None = None,
) -> np.ndarray | None:
    """A plan that meets the bad-year limit, found fast: solve without it, let the
    worst years of that plan be the ones allowed over the ceiling, and require the
    rest to stay under it (no year binaries). Any answer is feasible for the full model."""
    free = solve_now(problem, solver, time_limit / 2, gap, relax, drop=("bad_year",), nodes=nodes)
    if not free.ok:
        return None
    rows = np.arange(problem.reps)
    years = problem.scenario_pay[:, rows, free.level].astype(float).sum(1)
    exceed = np.zeros(len(years), dtype=bool)
    exceed[np.argsort(years)[::-1][: bad_year_allowance(problem)]] = True
    fixed = solve_now(problem, solver, time_limit / 2, gap, relax, exceed=exceed, nodes=nodes)
    return fixed.level if fixed.ok else None


def solve_now(
    problem: TargetProblem,
    solver: str = "cbc",
    time_limit: float = 60.0,
    gap: float = 0.001,
    relax: dict[str, float] | None = None,
    elastic: bool = False,
    drop: tuple[str, ...] = (),
    exceed: np.ndarray | None = None,
    nodes: int | None = None,
) -> Solution:
    """Build and solve in this process (the solver's own time and node limits only).

    With a bad-year constraint, a first plan found on a restriction warm-starts
    the solver (CBC otherwise often finds no plan at all in the time allowed).
    """
    t_first = time.perf_counter()
    start = None
    chance = "bad_year" in problem.active() and "bad_year" not in drop and exceed is None
    if chance and not elastic:
        start = _first_plan(problem, solver, time_limit / 3, gap, relax, nodes)
    t0 = time.perf_counter()
    first = t0 - t_first
    time_limit -= first
    prob, var = build_model(problem, relax, elastic, drop, exceed)
    if start is not None:
        for i, row in enumerate(var["x"]):
            for j, v in enumerate(row):
                v.setInitialValue(1.0 if j == start[i] else 0.0)
    built = time.perf_counter() - t0
    limit = max(0.5, time_limit - built - _GRACE)
    maximise = prob.sense == pulp.LpMaximize
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "solver.log" if solver == "cbc" else None
        t1 = time.perf_counter()
        prob.solve(solver_backend(solver, limit, gap, log, warm=start is not None, nodes=nodes))
        took = time.perf_counter() - t1
        bound = _cbc_bound(log, maximise) if log else None
    highs_gap = None
    if solver == "highs" and getattr(prob, "solverModel", None) is not None:
        info = prob.solverModel.getInfo()  # HiGHS reports its own relative gap
        highs_gap = float(info.mip_gap) if np.isfinite(info.mip_gap) else None
    sol, status = prob.sol_status, prob.status
    common = {"solver": solver, "build_seconds": built, "solve_seconds": took + first}
    if sol == pulp.LpSolutionInfeasible or status == pulp.LpStatusInfeasible:
        return Solution("infeasible", **common)
    if sol == pulp.LpSolutionUnbounded or status == pulp.LpStatusUnbounded:
        return Solution("unbounded", **common)
    if sol not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible) and start is not None:
        core = evaluate_choice(problem, start)["objective_core"]
        return Solution("feasible", level=start, objective=core, **common)
    if sol not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
        within = f"{time_limit:g} s" + (f" and {nodes:,} nodes" if nodes is not None else "")
        return Solution("no solution", message=f"no plan found within {within}", **common)
    x = var["x"]
    values = np.vectorize(lambda v: v.varValue or 0.0)(x)
    level = values.argmax(1)
    objective = float(pulp.value(prob.objective) or 0.0)
    gap_now = highs_gap
    if bound is not None:
        gap_now = abs(bound - objective) / max(abs(objective), 1e-9)
    elif highs_gap is not None:
        bound = objective + highs_gap * abs(objective) * (1 if maximise else -1)
    state = solution_state(sol, gap_now, gap)
    slack = {k: float(v.varValue or 0.0) for k, v in var["slack"].items()}
    return Solution(
        state,
        level=level,
        objective=objective,
        bound=bound,
        gap=gap_now,
        slack=slack,
        **common,
    )


def _send(stream, obj) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack("<Q", len(data)) + data)
    stream.flush()


def _recv(stream):
    head = stream.read(8)
    if len(head) < 8:
        raise EOFError("solver worker ended")
    (size,) = struct.unpack("<Q", head)
    return pickle.loads(stream.read(size))


def serve(parent: int | None = None) -> None:
    """Worker loop on stdin/stdout (``python -m optimize.worker PARENT_PID``). Anything
    the solvers print goes to /dev/null: the protocol keeps a private copy of stdout.
    When the parent ends, however it ends, the worker ends with its solver."""
    die_with_parent(parent, group=True, kernel=False)
    inp = os.fdopen(os.dup(0), "rb")
    out = os.fdopen(os.dup(1), "wb")
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    _send(out, "ready")
    while True:
        task = _recv(inp)
        if task is None:
            return
        try:
            _send(out, solve_now(**task))
        except Exception as exc:  # reported to the caller, who raises it
            _send(out, exc)


class _Worker:
    """One solver process in its own session, so a kill takes its solver with it."""

    def __init__(self):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "optimize.worker", str(os.getpid())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            start_new_session=True,
        )
        if _recv(self.proc.stdout) != "ready":  # imports done before any clock starts
            raise RuntimeError("solver worker failed to start")

    def ask(self, task: dict, timeout: float):
        """The worker's answer, or ``_TIMEOUT`` when none came within ``timeout`` s."""
        _send(self.proc.stdin, task)
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        return _recv(self.proc.stdout) if ready else _TIMEOUT

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(5)

    def close(self) -> None:
        try:
            _send(self.proc.stdin, None)
            self.proc.wait(5)
        except (BrokenPipeError, OSError, subprocess.TimeoutExpired):
            self.kill()


_TIMEOUT = object()


class SolverPool:
    """Worker processes that solve target problems under a hard wall-clock limit.

    Use as a context manager; :meth:`solve` is thread-safe (each call borrows an
    idle worker), so shapes can be solved in parallel from a thread pool.
    ``guard=False`` solves in the calling process (no hard limit; for tests).
    """

    def __init__(self, workers: int = 1, guard: bool = True):
        self.guard = guard
        self._idle: list[_Worker] = []
        self._busy: set[_Worker] = set()
        self._lock = threading.Lock()
        self._free = threading.Semaphore(workers)
        self.workers = workers

    def __enter__(self) -> SolverPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """End every worker: idle ones when they have finished, busy ones (after an
        interrupt, say) at once, so no one waits for a solve nobody will read."""
        with self._lock:
            idle, self._idle = self._idle, []
            busy, self._busy = list(self._busy), set()
        for w in busy:
            w.kill()
        for w in idle:
            w.close()

    def solve(
        self,
        problem: TargetProblem,
        solver: str = "cbc",
        time_limit: float = 60.0,
        gap: float = 0.001,
        relax: dict[str, float] | None = None,
        elastic: bool = False,
        nodes: int | None = None,
    ) -> Solution:
        task = {
            "problem": problem,
            "solver": solver,
            "time_limit": time_limit,
            "gap": gap,
            "relax": relax,
            "elastic": elastic,
            "nodes": nodes,
        }
        if not self.guard:
            return solve_now(**task)
        solver_backend(solver, 1.0, gap, None)  # a missing solver fails here, clearly
        with self._free:
            with self._lock:
                worker = self._idle.pop() if self._idle else None
            if worker is None:
                worker = _Worker()
            with self._lock:
                self._busy.add(worker)
            start = time.perf_counter()
            try:
                result = worker.ask(task, time_limit)
            except (EOFError, OSError) as exc:  # the worker died (killed, out of memory)
                worker.kill()
                return Solution("no solution", solver, message=f"the solver process ended: {exc}")
            finally:
                with self._lock:
                    self._busy.discard(worker)
            if result is not _TIMEOUT:
                with self._lock:
                    self._idle.append(worker)
                if isinstance(result, Exception):
                    raise result
                return result
            worker.kill()
            took = time.perf_counter() - start
            return Solution(
                "timed out",
                solver,
                solve_seconds=took,
                message=f"stopped at the {time_limit:g} s limit without a plan",
            )


def solve(problem: TargetProblem, solver: str = "cbc", **kw) -> Solution:
    """Solve once in a guarded worker process (see :class:`SolverPool`)."""
    with SolverPool(1) as pool:
        return pool.solve(problem, solver, **kw)
