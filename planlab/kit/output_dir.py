"""An output directory's life: staged whole, swapped in at once, replaced only if planlab
wrote it, and recovered after a killed run.

A run writes into a hidden staging directory ``.NAME.new-PID-xxxx`` beside the
target; its marker file (``.planlab.json``, written last, listing every file) says
the directory is planlab output and complete. Only then is anything old touched:
the staging directory and the old output are exchanged in one atomic step where
the system allows it (Linux ``renameat2``), else the old output is renamed aside
to ``.NAME.old-PID-xxxx/previous`` and the new one renamed in. The old output is
removed only once the swap is final. A run killed at any point leaves hidden
directories whose process is gone; the next run into the same target cleans them
up, putting the previous output back if the new one never arrived.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import datetime as dt
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.messages import shorten

from .failures import EnvironmentFailure, describe_os_error
from .interrupts import interrupts_deferred

__all__ = [
    "MARKER",
    "OutputExists",
    "process_alive",
    "Staged",
    "check_out",
    "read_marker",
    "recover",
    "run_inputs",
    "stage",
    "write_atomic",
]

#: The marker file: planlab wrote this directory, and these are its files.
MARKER = ".planlab.json"

#: Hidden staging (``new``) and set-aside (``old``) directories of a run, by process id.
_LEFTOVER = re.compile(r"^(new|old)-(\d+)-[A-Za-z0-9_]+$")
#: The same directories as older planlab versions named them (``mkdtemp``'s 8 characters).
_LEGACY = re.compile(r"^(old\.)?[a-z0-9_]{8}$")

#: How many names a refusal lists.
_LISTED = 5


class OutputExists(FileExistsError):
    """The output directory exists (and overwriting was not asked for), may not be
    replaced, or cannot be made (exit code 2)."""


def _where(path: Path) -> str:
    return shorten(path, 200)


def read_marker(directory: Path) -> dict[str, Any] | None:
    """The marker of a planlab output directory, or ``None`` when there is none."""
    try:
        data = json.loads((Path(directory) / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("written_by") != "planlab":
        return None
    return data


def _listing(directory: Path) -> set[str]:
    """Every file and directory under ``directory``, as POSIX paths relative to it."""
    out = set()
    for root, dirs, files in os.walk(directory):
        rel = Path(root).relative_to(directory)
        out.update((rel / n).as_posix() for n in [*dirs, *files])
    return out


def _inside(path: Path, directory: Path) -> bool:
    try:
        path.relative_to(directory)
    except ValueError:
        return False
    return True


def _check_replaceable(target: Path, inputs: Iterable[str | Path]) -> None:
    """Refuse to replace ``target`` unless it holds only planlab output and none of this
    run's inputs, and is not (and does not hold) the current directory."""
    where = _where(target)
    if target.is_symlink():
        raise OutputExists(
            f"{where}: is a symbolic link; --force replaces only a real directory. Give the "
            "directory it points to as --out, or another --out"
        )
    if not target.is_dir():
        raise OutputExists(f"{where}: exists and is not a directory; choose another --out")
    resolved = target.resolve()
    if _inside(Path.cwd().resolve(), resolved):
        raise OutputExists(
            f"{where}: is the current directory or holds it; --force will not replace it. "
            "Choose a new directory for --out"
        )
    for item in inputs:
        path = Path(item).resolve()
        if _inside(path, resolved):
            raise OutputExists(
                f"{where}: holds this run's input {_where(Path(item))}; --force will not "
                "replace it. Choose another --out"
            )
    present = _listing(target)
    if not present:
        return  # an empty directory: nothing to lose
    marker = read_marker(target)
    if marker is None and (target / "manifest.json").is_file():
        raise OutputExists(
            f"{where}: has no {MARKER} (written by an older planlab, or not by planlab); "
            "--force replaces only output that says planlab wrote it. Remove it yourself "
            "or choose another --out"
        )
    if marker is None:
        raise OutputExists(
            f"{where}: was not written by planlab (no {MARKER} in it); --force replaces only "
            "planlab output. Remove it yourself or choose another --out"
        )
    own = {str(p) for p in marker.get("files") or ()} | {MARKER}
    folders = {Path(p).parents[i].as_posix() for p in own for i in range(len(Path(p).parents) - 1)}
    foreign = sorted(present - own - folders)
    if foreign:
        more = f" and {len(foreign) - _LISTED} more" if len(foreign) > _LISTED else ""
        raise OutputExists(
            f"{where}: holds files planlab did not write ({', '.join(foreign[:_LISTED])}{more}); "
            "--force replaces only planlab output. Move them or choose another --out"
        )


def _check_writable(target: Path) -> None:
    """Refuse a target whose directory cannot be made: a file in the way (exit 2), or
    a parent this process may not write in, e.g. read-only (exit 1)."""
    parent = target.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise OutputExists(
            f"{_where(target)}: cannot create the output directory: {_where(parent)} is a "
            "file; choose another --out"
        )
    if not os.access(parent, os.W_OK | os.X_OK):
        raise EnvironmentFailure(
            f"{_where(target)}: cannot create the output directory: {_where(parent)} is not "
            "writable (permission denied or read-only); choose another --out"
        )


def check_out(target: Path, force: bool, inputs: Iterable[str | Path] = ()) -> None:
    """Before any work: refuse an existing output directory without ``force``, and
    with it one planlab may not replace (see the module note); refuse a target that
    cannot be written. Leftovers of a killed run into ``target`` are recovered first."""
    target = Path(target)
    _check_writable(target)
    recover(target)
    if target.exists() or target.is_symlink():
        if not force:
            raise OutputExists(
                f"{_where(target)}: output directory exists; choose another --out or add --force"
            )
        _check_replaceable(target, inputs)


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (on this machine)."""
    if os.name != "posix":
        return True  # cannot tell: never take another run's directories
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _written_by_planlab(entry: Path) -> bool:
    """An older planlab's leftover: a set-aside output (``previous``) or partial output
    files, never a user's own hidden directory that happens to match the name."""
    names = ("previous", MARKER, "manifest.json", "summary.json", "report.html")
    return any((entry / name).exists() for name in names)


def recover(target: Path) -> list[Path]:
    """Clean up after runs into ``target`` that were killed: put the previous output
    back if the new one never arrived, and remove staging and set-aside directories
    whose process is gone. Returns what was removed or restored."""
    target = Path(os.path.abspath(target))  # "." or "out/" named as the directory itself
    parent, prefix = target.parent, f".{target.name}."
    try:
        entries = [p for p in parent.iterdir() if p.name.startswith(prefix) and p.is_dir()]
    except OSError:
        return []
    done = []
    for entry in sorted(entries):
        rest = entry.name[len(prefix) :]
        m = _LEFTOVER.match(rest)
        if m:
            kind = m.group(1)
            if process_alive(int(m.group(2))):
                continue  # a run still in progress
        elif _LEGACY.match(rest) and _written_by_planlab(entry):
            kind = "old" if rest.startswith("old.") else "new"
        else:
            continue
        previous = entry / "previous"
        try:
            if kind == "old" and previous.is_dir() and not target.exists():
                previous.rename(target)
            shutil.rmtree(entry)
        except OSError:
            continue  # left for a later run; never an error of this one
        done.append(entry)
    return done


def _fsync(path: Path, directory: bool = False) -> None:
    flags = os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if directory else 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return  # e.g. directories cannot be opened on some systems
    try:
        os.fsync(fd)
    except OSError:
        pass  # not every file system syncs directories
    finally:
        os.close(fd)


def _libc() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.renameat2
    except (OSError, AttributeError):
        return None


_AT_FDCWD, _RENAME_EXCHANGE = -100, 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two directories in one atomic step; False where the system cannot."""
    renameat2 = _libc()
    if renameat2 is None:
        return False
    rc = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: this file system cannot
        return False
    raise OSError(err, os.strerror(err), str(b))


@dataclass
class Staged:
    """A complete new output in its staging directory, not yet in place.

    ``swap()`` puts it in place (the old output kept aside), ``finish()`` removes
    the old output, ``undo()`` puts the old one back, ``discard()`` removes the
    staged files. Each removes only what this run made.
    """

    target: Path
    staging: Path
    force: bool
    inputs: tuple[Path, ...] = ()
    _old: Path | None = field(default=None, repr=False)
    _swapped: bool = field(default=False, repr=False)
    _had_target: bool = field(default=False, repr=False)

    def swap(self) -> None:
        """Put the new output in place in one step (or two renames where the system
        has no atomic exchange)."""
        target = self.target
        if target.exists() or target.is_symlink():
            if not self.force:
                raise OutputExists(
                    f"{_where(target)}: output directory appeared while this run was "
                    "writing; choose another --out or add --force"
                )
            _check_replaceable(target, self.inputs)
            self._had_target = True
            if _exchange(self.staging, target):
                self._old = self.staging  # the staging directory now holds the old output
            else:
                aside = Path(
                    tempfile.mkdtemp(prefix=f".{target.name}.old-{os.getpid()}-", dir=target.parent)
                )
                target.rename(aside / "previous")
                try:
                    self.staging.rename(target)
                except BaseException:
                    (aside / "previous").rename(target)
                    shutil.rmtree(aside, ignore_errors=True)
                    raise
                self._old = aside
        else:
            self.staging.rename(target)
        self._swapped = True
        _fsync(target.parent, directory=True)

    def undo(self) -> None:
        """Take the new output back out and put the old one back (after ``swap``)."""
        if not self._swapped:
            self.discard()
            return
        target = self.target
        if self._old is None:  # there was no old output
            shutil.rmtree(target, ignore_errors=True)
        elif self._old == self.staging:
            _exchange(self.staging, target)
            shutil.rmtree(self.staging, ignore_errors=True)
        else:
            shutil.rmtree(target, ignore_errors=True)
            (self._old / "previous").rename(target)
            shutil.rmtree(self._old, ignore_errors=True)
        self._swapped, self._old = False, None

    def finish(self) -> None:
        """Remove the old output once the new one is final."""
        if self._old is not None:
            shutil.rmtree(self._old, ignore_errors=True)
            self._old = None

    def discard(self) -> None:
        """Remove the staged files (before ``swap``)."""
        if not self._swapped:
            shutil.rmtree(self.staging, ignore_errors=True)


def _marker_text(files: set[str], about: dict[str, Any] | None) -> str:
    from planlab import __version__

    data = {
        "written_by": "planlab",
        "planlab_version": __version__,
        "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "files": sorted(files),
        **(about or {}),
    }
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def _os_failure(exc: OSError, target: Path) -> EnvironmentFailure:
    return EnvironmentFailure(f"cannot write the output: {describe_os_error(exc, target)}")


def stage(
    target: Path,
    write: Callable[[Path], None],
    force: bool = False,
    inputs: Iterable[str | Path] = (),
    about: dict[str, Any] | None = None,
) -> Staged:
    """Call ``write(staging_dir)``, add the marker (with ``about`` in it) and make the
    files durable; nothing outside the staging directory is touched. A writing
    failure (disk full, read-only, permission) is an :class:`EnvironmentFailure`,
    and the staging directory is removed."""
    inputs = tuple(Path(p) for p in inputs)
    check_out(Path(target), force, inputs)
    target = Path(os.path.abspath(target))  # renames need the directory's own name
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(
            tempfile.mkdtemp(prefix=f".{target.name}.new-{os.getpid()}-", dir=target.parent)
        )
    except OSError as exc:
        raise _os_failure(exc, target.parent) from None
    try:
        umask = os.umask(0)
        os.umask(umask)
        staging.chmod(0o777 & ~umask)  # mkdtemp makes 0700; the output is an ordinary directory
        write(staging)
        files = _listing(staging)
        for name in files:
            if (staging / name).is_file():
                _fsync(staging / name)
        (staging / MARKER).write_text(_marker_text(files, about), encoding="utf-8")
        _fsync(staging / MARKER)
        _fsync(staging, directory=True)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, OSError) and not isinstance(exc, FileExistsError):
            raise _os_failure(exc, target) from None
        raise
    return Staged(target, staging, force, inputs)


def write_atomic(
    target: Path,
    write: Callable[[Path], None],
    force: bool = False,
    inputs: Iterable[str | Path] = (),
    about: dict[str, Any] | None = None,
) -> Path:
    """Call ``write(tmpdir)`` and put the result in place as ``target`` in one step.

    Raises :class:`OutputExists` if ``target`` exists and ``force`` is false, or
    may not be replaced; on any error ``target`` is as it was and nothing this
    run made is left behind.
    """
    staged = stage(target, write, force, inputs, about)
    try:
        with interrupts_deferred():
            staged.swap()
    except BaseException as exc:
        staged.undo()
        if isinstance(exc, OSError) and not isinstance(exc, FileExistsError):
            raise _os_failure(exc, Path(target)) from None
        raise
    staged.finish()  # the new output is final: a stop now leaves only the old one aside
    return Path(target)


def run_inputs(scenario: Any, *paths: str | Path | None) -> tuple[Path, ...]:
    """The local files a run reads: the scenario file, its roster and actuals source,
    and ``paths`` (e.g. ``--actuals``, ``--opportunities``; URLs and ``None`` left out).
    ``--force`` never replaces a directory holding one of them."""
    base = Path(scenario.source).parent if getattr(scenario, "source", None) else Path()
    found = [getattr(scenario, "source", None), getattr(scenario.team, "roster", None)]
    for key in ("source", "credits"):
        given = getattr(getattr(scenario, "actuals", None), key, None)
        found.append(base / given if given else None)
    found += list(paths)
    return tuple(Path(p) for p in found if p is not None and "://" not in str(p))
