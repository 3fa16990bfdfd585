"""``--scheduler``: run a command's simulations on a Dask cluster (see :mod:`sim.executors`)."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator
from concurrent.futures import Executor

from sim.executors import ENV, SchedulerError, cluster_executor, scheduler_address

__all__ = ["add_scheduler_option", "scheduler_executor"]


def add_scheduler_option(p: argparse.ArgumentParser) -> None:
    """The ``--scheduler ADDRESS`` option (default: ``$PLANLAB_SCHEDULER``, else local)."""
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help=f"run on the Dask cluster at ADDRESS (tcp://host:8786), or 'local' for a "
        f"LocalCluster of two worker processes (default: ${ENV}, else this process's pool)",
    )


@contextlib.contextmanager
def scheduler_executor(args: argparse.Namespace) -> Iterator[Executor | None]:
    """The executor the command's ``--scheduler`` names, ``None`` for the local pools;
    a scheduler that cannot be used is a usage error (exit code 2)."""
    from .cli import UsageError

    address = scheduler_address(getattr(args, "scheduler", None))
    with contextlib.ExitStack() as stack:
        try:
            executor = stack.enter_context(cluster_executor(address))
        except SchedulerError as exc:
            raise UsageError(str(exc)) from None
        yield executor
