"""A seminar that embeds anywhere: its embed page, its oEmbed answer, and who may frame which page.

Rendered from records (``render_archive``); the framing header is asserted on what ``publish serve`` sends for
objects the store wrote. The browser half (the embed framed from another origin, axe) is test_embed_browser.py.
"""

from __future__ import annotations

import json
import re
import threading
import urllib.request
from dataclasses import replace
from html.parser import HTMLParser

from pipeline.model.records import Chapter
from pipeline.render.pages import EMBED_WIDTH, render_archive
from pipeline.store import FRAME_ANCESTORS, frame_ancestors_for
from pipeline.store.http import framing, make_server
from pipeline.store.local import LocalStorage
from pipeline.store.writes import write_if_changed
from test_archive import BASE, SHOW_ID, make_seminar, make_show, make_site, media, sample_seminars

SLUG = "nye-arbeidsmater"
HOSTILE = '<script>alert("x")</script> & "sitat"'


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text of each <textarea>."""

    def __init__(self, text: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.textareas: list[str] = []
        self._in_textarea = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_textarea = tag == "textarea"
        if self._in_textarea:
            self.textareas.append("")

    def handle_endtag(self, tag):
        self._in_textarea = self._in_textarea and tag != "textarea"

    def handle_data(self, data):
        if self._in_textarea:
            self.textareas[-1] += data

    def find(self, tag: str, **attrs) -> list[dict]:
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())]


def rendered(seminars=None) -> dict[str, bytes]:
    return render_archive(make_show(), make_site(), seminars or sample_seminars())


def test_the_page_names_its_oembed_and_the_oembed_names_the_embed_page():
    pages = rendered()
    page = Tags(pages[f"{SHOW_ID}/{SLUG}/index.html"].decode())
    [link] = page.find("link", rel="alternate", type="application/json+oembed")
    assert link["href"] == f"{BASE}/{SHOW_ID}/{SLUG}/oembed.json"
    data = json.loads(pages[f"{SHOW_ID}/{SLUG}/oembed.json"])
    assert {k: data[k] for k in ("version", "type", "title", "provider_name", "author_name")} == {
        "version": "1.0", "type": "video", "title": "Nye arbeidsmåter for fremtidens løsninger",
        "provider_name": "Seminaropptak", "author_name": "Direktoratet for forvaltning og IKT"}
    assert (data["width"], data["height"]) == (EMBED_WIDTH, 360 + 48)  # 320x180 video, and the link under it
    assert data["thumbnail_url"] == f"{BASE}/{SHOW_ID}/{SLUG}/poster.jpg"
    assert (data["thumbnail_width"], data["thumbnail_height"]) == (320, 180)
    [iframe] = Tags(data["html"]).find("iframe")
    assert iframe["src"] == f"{BASE}/{SHOW_ID}/{SLUG}/embed.html"
    assert (iframe["width"], iframe["height"]) == (str(data["width"]), str(data["height"]))
    # The embed page points back at the seminar's page.
    embed = Tags(pages[f"{SHOW_ID}/{SLUG}/embed.html"].decode())
    assert embed.find("link", rel="canonical")[0]["href"] == f"{BASE}/{SHOW_ID}/{SLUG}/"
    assert embed.find("a", href="./", target="_top")
    # The page shows the code to copy: the same iframe, as text.
    assert page.textareas == [data["html"]]


def test_the_embed_page_is_only_the_player_with_captions_and_poster():
    text = rendered()[f"{SHOW_ID}/{SLUG}/embed.html"].decode()
    tags = Tags(text)
    assert '<html lang="nb">' in text
    [video] = tags.find("video")
    assert video["poster"] == "poster.jpg" and "controls" in video
    assert tags.find("track", kind="captions", src="captions.vtt")
    assert not tags.find("script") and not tags.find("nav") and not tags.find("header")
    assert all(not a.get("src", "").startswith("http") for _, a in tags.tags)  # nothing from elsewhere
    assert "script-src 'none'" in tags.find("meta", **{"http-equiv": "Content-Security-Policy"})[0]["content"]


def test_a_producers_title_is_text_in_the_embed_page_the_code_and_the_oembed():
    [ep] = [replace(s, title=HOSTILE) for s in sample_seminars() if s.slug == SLUG]
    pages = rendered([ep])
    for key in ("embed.html", "index.html"):
        text = pages[f"{SHOW_ID}/{SLUG}/{key}"].decode()
        assert "<script>alert" not in text, key
    code = json.loads(pages[f"{SHOW_ID}/{SLUG}/oembed.json"])["html"]
    [iframe] = Tags(code).find("iframe")
    assert iframe["title"] == HOSTILE  # an attribute's value, never markup
    assert "<script>" not in code


def test_chapters_are_a_track_and_links_that_start_the_video_there():
    [ep] = [s for s in sample_seminars() if s.slug == SLUG]
    folder = f"{SHOW_ID}/{SLUG}"
    ep = replace(ep, chapters=(Chapter(0.0, "Velkommen"), Chapter(93.4, "Nye arbeidsmåter")),
                 renditions={**ep.renditions, "chapters-vtt": media(f"{folder}/kapitler.vtt", 120, "text/vtt")})
    pages = rendered([ep])
    for key in ("index.html", "embed.html"):
        assert Tags(pages[f"{folder}/{key}"].decode()).find("track", kind="chapters", src="kapitler.vtt"), key
    page = pages[f"{folder}/index.html"].decode()
    links = re.findall(r'<a class="at" href="([^"]+)">.*?</a> ([^<]+)</li>', page)
    assert links == [(f"{SLUG}.mp4#t=0", "Velkommen"), (f"{SLUG}.mp4#t=93", "Nye arbeidsmåter")]


def test_a_retracted_seminar_has_no_oembed_and_its_embed_page_says_so():
    ep = make_seminar(SLUG, "Borte", sample_seminars()[0].date, retracted=True)
    pages = rendered([ep])
    assert f"{SHOW_ID}/{SLUG}/oembed.json" not in pages
    text = pages[f"{SHOW_ID}/{SLUG}/embed.html"].decode()
    assert "trukket tilbake" in text and "<video" not in text


def test_only_embed_pages_may_be_framed_by_other_sites():
    assert frame_ancestors_for(f"{SHOW_ID}/{SLUG}/embed.html") == "*"
    assert frame_ancestors_for(f"{SHOW_ID}/{SLUG}/index.html") == "'self'"
    assert frame_ancestors_for(f"{SHOW_ID}/index.html") == "'self'"
    assert frame_ancestors_for(f"{SHOW_ID}/{SLUG}/{SLUG}.mp4") is None
    assert framing("x/embed.html", {}) == {"Content-Security-Policy": "frame-ancestors *"}
    assert framing("x/index.html", {FRAME_ANCESTORS: "'none'"}) == {"Content-Security-Policy": "frame-ancestors 'none'"}
    assert framing("x/a.mp4", {}) == {}


def test_the_store_keeps_the_framing_and_publish_serve_sends_it(tmp_path):
    store = LocalStorage(tmp_path / "public")
    for key in (f"{SHOW_ID}/{SLUG}/embed.html", f"{SHOW_ID}/{SLUG}/index.html"):
        assert write_if_changed(store, key, b"<!doctype html><title>x</title>")
    # A page written before the store kept the framing gets it on the next write, bytes unchanged.
    key = f"{SHOW_ID}/old/index.html"
    store.put_bytes(key, b"old", content_type="text/html; charset=utf-8", cache_control="", metadata={})
    assert write_if_changed(store, key, b"old") and not write_if_changed(store, key, b"old")
    assert store.head(key).metadata[FRAME_ANCESTORS] == "'self'"
    server = make_server(store.root, port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        headers = {name: urllib.request.urlopen(f"{base}/{SHOW_ID}/{SLUG}/{name}").headers["Content-Security-Policy"]
                   for name in ("embed.html", "")}
    finally:
        server.shutdown()
        server.server_close()
    assert headers == {"embed.html": "frame-ancestors *", "": "frame-ancestors 'self'"}
