"""Identities: an item's GUID (``item_guid``), and the show's for Podcasting 2.0, a ``podcast:guid`` assigned
once and kept when the feed moves.

It lives in the store (``_manifests/_shows/<show>.json``, private like the manifests), beside what it
identifies: the first feed written to a store assigns it from that store's public feed URL, and every
producer publishing to that store reads the same value afterwards, whatever feed URL they have now.
``podcast_guid`` in ``feeds/<show>.toml`` overrides it, for a show brought from another host.
"""

from __future__ import annotations

import hashlib
import json
import uuid

from pipeline.model.config import Show, Site
from pipeline.model.errors import ConfigError, PreconditionFailed
from pipeline.render.podcastns import podcast_guid
from pipeline.store import SHORT, Storage
from pipeline.store.manifests import manifest_json


# New items' GUIDs are UUIDv5s of the show's feed URL and the item's slug in this namespace, chosen once
# (``uuid.uuid4()``) and never to change.
ITEM_GUID_NAMESPACE = uuid.UUID("4c0d7a2e-5b0e-4d4b-9d0b-2f6f8d1b8e21")


def item_guid(site: Site, show: Show, slug: str) -> str:
    """The GUID of a new item: the same for the same show and slug, so a dry run names the GUID the real run
    gives, and a re-run after a crash that left nothing behind gives the GUID again. Only new items get one:
    a published item keeps the GUID it has (``open_job`` finds it by slug), whatever this rule becomes."""
    return str(uuid.uuid5(ITEM_GUID_NAMESPACE, f"{site.public_url(show.feed_key)}#{slug}"))


def show_record_key(show_id: str) -> str:
    return f"_manifests/_shows/{show_id}.json"


def show_podcast_guid(site: Site, show: Show, storage: Storage, *, assign: bool) -> str:
    """The show's podcast:guid: configured, else recorded in the store, else from the feed URL now
    (recorded when ``assign``, with If-None-Match, so concurrent producers agree on the first)."""
    if show.podcast_guid:
        return show.podcast_guid
    key = show_record_key(show.id)
    got = storage.get(key)
    if got is not None:
        return recorded_guid(storage, show, got[0])
    feed_url = site.public_url(show.feed_key)
    guid = podcast_guid(feed_url)
    if assign:
        data = json.dumps({"podcast_guid": guid, "assigned_from": feed_url}, indent=2).encode()
        try:
            storage.put_bytes(key, data, content_type="application/json", cache_control=SHORT,
                              metadata={"sha256": hashlib.sha256(data).hexdigest()}, if_none_match=True)
        except PreconditionFailed:
            got = storage.get(key)
            return recorded_guid(storage, show, got[0]) if got else guid
    return guid


def recorded_guid(storage: Storage, show: Show, data: bytes) -> str:
    """The podcast:guid in the show's record in the store, or a ConfigError naming the record and the fix."""
    where = f"{storage.url}/{show_record_key(show.id)}"
    fix = (f"restore it from a backup, or set podcast_guid in feeds/{show.id}.toml to the <podcast:guid> of the "
           "show's feed")
    guid = manifest_json(data, where, fix).get("podcast_guid")
    if not isinstance(guid, str) or not guid.strip():
        raise ConfigError([f"{where}: podcast_guid: required key is missing or not text; {fix}"])
    return guid
