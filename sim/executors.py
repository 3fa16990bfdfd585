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
import os
from collections.abc import Iterator
from concurrent.futures import Executor

__all__ = ["ENV", "SchedulerError", "cluster_executor", "scheduler_address"]

#: Environment variable naming a scheduler when no option does.
ENV = "PLANLAB_SCHEDULER"
#: Workers of a ``local`` cluster (processes, one thread each).
LOCAL_WORKERS = 2


class SchedulerError(ValueError):
    """The named scheduler cannot be used (Dask missing, or no scheduler there)."""


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
