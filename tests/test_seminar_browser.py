"""The seminar archive in a real browser, after real `publish seminar` runs.

The project published by test_seminar.published_project (a seminar with captions and slides, and one whose
title and description are full of markup) is served as `publish serve` serves it (``serve.make_server`` on
the project's public/ folder, with the index page as fallback) and audited by tests/browser/audit.mjs:
axe-core's WCAG 2.1 A/AA rules in chromium, the video's metadata and captions track, every download link.
"""

from __future__ import annotations

import html
import re
import threading
import urllib.parse
import urllib.request

import pytest

from pipeline.model.config import load_site
from pipeline.app.overview import index_pages
from pipeline.store.http import make_server
from pipeline.store import open_storage
from test_archive_browser import ARTIFACTS, BROWSER, SIZE, _missing, _page
from test_seminar import HOSTILE_SLUG, SHOW, SLUG, TITLE, published_project

pytestmark = pytest.mark.browser
if reason := _missing():
    pytestmark = [pytest.mark.browser, pytest.mark.skip(reason=reason)]

PAGES = (f"/{SHOW}/", f"/{SHOW}/{SLUG}/", f"/{SHOW}/{HOSTILE_SLUG}/")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The published project's store over HTTP; yields the base URL and what each publish printed."""
    project, _, runs = published_project(tmp_path_factory)
    site = load_site(project)
    storage = open_storage(site.storage, site.root)
    server = make_server(storage.root, port=0, fallback=index_pages(site, storage))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", runs
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def report(served):
    import json
    import subprocess

    base, _ = served
    proc = subprocess.run(["node", str(BROWSER / "audit.mjs"), "--out", str(ARTIFACTS / "seminar"), "--width", "1000",
                           *(base + path for path in PAGES)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return {page["url"]: page for page in json.loads(proc.stdout)["pages"]}


def test_index_and_seminar_pages_have_no_wcag_violations(report):
    assert len(report) == len(PAGES)
    for url, page in report.items():
        assert page["status"] == 200, url
        problems = [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
                    for v in page["axe"]["violations"]]
        assert problems == [], f"{url}:\n" + "\n".join(problems)
        assert page["axe"]["passes"] > 10, url
        assert page["offsiteRequests"] == [] and page["httpErrors"] == [] and page["consoleErrors"] == [], url
        assert all(image["width"] > 0 for image in page["images"]), (url, page["images"])


def test_the_video_loads_and_reports_its_duration_and_the_captions_load(report):
    page = _page(report, f"/{SLUG}/")
    assert page["h1"] == [TITLE]
    [video] = page["media"]
    assert video["error"] is None and video["readyState"] >= 1, video
    assert 3.8 < video["duration"] < 4.3 and (video["width"], video["height"]) == (320, 180), video
    assert re.search(r"/[0-9a-z-]+-[0-9a-f]{8}\.jpg$", video["poster"])
    [track] = video["tracks"]
    assert (track["kind"], track["srclang"], track["mode"]) == ("captions", "nb", "showing")
    assert track["readyState"] == 2, track  # LOADED
    assert track["cues"] == 2 and track["firstCue"] == "Velkommen til frokostseminar hos Difi."


def test_srt_captions_load_as_webvtt_in_the_browser(report):
    [video] = _page(report, f"/{HOSTILE_SLUG}/")["media"]
    [track] = video["tracks"]
    assert track["readyState"] == 2 and track["cues"] == 2, track
    assert track["firstCue"] == "<i>Velkommen</i> til frokostseminar &amp; spørsmål"


def test_markup_in_the_title_is_shown_as_text(report, served):
    _, runs = served
    title = runs["hostile"]["title"]
    page = _page(report, f"/{HOSTILE_SLUG}/")
    assert page["h1"] == [title] and page["title"].startswith(title)
    assert page["consoleErrors"] == []  # no alert() ran, nothing broke


def test_every_download_answers_200_with_the_size_the_page_states(served):
    base, runs = served
    for slug, expected in ((SLUG, ["Last ned video", "Last ned lyd", "Last ned Ruter-presentasjon",
                                   "Last ned Difi om endring"]),
                           (HOSTILE_SLUG, ["Last ned video", "Last ned lyd"])):
        page_url = f"{base}/{SHOW}/{slug}/"
        with urllib.request.urlopen(page_url) as r:
            text = r.read().decode()
        links = [(href, html.unescape(label)) for href, label in re.findall(r'<a href="([^"]+)" download>([^<]+)</a>', text)]
        assert [label.split(" (")[0] for _, label in links] == expected
        for href, label in links:
            kind, number, unit = SIZE.search(label).groups()
            stated = float(number.replace("\u00a0", "").replace(",", ".")) * (1_000_000 if unit == "MB" else 1000)
            with urllib.request.urlopen(urllib.parse.urljoin(page_url, href)) as r:
                assert r.status == 200, href
                length = int(r.headers["Content-Length"])
                assert len(r.read()) == length
            half_step = 50_000 if unit == "MB" else 500
            assert abs(length - stated) <= half_step or (stated == 1000 and length < 1000), (label, length)
            assert href.upper().endswith(kind), (href, kind)


def test_the_index_of_publish_serve_links_to_the_archive(served):
    base, _ = served
    with urllib.request.urlopen(f"{base}/") as r:
        text = r.read().decode()
    assert f'href="{SHOW}/"' in text and f'href="{SHOW}/{SLUG}/"' in text
