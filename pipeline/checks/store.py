"""The feed against the store (offline): every object it names is there, every enclosure's length is the
stored object's size; and ``check_published``, the whole check of what listeners get."""

from __future__ import annotations

import datetime as dt
import urllib.parse
from collections.abc import Callable, Mapping
from pathlib import Path

from pipeline.checks.feed import CHANNEL, NO_ITEMS, Violation, check_feed, parse_feed
from pipeline.checks.online import check_online
from pipeline.checks.targets import SIZED, Target, image_urls, pages_targets, targets, unique
from pipeline.model.errors import FeedCheckError, InputError


def store_key(url: str, base_url: str) -> str | None:
    """The store key behind a public URL, or None when the URL is not served from this store."""
    prefix = base_url.rstrip("/") + "/"
    if not url.startswith(prefix):
        return None
    key = urllib.parse.unquote(urllib.parse.urlsplit(url[len(prefix) - 1:]).path.lstrip("/"))
    return key + "index.html" if key.endswith("/") else key  # a folder's page, as the server answers it


def check_store(data: bytes, head: Callable[[str], object | None], base_url: str,
                pages: list[Target] = ()) -> list[Violation]:
    """Every object the feed (and ``pages``: ``targets.pages_targets``) names is in the store, and every
    enclosure's length is the stored object's size.

    ``head(key)`` answers like ``Storage.head`` (an object with ``size``, or None).
    """
    out = []
    for t in unique([*targets(data), *pages]):
        if t.kind == "feed":
            continue
        key = store_key(t.url, base_url)
        if key is None:
            continue  # served from elsewhere: only --online can check it
        info = head(key)
        if info is None:
            out.append(Violation(t.where, "missing-object", f"{t.kind} {t.url} is not in the store ({key})"))
        elif t.kind in SIZED and t.length is not None and info.size != t.length:
            out.append(Violation(t.where, "enclosure-length", f"the feed says {t.length} bytes, the store holds "
                                                              f"{info.size} bytes for {key}"))
    return out


def store_images(data: bytes, storage, base_url: str, known: Mapping[str, Path] | None = None) -> dict[str, bytes]:
    """The bytes of every image the feed names: from ``known`` local files (the show's artwork, an image
    about to be uploaded), else from the store. Images missing from the store are left to ``check_store``."""
    known = known or {}
    images = {}
    for url in image_urls(data):
        if url in known:
            images[url] = Path(known[url]).read_bytes()
            continue
        key = store_key(url, base_url)
        got = storage.get(key) if key is not None else None
        if got is not None:
            images[url] = got[0]
    return images


def refuse_failing_feed(data: bytes, feed_key: str, storage, base_url: str, *, today: dt.date | None = None,
                        known: Mapping[str, Path] | None = None) -> None:
    """Raise FeedCheckError listing every offline violation in ``data`` (``publish episode`` and ``publish feed``
    refuse such a feed: nothing is written, the old feed stays). A feed without items is not refused here:
    whether it is written is the caller's decision (``app.regenerate.without_items``)."""
    violations = [v for v in check_feed(data, images=store_images(data, storage, base_url, known), today=today)
                  if v.rule != NO_ITEMS]
    if violations:
        raise FeedCheckError([str(v) for v in violations], feed_key)


def check_published(site, show, storage, *, online: bool = False, today: dt.date | None = None,
                    timeout: float = 15.0) -> list[Violation]:
    """The check of what listeners get: the feed in the store, its artwork, the objects it names and,
    with ``online``, every URL fetched from the public address."""
    got = storage.get(show.feed_key)
    if got is None:
        return [Violation(CHANNEL, "feed", f"no feed at {show.feed_key} in {storage.url}; run `publish feed`")]
    data = got[0]
    try:
        parse_feed(data)
    except InputError as e:  # nothing else can be checked: say which object in which store is broken
        return [Violation(CHANNEL, "xml", f"{show.feed_key} in {storage.url}: {e.message}")]
    out = check_feed(data, images=store_images(data, storage, site.base_url), today=today)
    pages = pages_targets(data, lambda url: _stored(storage, url, site.base_url)) if show.kind == "seminar" else []
    out += check_store(data, storage.head, site.base_url, pages)
    if online:
        out += check_online(data, timeout=timeout, pages=pages)
    return out


def _stored(storage, url: str, base_url: str) -> bytes | None:
    key = store_key(url, base_url)
    got = storage.get(key) if key is not None else None
    return got[0] if got is not None else None


__all__ = ["check_published", "check_store", "refuse_failing_feed", "store_images", "store_key"]
