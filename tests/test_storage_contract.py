"""One contract, two backends: what the pipeline may rely on from any Storage.

Each test runs against LocalStorage (a temp folder) and S3Storage (a fresh bucket on the session's
SeaweedFS, see tests/s3server.py).
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from pipeline.model import files as model_files
from pipeline.model.errors import PreconditionFailed, StorageError
from pipeline.store import IMMUTABLE, SHORT, ObjectReader, cache_control_for, content_type_for, upload_if_changed
from pipeline.store.local import LocalStorage


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.s3)])
def store(request, tmp_path):
    if request.param == "local":
        return LocalStorage(tmp_path / "public")
    return request.getfixturevalue("s3_server").storage()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def put(store, key: str, data: bytes, **kw):
    kw.setdefault("content_type", content_type_for(key))
    kw.setdefault("cache_control", cache_control_for(key))
    kw.setdefault("metadata", {"sha256": sha256(data)})
    return store.put_bytes(key, data, **kw)


def test_put_bytes_then_head_and_get_round_trip_everything(store):
    data = b"<rss/>"
    written = put(store, "show/feed.xml", data)
    head = store.head("show/feed.xml")
    assert head == written
    assert (head.size, head.content_type, head.cache_control) == (6, "application/rss+xml; charset=utf-8", SHORT)
    assert head.sha256 == sha256(data)
    assert head.etag.startswith('"') and head.etag.endswith('"')
    body, info = store.get("show/feed.xml")
    assert body == data and info == head


def test_put_file_reports_progress_and_keeps_type_cache_and_sha256(store, tmp_path):
    data = bytes(range(256)) * 4000  # ~1 MB: a single PUT
    src = tmp_path / "ep.mp3"
    src.write_bytes(data)
    sent = []
    info = store.put_file("show/2024/ep-1234abcd.mp3", src, content_type="audio/mpeg", cache_control=IMMUTABLE,
                          metadata={"sha256": sha256(data)}, progress=sent.append)
    assert sum(sent) == len(data)
    assert info == store.head("show/2024/ep-1234abcd.mp3")
    assert (info.size, info.content_type, info.cache_control, info.sha256) == (
        len(data), "audio/mpeg", IMMUTABLE, sha256(data))
    assert store.get("show/2024/ep-1234abcd.mp3")[0] == data
    assert src.read_bytes() == data  # the source is never touched


@pytest.mark.parametrize("key, content_type, cache_control", [
    ("show/2024/ep-1.mp3", "audio/mpeg", IMMUTABLE),
    ("seminarer/x/video.mp4", "video/mp4", IMMUTABLE),
    ("seminarer/x/captions.vtt", "text/vtt; charset=utf-8", IMMUTABLE),
    ("seminarer/x/slides.pdf", "application/pdf", IMMUTABLE),
    ("seminarer/x/poster.jpg", "image/jpeg", IMMUTABLE),
    ("seminarer/index.html", "text/html; charset=utf-8", SHORT),
    ("show/feed.xml", "application/rss+xml; charset=utf-8", SHORT),
    ("_manifests/show/guid.json", "application/json", SHORT),
    ("show/unknown.bin", "application/octet-stream", IMMUTABLE),
])
def test_content_type_and_cache_control_round_trip(store, tmp_path, key, content_type, cache_control):
    src = tmp_path / "src"
    src.write_bytes(b"x" * 10)
    assert upload_if_changed(store, key, src, sha256(b"x" * 10))
    info = store.head(key)
    assert (info.content_type, info.cache_control) == (content_type, cache_control)


def test_upload_if_changed_sends_nothing_the_second_time(store, tmp_path):
    src = tmp_path / "ep.mp3"
    src.write_bytes(b"first")
    assert upload_if_changed(store, "show/ep.mp3", src, sha256(b"first")) is True
    assert upload_if_changed(store, "show/ep.mp3", src, sha256(b"first")) is False
    src.write_bytes(b"second")
    assert upload_if_changed(store, "show/ep.mp3", src, sha256(b"second")) is True
    assert store.get("show/ep.mp3")[0] == b"second"


def test_missing_objects_are_none(store):
    assert store.head("show/none.mp3") is None
    assert store.get("show/none.mp3") is None
    store.delete("show/none.mp3")  # deleting what is not there is fine


def test_get_range_reads_a_piece_and_stops_at_the_end(store):
    put(store, "show/ep.mp3", b"ID3\x04\x00\x00\x00\x00\x01\x00rest")
    assert store.get_range("show/ep.mp3", 0, 10) == b"ID3\x04\x00\x00\x00\x00\x01\x00"
    assert store.get_range("show/ep.mp3", 10, 100) == b"rest"  # fewer at the end
    assert store.get_range("show/ep.mp3", 14, 10) == b""  # beyond it
    assert store.get_range("show/ep.mp3", 3, 0) == b""
    assert store.get_range("show/none.mp3", 0, 10) is None
    assert io.BufferedReader(ObjectReader(store, "show/ep.mp3", chunk=3)).read() == store.get("show/ep.mp3")[0]


def test_list_with_prefix(store):
    for key in ["a/1.mp3", "a/sub/2.xml", "ab/3.mp3", "b/4.mp3"]:
        put(store, key, key.encode())
    def keys(prefix=""):
        return sorted(info.key for info in store.list(prefix))
    assert keys("a/") == ["a/1.mp3", "a/sub/2.xml"]
    assert keys("a") == ["a/1.mp3", "a/sub/2.xml", "ab/3.mp3"]
    assert keys() == ["a/1.mp3", "a/sub/2.xml", "ab/3.mp3", "b/4.mp3"]
    assert keys("c/") == []
    # A listing gives at least key, size and ETag, the same as head (call head for the rest).
    for info in store.list():
        head = store.head(info.key)
        assert (info.size, info.etag) == (head.size, head.etag)


def test_delete(store):
    put(store, "show/old.mp3", b"old")
    put(store, "show/keep.mp3", b"keep")
    store.delete("show/old.mp3")
    assert store.head("show/old.mp3") is None
    assert [i.key for i in store.list("show/")] == ["show/keep.mp3"]


def test_unconditional_put_replaces(store):
    first = put(store, "show/feed.xml", b"one")
    second = put(store, "show/feed.xml", b"two")
    assert first.etag != second.etag
    assert store.get("show/feed.xml")[0] == b"two"


def test_if_none_match_creates_once(store):
    created = put(store, "_manifests/show/g1.json", b"{}", if_none_match=True)
    assert store.head("_manifests/show/g1.json").etag == created.etag
    with pytest.raises(PreconditionFailed) as err:
        put(store, "_manifests/show/g1.json", b'{"other": 1}', if_none_match=True)
    assert "_manifests/show/g1.json" in str(err.value)
    assert store.get("_manifests/show/g1.json")[0] == b"{}"


def test_if_match_refuses_a_stale_etag_and_takes_the_current_one(store):
    v1 = put(store, "show/feed.xml", b"v1")
    v2 = put(store, "show/feed.xml", b"v2")  # another producer got there first
    with pytest.raises(PreconditionFailed):
        put(store, "show/feed.xml", b"v3 from stale read", if_match=v1.etag)
    assert store.get("show/feed.xml")[0] == b"v2"
    v3 = put(store, "show/feed.xml", b"v3", if_match=v2.etag)
    assert store.head("show/feed.xml").etag == v3.etag
    assert store.get("show/feed.xml")[0] == b"v3"


def test_if_match_on_a_missing_object_fails(store):
    with pytest.raises(PreconditionFailed):
        put(store, "show/gone.xml", b"x", if_match='"0123456789abcdef0123456789abcdef"')
    assert store.head("show/gone.xml") is None


def test_precondition_failed_is_a_storage_error(store):
    put(store, "k.json", b"1")
    with pytest.raises(StorageError):
        put(store, "k.json", b"2", if_none_match=True)


@pytest.mark.parametrize("how", ["if_none_match", "if_match"])
def test_concurrent_conditional_writes_have_exactly_one_winner(store, how):
    """Guarantee 4 (no lost update): the store is the referee between racing producers."""
    key = "show/feed.xml"
    # SeaweedFS queues same-key conditional writes behind a lock it retries once a second: losers can
    # take 1-3 s. A warm bucket (volumes already grown) and six writers keep that short.
    put(store, "show/other.xml", b"warm-up")
    base = put(store, key, b"base") if how == "if_match" else None
    start = threading.Barrier(6)

    def attempt(i: int) -> str:
        start.wait()
        try:
            if how == "if_match":
                put(store, key, f"writer {i}".encode(), if_match=base.etag)
            else:
                put(store, key, f"writer {i}".encode(), if_none_match=True)
            return f"writer {i}"
        except PreconditionFailed:
            return "lost"

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(attempt, range(6)))
    winners = [r for r in results if r != "lost"]
    assert len(winners) == 1, results
    assert store.get(key)[0] == winners[0].encode()


NORWEGIAN = "høstprogram/2024/blåbær-på-Æøå-Ørsta.mp3"


def test_keys_with_norwegian_letters(store, tmp_path):
    src = tmp_path / "ærfugl.mp3"
    src.write_bytes(b"lyd")
    assert upload_if_changed(store, NORWEGIAN, src, sha256(b"lyd"))
    info = store.head(NORWEGIAN)
    assert (info.key, info.size, info.content_type) == (NORWEGIAN, 3, "audio/mpeg")
    assert store.get(NORWEGIAN)[0] == b"lyd"
    assert [i.key for i in store.list("høstprogram/")] == [NORWEGIAN]
    assert not upload_if_changed(store, NORWEGIAN, src, sha256(b"lyd"))
    store.delete(NORWEGIAN)
    assert store.head(NORWEGIAN) is None


@pytest.mark.parametrize("key", ["", "/abs.mp3", "show/../x.mp3", ".meta/x.json"])
def test_invalid_keys_are_refused(store, key):
    with pytest.raises(StorageError, match="invalid object key"):
        store.put_bytes(key, b"x", content_type="text/plain", cache_control=SHORT)
    with pytest.raises(StorageError, match="invalid object key"):
        store.head(key)


def test_url_names_the_store_without_credentials(store, request):
    assert store.url.startswith(("file:///", "s3://")) and not store.url.endswith("/")
    if store.url.startswith("s3://"):
        s3_server = request.getfixturevalue("s3_server")
        assert s3_server.secret_key not in store.url and s3_server.secret_key not in repr(store)


# --- the local store's faults: a StorageError (exit 5) naming the store and the object, nothing half-written ---
# (tests/test_trust.py drives real ones through the CLI: a file size limit, a file where a folder should be)

@pytest.mark.parametrize("code, says", [(errno.ENOSPC, "no space left"), (errno.EDQUOT, "quota"),
                                        (errno.EROFS, "read-only"), (errno.EACCES, "permission denied"),
                                        (errno.EFBIG, "larger than")])
@pytest.mark.parametrize("how", ["put_bytes", "put_file", "if_match"])
def test_local_write_faults_name_the_store_and_the_object(tmp_path, monkeypatch, code, says, how):
    store = LocalStorage(tmp_path / "public")
    old = put(store, "show/feed.xml", b"<rss>old</rss>")
    src = tmp_path / "new.xml"
    src.write_bytes(b"<rss>new</rss>")

    def disk_fault(fd):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(model_files.os, "fsync", disk_fault)
    with pytest.raises(StorageError) as err:
        if how == "put_file":
            store.put_file("show/feed.xml", src, content_type="application/rss+xml", cache_control=SHORT)
        else:
            put(store, "show/feed.xml", b"<rss>new</rss>", if_match=old.etag if how == "if_match" else None)
    monkeypatch.undo()
    assert err.value.exit_code == 5 and err.value.where == store.url
    assert err.value.message.startswith("cannot write show/feed.xml: ") and says in err.value.message
    assert store.get("show/feed.xml")[0] == b"<rss>old</rss>"
    assert not [p for p in store.root.rglob("*") if p.name.endswith(".part")]


def test_local_read_fault_names_the_store_and_the_object(tmp_path, monkeypatch):
    store = LocalStorage(tmp_path / "public")
    put(store, "show/feed.xml", b"<rss/>")

    def failing_disk(self):
        raise OSError(errno.EIO, os.strerror(errno.EIO), str(self))

    monkeypatch.setattr(Path, "read_bytes", failing_disk)
    with pytest.raises(StorageError, match=r"cannot read show/feed.xml: input/output error") as err:
        store.get("show/feed.xml")
    assert err.value.where == store.url


def test_local_store_whose_folder_is_a_file(tmp_path):
    (tmp_path / "public").write_text("ikke en mappe")
    store = LocalStorage(tmp_path / "public")
    for attempt in (lambda: list(store.list()), lambda: store.head("show/feed.xml"),
                    lambda: put(store, "show/feed.xml", b"<rss/>")):
        with pytest.raises(StorageError, match="the store's folder is a file, not a folder") as err:
            attempt()
        assert err.value.where == store.url
    assert list(LocalStorage(tmp_path / "tom").list()) == []  # a missing folder is an empty store


def test_local_store_with_a_file_where_a_folder_should_be(tmp_path):
    store = LocalStorage(tmp_path / "public")
    put(store, "show", b"en fil")
    for key in ("show/feed.xml", "show/2024/a.mp3"):
        assert store.head(key) is None
        with pytest.raises(StorageError, match=f"cannot write {key}: .*public/show is a file where the store needs"):
            put(store, key, b"x")
