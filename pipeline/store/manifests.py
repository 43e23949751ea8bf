"""Reading what the store says is published: the items' manifests (``_manifests/<show>/<guid>.json``).

Manifests already read by this process are kept by (store, key, ETag): an ETag names the bytes, so what
was read before an encode is not fetched again when the feed is rebuilt after it, while the listing is
always fresh, so a colleague's new or changed manifest is still read.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from pipeline.model.config import SHOW_ID
from pipeline.model.records import Item
from pipeline.store import ObjectInfo, Storage

MANIFESTS = "_manifests/"
FETCHES = 8  # at once: a show of 1,000 episodes is 1,000 small GETs
_read: dict[tuple[str, str, str], Item] = {}


def _read_manifest(storage: Storage, info: ObjectInfo) -> Item | None:
    known = _read.get((storage.url, info.key, info.etag))
    if known is not None:
        return known
    got = storage.get(info.key)
    if got is None:
        return None  # deleted since the listing
    item = Item.from_dict(json.loads(got[0]), f"{storage.url}/{info.key}")
    _read[(storage.url, info.key, got[1].etag)] = item
    return item


def _read_all(storage: Storage, listing: list[ObjectInfo]) -> list[tuple[ObjectInfo, Item]]:
    with ThreadPoolExecutor(FETCHES) as pool:
        items = pool.map(lambda info: _read_manifest(storage, info), listing)
        return [(info, item) for info, item in zip(listing, items) if item is not None]


def store_manifests(storage: Storage, show: str) -> dict[str, Item]:
    """Every item the store says is published in ``show``, by GUID."""
    return {item.guid: item for _, item in _read_all(storage, list(storage.list(f"{MANIFESTS}{show}/")))}


def manifests_by_show(storage: Storage) -> dict[str, list[Item]]:
    """Every item's manifest in the store, by show, in key order (not the shows' own records in
    ``_manifests/_shows/``)."""
    listing = [info for info in storage.list(MANIFESTS) if _is_item_manifest(info.key)]
    found: dict[str, list[Item]] = {}
    for info, item in _read_all(storage, listing):
        found.setdefault(info.key.split("/")[1], []).append(item)
    return found


def _is_item_manifest(key: str) -> bool:
    parts = key.split("/")
    return len(parts) == 3 and bool(SHOW_ID.match(parts[1])) and parts[2].endswith(".json")
