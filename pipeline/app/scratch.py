"""Temporary work folders a killed run cannot leave behind for long.

A run that is stopped (Ctrl-C, SIGTERM) removes its folder on the way out; one killed outright (SIGKILL, a
power cut) cannot. So each folder is named ``publish-<kind>-<pid>-<random>`` in the system's temporary
folder (``TMPDIR``) and holds a lock file, locked while the run lives; the next run removes the folders
whose process is gone and whose lock nobody holds. A running publish's folder is never touched: its
process runs, and its lock is held (which also covers a process that another PID namespace hides). Where
file locks are not available (Windows), nothing is cleaned up.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

PREFIX = "publish-"
LOCK = ".lock"
_OURS = re.compile(rf"^{PREFIX}[a-z][a-z0-9_-]*?-(?P<pid>\d+)-[^-]+$")


def _runs(pid: int) -> bool:
    """Whether a process ``pid`` exists (one of another user's counts too)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _lock(folder: Path) -> int | None:
    """An open descriptor of ``folder``'s lock file, locked now; None when another process holds it."""
    assert fcntl is not None
    fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def remove_stale(parent: Path | None = None) -> list[Path]:
    """Remove the work folders in ``parent`` (default: the temporary folder) left by runs that were killed.
    Returns those removed."""
    if fcntl is None:
        return []
    removed = []
    for folder in Path(parent or tempfile.gettempdir()).glob(f"{PREFIX}*"):
        m = _OURS.match(folder.name)
        if m is None or not folder.is_dir() or folder.is_symlink() or _runs(int(m["pid"])):
            continue
        try:
            fd = _lock(folder)
        except OSError:
            continue  # not ours to judge (another user's, or gone meanwhile)
        if fd is None:
            continue
        try:
            shutil.rmtree(folder, ignore_errors=True)
        finally:
            os.close(fd)
        removed.append(folder)
    return removed


@contextlib.contextmanager
def work_folder(kind: str) -> Iterator[Path]:
    """A new temporary folder for a run publishing an item of ``kind``, locked while in use and removed after;
    stale ones of earlier runs are removed first."""
    remove_stale()
    with tempfile.TemporaryDirectory(prefix=f"{PREFIX}{kind}-{os.getpid()}-") as tmp:
        fd = _lock(Path(tmp)) if fcntl is not None else None
        try:
            yield Path(tmp)
        finally:
            if fd is not None:
                os.close(fd)
