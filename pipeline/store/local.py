"""The embedded default: a local folder laid out exactly like the bucket.

Object metadata (Content-Type, Cache-Control, sha256, ETag) lives in ``.meta/<key>.json`` beside
the tree, so the public tree stays byte-for-byte what the bucket holds. Writes go to a temp file
in the same folder and are renamed into place (atomic); conditional writes hold a file lock.
Every failed read or write of the folder (a full disk, a read-only file system, a file where a folder
should be) leaves as a :class:`StorageError` naming the store and the object, like S3's failures.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock

from pipeline.model.errors import PipelineError, PreconditionFailed, StorageError
from pipeline.model.files import write_atomically
from pipeline.store import ObjectInfo, Progress, check_key, content_type_for

CHUNK = 1 << 20
# What a failed read or write of the store's folder means, in the producer's words.
_FAULTS = {
    errno.ENOSPC: "no space left on the disk",
    errno.EDQUOT: "the disk quota is used up",
    errno.EFBIG: "the file is larger than this file system (or a limit on file sizes) allows",
    errno.EROFS: "the store's folder is on a read-only file system",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EIO: "input/output error (a failing disk?)",
    errno.ENAMETOOLONG: "the name is too long for this file system",
    errno.EISDIR: "a folder of that name is in the way",
}


def _file_in_the_way(path: Path) -> Path | None:
    """The outermost of ``path`` and the folders above it that is a file where a folder should be (after
    ENOTDIR, or EEXIST from mkdir)."""
    for folder in (*reversed(path.parents), path):
        if os.path.lexists(folder) and not folder.is_dir():
            return folder
    return None


def _atomic_write(path: Path, chunks) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, chunks)


def _size_and_etag(path: Path) -> tuple[int, str]:
    """Size and S3-style ETag of a file, read in chunks (an MP4 is never loaded whole)."""
    md5, size = hashlib.md5(), 0
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            md5.update(chunk)
            size += len(chunk)
    return size, f'"{md5.hexdigest()}"'


class LocalStorage:
    def __init__(self, root: Path):
        self.root = root.resolve()
        self.url = self.root.as_uri()
        self._meta = self.root / ".meta"
        # The lock sits beside the tree, not in it, so it is never served or listed.
        self._lock = FileLock(str(self.root.parent / f".{self.root.name}.lock"))

    def _path(self, key: str) -> Path:
        return self.root / check_key(key, self.url)

    @contextmanager
    def _faults(self, action: str, key: str):
        """Turn an OSError while ``action`` (reading, writing, deleting) ``key`` into a StorageError
        naming the store and the object; the one place this backend maps file-system failures."""
        try:
            yield
        except OSError as e:
            raise StorageError(f"{action} {key}: {self._reason(e, key)}", self.url) from e

    def _reason(self, e: OSError, key: str) -> str:
        blocker = None
        if e.errno in (errno.ENOTDIR, errno.EEXIST):
            blocker = _file_in_the_way(Path(e.filename) if e.filename else self._path(key))
        if blocker == self.root:
            return "the store's folder is a file, not a folder"
        if blocker is not None:
            return f"{blocker} is a file where the store needs a folder"
        return _FAULTS.get(e.errno) or e.strerror or str(e)

    def _check_root(self) -> None:
        """A missing folder is an empty store; a file in its place is a fault."""
        if os.path.lexists(self.root) and not self.root.is_dir():
            raise StorageError("the store's folder is a file, not a folder", self.url)

    def _meta_path(self, key: str) -> Path:
        return self._meta / f"{key}.json"

    def _write(self, key: str, chunks, *, content_type: str, cache_control: str, metadata: dict[str, str] | None) -> ObjectInfo:
        path = self._path(key)
        md5 = hashlib.md5()
        size = 0

        def counted():
            nonlocal size
            for chunk in chunks:
                md5.update(chunk)
                size += len(chunk)
                yield chunk

        with self._faults("cannot write", key):
            _atomic_write(path, counted())
            info = ObjectInfo(key=key, size=size, etag=f'"{md5.hexdigest()}"', content_type=content_type,
                              cache_control=cache_control, metadata=dict(metadata or {}))
            meta = {"size": info.size, "etag": info.etag, "content_type": content_type,
                    "cache_control": cache_control, "metadata": info.metadata}
            _atomic_write(self._meta_path(key), [json.dumps(meta, sort_keys=True).encode()])
        return info

    def put_file(self, key: str, path: Path, *, content_type: str, cache_control: str,
                 metadata: dict[str, str] | None = None, progress: Progress | None = None) -> ObjectInfo:
        def chunks():
            try:  # the file handed in is not the store: its faults are not the store's
                with path.open("rb") as f:
                    while chunk := f.read(CHUNK):
                        yield chunk
                        if progress:
                            progress(len(chunk))
            except OSError as e:
                raise PipelineError(f"cannot read it: {e.strerror or e}", str(path)) from e

        return self._write(key, chunks(), content_type=content_type, cache_control=cache_control, metadata=metadata)

    def put_bytes(self, key: str, data: bytes, *, content_type: str, cache_control: str,
                  metadata: dict[str, str] | None = None, if_match: str | None = None,
                  if_none_match: bool = False) -> ObjectInfo:
        if if_match is None and not if_none_match:
            return self._write(key, [data], content_type=content_type, cache_control=cache_control, metadata=metadata)
        with self._faults("cannot write", key):
            self.root.mkdir(parents=True, exist_ok=True)
            self._lock.acquire()
        try:
            current = self.head(key)
            if if_none_match and current is not None:
                raise PreconditionFailed(f"{key} already exists", self.url)
            if if_match is not None and (current is None or current.etag != if_match):
                raise PreconditionFailed(f"{key} changed since it was read", self.url)
            return self._write(key, [data], content_type=content_type, cache_control=cache_control, metadata=metadata)
        finally:
            self._lock.release()

    def head(self, key: str) -> ObjectInfo | None:
        path = self._path(key)
        with self._faults("cannot read", key):
            if not path.is_file():
                self._check_root()
                return None
            try:
                meta = json.loads(self._meta_path(key).read_text())
            except (FileNotFoundError, NotADirectoryError, json.JSONDecodeError, UnicodeDecodeError):
                # A file copied in by hand: describe it from the bytes.
                meta = {"size": 0, "etag": "", "content_type": content_type_for(key), "cache_control": "",
                        "metadata": {}}
            if meta["size"] != path.stat().st_size or not meta["etag"]:
                # Copied in by hand, or killed between the data and the metadata rename: trust the bytes.
                meta["size"], meta["etag"] = _size_and_etag(path)
        return ObjectInfo(key=key, size=meta["size"], etag=meta["etag"], content_type=meta["content_type"],
                          cache_control=meta["cache_control"], metadata=meta.get("metadata", {}))

    def get(self, key: str) -> tuple[bytes, ObjectInfo] | None:
        info = self.head(key)
        if info is None:
            return None
        with self._faults("cannot read", key):
            return self._path(key).read_bytes(), info

    def get_range(self, key: str, first: int, length: int) -> bytes | None:
        path = self._path(key)
        with self._faults("cannot read", key):
            if not path.is_file():
                self._check_root()
                return None
            with path.open("rb") as f:
                f.seek(first)
                return f.read(max(0, length))

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        self._check_root()
        if not self.root.is_dir():
            return
        with self._faults("cannot list", prefix or "/"):
            paths = sorted(self.root.rglob("*"))
        for path in paths:
            rel = path.relative_to(self.root).as_posix()
            if not path.is_file() or rel.startswith(".") or "/." in rel or not rel.startswith(prefix):
                continue
            info = self.head(rel)
            if info is not None:
                yield info

    def delete(self, key: str) -> None:
        with self._faults("cannot delete", key):
            self._path(key).unlink(missing_ok=True)
            self._meta_path(key).unlink(missing_ok=True)
