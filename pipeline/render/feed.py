"""The podcast feed: RSS 2.0 with the itunes, content, atom and podcast (Podcasting 2.0) namespaces.

This module is the core RSS writer (the channel, and an item's RSS elements with ``content:encoded``); each
other namespace has a module of its own, as feedgen's extensions do: ``itunes.py`` and ``podcastns.py``.
feedgen (with their extensions) writes the channel; the items are written as text (``item_xml``), which
is several times faster than feedgen's per-entry objects or lxml elements and gives the same bytes, and
go last in it.

``render_feed`` is a pure function of the show, the site and the records: the same records give
the same bytes (``lastBuildDate`` is the newest episode's date, never "now").
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable

from feedgen.feed import FeedGenerator

from pipeline import __version__
from pipeline.inputs.notes import notes_html, paragraphs_text, truncate
from pipeline.model.config import Show, Site
from pipeline.model.records import Item, Media
from pipeline.model.timerange import OSLO, parse_clock_range
from pipeline.render import itunes, podcastns
from pipeline.render.atomns import AtomHubs
from pipeline.render.escape import attr, html_text, text
from pipeline.render.itunes import DESCRIPTION_LIMIT

# Declared on <rss> by feedgen itself; named here for the check, which reads them back.
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
PUBLISH_HOUR = 6  # podcasts appear at 06:00 Oslo time on their date


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
    without a second Markdown pass. Cached, because
    ``publish episode`` renders the same feed twice (checked before anything is uploaded, then written).
    """
    html = notes_html(notes)
    return html, paragraphs_text(html)


def plain_description(episode: Item) -> str:
    """What an item's description says, as plain text: its own, else its notes' text, else its title."""
    return episode.description or rendered_notes(episode.notes)[1] or episode.title


MACHINE_NOTE = ("Teksting og transkripsjon er laget automatisk med talegjenkjenning og er ikke kontrollert av et "
                "menneske.")


def machine_note(episode: Item) -> str | None:
    """What apps show of an item whose captions or transcript are a machine draft no person has reviewed."""
    drafts = [episode.source.get(k) or {} for k in ("captions", "transcript")]
    return MACHINE_NOTE if any(d.get("source") == "machine" and not d.get("reviewed") for d in drafts) else None


def feed_description(episode: Item) -> str:
    """The item's ``<description>``: its plain text (``plain_description``) as HTML, which is what RSS 2.0
    apps take it for, within Apple's 4,000-byte limit (cut at a word, with an ellipsis)."""
    description, note = plain_description(episode), machine_note(episode)
    room = DESCRIPTION_LIMIT - (len(html_text(note).encode()) + 2 if note else 0)
    while (excess := len(html_text(description).encode()) - room) > 0:
        description = truncate(description, len(description) - max(1, excess // 2))
    return html_text(f"{description}\n\n{note}" if note else description)


def description_cut(episode: Item) -> str | None:
    """What the producer should hear when the item's description is cut to Apple's limit, or None."""
    size = len(html_text(plain_description(episode)).encode())
    if size <= DESCRIPTION_LIMIT:
        return None
    source = "description" if episode.description else "notes"
    return (f"the feed's description was cut to {DESCRIPTION_LIMIT} bytes, Apple's limit ({size} bytes of {source}); "
            "content:encoded keeps the whole notes")


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
    is a noticeable share of a large feed's time."""
    minutes = int(moment.utcoffset().total_seconds()) // 60
    sign, minutes = ("-", -minutes) if minutes < 0 else ("+", minutes)
    return (f"{_DAYS[moment.weekday()]}, {moment.day:02d} {_MONTHS[moment.month - 1]} {moment.year:04d} "
            f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d} {sign}{minutes // 60:02d}{minutes % 60:02d}")


def channel_xml(show: Show, site: Site, newest: Item | None, *, artwork: Media, guid: str | None) -> bytes:
    """The feed without its items, as feedgen writes it (pretty printed by lxml).

    ``guid`` is the show's podcast:guid, assigned once (``identity.show_podcast_guid``); without it,
    the one the current feed URL gives.
    """
    fg = FeedGenerator()
    # The order the extensions are registered in is the order their tags appear in the channel.
    fg.load_extension("podcast")
    fg.register_extension("itunes_extra", itunes.ItunesExtra)
    fg.register_extension("podcast_ns", podcastns.PodcastNs)
    fg.register_extension("atom_hubs", AtomHubs)
    fg.atom_hubs.hubs = site.notify.websub_hubs
    feed_url = site.public_url(show.feed_key)
    fg.title(show.title)
    fg.description(html_text(show.description))  # HTML to apps, as an item's
    # feedgen takes the RSS <link> from the last link given: the show's web page, never the feed.
    fg.link(href=feed_url, rel="self", type="application/rss+xml")
    fg.link(href=show.link, rel="alternate")
    fg.language(show.language)
    fg.generator("pipeline", __version__, "https://github.com/")
    if show.copyright:
        fg.copyright(show.copyright)
    fg.image(url=artwork.url, title=show.title, link=show.link)
    itunes.set_channel(fg, show, artwork)
    podcastns.set_channel(fg.podcast_ns, show, feed_url, guid)
    stamp = pub_datetime(newest) if newest else dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
    fg.lastBuildDate(stamp)
    fg.pubDate(stamp)
    return fg.rss_str(pretty=True)


def content_encoded(notes: str, note: str | None = None) -> str | None:
    """``content:encoded``: the notes as sanitised HTML in a CDATA section (and ``note``, a machine draft's, as
    a last paragraph), or None without either."""
    html = rendered_notes(notes)[0] + (f"<p><em>{html_text(note)}</em></p>" if note else "")
    if not html:
        return None
    # nh3 writes '>' as &gt;, so ']]>' cannot end the section early; split it anyway, as XML allows,
    # so that no sanitiser change can make the feed malformed.
    return f"      <content:encoded><![CDATA[{html.replace(']]>', ']]]]><![CDATA[>')}]]></content:encoded>"


def item_xml(show: Show, site: Site, episode: Item) -> str:
    """``episode`` as an ``<item>`` of the channel ``channel_xml`` writes: the RSS elements in the order
    feedgen writes an entry's, then itunes, then Podcasting 2.0 and Podlove chapters, with the prefixes
    declared on ``<rss>``; escaped and indented as lxml pretty-prints a tree, so the feed's bytes are those
    feedgen would give.
    """
    lines = ["    <item>"]
    add = lines.append
    # An empty title or GUID is left out, as feedgen leaves them out; `publish check` names either as missing.
    if episode.title:
        add(f"      <title>{text(episode.title)}</title>")
    add(f"      <link>{text(item_link(show, site, episode))}</link>")
    add(f"      <description>{text(feed_description(episode))}</description>")
    content = content_encoded(episode.notes, machine_note(episode))
    if content:
        add(content)
    if episode.guid:
        add(f'      <guid isPermaLink="false">{text(episode.guid)}</guid>')
    media = episode.media
    add(f'      <enclosure url="{attr(media.url)}" length="{media.bytes}" type="{attr(media.type)}"/>')
    add(f"      <pubDate>{rfc2822(pub_datetime(episode))}</pubDate>")
    lines += itunes.item_lines(episode)
    lines += podcastns.item_lines(episode)
    add("    </item>\n")
    return "\n".join(lines)


# What XML 1.0 does not allow and lxml refuses in a tree, as UTF-8: the C0 controls but tab, newline and
# carriage return, and U+FFFE and U+FFFF. (A lone surrogate cannot be encoded to UTF-8 in the first place.)
_CONTROLS = bytes(c for c in range(0x20) if c not in b"\t\n\r")
_NONCHARACTERS = ("\ufffe".encode(), "\uffff".encode())


def xml_characters(data: bytes) -> bool:
    """Whether UTF-8 ``data`` holds only characters XML allows."""
    return len(data.translate(None, _CONTROLS)) == len(data) and not any(c in data for c in _NONCHARACTERS)


# Starts work that gives bytes and returns what waits for them. ``serial`` runs the work when its bytes are
# asked for; ``media.runner.start_forked`` runs it at once, in a forked copy of this process on another core.
Start = Callable[[Callable[[], bytes]], Callable[[], bytes]]


def serial(work: Callable[[], bytes]) -> Callable[[], bytes]:
    return work


# From this many items on, the second half is started as work of its own (see ``Start``) before the first
# is written: the items are independent, and their show notes (Markdown -> sanitised HTML) are most of
# the time of a large feed.
TWO_PROCESSES_FROM = 2000


def items_xml(show: Show, site: Site, items: list[Item], parallel: Start = serial) -> bytes:
    """The ``<item>`` elements of ``items``, in order, as UTF-8."""

    def write(part: list[Item]) -> bytes:
        return "".join([item_xml(show, site, episode) for episode in part]).encode()

    if len(items) < TWO_PROCESSES_FROM:
        return write(items)
    half = len(items) // 2
    second = parallel(functools.partial(write, items[half:]))
    first = write(items[:half])
    return first + second()


def render_feed(show: Show, site: Site, episodes: list[Item], *, artwork: Media,
                today: dt.date | None = None, guid: str | None = None, parallel: Start = serial) -> bytes:
    """The feed's bytes: what listeners see of ``episodes`` on ``today`` (``in_feed``), newest first.

    ``parallel`` starts the second half of a large feed's items (``TWO_PROCESSES_FROM``); the bytes are the
    same whichever runs it.
    """
    today = today or dt.datetime.now(OSLO).date()
    items = in_feed(episodes, today)
    channel = channel_xml(show, site, items[0] if items else None, artwork=artwork, guid=guid)
    head, end = channel.rsplit(b"  </channel>", 1)  # the items go last in the channel
    body = items_xml(show, site, items, parallel)
    # All items are checked at once, and the record looked for only when the check fails.
    if not xml_characters(body):
        bad = next(e for e in items if not xml_characters(item_xml(show, site, e).encode()))
        raise ValueError(f"{bad.record_name}: a character XML does not allow (a control character in the title, "
                         "the description or the notes?)")
    return b"".join((head, body, b"  </channel>", end))
