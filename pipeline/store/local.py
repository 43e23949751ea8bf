"""The embedded default: a local folder laid out exactly like the bucket.

Object metadata (Content-Type, Cache-Control, sha256, ETag) lives in ``.meta/<key>.json`` beside
the tree, so the public tree stays byte-for-byte what the bucket holds. Writes go to a temp file
in the same folder and are renamed into place (atomic); conditional writes hold a file lock.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock

from pipeline.model.errors import PreconditionFailed, StorageError
from pipeline.model.files import write_atomically
from pipeline.store import ObjectInfo, Progress, check_key, content_type_for

CHUNK = 1 << 20


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
            with path.open("rb") as f:
                while chunk := f.read(CHUNK):
                    yield chunk
                    if progress:
                        progress(len(chunk))

        return self._write(key, chunks(), content_type=content_type, cache_control=cache_control, metadata=metadata)

    def put_bytes(self, key: str, data: bytes, *, content_type: str, cache_control: str,
                  metadata: dict[str, str] | None = None, if_match: str | None = None,
                  if_none_match: bool = False) -> ObjectInfo:
        if if_match is None and not if_none_match:
            return self._write(key, [data], content_type=content_type, cache_control=cache_control, metadata=metadata)
        self.root.mkdir(parents=True, exist_ok=True)
        with self._lock:
            current = self.head(key)
            if if_none_match and current is not None:
                raise PreconditionFailed(f"{key} already exists", self.url)
            if if_match is not None and (current is None or current.etag != if_match):
                raise PreconditionFailed(f"{key} changed since it was read", self.url)
            return self._write(key, [data], content_type=content_type, cache_control=cache_control, metadata=metadata)

    def head(self, key: str) -> ObjectInfo | None:
        path = self._path(key)
        if not path.is_file():
            return None
        try:
            meta = json.loads(self._meta_path(key).read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            # A file copied in by hand: describe it from the bytes.
            meta = {"size": 0, "etag": "", "content_type": content_type_for(key), "cache_control": "", "metadata": {}}
        if meta["size"] != path.stat().st_size or not meta["etag"]:
            # Copied in by hand, or killed between the data and the metadata rename: trust the bytes.
            meta["size"], meta["etag"] = _size_and_etag(path)
        return ObjectInfo(key=key, size=meta["size"], etag=meta["etag"], content_type=meta["content_type"],
                          cache_control=meta["cache_control"], metadata=meta.get("metadata", {}))

    def get(self, key: str) -> tuple[bytes, ObjectInfo] | None:
        info = self.head(key)
        if info is None:
            return None
        return self._path(key).read_bytes(), info

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        if not self.root.is_dir():
            return
        for path in sorted(self.root.rglob("*")):
            rel = path.relative_to(self.root).as_posix()
            if not path.is_file() or rel.startswith(".") or "/." in rel or not rel.startswith(prefix):
                continue
            info = self.head(rel)
            if info is not None:
                yield info

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)
        self._meta_path(key).unlink(missing_ok=True)
