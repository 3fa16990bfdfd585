"""Ctrl-C and SIGTERM: one line and exit code 130 (143) at any moment, and never
between an output and its history version. Imports nothing heavy, so it serves while
planlab loads.

A service manager, ``timeout`` or ``kill`` ends a process with SIGTERM. Python's
default is to die at once, skipping every ``finally``: the atomic output writer's
clean-up and the pools' shutdown. Raising :class:`Terminated` (a
``KeyboardInterrupt``) instead runs the same clean-up as Ctrl-C.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = [
    "EXIT_INTERRUPTED",
    "EXIT_TERMINATED",
    "INTERRUPTED",
    "TERMINATED",
    "Terminated",
    "interrupted",
    "interrupts_deferred",
    "terminate_as_interrupt",
]

#: What Ctrl-C prints: outputs are whole (the previous one or the new one), never half-written.
INTERRUPTED = "planlab: interrupted; no output was left half-written"

#: What SIGTERM prints (``kill``, ``timeout``, a service manager): the same promise.
TERMINATED = "planlab: terminated; no output was left half-written"

#: The exit code of a command stopped by Ctrl-C (128 + SIGINT), as shells report it.
EXIT_INTERRUPTED = 130

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


def interrupted(exc: BaseException | None = None) -> int:
    """Say that Ctrl-C (or SIGTERM, when ``exc`` is a :class:`Terminated`) stopped the
    command; the exit code to return."""
    terminated = isinstance(exc, Terminated)
    with contextlib.suppress(OSError, ValueError):  # stderr closed
        print(TERMINATED if terminated else INTERRUPTED, file=sys.stderr)
    return EXIT_TERMINATED if terminated else EXIT_INTERRUPTED


@contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM back while a few renames and a commit run, then deliver
    them, so a stop never splits an output from its history version. Outside the main
    thread signals cannot be caught, and the block runs as it is."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    held = (signal.SIGINT, signal.SIGTERM)
    previous = {s: signal.signal(s, lambda signum, frame: caught.append(signum)) for s in held}
    try:
        yield
    finally:
        for s, handler in previous.items():
            default = signal.default_int_handler if s == signal.SIGINT else signal.SIG_DFL
            signal.signal(s, default if handler is None else handler)
    if signal.SIGTERM in caught:
        raise Terminated()
    if caught:
        raise KeyboardInterrupt
