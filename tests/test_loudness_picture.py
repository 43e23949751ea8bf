"""The loudness picture: parser on captured ffmpeg text, and the picture of a published episode checked
against an independent measurement of the delivered MP3."""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess

import pytest
from PIL import Image

from conftest import ROOT, run_publish
from pipeline.media.curves import parse_short_term, speech_median
from pipeline.model.curves import Curve, Point
from pipeline.render.picture import read_curve

README_PICTURE = ROOT / "tests" / "screenshots" / "loudness-picture.png"

# Captured from ffmpeg 5.1 (`-af ebur128=framelog=info`): the first line shares its start with the
# progress output, the short-term window is still filling (-120.7), and the last one has a nan.
CAPTURED = """\
size=N/A time=00:00:00.02 bitrate=N/A speed=2.13e+04x    [Parsed_ebur128_0 @ 0x5609568505c0] t: 0.0999792  TARGET:-23 LUFS    M:-120.7 S:-120.7     I: -70.0 LUFS       LRA:   0.0 LU
[Parsed_ebur128_0 @ 0x5609568505c0] t: 0.399979   TARGET:-23 LUFS    M: -22.0 S:-120.7     I: -22.0 LUFS       LRA:   0.0 LU
[Parsed_ebur128_0 @ 0x5609568505c0] t: 36.6       TARGET:-23 LUFS    M: -19.5 S: -22.1     I: -22.1 LUFS       LRA:  19.2 LU
[Parsed_ebur128_0 @ 0x5609568505c0] t: 37         TARGET:-23 LUFS    M: -21.9 S: -21.9     I: -22.1 LUFS       LRA:  19.2 LU
[Parsed_ebur128_0 @ 0x5609568505c0] t: 40.1       TARGET:-23 LUFS    M:   nan S: -22.9     I: -22.0 LUFS       LRA:  19.4 LU
size=N/A time=00:00:40.18 bitrate=N/A speed= 425x
[Parsed_ebur128_0 @ 0x5609568505c0] Summary:

  Integrated loudness:
    I:         -22.0 LUFS
"""
# ffmpeg 7 with peak=true adds true-peak columns after LRA.
CAPTURED_PEAK = ("[Parsed_ebur128_0 @ 0x61c2c0] t: 3.1  TARGET:-23 LUFS    M: -18.0 S: -17.5     I: -17.8 LUFS"
                 "       LRA:   2.1 LU  FTPK: -3.1 -3.4 dBFS  TPK: -2.9 -3.0 dBFS\n")


def test_parser_reads_every_frame_and_treats_silence_as_none():
    curve = parse_short_term(CAPTURED)
    assert [p.t for p in curve.points] == [0.0999792, 0.399979, 36.6, 37.0, 40.1]
    assert [p.short_term for p in curve.points] == [None, None, -22.1, -21.9, -22.9]
    assert [p.momentary for p in curve.points] == [None, -22.0, -19.5, -21.9, None]
    assert parse_short_term(CAPTURED_PEAK).points == (Point(3.1, -18.0, -17.5),)


def test_parser_refuses_output_without_a_frame_log():
    with pytest.raises(ValueError, match="no ebur128 frame log"):
        parse_short_term("[Parsed_ebur128_0 @ 0x1] Summary:\n  I: -16.0 LUFS\n")


def test_thinning_keeps_the_last_point_of_each_step():
    curve = Curve(tuple(Point(t / 10, None, -20 + t / 10) for t in range(1, 31)))
    thin = curve.every(1.0)
    assert [p.t for p in thin.points] == [0.9, 1.9, 2.9, 3.0]


def test_time_axis_ticks_like_a_clock():
    from pipeline.render.picture import tick_step

    assert [tick_step(d) for d in (8, 40, 300, 1800, 3600, 4 * 3600)] == [5, 5, 30, 300, 600, 1800]


def test_speech_median_ignores_pauses():
    speech = [-16.0] * 60 + [-15.0] * 20 + [-17.0] * 20
    pauses = [-45.0] * 80 + [-80.0] * 10
    assert speech_median(speech + pauses) == -16.0
    assert math.isnan(speech_median([-80.0, -90.0]))


# --- the picture of a published episode ---------------------------------------------------------

def independent_short_term(path) -> list[float]:
    """Short-term loudness of ``path`` by another route than the pipeline's (ebur128 metadata, not its log)."""
    out = subprocess.run(["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-i", str(path), "-af",
                          "ebur128=metadata=1,ametadata=mode=print:key=lavfi.r128.S:file=-", "-f", "null", "-"],
                         capture_output=True, text=True, check=True).stdout
    return [float(v) for v in re.findall(r"^lavfi\.r128\.S=(-?[\d.]+)$", out, re.M)]


@pytest.fixture(scope="module")
def published(tmp_path_factory, media):
    project = tmp_path_factory.mktemp("proj")
    shutil.copytree(ROOT / "feeds", project / "feeds")
    (project / "episodes").mkdir()
    args = ("episode", str(media["conversation"]), "--title", "Samarbeid på tvers", "--date", "2017-11-24")
    proc = run_publish(project, *args)
    assert proc.returncode == 0, proc.stderr
    again = run_publish(project, *args, "--json")
    assert again.returncode == 0, again.stderr
    return project, proc.stdout, json.loads(again.stdout)


def _png(project, out):
    return project / "public" / out["loudness"]["picture"].split("/", 3)[3]


def test_picture_is_stored_beside_the_media_and_linked_from_the_record(published):
    project, text, out = published
    png = _png(project, out)
    assert png.parent == (project / "public" / out["media"]["url"].split("/", 3)[3]).parent
    assert re.fullmatch(r"samarbeid-pa-tvers-loudness-[0-9a-f]{8}\.png", png.name)
    assert f"picture:  public/endringspodden/2017/{png.name}" in text  # `publish episode` prints its path
    record = (project / "episodes" / "endringspodden" / "2017-11-24-samarbeid-pa-tvers.md").read_text()
    assert f"url: {out['loudness']['picture']}" in record
    rendition = out["renditions"]["loudness"]
    assert rendition["type"] == "image/png" and rendition["bytes"] == png.stat().st_size
    meta = json.loads((project / "public" / ".meta" / f"{png.relative_to(project / 'public')}.json").read_text())
    assert meta["content_type"] == "image/png" and "immutable" in meta["cache_control"]


def test_picture_decodes(published):
    project, _, out = published
    png = _png(project, out)
    if os.environ.get("SCREENSHOTS") == "update" or not README_PICTURE.exists():  # the README's example
        README_PICTURE.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(png, README_PICTURE)
    with Image.open(png) as image:
        image.load()
        assert image.format == "PNG" and image.size == (1000, 380)
        assert "−16,0 LUFS" in image.text["Description"]  # the target, in the words the alt text uses
        after = out["loudness"]["after"]["integrated"]
        assert f"etter {after:.1f} LUFS".replace(".", ",").replace("-", "\u2212") in image.text["Description"]


def test_after_curve_sits_at_the_target_and_matches_a_measurement(published):
    project, _, out = published
    png = _png(project, out)
    curve = read_curve(png)
    assert curve["target"] == -16.0
    after = [v for v in curve["after"] if v is not None]
    assert abs(speech_median(after) - -16.0) <= 1.5, speech_median(after)
    before = [v for v in curve["before"] if v is not None]
    assert speech_median(before) < -20  # the recording came in quiet (host -22 LUFS, guest 20 dB below)
    # The curve is the delivered file's: measured here by another route, the medians agree.
    mp3 = project / "public" / out["media"]["url"].split("/", 3)[3]
    measured = independent_short_term(mp3)
    assert abs(speech_median(measured) - speech_median(after)) <= 0.3
    assert abs(len(curve["after"]) - out["media"]["duration"]) <= 2  # one point a second, the whole episode


def test_second_run_reuses_the_picture(published):
    _, _, out = published
    assert out["uploaded"] == [] and out["reused_media"]
    assert out["loudness"]["picture"].endswith(".png")


def test_picture_is_drawn_for_an_episode_published_before_pictures(published, media):
    """A record without the rendition (an older publish): the re-run draws it from the MP3 in the store."""
    project, _, out = published
    import dataclasses

    from pipeline.model.config import load_site
    from pipeline.app.episode import EpisodeRequest, publish_episode
    from pipeline.model.records import load_records, manifest_key, write_record
    from pipeline.store import open_storage

    site = load_site(project)
    storage = open_storage(site.storage, site.root)
    [ep] = load_records(site.episodes_dir, "endringspodden")
    old = dataclasses.replace(ep, renditions={})
    write_record(site.episodes_dir, old)
    storage.put_bytes(manifest_key(ep.show, ep.guid), old.manifest_bytes(), content_type="application/json",
                      cache_control="public, max-age=300")
    png = _png(project, out)
    png.unlink()
    result = publish_episode(site, EpisodeRequest(source=media["conversation"], show="endringspodden",
                                                  title="Samarbeid på tvers"))
    assert result.reused_media
    assert result.episode.renditions["loudness"].key == ep.renditions["loudness"].key  # same bytes, same name
    assert png.is_file()


def test_curve_of_a_video_reads_its_audio(tmp_path):
    """Seminars: the delivered file is an MP4; the curve comes from its first audio stream."""
    from pipeline.media.curves import measure_curve

    mp4 = tmp_path / "seminar.mp4"
    subprocess.run(["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-f", "lavfi", "-i",
                    "testsrc2=s=160x90:d=5:r=10", "-f", "lavfi", "-i", "sine=f=440:d=5", "-c:v", "libx264",
                    "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(mp4)], check=True)
    curve = measure_curve(mp4)
    assert 4.5 <= curve.duration <= 5.2
    assert curve.short_term() and all(-30 < v < -10 for v in curve.short_term())
