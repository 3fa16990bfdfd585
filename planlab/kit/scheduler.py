"""``--scheduler``: the executor a command's simulations run on (see :mod:`sim.executors`);
the option itself is :func:`planlab.kit.options.add_scheduler_option`."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator
from concurrent.futures import Executor

from sim.executors import SchedulerError, cluster_executor, scheduler_address

from .options import UsageError

__all__ = ["scheduler_executor"]


@contextlib.contextmanager
def scheduler_executor(args: argparse.Namespace) -> Iterator[Executor | None]:
    """The executor the command's ``--scheduler`` names, ``None`` for the local pools;
    a scheduler that cannot be used is a usage error (exit code 2)."""

    address = scheduler_address(getattr(args, "scheduler", None))
    with contextlib.ExitStack() as stack:
        try:
            executor = stack.enter_context(cluster_executor(address))
        except SchedulerError as exc:
            raise UsageError(str(exc)) from None
        yield executor
