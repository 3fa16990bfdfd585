"""``planlab sweep``: plan variants x market scenarios, with a robustness ranking."""

from .command import add_sweep_parser, cmd_sweep
from .files import sweep_files

__all__ = ["add_sweep_parser", "cmd_sweep", "sweep_files"]
