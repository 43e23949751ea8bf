"""Who may frame which page, in the S3 store (the session's real SeaweedFS, tests/s3server.py): the pages the
pipeline writes carry ``frame-ancestors`` as object metadata (``*`` on a seminar's embed page, ``'self'`` on
every other page, none on media), which S3 answers as ``x-amz-meta-frame-ancestors`` for a CDN in front of it
to turn into the ``Content-Security-Policy`` header; a page stored without it is written once more, with it.
"""

from __future__ import annotations

import hashlib

import pytest
import requests

from pipeline.store import FRAME_ANCESTORS, SHORT, upload_if_changed
from pipeline.store.http import framing
from pipeline.store.writes import write_if_changed

pytestmark = pytest.mark.s3

FOLDER = "seminarer/nye-arbeidsmater"
PAGE = b'<!doctype html><html lang="nb"><title>Side</title></html>'


def test_pages_carry_who_may_frame_them_and_anonymous_readers_see_it(s3_server, tmp_path):
    store = s3_server.storage()
    assert write_if_changed(store, f"{FOLDER}/embed.html", PAGE)
    assert write_if_changed(store, f"{FOLDER}/index.html", PAGE)
    assert write_if_changed(store, "seminarer/index.html", PAGE)
    mp4 = tmp_path / "video.mp4"
    mp4.write_bytes(b"\0" * 1000)
    assert upload_if_changed(store, f"{FOLDER}/nye-arbeidsmater-abcd1234.mp4", mp4,
                             hashlib.sha256(mp4.read_bytes()).hexdigest())
    wanted = {f"{FOLDER}/embed.html": "*", f"{FOLDER}/index.html": "'self'", "seminarer/index.html": "'self'",
              f"{FOLDER}/nye-arbeidsmater-abcd1234.mp4": None}
    for key, sources in wanted.items():
        info = store.head(key)
        assert info.metadata.get(FRAME_ANCESTORS) == sources, (key, info.metadata)
        got = requests.get(s3_server.public_url(store.bucket, key), timeout=5)
        assert got.status_code == 200 and got.headers.get(f"x-amz-meta-{FRAME_ANCESTORS}") == sources, key
        # what publish serve (and a CDN rule) sends from that metadata
        assert framing(key, info.metadata) == ({"Content-Security-Policy": f"frame-ancestors {sources}"}
                                               if sources else {})
    assert not write_if_changed(store, f"{FOLDER}/embed.html", PAGE)  # unchanged: nothing sent


def test_a_page_stored_without_framing_is_written_again_with_it(s3_server):
    store = s3_server.storage()
    key = f"{FOLDER}/embed.html"
    store.put_bytes(key, PAGE, content_type="text/html; charset=utf-8", cache_control=SHORT,
                    metadata={"sha256": hashlib.sha256(PAGE).hexdigest()})
    assert store.head(key).metadata.get(FRAME_ANCESTORS) is None
    assert write_if_changed(store, key, PAGE)
    assert store.head(key).metadata.get(FRAME_ANCESTORS) == "*"
    assert not write_if_changed(store, key, PAGE)
