"""The local store server: types and caching from the store's metadata, byte ranges, folders, refusals."""

from __future__ import annotations

import http.client
import os
import threading

import pytest

from pipeline.store.http import Unsatisfiable, make_server, parse_range, resolve_key
from pipeline.store import IMMUTABLE, SHORT, cache_control_for, content_type_for
from pipeline.store.local import LocalStorage

VIDEO_KEY = "seminarer/nye-arbeidsmater/nye-arbeidsmater-0123abcd.mp4"
VIDEO = bytes(range(256)) * 400  # 102 400 bytes: several chunks
MANIFEST_KEY = "_manifests/seminarer/0123abcd-0000-4000-8000-000000000000.json"
PAGE = "<!doctype html><title>Nye arbeidsmåter</title>".encode()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("serve")
    (tmp / "secret.txt").write_text("not for the web")
    store = LocalStorage(tmp / "public")
    store.put_bytes(VIDEO_KEY, VIDEO, content_type="video/mp4", cache_control=IMMUTABLE)
    for key, data in [("seminarer/index.html", b"<p>arkiv</p>"), ("seminarer/nye-arbeidsmater/index.html", PAGE),
                      ("seminarer/feed.xml", b"<rss/>"), ("seminarer/tom.txt", b"")]:
        store.put_bytes(key, data, content_type=content_type_for(key), cache_control=cache_control_for(key))
    (store.root / "seminarer" / ".half.mp4.x1.part").write_bytes(b"half")
    (store.root / "copied-by-hand.vtt").write_text("WEBVTT\n")  # no metadata: described by its name
    for key in (MANIFEST_KEY, "_manifests/_shows/seminarer.json"):
        store.put_bytes(key, b'{"guid": "hemmelig"}', content_type="application/json", cache_control=SHORT)
    (store.root / "uten-side").mkdir()
    os.symlink(tmp / "secret.txt", store.root / "lenke.txt")
    srv = make_server(store.root, port=0)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv, store
    srv.shutdown()
    srv.server_close()


def request(server, path: str, method: str = "GET", **headers) -> tuple[http.client.HTTPResponse, bytes]:
    srv, _ = server
    conn = http.client.HTTPConnection(*srv.server_address[:2], timeout=5)
    try:
        conn.request(method, path, headers=headers)  # the path goes out as written, '..' and all
        response = conn.getresponse()
        return response, response.read()
    finally:
        conn.close()


# --- pure parts ----------------------------------------------------------------------------------

@pytest.mark.parametrize("header, expected", [
    (None, None), ("bytes=0-1", (0, 1)), ("bytes=10-", (10, 99)), ("bytes=-5", (95, 99)),
    ("bytes=-500", (0, 99)), ("bytes=90-500", (90, 99)), ("bytes=0-0", (0, 0)), ("bytes=99-99", (99, 99)),
    ("bytes=0-1,5-6", None), ("bytes=5-2", None), ("items=0-1", None), ("bytes=-", None), ("bytes=a-b", None),
])
def test_parse_range(header, expected):
    assert parse_range(header, 100) == expected


@pytest.mark.parametrize("header, size", [("bytes=100-", 100), ("bytes=100-200", 100), ("bytes=-0", 100),
                                          ("bytes=0-", 0), ("bytes=-1", 0)])
def test_parse_range_unsatisfiable(header, size):
    with pytest.raises(Unsatisfiable):
        parse_range(header, size)


@pytest.mark.parametrize("path, expected", [
    ("/", ("", True)), ("/a/b.mp4", ("a/b.mp4", False)), ("/a/?x=1", ("a", True)),
    ("/s%C3%A6l/%C3%B8.mp3", ("sæl/ø.mp3", False)), ("/../x", None), ("/%2e%2e/x", None), ("/a/%2E%2E/x", None),
    ("/a/..%2fx", None), ("/.meta/a.json", None), ("/a/.b.part", None), ("/a//b", None), ("/a%00b", None),
    ("/a%5c..%5cb", None), ("/%ff", None), ("/_manifests/s/g.json", None), ("/%5Fmanifests/s/g.json", None),
    ("/_manifests/", None), ("/_stats/2024.json", None), ("/s/_bilde.jpg", ("s/_bilde.jpg", False)),
])
def test_resolve_key(path, expected):
    assert resolve_key(path) == expected


# --- over HTTP -----------------------------------------------------------------------------------

def test_get_serves_type_length_cache_and_etag_from_the_store(server):
    _, store = server
    r, body = request(server, f"/{VIDEO_KEY}")
    assert r.status == 200 and body == VIDEO
    assert r.headers["Content-Type"] == "video/mp4"
    assert r.headers["Content-Length"] == str(len(VIDEO))
    assert r.headers["Cache-Control"] == IMMUTABLE
    assert r.headers["ETag"] == store.head(VIDEO_KEY).etag
    assert r.headers["Accept-Ranges"] == "bytes"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    r, body = request(server, "/seminarer/feed.xml")
    assert (r.headers["Content-Type"], r.headers["Cache-Control"]) == ("application/rss+xml; charset=utf-8", SHORT)


def test_head_sends_headers_only(server):
    r, body = request(server, f"/{VIDEO_KEY}", "HEAD")
    assert r.status == 200 and body == b""
    assert r.headers["Content-Length"] == str(len(VIDEO)) and r.headers["Accept-Ranges"] == "bytes"


def test_range_first_two_bytes(server):
    r, body = request(server, f"/{VIDEO_KEY}", Range="bytes=0-1")
    assert r.status == 206 and body == VIDEO[:2]
    assert r.headers["Content-Range"] == f"bytes 0-1/{len(VIDEO)}" and r.headers["Content-Length"] == "2"
    assert r.headers["Content-Type"] == "video/mp4"


def test_suffix_and_open_ranges(server):
    r, body = request(server, f"/{VIDEO_KEY}", Range="bytes=-100")
    assert r.status == 206 and body == VIDEO[-100:]
    assert r.headers["Content-Range"] == f"bytes {len(VIDEO) - 100}-{len(VIDEO) - 1}/{len(VIDEO)}"
    r, body = request(server, f"/{VIDEO_KEY}", Range="bytes=70000-")
    assert r.status == 206 and body == VIDEO[70000:] and r.headers["Content-Length"] == str(len(VIDEO) - 70000)
    r, body = request(server, f"/{VIDEO_KEY}", "HEAD", Range="bytes=10-19")
    assert r.status == 206 and body == b"" and r.headers["Content-Length"] == "10"


def test_unsatisfiable_range_is_416_with_the_size(server):
    r, body = request(server, f"/{VIDEO_KEY}", Range=f"bytes={len(VIDEO)}-")
    assert r.status == 416 and r.headers["Content-Range"] == f"bytes */{len(VIDEO)}"
    r, _ = request(server, "/seminarer/tom.txt", Range="bytes=0-")
    assert r.status == 416 and r.headers["Content-Range"] == "bytes */0"


def test_multiple_ranges_get_the_whole_body(server):
    r, body = request(server, f"/{VIDEO_KEY}", Range="bytes=0-1,10-11")
    assert r.status == 200 and body == VIDEO


def test_if_range_with_another_etag_gets_the_whole_body(server):
    r, body = request(server, f"/{VIDEO_KEY}", Range="bytes=0-1", **{"If-Range": '"stale"'})
    assert r.status == 200 and body == VIDEO


def test_if_none_match_is_304(server):
    etag = request(server, f"/{VIDEO_KEY}", "HEAD")[0].headers["ETag"]
    r, body = request(server, f"/{VIDEO_KEY}", **{"If-None-Match": etag})
    assert r.status == 304 and body == b"" and r.headers["ETag"] == etag


def test_folder_serves_its_index(server):
    r, body = request(server, "/seminarer/nye-arbeidsmater/")
    assert r.status == 200 and body == PAGE
    assert r.headers["Content-Type"] == "text/html; charset=utf-8" and r.headers["Cache-Control"] == SHORT


def test_folder_without_slash_redirects(server):
    r, _ = request(server, "/seminarer/nye-arbeidsmater?fra=epost")
    assert r.status == 301 and r.headers["Location"] == "/seminarer/nye-arbeidsmater/?fra=epost"


def test_folder_without_index_is_404(server):
    for path in ("/uten-side", "/uten-side/", "/"):
        assert request(server, path)[0].status == 404, path


@pytest.mark.parametrize("path", ["/../secret.txt", "/%2e%2e/secret.txt", "/seminarer/..%2F..%2Fsecret.txt",
                                  "/seminarer/%2E%2E/%2E%2E/secret.txt", "/lenke.txt", "//secret.txt"])
def test_nothing_outside_the_root(server, path):
    r, body = request(server, path)
    assert r.status == 404 and b"not for the web" not in body


@pytest.mark.parametrize("path", ["/.meta/seminarer/feed.xml.json", "/.meta/", "/seminarer/.half.mp4.x1.part",
                                  "/%2emeta/seminarer/feed.xml.json"])
def test_dot_files_are_never_served(server, path):
    assert request(server, path)[0].status == 404


@pytest.mark.parametrize("path", [f"/{MANIFEST_KEY}", "/_manifests/_shows/seminarer.json", "/_manifests/",
                                  "/_manifests", "/%5Fmanifests/_shows/seminarer.json"])
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_private_objects_are_never_served(server, path, method):
    """What a public bucket keeps private (the README: ``_manifests/`` must never be public) is a 404 like a
    missing object, so `publish serve --host` exposes nothing a bucket would not."""
    r, body = request(server, path, method)
    missing, missing_body = request(server, "/seminarer/finnes-ikke.json", method)
    assert (r.status, body, r.headers["Content-Type"]) == (404, missing_body, missing.headers["Content-Type"])
    assert b"hemmelig" not in body


def test_missing_is_404_in_plain_text(server):
    r, body = request(server, "/seminarer/finnes-ikke.mp4")
    assert r.status == 404 and r.headers["Content-Type"] == "text/plain; charset=utf-8" and body


def test_file_copied_in_by_hand_is_typed_by_its_name(server):
    r, body = request(server, "/copied-by-hand.vtt")
    assert r.status == 200 and r.headers["Content-Type"] == "text/vtt; charset=utf-8" and body == b"WEBVTT\n"


def test_other_methods_are_refused(server):
    r, _ = request(server, f"/{VIDEO_KEY}", "PUT")
    assert r.status == 501


def test_keep_alive_serves_several_ranges_on_one_connection(server):
    srv, _ = server
    conn = http.client.HTTPConnection(*srv.server_address[:2], timeout=5)
    try:
        for first in (0, 5000, 100000):
            conn.request("GET", f"/{VIDEO_KEY}", headers={"Range": f"bytes={first}-{first + 999}"})
            response = conn.getresponse()
            assert response.status == 206 and response.read() == VIDEO[first:first + 1000]
    finally:
        conn.close()


def test_binds_loopback_by_default(tmp_path):
    srv = make_server(tmp_path, port=0)
    try:
        assert srv.server_address[0] == "127.0.0.1"
    finally:
        srv.server_close()


def test_quiet_unless_verbose(server, capfd):
    request(server, "/seminarer/")
    request(server, "/finnes-ikke")
    assert capfd.readouterr().err == ""


def test_access_log_has_a_combined_log_format_line_for_every_request(tmp_path):
    from pipeline.inputs.accesslogs import parse_clf
    from pipeline.store.http import AccessLog

    store = LocalStorage(tmp_path / "public")
    store.put_bytes(VIDEO_KEY, VIDEO, content_type="video/mp4", cache_control=IMMUTABLE)
    log = AccessLog(tmp_path / "logs" / "access.log")
    srv = make_server(store.root, port=0, access_log=log)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        agent = 'AntennaPod/3.2.0 "quoted"'
        for path, method, headers in [(f"/{VIDEO_KEY}", "GET", {"Range": "bytes=0-1", "User-Agent": agent}),
                                      (f"/{VIDEO_KEY}", "GET", {"User-Agent": agent, "Referer": "http://a.no/"}),
                                      (f"/{VIDEO_KEY}", "HEAD", {}), ("/mangler.mp3", "GET", {}),
                                      ("/_manifests/x.json", "POST", {})]:
            request((srv, store), path, method, **headers)
    finally:
        srv.shutdown()
        srv.server_close()
        log.close()
    lines = (tmp_path / "logs" / "access.log").read_text().splitlines()
    got = [parse_clf(line) for line in lines]
    assert [(r.client, r.method, r.path, r.status, r.sent) for r in got] == [
        ("127.0.0.1", "GET", f"/{VIDEO_KEY}", 206, 2), ("127.0.0.1", "GET", f"/{VIDEO_KEY}", 200, len(VIDEO)),
        ("127.0.0.1", "HEAD", f"/{VIDEO_KEY}", 200, 0), ("127.0.0.1", "GET", "/mangler.mp3", 404, 14),
        ("127.0.0.1", "POST", "/_manifests/x.json", 501, 0)]
    assert got[0].agent == agent and '"http://a.no/"' in lines[1] and lines[2].endswith('"-" "-"')
