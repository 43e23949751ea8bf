"""Writes that more than one producer may race for: feeds, pages, manifests.

``write_if_changed`` sends bytes only when the store holds others (an identical re-run uploads nothing).
``write_conditionally`` is the referee for objects built from what the store lists (a feed, an archive
index): it reads the object's ETag, builds the bytes, and writes with If-Match (If-None-Match: * when new),
so a producer who published meanwhile makes the write fail, and the retry sees their work.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Callable

from pipeline.model.errors import PreconditionFailed, StorageError
from pipeline.store import SHORT, Storage, content_type_for, metadata_for

WRITE_RETRIES = 8


def write_if_changed(storage: Storage, key: str, data: bytes) -> bool:
    """Write ``data`` (short-lived) to ``key`` unless the store holds exactly these bytes. True if sent."""
    current = storage.get(key)
    metadata = metadata_for(key, hashlib.sha256(data).hexdigest())
    if current is not None and current[0] == data and _holds(current[1].metadata, metadata):
        return False
    storage.put_bytes(key, data, content_type=content_type_for(key), cache_control=SHORT, metadata=metadata)
    return True


def _holds(stored: dict[str, str], wanted: dict[str, str]) -> bool:
    """Whether the stored metadata says what ``wanted`` says of framing (a page written before the store kept
    ``frame-ancestors`` is written once more, with it; its sha256 is not compared, the bytes are)."""
    return all(stored.get(k) == v for k, v in wanted.items() if k != "sha256")


def write_conditionally(storage: Storage, key: str, build: Callable[[], bytes | None], *,
                        retries: int = WRITE_RETRIES) -> bool:
    """Write what ``build`` returns to ``key`` unless unchanged, conditional on the ETag read before
    ``build`` ran; on a lost race wait a little (jittered, longer each time) and build again. True if sent.
    ``build`` may refuse (raise) to leave the object as it is, or return None to leave it unwritten."""
    for attempt in range(retries):
        current = storage.get(key)  # its ETag before ``build`` reads what the object is made of
        data = build()
        metadata = metadata_for(key, hashlib.sha256(data).hexdigest()) if data is not None else {}
        if data is None or (current is not None and current[0] == data and _holds(current[1].metadata, metadata)):
            return False
        try:
            storage.put_bytes(key, data, content_type=content_type_for(key), cache_control=SHORT, metadata=metadata,
                              if_match=current[1].etag if current else None, if_none_match=current is None)
            return True
        except PreconditionFailed:
            time.sleep(random.uniform(0.05, 0.3) * (attempt + 1))
    raise StorageError(f"{key} kept changing under us ({retries} attempts); try again", storage.url)
