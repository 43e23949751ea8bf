"""The rules podcast apps rely on, checked over a feed's bytes: Apple's requirements (required tags, explicit
true/false, a category from Apple's list, a language code, artwork 1400-3000 px square RGB JPEG/PNG named
for its bytes, unique GUIDs and enclosure URLs, description length) and the Podcasting 2.0 rules.

``check_feed`` is a pure function over the feed's bytes and the artwork's bytes, and returns every violation,
with the episode it concerns. The rules go by namespace: RSS (with atom and content), itunes, podcast.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
import urllib.parse
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree
from lxml import html as lxml_html

from pipeline.inputs.images import artwork_problems, inspect_image
from pipeline.model.config import EMAIL
from pipeline.model.errors import InputError
from pipeline.model.timerange import OSLO
from pipeline.render.atomns import ATOM_NS
from pipeline.render.feed import CONTENT_NS
from pipeline.render.itunes import DESCRIPTION_LIMIT, ITUNES_NS
from pipeline.inputs.transcripts import TRANSCRIPT_TYPES
from pipeline.render.podcastns import CHAPTERS_TYPE, GROUPS, MEDIUMS, PODCAST_NAMESPACES, ROLE_GROUP

CHANNEL = "channel"
NO_ITEMS = "items"  # the rule a feed without items breaks

# Apple Podcasts categories and subcategories (podcasters.apple.com/support/1691-apple-podcasts-categories).
APPLE_CATEGORIES: dict[str, set[str]] = {
    "Arts": {"Books", "Design", "Fashion & Beauty", "Food", "Performing Arts", "Visual Arts"},
    "Business": {"Careers", "Entrepreneurship", "Investing", "Management", "Marketing", "Non-Profit"},
    "Comedy": {"Comedy Interviews", "Improv", "Stand-Up"},
    "Education": {"Courses", "How To", "Language Learning", "Self-Improvement"},
    "Fiction": {"Comedy Fiction", "Drama", "Science Fiction"},
    "Government": set(),
    "History": set(),
    "Health & Fitness": {"Alternative Health", "Fitness", "Medicine", "Mental Health", "Nutrition", "Sexuality"},
    "Kids & Family": {"Education for Kids", "Parenting", "Pets & Animals", "Stories for Kids"},
    "Leisure": {"Animation & Manga", "Automotive", "Aviation", "Crafts", "Games", "Hobbies", "Home & Garden",
                "Video Games"},
    "Music": {"Music Commentary", "Music History", "Music Interviews"},
    "News": {"Business News", "Daily News", "Entertainment News", "News Commentary", "Politics", "Sports News",
             "Tech News"},
    "Religion & Spirituality": {"Buddhism", "Christianity", "Hinduism", "Islam", "Judaism", "Religion", "Spirituality"},
    "Science": {"Astronomy", "Chemistry", "Earth Sciences", "Life Sciences", "Mathematics", "Natural Sciences",
                "Nature", "Physics", "Social Sciences"},
    "Society & Culture": {"Documentary", "Personal Journals", "Philosophy", "Places & Travel", "Relationships"},
    "Sports": {"Baseball", "Basketball", "Cricket", "Fantasy Sports", "Football", "Golf", "Hockey", "Rugby", "Running",
               "Soccer", "Swimming", "Tennis", "Volleyball", "Wilderness", "Wrestling"},
    "Technology": set(),
    "True Crime": set(),
    "TV & Film": {"After Shows", "Film History", "Film Interviews", "Film Reviews", "TV Reviews"},
}

# ISO 639-1 (what Apple and the RSS language element take), plus the Sámi languages without a two-letter code.
ISO_639_1 = set("""aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de
dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is
it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na
nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr
ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu""".split())
LANGUAGES_3 = {"sma", "smj", "smn", "sms", "fkv"}  # South, Lule, Inari, Skolt Sámi; Kven
_LANGUAGE = re.compile(r"^([a-z]{2,3})(?:-([a-z]{2}|\d{3}))?$", re.I)
_DURATION = re.compile(r"^(?:\d+:)?(?:\d{1,2}:)?\d+(?:\.\d+)?$")

# Enclosure types Apple accepts, by URL suffix.
ENCLOSURE_TYPES = {".mp3": {"audio/mpeg"}, ".m4a": {"audio/x-m4a", "audio/mp4"}, ".mp4": {"video/mp4"},
                   ".m4v": {"video/x-m4v", "video/mp4"}, ".mov": {"video/quicktime"}, ".pdf": {"application/pdf"},
                   ".epub": {"document/x-epub", "application/epub+zip"}}
# The largest feed we write or pass (README, "Checking a feed"): libxml2, which most apps parse feeds with,
# refuses a text over 10,000,000 bytes with its default limits, and readers and directories refuse much less
# (FeedBurner refused feeds over 512 kB). Within it, no single text can reach libxml2's limit.
FEED_LIMIT = 10_000_000
UNSAFE_TAGS = {"script", "style", "iframe", "object", "embed", "form", "input", "button", "base", "meta", "link",
               "frame", "frameset", "applet", "svg", "math"}



@dataclass(frozen=True)
class Violation:
    """One broken rule: where (``channel`` or an episode as «title» (guid8)), the rule, and what is wrong."""

    where: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.rule}: {self.message}"


@dataclass
class Findings:
    """The violations found at one place (the channel, or one item), in the order the rules found them."""

    where: str
    found: list[Violation] = field(default_factory=list)

    def bad(self, rule: str, message: str) -> None:
        self.found.append(Violation(self.where, rule, message))


def podcast_elements(parent, tag: str) -> list:
    """``parent``'s podcast:``tag`` children, under either of the namespace's URLs."""
    return [el for ns in PODCAST_NAMESPACES for el in parent.findall(f"{{{ns}}}{tag}")]


def text_of(el) -> str:
    return (el.text or "").strip() if el is not None else ""


def self_url(ch) -> str:
    """The feed's own URL, as ``<atom:link rel="self">`` gives it ("" without one)."""
    link = ch.find(f"{{{ATOM_NS}}}link[@rel='self']")
    return link.get("href", "") if link is not None else ""


def parse_feed(data: bytes):
    """The feed's root element, parsed as apps parse it (libxml2's default limits, no ``huge_tree``);
    InputError when the bytes are not XML or too large for that."""
    if len(data) > FEED_LIMIT:
        raise InputError(f"the feed is {len(data):,} bytes; at most {FEED_LIMIT:,} (apps refuse larger feeds; "
                         "shorten the show notes)")
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as e:
        raise InputError(f"the feed is not well-formed XML: {e}") from None


def item_label(item, n: int) -> str:
    title = text_of(item.find("title")) or f"item {n}"
    guid = text_of(item.find("guid"))
    return f"«{title}» ({guid[:8]})" if guid else f"«{title}»"


def valid_language(code: str) -> bool:
    m = _LANGUAGE.match(code or "")
    return bool(m) and (m.group(1).lower() in ISO_639_1 or m.group(1).lower() in LANGUAGES_3)


def is_http_url(value: str | None) -> bool:
    parts = urllib.parse.urlsplit(value or "")
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def url_suffix(url: str) -> str:
    return Path(urllib.parse.urlsplit(url).path).suffix.lower()


def pub_date(text: str) -> dt.datetime | None:
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo else None


def artwork_violations(where: str, rule: str, url: str, data: bytes) -> list[Violation]:
    """Apple's artwork rules over the bytes an image URL names (the name's suffix must match the bytes)."""
    name = Path(urllib.parse.urlsplit(url).path).name or "artwork"
    try:
        info = inspect_image(Path(name), data)  # from memory: no temporary file a killed run would leave
    except InputError as e:
        return [Violation(where, rule, f"{url}: {e.message}")]
    return [Violation(where, rule, f"{url}: {p}") for p in artwork_problems(info)]


def unsafe_html(html: str) -> list[str]:
    """What in ``html`` a podcast app's web view must never run: scripts, embeds, inline handlers, javascript: URLs."""
    if not html.strip():
        return []
    try:
        root = lxml_html.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError):
        return ["not parseable as HTML"]
    found = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag.lower() in UNSAFE_TAGS:
            found.append(f"<{el.tag}>")
        for name, value in el.attrib.items():
            if name.lower().startswith("on"):
                found.append(f"{name}= on <{el.tag}>")
            elif name.lower() in ("href", "src", "action", "formaction") and \
                    re.sub(r"[\s\x00-\x1f]", "", value).lower().startswith(("javascript:", "vbscript:", "data:text/html")):
                found.append(f"{name}={value[:30]!r} on <{el.tag}>")
    return sorted(set(found))


# --- the whole feed ---------------------------------------------------------------------------------

def check_feed(data: bytes, *, images: Mapping[str, bytes | None] | None = None,
               today: dt.date | None = None) -> list[Violation]:
    """Every way the feed in ``data`` breaks Apple's requirements or the Podcasting 2.0 rules.

    ``images`` maps artwork URLs to their bytes (None: known to be missing); URLs not in it are not
    inspected. ``today`` (Oslo) decides what counts as dated in the future.
    """
    images = images or {}
    today = today or dt.datetime.now(OSLO).date()
    try:
        root = parse_feed(data)
    except InputError as e:
        return [Violation(CHANNEL, "feed-size" if len(data) > FEED_LIMIT else "xml", e.message)]
    if root.tag != "rss" or root.get("version") != "2.0" or root.find("channel") is None:
        return [Violation(CHANNEL, "rss", "the document is not RSS 2.0 (<rss version=\"2.0\"><channel>)")]
    ch = root.find("channel")
    channel = Findings(CHANNEL)
    _rss_channel(ch, channel)
    _itunes_channel(ch, images, channel)
    _podcast_channel(ch, channel)
    if not ch.findall("item"):
        channel.bad(NO_ITEMS, "the feed has no <item>: Apple refuses a feed without episodes, and apps show an empty "
                              "show; publish an item")
    out = channel.found
    guids: dict[str, str] = {}
    enclosures: dict[str, str] = {}
    for n, item in enumerate(ch.findall("item"), 1):
        found = Findings(item_label(item, n))
        _rss_item(item, today, found)
        _itunes_item(item, images, found)
        _podcast_item(item, found)
        _unique(item, guids, enclosures, found)
        out += found.found
    return out


def _unique(item, guids: dict[str, str], enclosures: dict[str, str], found: Findings) -> None:
    """No two items share a GUID or an enclosure URL; ``guids`` and ``enclosures`` hold those seen so far."""
    guid = text_of(item.find("guid"))
    if guid:
        if guid in guids:
            found.bad("guid-unique", f"GUID {guid} is also the GUID of {guids[guid]}; apps would merge or "
                                     "drop one of them")
        guids.setdefault(guid, found.where)
    enc = item.find("enclosure")
    url = enc.get("url", "") if enc is not None else ""
    if url:
        if url in enclosures:
            found.bad("enclosure-unique", f"{url} is also the enclosure of {enclosures[url]}; Apple ignores "
                                          "duplicate enclosure URLs")
        enclosures.setdefault(url, found.where)


# --- the channel ------------------------------------------------------------------------------------

def _rss_channel(ch, found: Findings) -> None:
    for tag in ("title", "description", "link", "language"):
        if not text_of(ch.find(tag)):
            found.bad("required", f"<{tag}> is missing or empty")
    _description(ch, found)
    language = text_of(ch.find("language"))
    if language and not valid_language(language):
        found.bad("language", f"{language!r} is not an ISO 639 language code (such as 'no', 'nb', 'nn' or 'en-us')")
    if not is_http_url(self_url(ch)):
        found.bad("required", "<atom:link rel=\"self\"> with the feed's own URL is missing")


def _description(parent, found: Findings) -> None:
    """A channel's or an item's ``<description>``: HTML to apps, within Apple's limit and safe to show."""
    desc = text_of(parent.find("description"))
    if len(desc.encode()) > DESCRIPTION_LIMIT:
        found.bad("description-length",
                  f"the description is {len(desc.encode())} bytes; Apple allows {DESCRIPTION_LIMIT}")
    unsafe = unsafe_html(desc)
    if unsafe:
        found.bad("description-html", "the description holds what apps must not run: " + ", ".join(unsafe))


def _itunes_channel(ch, images: Mapping[str, bytes | None], found: Findings) -> None:
    image = ch.find(f"{{{ITUNES_NS}}}image")
    art = image.get("href", "") if image is not None else ""
    if not is_http_url(art):
        found.bad("required", "<itunes:image href=\"...\"> (the show's artwork) is missing")
    else:
        _stored_image(art, images, "artwork", found)
    _categories(ch, found)
    explicit = ch.find(f"{{{ITUNES_NS}}}explicit")
    if explicit is None:
        found.bad("required", "<itunes:explicit> is missing")
    elif text_of(explicit) not in ("true", "false"):
        found.bad("explicit", f"<itunes:explicit> is {text_of(explicit)!r}; Apple takes 'true' or 'false'")
    if not text_of(ch.find(f"{{{ITUNES_NS}}}author")):
        found.bad("required", "<itunes:author> is missing")
    owner_email = text_of(ch.find(f"{{{ITUNES_NS}}}owner/{{{ITUNES_NS}}}email"))
    if not owner_email:
        found.bad("owner-email", "<itunes:owner><itunes:email> is missing; Apple uses it to verify who owns the show")
    elif not EMAIL.match(owner_email):
        found.bad("owner-email", f"{owner_email!r} is not an e-mail address")
    show_type = ch.find(f"{{{ITUNES_NS}}}type")
    if show_type is not None and text_of(show_type) not in ("episodic", "serial"):
        found.bad("itunes-type", f"<itunes:type> is {text_of(show_type)!r}; 'episodic' or 'serial'")
    new_url = ch.find(f"{{{ITUNES_NS}}}new-feed-url")
    if new_url is not None:
        if not is_http_url(text_of(new_url)):
            found.bad("new-feed-url", f"<itunes:new-feed-url> {text_of(new_url)!r} is not an http(s) URL")
        elif text_of(new_url) == self_url(ch):
            found.bad("new-feed-url", "<itunes:new-feed-url> names this feed itself; apps would loop")


def _stored_image(url: str, images: Mapping[str, bytes | None], rule: str, found: Findings) -> None:
    """Apple's artwork rules over an image whose bytes ``images`` holds (None: not in the store)."""
    if url in images:
        if images[url] is None:
            found.bad(rule, f"{url}: not in the store")
        else:
            found.found += artwork_violations(found.where, rule, url, images[url])


def _categories(ch, found: Findings) -> None:
    categories = ch.findall(f"{{{ITUNES_NS}}}category")
    if not categories:
        found.bad("required", "<itunes:category> is missing")
    for cat in categories:
        name = cat.get("text", "")
        if name not in APPLE_CATEGORIES:
            found.bad("category", f"{name!r} is not an Apple Podcasts category")
            continue
        for sub in cat.findall(f"{{{ITUNES_NS}}}category"):
            if sub.get("text", "") not in APPLE_CATEGORIES[name]:
                found.bad("category", f"{sub.get('text', '')!r} is not a subcategory of {name!r}")


def _podcast_channel(ch, found: Findings) -> None:
    guids = podcast_elements(ch, "guid")
    if not guids:
        found.bad("podcast-guid", "<podcast:guid> is missing")
    for g in guids:
        try:
            version = uuid.UUID(text_of(g)).version
        except ValueError:
            found.bad("podcast-guid", f"<podcast:guid> {text_of(g)!r} is not a UUID")
            continue
        if version != 5:
            found.bad("podcast-guid",
                      f"<podcast:guid> {text_of(g)} is a version {version} UUID; the namespace asks for UUIDv5")
    if len(guids) > 1:
        found.bad("podcast-guid", f"{len(guids)} <podcast:guid> elements; there must be one")
    locked = podcast_elements(ch, "locked")
    if not locked:
        found.bad("podcast-locked", "<podcast:locked> is missing")
    for el in locked:
        if text_of(el) not in ("yes", "no"):
            found.bad("podcast-locked", f"<podcast:locked> is {text_of(el)!r}; 'yes' or 'no'")
        if el.get("owner") is not None and not EMAIL.match(el.get("owner")):
            found.bad("podcast-locked", f"owner {el.get('owner')!r} is not an e-mail address")
    for el in podcast_elements(ch, "medium"):
        if text_of(el) not in MEDIUMS:
            found.bad("podcast-medium", f"<podcast:medium> {text_of(el)!r} is not one of the namespace's mediums")


# --- an item ----------------------------------------------------------------------------------------

def _positive_int(text: str) -> bool:
    return text.isdigit() and int(text) > 0


def _rss_item(item, today: dt.date, found: Findings) -> None:
    if not text_of(item.find("title")):
        found.bad("required", "<title> is missing or empty")
    guid = item.find("guid")
    if not text_of(guid):
        found.bad("required", "<guid> is missing; without one, apps cannot tell episodes apart and download them again")
    elif guid.get("isPermaLink", "true") == "true" and not is_http_url(text_of(guid)):
        found.bad("guid", f"<guid> {text_of(guid)!r} is marked as a permalink but is not a URL; "
                          "add isPermaLink=\"false\"")
    _enclosure(item.find("enclosure"), found)
    _pub_date(text_of(item.find("pubDate")), today, found)
    _description(item, found)
    content = item.find(f"{{{CONTENT_NS}}}encoded")
    if content is not None:
        unsafe = unsafe_html(content.text or "")
        if unsafe:
            found.bad("content-html", "content:encoded holds what apps must not run: " + ", ".join(unsafe))


def _enclosure(enc, found: Findings) -> None:
    if enc is None:
        found.bad("required", "<enclosure> is missing")
        return
    url, length, mime = enc.get("url", ""), enc.get("length", ""), enc.get("type", "")
    if not is_http_url(url):
        found.bad("enclosure", f"url {url!r} is not an http(s) URL")
    if not _positive_int(length):
        found.bad("enclosure", f"length {length!r} is not the file's size in bytes")
    allowed = ENCLOSURE_TYPES.get(url_suffix(url))
    if allowed is None:
        found.bad("enclosure", f"{url}: not a file type Apple plays (MP3, M4A, MP4, M4V, MOV, PDF, EPUB)")
    elif mime not in allowed:
        found.bad("enclosure",
                  f"type {mime!r} does not match {url_suffix(url)} (expected {' or '.join(sorted(allowed))})")


def _pub_date(when_text: str, today: dt.date, found: Findings) -> None:
    when = pub_date(when_text)
    if not when_text:
        found.bad("required", "<pubDate> is missing")
    elif when is None:
        found.bad("pubdate", f"<pubDate> {when_text!r} is not an RFC 2822 date with a time zone")
    elif when.astimezone(OSLO).date() > today:
        found.bad("future", f"dated {when.astimezone(OSLO).date().isoformat()}, after today ({today.isoformat()}); "
                            "an episode dated in the future must stay out of the feed until that day")


def _itunes_item(item, images: Mapping[str, bytes | None], found: Findings) -> None:
    duration = text_of(item.find(f"{{{ITUNES_NS}}}duration"))
    if duration and not _DURATION.match(duration):
        found.bad("duration", f"<itunes:duration> {duration!r} is neither seconds nor HH:MM:SS")
    explicit = item.find(f"{{{ITUNES_NS}}}explicit")
    if explicit is not None and text_of(explicit) not in ("true", "false"):
        found.bad("explicit", f"<itunes:explicit> is {text_of(explicit)!r}; Apple takes 'true' or 'false'")
    episode_type = item.find(f"{{{ITUNES_NS}}}episodeType")
    if episode_type is not None and text_of(episode_type) not in ("full", "trailer", "bonus"):
        found.bad("episode-type", f"<itunes:episodeType> is {text_of(episode_type)!r}; 'full', 'trailer' or 'bonus'")
    for tag in ("season", "episode"):
        el = item.find(f"{{{ITUNES_NS}}}{tag}")
        if el is not None and not _positive_int(text_of(el)):
            found.bad(tag, f"<itunes:{tag}> {text_of(el)!r} is not a positive whole number")
    image = item.find(f"{{{ITUNES_NS}}}image")
    if image is not None:
        href = image.get("href", "")
        if not is_http_url(href):
            found.bad("episode-image", f"<itunes:image> href {href!r} is not an http(s) URL")
        else:
            _stored_image(href, images, "episode-image", found)


def _podcast_item(item, found: Findings) -> None:
    for tag in ("season", "episode"):
        els = podcast_elements(item, tag)
        for el in els:
            if not re.match(r"^\d+(\.\d+)?$", text_of(el)):
                found.bad(f"podcast-{tag}", f"<podcast:{tag}> {text_of(el)!r} is not a number")
        if len(els) > 1:
            found.bad(f"podcast-{tag}", f"{len(els)} <podcast:{tag}> elements; there must be at most one")
    _persons(item, found)
    _transcripts(item, found)
    _alternate_enclosures(item, found)
    chapters = podcast_elements(item, "chapters")
    if len(chapters) > 1:
        found.bad("podcast-chapters", f"{len(chapters)} <podcast:chapters> elements; there must be at most one")
    for el in chapters:
        if not is_http_url(el.get("url")):
            found.bad("podcast-chapters", f"url {el.get('url')!r} is not an http(s) URL")
        if el.get("type") not in (CHAPTERS_TYPE, "application/json"):
            found.bad("podcast-chapters", f"type {el.get('type')!r}; JSON chapters are {CHAPTERS_TYPE!r}")


def _persons(item, found: Findings) -> None:
    for el in podcast_elements(item, "person"):
        name = text_of(el)
        if not name or len(name) > 128:
            found.bad("podcast-person", f"<podcast:person> name {name[:40]!r} must be 1-128 characters")
        role, group = (el.get("role") or "host").lower(), (el.get("group") or "cast").lower()
        if role not in ROLE_GROUP:
            found.bad("podcast-person", f"{name}: role {role!r} is not in the Podcast Taxonomy Project's list")
        if group not in GROUPS:
            found.bad("podcast-person", f"{name}: group {group!r} is not in the Podcast Taxonomy Project's list")


def _transcripts(item, found: Findings) -> None:
    types = set(TRANSCRIPT_TYPES.values())
    for el in podcast_elements(item, "transcript"):
        url, mime = el.get("url", ""), el.get("type", "")
        if not is_http_url(url):
            found.bad("podcast-transcript", f"url {url!r} is not an http(s) URL")
        if mime not in types:
            found.bad("podcast-transcript", f"type {mime!r} is not a transcript type ({', '.join(sorted(types))})")
        elif TRANSCRIPT_TYPES.get(url_suffix(url), mime) != mime:
            found.bad("podcast-transcript", f"type {mime!r} does not match {url}")
        if el.get("rel") not in (None, "captions"):
            found.bad("podcast-transcript", f"rel {el.get('rel')!r}; only 'captions' is defined")


def _alternate_enclosures(item, found: Findings) -> None:
    for el in podcast_elements(item, "alternateEnclosure"):
        length = el.get("length")
        if not el.get("type"):
            found.bad("podcast-alternate-enclosure", "<podcast:alternateEnclosure> has no type")
        if length is not None and not _positive_int(length):
            found.bad("podcast-alternate-enclosure", f"length {length!r} is not the file's size in bytes")
        sources = podcast_elements(el, "source")
        if not sources:
            found.bad("podcast-alternate-enclosure", "<podcast:alternateEnclosure> has no <podcast:source uri=...>")
        for source in sources:
            if not is_http_url(source.get("uri")):
                found.bad("podcast-alternate-enclosure", f"source uri {source.get('uri')!r} is not an http(s) URL")


__all__ = ["APPLE_CATEGORIES", "CHANNEL", "FEED_LIMIT", "NO_ITEMS", "Findings", "Violation", "artwork_violations",
           "check_feed", "is_http_url", "item_label", "parse_feed", "podcast_elements", "pub_date", "self_url",
           "text_of", "unsafe_html", "url_suffix", "valid_language"]
