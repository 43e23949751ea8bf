"""Helpers for tests where producers run `publish episode` against a shared store (S3 or a local folder):
short distinct recordings, project folders pointing at a store, and a reader's-eye check of the feed.

Used by test_publish_s3.py, test_concurrency.py and test_crash.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import feedparser
import pytest

from conftest import PUBLISH, ROOT, ffmpeg
from pipeline.model.records import Item, load_records

SHOW = "endringspodden"
FEED_KEY = f"{SHOW}/feed.xml"
DATE = "2024-01-15"
LOCAL_BASE_URL = "http://127.0.0.1:8000"


@pytest.fixture(scope="session")
def clips(media, tmp_path_factory) -> dict[str, Path]:
    """Three distinct ~3.3 s recordings cut from ``mono_speech``: a publish of one takes about a second."""
    folder = tmp_path_factory.mktemp("clips")
    out = {}
    for name, start in (("a", 2.0), ("b", 4.2), ("c", 0.0)):
        out[name] = folder / f"{name}.wav"
        ffmpeg("-i", str(media["mono_speech"]), "-ss", str(start), "-t", "3.3", "-c:a", "pcm_s16le", str(out[name]))
    return out


def make_project(folder: Path, storage: str, base_url: str) -> Path:
    """A project folder (the real feeds/, an empty episodes/) whose site.toml names ``storage``."""
    shutil.copytree(ROOT / "feeds", folder / "feeds")
    (folder / "episodes").mkdir()
    (folder / "feeds" / "site.toml").write_text(
        f'storage = "{storage}"\nbase_url = "{base_url}"\nwebsite = "https://www.difi.no"\n')
    return folder


def s3_base_url(s3_server, bucket: str) -> str:
    return s3_server.public_url(bucket, "").rstrip("/")


def s3_project(folder: Path, s3_server, bucket: str) -> Path:
    """A producer's folder publishing to ``s3://bucket/``, served anonymously from the server's URL."""
    return make_project(folder, f"s3://{bucket}/", s3_base_url(s3_server, bucket))


def local_project(folder: Path, store: Path) -> Path:
    """A producer's folder publishing to the local store folder ``store`` (which others may share)."""
    return make_project(folder, store.resolve().as_uri(), LOCAL_BASE_URL)


def aws_env(extra: dict[str, str]) -> dict[str, str]:
    """This environment without any AWS_* of the person running the tests, plus ``extra``."""
    return {**{k: v for k, v in os.environ.items() if not k.startswith("AWS_")}, **extra}


def publish_cmd(project: Path, clip: Path, title: str, *extra: str, date: str = DATE) -> list[str]:
    return [*PUBLISH, "--root", str(project), "episode", str(clip), "--show", SHOW, "--title", title,
            "--date", date, *extra]


@dataclass(frozen=True)
class FeedItem:
    title: str
    guid: str
    key: str
    length: int
    type: str


def feed_items(store, base_url: str, show: str = SHOW) -> list[FeedItem] | None:
    """The feed's items as a podcast app sees them, each checked against the store: the feed parses
    (feedparser, not bozo) and every enclosure is an object in the store with exactly the feed's length
    and type. None when there is no feed yet."""
    got = store.get(f"{show}/feed.xml")
    if got is None:
        return None
    parsed = feedparser.parse(got[0])
    assert not parsed.bozo, f"the feed does not parse: {parsed.bozo_exception}"
    items = []
    for entry in parsed.entries:
        (enclosure,) = entry.enclosures
        assert enclosure.href.startswith(base_url + "/"), enclosure.href
        key = unquote(enclosure.href[len(base_url) + 1:])
        info = store.head(key)
        assert info is not None, f"the feed names {key}, which is not in the store"
        assert info.size == int(enclosure.length), f"{key}: {info.size} bytes in the store, {enclosure.length} in the feed"
        assert info.content_type.split(";")[0] == enclosure.type, (key, info.content_type, enclosure.type)
        items.append(FeedItem(title=entry.title, guid=entry.id, key=key, length=int(enclosure.length), type=enclosure.type))
    return items


def store_manifests(store, show: str = SHOW) -> dict[str, Item]:
    """The store's manifests by GUID, each checked to be whole and to name whole media in the store."""
    found = {}
    for info in store.list(f"_manifests/{show}/"):
        got = store.get(info.key)
        assert got is not None, info.key
        ep = Item.from_dict(json.loads(got[0]), info.key)  # a half-written manifest would not parse
        for media in (ep.media, *ep.renditions.values(), *([ep.image] if ep.image else [])):
            body = store.get(media.key)
            assert body is not None, f"{info.key} names {media.key}, which is not in the store"
            assert len(body[0]) == media.bytes and hashlib.sha256(body[0]).hexdigest() == media.sha256, \
                f"{media.key} in the store is not the object {info.key} describes"
        found[ep.guid] = ep
    return found


def check_store(store, project: Path, base_url: str, show: str = SHOW) -> tuple[dict[str, Item], list[FeedItem] | None]:
    """What a reader or the next run may rely on whatever happened: media before manifest before record before
    feed. Returns the manifests and the feed's items."""
    manifests = store_manifests(store, show)
    for ep in load_records(project / "episodes", show):
        assert ep.guid in manifests, f"{ep.record_name} was written before its manifest reached the store"
    items = feed_items(store, base_url, show)
    for item in items or ():
        assert item.guid in manifests, f"the feed names «{item.title}» ({item.guid}), which has no manifest"
        assert manifests[item.guid].media.key == item.key
    return manifests, items


class S3Relay:
    """A transparent HTTP relay in front of the real S3 server, for `publish` subprocesses to use as their
    AWS_ENDPOINT_URL. Requests and answers pass unchanged (SigV4 signatures stay valid: path, query, Host and
    body are kept); the relay only writes down what went by, and can delay one request, like a slow network.

    ``hold_pair(key)``: the next PUT of ``key`` waits until a second PUT of ``key`` arrives; the second is
    forwarded first and answered, then the first (the answers are in ``log``, marked "held"). So two producers' feed writes reach the server in the
    order that loses an update unless the server referees it (the first was rendered from the older state).
    """

    def __init__(self, upstream: str):
        import http.server
        import threading
        from urllib.parse import urlsplit

        self.log: list[tuple[str, str, int, str]] = []  # (method, path without query, status, note)
        self._lock = threading.Lock()
        self._holds: dict[str, threading.Event | None] = {}
        up = urlsplit(upstream)
        relay = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def relay(self) -> None:
                import http.client

                assert "chunked" not in (self.headers.get("Transfer-Encoding") or ""), "chunked upload"
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("expect", "connection", "keep-alive", "proxy-connection")}
                path = urlsplit(self.path).path
                note, after = relay._gate(self.command, path)
                conn = http.client.HTTPConnection(up.hostname, up.port, timeout=120)
                try:
                    conn.request(self.command, self.path, body=body, headers=headers)
                    resp = conn.getresponse()
                    data = resp.read()
                finally:
                    conn.close()
                with relay._lock:
                    relay.log.append((self.command, path, resp.status, note))
                if after is not None:
                    after()
                self.send_response_only(resp.status, resp.reason)
                for k, v in resp.getheaders():
                    if k.lower() not in ("transfer-encoding", "connection", "keep-alive", "content-length"):
                        self.send_header(k, v)
                length_header = resp.getheader("Content-Length") if self.command == "HEAD" else str(len(data))
                if length_header is not None:
                    self.send_header("Content-Length", length_header)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = relay

            def log_message(self, *args) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.endpoint = f"http://127.0.0.1:{self._server.server_address[1]}"

    def hold_pair(self, key_path: str) -> None:
        """Arm the hold for the next two PUTs whose path ends with ``/key_path`` (several keys may be armed)."""
        with self._lock:
            self._holds["/" + key_path] = None

    def _gate(self, method: str, path: str):
        import threading

        with self._lock:
            key = next((k for k in self._holds if path.endswith(k)), None) if method == "PUT" else None
            if key is None:
                return "", None
            if self._holds[key] is None:
                first = self._holds[key] = threading.Event()
            else:
                second_done = self._holds.pop(key)
                return "held, forwarded first", second_done.set
        if not first.wait(timeout=60):
            with self._lock:
                self._holds.pop(key, None)
            return "held, forwarded alone after 60 s", None
        return "held, forwarded last", None

    def held(self, key_path: str) -> list[tuple[str, int]]:
        """(note, status) of the held PUTs of ``key_path``, in the order the server answered them."""
        with self._lock:
            return [(note, status) for _, path, status, note in self.log
                    if note.startswith("held") and path.endswith("/" + key_path)]

    def writes(self) -> list[tuple[str, str, int]]:
        return [(m, p, s) for m, p, s, _ in self.log if m in ("PUT", "POST", "DELETE")]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def copy_objects(src, dst, *, skip=lambda key: False) -> list[str]:
    """Copy every object of store ``src`` to store ``dst`` with its type, cache control and metadata."""
    copied = []
    for info in list(src.list()):
        if skip(info.key):
            continue
        data, full = src.get(info.key)
        dst.put_bytes(info.key, data, content_type=full.content_type, cache_control=full.cache_control,
                      metadata=full.metadata)
        copied.append(info.key)
    return copied
