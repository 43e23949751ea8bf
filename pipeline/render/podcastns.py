"""The Podcasting 2.0 namespace (https://podcastindex.org/namespace/1.0): its data and pure helpers.

Shared by the feed (which writes the tags) and the check (which reads them back).
No third-party library here: the writing, a feedgen extension for the channel and text for the items,
lives in ``feed.py``.
"""

from __future__ import annotations

import re
import uuid

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
# by role, with the title apps show for them (at most 32 characters): a seminar's audio-only MP3 beside its MP4.
ALTERNATE_ENCLOSURES = {"audio": "Bare lyd"}

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
