"""The seminar media path on small lavfi clips: web MP4 (copied or encoded), poster, audio MP3, captions, slides."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from pipeline.model.config import Loudness
from pipeline.model.errors import InputError
from pipeline.media.loudness import parse_ebur128_summary
from pipeline.media.probe import Probe, Stream, probe
from tools.samples import speak
from pipeline.inputs.captions import captions_to_vtt, vtt_from_text
from pipeline.inputs.slides import check_pdf
from pipeline.media.video import audio_only_mp3, is_web_ready, master_mp4, poster, poster_time

TARGET = Loudness()  # -16 LUFS, -1 dBTP


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-y", *args], check=True)


PICTURE = ["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=4"]


@pytest.fixture(scope="session")
def clips(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("clips")
    # Norwegian speech, 12 dB quieter than espeak makes it, padded to 4 s: something for levelling and gain to do.
    speech = speak("Velkommen til frokostseminar hos Difi.", d / "speech.wav")
    ffmpeg("-i", str(speech), "-af", "volume=-12dB,apad", "-t", "4", str(d / "speech4.wav"))
    sound = ["-i", str(d / "speech4.wav")]
    c = {name: d / file for name, file in [
        ("web", "web.mp4"), ("yuv444", "yuv444.mkv"), ("big_mpeg4", "big.mkv"), ("no_audio", "no_audio.mp4"),
        ("audio_only", "audio_only.mp3"), ("cover", "cover.png")]}
    # H.264 yuv420p + stereo AAC: web-ready, to be copied.
    ffmpeg(*PICTURE, *sound, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
           "-ac", "2", "-shortest", str(c["web"]))
    # H.264 4:4:4 (High 4:4:4 Predictive): plays in no browser.
    ffmpeg(*PICTURE, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv444p", str(c["yuv444"]))
    # MPEG-4 Part 2 at 2560x1440, two frames a second, mono MP3, in Matroska: re-encoded, scaled down to 1920x1080.
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=2560x1440:rate=2:duration=4", *sound, "-c:v", "mpeg4",
           "-c:a", "libmp3lame", "-ac", "1", "-shortest", str(c["big_mpeg4"]))
    ffmpeg(*PICTURE, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(c["no_audio"]))
    # An MP3 with cover art: ffprobe sees a video stream, but it is a picture, not a recording.
    ffmpeg("-f", "lavfi", "-i", "color=c=navy:size=300x300", "-frames:v", "1", str(c["cover"]))
    ffmpeg(*sound, "-i", str(c["cover"]), "-map", "0:a", "-map", "1:v", "-c:a", "libmp3lame", "-c:v", "png",
           "-disposition:v", "attached_pic", str(c["audio_only"]))
    return c


def video_md5(path: Path) -> str:
    """The video packets' bytes, container aside."""
    out = subprocess.run(["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-i", str(path), "-map", "0:v:0",
                          "-c", "copy", "-f", "md5", "-"], capture_output=True, text=True, check=True).stdout
    return out.strip()


def loudness_of(path: Path):
    """Measured here with a plain ffmpeg command, not with the code under test."""
    err = subprocess.run(["ffmpeg", "-hide_banner", "-nostdin", "-i", str(path), "-map", "0:a:0", "-af",
                          "ebur128=peak=true", "-f", "null", "-"], capture_output=True, text=True, check=True).stderr
    return parse_ebur128_summary(err)


def top_level_boxes(path: Path) -> list[str]:
    boxes, data = [], path.read_bytes()
    pos = 0
    while pos + 8 <= len(data):
        size = int.from_bytes(data[pos:pos + 4], "big")
        boxes.append(data[pos + 4:pos + 8].decode("latin-1"))
        if size == 1:
            size = int.from_bytes(data[pos + 8:pos + 16], "big")
        pos += size if size else len(data)
    return boxes


def stream_info(path: Path) -> list[dict]:
    out = subprocess.run(["ffprobe", "-v", "error", "-print_format", "json", "-show_streams", str(path)],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)["streams"]


def assert_web_mp4(path: Path, width: int, height: int) -> None:
    video, audio = stream_info(path)
    assert (video["codec_name"], video["pix_fmt"]) == ("h264", "yuv420p")
    assert (video["width"], video["height"]) == (width, height)
    assert video["profile"] in ("High", "Main", "Constrained Baseline")
    assert (audio["codec_name"], audio["profile"], audio["sample_rate"], audio["channels"]) == ("aac", "LC", "48000", 2)
    boxes = top_level_boxes(path)
    assert boxes.index("moov") < boxes.index("mdat"), boxes  # +faststart: playback starts before the download ends


def assert_on_target(stats, path: Path) -> None:
    measured = loudness_of(path)
    assert abs(measured.integrated - TARGET.integrated) <= 1.0, measured
    assert measured.true_peak <= TARGET.true_peak + 0.05, measured
    assert abs(measured.integrated - stats.integrated) < 0.05, (measured, stats)


# --- web-ready or not ------------------------------------------------------------------------------

def _probe(*streams: Stream) -> Probe:
    return Probe(path=Path("opptak.mp4"), format="mov,mp4", duration=60.0, size=1, streams=streams)


SOUND_STREAM = Stream(1, "audio", "aac", sample_rate=48000, channels=2)


@pytest.mark.parametrize("video, profile, ready", [
    (Stream(0, "video", "h264", "yuv420p", 1280, 720), "High", True),
    (Stream(0, "video", "h264", "yuv420p", 1280, 720), "Main", True),
    (Stream(0, "video", "h264", "yuv420p", 1280, 720), "Constrained Baseline", True),
    (Stream(0, "video", "h264", "yuv420p", 1280, 720), None, True),
    (Stream(0, "video", "h264", "yuv420p", 1280, 720), "High 4:4:4 Predictive", False),  # x264 lossless
    (Stream(0, "video", "h264", "yuv420p10le", 1280, 720), "High 10", False),
    (Stream(0, "video", "h264", "yuv444p", 1280, 720), "High 4:4:4 Predictive", False),
    (Stream(0, "video", "h264", "yuvj420p", 1280, 720), "High", False),  # full range: colours shift in browsers
    (Stream(0, "video", "hevc", "yuv420p", 1280, 720), "Main", False),
    (Stream(0, "video", "mpeg4", "yuv420p", 1280, 720), "Simple Profile", False),
    (Stream(0, "video", "h264", "yuv420p", 300, 300, attached_pic=True), None, False),  # cover art only
])
def test_is_web_ready(video, profile, ready):
    assert is_web_ready(_probe(replace(video, profile=profile), SOUND_STREAM)) is ready


def test_profiles_of_the_clips(clips):
    assert probe(clips["web"]).video.profile == "Constrained Baseline"  # x264 ultrafast
    assert probe(clips["yuv444"]).video.profile == "High 4:4:4 Predictive"
    assert probe(clips["web"]).audio.profile == "LC"


# --- the web MP4 ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def copied(clips, tmp_path_factory):
    """The web-ready clip through master_mp4, with what it reported on the way."""
    out = tmp_path_factory.mktemp("copied") / "seminar.mp4"
    passes, seen = [], []
    return master_mp4(probe(clips["web"]), TARGET, out, on_pass=passes.append, progress=seen.append), passes, seen


@pytest.fixture(scope="module")
def encoded(clips, tmp_path_factory):
    """The MPEG-4 1440p clip through master_mp4."""
    out = tmp_path_factory.mktemp("encoded") / "seminar.mp4"
    passes = []
    return master_mp4(probe(clips["big_mpeg4"]), TARGET, out, on_pass=passes.append), passes


def test_web_ready_video_is_copied_packet_for_packet(clips, copied):
    result, passes, _ = copied
    assert result.copied_video and result.path.name == "seminar.mp4"
    assert video_md5(result.path) == video_md5(clips["web"])  # the very same packets
    assert (result.width, result.height) == (320, 180) and 3.9 < result.duration < 4.2
    assert_web_mp4(result.path, 320, 180)
    assert not any(p.startswith("encoding video") for p in passes)


def test_copied_video_has_its_audio_normalised(copied):
    result, passes, seen = copied
    assert_on_target(result.after, result.path)
    assert result.before.integrated < -25 and result.encodes <= 2
    assert passes[0] == "measuring" and passes[1].startswith("encoding (pass 1")
    assert seen and max(seen) > 3.0  # progress is reported in programme seconds
    assert [p.name for p in result.path.parent.iterdir()] == ["seminar.mp4"]


def test_video_that_is_not_web_ready_is_encoded_and_scaled_down(encoded):
    result, passes = encoded
    assert not result.copied_video and (result.width, result.height) == (1920, 1080)
    assert_web_mp4(result.path, 1920, 1080)
    assert passes[0] == "encoding video (H.264, CRF 23, preset veryfast)"
    assert [p.name for p in result.path.parent.iterdir()] == ["seminar.mp4"]  # the picture-only file is gone


def test_encoded_video_has_its_audio_normalised(encoded):
    result, _ = encoded
    assert_on_target(result.after, result.path)  # a mono recording comes out as stereo at the target


def test_web_ready_probe_of_real_files(clips):
    for name, ready in [("web", True), ("yuv444", False), ("big_mpeg4", False)]:
        p = probe(clips[name])
        assert is_web_ready(p) is ready, name


def test_audio_file_given_as_video_is_refused(clips, tmp_path):
    p = probe(clips["audio_only"])
    assert p.streams[1].attached_pic  # cover art is a "video" stream to ffprobe
    with pytest.raises(InputError) as e:
        master_mp4(p, TARGET, tmp_path / "x.mp4")
    assert e.value.message == "no video stream; give an audio file to publish episode instead"
    assert e.value.where == str(clips["audio_only"])
    assert not (tmp_path / "x.mp4").exists()


def test_video_without_sound_is_refused(clips, tmp_path):
    with pytest.raises(InputError) as e:
        master_mp4(probe(clips["no_audio"]), TARGET, tmp_path / "x.mp4")
    assert "without an audio stream" in e.value.message and e.value.where == str(clips["no_audio"])


# --- poster and audio ----------------------------------------------------------------------------

@pytest.mark.parametrize("duration, at", [(4.0, 0.4), (300.0, 30.0), (3600.0, 60.0)])
def test_poster_time(duration, at):
    assert poster_time(duration) == at


def test_poster_is_a_jpeg_no_wider_than_1280(clips, tmp_path):
    from PIL import Image

    small = poster(clips["web"], tmp_path / "poster.jpg")
    big = poster(clips["big_mpeg4"], tmp_path / "big.jpg", at=1.0)
    for path, size in [(small, (320, 180)), (big, (1280, 720))]:
        with Image.open(path) as image:
            assert (image.format, image.size) == ("JPEG", size)


def test_poster_beyond_the_end_is_refused(clips, tmp_path):
    with pytest.raises(InputError, match="no picture at 99.0 s"):
        poster(clips["web"], tmp_path / "poster.jpg", at=99.0)


def test_audio_only_mp3_is_the_podcast_encode(clips, tmp_path):
    out = tmp_path / "seminar.mp3"
    result = audio_only_mp3(probe(clips["web"]), TARGET, out)
    [audio] = stream_info(out)
    assert (audio["codec_name"], audio["sample_rate"], audio["channels"]) == ("mp3", "44100", 2)
    assert_on_target(result.after, out)


# --- captions ------------------------------------------------------------------------------------

VTT = """WEBVTT - Nye arbeidsmåter

NOTE laget for hånd

intro
00:00:00.000 --> 00:00:01.500 line:90%
Velkommen til frokostseminar hos Difi.

01:02.500 --> 01:04.000
I dag forteller Ruter# om nye arbeidsmåter – og hvorfor.
"""

SRT = """1
00:00:00,000 --> 00:00:01,500
Velkommen til frokostseminar hos Difi.

2
00:00:01,500 --> 00:00:03,000 X1:100 X2:600 Y1:50 Y2:80
<i>Blåbærsyltetøy</i> på <font color="#ffff00">brødskiva</font>?
{\\an8}Q&A: ærlig talt <3 --> øl

3
01:00:00,5 --> 01:00:02,25
Takk for i dag.
"""

SRT_AS_VTT = """WEBVTT

00:00:00.000 --> 00:00:01.500
Velkommen til frokostseminar hos Difi.

00:00:01.500 --> 00:00:03.000
<i>Blåbærsyltetøy</i> på brødskiva?
Q&amp;A: ærlig talt &lt;3 --&gt; øl

01:00:00.500 --> 01:00:02.250
Takk for i dag.
"""


def test_webvtt_passes_through():
    assert vtt_from_text(VTT) == VTT


def test_webvtt_with_bom_and_crlf_is_normalised():
    assert vtt_from_text("\ufeff" + VTT.replace("\n", "\r\n")) == VTT


def test_srt_becomes_webvtt():
    assert vtt_from_text(SRT) == SRT_AS_VTT


def test_srt_with_bom_crlf_and_no_counters():
    text = "\ufeff" + re.sub(r"(?m)^\d+\n", "", SRT).replace("\n", "\r\n")
    assert vtt_from_text(text) == SRT_AS_VTT


def test_srt_cue_text_with_a_blank_line_stays_one_cue():
    text = "1\n00:00:01,000 --> 00:00:02,000\nFørste avsnitt\n\nandre avsnitt\n"
    assert vtt_from_text(text) == "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nFørste avsnitt\nandre avsnitt\n"


@pytest.mark.parametrize("text, message", [
    ("", "neither WebVTT nor SRT captions"),
    ("Velkommen til frokostseminar.\n", "neither WebVTT nor SRT captions"),
    ("WEBVTTX\n\n00:00:00.000 --> 00:00:01.000\nHei\n", "neither WebVTT nor SRT captions"),
    ("<html><body>ikke teksting</body></html>", "neither WebVTT nor SRT captions"),
    ("WEBVTT\n\nNOTE ingenting her\n", "WebVTT captions without a single cue"),
    ("WEBVTT\n\n00:00:01,000 --> 00:00:02,000\nHei\n",
     "WebVTT line 3: not a cue timing: '00:00:01,000 --> 00:00:02,000' (WebVTT writes a '.' before the milliseconds)"),
    ("WEBVTT\n\n00:00:02.000 --> 00:00:01.000\nHei\n", "WebVTT line 3: the cue ends before it starts"),
    ("1\n00:00:01,000 --> 00:00:02,000\nHei\n\n2\n00:00:03,000 -> 00:00:04,000\nHå\n",
     "SRT line 6: not a cue timing: '00:00:03,000 -> 00:00:04,000'"),
    ("1\n00:00:01,000 --> 00:00:02,000\nHei\n\n00:00:03.000 --> 00:00:04\nHå\n",
     "SRT line 5: not a cue timing: '00:00:03.000 --> 00:00:04'"),
])
def test_bad_captions_are_refused_naming_the_problem(text, message):
    with pytest.raises(InputError) as e:
        vtt_from_text(text, "teksting.vtt")
    assert (e.value.message, e.value.where) == (message, "teksting.vtt")


def test_captions_file_in_windows_1252_or_utf_16(tmp_path):
    for name, data in [("latin.srt", SRT.encode("cp1252", errors="replace")),
                       ("utf16.srt", SRT.encode("utf-16")), ("bom.vtt", VTT.encode("utf-8-sig"))]:
        (tmp_path / name).write_bytes(data)
    assert captions_to_vtt(tmp_path / "latin.srt").decode() == SRT_AS_VTT
    assert captions_to_vtt(tmp_path / "utf16.srt").decode() == SRT_AS_VTT
    assert captions_to_vtt(tmp_path / "bom.vtt") == VTT.encode()


def test_captions_file_that_is_neither_names_the_file(tmp_path):
    path = tmp_path / "slides.pdf"
    path.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n")
    with pytest.raises(InputError) as e:
        captions_to_vtt(path)
    assert str(e.value) == f"{path}: neither WebVTT nor SRT captions"


# --- slides --------------------------------------------------------------------------------------

def make_pdf(path: Path, pages: int) -> Path:
    from PIL import Image

    sheets = [Image.new("RGB", (842, 595), (255, 255, 255 - 40 * n)) for n in range(pages)]
    sheets[0].save(path, "PDF", resolution=72, save_all=True, append_images=sheets[1:])
    return path


def test_pdf_pages_are_counted(tmp_path):
    assert check_pdf(make_pdf(tmp_path / "en.pdf", 1)) == 1
    assert check_pdf(make_pdf(tmp_path / "tre.pdf", 3)) == 3


def test_pdf_with_an_incremental_update_counts_each_page_once(tmp_path):
    path = make_pdf(tmp_path / "oppdatert.pdf", 2)
    text = path.read_bytes()
    page = re.search(rb"(\d+) 0 obj(?:(?!endobj).)*?/Type /Page\b", text, re.S)
    path.write_bytes(text + page.group(1) + b" 0 obj\n<< /Type /Page /Rotate 90 >>\nendobj\n%%EOF\n")
    assert check_pdf(path) == 2


def test_pdf_without_visible_page_objects_gives_none(tmp_path):
    path = tmp_path / "komprimert.pdf"
    path.write_bytes(b"%PDF-1.7\n1 0 obj\n<< /Type /ObjStm /N 3 >>\nstream\nx\x9c...\nendstream\nendobj\n%%EOF\n")
    assert check_pdf(path) is None


@pytest.mark.parametrize("content, message", [
    (b"", "not a PDF (the file is empty)"),
    (b"<!doctype html><title>Lysark</title>", "not a PDF (no %PDF- header)"),
    (None, "not a whole PDF (no %%EOF at the end: cut short?)"),
])
def test_bad_pdf_is_refused_naming_the_file(tmp_path, content, message):
    path = tmp_path / "lysark.pdf"
    if content is None:
        whole = make_pdf(tmp_path / "hel.pdf", 2).read_bytes()
        content = whole[: len(whole) // 2]
    path.write_bytes(content)
    with pytest.raises(InputError) as e:
        check_pdf(path)
    assert (e.value.message, e.value.where) == (message, str(path))
