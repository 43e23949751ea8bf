"""Apple's ``itunes`` namespace: the channel's tags and an item's, and the limits Apple sets.

Shared by the feed (which writes the tags) and the check (which reads them back). The channel's tags are
written by feedgen's own podcast extension, set here, and by ``ItunesExtra``, which follows feedgen's
extension protocol (``extend_ns``, ``extend_rss``) without importing feedgen: ``feed.py`` registers it.
"""

from __future__ import annotations

from lxml import etree

from pipeline.model.config import Show
from pipeline.model.records import Item, Media
from pipeline.render.escape import attr, text

ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
DESCRIPTION_LIMIT = 4000  # Apple's limit for a description, in bytes


def _itunes(parent, tag: str, value: str | None = None, **attrib: str):
    el = etree.SubElement(parent, f"{{{ITUNES_NS}}}{tag}", attrib)
    if value is not None:
        el.text = value
    return el


class ItunesExtra:
    """What feedgen 1.0.0's podcast extension gets wrong or lacks: ``itunes:explicit`` as true/false
    (feedgen writes yes/no/clean, which Apple and the W3C validator reject), ``itunes:type`` and
    ``itunes:new-feed-url``."""

    def __init__(self):
        self.explicit: bool | None = None
        self.show_type: str | None = None
        self.new_feed_url: str | None = None

    def extend_ns(self):
        return {"itunes": ITUNES_NS}

    def extend_rss(self, feed):
        channel = feed[0]
        if self.explicit is not None:
            _itunes(channel, "explicit", "true" if self.explicit else "false")
        if self.show_type:
            _itunes(channel, "type", self.show_type)
        if self.new_feed_url:
            _itunes(channel, "new-feed-url", self.new_feed_url)
        return feed

    def extend_atom(self, feed):
        return feed


def set_channel(fg, show: Show, artwork: Media) -> None:
    """The channel's itunes tags, on a FeedGenerator with feedgen's ``podcast`` extension and ours
    (``itunes_extra``) registered."""
    fg.podcast.itunes_author(show.author)
    if show.owner_email:  # always, from feeds/*.toml; `publish check` names a feed without one
        fg.podcast.itunes_owner(name=show.owner_name, email=show.owner_email)
    fg.podcast.itunes_image(artwork.url)
    fg.podcast.itunes_summary(show.description)
    if show.subcategory:
        fg.podcast.itunes_category(show.category, show.subcategory)
    else:
        fg.podcast.itunes_category(show.category)
    fg.itunes_extra.explicit = show.explicit
    fg.itunes_extra.show_type = show.show_type
    fg.itunes_extra.new_feed_url = show.new_feed_url


def itunes_duration(seconds: float | None) -> str:
    total = int(round(seconds or 0))
    return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"


def item_lines(episode: Item) -> list[str]:
    """An item's itunes elements, indented as lxml pretty-prints them inside ``<item>``."""
    lines = []
    add = lines.append
    if episode.image is not None:
        add(f'      <itunes:image href="{attr(episode.image.url)}"/>')
    add(f"      <itunes:duration>{itunes_duration(episode.media.duration)}</itunes:duration>")
    # Season and episode 0 are left out of the itunes tags (as feedgen does) but not of the podcast ones.
    if episode.season:
        add(f"      <itunes:season>{episode.season}</itunes:season>")
    if episode.number:
        add(f"      <itunes:episode>{episode.number}</itunes:episode>")
    if episode.explicit is not None:
        add(f"      <itunes:explicit>{'true' if episode.explicit else 'false'}</itunes:explicit>")
    if episode.episode_type:
        add(f"      <itunes:episodeType>{text(episode.episode_type)}</itunes:episodeType>")
    return lines


__all__ = ["DESCRIPTION_LIMIT", "ITUNES_NS", "ItunesExtra", "item_lines", "itunes_duration", "set_channel"]
