"""The podcast feed: RSS 2.0 with the itunes, content, atom and podcast (Podcasting 2.0) namespaces, built with feedgen.

``render_feed`` is a pure function of the show, the site and the records: the same records give
the same bytes (``lastBuildDate`` is the newest episode's date, never "now").
"""

from __future__ import annotations

import datetime as dt
import functools
from zoneinfo import ZoneInfo

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from . import __version__
from .config import Show, Site
from .notes import notes_html, paragraphs_text, truncate
from .podcastns import (ALTERNATE_ENCLOSURES, CHAPTERS_TYPE, PODCAST_NS, PSC_NS, TIMED_TRANSCRIPTS, person_role,
                        podcast_guid)
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


def _podcast(parent, tag: str, text: str | None = None, **attrib: str):
    el = etree.SubElement(parent, f"{{{PODCAST_NS}}}{tag}", {k: v for k, v in attrib.items() if v is not None})
    if text is not None:
        el.text = text
    return el


class PodcastNs(BaseExtension):
    """Podcasting 2.0, channel: ``podcast:guid``, ``podcast:locked`` (with the owner) and ``podcast:medium``."""

    def __init__(self):
        self.guid: str | None = None
        self.locked: bool | None = None
        self.owner: str | None = None
        self.medium: str | None = None

    def extend_ns(self):
        return {"podcast": PODCAST_NS, "psc": PSC_NS}

    def extend_rss(self, feed):
        channel = feed[0]
        if self.guid:
            _podcast(channel, "guid", self.guid)
        if self.locked is not None:
            _podcast(channel, "locked", "yes" if self.locked else "no", owner=self.owner or None)
        if self.medium:
            _podcast(channel, "medium", self.medium)
        return feed


class PodcastNsEntry(BaseEntryExtension):
    """Podcasting 2.0, item: season, episode, persons, transcripts, the JSON chapters file and alternate
    enclosures (a seminar's audio-only MP3); and the same chapters inline as Podlove Simple Chapters, the one
    chapter format podcastparser and feedparser read."""

    def __init__(self):
        self.season: int | None = None
        self.episode: int | None = None
        self.persons: list[tuple[str, str, str]] = []  # name, role, group
        self.transcripts: list[tuple[str, str, bool]] = []  # url, type, captions
        self.chapters_url: str | None = None
        self.inline_chapters: list[tuple[float, str]] = []
        self.alternates: list[tuple[Media, str]] = []  # media, title

    def extend_ns(self):
        return {"podcast": PODCAST_NS, "psc": PSC_NS}

    def extend_rss(self, item):
        if self.season is not None:
            _podcast(item, "season", str(self.season))
        if self.episode is not None:
            _podcast(item, "episode", str(self.episode))
        for name, role, group in self.persons:
            _podcast(item, "person", name, role=role, group=None if group == "cast" else group)
        for url, mime, captions in self.transcripts:
            _podcast(item, "transcript", url=url, type=mime, rel="captions" if captions else None)
        if self.chapters_url:
            _podcast(item, "chapters", url=self.chapters_url, type=CHAPTERS_TYPE)
        for media, title in self.alternates:
            # No bitrate: the file's size over its duration would count the ID3 cover art as audio.
            alternate = _podcast(item, "alternateEnclosure", type=media.type, length=str(media.bytes), title=title)
            _podcast(alternate, "source", uri=media.url)
        if self.inline_chapters:
            psc = etree.SubElement(item, f"{{{PSC_NS}}}chapters", version="1.2")
            for start, title in self.inline_chapters:
                etree.SubElement(psc, f"{{{PSC_NS}}}chapter", start=npt(start), title=title)
        return item


def npt(seconds: float) -> str:
    """Normal play time for Podlove chapters: HH:MM:SS, with milliseconds when there are any."""
    ms = int(round(seconds * 1000))
    text = f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d}"
    return f"{text}.{ms % 1000:03d}" if ms % 1000 else text


# Renditions that are transcripts in the feed: `--transcript` files, and a seminar's captions.
TRANSCRIPT_ORDER = {"text/vtt": 0, "application/x-subrip": 1, "application/json": 2, "text/html": 3, "text/plain": 4}


def transcripts(episode: Episode) -> list[Media]:
    found = [m for role, m in episode.renditions.items() if role == "captions" or role.startswith("transcript")]
    return sorted(found, key=lambda m: (TRANSCRIPT_ORDER.get(m.type, 9), m.url))


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


@functools.lru_cache(maxsize=1 << 14)
def rendered_notes(notes: str) -> tuple[str, str]:
    """The notes as safe HTML (``content:encoded``) and as plain text: Markdown is parsed once per text.

    The plain text is the HTML's paragraphs with their markup dropped, as ``notes.paragraphs_text`` gives,
    without a second Markdown pass (which doubled the time of a 10,000-episode feed). Cached, because
    ``publish episode`` renders the same feed twice (checked before anything is uploaded, then written).
    """
    html = notes_html(notes)
    return html, paragraphs_text(html)


def feed_description(episode: Episode) -> str:
    """Plain-text description within Apple's 4,000-byte limit."""
    text = episode.description or rendered_notes(episode.notes)[1] or episode.title
    while len(text.encode()) > DESCRIPTION_LIMIT:
        text = truncate(text, len(text) - max(1, (len(text.encode()) - DESCRIPTION_LIMIT) // 2))
    return text


def itunes_duration(seconds: float | None) -> str:
    total = int(round(seconds or 0))
    return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"


def item_link(show: Show, site: Site, episode: Episode) -> str:
    """An item's web page: a seminar's permanent page in the archive, else the show's page."""
    if "page" in episode.renditions:
        return episode.renditions["page"].url
    return site.public_url(f"{show.id}/{episode.slug}/") if show.kind == "seminar" else show.link


def build_feed(show: Show, site: Site, episodes: list[Episode], *, artwork: Media,
               today: dt.date | None = None, guid: str | None = None) -> FeedGenerator:
    """The feedgen object for ``show``; extensions add to it before it is serialised.

    ``guid`` is the show's podcast:guid, assigned once (``publish.show_podcast_guid``); without it,
    the one the current feed URL gives.
    """
    today = today or dt.datetime.now(OSLO).date()
    items = in_feed(episodes, today)
    fg = FeedGenerator()
    fg.load_extension("podcast")
    fg.register_extension("itunes_extra", ItunesExtra, ItunesExtraEntry)
    fg.register_extension("podcast_ns", PodcastNs, PodcastNsEntry)
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
    fg.itunes_extra.new_feed_url = show.extra.get("new_feed_url")
    fg.podcast_ns.guid = guid or podcast_guid(feed_url)
    fg.podcast_ns.locked = bool(show.extra.get("locked", True))
    fg.podcast_ns.owner = show.owner_email
    fg.podcast_ns.medium = show.extra.get("medium") or ("video" if show.kind == "seminar" else "podcast")
    newest = items[0] if items else None
    stamp = pub_datetime(newest) if newest else dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
    fg.lastBuildDate(stamp)
    fg.pubDate(stamp)
    for ep in items:
        fe = fg.add_entry(order="append")
        fe.title(ep.title)
        fe.guid(ep.guid, permalink=False)
        fe.description(feed_description(ep))
        html = rendered_notes(ep.notes)[0]
        if html:
            fe.content(html, type="CDATA")
        fe.enclosure(ep.media.url, str(ep.media.bytes), ep.media.type)
        fe.pubDate(pub_datetime(ep))
        fe.link(href=item_link(show, site, ep))
        fe.podcast.itunes_duration(itunes_duration(ep.media.duration))
        if ep.season is not None:
            fe.podcast.itunes_season(ep.season)
        if ep.number is not None:
            fe.podcast.itunes_episode(ep.number)
        if ep.image is not None:
            fe.podcast.itunes_image(ep.image.url)
        fe.itunes_extra.explicit = ep.explicit
        fe.itunes_extra.episode_type = ep.episode_type
        p2 = fe.podcast_ns
        p2.season, p2.episode = ep.season, ep.number
        p2.persons = [(p.name, *person_role(p.role)) for p in ep.persons]
        p2.transcripts = [(m.url, m.type, m.type in TIMED_TRANSCRIPTS) for m in transcripts(ep)]
        if "chapters" in ep.renditions:
            p2.chapters_url = ep.renditions["chapters"].url
        p2.inline_chapters = [(c.start, c.title) for c in ep.chapters]
        p2.alternates = [(ep.renditions[role], title) for role, title in ALTERNATE_ENCLOSURES.items()
                         if role in ep.renditions]
    return fg


def render_feed(show: Show, site: Site, episodes: list[Episode], *, artwork: Media,
                today: dt.date | None = None, guid: str | None = None) -> bytes:
    return build_feed(show, site, episodes, artwork=artwork, today=today, guid=guid).rss_str(pretty=True)
