"""Crash safety (design.md, guarantees 1, 3 and 5): `publish episode` killed with SIGKILL at random moments.

After every kill, what a reader or the next run sees is consistent: the feed, if there is one, parses and names
only media that is in the store with exactly the feed's length; every manifest names whole media; every local
record has its manifest; the episode published before is still in the feed. Then the same command, run again,
converges to what an uninterrupted run gives: the same feed bytes, but for the new episode's GUID (a kill before
the manifest reached the store leaves no GUID to keep) and, on S3, the bucket's URL. When the killed run's
manifest or record did get written, the re-run keeps its GUID.

The kill moments come from random.Random(SEED), so a failing trial can be replayed: half the trials kill at a
uniform moment of a whole run ("anywhere"; most land in start-up or the encode, where nothing is written yet),
the other half at a uniform moment between "uploading" and "Published" as an uninterrupted run took them
("writing": media, manifest, record, feed).
The local backend starts from a store with one episode in it; S3 from an empty bucket. Two trials run at a
time, each on its own copy of the project and store.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipeline.model.records import load_records, slugify
from pipeline.store.local import LocalStorage
from pipeline.store.s3 import S3Storage
from projects import (FEED_KEY, LOCAL_BASE_URL, SHOW, aws_env, check_store, clips, local_project,  # noqa: F401
                      make_project, publish_cmd, s3_base_url, s3_project)

SEED = 20240115
LOCAL_TRIALS = 15
S3_TRIALS = 5
PARALLEL = 2
TITLE = "Krasj midt i publiseringen"
SLUG = slugify(TITLE)
BEFORE_TITLE = "Forrige episode"
UPLOADING = "uploading"


def schedule(n: int, seed: int) -> list[tuple[str, float]]:
    rng = random.Random(seed)
    return [("anywhere" if i % 2 == 0 else "writing", rng.random()) for i in range(n)]


@dataclass
class Timing:
    total: float  # start to exit of an uninterrupted run
    writing: float  # "uploading" to "Published": the writes to the store
    feed: str  # the uninterrupted run's feed, normalised
    exact: bool  # compare feeds byte for byte but for the new GUID (one local store URL for all trials)


class Publish:
    """`publish episode` in its own process group, its output watched: the "uploading" stage (stderr) starts
    the writes to the store, "Published" (stdout) comes right after the last one."""

    def __init__(self, cmd: list[str], env: dict):
        self.started = time.monotonic()
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                                     start_new_session=True)
        self.uploading: float | None = None
        self.published: float | None = None
        self.at_upload = threading.Event()
        self.err: list[str] = []
        self._readers = [threading.Thread(target=self._read_err, daemon=True),
                         threading.Thread(target=self._read_out, daemon=True)]
        for t in self._readers:
            t.start()

    def _read_err(self) -> None:
        for line in self.proc.stderr:
            self.err.append(line.rstrip())
            if UPLOADING in line and self.uploading is None:
                self.uploading = time.monotonic()
                self.at_upload.set()
        self.at_upload.set()  # ended without uploading

    def _read_out(self) -> None:
        for line in self.proc.stdout:
            if line.startswith("Published") and self.published is None:
                self.published = time.monotonic()

    def kill(self) -> bool:
        """SIGKILL to the run and its ffmpeg children. True if it was still running."""
        running = self.proc.poll() is None
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=30)
        for t in self._readers:
            t.join(timeout=10)
        return running

    def finish(self) -> float:
        self.proc.wait(timeout=180)
        for t in self._readers:
            t.join(timeout=10)
        assert self.proc.returncode == 0, "\n".join(self.err)
        return time.monotonic() - self.started


def normalise(feed: bytes, guid: str, base_url: str, exact: bool) -> str:
    """The feed but for the new episode's GUID; unless ``exact``, but for the store's URL too (a bucket per
    trial), and so for the show's podcast:guid, which the first feed written to a store takes from its URL."""
    text = feed.decode().replace(guid, "{EPISODE-GUID}")
    if not exact:
        text = text.replace(base_url, "{BASE-URL}")
        text = re.sub(r"<podcast:guid>[^<]*</podcast:guid>", "<podcast:guid>{SHOW-GUID}</podcast:guid>", text)
    return text


def the_new_one(manifests: dict) -> list:
    return [ep for ep in manifests.values() if ep.slug == SLUG]


def measure(project: Path, store, base_url: str, recording: Path, env: dict, before: set[str], exact: bool) -> Timing:
    """An uninterrupted run: how long it takes, and the feed every interrupted one must converge to."""
    run = Publish(publish_cmd(project, recording, TITLE), env)
    total = run.finish()
    manifests, items = check_store(store, project, base_url)
    (new,) = the_new_one(manifests)
    assert {i.title for i in items} == before | {TITLE}
    feed = store.get(FEED_KEY)[0]
    assert run.uploading and run.published
    return Timing(total=total, writing=run.published - run.uploading, exact=exact,
                  feed=normalise(feed, new.guid, base_url, exact))


def trial(n: int, mode: str, u: float, project: Path, store, base_url: str, recording: Path, env: dict,
          timing: Timing, before: set[str]) -> str:
    tmp = project / "tmp"
    tmp.mkdir()
    cmd = publish_cmd(project, recording, TITLE)
    run = Publish(cmd, {**env, "TMPDIR": str(tmp)})
    if mode == "anywhere":
        delay = u * timing.total
        time.sleep(max(0.0, run.started + delay - time.monotonic()))
    else:
        delay = u * timing.writing
        assert run.at_upload.wait(timeout=180)
        time.sleep(max(0.0, (run.uploading or time.monotonic()) + delay - time.monotonic()))
    killed = run.kill()
    where = f"trial {n:2d} ({mode}, u={u:.3f}): kill at {delay:.2f} s" + (
        " after «uploading»" if mode == "writing" else "")

    # What a reader and the next run see now.
    manifests, items = check_store(store, project, base_url)
    if before:
        assert items is not None and before <= {i.title for i in items}, f"{where}: an episode left the feed"
    new = the_new_one(manifests)
    assert len(new) <= 1, f"{where}: {len(new)} manifests for one episode"
    records = [ep for ep in load_records(project / "episodes", SHOW) if ep.slug == SLUG]
    kept = new[0].guid if new else None
    media = [info.key for info in store.list(f"{SHOW}/") if Path(info.key).name.startswith(f"{SLUG}-")]
    state = ("in the feed" if items and TITLE in {i.title for i in items} else "record written" if records
             else "manifest stored" if new else "media stored" if media else "nothing stored")
    if not killed:
        state = "finished before the kill"

    # The same command again converges.
    again = subprocess.run(cmd, capture_output=True, text=True, env={**env, "TMPDIR": str(tmp)}, timeout=180)
    assert again.returncode == 0, f"{where} ({state}); the re-run failed: {again.stderr}"
    manifests, items = check_store(store, project, base_url)
    (final,) = the_new_one(manifests)
    if kept:
        assert final.guid == kept, f"{where} ({state}): the GUID changed from {kept} to {final.guid}"
    (record,) = [ep for ep in load_records(project / "episodes", SHOW) if ep.slug == SLUG]
    assert record.guid == final.guid
    assert {i.title for i in items} == before | {TITLE}
    feed = store.get(FEED_KEY)[0]
    assert normalise(feed, final.guid, base_url, timing.exact) == timing.feed, \
        f"{where} ({state}): the feed differs from an uninterrupted run's"
    litter = sum(1 for _ in tmp.iterdir())
    return f"{where} -> {state}; converged" + (f" ({litter} temp folder(s) left behind)" if litter else "")


def test_killed_publish_leaves_a_consistent_local_store_and_a_rerun_converges(clips, tmp_path):  # noqa: F811
    env = aws_env({})
    base = make_project(tmp_path / "base", "file://public", LOCAL_BASE_URL)  # the store inside the project
    done = subprocess.run(publish_cmd(base, clips["c"], BEFORE_TITLE, date="2024-01-08"), capture_output=True,
                          text=True, env=env)
    assert done.returncode == 0, done.stderr
    before = {BEFORE_TITLE}

    def copy(name: str) -> tuple[Path, LocalStorage]:
        project = tmp_path / name
        shutil.copytree(base, project, symlinks=True)
        return project, LocalStorage(project / "public")

    project, store = copy("reference")
    timing = measure(project, store, LOCAL_BASE_URL, clips["a"], env, before, exact=True)
    print(f"uninterrupted: {timing.total:.2f} s, of which {timing.writing:.2f} s from «uploading» to «Published»")

    def one(n: int, mode: str, u: float) -> str:
        project, store = copy(f"trial-{n}")
        line = trial(n, mode, u, project, store, LOCAL_BASE_URL, clips["a"], env, timing, before)
        parts = list((project / "public").rglob(".*.part"))
        return line + (f"; {len(parts)} hidden .part file(s) of an interrupted write in the store" if parts else "")

    run_trials(one, schedule(LOCAL_TRIALS, SEED))


@pytest.mark.s3
def test_killed_publish_leaves_a_consistent_bucket_and_a_rerun_converges(s3_server, clips, tmp_path):  # noqa: F811
    env = aws_env(s3_server.env)

    def fresh(name: str) -> tuple[Path, S3Storage, str]:
        bucket = s3_server.new_bucket(name)
        return (s3_project(tmp_path / name, s3_server, bucket), S3Storage(bucket, **s3_server.client_args()),
                s3_base_url(s3_server, bucket))

    project, store, base_url = fresh("crash-ref")
    timing = measure(project, store, base_url, clips["a"], env, set(), exact=False)
    print(f"uninterrupted: {timing.total:.2f} s, of which {timing.writing:.2f} s from «uploading» to «Published»")

    def one(n: int, mode: str, u: float) -> str:
        project, store, base_url = fresh(f"crash-{n}")
        return trial(n, mode, u, project, store, base_url, clips["a"], env, timing, set())

    run_trials(one, schedule(S3_TRIALS, SEED + 1))


def run_trials(one, plan: list[tuple[str, float]]) -> None:
    """Two trials at a time (each has its own folders and store); their reports in order; the first failure."""
    with ThreadPoolExecutor(PARALLEL) as pool:
        futures = [pool.submit(one, n, mode, u) for n, (mode, u) in enumerate(plan)]
        for future in futures:
            print(future.result())


# --- stopped politely: SIGTERM / SIGHUP ----------------------------------------------------------------

def _ffmpegs_reading(path: Path) -> list[int]:
    """PIDs of ffmpeg processes whose command line names ``path`` (as it is, or as ``runner.file_arg`` gives it)."""
    names = {str(path).encode(), f"file:{path}".encode()}
    found = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if cmdline and cmdline[0].endswith(b"ffmpeg") and names & set(cmdline):
            found.append(int(proc.name))
    return found


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGHUP])
def test_a_stopped_publish_ends_its_ffmpegs_and_leaves_nothing_behind(tmp_path, media, stop_signal):
    """Stopped while encoding: one line, exit 128+N, no ffmpeg left running, no temporary folder, no
    hidden .part file in the store, nothing in episodes/; the same command then publishes it."""
    store = tmp_path / "store"
    project = local_project(tmp_path / "project", store)
    long = tmp_path / "long.wav"  # about 7 minutes: the encode is still running when the signal comes
    subprocess.run(["ffmpeg", "-hide_banner", "-v", "error", "-stream_loop", "9", "-i", str(media["conversation"]),
                    "-c", "copy", str(long)], check=True)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    proc = subprocess.Popen(publish_cmd(project, long, TITLE), stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            text=True, env=env)
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if "encoding" in line:
            break
    time.sleep(0.5)
    assert _ffmpegs_reading(long), "the encode should be running now"
    proc.send_signal(stop_signal)
    rest = proc.stderr.read()
    assert proc.wait(timeout=30) == 128 + stop_signal
    last = rest.strip().splitlines()[-1]
    assert last.startswith(f"stopped by {signal.Signals(stop_signal).name}; nothing half-written was left")
    assert "Traceback" not in rest
    time.sleep(0.2)
    assert _ffmpegs_reading(long) == []
    assert list(scratch.iterdir()) == []  # the temporary folder is gone
    assert not [p for p in store.rglob("*") if p.name.endswith(".part")]
    assert not (project / "episodes" / SHOW).exists() or not list((project / "episodes" / SHOW).iterdir())
    again = subprocess.run(publish_cmd(project, long, TITLE), capture_output=True, text=True, env=env)
    assert again.returncode == 0, again.stderr
    assert len(load_records(project / "episodes", SHOW)) == 1
