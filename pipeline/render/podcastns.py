"""The Podcasting 2.0 namespace (https://podcastindex.org/namespace/1.0): its data, the channel's tags and
an item's, with the item's inline Podlove Simple Chapters.

Shared by the feed (which writes the tags) and the check (which reads them back). ``PodcastNs`` follows
feedgen's extension protocol (``extend_ns``, ``extend_rss``) without importing feedgen: ``feed.py``
registers it.
"""

from __future__ import annotations

import re
import uuid

from lxml import etree

from pipeline.model.config import Show
from pipeline.model.records import Item, Media
from pipeline.render.escape import attr, text

# What we emit. The spec names this URI and says clients must treat the older GitHub URL as
# identical; podcastparser 0.6.11 (gPodder) knows only the older one. See README, "Podcasting 2.0".
PODCAST_NS = "https://podcastindex.org/namespace/1.0"
PODCAST_NS_LEGACY = "https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md"
PODCAST_NAMESPACES = (PODCAST_NS, PODCAST_NS_LEGACY)
# Podlove Simple Chapters: inline chapters, read by podcastparser and feedparser alike.
PSC_NS = "http://podlove.org/simple-chapters"

# podcast:guid is a UUIDv5 of the feed URL in this namespace (docs/tags/guid.md).
GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")

MEDIUMS = {"podcast", "music", "video", "film", "audiobook", "newsletter", "blog", "publisher", "course"}
MEDIUMS |= {m + "L" for m in MEDIUMS} | {"mixed"}

# podcast:transcript types (``inputs.transcripts.TRANSCRIPT_TYPES``) that are timed, so also captions.
TIMED_TRANSCRIPTS = {"text/vtt", "application/x-subrip"}
CHAPTERS_TYPE = "application/json+chapters"

# Renditions offered beside the enclosure as <podcast:alternateEnclosure> (docs/tags/alternate-enclosure.md),
# by role, with the title apps show for them (at most 32 characters): a seminar's audio-only MP3 and its phone
# rendition (``height`` given, so apps can choose by screen) beside its MP4.
ALTERNATE_ENCLOSURES = {"audio": "Bare lyd", "phone": "Lav kvalitet"}

# The Podcast Taxonomy Project's roles (taxonomy.json in the namespace repository), lower case, by group.
TAXONOMY = {
    "creative direction": ["director", "assistant director", "executive producer", "senior producer", "producer",
                           "associate producer", "development producer", "creative director"],
    "cast": ["host", "co-host", "guest host", "guest", "voice actor", "narrator", "announcer", "reporter"],
    "writing": ["author", "editorial director", "co-writer", "writer", "songwriter", "guest writer", "story editor",
                "managing editor", "script editor", "script coordinator", "researcher", "editor", "fact checker",
                "translator", "translater", "transcriber", "logger"],
    "audio production": ["studio coordinator", "technical director", "technical manager", "audio engineer",
                         "remote recording engineer", "post production engineer"],
    "audio post-production": ["audio editor", "sound designer", "foley artist", "composer", "theme music",
                              "music production", "music contributor"],
    "administration": ["production coordinator", "booking coordinator", "production assistant", "content manager",
                       "marketing manager", "sales representative", "sales manager"],
    "visuals": ["graphic designer", "cover art designer"],
    "community": ["social media manager"],
    "misc.": ["consultant", "intern"],
    "video production": ["camera operator", "lighting designer", "camera grip", "assistant camera"],
    "video post-production": ["editor", "assistant editor"],
}
ROLE_GROUP = {}
for _group, _roles in TAXONOMY.items():
    for _role in _roles:
        ROLE_GROUP.setdefault(_role, _group)
GROUPS = set(TAXONOMY)

# What producers type (`--person "Kari Nordmann | programleder"`) mapped to the taxonomy.
ROLE_ALIASES = {
    "programleder": "host", "vert": "host", "medprogramleder": "co-host", "gjest": "guest",
    "gjesteprogramleder": "guest host", "intervjuobjekt": "guest", "foredragsholder": "guest",
    "innleder": "guest", "panelist": "guest", "paneldeltaker": "guest", "ordstyrer": "host",
    "moderator": "host", "speaker": "guest", "forteller": "narrator", "reporter": "reporter",
    "journalist": "reporter", "produsent": "producer", "redaktør": "editor", "lydtekniker": "audio engineer",
    "tekniker": "audio engineer", "klipper": "audio editor", "komponist": "composer", "cohost": "co-host",
}


def podcast_guid(feed_url: str) -> str:
    """podcast:guid for ``feed_url``: UUIDv5 of the URL without its scheme and trailing slashes."""
    seed = re.sub(r"^[A-Za-z][A-Za-z0-9+.-]*://", "", feed_url.strip()).rstrip("/")
    return str(uuid.uuid5(GUID_NAMESPACE, seed))


def taxonomy_role(role: str | None) -> tuple[str, str] | None:
    """``(role, group)`` in the taxonomy for what a producer wrote, or None when it is not one."""
    key = " ".join((role or "").lower().split())
    key = ROLE_ALIASES.get(key, key)
    return (key, ROLE_GROUP[key]) if key in ROLE_GROUP else None


def person_role(role: str | None) -> tuple[str, str]:
    """The role and group to emit: the taxonomy's, or 'guest' in 'cast' for anything else (everyone
    named on an episode appears in it)."""
    return taxonomy_role(role) or ("guest", "cast")


# --- the channel -------------------------------------------------------------------------------------

def _podcast(parent, tag: str, value: str | None = None, **attrib: str):
    el = etree.SubElement(parent, f"{{{PODCAST_NS}}}{tag}", {k: v for k, v in attrib.items() if v is not None})
    if value is not None:
        el.text = value
    return el


class PodcastNs:
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

    def extend_atom(self, feed):
        return feed


def set_channel(extension: PodcastNs, show: Show, feed_url: str, guid: str | None) -> None:
    """The channel's podcast tags. ``guid`` is the show's podcast:guid, assigned once
    (``identity.show_podcast_guid``); without it, the one the feed URL gives."""
    extension.guid = guid or podcast_guid(feed_url)
    extension.locked = show.locked
    extension.owner = show.owner_email
    extension.medium = show.medium or ("video" if show.kind == "seminar" else "podcast")


# --- an item ------------------------------------------------------------------------------------------

def npt(seconds: float) -> str:
    """Normal play time for Podlove chapters: HH:MM:SS, with milliseconds when there are any."""
    ms = int(round(seconds * 1000))
    value = f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d}"
    return f"{value}.{ms % 1000:03d}" if ms % 1000 else value


# Renditions that are transcripts in the feed: `--transcript` files, and a seminar's captions.
TRANSCRIPT_ORDER = {"text/vtt": 0, "application/x-subrip": 1, "application/json": 2, "text/html": 3, "text/plain": 4}


def transcripts(episode: Item) -> list[Media]:
    found = [m for role, m in episode.renditions.items() if role == "captions" or role.startswith("transcript")]
    return sorted(found, key=lambda m: (TRANSCRIPT_ORDER.get(m.type, 9), m.url))


def item_lines(episode: Item) -> list[str]:
    """An item's podcast elements and its psc chapters, indented as lxml pretty-prints them inside ``<item>``."""
    lines = []
    add = lines.append
    if episode.season is not None:
        add(f"      <podcast:season>{episode.season}</podcast:season>")
    if episode.number is not None:
        add(f"      <podcast:episode>{episode.number}</podcast:episode>")
    for person in episode.persons:
        role, group = person_role(person.role)
        group_attr = "" if group == "cast" else f' group="{attr(group)}"'
        add(f'      <podcast:person role="{attr(role)}"{group_attr}>{text(person.name)}</podcast:person>')
    for transcript in transcripts(episode):
        rel = ' rel="captions"' if transcript.type in TIMED_TRANSCRIPTS else ""
        add(f'      <podcast:transcript url="{attr(transcript.url)}" type="{attr(transcript.type)}"{rel}/>')
    if "chapters" in episode.renditions:
        add(f'      <podcast:chapters url="{attr(episode.renditions["chapters"].url)}" type="{CHAPTERS_TYPE}"/>')
    for role, title in ALTERNATE_ENCLOSURES.items():
        if role in episode.renditions:
            alternate = episode.renditions[role]
            # No bitrate: the file's size over its duration would count the ID3 cover art as audio.
            height = f' height="{alternate.height}"' if alternate.height else ""
            add(f'      <podcast:alternateEnclosure type="{attr(alternate.type)}" length="{alternate.bytes}"{height} '
                f'title="{attr(title)}">')
            add(f'        <podcast:source uri="{attr(alternate.url)}"/>')
            add("      </podcast:alternateEnclosure>")
    if episode.chapters:
        add('      <psc:chapters version="1.2">')
        for chapter in episode.chapters:
            add(f'        <psc:chapter start="{npt(chapter.start)}" title="{attr(chapter.title)}"/>')
        add("      </psc:chapters>")
    return lines
