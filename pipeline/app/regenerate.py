"""What is built from everything published, after an item is: a show's feed and a seminar series' archive.

Both are built from the store's manifests and ``episodes/`` and written last (design.md: media, then
manifest, then feed and pages), each with a conditional write (``store.writes.write_conditionally``), so
producers publishing to one show at once all end up in it.

A seminar's page shows its transcript, made from its captions (WebVTT): read from the draft beside the record
when it holds the very bytes published, else from the store, parsed (``inputs.captions.parse_vtt``) and cut
into paragraphs (``subtitles.paragraphs_from_cues``) once per content within the process.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.app.identity import show_podcast_guid
from pipeline.app.notify import notify_feed
from pipeline.app.objects import artwork_media, in_store
from pipeline.checks.store import refuse_failing_feed
from pipeline.inputs.captions import parse_vtt
from pipeline.media.runner import start_forked
from pipeline.model.config import Show, Site
from pipeline.model.errors import StorageError
from pipeline.model.records import Item, Media, load_records, manifest_key
from pipeline.model.speech import Paragraph
from pipeline.render.pages import render_archive
from pipeline.model.timerange import OSLO
from pipeline.render.subtitles import paragraphs_from_cues
from pipeline.render.feed import in_feed, render_feed
from pipeline.store import Storage, open_storage, upload_if_changed
from pipeline.store.manifests import store_manifests
from pipeline.store.writes import write_conditionally, write_if_changed


@dataclass
class FeedResult:
    key: str
    url: str
    episodes: list[Item]  # the items the feed lists (not retracted, not dated in the future), newest first
    uploaded: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    show: str = ""


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


# Where an item's timed text is, by rendition, and the name of its draft beside the record.
TRANSCRIPT_SOURCES = {"captions": "captions.vtt", "transcript-vtt": "transcript.vtt"}
_paragraphs_by_sha: dict[str, tuple[Paragraph, ...]] = {}  # the process's cache: sha256 -> paragraphs


def _vtt_bytes(media: Media, storage: Storage, draft: Path | None) -> bytes | None:
    """The VTT's bytes: the draft beside the record when it is the published content, else the store's."""
    if draft is not None and draft.is_file():
        data = draft.read_bytes()
        if hashlib.sha256(data).hexdigest() == media.sha256:
            return data
    found = storage.get(media.key)
    return found[0] if found else None


def transcript_of(item: Item, storage: Storage, episodes_dir: Path | None = None,
                  roles: tuple[str, ...] = ("captions",)) -> tuple[Paragraph, ...]:
    """The paragraphs of ``item``'s transcript, from the first of ``roles`` it has (WebVTT); none when it has
    none or the store lacks it. ``episodes_dir``: where the record and its drafts are, when on this machine."""
    role = next((r for r in roles if r in item.renditions), None)
    if role is None:
        return ()
    media = item.renditions[role]
    if media.sha256 in _paragraphs_by_sha:
        return _paragraphs_by_sha[media.sha256]
    stem = item.record_name.removesuffix(".md")
    draft = episodes_dir / item.show / f"{stem}.{TRANSCRIPT_SOURCES[role]}" if episodes_dir else None
    data = _vtt_bytes(media, storage, draft)
    if data is None:
        return ()
    paragraphs = tuple(paragraphs_from_cues(parse_vtt(data.decode("utf-8", errors="replace"))))
    if hashlib.sha256(data).hexdigest() == media.sha256:
        _paragraphs_by_sha[media.sha256] = paragraphs
    return paragraphs


def transcripts(site: Site, storage: Storage, items: Iterable[Item]) -> dict[str, tuple[Paragraph, ...]]:
    """GUID -> the paragraphs of each item's captions, for ``render_archive``."""
    found = {ep.guid: transcript_of(ep, storage, site.episodes_dir) for ep in items if "captions" in ep.renditions}
    return {guid: paragraphs for guid, paragraphs in found.items() if paragraphs}


def regenerate_feed(site: Site, show: Show, storage: Storage | None = None, *, prefer_local: set[str] | None = None,
                    today: dt.date | None = None) -> FeedResult:
    """Rebuild ``<show>/feed.xml`` from the store's manifests and ``episodes/``; write it only if it changed.

    ``prefer_local`` as in ``collect_items``; None (``publish feed``) also refuses records that name media the
    store lacks, and makes edits in ``episodes/`` the store's manifests. A feed without items is not written
    (``without_items``).
    """
    storage = storage or open_storage(site.storage, site.root)
    today = today or dt.datetime.now(OSLO).date()
    result = FeedResult(key=show.feed_key, url=site.public_url(show.feed_key), episodes=[], show=show.id)
    artwork = artwork_media(site, show)
    guid = show_podcast_guid(site, show, storage, assign=False)

    def build() -> bytes | None:
        episodes, warnings = collect_items(site, show, storage, prefer_local)
        if prefer_local is None:
            refuse_missing_media(storage, episodes, lambda ep: (ep.media,))
        data = render_feed(show, site, episodes, artwork=artwork, today=today, guid=guid, parallel=start_forked)
        # A feed that fails `publish check` is refused before anything is written; the old feed stays.
        refuse_failing_feed(data, show.feed_key, storage, site.base_url, today=today, known={artwork.url: show.artwork})
        if prefer_local is None:
            for ep in episodes:
                if write_if_changed(storage, manifest_key(show.id, ep.guid), ep.manifest_bytes()):
                    result.uploaded.append(manifest_key(show.id, ep.guid))
        result.episodes = in_feed(episodes, today)
        written = bool(result.episodes) or storage.head(show.feed_key) is not None
        result.warnings = warnings + ([] if result.episodes else without_items(show, episodes, today, written))
        if not written:
            return None
        show_podcast_guid(site, show, storage, assign=True)
        if upload_if_changed(storage, artwork.key, show.artwork, artwork.sha256) and artwork.key not in result.uploaded:
            result.uploaded.append(artwork.key)
        return data

    if write_conditionally(storage, show.feed_key, build):
        result.uploaded.append(show.feed_key)
    # Apps are told once the feed is in the store; a notice that fails is a warning, owed to the next run.
    result.warnings += notify_feed(site.notify, storage, show.id, result.url, show.feed_key in result.uploaded)
    return result


def without_items(show: Show, episodes: list[Item], today: dt.date, written: bool) -> list[str]:
    """What a feed without items means, as a warning; ``written``: whether it is written all the same.

    Apple refuses a feed without items, and `publish check` says so: a new show's feed is not written until
    it has one. A feed already in the store (its last item retracted) is written without items all the same:
    an app that subscribed learns the item is gone only from the feed, while a feed left as it was would go
    on listing what was retracted, and a deleted one leaves apps with their old copy.
    """
    coming = sorted(e.date for e in episodes if not e.retracted and e.date > today)
    then = f"; the first is dated {coming[0].isoformat()}: run `publish feed` that day" if coming else ""
    if not written:
        return [f"no published items yet: {show.feed_key} was not written (Apple refuses a feed without items){then}"]
    return [f"{show.feed_key} lists no items now: apps that subscribed drop what was retracted, but Apple hides a "
            f"show whose feed has no items until one is published{then}"]


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
        rendered = render_archive(show, site, seminars, transcripts(site, storage, seminars))
        index = rendered.pop(index_key)
        result.seminars, result.warnings, result.pages = seminars, warnings, [*rendered, index_key]
        for key, data in rendered.items():
            if write_if_changed(storage, key, data) and key not in result.uploaded:
                result.uploaded.append(key)
        return index

    if write_conditionally(storage, index_key, build):
        result.uploaded.append(index_key)
    return result


__all__ = ["ArchiveResult", "FeedResult", "collect_items", "regenerate_archive", "regenerate_feed",
           "transcript_of", "transcripts", "without_items"]
