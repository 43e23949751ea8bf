"""The embed page in a real browser: framed by a page of another origin (another loopback port), while the
seminar's own page refuses to be framed; and axe-core finds nothing on the embed page.

The store and its pages are test_archive_browser's (``site_root``), served as ``publish serve`` serves them.
"""

from __future__ import annotations

import json
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from test_archive_browser import ARTIFACTS, BROWSER, SEMINAR, _missing, site_root  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser
if reason := _missing():
    pytestmark = [pytest.mark.browser, pytest.mark.skip(reason=reason)]


def host_page(html: bytes) -> ThreadingHTTPServer:
    """Another site, on 127.0.0.1 at another port (so another origin), whose one page is ``html``."""

    class Host(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(html)))
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Host)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def framed(site_root):  # noqa: F811
    base, _ = site_root
    page = (f'<!doctype html><html lang="nb"><title>Nyhet</title>'
            f'<iframe src="{base}/seminarer/{SEMINAR}/embed.html" title="Opptaket"></iframe>'
            f'<iframe src="{base}/seminarer/{SEMINAR}/" title="Siden"></iframe></html>').encode()
    host = host_page(page)
    try:
        proc = subprocess.run(["node", str(BROWSER / "frame.mjs"), f"http://127.0.0.1:{host.server_address[1]}/"],
                              capture_output=True, text=True, timeout=60)
    finally:
        host.shutdown()
        host.server_close()
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_the_embed_page_plays_in_another_sites_frame_and_the_page_does_not(framed):
    embed, page = framed["frames"]
    assert embed["url"].endswith("/embed.html") and embed["videos"] == 1, framed
    assert not page["url"].startswith("http") and page["videos"] == 0, framed  # chrome-error://: refused
    assert any("frame-ancestors" in line for line in framed["refused"]), framed


def test_the_embed_page_has_no_axe_violations_and_loads_nothing_from_elsewhere(site_root):  # noqa: F811
    base, _ = site_root
    url = f"{base}/seminarer/{SEMINAR}/embed.html"
    proc = subprocess.run(["node", str(BROWSER / "audit.mjs"), "--out", str(ARTIFACTS / "embed"), "--width", "640",
                           "--height", "420", url], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    [page] = json.loads(proc.stdout)["pages"]
    assert page["status"] == 200
    assert [v["id"] for v in page["axe"]["violations"]] == [], page["axe"]["violations"]
    assert page["offsiteRequests"] == [] and page["httpErrors"] == [] and page["consoleErrors"] == []
    [video] = page["media"]
    assert video["error"] is None and video["readyState"] >= 1
    assert [t["kind"] for t in video["tracks"]] == ["captions"] and video["tracks"][0]["readyState"] == 2
