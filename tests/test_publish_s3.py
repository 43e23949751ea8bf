"""`publish episode` into an S3 project on the session's real SeaweedFS (tests/s3server.py): what an
anonymous podcast app gets, idempotent re-runs counted in requests, a producer who lacks a colleague's record,
and a store that is unreachable or stops in the middle of a publish."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import signal
import socket
import subprocess
import time
from types import SimpleNamespace
from urllib.parse import urlsplit

import feedparser
import pytest
import requests

from conftest import sha256, snapshot
from pipeline.model.config import load_site
from pipeline.model.errors import StorageError
from pipeline.app.episode import EpisodeRequest, publish_episode
from pipeline.store import SHORT
from tools import seaweed
from pipeline.store.s3 import S3Storage
from projects import (DATE, FEED_KEY, SHOW, S3Relay, aws_env, check_store, clips, make_project, publish_cmd,  # noqa: F401
                      s3_base_url, s3_project)

pytestmark = pytest.mark.s3

TITLE_A = "Samarbeid på tvers"
TITLE_B = "Endringsledelse i staten"
WRITES = ("PUT", "POST", "DELETE")


def run(cmd: list[str], env: dict, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=180, **kwargs)


def error_lines(stderr: str) -> list[str]:
    assert "Traceback" not in stderr, stderr
    return [line for line in stderr.splitlines() if line.startswith("error:")]


@pytest.fixture(scope="module")
def published(s3_server, clips, tmp_path_factory):  # noqa: F811
    """Producer A published one episode through the CLI into a fresh public-read bucket."""
    bucket = s3_server.new_bucket("publish")
    project = s3_project(tmp_path_factory.mktemp("producer-a"), s3_server, bucket)
    env = aws_env(s3_server.env)
    proc = run(publish_cmd(project, clips["a"], TITLE_A, "--json"), env)
    assert proc.returncode == 0, proc.stderr
    return SimpleNamespace(bucket=bucket, project=project, env=env, out=json.loads(proc.stdout),
                           base_url=s3_base_url(s3_server, bucket),
                           store=S3Storage(bucket, **s3_server.client_args()))


def test_anonymous_client_gets_the_enclosure_with_the_feeds_length_and_type_and_a_range(s3_server, published):
    feed = requests.get(s3_server.public_url(published.bucket, FEED_KEY), timeout=10)  # no credentials
    assert feed.status_code == 200
    assert feed.headers["Content-Type"] == "application/rss+xml; charset=utf-8"
    parsed = feedparser.parse(feed.content)
    assert not parsed.bozo, parsed.bozo_exception
    (entry,) = parsed.entries
    assert entry.title == TITLE_A and entry.id == published.out["guid"]
    (enclosure,) = entry.enclosures
    assert enclosure.href == published.out["media"]["url"]
    assert urlsplit(enclosure.href).netloc == urlsplit(s3_server.endpoint).netloc

    head = requests.head(enclosure.href, timeout=10)
    assert head.status_code == 200
    assert head.headers["Content-Length"] == enclosure.length
    assert head.headers["Content-Type"] == enclosure.type == "audio/mpeg"
    body = requests.get(enclosure.href, timeout=10)
    assert body.status_code == 200 and len(body.content) == int(enclosure.length)
    assert hashlib.sha256(body.content).hexdigest() == published.out["media"]["sha256"]
    assert body.headers["Content-Type"] == "audio/mpeg"

    part = requests.get(enclosure.href, headers={"Range": "bytes=0-1"}, timeout=10)
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 0-1/{enclosure.length}"
    assert part.content == body.content[:2]


def test_a_second_identical_publish_uploads_nothing(s3_server, published, clips):  # noqa: F811
    store = published.store
    feed_before = store.head(FEED_KEY)
    objects_before = {i.key: i.etag for i in store.list()}

    # The CLI says it sent nothing and kept the GUID; a relay in front of the server saw no write request.
    relay = S3Relay(s3_server.endpoint)
    try:
        proc = run(publish_cmd(published.project, clips["a"], TITLE_A, "--json"),
                   {**published.env, "AWS_ENDPOINT_URL": relay.endpoint})
    finally:
        relay.close()
    assert proc.returncode == 0, proc.stderr
    again = json.loads(proc.stdout)
    assert again["uploaded"] == [] and again["reused_media"] is True
    assert again["guid"] == published.out["guid"]
    assert again["media"] == published.out["media"]
    assert relay.log and relay.writes() == [], relay.log
    print(f"requests of an identical `publish episode`: {len(relay.log)}, by method "
          f"{ {m: sum(1 for r in relay.log if r[0] == m) for m in sorted({r[0] for r in relay.log})} }")

    # The same publish in this process, every request boto3 makes counted with a botocore event hook.
    sent: list[tuple[str, str]] = []

    def count(request, **_kwargs) -> None:  # before-send: every HTTP request boto3 makes, retries included
        sent.append((request.method, urlsplit(request.url).path))

    counted = S3Storage(published.bucket, **s3_server.client_args())
    counted._client.meta.events.register("before-send.s3", count)
    req = EpisodeRequest(source=clips["a"], show=SHOW, title=TITLE_A, date=dt.date.fromisoformat(DATE))
    result = publish_episode(load_site(published.project), req, storage=counted)
    assert result.episode.guid == published.out["guid"] and result.uploaded == []
    assert sent, "the publish did not talk to the store at all"
    assert [r for r in sent if r[0] in WRITES] == [], sent
    print(f"requests of an identical re-publish: {sorted({m for m, _ in sent})}, {len(sent)} in all, 0 writes")

    # The counter does see writes (so the zero above means something).
    counted.put_bytes("scratch/probe.txt", b"x", content_type="text/plain", cache_control=SHORT)
    assert [r[0] for r in sent if r[0] in WRITES] == ["PUT"]
    counted.delete("scratch/probe.txt")

    assert store.head(FEED_KEY).etag == feed_before.etag
    assert {i.key: i.etag for i in store.list()} == objects_before


def test_a_producer_missing_a_colleagues_record_is_told_to_pull_and_the_feed_keeps_it(
        s3_server, published, clips, tmp_path):  # noqa: F811
    """Producer B (another machine: own folder, same bucket) has not pulled A's record."""
    b = s3_project(tmp_path / "producer-b", s3_server, published.bucket)
    proc = run(publish_cmd(b, clips["b"], TITLE_B, "--json"), published.env)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    (warning,) = [w for w in out["warnings"] if TITLE_A in w]
    assert published.out["guid"][:8] in warning and "git pull" in warning, warning
    assert any(line.startswith("warning:") and TITLE_A in line for line in proc.stderr.splitlines()), proc.stderr

    _, items = check_store(published.store, b, published.base_url)
    assert sorted(i.title for i in items) == sorted([TITLE_A, TITLE_B])
    assert {i.guid for i in items} == {published.out["guid"], out["guid"]}
    # B's folder got B's record only: pulling A's is for git, not for publish.
    assert [p.name for p in (b / "episodes" / SHOW).glob("*.md")] == [f"{DATE}-endringsledelse-i-staten.md"]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_store_gives_one_line_naming_the_endpoint_and_changes_nothing(s3_server, published, clips,
                                                                                   tmp_path):  # noqa: F811
    import shutil

    project = s3_project(tmp_path / "offline", s3_server, published.bucket)
    shutil.copytree(published.project / "episodes", project / "episodes", dirs_exist_ok=True)
    endpoint = f"http://127.0.0.1:{closed_port()}"
    env = {**published.env, "AWS_ENDPOINT_URL": endpoint}
    before, source = snapshot(project / "episodes"), sha256(clips["b"])
    proc = run(publish_cmd(project, clips["b"], TITLE_B), env)
    assert proc.returncode != 0
    (line,) = error_lines(proc.stderr)
    assert f"s3://{published.bucket} at {endpoint}: could not connect" in line, line
    assert s3_server.secret_key not in proc.stderr + proc.stdout
    assert snapshot(project / "episodes") == before and before
    assert sha256(clips["b"]) == source
    assert not (project / "public").exists()


def test_store_stopped_in_the_middle_of_a_publish_loses_nothing(clips, tmp_path):  # noqa: F811
    """A throwaway SeaweedFS: publish A; publish B and stop the server while B encodes (B is paused with
    SIGSTOP meanwhile, so the timing is certain); B fails in one line; restarted on the same folder and ports,
    the store is exactly as A left it, and B published again ends up beside A."""
    data = tmp_path / "weed"
    server = seaweed.start(data, die_with_parent=True)
    try:
        bucket = "podcast"
        store = S3Storage(bucket, endpoint_url=server.endpoint, region=server.region,
                          access_key=server.access_key, secret_key=server.secret_key)
        store.ensure_bucket(public_read=True)
        project = make_project(tmp_path / "producer", f"s3://{bucket}/", f"{server.endpoint}/{bucket}")
        env = aws_env(server.env())
        first = run(publish_cmd(project, clips["a"], TITLE_A, "--json"), env)
        assert first.returncode == 0, first.stderr
        objects = {i.key: i.etag for i in store.list()}
        feed = store.get(FEED_KEY)[0]
        records, source = snapshot(project / "episodes"), sha256(clips["b"])

        # Two attempts instead of five: the same error, without ~8 s of backoff (retries: test_storage_s3.py).
        proc = subprocess.Popen(publish_cmd(project, clips["b"], TITLE_B), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env={**env, "AWS_MAX_ATTEMPTS": "2"})
        stages = []
        for line in proc.stderr:  # stage lines: "• probing …", "• measuring", "• encoding …"
            stages.append(line.rstrip())
            if line.startswith("•") and "probing" not in line:
                os.kill(proc.pid, signal.SIGSTOP)  # past its first look at the store, before any upload
                break
        else:
            pytest.fail(f"publish ended before encoding: {stages}")
        try:
            assert server.stop()
        finally:
            os.kill(proc.pid, signal.SIGCONT)
        rest, err = proc.communicate(timeout=120)
        assert proc.returncode != 0, rest
        (line,) = error_lines(err)
        assert f"s3://{bucket} at {server.endpoint}: could not connect" in line, line
        assert snapshot(project / "episodes") == records
        assert sha256(clips["b"]) == source

        server = seaweed.start(data, access_key=server.access_key, secret_key=server.secret_key,
                               ports=server.ports, die_with_parent=True)
        assert {i.key: i.etag for i in store.list()} == objects
        # A restarted SeaweedFS lists at once but may answer reads with 500 until its volume is loaded again.
        deadline = time.monotonic() + 30
        while True:
            try:
                got = store.get(FEED_KEY)
                break
            except StorageError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        assert got[0] == feed
        assert requests.get(f"{server.endpoint}/{bucket}/{FEED_KEY}", timeout=10).content == feed

        again = run(publish_cmd(project, clips["b"], TITLE_B, "--json"), env)
        assert again.returncode == 0, again.stderr
        _, items = check_store(store, project, f"{server.endpoint}/{bucket}")
        assert sorted(i.title for i in items) == sorted([TITLE_A, TITLE_B])
    finally:
        server.stop()
