"""S3-only behaviour, against the session's real SeaweedFS (tests/s3server.py): what podcast apps see
over anonymous HTTP, multipart uploads, and one-line errors for every way the store can fail."""

from __future__ import annotations

import hashlib
import http.server
import os
import socket
import threading

import pytest
import requests

from pipeline.model.errors import StorageError
from pipeline.store import IMMUTABLE, SHORT, open_storage
from tools import seaweed
from pipeline.store.s3 import S3Storage

pytestmark = pytest.mark.s3

MiB = 1 << 20


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module")
def public(s3_server):
    """A public-read bucket with an enclosure, a feed and a manifest in it."""
    store = s3_server.storage()
    audio = os.urandom(123_457)
    store.put_bytes("show/2024/ep-1-abcd1234.mp3", audio, content_type="audio/mpeg", cache_control=IMMUTABLE,
                    metadata={"sha256": sha256(audio)})
    store.put_bytes("show/feed.xml", b"<rss/>", content_type="application/rss+xml; charset=utf-8",
                    cache_control=SHORT)
    store.put_bytes("_manifests/show/guid-1.json", b"{}", content_type="application/json", cache_control=SHORT)
    store.put_bytes("høst/blåbær-æøå.mp3", b"lyd", content_type="audio/mpeg", cache_control=IMMUTABLE)
    return store, audio


def test_anonymous_client_gets_the_enclosure_with_exact_length_and_type(s3_server, public):
    store, audio = public
    url = s3_server.public_url(store.bucket, "show/2024/ep-1-abcd1234.mp3")
    head = requests.head(url, timeout=5)
    assert head.status_code == 200
    assert head.headers["Content-Length"] == str(len(audio))
    assert head.headers["Content-Type"] == "audio/mpeg"
    assert head.headers["Cache-Control"] == IMMUTABLE
    got = requests.get(url, timeout=5)
    assert got.status_code == 200 and got.content == audio
    assert got.headers["Content-Type"] == "audio/mpeg"


def test_range_request_answers_206_with_content_range(s3_server, public):
    store, audio = public
    url = s3_server.public_url(store.bucket, "show/2024/ep-1-abcd1234.mp3")
    got = requests.get(url, headers={"Range": "bytes=0-1"}, timeout=5)
    assert got.status_code == 206
    assert got.headers["Content-Range"] == f"bytes 0-1/{len(audio)}"
    assert got.headers["Content-Length"] == "2"
    assert got.content == audio[:2]


def test_feed_and_norwegian_keys_are_served_by_their_percent_encoded_url(s3_server, public):
    store, _ = public
    feed = requests.get(s3_server.public_url(store.bucket, "show/feed.xml"), timeout=5)
    assert feed.status_code == 200
    assert (feed.headers["Content-Type"], feed.headers["Cache-Control"]) == (
        "application/rss+xml; charset=utf-8", SHORT)
    url = s3_server.public_url(store.bucket, "høst/blåbær-æøå.mp3")
    assert "%C3%A6" in url  # æ
    got = requests.get(url, timeout=5)
    assert (got.status_code, got.content) == (200, b"lyd")


def test_manifests_listing_and_writes_stay_private(s3_server, public):
    store, _ = public
    assert requests.get(s3_server.public_url(store.bucket, "_manifests/show/guid-1.json"), timeout=5).status_code == 403
    assert requests.get(f"{s3_server.endpoint}/{store.bucket}?list-type=2", timeout=5).status_code == 403
    put = requests.put(s3_server.public_url(store.bucket, "show/evil.html"), data=b"<script>", timeout=5)
    assert put.status_code == 403
    assert store.head("show/evil.html") is None
    assert store.get("_manifests/show/guid-1.json")[0] == b"{}"  # the pipeline still reads them


def test_large_file_goes_up_in_parallel_parts_and_reads_back_identical(s3_server, tmp_path):
    store = s3_server.storage()
    data = os.urandom(40 * MiB)
    src = tmp_path / "seminar.mp4"
    src.write_bytes(data)
    sent = []
    info = store.put_file("seminarer/x/video.mp4", src, content_type="video/mp4", cache_control=IMMUTABLE,
                          metadata={"sha256": sha256(data)}, progress=sent.append)
    assert sum(sent) == len(data)
    assert len(sent) > 1
    # "<md5 of the part md5s>-<number of parts>": proof it was a multipart upload.
    assert info.etag.strip('"').rpartition("-")[2] == "5", info.etag
    assert (info.size, info.content_type, info.cache_control, info.sha256) == (
        len(data), "video/mp4", IMMUTABLE, sha256(data))
    body, got = store.get("seminarer/x/video.mp4")
    assert sha256(body) == sha256(data) and got.etag == info.etag


def test_small_file_goes_up_in_one_put(s3_server, tmp_path):
    store = s3_server.storage()
    src = tmp_path / "ep.mp3"
    src.write_bytes(b"a" * MiB)
    info = store.put_file("show/ep.mp3", src, content_type="audio/mpeg", cache_control=IMMUTABLE)
    assert info.etag == f'"{hashlib.md5(b"a" * MiB).hexdigest()}"'


def test_prefix_maps_keys_both_ways(s3_server):
    bucket = s3_server.new_bucket()
    outside = S3Storage(bucket, "", **s3_server.client_args())
    outside.put_bytes("other/x.txt", b"x", content_type="text/plain", cache_control=SHORT)
    store = S3Storage(bucket, "/podcast/prod/", **s3_server.client_args())
    assert store.url == f"s3://{bucket}/podcast/prod"
    store.put_bytes("show/feed.xml", b"<rss/>", content_type="application/rss+xml; charset=utf-8",
                    cache_control=SHORT)
    assert [i.key for i in store.list()] == ["show/feed.xml"]
    assert outside.head("podcast/prod/show/feed.xml").size == 6
    assert requests.get(s3_server.public_url(bucket, "podcast/prod/show/feed.xml"), timeout=5).content == b"<rss/>"


def test_open_storage_takes_endpoint_and_credentials_from_the_environment(s3_server, monkeypatch, tmp_path):
    bucket = s3_server.new_bucket()
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        monkeypatch.delenv(name)
    for name, value in s3_server.env.items():
        monkeypatch.setenv(name, value)
    store = open_storage(f"s3://{bucket}/site", tmp_path)  # AWS_ENDPOINT_URL is honoured by botocore itself
    assert isinstance(store, S3Storage)
    assert store.endpoint == s3_server.endpoint
    store.put_bytes("a.txt", b"env", content_type="text/plain", cache_control=SHORT)
    assert store.get("a.txt")[0] == b"env"


def test_ensure_bucket_is_idempotent_and_refuses_to_open_a_shared_bucket(s3_server):
    name = s3_server.bucket_name("ensure")
    store = S3Storage(name, **s3_server.client_args())
    assert store.ensure_bucket() is True
    assert store.ensure_bucket(public_read=True) is False
    with pytest.raises(StorageError, match="bucket of its own"):
        S3Storage(name, "prefix", **s3_server.client_args()).ensure_bucket(public_read=True)


# --- failures: one line, naming the store and its endpoint, never the secret -----------------------

def assert_one_line(err: StorageError, *fragments: str, secret: str | None = None) -> None:
    text = str(err)
    assert "\n" not in text, text
    for fragment in fragments:
        assert fragment in text, text
    if secret:
        assert secret not in text


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_endpoint(s3_server, tmp_path):
    endpoint = f"http://127.0.0.1:{closed_port()}"
    store = S3Storage("podcast", "prod", **s3_server.client_args(endpoint_url=endpoint, max_attempts=2))
    src = tmp_path / "ep.mp3"
    src.write_bytes(b"x")
    for call in (lambda: store.head("show/feed.xml"),
                 lambda: store.put_bytes("show/feed.xml", b"x", content_type="text/plain", cache_control=SHORT),
                 lambda: store.put_file("show/ep.mp3", src, content_type="audio/mpeg", cache_control=IMMUTABLE),
                 lambda: list(store.list("show/"))):
        with pytest.raises(StorageError) as err:
            call()
        assert_one_line(err.value, f"s3://podcast/prod at {endpoint}: could not connect",
                        secret=s3_server.secret_key)


def refused_put(s3_server, status: int, code: str, message: str, max_attempts: int) -> tuple[StorageError, str, int]:
    """``put_bytes`` against a stand-in store that answers every PUT with ``status`` and an S3 error ``code``:
    the error, the endpoint, and how many PUTs were sent."""
    requests_seen = []

    class Refusing(http.server.BaseHTTPRequestHandler):
        def do_PUT(self):
            requests_seen.append(self.path)
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = f"<Error><Code>{code}</Code><Message>{message}</Message></Error>".encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Refusing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        endpoint = f"http://127.0.0.1:{server.server_address[1]}"
        store = S3Storage("podcast", **s3_server.client_args(endpoint_url=endpoint, max_attempts=max_attempts))
        with pytest.raises(StorageError) as err:
            store.put_bytes("show/feed.xml", b"x", content_type="text/plain", cache_control=SHORT)
    finally:
        server.shutdown()
        server.server_close()
    return err.value, endpoint, len(requests_seen)


def test_throttling_and_5xx_are_retried_then_reported(s3_server):
    """A store that answers 503 SlowDown: botocore retries with backoff, then one line with the status."""
    err, endpoint, sent = refused_put(s3_server, 503, "SlowDown", "Please reduce your request rate.", 2)
    assert sent == 2
    assert_one_line(err, f"s3://podcast at {endpoint}: writing show/feed.xml failed after retries: "
                         "HTTP 503 SlowDown")


@pytest.mark.parametrize("status, code, says", [
    (507, "XMinioStorageFull", "the store is full: writing show/feed.xml refused (HTTP 507 XMinioStorageFull)"),
    (403, "QuotaExceeded", "the store is full: writing show/feed.xml refused (HTTP 403 QuotaExceeded)"),
    (400, "EntityTooLarge", "writing show/feed.xml refused: larger than the store accepts (HTTP 400 EntityTooLarge)"),
])
def test_a_full_store_says_so_naming_the_object(s3_server, status, code, says):
    """What a full disk is to the local store: one line naming the store and the object, asked once."""
    err, endpoint, sent = refused_put(s3_server, status, code, "No room.", 3)
    assert sent == 1
    assert_one_line(err, f"s3://podcast at {endpoint}: {says}")


def test_a_stopped_server_gives_a_storage_error_naming_it(s3_server, tmp_path):
    """A second, throwaway SeaweedFS: its ports never collide with the shared one; stopped by PID."""
    other = seaweed.start(tmp_path / "weed", die_with_parent=True)
    try:
        assert not set(other.ports.values()) & set(s3_server.ports.values())
        store = S3Storage("throwaway", endpoint_url=other.endpoint, region=other.region,
                          access_key=other.access_key, secret_key=other.secret_key, max_attempts=1)
        store.ensure_bucket()
        store.put_bytes("a.txt", b"a", content_type="text/plain", cache_control=SHORT)
    finally:
        assert other.stop()
    assert not seaweed.is_weed(other.pid)
    with pytest.raises(StorageError) as err:
        store.get("a.txt")
    assert_one_line(err.value, f"s3://throwaway at {other.endpoint}: could not connect")
    # The shared server did not notice.
    assert s3_server.storage().head("nothing") is None


def test_missing_credentials_say_which_variables_to_set(s3_server, monkeypatch, tmp_path):
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_server.endpoint)
    store = open_storage("s3://podcast/", tmp_path)
    with pytest.raises(StorageError) as err:
        store.head("show/feed.xml")
    assert_one_line(err.value, f"s3://podcast at {s3_server.endpoint}:", "AWS_ACCESS_KEY_ID",
                    "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL", "AWS_PROFILE")


def test_missing_profile_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_PROFILE", "podcast-prod")
    with pytest.raises(StorageError) as err:
        open_storage("s3://podcast/", tmp_path)
    assert_one_line(err.value, "s3://podcast:", "'podcast-prod'")


def test_wrong_secret_is_refused_without_echoing_it(s3_server):
    store = S3Storage(s3_server.new_bucket(), **s3_server.client_args(secret_key="not-the-secret-123"))
    with pytest.raises(StorageError) as err:
        store.put_bytes("a.txt", b"a", content_type="text/plain", cache_control=SHORT)
    assert_one_line(err.value, "credentials refused", "AWS_SECRET_ACCESS_KEY", secret="not-the-secret-123")
    with pytest.raises(StorageError) as err:
        store.head("a.txt")  # HEAD answers a bare 403
    assert_one_line(err.value, "access denied while reading a.txt", "AWS_SECRET_ACCESS_KEY",
                    secret="not-the-secret-123")


def test_missing_bucket_is_named(s3_server, tmp_path):
    store = S3Storage(s3_server.bucket_name("missing"), **s3_server.client_args())
    src = tmp_path / "a.mp3"
    src.write_bytes(b"a")
    for call in (lambda: store.head("a.txt"),
                 lambda: store.get("a.txt"),
                 lambda: list(store.list()),
                 lambda: store.put_bytes("a.txt", b"a", content_type="text/plain", cache_control=SHORT),
                 lambda: store.put_file("a.mp3", src, content_type="audio/mpeg", cache_control=IMMUTABLE)):
        with pytest.raises(StorageError) as err:
            call()
        assert_one_line(err.value, f"bucket {store.bucket!r} does not exist", store.endpoint)


def test_non_ascii_metadata_is_refused_before_sending(s3_server):
    store = s3_server.storage()
    with pytest.raises(StorageError, match="must be ASCII"):
        store.put_bytes("a.txt", b"a", content_type="text/plain", cache_control=SHORT, metadata={"tittel": "Blåbær"})
