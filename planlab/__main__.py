"""``python -m planlab`` and the ``planlab`` console script (:func:`entry`): Ctrl-C at
any moment, start-up included, prints one line and exits with code 130 (SIGTERM: 143),
never a traceback."""

from __future__ import annotations

import os
import sys

from planlab.kit.interrupts import EXIT_INTERRUPTED, EXIT_TERMINATED, interrupted

__all__ = ["entry", "run"]


def run() -> int:
    """Load the command line and run it; the exit code."""
    try:
        from planlab.cli import main

        return main()
    except KeyboardInterrupt as exc:  # before main() could catch it: while loading
        return interrupted(exc)


def entry() -> None:
    """The console script: :func:`run`, then exit. After Ctrl-C or SIGTERM the command
    has cleaned up its files and ended its workers; the exit does not wait for pool
    threads to finish the chunk they were running."""
    code = run()
    if code in (EXIT_INTERRUPTED, EXIT_TERMINATED):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    entry()
