"""The podcast feed: RSS 2.0 with the itunes, content and atom namespaces, built with feedgen.

``render_feed`` is a pure function of the show, the site and the records: the same records give
the same bytes (``lastBuildDate`` is the newest episode's date, never "now").
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from . import __version__
from .config import Show, Site
from .notes import notes_html, plain_text, truncate
from .records import Episode, Media

ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
OSLO = ZoneInfo("Europe/Oslo")
DESCRIPTION_LIMIT = 4000  # Apple's limit for description, in bytes
PUBLISH_HOUR = 6  # podcasts appear at 06:00 Oslo time on their date


def _itunes(parent, tag: str, text: str | None = None, **attrib: str):
    el = etree.SubElement(parent, f"{{{ITUNES_NS}}}{tag}", attrib)
    if text is not None:
        el.text = text
    return el


class ItunesExtra(BaseExtension):
    """What feedgen 1.0.0's podcast extension gets wrong or lacks: ``itunes:explicit`` as true/false
    (feedgen writes yes/no/clean, which Apple and the W3C validator reject) and ``itunes:type``."""

    def __init__(self):
        self.explicit: bool | None = None
        self.show_type: str | None = None

    def extend_ns(self):
        return {"itunes": ITUNES_NS}

    def extend_rss(self, feed):
        channel = feed[0]
        if self.explicit is not None:
            _itunes(channel, "explicit", "true" if self.explicit else "false")
        if self.show_type:
            _itunes(channel, "type", self.show_type)
        return feed


class ItunesExtraEntry(BaseEntryExtension):
    def __init__(self):
        self.explicit: bool | None = None
        self.episode_type: str | None = None

    def extend_ns(self):
        return {"itunes": ITUNES_NS}

    def extend_rss(self, item):
        if self.explicit is not None:
            _itunes(item, "explicit", "true" if self.explicit else "false")
        if self.episode_type:
            _itunes(item, "episodeType", self.episode_type)
        return item


def pub_datetime(episode: Episode) -> dt.datetime:
    """When an item appears: a seminar at its start time, an episode at 06:00, Oslo time."""
    hour, minute = PUBLISH_HOUR, 0
    if episode.time:
        start = episode.time.split("-")[0].strip().replace(".", ":")
        hour, minute = (int(x) for x in start.split(":")[:2])
    return dt.datetime.combine(episode.date, dt.time(hour, minute), OSLO)


def in_feed(episodes: list[Episode], today: dt.date) -> list[Episode]:
    """What listeners see: not retracted, not dated in the future; newest first."""
    visible = [e for e in episodes if not e.retracted and e.date <= today]
    return sorted(visible, key=lambda e: (pub_datetime(e), e.slug), reverse=True)


def feed_description(episode: Episode) -> str:
    """Plain-text description within Apple's 4,000-byte limit."""
    text = episode.description or plain_text(episode.notes) or episode.title
    while len(text.encode()) > DESCRIPTION_LIMIT:
        text = truncate(text, len(text) - max(1, (len(text.encode()) - DESCRIPTION_LIMIT) // 2))
    return text


def itunes_duration(seconds: float | None) -> str:
    total = int(round(seconds or 0))
    return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"


def build_feed(show: Show, site: Site, episodes: list[Episode], *, artwork: Media,
               today: dt.date | None = None) -> FeedGenerator:
    """The feedgen object for ``show``; extensions add to it before it is serialised."""
    today = today or dt.datetime.now(OSLO).date()
    items = in_feed(episodes, today)
    fg = FeedGenerator()
    fg.load_extension("podcast")
    fg.register_extension("itunes_extra", ItunesExtra, ItunesExtraEntry)
    feed_url = site.public_url(show.feed_key)
    fg.title(show.title)
    fg.description(show.description)
    # feedgen takes the RSS <link> from the last link given: the show's web page, never the feed.
    fg.link(href=feed_url, rel="self", type="application/rss+xml")
    fg.link(href=show.link, rel="alternate")
    fg.language(show.language)
    fg.generator("pipeline", __version__, "https://github.com/")
    if show.copyright:
        fg.copyright(show.copyright)
    fg.image(url=artwork.url, title=show.title, link=show.link)
    fg.podcast.itunes_author(show.author)
    fg.podcast.itunes_owner(name=show.owner_name, email=show.owner_email)
    fg.podcast.itunes_image(artwork.url)
    fg.podcast.itunes_summary(show.description)
    if show.subcategory:
        fg.podcast.itunes_category(show.category, show.subcategory)
    else:
        fg.podcast.itunes_category(show.category)
    fg.itunes_extra.explicit = show.explicit
    fg.itunes_extra.show_type = show.show_type
    newest = items[0] if items else None
    stamp = pub_datetime(newest) if newest else dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
    fg.lastBuildDate(stamp)
    fg.pubDate(stamp)
    for ep in items:
        fe = fg.add_entry(order="append")
        fe.title(ep.title)
        fe.guid(ep.guid, permalink=False)
        fe.description(feed_description(ep))
        html = notes_html(ep.notes)
        if html:
            fe.content(html, type="CDATA")
        fe.enclosure(ep.media.url, str(ep.media.bytes), ep.media.type)
        fe.pubDate(pub_datetime(ep))
        fe.link(href=ep.renditions["page"].url if "page" in ep.renditions else show.link)
        fe.podcast.itunes_duration(itunes_duration(ep.media.duration))
        if ep.season is not None:
            fe.podcast.itunes_season(ep.season)
        if ep.number is not None:
            fe.podcast.itunes_episode(ep.number)
        if ep.image is not None:
            fe.podcast.itunes_image(ep.image.url)
        fe.itunes_extra.explicit = ep.explicit
        fe.itunes_extra.episode_type = ep.episode_type
    return fg


def render_feed(show: Show, site: Site, episodes: list[Episode], *, artwork: Media,
                today: dt.date | None = None) -> bytes:
    return build_feed(show, site, episodes, artwork=artwork, today=today).rss_str(pretty=True)
