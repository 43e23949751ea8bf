"""The index page of ``publish serve``, from fabricated manifests (no media), and the server's hook for it."""

from __future__ import annotations

import datetime as dt
import shutil
import threading
import urllib.error
import urllib.request
from html.parser import HTMLParser

import pytest

from conftest import ROOT
from pipeline.model.config import load_site
from pipeline.app.overview import index_pages, render_index, sections
from pipeline.model.records import Item, LoudnessStats, Media, manifest_key
from pipeline.store.http import make_server
from pipeline.store import SHORT, open_storage


def media(key: str, type_: str, size: int = 1_234_567, **kw) -> Media:
    return Media(key=key, url=f"http://127.0.0.1:8000/{key}", bytes=size, sha256="0" * 64, type=type_, **kw)


def episode(slug: str, day: dt.date, *, show: str = "endringspodden", picture: bool = True, **kw) -> Item:
    renditions = {"loudness": media(f"{show}/{day.year}/{slug}-loudness-12345678.png", "image/png", 50_000)} if picture else {}
    return Item(show=show, guid=f"guid-{slug}", slug=slug, title=slug.replace("-", " ").capitalize(), date=day,
                   media=media(f"{show}/{day.year}/{slug}-abcdef12.mp3", "audio/mpeg", duration=1860.0),
                   renditions=renditions, loudness_before=LoudnessStats(-24.3, -4.0, 12.5),
                   loudness_after=LoudnessStats(-16.1, -1.6, 5.2), **kw)


@pytest.fixture
def store(tmp_path):
    shutil.copytree(ROOT / "feeds", tmp_path / "feeds")
    site = load_site(tmp_path)
    storage = open_storage(site.storage, site.root)
    items = [episode("forste", dt.date(2024, 1, 5), season=1, number=1),
             episode("andre", dt.date(2024, 2, 9), picture=False),
             episode("trukket", dt.date(2024, 3, 1), retracted=True),
             episode("fra-et-annet-program", dt.date(2024, 4, 1), show="gammelpodden")]
    for ep in items:
        storage.put_bytes(manifest_key(ep.show, ep.guid), ep.manifest_bytes(), content_type="application/json",
                          cache_control=SHORT)
    storage.put_bytes("endringspodden/feed.xml", b"<rss/>", content_type="application/rss+xml", cache_control=SHORT)
    return site, storage


class Page(HTMLParser):
    def __init__(self, text: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def all(self, tag: str) -> list[dict]:
        return [a for t, a in self.tags if t == tag]


def test_every_show_newest_first_without_retracted_items(store):
    site, storage = store
    found = {s.id: s for s in sections(site, storage)}
    assert list(found) == ["endringspodden", "gammelpodden", "seminarer"]  # podcasts first, then seminars
    assert [i.title for i in found["endringspodden"].items] == ["Andre", "Forste"]
    assert found["gammelpodden"].title == "gammelpodden" and found["gammelpodden"].target is None  # no feeds/ config
    assert found["seminarer"].items == () and found["seminarer"].feed_src is None
    assert found["endringspodden"].feed_src == "endringspodden/feed.xml"
    assert found["endringspodden"].items[1].numbering == "sesong 1, episode 1"


def test_players_pictures_and_feeds_as_relative_links(store):
    site, storage = store
    html = render_index(site, storage).decode()
    page = Page(html)
    audio = page.all("audio")
    assert [a["src"] for a in audio] == ["endringspodden/2024/andre-abcdef12.mp3",
                                         "endringspodden/2024/forste-abcdef12.mp3",
                                         "gammelpodden/2024/fra-et-annet-program-abcdef12.mp3"]
    assert all(a["preload"] == "none" and "controls" in a for a in audio)
    imgs = page.all("img")
    assert [i["src"] for i in imgs] == ["endringspodden/2024/forste-loudness-12345678.png",
                                        "gammelpodden/2024/fra-et-annet-program-loudness-12345678.png"]
    assert imgs[0]["alt"] == ("Lydstyrke over tid: før behandling \u221224,3 LUFS (sann topp \u22124,0 dBTP, variasjon "
                              "12,5 LU), etter \u221216,1 LUFS (sann topp \u22121,6 dBTP, variasjon 5,2 LU), "
                              "mål \u221216,0 LUFS og høyst \u22121,0 dBTP.")
    assert "mål" not in imgs[1]["alt"]  # a show without config: no target to state
    hrefs = [a["href"] for a in page.all("a")]
    assert "endringspodden/feed.xml" in hrefs
    assert all(not h.startswith("http") or h == site.website for h in hrefs), hrefs
    assert '<html lang="nb">' in html and "Ingen strøm ennå" in html and "Ingenting publisert ennå." in html
    assert "trukket" not in html.lower()
    assert "<p class=\"store\">Lager: <code>public/</code>" in html


def test_an_empty_store_lists_the_configured_shows(tmp_path):
    shutil.copytree(ROOT / "feeds", tmp_path / "feeds")
    site = load_site(tmp_path)
    html = render_index(site, open_storage(site.storage, site.root)).decode()
    assert html.count("Ingenting publisert ennå.") == 2 and "0 publiseringer" in html


def _get(url: str, method: str = "GET"):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method=method)) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


@pytest.fixture
def server(store):
    site, storage = store
    pages = index_pages(site, storage)
    calls = {"fail": False}

    def fallback(key):
        if calls["fail"]:
            raise ValueError("a broken manifest")
        return pages(key)

    srv = make_server(storage.root, port=0, fallback=fallback)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}", storage, calls
    srv.shutdown()
    srv.server_close()


def test_server_answers_the_root_with_the_index(server):
    base, storage, _ = server
    status, headers, body = _get(f"{base}/")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["Cache-Control"] == "no-store" and b"Alt som er publisert" in body
    status, headers, body = _get(f"{base}/", "HEAD")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) > 1000
    for css in ("style.css", "index.css"):
        status, headers, _ = _get(f"{base}/{css}")
        assert status == 200 and headers["Content-Type"] == "text/css; charset=utf-8"
    assert _get(f"{base}/nothing-here.html")[0] == 404
    # an object of the store always wins over the generated page
    storage.put_bytes("index.html", b"<p>own</p>", content_type="text/html; charset=utf-8", cache_control=SHORT)
    assert _get(f"{base}/")[2] == b"<p>own</p>"


def test_a_failing_index_is_a_500_with_the_reason(server):
    base, _, calls = server
    calls["fail"] = True
    status, _, body = _get(f"{base}/")
    assert status == 500 and b"a broken manifest" in body


def test_store_without_hook_has_no_index(store):
    _, storage = store
    srv = make_server(storage.root, port=0)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        assert _get(f"http://127.0.0.1:{srv.server_address[1]}/")[0] == 404
    finally:
        srv.shutdown()
        srv.server_close()



def test_each_items_downloads_when_stats_has_counted_them(store):
    import json

    from pipeline.app.overview import downloads_text
    from pipeline.app.stats import STATE_KEY

    site, storage = store
    counts = [["guid-forste", "2024-01-06", "Apple Podcasts", "iPhone", "mobile", 1200],
              ["guid-forste", "2024-01-07", "Overcast", "iPhone", "mobile", 34]]
    storage.put_bytes(STATE_KEY, json.dumps({"version": 1, "logs": {}, "counts": counts}).encode(),
                      content_type="application/json", cache_control=SHORT)
    items = {i.title: i for i in next(s for s in sections(site, storage) if s.id == "endringspodden").items}
    assert items["Forste"].downloads == "1\u00a0234\u00a0nedlastinger" and items["Andre"].downloads == "0\u00a0nedlastinger"
    assert "1\u00a0234\u00a0nedlastinger" in render_index(site, storage).decode()
    assert downloads_text(1) == "1\u00a0nedlasting" and downloads_text(None) is None
