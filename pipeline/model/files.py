"""Atomic writes: a reader sees the old file or the new one, never half of either.

The bytes go to a hidden temp file beside the target (same folder, so the rename stays on one file
system), are flushed to disk, and the temp file is renamed over the target with ``os.replace``; on any
failure, Ctrl-C included, the temp file is removed. The temp file is created with ``os.open`` and mode
0666, so the result gets the mode the umask gives (0644 under umask 022) like any other file the user
makes, not ``mkstemp``'s private 0600.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable
from pathlib import Path

_TRIES = 100  # a clash of two random 64-bit names is already unheard of


def _create_temp(path: Path) -> tuple[int, Path]:
    """A new hidden ``.part`` file beside ``path``, open for writing: (descriptor, its path)."""
    for _ in range(_TRIES):
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.part")
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {path}")


def write_atomically(path: Path, data: bytes | str | Iterable[bytes]) -> None:
    """Replace ``path`` with ``data`` (bytes, UTF-8 text, or chunks of bytes) in one step.

    The folder must exist. Chunks are written as they come, so a large file is never held whole.
    """
    chunks = [data.encode("utf-8")] if isinstance(data, str) else [data] if isinstance(data, bytes) else data
    fd, tmp = _create_temp(path)
    try:
        with os.fdopen(fd, "wb") as f:
            for chunk in chunks:
                f.write(chunk)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


__all__ = ["write_atomically"]
