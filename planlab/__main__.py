"""``python -m planlab`` and the ``planlab`` console script (``run``): Ctrl-C at any
moment, start-up included, prints one line and exits with code 130, never a traceback."""

from __future__ import annotations

import sys

from planlab.kit.interrupts import interrupted

__all__ = ["run"]


def run() -> int:
    """Load the command line and run it; the exit code."""
    try:
        from planlab.cli import main

        return main()
    except KeyboardInterrupt:  # before main() could catch it: while loading
        return interrupted()


if __name__ == "__main__":
    sys.exit(run())
