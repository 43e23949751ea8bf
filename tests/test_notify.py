"""Telling apps a feed changed: WebSub hubs, Podcast Index and Podping, against a loopback server that records
each notice (and fails on purpose while asked to); ``<atom:link rel="hub">`` in the feed; ``--no-notify``."""

from __future__ import annotations

import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import run_publish
from media_fixtures import channel, feed_bytes, new_project, tones  # noqa: F401 (tones is a fixture)
from pipeline.app.notify import pending_key
from pipeline.render.atomns import ATOM_NS

SHOW = "endringspodden"
FEED = f"http://127.0.0.1:8000/{SHOW}/feed.xml"


class Services(ThreadingHTTPServer):
    """The hubs and services: every request as (method, path, query or form, Authorization); ``failing``:
    the paths answered 500."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Recorder)
        self.seen: list[tuple[str, str, dict, str | None]] = []
        self.failing: set[str] = set()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


class Recorder(BaseHTTPRequestHandler):
    def _record(self, method: str) -> None:
        path, _, query = self.path.partition("?")
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        fields = dict(urllib.parse.parse_qsl(body if method == "POST" else query))
        self.server.seen.append((method, path, fields, self.headers.get("Authorization")))
        self.send_response(500 if path in self.server.failing else 202)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        self._record("GET")

    def do_POST(self):
        self._record("POST")

    def log_message(self, *args):
        pass


@pytest.fixture
def services():
    server = Services()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def project(tmp_path, services):
    folder = new_project(tmp_path)
    site = folder / "feeds" / "site.toml"
    site.write_text(site.read_text() + f"""
[notify]
websub_hubs = ["{services.url('/hub')}", "{services.url('/hub2')}"]
podcastindex = true
podcastindex_url = "{services.url('/pubnotify')}"
podping = true
podping_url = "{services.url('/podping')}"
""")
    return folder


def publish(project, tone, *extra, env=None):
    return run_publish(project, "episode", str(tone), "--title", "Varsla", "--date", "2024-01-05", *extra,
                       env={"PODPING_TOKEN": "hemmelig", **(env or {})})


EXPECTED = [("POST", "/hub", {"hub.mode": "publish", "hub.url": FEED}, None),
            ("POST", "/hub2", {"hub.mode": "publish", "hub.url": FEED}, None),
            ("GET", "/pubnotify", {"url": FEED}, None),
            ("GET", "/podping", {"url": FEED}, "hemmelig")]


def test_a_changed_feed_names_its_hubs_and_tells_each_service_once(project, services, tones):
    out = publish(project, tones["a"])
    assert out.returncode == 0 and "warning" not in out.stderr, out.stderr
    hubs = [link.get("href") for link in channel(feed_bytes(project)).findall(f"{{{ATOM_NS}}}link[@rel='hub']")]
    assert hubs == [services.url("/hub"), services.url("/hub2")]
    assert services.seen == EXPECTED
    again = run_publish(project, "feed", "--show", SHOW, env={"PODPING_TOKEN": "hemmelig"})
    assert again.returncode == 0 and "feed unchanged" in again.stdout
    assert services.seen == EXPECTED, "an unchanged feed tells no one"


def test_a_failed_notice_is_one_warning_and_the_next_publish_tries_again(project, services, tones):
    services.failing = {"/hub2", "/pubnotify"}
    out = publish(project, tones["a"])
    assert out.returncode == 0, out.stderr
    said = " ".join(out.stderr.split())  # the warning wrapped to the terminal's width
    assert said.count("warning:") == 1, out.stderr
    assert "/hub2: HTTP 500; Podcast Index: HTTP 500 that" in said and "the next publish tries again" in said
    assert (project / "public" / pending_key(SHOW)).is_file()
    services.failing, services.seen = set(), []
    again = run_publish(project, "feed", "--show", SHOW)  # the feed is unchanged: only what is owed is sent
    assert again.returncode == 0 and "warning" not in again.stderr, again.stderr
    assert [(m, p) for m, p, *_ in services.seen] == [("POST", "/hub2"), ("GET", "/pubnotify")]
    assert not (project / "public" / pending_key(SHOW)).exists()


def test_no_notify_tells_no_one_and_leaves_it_to_the_next_publish(project, services, tones):
    out = publish(project, tones["a"], "--no-notify")
    assert out.returncode == 0 and services.seen == [], out.stderr
    assert run_publish(project, "feed", "--show", SHOW, env={"PODPING_TOKEN": "hemmelig"}).returncode == 0
    assert services.seen == EXPECTED


def test_podping_without_its_token_warns(project, services, tones):
    out = run_publish(project, "episode", str(tones["a"]), "--title", "Varsla", "--date", "2024-01-05",
                      env={"PODPING_TOKEN": ""})
    assert out.returncode == 0 and "PODPING_TOKEN" in out.stderr, out.stderr
    assert [p for _, p, *_ in services.seen] == ["/hub", "/hub2", "/pubnotify"]


def test_no_one_is_told_by_default(tmp_path, tones):
    project = new_project(tmp_path)
    assert run_publish(project, "episode", str(tones["a"]), "--title", "T", "--date", "2024-01-05").returncode == 0
    assert channel(feed_bytes(project)).find(f"{{{ATOM_NS}}}link[@rel='hub']") is None
    assert not (project / "public" / "_notify").exists()


def test_a_hub_that_is_not_a_url_is_a_config_error(tmp_path):
    project = new_project(tmp_path)
    site = project / "feeds" / "site.toml"
    site.write_text(site.read_text() + '\n[notify]\nwebsub_hubs = ["pubsubhubbub.appspot.com"]\n')
    out = run_publish(project, "feed")
    assert out.returncode == 3 and "Config value 'notify.websub_hubs'" in out.stderr, out.stderr
