"""What is built from everything published, after an item is: a show's feed and a seminar series' archive.

Both are built from the store's manifests and ``episodes/`` and written last (design.md: media, then
manifest, then feed and pages), each with a conditional write (``store.writes.write_conditionally``), so
producers publishing to one show at once all end up in it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from pipeline.app.identity import show_podcast_guid
from pipeline.app.objects import artwork_media, in_store
from pipeline.checks.store import refuse_failing_feed
from pipeline.media.runner import start_forked
from pipeline.model.config import Show, Site
from pipeline.model.errors import StorageError
from pipeline.model.records import Item, Media, load_records, manifest_key
from pipeline.render.pages import render_archive
from pipeline.render.feed import render_feed
from pipeline.store import Storage, open_storage, upload_if_changed
from pipeline.store.manifests import store_manifests
from pipeline.store.writes import write_conditionally, write_if_changed


@dataclass
class FeedResult:
    key: str
    url: str
    episodes: list[Item]
    uploaded: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class ArchiveResult:
    key: str  # the archive's index page
    url: str
    seminars: list[Item]
    pages: list[str]  # every key rendered
    uploaded: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def collect_items(site: Site, show: Show, storage: Storage, prefer_local: set[str] | None) -> tuple[list[Item], list[str]]:
    """The items of the feed: the store's manifests, with local records winning for ``prefer_local`` GUIDs
    (None: every local record wins, as in ``publish feed`` after someone edited the notes)."""
    local = {e.guid: e for e in load_records(site.episodes_dir, show.id)}
    published = store_manifests(storage, show.id)
    warnings = []
    for guid, ep in published.items():
        if guid not in local:
            warnings.append(f"«{ep.title}» ({guid[:8]}) is in the store but not in {site.episodes_dir / show.id}; "
                            "run `git pull` to get its record")
    for guid, ep in local.items():
        if guid in published and (prefer_local is None or guid in prefer_local):
            published[guid] = ep
        elif guid not in published:
            warnings.append(f"{ep.record_name} is not in the store (no manifest); publish it again to upload it")
    return list(published.values()), warnings


def refuse_missing_media(storage: Storage, items: list[Item], named: Callable[[Item], Iterable[Media]]) -> None:
    """Refuse records that name media (``named``) the store lacks: a feed or page must not link to it."""
    for ep in items:
        for media in named(ep):
            if not in_store(storage, media):
                raise StorageError(f"{ep.record_name} names {media.key}, which is not in the store", storage.url)


def regenerate_feed(site: Site, show: Show, storage: Storage | None = None, *, prefer_local: set[str] | None = None,
                    today: dt.date | None = None) -> FeedResult:
    """Rebuild ``<show>/feed.xml`` from the store's manifests and ``episodes/``; write it only if it changed.

    ``prefer_local`` as in ``collect_items``; None (``publish feed``) also refuses records that name media the
    store lacks, and makes edits in ``episodes/`` the store's manifests.
    """
    storage = storage or open_storage(site.storage, site.root)
    result = FeedResult(key=show.feed_key, url=site.public_url(show.feed_key), episodes=[])
    artwork = artwork_media(site, show)
    if upload_if_changed(storage, artwork.key, show.artwork, artwork.sha256):
        result.uploaded.append(artwork.key)
    guid = show_podcast_guid(site, show, storage, assign=False)

    def build() -> bytes:
        episodes, warnings = collect_items(site, show, storage, prefer_local)
        if prefer_local is None:
            refuse_missing_media(storage, episodes, lambda ep: (ep.media,))
        data = render_feed(show, site, episodes, artwork=artwork, today=today, guid=guid, parallel=start_forked)
        # A feed that fails `publish check` is refused before anything is written; the old feed stays.
        refuse_failing_feed(data, show.feed_key, storage, site.base_url, today=today, known={artwork.url: show.artwork})
        show_podcast_guid(site, show, storage, assign=True)
        if prefer_local is None:
            for ep in episodes:
                if write_if_changed(storage, manifest_key(show.id, ep.guid), ep.manifest_bytes()):
                    result.uploaded.append(manifest_key(show.id, ep.guid))
        result.episodes, result.warnings = episodes, warnings
        return data

    if write_conditionally(storage, show.feed_key, build):
        result.uploaded.append(show.feed_key)
    return result


def regenerate_archive(site: Site, show: Show, storage: Storage | None = None, *,
                       prefer_local: set[str] | None = None) -> ArchiveResult:
    """Render the archive (``archive.render_archive``) from the store's manifests and ``episodes/`` and write
    each page only if it changed: the seminars' pages and the stylesheet first, then ``<show>/index.html``
    with a conditional write, as the feed is written, so two producers publishing at once both get listed.

    ``prefer_local`` as in ``collect_items``; None (``publish archive``) also refuses records that name
    media the store lacks.
    """
    storage = storage or open_storage(site.storage, site.root)
    index_key = f"{show.id}/index.html"
    result = ArchiveResult(key=index_key, url=site.public_url(f"{show.id}/"), seminars=[], pages=[])

    def build() -> bytes:
        seminars, warnings = collect_items(site, show, storage, prefer_local)
        if prefer_local is None:
            refuse_missing_media(storage, seminars, lambda ep: (ep.media, *ep.renditions.values()))
        rendered = render_archive(show, site, seminars)
        index = rendered.pop(index_key)
        result.seminars, result.warnings, result.pages = seminars, warnings, [*rendered, index_key]
        for key, data in rendered.items():
            if write_if_changed(storage, key, data) and key not in result.uploaded:
                result.uploaded.append(key)
        return index

    if write_conditionally(storage, index_key, build):
        result.uploaded.append(index_key)
    return result


__all__ = ["ArchiveResult", "FeedResult", "collect_items", "regenerate_archive", "regenerate_feed"]
