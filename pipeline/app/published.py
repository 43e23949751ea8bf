"""What the commands over a whole project need: the shows of a kind, each published feed checked, and where
a producer opens a published object."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from pipeline.model.config import Site, load_show, show_ids
from pipeline.model.records import Media
from pipeline.store import open_storage

if TYPE_CHECKING:
    from pipeline.checks.store import Violation


def shows_of_kind(site: Site, kind: str) -> list[str]:
    """Every configured show of ``kind`` (``podcast`` or ``seminar``)."""
    return [show_id for show_id in show_ids(site) if load_show(site, show_id).kind == kind]


@dataclass(frozen=True)
class CheckedShow:
    show: str
    feed_url: str
    violations: list[Violation]


def check_shows(site: Site, chosen: tuple[str, ...] | list[str], *, online: bool) -> Iterator[CheckedShow]:
    """Each show's published feed checked, one show at a time; without ``chosen``, every show whose feed is in
    the store (a show not published yet is not a violation)."""
    from pipeline.checks.store import check_published  # lxml, Pillow, HTTP: only for this command

    storage = open_storage(site.storage, site.root)
    for show_id in chosen or show_ids(site):
        show = load_show(site, show_id)
        if not chosen and storage.head(show.feed_key) is None:
            continue
        violations = check_published(site, show, storage, online=online)
        yield CheckedShow(show_id, site.public_url(show.feed_key), violations)


def object_location(site: Site, media: Media) -> str:
    """Where a producer can open an object: its file in a local store (relative to the project), else its URL."""
    if not site.storage.startswith("file://"):
        return media.url
    path = Path(open_storage(site.storage, site.root).root) / media.key
    return str(path.relative_to(site.root)) if path.is_relative_to(site.root) else str(path)
