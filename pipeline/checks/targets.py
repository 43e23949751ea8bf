"""What a feed names, and where: every URL an app fetches from it (the feed itself, artwork, enclosures,
transcripts, chapters), for the store check and the online check alike; and what a seminar's page names
(``page_targets``): its embed page, its oEmbed answer, its player's video, poster and tracks (captions,
chapters), and its downloads (the phone MP4 among them)."""

from __future__ import annotations

import posixpath
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser

from lxml import html as lxml_html

from pipeline.checks.feed import (CHANNEL, is_http_url, item_label, parse_feed, podcast_elements, self_url,
                                  text_of, url_suffix)
from pipeline.render.itunes import ITUNES_NS

IMAGE_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}
SIZED = ("enclosure", "alternate-enclosure")  # targets whose length the feed states, to the byte
PAGES = ("feed", "page", "embed-page", "oembed")  # documents: fetched whole, not by ranges
PAGE_TYPES = {".mp4": "video/mp4", ".mp3": "audio/mpeg", ".pdf": "application/pdf", ".vtt": "text/vtt",
              ".json": "application/json", ".html": "text/html", **IMAGE_TYPES}
OEMBED_TYPE = "application/json+oembed"


@dataclass(frozen=True)
class Target:
    """One URL the feed names: the enclosure (with its length), an image, a transcript, a chapters file, the feed."""

    where: str
    # enclosure | alternate-enclosure | artwork | episode-image | transcript | chapters | feed; from a page:
    # page | embed-page | oembed | video | poster | track | download
    kind: str
    url: str
    type: str | None = None
    length: int | None = None


def _length(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def _image(where: str, kind: str, url: str | None) -> list[Target]:
    return [Target(where, kind, url, IMAGE_TYPES.get(url_suffix(url)))] if is_http_url(url) else []


def _channel_targets(ch) -> list[Target]:
    feed_url = self_url(ch)
    found = [Target(CHANNEL, "feed", feed_url, "application/rss+xml")] if is_http_url(feed_url) else []
    image = ch.find(f"{{{ITUNES_NS}}}image")
    if image is not None:
        found += _image(CHANNEL, "artwork", image.get("href"))
    return found + _image(CHANNEL, "artwork", text_of(ch.find("image/url")))


def _item_targets(item, where: str) -> list[Target]:
    found = []
    enc = item.find("enclosure")
    if enc is not None and is_http_url(enc.get("url")):
        found.append(Target(where, "enclosure", enc.get("url"), enc.get("type"), _length(enc.get("length", ""))))
    image = item.find(f"{{{ITUNES_NS}}}image")
    if image is not None:
        found += _image(where, "episode-image", image.get("href"))
    for kind in ("transcript", "chapters"):
        found += [Target(where, kind, el.get("url"), el.get("type"))
                  for el in podcast_elements(item, kind) if is_http_url(el.get("url"))]
    for el in podcast_elements(item, "alternateEnclosure"):
        found += [Target(where, "alternate-enclosure", source.get("uri"), el.get("type"),
                         _length(el.get("length", "")))
                  for source in podcast_elements(el, "source") if is_http_url(source.get("uri"))]
    return found


def unique(found: list[Target]) -> list[Target]:
    """Each URL once: the first mention wins."""
    seen: set[str] = set()
    out = []
    for t in found:
        if t.url not in seen:
            seen.add(t.url)
            out.append(t)
    return out


def targets(data: bytes) -> list[Target]:
    """Every URL an app fetches from this feed, each once (the first mention wins)."""
    ch = parse_feed(data).find("channel")
    if ch is None:
        return []
    found = _channel_targets(ch)
    for n, item in enumerate(ch.findall("item"), 1):
        found += _item_targets(item, item_label(item, n))
    return unique(found)


def item_pages(data: bytes) -> list[tuple[str, str]]:
    """(where, URL) of each item's own web page: a seminar's ``<link>``, a folder of the archive."""
    ch = parse_feed(data).find("channel")
    links = [(item_label(item, n), text_of(item.find("link"))) for n, item in enumerate(
        ch.findall("item") if ch is not None else [], 1)]
    return [(where, url) for where, url in links if is_http_url(url) and url.endswith("/")]


def _named(where: str, kind: str, base: str, href: str | None, type_: str | None = None) -> list[Target]:
    if not href:
        return []
    url = urllib.parse.urljoin(base, href)
    suffix = posixpath.splitext(urllib.parse.urlsplit(url).path)[1].lower()
    return [Target(where, kind, url, type_ or PAGE_TYPES.get(suffix))] if is_http_url(url) else []


def page_targets(html: bytes, page_url: str, where: str) -> list[Target]:
    """What a seminar's page names: its oEmbed answer, its embed page, the player's video, poster and tracks,
    and its downloads, each resolved against ``page_url``."""
    doc = lxml_html.fromstring(html)
    found = [t for link in doc.xpath(f'//link[@rel="alternate"][@type="{OEMBED_TYPE}"]')
             for t in _named(where, "oembed", page_url, link.get("href"), "application/json")]
    found += [t for a in doc.xpath('//a[@href]') if a.get("href").split("#")[0].endswith("embed.html")
              for t in _named(where, "embed-page", page_url, a.get("href").split("#")[0], "text/html")]
    for video in doc.xpath("//video"):
        found += _named(where, "poster", page_url, video.get("poster"))
        found += [t for src in video.xpath(".//source/@src | @src")
                  for t in _named(where, "video", page_url, src.split("#")[0])]
        found += [t for src in video.xpath(".//track/@src") for t in _named(where, "track", page_url, src)]
    found += [t for a in doc.xpath("//a[@download][@href]") for t in _named(where, "download", page_url, a.get("href"))]
    return found


def pages_targets(data: bytes, read: Callable[[str], bytes | None]) -> list[Target]:
    """Each item page the feed links to (``item_pages``), and what it names (``page_targets``): the page
    is read by ``read(url)`` (from the store), None when missing (the page alone is then listed)."""
    found = []
    for where, url in item_pages(data):
        found.append(Target(where, "page", url, "text/html"))
        html = read(url)
        if html:
            found += page_targets(html, url, where)
    return unique(found)


def item_targets(data: bytes, guid: str) -> list[Target]:
    """What the feed names for the item whose ``<guid>`` is ``guid`` (none when the feed has no such item)."""
    ch = parse_feed(data).find("channel")
    for n, item in enumerate(ch.findall("item") if ch is not None else [], 1):
        if text_of(item.find("guid")) == guid:
            return _item_targets(item, item_label(item, n))
    return []


class _Tracks(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []  # (kind, src)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "track":
            named = dict(attrs)
            self.found.append((named.get("kind") or "subtitles", named.get("src") or ""))


def page_tracks(html: bytes, page_key: str, kind: str = "captions") -> set[str]:
    """The store keys of a page's ``<track kind="captions">`` sources, resolved against the page's own key."""
    parser = _Tracks()
    parser.feed(html.decode("utf-8", errors="replace"))
    folder = posixpath.dirname(page_key)
    return {posixpath.normpath(posixpath.join(folder, urllib.parse.unquote(src)))
            for k, src in parser.found if k == kind and src and "://" not in src}


def image_urls(data: bytes) -> list[str]:
    return [t.url for t in targets(data) if t.kind in ("artwork", "episode-image")]


__all__ = ["IMAGE_TYPES", "PAGES", "SIZED", "Target", "image_urls", "item_pages", "item_targets", "page_targets",
           "page_tracks", "pages_targets", "targets", "unique"]
