"""`publish check`: one test per violation it must catch, the online part against real HTTP servers,
and `publish episode` / `publish feed` refusing a feed that fails (the old feed stays)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from functools import partial

import pytest
from lxml import etree

from conftest import run_publish
from media_fixtures import (NS, Served, artwork, cover_bytes, episode, feed_bytes, media, new_project,
                            publish, site_and_show, tones)  # noqa: F401 (tones is a fixture)
from pipeline.checks.feed import APPLE_CATEGORIES, check_feed, valid_language
from pipeline.checks.online import check_online
from pipeline.checks.store import check_published
from pipeline.model.config import load_show, load_site
from pipeline.model.errors import FeedCheckError, InputError
from pipeline.render.feed import render_feed
from pipeline.store.http import make_server
from pipeline.store import open_storage

TODAY = dt.date(2024, 3, 1)


@pytest.fixture(scope="module")
def site_show():
    return site_and_show()


def render(site, show, episodes, *, art=None, today=TODAY) -> bytes:
    return render_feed(show, site, episodes, artwork=art or artwork(site), today=today)


def rules(violations) -> set[str]:
    return {v.rule for v in violations}


@pytest.fixture(scope="module")
def good(site_show):
    """A feed that passes, and the artwork bytes its image URLs name."""
    site, show = site_show
    eps = [episode(site, 1, image=media(site, "endringspodden/2024/episode-1-cover.png", "image/png")),
           episode(site, 2, date=dt.date(2024, 1, 15))]
    images = {artwork(site).url: cover_bytes(), eps[0].image.url: cover_bytes(3000, fmt="PNG")}
    return render(site, show, eps), images


def test_a_good_feed_has_no_violations(good):
    data, images = good
    assert check_feed(data, images=images, today=TODAY) == []


# --- the list from the issue: one test each ------------------------------------------------------------

def test_duplicated_guid(site_show):
    site, show = site_show
    twin = "11111111-2222-4333-8444-555555555555"
    data = render(site, show, [episode(site, 1, guid=twin), episode(site, 2, guid=twin)])
    found = check_feed(data, today=TODAY)
    assert rules(found) == {"guid-unique"}
    [v] = found
    assert v.where.startswith("«Episode") and twin in v.message


def test_enclosure_length_off_by_one_byte(published):
    """The feed says one byte more than the object holds: caught offline against the store, and online
    against Content-Length and Content-Range."""
    project, server, out = published
    site = load_site(project)
    storage = open_storage(site.storage, site.root)
    original = feed_bytes(project)
    length = out.episode.media.bytes
    tampered = original.replace(f'length="{length}"'.encode(), f'length="{length + 1}"'.encode())
    assert tampered != original
    try:
        (project / "public" / "endringspodden" / "feed.xml").write_bytes(tampered)
        found = check_published(site, load_show(site, "endringspodden"), storage, online=True, today=TODAY)
    finally:
        (project / "public" / "endringspodden" / "feed.xml").write_bytes(original)
    offline = [v for v in found if v.rule == "enclosure-length" and "store holds" in v.message]
    online = [v for v in found if v.rule == "enclosure-length" and "Content-Length" in v.message]
    assert offline and online, found
    assert all(v.where == f"«Tone med alt» ({out.episode.guid[:8]})" for v in offline + online)
    assert rules(found) == {"enclosure-length", "range"}  # Content-Range names the real size too


def test_store_that_answers_range_with_200(published):
    """The same files served by a server that ignores Range (http.server's own handler): every object fails."""
    project, server, out = published
    plain = Served(ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(project / "public"))))
    try:
        data = feed_bytes(project).replace(server.url.encode(), plain.url.encode())
        found = [v for v in check_online(data) if v.rule == "range"]
    finally:
        plain.close()
    kinds = {v.message.split()[0] for v in found}
    assert {"enclosure", "artwork", "transcript", "chapters"} <= kinds, found
    assert all("answered 200, not 206" in v.message for v in found)


def test_cmyk_cover(site_show, good):
    data, images = good
    art = artwork(site_show[0]).url
    found = check_feed(data, images={**images, art: cover_bytes(mode="CMYK")}, today=TODAY)
    assert rules(found) == {"artwork"} and "CMYK" in found[0].message and found[0].where == "channel"


def test_1200_px_cover(site_show, good):
    data, images = good
    art = artwork(site_show[0]).url
    found = check_feed(data, images={**images, art: cover_bytes(1200)}, today=TODAY)
    assert rules(found) == {"artwork"} and "1200x1200" in found[0].message


def test_png_named_jpg(site_show, good):
    data, images = good
    art = artwork(site_show[0]).url
    assert art.endswith(".jpg")
    found = check_feed(data, images={**images, art: cover_bytes(fmt="PNG")}, today=TODAY)
    assert rules(found) == {"artwork"} and "a PNG file named .jpg" in found[0].message


def test_invalid_language_code(site_show):
    site, show = site_show
    # 'zz' has the shape of a code (the config accepts it) but is no language.
    data = render(site, dataclasses.replace(show, language="zz"), [episode(site, 1)])
    found = check_feed(data, today=TODAY)
    assert rules(found) == {"language"} and "'zz'" in found[0].message
    assert valid_language("no") and valid_language("nb") and valid_language("nn") and valid_language("en-US")
    assert valid_language("se") and valid_language("smj")  # Northern and Lule Sámi
    assert not valid_language("norsk") and not valid_language("xx")


def test_missing_owner_email(site_show):
    site, show = site_show
    data = render(site, dataclasses.replace(show, owner_email=""), [episode(site, 1)])
    found = check_feed(data, today=TODAY)
    assert rules(found) == {"owner-email"} and found[0].where == "channel"


def test_future_dated_episode_in_the_feed(site_show):
    site, show = site_show
    tomorrow = TODAY + dt.timedelta(days=1)
    # Rendered as if it were already that day, then checked today.
    data = render(site, show, [episode(site, 1), episode(site, 2, date=tomorrow)], today=tomorrow)
    found = check_feed(data, today=TODAY)
    assert rules(found) == {"future"}
    assert found[0].where.startswith("«Episode 2»") and tomorrow.isoformat() in found[0].message
    assert check_feed(data, today=tomorrow) == []


# --- more rules, on hand-made mutations of a good feed ---------------------------------------------------

def mutate(data: bytes, change) -> bytes:
    root = etree.fromstring(data)
    change(root.find("channel"))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _set(path: str, text: str):
    def change(ch):
        ch.find(path, NS).text = text
    return change


def _attr(path: str, name: str, value: str):
    def change(ch):
        ch.find(path, NS).set(name, value)
    return change


def _drop(path: str):
    def change(ch):
        el = ch.find(path, NS)
        el.getparent().remove(el)
    return change


def _unsafe_notes(ch):
    ch.find("item/content:encoded", NS).text = '<p onclick="x()">Hei</p><script>alert(1)</script>'


def _same_enclosure(ch):
    first, second = ch.findall("item")[:2]
    second.find("enclosure").set("url", first.find("enclosure").get("url"))


MUTATIONS = {
    "explicit yes": (_set("itunes:explicit", "yes"), "explicit"),
    "category not Apple's": (_attr("itunes:category", "text", "Offentlig forvaltning"), "category"),
    "no itunes:image": (_drop("itunes:image"), "required"),
    "no language": (_drop("language"), "required"),
    "owner e-mail not an address": (_set("itunes:owner/itunes:email", "postmottak"), "owner-email"),
    "duplicate enclosure URL": (_same_enclosure, "enclosure-unique"),
    "enclosure type wrong": (_attr("item/enclosure", "type", "audio/x-m4a"), "enclosure"),
    "enclosure without length": (_attr("item/enclosure", "length", "0"), "enclosure"),
    "item without guid": (_drop("item/guid"), "required"),
    "description over 4000 bytes": (_set("item/description", "ø" * 2001), "description-length"),
    "script in show notes": (_unsafe_notes, "content-html"),
    "podcast:guid not a UUIDv5": (_set("podcast:guid", "4c6e8b2e-1d0a-4c3f-9a57-6c1f0e2b9d11"), "podcast-guid"),
    "podcast:locked maybe": (_set("podcast:locked", "maybe"), "podcast-locked"),
    "podcast:medium unknown": (_set("podcast:medium", "radio"), "podcast-medium"),
    "person role unknown": (_attr("item/podcast:person", "role", "sjef"), "podcast-person"),
    "transcript type wrong": (_attr("item/podcast:transcript", "type", "text/html"), "podcast-transcript"),
    "podcast:season not a number": (_set("item/podcast:season", "to"), "podcast-season"),
    "itunes:episodeType unknown": (_set("item/itunes:episodeType", "teaser"), "episode-type"),
    "new-feed-url is this feed": (lambda ch: ch.append(_new_feed_url(ch)), "new-feed-url"),
}


def _new_feed_url(ch):
    el = etree.Element(f"{{{NS['itunes']}}}new-feed-url")
    el.text = ch.find("atom:link", NS).get("href")
    return el


@pytest.mark.parametrize("case", MUTATIONS, ids=list(MUTATIONS))
def test_rule(case, good):
    data, images = good
    change, rule = MUTATIONS[case]
    assert rules(check_feed(mutate(data, change), images=images, today=TODAY)) == {rule}


def test_not_xml_is_one_violation():
    [v] = check_feed(b"<rss><channel>", today=TODAY)
    assert v.rule == "xml"


def test_apple_category_list_has_government():
    assert "Government" in APPLE_CATEGORIES and "Management" in APPLE_CATEGORIES["Business"]


# --- against a real store and a real server ---------------------------------------------------------------

class QuietHandler(SimpleHTTPRequestHandler):
    """http.server's own file handler: answers every GET with 200 and the whole file, ignoring Range."""

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def published(tmp_path_factory, tones):
    """One episode with transcript, chapters and an episode image, published into a store served by
    ``pipeline.store.http`` (byte ranges answered with 206) at the feed's own base URL."""
    tmp = tmp_path_factory.mktemp("checked")
    (tmp / "public").mkdir()
    server = Served(make_server(tmp / "public", "127.0.0.1", 0))
    project = new_project(tmp, base_url=server.url)
    vtt = tmp / "tekst.vtt"
    vtt.write_text("WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n<v Kari>Hei og velkommen.\n")
    chapters = tmp / "kapitler.txt"
    chapters.write_text("00:00 Start\n00:02 Slutt\n")
    cover = tmp / "episode.png"
    cover.write_bytes(cover_bytes(1500, fmt="PNG"))
    out = publish(project, tones["a"], "Tone med alt", date=dt.date(2024, 2, 1), transcripts=(vtt,),
                  chapters_file=chapters, image=cover, season=1, number=1)
    yield project, server, out
    server.close()


def test_published_feed_passes_offline_and_online(published):
    project, server, _ = published
    site = load_site(project)
    found = check_published(site, load_show(site, "endringspodden"), open_storage(site.storage, site.root),
                            online=True, today=TODAY)
    assert found == []


def test_cli_check_passes_and_lists_each_violation(published):
    project, server, out = published
    proc = run_publish(project, "check", "--online")
    assert proc.returncode == 0, proc.stderr
    assert "endringspodden: no violations (offline and online)" in proc.stdout
    original = feed_bytes(project)
    length = out.episode.media.bytes
    bad = original.replace(f'length="{length}"'.encode(), f'length="{length - 1}"'.encode())
    bad = bad.replace(b"<language>no</language>", b"<language>zz</language>")
    try:
        (project / "public" / "endringspodden" / "feed.xml").write_bytes(bad)
        proc = run_publish(project, "check")
        as_json = run_publish(project, "check", "--json")
    finally:
        (project / "public" / "endringspodden" / "feed.xml").write_bytes(original)
    assert proc.returncode == 6, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert "Traceback" not in proc.stderr
    assert any(line.startswith("error: endringspodden: channel: language:") for line in lines), lines
    assert any(f"«Tone med alt» ({out.episode.guid[:8]}): enclosure-length:" in line for line in lines), lines
    assert lines[-1] == "error: 2 violation(s)"
    report = json.loads(as_json.stdout)
    assert as_json.returncode == 6
    assert {v["rule"] for v in report[0]["violations"]} == {"language", "enclosure-length"}


def test_feed_failing_the_check_is_refused_and_the_old_feed_stays(published):
    """`publish feed` with a CMYK cover for the show: refused with every violation, the feed unchanged."""
    project, _, _ = published
    before = feed_bytes(project)
    art = project / "feeds" / "endringspodden.jpg"
    original = art.read_bytes()
    try:
        art.write_bytes(cover_bytes(1400, mode="CMYK"))
        proc = run_publish(project, "feed", "--show", "endringspodden")
    finally:
        art.write_bytes(original)
    assert proc.returncode == 6
    assert "error: endringspodden/feed.xml: channel: artwork:" in proc.stderr and "CMYK" in proc.stderr
    assert "endringspodden/feed.xml was not written" in proc.stderr
    assert feed_bytes(project) == before


def test_publish_episode_refuses_before_uploading(published, tones):
    """A show whose language no app knows: the episode is refused before anything is uploaded."""
    project, _, _ = published
    from conftest import snapshot

    toml = project / "feeds" / "endringspodden.toml"
    original = toml.read_text()
    store, records = snapshot(project / "public"), snapshot(project / "episodes")
    try:
        toml.write_text(original.replace('language = "no"', 'language = "zz"'))
        with pytest.raises(FeedCheckError) as err:
            publish(project, tones["b"], "Aldri publisert", date=dt.date(2024, 2, 2))
    finally:
        toml.write_text(original)
    assert any("language" in v for v in err.value.violations)
    assert snapshot(project / "public") == store and snapshot(project / "episodes") == records


def test_bad_transcript_is_refused(published, tones, tmp_path):
    project, _, _ = published
    bad = tmp_path / "tekst.vtt"
    bad.write_text("Hei og velkommen\n")
    with pytest.raises(InputError, match="WEBVTT"):
        publish(project, tones["b"], "Med feil tekst", transcripts=(bad,))
    docx = tmp_path / "tekst.docx"
    docx.write_bytes(b"PK")
    with pytest.raises(InputError, match=r"\.docx"):
        publish(project, tones["b"], "Med feil tekst", transcripts=(docx,))


def test_check_of_a_store_without_feed(tmp_path):
    project = new_project(tmp_path)
    proc = run_publish(project, "check")
    assert proc.returncode == 0 and "No feed published yet." in proc.stdout
    proc = run_publish(project, "check", "--show", "endringspodden")
    assert proc.returncode == 6 and "no feed at endringspodden/feed.xml" in proc.stderr
