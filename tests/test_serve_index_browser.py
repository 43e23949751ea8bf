"""The index page of ``publish serve`` in a real browser: a store with a published episode and seminars,
served by ``pipeline.store.http`` with the index hook, audited by axe-core in chromium (tests/browser/audit.mjs).

The screenshot goes to tests/artifacts/browser/serve-index/; with ``SCREENSHOTS=update`` (or when it is
missing) it is also copied, kept under 300 KB, to tests/screenshots/serve-index.png, the README's picture.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from conftest import ROOT
from test_archive_browser import BROWSER, _missing, make_media
from pipeline.render.pages import render_archive
from pipeline.model.config import load_show, load_site
from pipeline.app.overview import index_pages
from pipeline.app.episode import EpisodeRequest, publish_episode
from pipeline.model.records import manifest_key
from pipeline.store.http import make_server
from pipeline.store import SHORT, cache_control_for, content_type_for, open_storage

pytestmark = pytest.mark.browser
if reason := _missing():
    pytestmark = [pytest.mark.browser, pytest.mark.skip(reason=reason)]

TESTS = Path(__file__).parent
ARTIFACTS = TESTS / "artifacts" / "browser" / "serve-index"
README_SHOT = TESTS / "screenshots" / "serve-index.png"
SHOT_BUDGET = 300_000


@pytest.fixture(scope="module")
def served(tmp_path_factory, media):
    """A project whose store holds one podcast episode (published for real) and two seminars with their
    archive pages; the store served with the index hook. Yields the base URL and the project."""
    from test_archive import sample_seminars

    project = tmp_path_factory.mktemp("serve-index")
    shutil.copytree(ROOT / "feeds", project / "feeds")
    (project / "episodes").mkdir()
    site = load_site(project)
    storage = open_storage(site.storage, site.root)
    storage.root.mkdir(parents=True)
    notes = "Vi snakker om samarbeid på tvers av virksomheter, og om hva som skal til for å lykkes."
    publish_episode(site, EpisodeRequest(source=media["conversation"], show="endringspodden",
                                         title="Samarbeid på tvers", description=notes, date=dt.date(2017, 11, 24),
                                         season=2, number=1))
    server = make_server(storage.root, port=0, fallback=index_pages(site, storage))
    base = f"http://127.0.0.1:{server.server_address[1]}"
    files = make_media(project / "src")
    sizes = {role: files[role].stat().st_size for role in ("video", "audio", "poster", "captions", "slides")}
    seminars = sample_seminars(base_url=base, sizes=sizes)[1:]
    for ep in seminars:
        for role, m in [("video", ep.media), *ep.renditions.items()]:
            storage.put_file(m.key, files[role.split("-")[0]], content_type=content_type_for(m.key),
                             cache_control=cache_control_for(m.key))
        storage.put_bytes(manifest_key(ep.show, ep.guid), ep.manifest_bytes(), content_type="application/json",
                          cache_control=SHORT)
    for key, data in render_archive(load_show(site, "seminarer"), site, seminars).items():
        storage.put_bytes(key, data, content_type=content_type_for(key), cache_control=cache_control_for(key))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base, project
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def page(served):
    base, _ = served
    proc = subprocess.run(["node", str(BROWSER / "audit.mjs"), "--out", str(ARTIFACTS), "--width", "1000",
                           f"{base}/"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "report.json").write_text(proc.stdout, encoding="utf-8")
    [result] = json.loads(proc.stdout)["pages"]
    return result


def test_index_has_no_axe_violations(page):
    assert page["status"] == 200
    problems = [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
                for v in page["axe"]["violations"]]
    assert problems == [], "\n".join(problems)
    assert page["axe"]["passes"] > 10  # axe really ran


def test_index_loads_everything_from_the_store_and_nothing_fails(page):
    assert page["offsiteRequests"] == [] and page["httpErrors"] == [] and page["consoleErrors"] == []


def test_every_show_and_every_item_with_a_player(page):
    assert page["h1"] == ["Alt som er publisert"]
    assert page["title"] == "Alt som er publisert – Podkaster og seminaropptak"
    srcs = [a["src"] for a in page["audio"]]
    assert len(srcs) == 3, srcs  # the episode and two seminars' audio
    assert all(a["preload"] == "none" and a["controls"] for a in page["audio"])
    assert all(a["readyState"] == 0 for a in page["audio"])  # nothing fetched until someone presses play
    assert srcs[0].split("/")[-1].startswith("samarbeid-pa-tvers-") and srcs[0].endswith(".mp3")


def test_loudness_picture_loads_with_the_measured_values_as_alt_text(page, served):
    _, project = served
    [picture] = page["images"]
    assert (picture["width"], picture["height"]) == (1000, 380)
    record = next((project / "episodes" / "endringspodden").glob("*.md")).read_text()
    after = float(record.split("loudness_after:")[1].split("integrated:")[1].split()[0])
    assert f"etter {after:.1f} LUFS".replace(".", ",").replace("-", "\u2212") in picture["alt"]
    assert "mål \u221216,0 LUFS" in picture["alt"]


def test_first_tab_shows_the_skip_link(page):
    kb = page["keyboard"]
    assert (kb["tag"], kb["href"], kb["text"]) == ("a", "#innhold", "Hopp til hovedinnholdet")
    assert kb["visible"] and kb["outline"]


def test_screenshot_for_the_readme(page):
    from PIL import Image

    assert page["status"] == 200 and page["h1"] == ["Alt som er publisert"]  # never a picture of an error page
    shot = Path(page["screenshot"])
    with Image.open(shot) as image:
        assert image.width == 1000
        if os.environ.get("SCREENSHOTS") == "update" or not README_SHOT.exists():
            README_SHOT.parent.mkdir(parents=True, exist_ok=True)
            if shot.stat().st_size < SHOT_BUDGET:
                shutil.copyfile(shot, README_SHOT)
            else:  # 256 colours keep a full page well under the budget
                image.convert("RGB").quantize(colors=256).save(README_SHOT, optimize=True)
    assert README_SHOT.stat().st_size < SHOT_BUDGET
