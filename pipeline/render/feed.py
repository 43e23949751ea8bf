"""The podcast feed: RSS 2.0 with the itunes, content, atom and podcast (Podcasting 2.0) namespaces.

feedgen (with our extensions below) writes the channel; the items are written as text (``item_xml``) and go
last in it. Of a 10,000-episode feed, feedgen's per-entry objects took about 1 s and lxml elements built by
hand still 0.6-0.8 s; the text takes about 0.3 s and gives the same bytes.

``render_feed`` is a pure function of the show, the site and the records: the same records give
the same bytes (``lastBuildDate`` is the newest episode's date, never "now").
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import sys

from feedgen.ext.base import BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from pipeline import __version__
from pipeline.model.config import Show, Site
from pipeline.inputs.notes import notes_html, paragraphs_text, truncate
from pipeline.render.podcastns import (ALTERNATE_ENCLOSURES, CHAPTERS_TYPE, PODCAST_NS, PSC_NS, TIMED_TRANSCRIPTS, person_role,
                        podcast_guid)
from pipeline.model.records import Item, Media
from pipeline.model.timerange import OSLO, parse_clock_range

ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
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
        return {"podcast": PODCAST_NS, "psc": PSC_NS}  # psc: declared on <rss> for the items' chapters

    def extend_rss(self, feed):
        channel = feed[0]
        if self.guid:
            _podcast(channel, "guid", self.guid)
        if self.locked is not None:
            _podcast(channel, "locked", "yes" if self.locked else "no", owner=self.owner or None)
        if self.medium:
            _podcast(channel, "medium", self.medium)
        return feed


def npt(seconds: float) -> str:
    """Normal play time for Podlove chapters: HH:MM:SS, with milliseconds when there are any."""
    ms = int(round(seconds * 1000))
    text = f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d}"
    return f"{text}.{ms % 1000:03d}" if ms % 1000 else text


# Renditions that are transcripts in the feed: `--transcript` files, and a seminar's captions.
TRANSCRIPT_ORDER = {"text/vtt": 0, "application/x-subrip": 1, "application/json": 2, "text/html": 3, "text/plain": 4}


def transcripts(episode: Item) -> list[Media]:
    found = [m for role, m in episode.renditions.items() if role == "captions" or role.startswith("transcript")]
    return sorted(found, key=lambda m: (TRANSCRIPT_ORDER.get(m.type, 9), m.url))


def pub_datetime(episode: Item) -> dt.datetime:
    """When an item appears: a seminar at its start time, an episode at 06:00, Oslo time."""
    hour, minute = PUBLISH_HOUR, 0
    if episode.time:
        start, _ = parse_clock_range(episode.time)
        hour, minute = start.hour, start.minute
    return dt.datetime.combine(episode.date, dt.time(hour, minute), OSLO)


def in_feed(episodes: list[Item], today: dt.date) -> list[Item]:
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


def feed_description(episode: Item) -> str:
    """Plain-text description within Apple's 4,000-byte limit."""
    text = episode.description or rendered_notes(episode.notes)[1] or episode.title
    while len(text.encode()) > DESCRIPTION_LIMIT:
        text = truncate(text, len(text) - max(1, (len(text.encode()) - DESCRIPTION_LIMIT) // 2))
    return text


def itunes_duration(seconds: float | None) -> str:
    total = int(round(seconds or 0))
    return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"


def item_link(show: Show, site: Site, episode: Item) -> str:
    """An item's web page: a seminar's permanent page in the archive, else the show's page."""
    if "page" in episode.renditions:
        return episode.renditions["page"].url
    return site.public_url(f"{show.id}/{episode.slug}/") if show.kind == "seminar" else show.link


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def rfc2822(moment: dt.datetime) -> str:
    """An RSS date, e.g. 'Sat, 01 Jun 2024 06:00:00 +0200', as ``email.utils.format_datetime`` writes it:
    English names whatever the locale, as feedgen writes the channel's dates. By hand, because strftime
    took a tenth of a 10,000-episode feed."""
    minutes = int(moment.utcoffset().total_seconds()) // 60
    sign, minutes = ("-", -minutes) if minutes < 0 else ("+", minutes)
    return (f"{_DAYS[moment.weekday()]}, {moment.day:02d} {_MONTHS[moment.month - 1]} {moment.year:04d} "
            f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d} {sign}{minutes // 60:02d}{minutes % 60:02d}")


def channel_xml(show: Show, site: Site, newest: Item | None, *, artwork: Media, guid: str | None) -> bytes:
    """The feed without its items, as feedgen writes it (pretty printed by lxml).

    ``guid`` is the show's podcast:guid, assigned once (``publish.show_podcast_guid``); without it,
    the one the current feed URL gives.
    """
    fg = FeedGenerator()
    fg.load_extension("podcast")
    fg.register_extension("itunes_extra", ItunesExtra)
    fg.register_extension("podcast_ns", PodcastNs)
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
    stamp = pub_datetime(newest) if newest else dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
    fg.lastBuildDate(stamp)
    fg.pubDate(stamp)
    return fg.rss_str(pretty=True)


def _text(value: str) -> str:
    """Character data escaped as lxml writes it."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _attr(value: str) -> str:
    """An attribute value, for double quotes, escaped as lxml writes it."""
    return _text(value).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")


def item_xml(show: Show, site: Site, episode: Item) -> str:
    """``episode`` as an ``<item>`` of the channel ``channel_xml`` writes: the RSS elements in the order
    feedgen wrote them, then itunes, then Podcasting 2.0 and Podlove chapters, with the prefixes declared
    on ``<rss>``; escaped and indented as lxml pretty-prints a tree, so the feed's bytes are those feedgen gave.
    """
    lines = ["    <item>"]
    add = lines.append
    # An empty title or GUID is left out, as feedgen did; `publish check` names either as missing.
    if episode.title:
        add(f"      <title>{_text(episode.title)}</title>")
    add(f"      <link>{_text(item_link(show, site, episode))}</link>")
    add(f"      <description>{_text(feed_description(episode))}</description>")
    html = rendered_notes(episode.notes)[0]
    if html:
        # nh3 writes '>' as &gt;, so ']]>' cannot end the section early; split it anyway, as XML allows,
        # so that no sanitiser change can make the feed malformed.
        add(f"      <content:encoded><![CDATA[{html.replace(']]>', ']]]]><![CDATA[>')}]]></content:encoded>")
    if episode.guid:
        add(f'      <guid isPermaLink="false">{_text(episode.guid)}</guid>')
    media = episode.media
    add(f'      <enclosure url="{_attr(media.url)}" length="{media.bytes}" type="{_attr(media.type)}"/>')
    add(f"      <pubDate>{rfc2822(pub_datetime(episode))}</pubDate>")
    if episode.image is not None:
        add(f'      <itunes:image href="{_attr(episode.image.url)}"/>')
    add(f"      <itunes:duration>{itunes_duration(media.duration)}</itunes:duration>")
    # Season and episode 0 are left out of the itunes tags (as feedgen did) but not of the podcast ones.
    if episode.season:
        add(f"      <itunes:season>{episode.season}</itunes:season>")
    if episode.number:
        add(f"      <itunes:episode>{episode.number}</itunes:episode>")
    if episode.explicit is not None:
        add(f"      <itunes:explicit>{'true' if episode.explicit else 'false'}</itunes:explicit>")
    if episode.episode_type:
        add(f"      <itunes:episodeType>{_text(episode.episode_type)}</itunes:episodeType>")
    if episode.season is not None:
        add(f"      <podcast:season>{episode.season}</podcast:season>")
    if episode.number is not None:
        add(f"      <podcast:episode>{episode.number}</podcast:episode>")
    for person in episode.persons:
        role, group = person_role(person.role)
        group_attr = "" if group == "cast" else f' group="{_attr(group)}"'
        add(f'      <podcast:person role="{_attr(role)}"{group_attr}>{_text(person.name)}</podcast:person>')
    for transcript in transcripts(episode):
        rel = ' rel="captions"' if transcript.type in TIMED_TRANSCRIPTS else ""
        add(f'      <podcast:transcript url="{_attr(transcript.url)}" type="{_attr(transcript.type)}"{rel}/>')
    if "chapters" in episode.renditions:
        add(f'      <podcast:chapters url="{_attr(episode.renditions["chapters"].url)}" type="{CHAPTERS_TYPE}"/>')
    for role, title in ALTERNATE_ENCLOSURES.items():
        if role in episode.renditions:
            alternate = episode.renditions[role]
            # No bitrate: the file's size over its duration would count the ID3 cover art as audio.
            add(f'      <podcast:alternateEnclosure type="{_attr(alternate.type)}" length="{alternate.bytes}" '
                f'title="{_attr(title)}">')
            add(f'        <podcast:source uri="{_attr(alternate.url)}"/>')
            add("      </podcast:alternateEnclosure>")
    if episode.chapters:
        add('      <psc:chapters version="1.2">')
        for chapter in episode.chapters:
            add(f'        <psc:chapter start="{npt(chapter.start)}" title="{_attr(chapter.title)}"/>')
        add("      </psc:chapters>")
    add("    </item>\n")
    return "\n".join(lines)


# What XML 1.0 does not allow and lxml refuses in a tree, as UTF-8: the C0 controls but tab, newline and
# carriage return, and U+FFFE and U+FFFF. (A lone surrogate cannot be encoded to UTF-8 in the first place.)
_CONTROLS = bytes(c for c in range(0x20) if c not in b"\t\n\r")
_NONCHARACTERS = ("\ufffe".encode(), "\uffff".encode())


def xml_characters(data: bytes) -> bool:
    """Whether UTF-8 ``data`` holds only characters XML allows."""
    return len(data.translate(None, _CONTROLS)) == len(data) and not any(c in data for c in _NONCHARACTERS)


# From this many items on, the second half is written by a forked copy of this process on the other core
# while this one writes the first: the items are independent, and their show notes (Markdown -> sanitised
# HTML) are most of the time of a large feed.
TWO_PROCESSES_FROM = 2000


def items_xml(show: Show, site: Site, items: list[Item]) -> bytes:
    """The ``<item>`` elements of ``items``, in order, as UTF-8."""

    def write(part: list[Item]) -> bytes:
        return "".join([item_xml(show, site, episode) for episode in part]).encode()

    if len(items) < TWO_PROCESSES_FROM or sys.platform != "linux" or (os.cpu_count() or 1) < 2:
        return write(items)
    half = len(items) // 2
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # the copy: write the second half into the pipe, then leave without any clean-up
        status = 1
        try:
            os.close(read_end)
            data = write(items[half:])
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(data)
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    first = write(items[:half])
    with os.fdopen(read_end, "rb") as pipe:
        second = pipe.read()
    if os.waitstatus_to_exitcode(os.waitpid(child, 0)[1]) != 0:
        second = write(items[half:])  # the copy failed (a record it could not write): here, the error is raised
    return first + second


def render_feed(show: Show, site: Site, episodes: list[Item], *, artwork: Media,
                today: dt.date | None = None, guid: str | None = None) -> bytes:
    """The feed's bytes: what listeners see of ``episodes`` on ``today`` (``in_feed``), newest first."""
    today = today or dt.datetime.now(OSLO).date()
    items = in_feed(episodes, today)
    channel = channel_xml(show, site, items[0] if items else None, artwork=artwork, guid=guid)
    head, end = channel.rsplit(b"  </channel>", 1)  # the items go last in the channel
    body = items_xml(show, site, items)
    # lxml refused such characters value by value; here all items are checked at once, and the record
    # looked for only when the check fails.
    if not xml_characters(body):
        bad = next(e for e in items if not xml_characters(item_xml(show, site, e).encode()))
        raise ValueError(f"{bad.record_name}: a character XML does not allow (a control character in the title, "
                         "the description or the notes?)")
    return b"".join((head, body, b"  </channel>", end))
