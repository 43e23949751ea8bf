"""The show's identity for Podcasting 2.0: a ``podcast:guid`` assigned once and kept when the feed moves.

It lives in the store (``_manifests/_shows/<show>.json``, private like the manifests), beside what it
identifies: the first feed written to a store assigns it from that store's public feed URL, and every
producer publishing to that store reads the same value afterwards, whatever feed URL they have now.
``podcast_guid`` in ``feeds/<show>.toml`` overrides it, for a show brought from another host.
"""

from __future__ import annotations

import hashlib
import json

from pipeline.model.config import Show, Site
from pipeline.model.errors import PreconditionFailed
from pipeline.render.podcastns import podcast_guid
from pipeline.store import SHORT, Storage


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
        return json.loads(got[0])["podcast_guid"]
    feed_url = site.public_url(show.feed_key)
    guid = podcast_guid(feed_url)
    if assign:
        data = json.dumps({"podcast_guid": guid, "assigned_from": feed_url}, indent=2).encode()
        try:
            storage.put_bytes(key, data, content_type="application/json", cache_control=SHORT,
                              metadata={"sha256": hashlib.sha256(data).hexdigest()}, if_none_match=True)
        except PreconditionFailed:
            got = storage.get(key)
            return json.loads(got[0])["podcast_guid"] if got else guid
    return guid
