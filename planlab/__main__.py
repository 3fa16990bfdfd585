"""``python -m planlab``: the same as the ``planlab`` command."""

from planlab.cli import run

run()
