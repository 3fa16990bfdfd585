"""How a run's big temporary arrays get their memory from the C library (glibc).

Paying a chunk creates and drops hundreds of arrays of a few megabytes. By default
glibc gives every block over its mmap threshold fresh pages of its own and hands a
heap's free top back to the system above twice that threshold, so the next array of
the same size pays again in page faults: a fifth of the payout's time. A run therefore
lets freed blocks be reused (:func:`reuse_freed`), and hands what it freed back after
each large chunk and at the end of a run (:func:`release_freed`), so resident memory
between runs follows what the process holds. Both are no-ops on another C library;
whoever starts the process keeps the last word: with any of glibc's ``MALLOC_*_``
thresholds or a ``glibc.malloc`` tunable set in the environment (:func:`user_set`),
planlab leaves the allocator as they set it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import threading

__all__ = [
    "ALLOCATOR_ENV",
    "MMAP_THRESHOLD",
    "TRIM_THRESHOLD",
    "release_freed",
    "reuse_freed",
    "user_set",
]

#: glibc's own settings of the same thresholds: when one is set, planlab sets none.
ALLOCATOR_ENV = (
    "MALLOC_MMAP_THRESHOLD_",
    "MALLOC_TRIM_THRESHOLD_",
    "MALLOC_TOP_PAD_",
    "MALLOC_MMAP_MAX_",
)

#: Blocks up to this size come from the heap, where freed ones are reused (glibc's
#: largest allowed value on 64-bit systems); bigger ones get pages of their own.
MMAP_THRESHOLD = 32 << 20
#: Free memory a heap keeps at its top for the next arrays before handing it back.
TRIM_THRESHOLD = 128 << 20
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters
_ONCE = threading.Lock()  # mallopt is not thread-safe: the first call is made alone


def user_set(environ=os.environ) -> bool:
    """Whether the environment sets the allocator itself: one of :data:`ALLOCATOR_ENV`,
    or a ``glibc.malloc`` tunable in ``GLIBC_TUNABLES``."""
    return any(environ.get(k) for k in ALLOCATOR_ENV) or "glibc.malloc." in environ.get(
        "GLIBC_TUNABLES", ""
    )


@functools.cache
def _libc():
    """The C library if it is glibc (it has ``malloc_trim``), else None."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim  # noqa: B018 - glibc only
        return libc
    except (OSError, AttributeError):
        return None


@functools.cache
def reuse_freed() -> None:
    """Let big arrays reuse the memory freed by earlier ones (once per process).

    Sets glibc's mmap threshold to :data:`MMAP_THRESHOLD` and its trim threshold to
    :data:`TRIM_THRESHOLD` for the whole process (glibc then stops adapting them): the
    price is up to that much freed memory kept per thread's heap between arrays, handed
    back by :func:`release_freed`. Not done when the environment sets the allocator
    (:func:`user_set`).
    """
    libc = _libc()
    if libc is not None and not user_set():
        with _ONCE:
            libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
            libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)


def release_freed() -> None:
    """Hand memory freed by a finished chunk back to the system.

    Freed blocks below the mmap threshold stay in each thread's heap, so a worker's
    resident memory would stay at its largest chunk plus fragments; ``malloc_trim(0)``
    returns the free pages.
    """
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
