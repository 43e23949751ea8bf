"""No lost update (design.md, guarantee 4): two producers, each on their own machine (own project folder),
publish different recordings to one show in one store at the same moment; both end up in the feed.

Left to chance, the two runs hardly ever collide: the window between reading the manifests and writing the
feed is milliseconds, the encodes differ by more, and the second simply sees the first's manifest (with the
conditional writes removed from publish.py, 20 of 20 such repetitions still passed). So each repetition makes
the two feed writes collide, without touching the pipeline:

- S3: the publishers talk to SeaweedFS through a transparent relay (tests/projects.py, S3Relay) that holds
  the first feed PUT until the second arrives and forwards the second first. The first was rendered from the
  older state, so only the server's If-Match / If-None-Match keeps it from overwriting the second.
- local folder: the test holds the store's own lock (as a third producer mid-write would) until both
  publishers have rendered their feed and wait for it; then whoever gets the lock first writes.

With the conditional writes removed again, both tests fail: S3 in every repetition, the local folder in about
half of them (when the stale writer happens to get the lock second).

Ten repetitions per backend, a fresh store and fresh folders each time (two repetitions run at a time). In odd
repetitions the store already has a feed (no items yet), so the writers race on If-Match; in even ones there
is none: If-None-Match: *.
Repetition 0 publishes from scratch (encode, loudness picture, ...: some 2.5 s of CPU per publish). To keep
the suite fast, repetitions 1-9 start where an encode would end: each producer's folder has the record of
repetition 0 and the fresh store has its media (not its manifests, not its feed), so `publish episode` reuses
the media and goes straight on to manifest, record and feed, the part under test.
"""

from __future__ import annotations

import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from pipeline.model.config import load_show, load_site
from pipeline.app.regenerate import regenerate_feed
from pipeline.model.records import load_records, slugify
from pipeline.store.local import LocalStorage
from pipeline.store.s3 import S3Storage
from projects import (DATE, FEED_KEY, LOCAL_BASE_URL, SHOW, S3Relay, aws_env, check_store, clips,  # noqa: F401
                      copy_objects, local_project, publish_cmd, s3_base_url, s3_project)

REPETITIONS = 10
TITLES = ("Innkjøp på tvers", "Ledelse i endring")
FEED_STAGE = "regenerating the feed"


class Run:
    """One `publish episode` subprocess, its output read as it comes."""

    def __init__(self, cmd: list[str], env: dict):
        self.started = time.monotonic()
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env={**env, "COLUMNS": "1000"})  # rich: one warning per line
        self.out: list[str] = []
        self.err: list[str] = []
        self.at_feed = threading.Event()
        self._readers = [threading.Thread(target=self._read, args=(self.proc.stdout, self.out), daemon=True),
                         threading.Thread(target=self._read, args=(self.proc.stderr, self.err), daemon=True)]
        for t in self._readers:
            t.start()

    def _read(self, stream, lines: list[str]) -> None:
        for line in stream:
            lines.append(line.rstrip("\n"))
            if FEED_STAGE in line:
                self.at_feed.set()

    def reached_feed_or_ended(self) -> bool:
        return self.at_feed.is_set() or self.proc.poll() is not None

    def cpu_ticks(self) -> int:
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rpartition(")")[2].split()
            return int(fields[11]) + int(fields[12])  # utime + stime
        except (OSError, IndexError, ValueError):
            return -1

    def finish(self, rep: int) -> list[str]:
        """Wait for the end; the warnings it gave."""
        self.proc.wait(timeout=180)
        for t in self._readers:
            t.join(timeout=10)
        assert self.proc.returncode == 0, f"repetition {rep}: " + "\n".join(self.err)
        return [line for line in self.err if line.startswith("warning:")]


def start(projects: list[Path], recordings: list[Path], env: dict) -> list[Run]:
    return [Run(publish_cmd(project, recording, title), env)
            for project, recording, title in zip(projects, recordings, TITLES)]


def wait_until(predicate, timeout: float, step: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def wait_idle(runs: list[Run], quiet: float = 0.3, timeout: float = 15.0) -> None:
    """Until no run has used CPU for ``quiet`` seconds: both have rendered and sit waiting for the lock."""
    deadline = time.monotonic() + timeout
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        ticks = [r.cpu_ticks() for r in runs]
        if ticks != last:
            last, since = ticks, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return
        time.sleep(0.05)


def check_feed(rep: int, projects: list[Path], store, base_url: str, runs: list[Run]) -> str:
    warnings = [run.finish(rep) for run in runs]
    took = time.monotonic() - runs[0].started
    if rep:  # the CLI's summary line says so when it reused the media in the store
        assert all(any("reused" in line for line in run.out) for run in runs), "the media was re-encoded"
    manifests, items = check_store(store, projects[0], base_url)
    assert items is not None, f"repetition {rep}: no feed"
    assert sorted(i.title for i in items) == sorted(TITLES), f"repetition {rep}: the feed has {items}"
    # Each producer has their own record and nothing else; the feed has both, under the records' GUIDs.
    records = [load_records(project / "episodes", SHOW) for project in projects]
    assert [[r.title for r in rs] for rs in records] == [[t] for t in TITLES]
    assert {i.guid for i in items} == {rs[0].guid for rs in records} == set(manifests)
    warned = sum(any(t in w for w in ws for t in TITLES) for ws in warnings)
    return f"both in the feed after {took:.1f} s; {warned} of 2 warned about the other's record"


def prepare(rep: int, projects: list[Path], store, base_url: str, first: dict | None) -> dict:
    """Set up repetition ``rep``; returns what repetition 0 left, for the next ones to start from."""
    if first is not None:  # the encodes of repetition 0, as if these producers had just made them
        copy_objects(first["store"], store, skip=lambda key: key.startswith("_manifests/") or key == FEED_KEY)
        for project, record in zip(projects, first["records"]):
            folder = project / "episodes" / SHOW
            folder.mkdir(parents=True, exist_ok=True)
            (folder / record.name).write_text(record.read_text().replace(first["base_url"], base_url))
    if rep % 2:  # an empty feed already in the store: the race is on If-Match rather than If-None-Match
        site = load_site(projects[0])
        regenerate_feed(site, load_show(site, SHOW), store)
        assert store.head(FEED_KEY) is not None
    return first or {"store": store, "base_url": base_url,
                     "records": [project / "episodes" / SHOW / f"{DATE}-{slugify(t)}.md"
                                 for project, t in zip(projects, TITLES)]}


def repeat(one) -> None:
    """Repetition 0 alone (it makes the media the others start from), then two repetitions at a time, each
    with its own store and folders; reports in order, the first failure raised."""
    print(one(0))
    with ThreadPoolExecutor(2) as pool:
        for line in [pool.submit(one, rep) for rep in range(1, REPETITIONS)]:
            print(line.result())


@pytest.mark.s3
def test_two_producers_publishing_at_once_to_s3_both_end_up_in_the_feed(s3_server, clips, tmp_path):  # noqa: F811
    relay = S3Relay(s3_server.endpoint)
    env = aws_env({**s3_server.env, "AWS_ENDPOINT_URL": relay.endpoint})
    first: dict = {}

    def one(rep: int) -> str:
        bucket = s3_server.new_bucket(f"race-{rep}")
        base_url = s3_base_url(s3_server, bucket)
        projects = [s3_project(tmp_path / f"{rep}-{who}", s3_server, bucket) for who in ("anne", "bjorn")]
        store = S3Storage(bucket, **s3_server.client_args())  # straight to the server, not via the relay
        first.update(prepare(rep, projects, store, base_url, first or None))
        relay.hold_pair(f"{bucket}/{FEED_KEY}")
        line = check_feed(rep, projects, store, base_url, start(projects, [clips["a"], clips["b"]], env))
        held = relay.held(f"{bucket}/{FEED_KEY}")
        # The feed write rendered later went first and was stored; the earlier one, now stale, was refused.
        assert [note for note, _ in held] == ["held, forwarded first", "held, forwarded last"], held
        assert held[0][1] == 200 and held[1][1] in (409, 412), held
        return (f"repetition {rep} ({'If-Match' if rep % 2 else 'If-None-Match'}): feed PUTs answered "
                f"{held[0][1]} then {held[1][1]}; {line}")

    try:
        repeat(one)
    finally:
        relay.close()


def test_two_producers_publishing_at_once_to_one_local_folder_both_end_up_in_the_feed(clips, tmp_path):  # noqa: F811
    env = aws_env({})
    first: dict = {}

    def one(rep: int) -> str:
        shared = tmp_path / f"{rep}-shared" / "public"
        projects = [local_project(tmp_path / f"{rep}-{who}", shared) for who in ("anne", "bjorn")]
        store = LocalStorage(shared)
        first.update(prepare(rep, projects, store, LOCAL_BASE_URL, first or None))
        with store._lock:  # the lock LocalStorage takes for conditional writes
            runs = start(projects, [clips["a"], clips["b"]], env)
            assert wait_until(lambda: all(r.reached_feed_or_ended() for r in runs), timeout=180)
            wait_idle(runs)
        return (f"repetition {rep} ({'If-Match' if rep % 2 else 'If-None-Match'}): "
                f"{check_feed(rep, projects, store, LOCAL_BASE_URL, runs)}")

    repeat(one)
