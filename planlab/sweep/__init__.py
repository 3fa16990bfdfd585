"""``planlab sweep``: plan variants x market scenarios, with a robustness ranking."""

from .files import sweep_files

__all__ = ["sweep_files"]
