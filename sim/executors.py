"""Executors for the chunk loop: the local pools, or a Dask distributed cluster.

Every parallel run goes through one ``concurrent.futures.Executor``. Without a
scheduler nothing changes (the engine's own local pool). Naming one runs the
same chunk tasks on a Dask cluster through the client's executor:

* ``"local"`` starts a :class:`distributed.LocalCluster` on this machine
  (worker processes, one thread each) and closes it afterwards;
* any other value is the address of a running scheduler
  (``tcp://host:8786``), as ``dask scheduler`` prints it.

The ``PLANLAB_SCHEDULER`` environment variable names one when no option does.
Tasks are pure functions of their stream addresses, so the result is
byte-identical to the local run, and a task lost with a worker is re-run by
the scheduler with the same result.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor

__all__ = [
    "ENV",
    "QuietHeartbeat",
    "SchedulerError",
    "close_pool",
    "cluster_executor",
    "dask_setup",
    "die_with_parent",
    "process_pool",
    "scheduler_address",
]

#: Environment variable naming a scheduler when no option does.
ENV = "PLANLAB_SCHEDULER"
#: Workers of a ``local`` cluster (processes, one thread each).
LOCAL_WORKERS = 2


#: Seconds between a worker's looks at its parent (the portable fallback).
WATCH_INTERVAL = 0.25
_PR_SET_PDEATHSIG = 1


class SchedulerError(ValueError):
    """The named scheduler cannot be used (Dask missing, or no scheduler there)."""


def die_with_parent(parent: int | None = None, group: bool = False, kernel: bool = True) -> None:
    """Make this (worker) process end when its parent does, however the parent ends.

    On Linux the kernel sends SIGKILL at once (``prctl(PR_SET_PDEATHSIG)``; only when
    ``kernel``: the signal follows the *thread* that started the process, so it is
    asked for only when that thread lives as long as the pool). Everywhere a daemon
    thread also checks every :data:`WATCH_INTERVAL` s whether the parent has gone and
    then ends this process, or with ``group`` its whole process group (a solver worker
    leads its own, with the solver it runs). ``parent`` is the process id of the
    process that asked for the worker (default: this one's parent); when a fork
    server started the worker, both that process and the direct parent are watched."""
    direct = os.getppid()
    parent = direct if parent is None else parent
    if kernel and sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)

    def gone() -> bool:
        if os.getppid() != direct:  # re-parented: the direct parent has ended
            return True
        return parent != direct and not _exists(parent)

    if (parent == direct and direct == 1) or (parent != direct and not _exists(parent)):
        _end(group)  # the parent ended before the watch began

    def watch() -> None:
        while not gone():
            time.sleep(WATCH_INTERVAL)
        _end(group)

    threading.Thread(target=watch, name="planlab-parent-watch", daemon=True).start()


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _end(group: bool) -> None:
    if group and os.getpgid(0) == os.getpid():
        with contextlib.suppress(OSError):
            os.killpg(os.getpid(), signal.SIGKILL)
    os._exit(1)


class QuietHeartbeat(logging.Filter):
    """Drops a worker's "failed to communicate with scheduler during heartbeat": when
    a local cluster shuts down, a worker's last heartbeat may find the scheduler gone
    and print a traceback, though nothing went wrong."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "during heartbeat" not in str(record.msg)


def dask_setup(worker) -> None:
    """Preload of a ``--scheduler local`` worker: end with planlab, however it ends;
    no heartbeat traceback at shutdown."""
    die_with_parent(kernel=False)
    logging.getLogger("distributed.worker").addFilter(QuietHeartbeat())


def _pool_worker(parent: int, kernel: bool) -> None:
    """Initialiser of a pool's worker: die with the parent; leave Ctrl-C to it, and end
    quietly on SIGTERM (a forked worker would otherwise inherit planlab's handler)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    die_with_parent(parent, kernel=kernel)


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A local process pool whose workers end with this process, even when it is
    killed (SIGKILL leaves no chance to clean up). Close it with :func:`close_pool`."""
    kernel = threading.current_thread() is threading.main_thread()
    return ProcessPoolExecutor(workers, initializer=_pool_worker, initargs=(os.getpid(), kernel))


def close_pool(pool: Executor, failed: bool) -> None:
    """Shut a pool down; after a failure or an interrupt (``failed``) without waiting
    for running tasks: a process pool's workers are ended at once."""
    if not failed:
        pool.shutdown(cancel_futures=True)
        return
    # The executor keeps its processes in a private mapping (emptied by shutdown);
    # ending them is the only way not to wait for a running chunk (Python 3.14 adds
    # terminate_workers()).
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for proc in processes:
        with contextlib.suppress(Exception):
            proc.kill()
    pool.shutdown(wait=False, cancel_futures=True)


def scheduler_address(option: str | None) -> str | None:
    """The scheduler to use: the option, else ``$PLANLAB_SCHEDULER``, else none."""
    value = option if option is not None else os.environ.get(ENV)
    value = (value or "").strip()
    return value or None


@contextlib.contextmanager
def cluster_executor(
    address: str | None, workers: int = LOCAL_WORKERS, timeout: float = 10.0
) -> Iterator[Executor | None]:
    """An executor on the Dask cluster at ``address`` (``"local"``: a new LocalCluster);
    ``None`` (the local pools) when no address is given."""
    if address is None:
        yield None
        return
    try:
        import dask
        from distributed import Client, LocalCluster
    except ImportError:
        raise SchedulerError(
            f"scheduler {address!r}: Dask is not installed; "
            "pip install 'planlab[dask]' to run on a cluster"
        ) from None
    with contextlib.ExitStack() as stack:
        if address == "local":
            # No dashboard, so no statistical profiler sampling the workers' threads
            # every 10 ms (it holds the GIL and slowed chunk tasks by a fifth here).
            stack.enter_context(dask.config.set({"distributed.worker.profile.enabled": False}))
            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=":0",
                    preload=[__name__],  # dask_setup below, in each worker
                )
            )
            target = cluster
        else:
            target = address
        try:
            client = stack.enter_context(Client(target, timeout=timeout))
        except (OSError, TimeoutError) as exc:
            raise SchedulerError(f"scheduler {address!r}: cannot connect ({exc})") from None
        yield client.get_executor(pure=False)
