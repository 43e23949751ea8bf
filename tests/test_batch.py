"""`publish batch` (issue 14) against the real SeaweedFS: two episodes and a seminar published without
transcripts are transcribed, then remastered to a new loudness target, then verified; a driver killed
mid-batch is resumed; an item whose published media is broken fails alone; an identical second run plans
nothing. Once through the local process pool and once through Ray in local mode (``ray.init(num_cpus=2)``,
on loopback only)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
from pathlib import Path

import pytest

from conftest import PUBLISH, ffmpeg, run_publish
from pipeline.model.records import load_records
from pipeline.store.s3 import S3Storage
from projects import (aws_env, check_store, clips, feed_items, s3_base_url, s3_project,  # noqa: F401
                      store_manifests)
from tools.models import whisper_base
from tools.samples import speak

pytestmark = pytest.mark.s3

SEMINAR = "seminarer"
EPISODES = "endringspodden"


@pytest.fixture(scope="module")
def seminar_clip(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("batch-seminar")
    speech = speak("Velkommen til frokostseminaret om digitalisering.", folder / "speech.wav")
    out = folder / "seminar.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x90:rate=10:duration=3", "-i", str(speech), "-af", "apad",
           "-t", "3", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-ac", "2",
           str(out))
    return out


@pytest.fixture(scope="module", params=["local", "ray"])
def where(request, s3_server, tmp_path_factory):
    """``--cluster`` for the batch: the local pool, or the Ray instance this test process starts."""
    if request.param == "local":
        yield "local"
        return
    # Set before Ray is imported, which reads it then: with it and the loopback node address, every Ray
    # process listens on 127.0.0.1 only (checked with `ss -tlnp` while these tests ran).
    os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    ray = pytest.importorskip("ray")
    # The workers' machine (here: this one) has the store's credentials in its environment, the standard AWS
    # chain; the jobs carry none.
    kept = {k: os.environ.get(k) for k in ("PYTHONPATH", "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", *s3_server.env)}
    os.environ.update(s3_server.env)
    os.environ["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).parents[1]), str(Path(__file__).parent)])
    os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    ray.init(num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1", log_to_driver=False,
             _temp_dir=str(tmp_path_factory.mktemp("ray")))
    try:
        yield "auto"
    finally:
        ray.shutdown()
        for k, v in kept.items():
            os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)


@pytest.fixture(scope="module")
def catalogue(s3_server, clips, seminar_clip, where, tmp_path_factory):  # noqa: F811
    """A back catalogue in S3: two episodes and a seminar, published without transcripts or captions."""
    bucket = s3_server.new_bucket("batch")
    project = s3_project(tmp_path_factory.mktemp("catalogue"), s3_server, bucket)
    site = project / "feeds" / "site.toml"
    site.write_text(site.read_text() + f'[speech]\nmodel = "{whisper_base()}"\n')
    env = aws_env(s3_server.env)
    for clip, title, date in ((clips["a"], "Samarbeid på tvers", "2023-05-02"),
                              (clips["b"], "Endringsledelse i staten", "2024-02-01")):
        done = run_publish(project, "episode", str(clip), "--show", EPISODES, "--title", title, "--date", date,
                           env=env)
        assert done.returncode == 0, done.stderr
    done = run_publish(project, "seminar", str(seminar_clip), "--title", "Digitalisering til frokost",
                       "--date", "2024-03-01", "--time", "08:30-10:00", "--speaker", "Kari Nordmann | leder",
                       env=env)
    assert done.returncode == 0, done.stderr
    store = S3Storage(bucket, **s3_server.client_args())
    return project, env, store, s3_base_url(s3_server, bucket)


def batch(catalogue, where, *args: str):
    project, env, _, _ = catalogue
    done = run_publish(project, "batch", *args, "--cluster", where, "--json", env=env)
    assert "Traceback" not in done.stderr and done.stdout, done.stderr
    return done, json.loads(done.stdout)


def consistent(catalogue, settled: bool = True) -> dict:
    """Every manifest names whole objects, every record has its manifest, the feed names objects in the store
    with their lengths; ``settled`` (not right after a kill): the feed names what the manifests name."""
    project, _, store, base = catalogue
    manifests = {}
    for show in (EPISODES, SEMINAR):
        if settled:
            found, items = check_store(store, project, base, show)
        else:
            found, items = store_manifests(store, show), feed_items(store, base, show)
            assert {r.guid for r in load_records(project / "episodes", show)} <= set(found)
        assert items and {i.guid for i in items} == set(found)
        manifests.update(found)
    return manifests


def set_target(project: Path, lufs: float) -> None:
    for show in (EPISODES, SEMINAR):
        toml = project / "feeds" / f"{show}.toml"
        toml.write_text(re.sub(r"(?m)^integrated = [-0-9.]+", f"integrated = {lufs}", toml.read_text()))


def test_transcribe_remaster_verify_and_a_second_run_does_nothing(catalogue, where):
    project, env, store, _ = catalogue
    guids = set(consistent(catalogue))
    done, plan = batch(catalogue, where, "transcribe", "--dry-run")
    assert (plan["planned"], plan["done"], plan["failed"]) == (3, 0, [])

    done, out = batch(catalogue, where, "transcribe")
    assert done.returncode == 0 and (out["done"], out["failed"]) == (3, []), (out["failed"], done.stderr)
    manifests = consistent(catalogue)
    assert set(manifests) == guids  # GUIDs kept
    for item in manifests.values():
        roles = {"captions"} if item.show == SEMINAR else {"transcript-vtt", "transcript-txt"}
        assert roles <= set(item.renditions) and item.source["batch"]["transcribe"]
    feed = store.get(f"{EPISODES}/feed.xml")[0].decode()
    assert feed.count("<podcast:transcript") == 4  # a WebVTT and a text per episode
    (seminar,) = [i for i in manifests.values() if i.show == SEMINAR]
    page = store.get(f"{SEMINAR}/{seminar.slug}/index.html")[0].decode()
    assert 'kind="captions"' in page and "(automatisk)" in page
    assert (project / "episodes" / SEMINAR / seminar.record_name.replace(".md", ".captions.vtt")).is_file()
    again = batch(catalogue, where, "transcribe")[1]
    assert (again["planned"], again["done"], again["skipped"], again["uploaded"]) == (0, 0, 3, [])

    set_target(project, -19.0)
    done, out = batch(catalogue, where, "remaster")
    assert done.returncode == 0 and (out["done"], out["failed"]) == (3, []), (out["failed"], done.stderr)
    after = consistent(catalogue)
    assert set(after) == guids
    for guid, item in after.items():
        assert item.media.key != manifests[guid].media.key  # new content-addressed media
        assert abs(item.loudness_after.integrated + 19.0) <= 1.0
        assert item.source["remastered_from"] == "published"
        assert item.renditions.get("captions") == manifests[guid].renditions.get("captions")
    assert batch(catalogue, where, "remaster")[1]["planned"] == 0

    verify_fails_alone_and_repeats(catalogue, where, after)


def verify_fails_alone_and_repeats(catalogue, where, manifests: dict) -> None:
    """An item whose transcript is not the object its record names fails alone; mended, only it is left; with
    --force every item is checked again; a feed that stops naming a transcript fails verify."""
    _, _, store, _ = catalogue
    broken = next(i for i in manifests.values() if i.show == EPISODES)
    text = broken.renditions["transcript-txt"]
    kept = store.get(text.key)[0]
    store.put_bytes(text.key, b"not the transcript", content_type=text.type, cache_control="no-cache")
    done, out = batch(catalogue, where, "verify", "--workers", "2")
    assert done.returncode == 1 and out["done"] == 2, done.stderr
    assert [f["item"] for f in out["failed"]] == [f"{EPISODES}/{broken.slug}"]
    assert "is not the object its manifest names" in out["failed"][0]["reason"]
    assert "1 of 3 item(s) failed" in done.stderr
    store.put_bytes(text.key, kept, content_type=text.type, cache_control="no-cache")
    done, out = batch(catalogue, where, "verify")
    assert (out["planned"], out["done"], out["failed"]) == (1, 1, []), done.stderr
    assert batch(catalogue, where, "verify")[1]["planned"] == 0
    forced = batch(catalogue, where, "verify", "--force")[1]
    assert (forced["planned"], forced["done"], forced["failed"], forced["uploaded"]) == (3, 3, [], [])

    feed = store.get(f"{EPISODES}/feed.xml")[0]
    store.put_bytes(f"{EPISODES}/feed.xml", feed.replace(text.url.encode(), b"https://elsewhere.example/t.txt"),
                    content_type="application/rss+xml", cache_control="no-cache")
    done, out = batch(catalogue, where, "verify", "--force", "--only", broken.slug)
    assert done.returncode == 1 and "does not name" in out["failed"][0]["reason"], out
    store.put_bytes(f"{EPISODES}/feed.xml", feed, content_type="application/rss+xml", cache_control="no-cache")
    (seminar,) = [i for i in manifests.values() if i.show == SEMINAR]
    page_key = f"{SEMINAR}/{seminar.slug}/index.html"
    page = store.get(page_key)[0]
    store.put_bytes(page_key, re.sub(rb"<track [^>]*>", b"", page), content_type="text/html; charset=utf-8",
                    cache_control="no-cache")
    done, out = batch(catalogue, where, "verify", "--force", "--only", seminar.slug)
    assert done.returncode == 1 and "does not name the captions" in out["failed"][0]["reason"], out
    store.put_bytes(page_key, page, content_type="text/html; charset=utf-8", cache_control="no-cache")


def test_a_killed_driver_is_resumed(catalogue, where):
    project, env, store, _ = catalogue
    # Killed after its first item: the store stays consistent, and the same command does what is left.
    set_target(project, -17.0)
    env = {**env, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[1]), str(Path(__file__).parent)])}
    if where == "auto":
        import ray

        env["RAY_ADDRESS"] = ray.get_runtime_context().gcs_address
    cmd = [*PUBLISH, "--root", str(project), "batch", "remaster", "--cluster", where, "--workers", "1",
           "--show", SEMINAR, "--show", EPISODES]
    driver = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, text=True, start_new_session=True)
    for line in driver.stderr:
        if re.match(r"\s+\d+/\d+: [1-9]\d* done", line):
            break
    os.killpg(driver.pid, signal.SIGKILL)
    driver.wait(timeout=30)
    consistent(catalogue, settled=False)
    done, out = batch(catalogue, where, "remaster")
    # What was done before the kill is not done again.
    assert 0 < out["planned"] < 3 and (out["done"], out["failed"]) == (out["planned"], []), done.stderr
    for item in consistent(catalogue).values():
        assert abs(item.loudness_after.integrated + 17.0) <= 1.0
    assert batch(catalogue, where, "remaster")[1]["planned"] == 0
