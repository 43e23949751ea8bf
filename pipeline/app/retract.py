"""An episode's life after its first publish: retracted from the feed, its GUID kept reserved forever.

Re-publishing (``publish episode`` with the same title) updates metadata and keeps the GUID; an episode
dated in the future stays out of the feed until a ``publish feed`` on or after its date; a show that moves
sets ``new_feed_url`` in its ``feeds/<show>.toml``. Those live in ``episode``, ``regenerate`` and ``feed``; retracting is here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from pipeline.model.config import Show, Site, load_show, show_ids
from pipeline.model.errors import InputError
from pipeline.app.regenerate import FeedResult, regenerate_archive, regenerate_feed
from pipeline.model.records import Item, load_records, manifest_key, write_record
from pipeline.store import Storage, open_storage
from pipeline.store.manifests import store_manifests
from pipeline.store.writes import write_if_changed

MIN_PREFIX = 4


def find_episode(episodes: list[Item], ref: str) -> Item:
    """Pure: the one episode ``ref`` names, by GUID, GUID prefix (at least 4 characters) or slug."""
    ref = ref.strip()
    exact = [e for e in episodes if ref in (e.guid, e.slug)]
    if len(exact) == 1:
        return exact[0]
    found = exact or ([e for e in episodes if len(ref) >= MIN_PREFIX and e.guid.startswith(ref)])
    unique = {e.guid: e for e in found}
    if not unique:
        raise InputError("no published episode has this GUID, GUID prefix or slug", ref)
    if len(unique) > 1:
        names = ", ".join(f"{e.show}/{e.slug} ({e.guid[:8]})" for e in unique.values())
        raise InputError(f"names more than one episode: {names}; give more of the GUID", ref)
    return next(iter(unique.values()))


def published_episodes(site: Site, show: Show, storage: Storage) -> list[Item]:
    """What the store and ``episodes/`` hold for ``show``, by GUID (the local record wins)."""
    found = store_manifests(storage, show.id)
    found.update({e.guid: e for e in load_records(site.episodes_dir, show.id)})
    return list(found.values())


@dataclass
class RetractResult:
    episode: Item
    already: bool
    feed: FeedResult


def retract_episode(site: Site, ref: str, *, show_id: str | None = None, storage: Storage | None = None,
                    today: dt.date | None = None) -> RetractResult:
    """Take an episode out of the feed. Its manifest and record say ``retracted: true``, so its GUID stays
    reserved (never reused, and its title cannot be published again); its media stays where it is."""
    storage = storage or open_storage(site.storage, site.root)
    shows = [load_show(site, show_id)] if show_id else [load_show(site, s) for s in show_ids(site)]
    candidates = [e for show in shows for e in published_episodes(site, show, storage)]
    episode = find_episode(candidates, ref)
    show = next(s for s in shows if s.id == episode.show)
    already = episode.retracted
    retracted = replace(episode, retracted=True)
    write_if_changed(storage, manifest_key(show.id, retracted.guid), retracted.manifest_bytes())
    write_record(site.episodes_dir, retracted)
    feed = regenerate_feed(site, show, storage, prefer_local={retracted.guid}, today=today)
    if show.kind == "seminar":  # its page stays at its address, saying it was retracted; the index drops it
        pages = regenerate_archive(site, show, storage, prefer_local={retracted.guid})
        feed.uploaded += [key for key in pages.uploaded if key not in feed.uploaded]
    return RetractResult(episode=retracted, already=already, feed=feed)


__all__ = ["RetractResult", "find_episode", "published_episodes", "retract_episode"]
