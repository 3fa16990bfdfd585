"""Failures of the machine rather than of the input: a full disk, a read-only or busy
device, a missing permission, a locked history store. Each becomes one line naming the
path and what to do (exit code 1), never a traceback.
"""

from __future__ import annotations

import errno
from pathlib import Path

from sim.messages import shorten

__all__ = ["EnvironmentFailure", "describe_os_error"]

#: Longest path quoted in a message.
PATH_CHARS = 200

#: What to do about each kind of writing failure.
_ADVICE = {
    errno.ENOSPC: "no space left on the device; free some space or choose another --out",
    errno.EDQUOT: "disk quota exceeded; free some space or choose another --out",
    errno.EROFS: "read-only file system; choose another --out",
    errno.EACCES: "permission denied; choose a directory you may write to",
    errno.EPERM: "operation not permitted; choose a directory you may write to",
    errno.EBUSY: "device or resource busy (a mount point or the current directory?); "
    "choose another --out",
    errno.EXDEV: "the output and its temporary copy are on different devices; choose another --out",
    errno.ENAMETOOLONG: "file name too long; choose a shorter --out",
    errno.EIO: "input/output error on the device; check the disk",
    errno.ENOTDIR: "a file is in the way where a directory is needed; choose another path",
    errno.EEXIST: "a file is in the way where a directory is needed; choose another path",
}


class EnvironmentFailure(Exception):
    """The machine, not the input, stopped the command (exit code 1)."""


def describe_os_error(exc: OSError, path: str | Path | None = None) -> str:
    """One line for an ``OSError``: the path it concerns and what to do about it."""
    where = exc.filename if exc.filename is not None else path
    what = _ADVICE.get(exc.errno) or (exc.strerror or str(exc) or type(exc).__name__)
    text = f"{shorten(where, PATH_CHARS)}: {what}" if where is not None else what
    return shorten(text, PATH_CHARS + 200)
