"""`publish check`: proof that a feed is one every podcast app accepts, before listeners see it.

``check_feed`` is a pure function over the feed's bytes and the artwork's bytes: Apple's requirements
(required tags, explicit true/false, a category from Apple's list, a language code, artwork 1400-3000 px
square RGB JPEG/PNG named for its bytes, unique GUIDs and enclosure URLs, description length) and the
Podcasting 2.0 rules. ``check_store`` compares the feed with the store (every object there, enclosure
lengths exact); ``check_online`` fetches every URL from the public address as an app would.
Each returns every violation, with the episode it concerns.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
import socket
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from lxml import etree
from lxml import html as lxml_html

from pipeline.model.timerange import OSLO
from pipeline.model.errors import FeedCheckError, InputError
from pipeline.inputs.images import artwork_problems, inspect_image
from pipeline.render.podcastns import CHAPTERS_TYPE, GROUPS, MEDIUMS, PODCAST_NAMESPACES, ROLE_GROUP
from pipeline.inputs.transcripts import TRANSCRIPT_TYPES

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
ATOM = "http://www.w3.org/2005/Atom"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
DESCRIPTION_LIMIT = 4000  # bytes (Apple)
CHANNEL = "channel"

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
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DURATION = re.compile(r"^(?:\d+:)?(?:\d{1,2}:)?\d+(?:\.\d+)?$")

# Enclosure types Apple accepts, by URL suffix.
ENCLOSURE_TYPES = {".mp3": {"audio/mpeg"}, ".m4a": {"audio/x-m4a", "audio/mp4"}, ".mp4": {"video/mp4"},
                   ".m4v": {"video/x-m4v", "video/mp4"}, ".mov": {"video/quicktime"}, ".pdf": {"application/pdf"},
                   ".epub": {"document/x-epub", "application/epub+zip"}}
# Equivalent Content-Types a server may answer with.
SAME_TYPE = {"audio/mpeg": {"audio/mpeg", "audio/mp3"}, "audio/x-m4a": {"audio/x-m4a", "audio/mp4", "audio/m4a"},
             "audio/mp4": {"audio/x-m4a", "audio/mp4", "audio/m4a"},
             CHAPTERS_TYPE: {"application/json", CHAPTERS_TYPE},
             "application/x-subrip": {"application/x-subrip", "application/srt", "text/srt", "text/plain"}}
IMAGE_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}
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


def _podcast(parent, tag: str) -> list:
    return [el for ns in PODCAST_NAMESPACES for el in parent.findall(f"{{{ns}}}{tag}")]


def _text(el) -> str:
    return (el.text or "").strip() if el is not None else ""


def parse_feed(data: bytes):
    """The feed's root element; InputError when the bytes are not XML."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as e:
        raise InputError(f"the feed is not well-formed XML: {e}") from None


def item_label(item, n: int) -> str:
    title = _text(item.find("title")) or f"item {n}"
    guid = _text(item.find("guid"))
    return f"«{title}» ({guid[:8]})" if guid else f"«{title}»"


def valid_language(code: str) -> bool:
    m = _LANGUAGE.match(code or "")
    return bool(m) and (m.group(1).lower() in ISO_639_1 or m.group(1).lower() in LANGUAGES_3)


def _url(value: str | None) -> bool:
    parts = urllib.parse.urlsplit(value or "")
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _suffix(url: str) -> str:
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
    with tempfile.TemporaryDirectory(prefix="check-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            info = inspect_image(path)
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


# --- the pure check -------------------------------------------------------------------------------

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
        return [Violation(CHANNEL, "xml", e.message)]
    if root.tag != "rss" or root.get("version") != "2.0" or root.find("channel") is None:
        return [Violation(CHANNEL, "rss", "the document is not RSS 2.0 (<rss version=\"2.0\"><channel>)")]
    ch = root.find("channel")
    out: list[Violation] = []

    def bad(where: str, rule: str, message: str) -> None:
        out.append(Violation(where, rule, message))

    out += _channel(ch, images)
    guids: dict[str, str] = {}
    enclosures: dict[str, str] = {}
    for n, item in enumerate(ch.findall("item"), 1):
        where = item_label(item, n)
        out += _item(item, where, images, today)
        guid = _text(item.find("guid"))
        if guid:
            if guid in guids:
                bad(where, "guid-unique", f"GUID {guid} is also the GUID of {guids[guid]}; apps would merge or "
                                          "drop one of them")
            guids.setdefault(guid, where)
        enc = item.find("enclosure")
        url = enc.get("url", "") if enc is not None else ""
        if url:
            if url in enclosures:
                bad(where, "enclosure-unique", f"{url} is also the enclosure of {enclosures[url]}; Apple ignores "
                                               "duplicate enclosure URLs")
            enclosures.setdefault(url, where)
    return out


def _channel(ch, images: Mapping[str, bytes | None]) -> list[Violation]:
    out: list[Violation] = []

    def bad(rule: str, message: str) -> None:
        out.append(Violation(CHANNEL, rule, message))

    for tag in ("title", "description", "link", "language"):
        if not _text(ch.find(tag)):
            bad("required", f"<{tag}> is missing or empty")
    desc = _text(ch.find("description"))
    if len(desc.encode()) > DESCRIPTION_LIMIT:
        bad("description-length", f"the description is {len(desc.encode())} bytes; Apple allows {DESCRIPTION_LIMIT}")
    language = _text(ch.find("language"))
    if language and not valid_language(language):
        bad("language", f"{language!r} is not an ISO 639 language code (such as 'no', 'nb', 'nn' or 'en-us')")
    self_link = ch.find(f"{{{ATOM}}}link[@rel='self']")
    self_url = self_link.get("href", "") if self_link is not None else ""
    if not _url(self_url):
        bad("required", "<atom:link rel=\"self\"> with the feed's own URL is missing")

    image = ch.find(f"{{{ITUNES}}}image")
    art = image.get("href", "") if image is not None else ""
    if not _url(art):
        bad("required", "<itunes:image href=\"...\"> (the show's artwork) is missing")
    elif art in images:
        if images[art] is None:
            bad("artwork", f"{art}: not in the store")
        else:
            out += artwork_violations(CHANNEL, "artwork", art, images[art])
    categories = ch.findall(f"{{{ITUNES}}}category")
    if not categories:
        bad("required", "<itunes:category> is missing")
    for cat in categories:
        name = cat.get("text", "")
        if name not in APPLE_CATEGORIES:
            bad("category", f"{name!r} is not an Apple Podcasts category")
            continue
        for sub in cat.findall(f"{{{ITUNES}}}category"):
            if sub.get("text", "") not in APPLE_CATEGORIES[name]:
                bad("category", f"{sub.get('text', '')!r} is not a subcategory of {name!r}")
    explicit = ch.find(f"{{{ITUNES}}}explicit")
    if explicit is None:
        bad("required", "<itunes:explicit> is missing")
    elif _text(explicit) not in ("true", "false"):
        bad("explicit", f"<itunes:explicit> is {_text(explicit)!r}; Apple takes 'true' or 'false'")
    if not _text(ch.find(f"{{{ITUNES}}}author")):
        bad("required", "<itunes:author> is missing")
    owner_email = _text(ch.find(f"{{{ITUNES}}}owner/{{{ITUNES}}}email"))
    if not owner_email:
        bad("owner-email", "<itunes:owner><itunes:email> is missing; Apple uses it to verify who owns the show")
    elif not _EMAIL.match(owner_email):
        bad("owner-email", f"{owner_email!r} is not an e-mail address")
    show_type = ch.find(f"{{{ITUNES}}}type")
    if show_type is not None and _text(show_type) not in ("episodic", "serial"):
        bad("itunes-type", f"<itunes:type> is {_text(show_type)!r}; 'episodic' or 'serial'")
    new_url = ch.find(f"{{{ITUNES}}}new-feed-url")
    if new_url is not None:
        if not _url(_text(new_url)):
            bad("new-feed-url", f"<itunes:new-feed-url> {_text(new_url)!r} is not an http(s) URL")
        elif _text(new_url) == self_url:
            bad("new-feed-url", "<itunes:new-feed-url> names this feed itself; apps would loop")

    # Podcasting 2.0
    guids = _podcast(ch, "guid")
    if not guids:
        bad("podcast-guid", "<podcast:guid> is missing")
    for g in guids:
        try:
            version = uuid.UUID(_text(g)).version
        except ValueError:
            bad("podcast-guid", f"<podcast:guid> {_text(g)!r} is not a UUID")
            continue
        if version != 5:
            bad("podcast-guid", f"<podcast:guid> {_text(g)} is a version {version} UUID; the namespace asks for UUIDv5")
    if len(guids) > 1:
        bad("podcast-guid", f"{len(guids)} <podcast:guid> elements; there must be one")
    locked = _podcast(ch, "locked")
    if not locked:
        bad("podcast-locked", "<podcast:locked> is missing")
    for el in locked:
        if _text(el) not in ("yes", "no"):
            bad("podcast-locked", f"<podcast:locked> is {_text(el)!r}; 'yes' or 'no'")
        if el.get("owner") is not None and not _EMAIL.match(el.get("owner")):
            bad("podcast-locked", f"owner {el.get('owner')!r} is not an e-mail address")
    for el in _podcast(ch, "medium"):
        if _text(el) not in MEDIUMS:
            bad("podcast-medium", f"<podcast:medium> {_text(el)!r} is not one of the namespace's mediums")
    return out


def _positive_int(text: str) -> bool:
    return text.isdigit() and int(text) > 0


def _item(item, where: str, images: Mapping[str, bytes | None], today: dt.date) -> list[Violation]:
    out: list[Violation] = []

    def bad(rule: str, message: str) -> None:
        out.append(Violation(where, rule, message))

    if not _text(item.find("title")):
        bad("required", "<title> is missing or empty")
    guid = item.find("guid")
    if not _text(guid):
        bad("required", "<guid> is missing; without one, apps cannot tell episodes apart and download them again")
    elif guid.get("isPermaLink", "true") == "true" and not _url(_text(guid)):
        bad("guid", f"<guid> {_text(guid)!r} is marked as a permalink but is not a URL; add isPermaLink=\"false\"")
    enc = item.find("enclosure")
    if enc is None:
        bad("required", "<enclosure> is missing")
    else:
        url, length, mime = enc.get("url", ""), enc.get("length", ""), enc.get("type", "")
        if not _url(url):
            bad("enclosure", f"url {url!r} is not an http(s) URL")
        if not _positive_int(length):
            bad("enclosure", f"length {length!r} is not the file's size in bytes")
        allowed = ENCLOSURE_TYPES.get(_suffix(url))
        if allowed is None:
            bad("enclosure", f"{url}: not a file type Apple plays (MP3, M4A, MP4, M4V, MOV, PDF, EPUB)")
        elif mime not in allowed:
            bad("enclosure", f"type {mime!r} does not match {_suffix(url)} (expected {' or '.join(sorted(allowed))})")
    when_text = _text(item.find("pubDate"))
    when = pub_date(when_text)
    if not when_text:
        bad("required", "<pubDate> is missing")
    elif when is None:
        bad("pubdate", f"<pubDate> {when_text!r} is not an RFC 2822 date with a time zone")
    elif when.astimezone(OSLO).date() > today:
        bad("future", f"dated {when.astimezone(OSLO).date().isoformat()}, after today ({today.isoformat()}); "
                      "an episode dated in the future must stay out of the feed until that day")
    desc = _text(item.find("description"))
    if len(desc.encode()) > DESCRIPTION_LIMIT:
        bad("description-length", f"the description is {len(desc.encode())} bytes; Apple allows {DESCRIPTION_LIMIT}")
    content = item.find(f"{{{CONTENT}}}encoded")
    if content is not None:
        unsafe = unsafe_html(content.text or "")
        if unsafe:
            bad("content-html", "content:encoded holds what apps must not run: " + ", ".join(unsafe))
    duration = _text(item.find(f"{{{ITUNES}}}duration"))
    if duration and not _DURATION.match(duration):
        bad("duration", f"<itunes:duration> {duration!r} is neither seconds nor HH:MM:SS")
    explicit = item.find(f"{{{ITUNES}}}explicit")
    if explicit is not None and _text(explicit) not in ("true", "false"):
        bad("explicit", f"<itunes:explicit> is {_text(explicit)!r}; Apple takes 'true' or 'false'")
    episode_type = item.find(f"{{{ITUNES}}}episodeType")
    if episode_type is not None and _text(episode_type) not in ("full", "trailer", "bonus"):
        bad("episode-type", f"<itunes:episodeType> is {_text(episode_type)!r}; 'full', 'trailer' or 'bonus'")
    for tag in ("season", "episode"):
        el = item.find(f"{{{ITUNES}}}{tag}")
        if el is not None and not _positive_int(_text(el)):
            bad(tag, f"<itunes:{tag}> {_text(el)!r} is not a positive whole number")
    image = item.find(f"{{{ITUNES}}}image")
    if image is not None:
        href = image.get("href", "")
        if not _url(href):
            bad("episode-image", f"<itunes:image> href {href!r} is not an http(s) URL")
        elif href in images:
            if images[href] is None:
                bad("episode-image", f"{href}: not in the store")
            else:
                out += artwork_violations(where, "episode-image", href, images[href])

    # Podcasting 2.0
    for tag in ("season", "episode"):
        els = _podcast(item, tag)
        for el in els:
            if not re.match(r"^\d+(\.\d+)?$", _text(el)):
                bad(f"podcast-{tag}", f"<podcast:{tag}> {_text(el)!r} is not a number")
        if len(els) > 1:
            bad(f"podcast-{tag}", f"{len(els)} <podcast:{tag}> elements; there must be at most one")
    for el in _podcast(item, "person"):
        name = _text(el)
        if not name or len(name) > 128:
            bad("podcast-person", f"<podcast:person> name {name[:40]!r} must be 1-128 characters")
        role, group = (el.get("role") or "host").lower(), (el.get("group") or "cast").lower()
        if role not in ROLE_GROUP:
            bad("podcast-person", f"{name}: role {role!r} is not in the Podcast Taxonomy Project's list")
        if group not in GROUPS:
            bad("podcast-person", f"{name}: group {group!r} is not in the Podcast Taxonomy Project's list")
    for el in _podcast(item, "transcript"):
        url, mime = el.get("url", ""), el.get("type", "")
        if not _url(url):
            bad("podcast-transcript", f"url {url!r} is not an http(s) URL")
        if mime not in set(TRANSCRIPT_TYPES.values()):
            bad("podcast-transcript", f"type {mime!r} is not a transcript type ({', '.join(sorted(set(TRANSCRIPT_TYPES.values())))})")
        elif TRANSCRIPT_TYPES.get(_suffix(url), mime) != mime:
            bad("podcast-transcript", f"type {mime!r} does not match {url}")
        if el.get("rel") not in (None, "captions"):
            bad("podcast-transcript", f"rel {el.get('rel')!r}; only 'captions' is defined")
    for el in _podcast(item, "alternateEnclosure"):
        length = el.get("length")
        if not el.get("type"):
            bad("podcast-alternate-enclosure", "<podcast:alternateEnclosure> has no type")
        if length is not None and not _positive_int(length):
            bad("podcast-alternate-enclosure", f"length {length!r} is not the file's size in bytes")
        sources = _podcast(el, "source")
        if not sources:
            bad("podcast-alternate-enclosure", "<podcast:alternateEnclosure> has no <podcast:source uri=...>")
        for source in sources:
            if not _url(source.get("uri")):
                bad("podcast-alternate-enclosure", f"source uri {source.get('uri')!r} is not an http(s) URL")
    chapters = _podcast(item, "chapters")
    if len(chapters) > 1:
        bad("podcast-chapters", f"{len(chapters)} <podcast:chapters> elements; there must be at most one")
    for el in chapters:
        if not _url(el.get("url")):
            bad("podcast-chapters", f"url {el.get('url')!r} is not an http(s) URL")
        if el.get("type") not in (CHAPTERS_TYPE, "application/json"):
            bad("podcast-chapters", f"type {el.get('type')!r}; JSON chapters are {CHAPTERS_TYPE!r}")
    return out


# --- what the feed names, and where ----------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    """One URL the feed names: the enclosure (with its length), an image, a transcript, a chapters file, the feed."""

    where: str
    kind: str  # enclosure | alternate-enclosure | artwork | episode-image | transcript | chapters | feed
    url: str
    type: str | None = None
    length: int | None = None


SIZED = ("enclosure", "alternate-enclosure")  # targets whose length the feed states, to the byte


def targets(data: bytes) -> list[Target]:
    """Every URL an app fetches from this feed, each once (the first mention wins)."""
    root = parse_feed(data)
    ch = root.find("channel")
    found: list[Target] = []
    if ch is None:
        return found
    self_link = ch.find(f"{{{ATOM}}}link[@rel='self']")
    if self_link is not None and _url(self_link.get("href")):
        found.append(Target(CHANNEL, "feed", self_link.get("href"), "application/rss+xml"))
    image = ch.find(f"{{{ITUNES}}}image")
    if image is not None and _url(image.get("href")):
        found.append(Target(CHANNEL, "artwork", image.get("href"), IMAGE_TYPES.get(_suffix(image.get("href")))))
    rss_image = _text(ch.find("image/url"))
    if _url(rss_image):
        found.append(Target(CHANNEL, "artwork", rss_image, IMAGE_TYPES.get(_suffix(rss_image))))
    for n, item in enumerate(ch.findall("item"), 1):
        where = item_label(item, n)
        enc = item.find("enclosure")
        if enc is not None and _url(enc.get("url")):
            length = enc.get("length", "")
            found.append(Target(where, "enclosure", enc.get("url"), enc.get("type"),
                                int(length) if length.isdigit() else None))
        image = item.find(f"{{{ITUNES}}}image")
        if image is not None and _url(image.get("href")):
            found.append(Target(where, "episode-image", image.get("href"), IMAGE_TYPES.get(_suffix(image.get("href")))))
        for el in _podcast(item, "transcript"):
            if _url(el.get("url")):
                found.append(Target(where, "transcript", el.get("url"), el.get("type")))
        for el in _podcast(item, "chapters"):
            if _url(el.get("url")):
                found.append(Target(where, "chapters", el.get("url"), el.get("type")))
        for el in _podcast(item, "alternateEnclosure"):
            length = el.get("length", "")
            for source in _podcast(el, "source"):
                if _url(source.get("uri")):
                    found.append(Target(where, "alternate-enclosure", source.get("uri"), el.get("type"),
                                        int(length) if length.isdigit() else None))
    seen: set[str] = set()
    unique = []
    for t in found:
        if t.url not in seen:
            seen.add(t.url)
            unique.append(t)
    return unique


def image_urls(data: bytes) -> list[str]:
    return [t.url for t in targets(data) if t.kind in ("artwork", "episode-image")]


# --- against the store (offline) ---------------------------------------------------------------------

def store_key(url: str, base_url: str) -> str | None:
    """The store key behind a public URL, or None when the URL is not served from this store."""
    prefix = base_url.rstrip("/") + "/"
    if not url.startswith(prefix):
        return None
    return urllib.parse.unquote(urllib.parse.urlsplit(url[len(prefix) - 1:]).path.lstrip("/"))


def check_store(data: bytes, head: Callable[[str], object | None], base_url: str) -> list[Violation]:
    """Every object the feed names is in the store, and every enclosure's length is the stored object's size.

    ``head(key)`` answers like ``Storage.head`` (an object with ``size``, or None).
    """
    out = []
    for t in targets(data):
        if t.kind == "feed":
            continue
        key = store_key(t.url, base_url)
        if key is None:
            continue  # served from elsewhere: only --online can check it
        info = head(key)
        if info is None:
            out.append(Violation(t.where, "missing-object", f"{t.kind} {t.url} is not in the store ({key})"))
        elif t.kind in SIZED and t.length is not None and info.size != t.length:
            out.append(Violation(t.where, "enclosure-length", f"the feed says {t.length} bytes, the store holds "
                                                              f"{info.size} bytes for {key}"))
    return out


# --- from the public URL (online) ---------------------------------------------------------------------

@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    error: str | None = None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)
USER_AGENT = "pipeline-publish-check/1 (like a podcast app)"


def fetch(url: str, method: str = "HEAD", headers: dict[str, str] | None = None, timeout: float = 15.0,
          redirects: int = 5) -> Answer:
    """One request as an app makes it: redirects followed with the same method; the body never read
    beyond two bytes."""
    for _ in range(redirects + 1):
        req = urllib.request.Request(url, method=method, headers={"User-Agent": USER_AGENT, **(headers or {})})
        try:
            with _OPENER.open(req, timeout=timeout) as resp:
                if method == "GET":
                    resp.read(2)
                return Answer(resp.status, {k.lower(): v for k, v in resp.headers.items()})
        except urllib.error.HTTPError as e:
            location = e.headers.get("Location") if e.code in (301, 302, 303, 307, 308) else None
            e.close()
            if location:
                url = urllib.parse.urljoin(url, location)
                continue
            return Answer(e.code, {k.lower(): v for k, v in e.headers.items()})
        except (urllib.error.URLError, socket.timeout, ConnectionError, OSError) as e:
            reason = getattr(e, "reason", e)
            return Answer(0, {}, f"unreachable: {reason}")
    return Answer(0, {}, f"more than {redirects} redirects")


def _type_matches(expected: str | None, served: str | None) -> bool:
    if not expected:
        return True
    served = (served or "").split(";")[0].strip().lower()
    expected = expected.lower()
    if expected == "application/rss+xml":
        return served in ("application/rss+xml", "application/xml", "text/xml")
    return served in SAME_TYPE.get(expected, {expected})


def check_target(t: Target, *, timeout: float = 15.0) -> list[Violation]:
    """HEAD answers 200 with the right Content-Type (and, for an enclosure, the exact Content-Length);
    ``Range: bytes=0-1`` answers 206, as Apple requires for streaming and for artwork."""
    out = []

    def bad(rule: str, message: str) -> None:
        out.append(Violation(t.where, rule, f"{t.kind} {t.url}: {message}"))

    head = fetch(t.url, "HEAD", timeout=timeout)
    if head.error:
        bad("http", head.error)
        return out
    if head.status != 200:
        bad("http-head", f"HEAD answered {head.status}, not 200")
        return out
    served_type = head.headers.get("content-type")
    if not _type_matches(t.type, served_type):
        bad("content-type", f"served as {served_type!r}, the feed says {t.type!r}")
    length = head.headers.get("content-length")
    if t.kind in SIZED and t.length is not None:
        if length is None:
            bad("content-length", "HEAD gives no Content-Length")
        elif length.strip() != str(t.length):
            bad("enclosure-length", f"Content-Length is {length.strip()}, the feed says {t.length}")
    if t.kind == "feed":
        return out
    ranged = fetch(t.url, "GET", {"Range": "bytes=0-1"}, timeout=timeout)
    if ranged.error:
        bad("http", ranged.error)
    elif ranged.status != 206:
        bad("range", f"'Range: bytes=0-1' answered {ranged.status}, not 206; apps cannot seek or stream, and "
                     "Apple refuses such hosts")
    else:
        total = (ranged.headers.get("content-range") or "").rpartition("/")[2]
        expected = str(t.length) if t.kind in SIZED and t.length is not None else (length or "").strip()
        if expected and total != expected:
            bad("range", f"Content-Range gives the size as {total or '(none)'}, not {expected}")
    return out


def check_online(data: bytes, *, timeout: float = 15.0, workers: int = 8) -> list[Violation]:
    """Fetch every enclosure, image, transcript and chapters file (and the feed) from its public URL."""
    found = targets(data)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(lambda t: check_target(t, timeout=timeout), found))
    return [v for vs in results for v in vs]


def store_images(data: bytes, storage, base_url: str, known: Mapping[str, Path] | None = None) -> dict[str, bytes]:
    """The bytes of every image the feed names: from ``known`` local files (the show's artwork, an image
    about to be uploaded), else from the store. Images missing from the store are left to ``check_store``."""
    known = known or {}
    images = {}
    for url in image_urls(data):
        if url in known:
            images[url] = Path(known[url]).read_bytes()
            continue
        key = store_key(url, base_url)
        got = storage.get(key) if key is not None else None
        if got is not None:
            images[url] = got[0]
    return images


def refuse_failing_feed(data: bytes, feed_key: str, storage, base_url: str, *, today: dt.date | None = None,
                        known: Mapping[str, Path] | None = None) -> None:
    """Raise FeedCheckError listing every offline violation in ``data`` (``publish episode`` and ``publish feed``
    refuse such a feed: nothing is written, the old feed stays)."""
    violations = check_feed(data, images=store_images(data, storage, base_url, known), today=today)
    if violations:
        raise FeedCheckError([str(v) for v in violations], feed_key)


def check_published(site, show, storage, *, online: bool = False, today: dt.date | None = None,
                    timeout: float = 15.0) -> list[Violation]:
    """The check of what listeners get: the feed in the store, its artwork, the objects it names and,
    with ``online``, every URL fetched from the public address."""
    got = storage.get(show.feed_key)
    if got is None:
        return [Violation(CHANNEL, "feed", f"no feed at {show.feed_key} in {storage.url}; run `publish feed`")]
    data = got[0]
    out = check_feed(data, images=store_images(data, storage, site.base_url), today=today)
    out += check_store(data, storage.head, site.base_url)
    if online:
        out += check_online(data, timeout=timeout)
    return out


__all__ = ["APPLE_CATEGORIES", "Target", "Violation", "check_feed", "check_online", "check_store", "check_target",
           "check_published", "fetch", "refuse_failing_feed", "image_urls", "parse_feed", "store_images", "store_key", "targets",
           "valid_language"]
