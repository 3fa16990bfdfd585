"""Freed memory handed back to the system after each chunk, so a run's resident
memory follows what it holds rather than the largest chunk it ever held."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

__all__ = ["release_freed"]


@functools.cache
def _libc_trim():
    """glibc's ``malloc_trim``, or None on another C library."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


def release_freed() -> None:
    """Hand memory freed by a finished chunk back to the system.

    glibc keeps freed blocks below its mmap threshold (which grows up to 32 MB as large
    arrays come and go) in each thread's arena, so a worker's resident memory stays at
    its largest chunk plus fragments; ``malloc_trim(0)`` returns the free pages. A
    no-op elsewhere.
    """
    trim = _libc_trim()
    if trim is not None:
        trim(0)
