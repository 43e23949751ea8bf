"""A seminar's phone rendition: at most 480 lines, H.264 Main with the main MP4's AAC, ``+faststart``; offered on
the page («lav kvalitet», with its size) and in the feed (``podcast:alternateEnclosure``); reused by recipe; made
only when the main MP4 is large enough for it to be worth it (``video.phone_worth_making``).

One 720p recording of 6 s with a busy picture (so its bitrate is a camera's, not a slide's) is published twice;
a 320x180 one once; the 720p one's phone file is played in Chromium from a page of another loopback origin.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from lxml import etree

from conftest import ffmpeg, run_publish
from media_fixtures import NS, Served, new_project
from pipeline.media.probe import probe
from pipeline.media.video import PHONE_HEIGHT, phone_ceiling_bps, phone_worth_making
from pipeline.checks.targets import pages_targets, targets
from pipeline.model.config import load_site
from pipeline.store import open_storage
from pipeline.store.http import make_server
from test_archive_browser import ARTIFACTS, BROWSER, _missing
from test_embed_browser import host_page
from tools.samples import speak

TITLE = "Kameraopptak fra frokostmøtet"
SMALL_TITLE = "Et lite opptak"


def make_recordings(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    speech = speak("Velkommen til frokostmøtet. I dag snakker vi om mobilvennlige opptak.", folder / "speech.wav")
    sound = ["-i", str(speech), "-af", "apad", "-t", "6", "-c:a", "aac", "-ac", "2", "-shortest"]
    out = {"large": folder / "kamera-720p.mp4", "small": folder / "lite-180p.mp4"}
    # noise on testsrc2: a picture that costs bits, as a camera's does
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25:duration=6,noise=alls=20:allf=t", *sound,
           "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "4M", "-pix_fmt", "yuv420p", str(out["large"]))
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=6", *sound,
           "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(out["small"]))
    return out


def seminar(source: Path, title: str) -> list[str]:
    return ["seminar", str(source), "--title", title, "--date", "2024-03-01", "--time", "09:00-10:00", "--json"]


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """The project (its store served at its base URL, as ``publish serve`` serves it), and what each run
    printed: the 720p seminar twice (with chapters), the small one once."""
    base = tmp_path_factory.mktemp("phone")
    media = make_recordings(base / "src")
    (base / "project" / "public").mkdir(parents=True)
    server = Served(make_server(base / "project" / "public", "127.0.0.1", 0))
    project = new_project(base / "project", base_url=server.url)
    chapters = base / "src" / "kapitler.txt"
    chapters.write_text("00:00:00 Velkommen\n00:00:03 Mobilvennlige opptak\n", encoding="utf-8")
    large = [*seminar(media["large"], TITLE), "--chapters", str(chapters)]
    first = run_publish(project, *large[:-3], *large[-2:])  # without --json: as a producer sees it
    assert first.returncode == 0, first.stderr
    runs = {"first_stderr": first.stderr, "first_stdout": first.stdout}
    for name, args in (("second", large), ("small", seminar(media["small"], SMALL_TITLE))):
        proc = run_publish(project, *args)
        assert proc.returncode == 0, proc.stderr
        runs[name] = json.loads(proc.stdout)
    runs["first"] = runs["second"]  # the same renditions (test_a_republish_reuses_it...)
    yield project, runs
    server.close()


def stored(project: Path, url: str) -> Path:
    return project / "public" / url.split("/", 3)[3]


def test_the_phone_rendition_is_480_lines_h264_with_the_main_sound_and_faststart(published):
    project, runs = published
    phone, main = runs["first"]["renditions"]["phone"], runs["first"]["media"]
    path = stored(project, phone["url"])
    assert path.name.startswith("kameraopptak-fra-frokostmotet-mobil-") and path.parent == stored(
        project, main["url"]).parent
    got = probe(path)
    assert got.video.height == PHONE_HEIGHT and got.video.width == 854, got.video
    assert got.video.codec == "h264" and got.video.pix_fmt == "yuv420p" and got.video.profile == "Main"
    assert got.audio is not None and got.audio.codec == "aac"
    data = path.read_bytes()
    assert data.find(b"moov") < data.find(b"mdat"), "not faststart: the index is after the media"
    assert abs(got.duration - main["duration"]) < 0.2
    assert phone["type"] == "video/mp4" and phone["bytes"] == path.stat().st_size


def test_it_is_far_smaller_than_the_main_file_and_within_its_ceiling(published):
    project, runs = published
    phone, main = runs["first"]["renditions"]["phone"], runs["first"]["media"]
    assert phone["bytes"] * 2 <= main["bytes"], (phone["bytes"], main["bytes"])
    assert phone["bytes"] * 8 / main["duration"] <= phone_ceiling_bps() * 1.1


def test_the_page_offers_it_as_lav_kvalitet_with_its_size_and_the_feed_as_an_alternate_enclosure(published):
    project, runs = published
    phone = runs["first"]["renditions"]["phone"]
    page = (project / "public" / "seminarer" / "kameraopptak-fra-frokostmotet" / "index.html").read_text()
    name = phone["url"].rsplit("/", 1)[1]
    assert f'href="{name}" download>Last ned video i lav kvalitet (MP4, ' in page
    feed = etree.fromstring((project / "public" / "seminarer" / "feed.xml").read_bytes())
    [alt] = [a for a in feed.iterfind(".//podcast:alternateEnclosure", NS) if a.get("title") == "Lav kvalitet"]
    assert alt.get("type") == "video/mp4" and alt.get("length") == str(phone["bytes"])
    assert alt.get("height") == str(PHONE_HEIGHT)
    assert alt.find("podcast:source", NS).get("uri") == phone["url"]


def test_a_republish_reuses_it_and_uploads_nothing(published):
    project, runs = published
    assert "phone" in runs["second"]["reused"] and runs["second"]["uploaded"] == []
    assert runs["second"]["renditions"]["phone"]["url"] in runs["first_stdout"]


def test_progress_is_shown_while_it_is_made(published):
    _, runs = published
    stages = runs["first_stderr"]
    assert "phone rendition (480 lines): encoding beside the MP4" in stages, stages
    assert "phone rendition (480 lines): finishing" in stages
    assert "phone:" in runs["first_stdout"] and "lav kvalitet" not in runs["first_stdout"]


def test_a_recording_already_small_gets_none(published):
    project, runs = published
    assert "phone" not in runs["small"]["renditions"]
    page = (project / "public" / "seminarer" / "et-lite-opptak" / "index.html").read_text()
    assert "lav kvalitet" not in page


@pytest.mark.parametrize("height, kbps, worth", [
    (720, 2000, True),  # a camera's 720p: the phone file is at most a third of it
    (720, 1000, False),  # less than twice the phone file's ceiling: not worth a second file
    (1080, 400, False),  # slides at CRF 23: already small enough
    (480, 5000, False),  # no fewer lines to make
    (None, 5000, False),
])
def test_worth_making_only_when_it_at_least_halves_the_download(height, kbps, worth):
    assert phone_worth_making(height, kbps * 1000 // 8 * 60, 60.0) is worth


@pytest.mark.browser
@pytest.mark.skipif(bool(_missing()), reason=str(_missing()))
def test_it_plays_in_chromium(published):
    project, runs = published
    phone = runs["first"]["renditions"]["phone"]
    host = host_page(f'<!doctype html><html lang="nb"><title>Mobil</title><main><h1>Mobil</h1>'
                     f'<video controls preload="auto" src="{phone["url"]}"></video></main></html>'.encode())
    try:
        proc = subprocess.run(["node", str(BROWSER / "audit.mjs"), "--out", str(ARTIFACTS / "phone"), "--width",
                               "400", "--height", "800", f"http://127.0.0.1:{host.server_address[1]}/"],
                              capture_output=True, text=True, timeout=120)
    finally:
        host.shutdown()
        host.server_close()
    assert proc.returncode == 0, proc.stderr
    [page] = json.loads(proc.stdout)["pages"]
    [video] = page["media"]
    assert video["error"] is None and video["readyState"] >= 1, video  # decoded: a codec it lacks is error 4
    assert (video["width"], video["height"]) == (854, PHONE_HEIGHT), video
    assert abs(video["duration"] - phone_duration(project, phone)) < 0.2, video
    assert page["httpErrors"] == [], page["httpErrors"]


def phone_duration(project: Path, phone: dict) -> float:
    return probe(stored(project, phone["url"])).duration


def test_check_online_fetches_what_the_page_names_the_phone_file_among_them(published):
    project, runs = published
    phone = runs["first"]["renditions"]["phone"]
    site = load_site(project)
    storage = open_storage(site.storage, site.root)
    feed = storage.get("seminarer/feed.xml")[0]
    found = pages_targets(feed, lambda url: storage.get(url.split("/", 3)[3] + ("index.html" if url.endswith("/")
                                                                                  else ""))[0])
    page = f"{site.base_url}/seminarer/kameraopptak-fra-frokostmotet/"
    kinds = {(t.kind, t.url) for t in found}
    assert {("page", page), ("embed-page", page + "embed.html"), ("oembed", page + "oembed.json"),
            ("download", phone["url"])} <= kinds, kinds
    assert ("track", runs["first"]["renditions"]["chapters-vtt"]["url"]) in kinds
    assert ("alternate-enclosure", phone["url"]) in {(t.kind, t.url) for t in targets(feed)}
    proc = run_publish(project, "check", "--online")
    assert proc.returncode == 0, proc.stderr
    assert "no violations (offline and online)" in proc.stdout

    path = stored(project, phone["url"])
    kept = path.read_bytes()
    embed = project / "public" / "seminarer" / "kameraopptak-fra-frokostmotet" / "embed.html"
    embed_page = embed.read_bytes()
    try:
        path.unlink()
        embed.unlink()
        proc = run_publish(project, "check", "--online", "--json")
    finally:
        path.write_bytes(kept)
        embed.write_bytes(embed_page)
    assert proc.returncode == 6
    found = {(v["rule"], v["message"].split()[0]) for v in json.loads(proc.stdout)[0]["violations"]}
    # the phone file is named by the feed first (then by the page's downloads): one violation each way
    assert {("missing-object", "embed-page"), ("http-head", "embed-page"), ("missing-object", "alternate-enclosure"),
            ("http-head", "alternate-enclosure")} <= found, found
