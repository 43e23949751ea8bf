"""Object storage: one small protocol, a local-folder backend (the embedded default) and S3.

Both backends give the same guarantees: whole objects appear atomically, conditional writes
(If-Match on an ETag, If-None-Match: *) referee concurrent producers, and every object carries
its Content-Type, Cache-Control and our metadata (``sha256``).
"""

from __future__ import annotations

import io
import mimetypes
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from pipeline.model.errors import ConfigError, StorageError

# Content types we serve; anything unknown is served as a download, never as text/html.
CONTENT_TYPES = {
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".mp4": "video/mp4",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".xml": "application/rss+xml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".vtt": "text/vtt; charset=utf-8",
    ".srt": "application/x-subrip",
    ".txt": "text/plain; charset=utf-8",
    ".pdf": "application/pdf",
    ".json": "application/json",
}
IMMUTABLE = "public, max-age=31536000, immutable"
# Top folders whose name starts with this are the pipeline's own (``_manifests/``, with the shows' records in
# ``_manifests/_shows/``), never public. A show id starts with a letter or digit, so no public object is there.
PRIVATE_PREFIX = "_"
SHORT = "public, max-age=300"
# Who may show a page in a frame: the CSP ``frame-ancestors`` source list, kept as the object's metadata
# (``FRAME_ANCESTORS``) and sent by the server as a ``Content-Security-Policy`` header (a ``<meta>`` element
# cannot carry it). A seminar's embed page may be framed by any site; every other page only by the archive.
FRAME_ANCESTORS = "frame-ancestors"
EMBED_PAGE = "embed.html"


def frame_ancestors_for(key: str) -> str | None:
    """The ``frame-ancestors`` sources of ``key``: ``*`` for an embed page, ``'self'`` for any other page,
    None for what is not a page."""
    name = key.rsplit("/", 1)[-1]
    if name == EMBED_PAGE:
        return "*"
    return "'self'" if name.endswith(".html") else None


def metadata_for(key: str, sha256: str) -> dict[str, str]:
    """The metadata every object of ours carries: its sha256, and a page's ``frame-ancestors``."""
    framing = frame_ancestors_for(key)
    return {"sha256": sha256, **({FRAME_ANCESTORS: framing} if framing else {})}


def check_key(key: str, where: str) -> str:
    """``key`` if it is a valid object key, the one rule of every backend (so a key valid in one is valid in
    all): '/'-separated and relative, no ``..`` part, and not under a hidden top folder (``.meta``, locks).
    ``where`` names the store in the error."""
    if not key or key.startswith("/") or ".." in key.split("/") or key.split("/")[0].startswith("."):
        raise StorageError(f"invalid object key {key!r}", where)
    return key


def is_public(key: str) -> bool:
    """Whether a public bucket serves ``key``: everything but the pipeline's own top folders (``_manifests/``)."""
    return not key.split("/")[0].startswith(PRIVATE_PREFIX)


def content_type_for(key: str) -> str:
    suffix = Path(key).suffix.lower()
    return CONTENT_TYPES.get(suffix) or mimetypes.types_map.get(suffix) or "application/octet-stream"


def cache_control_for(key: str) -> str:
    """Content-addressed media never changes; feeds, pages and manifests are short-lived."""
    if Path(key).suffix.lower() in (".xml", ".html", ".json", ".css"):
        return SHORT
    return IMMUTABLE


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    etag: str
    content_type: str = "application/octet-stream"
    cache_control: str = ""
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def sha256(self) -> str | None:
        return self.metadata.get("sha256")


Progress = Callable[[int], None]  # called with the number of bytes just sent


class Storage(Protocol):
    """What the pipeline needs of a store. Keys are '/'-separated, relative to the store's root."""

    url: str  # for messages: file:///abs/path or s3://bucket/prefix (never credentials)

    def put_file(self, key: str, path: Path, *, content_type: str, cache_control: str,
                 metadata: dict[str, str] | None = None, progress: Progress | None = None) -> ObjectInfo: ...

    def put_bytes(self, key: str, data: bytes, *, content_type: str, cache_control: str,
                  metadata: dict[str, str] | None = None, if_match: str | None = None,
                  if_none_match: bool = False) -> ObjectInfo:
        """Write ``data``; with ``if_match``/``if_none_match`` raise PreconditionFailed on a lost race."""
        ...

    def head(self, key: str) -> ObjectInfo | None: ...

    def get(self, key: str) -> tuple[bytes, ObjectInfo] | None: ...

    def get_range(self, key: str, first: int, length: int) -> bytes | None:
        """Up to ``length`` bytes of ``key`` from byte ``first`` (fewer at the end, ``b""`` beyond it): an ID3
        tag's header, or a log read a piece at a time. None when there is no such object."""
        ...

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]: ...

    def delete(self, key: str) -> None: ...


class ObjectReader(io.RawIOBase):
    """An object read as a stream, ``chunk`` bytes a request (``Storage.get_range``): a log of any size is read
    with memory flat in its size."""

    def __init__(self, storage: Storage, key: str, chunk: int = 8 << 20, start: int = 0):
        self._storage, self._key, self._chunk, self._at = storage, key, chunk, start
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, into) -> int:
        if not self._buffer:
            self._buffer = self._storage.get_range(self._key, self._at, self._chunk) or b""
            self._at += len(self._buffer)
        n = min(len(into), len(self._buffer))
        into[:n] = self._buffer[:n]
        self._buffer = self._buffer[n:]
        return n


def open_storage(url: str, root: Path) -> Storage:
    """The backend for ``url``: ``file://public`` (relative to the project root) or ``s3://bucket/prefix``."""
    if url.startswith("file://"):
        from pipeline.store.local import LocalStorage

        path = Path(url[len("file://"):])
        return LocalStorage(path if path.is_absolute() else root / path)
    if url.startswith("s3://"):
        from pipeline.store.s3 import S3Storage

        bucket, _, prefix = url[len("s3://"):].partition("/")
        return S3Storage(bucket, prefix.strip("/"))
    raise ConfigError([f"Config value 'storage': unsupported storage URL {url!r} (use file://DIR or s3://BUCKET/PREFIX)"])


def upload_if_changed(storage: Storage, key: str, path: Path, sha256: str, *,
                      progress: Progress | None = None) -> bool:
    """Upload ``path`` unless an object with the same sha256 is already at ``key``. True if bytes were sent."""
    existing = storage.head(key)
    if existing is not None and existing.sha256 == sha256:
        return False
    storage.put_file(key, path, content_type=content_type_for(key), cache_control=cache_control_for(key),
                     metadata=metadata_for(key, sha256), progress=progress)
    return True
