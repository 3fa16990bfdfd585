"""SIGTERM handled like Ctrl-C: the command stops where it is, cleans up, exits 143.

A service manager, ``timeout`` or ``kill`` ends a process with SIGTERM. Python's
default is to die at once, skipping every ``finally``: the atomic output writer's
clean-up and the pools' shutdown. Raising :class:`Terminated` (a
``KeyboardInterrupt``) instead runs the same clean-up as Ctrl-C.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

__all__ = ["EXIT_TERMINATED", "Terminated", "terminate_as_interrupt"]

#: Exit code after SIGTERM (128 + 15, as a shell reports it).
EXIT_TERMINATED = 128 + signal.SIGTERM


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: stop like Ctrl-C."""


def _raise(signum, frame) -> None:
    raise Terminated()


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Inside: SIGTERM raises :class:`Terminated` in the main thread. The previous
    handler is restored afterwards (a caller's own, when ``main`` runs in-process)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
