"""The documented shapes of ``--json`` output (README, "Output for scripts"): every key, every type.

A new key, a renamed one or a changed type fails here first; then update the README and SHAPES together.
"""

from __future__ import annotations

import json
import re

import pytest

from conftest import run_publish

NUMBER = (int, float)
LOUDNESS = {"integrated": NUMBER, "true_peak": NUMBER, "lra": NUMBER}
MEDIA = {"url": str, "bytes": int, "sha256": str, "type": str}

# An episode as `publish list --json` gives it (a list of these) and as `publish episode --json` starts it.
EPISODE = {
    "guid": str, "show": str, "slug": str, "title": str, "date": str,
    "season": (int, None), "number": (int, None), "retracted": bool,
    "media": {**MEDIA, "duration": (*NUMBER, None)},
    "loudness": {"before": (LOUDNESS, None), "after": (LOUDNESS, None), "picture": (str, None)},
    # by role: loudness, chapters, transcript-*; a seminar's poster, audio, phone, captions, slides-N, chapters-vtt
    "renditions": {"*": MEDIA},
}
# `publish episode --json`: the episode, then what this run did.
RESULT = {
    **EPISODE,
    "record": (str, None), "feed_url": str, "uploaded": [str], "reused_media": bool, "dry_run": bool,
    "warnings": [str],
}
# `publish feed --json`: one object per show.
FEED = {"show": str, "feed_url": str, "episodes": int, "uploaded": [str], "warnings": [str]}
BATCH = {"task": str, "planned": int, "done": int, "skipped": int, "failed": [{"item": str, "reason": str}],
         "items": [str], "estimate_s": NUMBER, "times": [{"item": str, "seconds": NUMBER}], "workers": int, "where": str, "uploaded": [str], "seconds": NUMBER,
         "dry_run": bool, "warnings": [str]}


def conforms(value, shape, where: str = "$") -> list[str]:
    """Every place where ``value`` differs from ``shape`` (a dict of keys, [item], a type, or a tuple of choices)."""
    if isinstance(shape, tuple):
        tried = [conforms(value, s, where) for s in shape]
        return [] if any(not t for t in tried) else [f"{where}: {value!r} matches none of {shape}"]
    if shape is None:
        return [] if value is None else [f"{where}: expected null, got {value!r}"]
    if isinstance(shape, list):
        if not isinstance(value, list):
            return [f"{where}: expected a list, got {value!r}"]
        return [p for i, v in enumerate(value) for p in conforms(v, shape[0], f"{where}[{i}]")]
    if isinstance(shape, dict):
        if not isinstance(value, dict):
            return [f"{where}: expected an object, got {value!r}"]
        if set(shape) == {"*"}:
            return [p for k, v in value.items() for p in conforms(v, shape["*"], f"{where}.{k}")]
        problems = [f"{where}: unexpected key {k!r}" for k in value if k not in shape]
        problems += [f"{where}: missing key {k!r}" for k in shape if k not in value]
        return problems + [p for k in shape if k in value for p in conforms(value[k], shape[k], f"{where}.{k}")]
    if shape is int and isinstance(value, bool):
        return [f"{where}: expected a number, got {value!r}"]
    return [] if isinstance(value, shape) else [f"{where}: expected {shape.__name__}, got {value!r}"]


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    import shutil

    from conftest import ROOT

    folder = tmp_path_factory.mktemp("json")
    shutil.copytree(ROOT / "feeds", folder / "feeds")
    (folder / "episodes").mkdir()
    return folder


@pytest.fixture(scope="module")
def published(project, media):
    proc = run_publish(project, "episode", str(media["mono_speech"]), "--title", "Velkommen tilbake",
                       "--date", "2024-03-01", "--season", "3", "--number", "1", "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_publish_episode_json_shape(published):
    assert conforms(published, RESULT) == []
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", published["date"])
    assert published["loudness"]["picture"] == published["renditions"]["loudness"]["url"]
    assert published["dry_run"] is False and published["record"].endswith("2024-03-01-velkommen-tilbake.md")


def test_publish_episode_dry_run_json_shape(project, media):
    proc = run_publish(project, "episode", str(media["mono_speech"]), "--title", "Bare en prøve", "--dry-run",
                       "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert conforms(out, RESULT) == []
    assert out["dry_run"] is True and out["record"] is None and out["uploaded"] == []
    assert out["loudness"]["after"] is None and out["loudness"]["picture"] is None


def test_publish_list_json_shape(project, published):
    proc = run_publish(project, "list", "--json")
    assert proc.returncode == 0, proc.stderr
    listed = json.loads(proc.stdout)
    assert conforms(listed, [EPISODE]) == []
    [item] = listed
    assert {k: item[k] for k in EPISODE} == {k: published[k] for k in EPISODE}  # the same episode, the same way


def test_publish_list_json_is_an_empty_list_when_nothing_is_published(tmp_path):
    import shutil

    from conftest import ROOT

    shutil.copytree(ROOT / "feeds", tmp_path / "feeds")
    proc = run_publish(tmp_path, "list", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == []


def test_publish_feed_json_shape(project, published):
    proc = run_publish(project, "feed", "--json")
    assert proc.returncode == 0, proc.stderr
    assert conforms(json.loads(proc.stdout), [FEED]) == []


def test_publish_batch_json_shape(project, published):
    proc = run_publish(project, "batch", "verify", "--dry-run", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert conforms(out, BATCH) == []
    assert (out["planned"], out["done"], out["failed"], out["dry_run"]) == (1, 0, [], True)


def test_the_shape_checker_catches_changes():
    good = {"show": "x", "feed_url": "u", "episodes": 1, "uploaded": [], "warnings": []}
    assert conforms(good, FEED) == []
    assert conforms({**good, "extra": 1}, FEED) == ["$: unexpected key 'extra'"]
    assert conforms({**good, "episodes": "1"}, FEED) == ["$.episodes: expected int, got '1'"]
    assert conforms({**good, "episodes": True}, FEED) == ["$.episodes: expected a number, got True"]


# `publish archive --json`: one object per seminar series.
ARCHIVE = {"show": str, "archive_url": str, "feed_url": str, "seminars": int, "pages": [str], "uploaded": [str],
           "warnings": [str]}
# `publish transcribe --json`: where the draft went, and what made it.
TRANSCRIBE = {"captions": str, "text": str, "model": str, "language": str, "duration": NUMBER, "words": int,
              "cues": int, "warnings": [str]}


def readme_keys(command: str) -> set[str]:
    """The keys the README's `--json` section names for ``command`` ("... `publish X --json` a list of `{a, b
    (note), c}`" or "gives `{...}`")."""
    from conftest import ROOT

    text = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    match = re.search(rf"`publish {command} --json` (?:is |gives )?(?:a list of )?`\{{([^}}]*)\}}`", text)
    assert match, f"the README does not document `publish {command} --json`"
    return {re.sub(r"\s*\(.*?\)", "", key).strip() for key in re.sub(r"\([^)]*\)", "", match[1]).split(",")}


def test_publish_archive_json_shape_is_the_readmes(project):
    proc = run_publish(project, "archive", "--json")
    assert proc.returncode == 0, proc.stderr
    shown = json.loads(proc.stdout)
    assert shown and conforms(shown, [ARCHIVE]) == []
    assert readme_keys("archive") == set(ARCHIVE) and readme_keys("feed") == set(FEED)


def test_publish_transcribe_json_shape(project, media, tmp_path):
    from tools.models import whisper_base

    proc = run_publish(project, "transcribe", str(media["mono_speech"]), "--model", str(whisper_base()), "--out",
                       str(tmp_path / "utkast.vtt"), "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert conforms(out, TRANSCRIBE) == [] and out["captions"].endswith("utkast.vtt") and out["words"] > 0
    assert readme_keys("transcribe") == set(TRANSCRIBE)


# `publish stats --json`: one object per published item.
COUNTS = {"*": int}
STATS = {"guid": str, "show": str, "title": str, "date": str, "downloads": int, "by_day": COUNTS, "by_week": COUNTS,
         "by_month": COUNTS, "by_app": COUNTS, "by_device": COUNTS, "by_platform": COUNTS}


def test_publish_stats_json_shape_is_the_readmes(project, published, tmp_path):
    key = published["media"]["url"].split("/", 3)[3]
    agent = "AntennaPod/3.2.0 (Linux;Android 13) ExoPlayer"
    (tmp_path / "access.log").write_text(f'192.0.2.1 - - [10/Mar/2024:10:00:00 +0100] "GET /{key} HTTP/1.1" 200 '
                                         f'{published["media"]["bytes"]} "-" "{agent}"\n')
    proc = run_publish(project, "stats", "--logs", str(tmp_path / "access.log"), "--json")
    assert proc.returncode == 0, proc.stderr
    shown = json.loads(proc.stdout)
    assert conforms(shown, [STATS]) == [] and readme_keys("stats") == set(STATS)
    row = next(r for r in shown if r["guid"] == published["guid"])
    assert (row["downloads"], row["by_day"], row["by_week"], row["by_month"]) == (
        1, {"2024-03-10": 1}, {"2024-W10": 1}, {"2024-03": 1})
    assert (row["by_app"], row["by_platform"]) == ({"AntennaPod": 1}, {"mobile": 1})


def test_publish_stats_unknown_show_is_exit_2(project, tmp_path):
    (tmp_path / "empty.log").write_text("")
    proc = run_publish(project, "stats", "--logs", str(tmp_path / "empty.log"), "--show", "finnesikke")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("error:") and "--show" in proc.stderr and "finnesikke" in proc.stderr
    assert "Traceback" not in proc.stderr
