"""Files as the store will hold them: content-addressed keys and the ``Media`` that names each object."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from pipeline.model.config import Show, Site
from pipeline.model.records import Media
from pipeline.store import Storage, content_type_for


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def media_key(show: str, date: dt.date, slug: str, sha256: str, suffix: str, *, folder: str | None = None) -> str:
    """Content-addressed: a re-encode gets a new name, so caches never serve stale bytes.

    In ``<show>/<year>/`` (podcasts), or in ``<show>/<folder>/`` (a seminar's media beside its page).
    """
    return f"{show}/{folder or date.year}/{slug}-{sha256[:8]}{suffix}"


def media_from_file(site: Site, key: str, path: Path, sha256: str | None = None, **extra) -> Media:
    """The ``Media`` naming ``path`` stored at ``key``: its public URL, size, sha256 and content type;
    ``extra`` are further fields (duration, width, height, label)."""
    sha = sha256 or sha256_file(path)
    return Media(key=key, url=site.public_url(key), bytes=path.stat().st_size, sha256=sha,
                 type=content_type_for(key).split(";")[0], **extra)


def artwork_media(site: Site, show: Show) -> Media:
    sha = sha256_file(show.artwork)
    return media_from_file(site, f"{show.id}/artwork-{sha[:8]}{show.artwork.suffix.lower()}", show.artwork, sha)


def in_store(storage: Storage, media: Media) -> bool:
    """The store holds ``media``'s very bytes (size and sha256) at its key."""
    info = storage.head(media.key)
    return info is not None and info.size == media.bytes and info.sha256 == media.sha256
