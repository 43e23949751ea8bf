"""Reading what the store says is published: the items' manifests (``_manifests/<show>/<guid>.json``).

Manifests already read by this process are kept by (store, key, ETag): an ETag names the bytes, so what
was read before an encode is not fetched again when the feed is rebuilt after it, while the listing is
always fresh, so a colleague's new or changed manifest is still read.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from pipeline.model.config import SHOW_ID
from pipeline.model.errors import ConfigError
from pipeline.model.records import Item
from pipeline.store import ObjectInfo, Storage

MANIFESTS = "_manifests/"
FETCHES = 8  # at once: a show of 1,000 episodes is 1,000 small GETs
MANIFEST_FIX = ("restore the object from a backup, or delete it (the item leaves the feed until it is published "
                "again)")
_read: dict[tuple[str, str, str], Item] = {}


def manifest_json(data: bytes, where: str, fix: str = MANIFEST_FIX) -> dict:
    """A manifest's bytes as the JSON object they must hold, or a ConfigError naming ``where`` (the store
    and the key), the line where known, and ``fix``."""
    try:
        value = json.loads(data)
    except json.JSONDecodeError as e:
        raise ConfigError([f"{where}, line {e.lineno}, column {e.colno}: not valid JSON ({e.msg}); {fix}"]) from None
    except (UnicodeDecodeError, RecursionError) as e:
        what = "not UTF-8" if isinstance(e, UnicodeDecodeError) else "nested too deeply"
        raise ConfigError([f"{where}: not valid JSON ({what}); {fix}"]) from None
    if not isinstance(value, dict):
        raise ConfigError([f"{where}: must be a JSON object, not {type(value).__name__}; {fix}"])
    return value


def parse_manifest(data: bytes, where: str) -> Item:
    """The item a manifest describes, or a ConfigError naming ``where`` and the fix."""
    try:
        return Item.from_dict(manifest_json(data, where), where)
    except ConfigError as e:
        raise ConfigError([p if p.endswith(MANIFEST_FIX) else f"{p}; {MANIFEST_FIX}" for p in e.problems]) from None


def _read_manifest(storage: Storage, info: ObjectInfo) -> Item | ConfigError | None:
    known = _read.get((storage.url, info.key, info.etag))
    if known is not None:
        return known
    got = storage.get(info.key)
    if got is None:
        return None  # deleted since the listing
    try:
        item = parse_manifest(got[0], f"{storage.url}/{info.key}")
    except ConfigError as e:
        return e
    _read[(storage.url, info.key, got[1].etag)] = item
    return item


def _read_all(storage: Storage, listing: list[ObjectInfo]) -> list[tuple[ObjectInfo, Item]]:
    """Every manifest in ``listing``; a ConfigError naming every one that cannot be read."""
    with ThreadPoolExecutor(FETCHES) as pool:
        items = list(pool.map(lambda info: _read_manifest(storage, info), listing))
    problems = [p for item in items if isinstance(item, ConfigError) for p in item.problems]
    if problems:
        raise ConfigError(problems)
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
