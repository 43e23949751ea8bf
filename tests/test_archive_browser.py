"""The archive pages in a real browser: served by ``pipeline.store.http`` with real media, audited by axe-core in chromium.

Needs /usr/bin/chromium, ffmpeg and tests/browser/node_modules (``scripts/install-browser`` installs them).
Screenshots go to tests/artifacts/browser/. With ``SCREENSHOTS=update`` the seminar page's screenshot is
also copied (kept under 300 KB) to tests/screenshots/seminar-page.png, the picture the README shows.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from pipeline.render.pages import render_archive
from pipeline.media.runner import ffmpeg_args, run
from pipeline.store.http import make_server
from pipeline.store import cache_control_for, content_type_for
from pipeline.store.local import LocalStorage
from test_archive import make_show, make_site, sample_seminars

pytestmark = pytest.mark.browser

TESTS = Path(__file__).parent
BROWSER = TESTS / "browser"
ARTIFACTS = TESTS / "artifacts" / "browser"
README_SHOT = TESTS / "screenshots" / "seminar-page.png"
CHROMIUM = Path("/usr/bin/chromium")
SEMINAR = "nye-arbeidsmater"  # the one with captions, audio and two slide decks

VTT = """WEBVTT

00:00:00.000 --> 00:00:01.500
Velkommen til frokostseminar hos Difi.

00:00:01.500 --> 00:00:03.000
I dag forteller Ruter# om nye arbeidsmåter – og hvorfor.
"""


def _missing() -> str | None:
    if not CHROMIUM.is_file():
        return f"{CHROMIUM} is missing (run scripts/install-browser)"
    for package in ("playwright-core", "axe-core"):
        if not (BROWSER / "node_modules" / package).is_dir():
            return f"tests/browser/node_modules/{package} is missing (run scripts/install-browser)"
    for tool in ("node", "ffmpeg"):
        if not shutil.which(tool):
            return f"{tool} is not on PATH"
    return None


if reason := _missing():
    pytestmark = [pytest.mark.browser, pytest.mark.skip(reason=reason)]


# --- fixtures: media, store, server ------------------------------------------------------------

def make_media(folder: Path) -> dict[str, Path]:
    """A 3-second 320x180 H.264/AAC MP4, its poster, an MP3, Norwegian captions and a one-page PDF."""
    folder.mkdir(parents=True, exist_ok=True)
    video, poster, audio = folder / "video.mp4", folder / "poster.jpg", folder / "audio.mp3"
    run(ffmpeg_args("-f", "lavfi", "-i", "testsrc=size=320x180:rate=25:duration=3",
                    "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=3",
                    "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k",
                    "-shortest", "-movflags", "+faststart", str(video)))
    run(ffmpeg_args("-ss", "1", "-i", str(video), "-frames:v", "1", "-q:v", "3", str(poster)))
    run(ffmpeg_args("-i", str(video), "-vn", "-c:a", "libmp3lame", "-b:a", "64k", str(audio)))
    captions = folder / "captions.vtt"
    captions.write_text(VTT, encoding="utf-8")
    slides = folder / "slides.pdf"
    from PIL import Image, ImageDraw, ImageFont

    sheet = Image.new("RGB", (842, 595), "white")
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default(size=36)
    draw.text((60, 80), "Nye arbeidsmåter for fremtidens løsninger", fill="black", font=font)
    draw.text((60, 160), "Beth Stensen og Marius Røstad, Ruter#", fill="black", font=font)
    sheet.save(slides, "PDF", resolution=72)
    return {"video": video, "poster": poster, "audio": audio, "captions": captions, "slides": slides}


@pytest.fixture(scope="module")
def site_root(tmp_path_factory):
    """A store with the sample seminars' media and pages, served over HTTP. Yields the base URL and the pages."""
    tmp = tmp_path_factory.mktemp("archive")
    files = make_media(tmp / "src")
    store = LocalStorage(tmp / "public")
    store.root.mkdir(parents=True)
    server = make_server(store.root, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        sizes = {"video": files["video"].stat().st_size, "audio": files["audio"].stat().st_size,
                 "poster": files["poster"].stat().st_size, "captions": files["captions"].stat().st_size,
                 "slides": files["slides"].stat().st_size}
        seminars = sample_seminars(base_url=base, sizes=sizes)
        for ep in seminars:
            for role, media in [("video", ep.media), *ep.renditions.items()]:
                source = files[role.split("-")[0]]
                store.put_file(media.key, source, content_type=content_type_for(media.key),
                               cache_control=cache_control_for(media.key))
        pages = render_archive(make_show(), make_site(base), seminars)
        pages |= render_archive(make_show(id="tomt"), make_site(base), [])  # an archive with nothing in it yet
        for key, data in pages.items():
            store.put_bytes(key, data, content_type=content_type_for(key), cache_control=cache_control_for(key))
        yield base, pages
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def report(site_root):
    base, _ = site_root
    urls = [f"{base}/seminarer/", f"{base}/seminarer/{SEMINAR}/", f"{base}/tomt/"]
    proc = subprocess.run(["node", str(BROWSER / "audit.mjs"), "--out", str(ARTIFACTS), "--width", "1000", *urls],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    (ARTIFACTS / "report.json").write_text(proc.stdout, encoding="utf-8")
    return {page["url"]: page for page in data["pages"]}


def _page(report: dict, suffix: str) -> dict:
    return next(page for url, page in report.items() if url.endswith(suffix))


# --- tests -------------------------------------------------------------------------------------

def test_pages_have_no_axe_violations(report):
    for url, page in report.items():
        assert page["status"] == 200, url
        problems = [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
                    for v in page["axe"]["violations"]]
        assert problems == [], f"{url}:\n" + "\n".join(problems)
        assert page["axe"]["passes"] > 10, url  # axe really ran


def test_pages_load_nothing_from_elsewhere_and_nothing_fails(report):
    for url, page in report.items():
        assert page["offsiteRequests"] == [], url
        assert page["httpErrors"] == [], url
        assert page["consoleErrors"] == [], url


def test_video_loads_metadata_and_captions(report):
    page = _page(report, f"/{SEMINAR}/")
    assert page["h1"] == ["Nye arbeidsmåter for fremtidens løsninger"]
    [video] = page["media"]
    assert video["error"] is None
    assert video["readyState"] >= 1 and video["duration"] is not None and 2.5 < video["duration"] < 3.5, video
    assert (video["width"], video["height"]) == (320, 180)
    [track] = video["tracks"]
    assert track["kind"] == "captions" and track["srclang"] == "nb" and track["mode"] == "showing"
    assert track["readyState"] == 2, track  # LOADED (3 would be ERROR)
    assert track["cues"] == 2 and track["firstCue"] == "Velkommen til frokostseminar hos Difi."
    assert _page(report, "/seminarer/")["media"] == []


def test_empty_archive_says_so(report):
    page = _page(report, "/tomt/")
    assert page["h1"] == ["Seminaropptak"] and page["media"] == []


def test_first_tab_shows_the_skip_link_with_a_focus_ring(report):
    for url, page in report.items():
        kb = page["keyboard"]
        assert (kb["tag"], kb["href"], kb["text"]) == ("a", "#innhold", "Hopp til hovedinnholdet"), url
        assert kb["visible"] and kb["outline"], (url, kb)


SIZE = re.compile(r"\(([A-Z0-9]+), ([\d\u00a0]+(?:,\d)?)\u00a0(MB|kB)\)")


def test_every_download_answers_with_the_size_the_page_states(site_root):
    base, _ = site_root
    page_url = f"{base}/seminarer/{SEMINAR}/"
    with urllib.request.urlopen(page_url) as r:
        html_text = r.read().decode()
    links = re.findall(r'<a href="([^"]+)" download>([^<]+)</a>', html_text)
    assert [text.split(" (")[0] for _, text in links] == [
        "Last ned video", "Last ned lyd", "Last ned presentasjon 1", "Last ned presentasjon 2"]
    for href, text in links:
        kind, number, unit = SIZE.search(text).groups()
        stated = float(number.replace("\u00a0", "").replace(",", ".")) * (1_000_000 if unit == "MB" else 1000)
        half_step = 50_000 if unit == "MB" else 500
        with urllib.request.urlopen(urllib.parse.urljoin(page_url, href)) as r:
            assert r.status == 200, href
            length = int(r.headers["Content-Length"])
            assert len(r.read()) == length
        assert abs(length - stated) <= half_step or (stated == 1000 and length < 1000), (text, length)
        assert href.upper().endswith(kind), (href, kind)


def test_screenshots_are_taken_and_small(report):
    shot = Path(_page(report, f"/{SEMINAR}/")["screenshot"])
    assert shot.is_file() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from PIL import Image

    with Image.open(shot) as image:
        assert image.width == 1000
        if os.environ.get("SCREENSHOTS") == "update":
            README_SHOT.parent.mkdir(parents=True, exist_ok=True)
            if shot.stat().st_size < 300_000:
                shutil.copyfile(shot, README_SHOT)
            else:  # 256 colours, dithered, keep a full page well under the budget
                image.convert("RGB").quantize(colors=256).save(README_SHOT, optimize=True)
    if README_SHOT.exists():
        assert README_SHOT.stat().st_size < 300_000


def test_rendered_keys_match_the_store(site_root):
    base, pages = site_root
    for key in pages:
        url = f"{base}/{key}"
        with urllib.request.urlopen(url) as r:
            assert r.status == 200 and r.headers["Content-Type"] == content_type_for(key), url
            assert r.read() == pages[key]

