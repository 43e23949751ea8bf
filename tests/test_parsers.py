"""Pure parsers of tool output and file headers, tested on captured text and made-up bytes (no ffmpeg run)."""

from __future__ import annotations

import math

import pytest

from pipeline.media.audio import parse_progress_time
from pipeline.inputs.chapters import parse_chapters
from pipeline.model.errors import InputError
from pipeline.media.loudness import OVERSAMPLE, gain_db, limiter_chain, parse_ebur128_summary
from pipeline.model.config import Loudness
from pipeline.media.probe import wav_missing_bytes
from pipeline.media.tagging import id3v2_size

# Captured from ffmpeg 5.1 (Debian): `-af ebur128=peak=true` on a 5-minute two-speaker recording.
EBUR128_SUMMARY = """\
[Parsed_ebur128_0 @ 0x55d0ba5b5cc0] Summary:

  Integrated loudness:
    I:         -22.1 LUFS
    Threshold: -34.3 LUFS

  Loudness range:
    LRA:        19.3 LU
    Threshold: -44.7 LUFS
    LRA low:   -40.9 LUFS
    LRA high:  -21.5 LUFS

  True peak:
    Peak:       -3.0 dBFS
"""

# Two ebur128 instances in one graph print two summaries, each named by its instance.
TWO_SUMMARIES = """\
[Parsed_ebur128_3 @ 0x562282a40800] Summary:

  Integrated loudness:
    I:         -19.0 LUFS
    Threshold: -31.2 LUFS

  Loudness range:
    LRA:        19.5 LU
    Threshold: -41.5 LUFS
    LRA low:   -37.8 LUFS
    LRA high:  -18.3 LUFS
[Parsed_ebur128_1 @ 0x562282a3f400] Summary:

  Integrated loudness:
    I:         -70.0 LUFS
    Threshold:   0.0 LUFS

  Loudness range:
    LRA:         0.0 LU
    Threshold:   0.0 LUFS
    LRA low:     0.0 LUFS
    LRA high:    0.0 LUFS

  True peak:
    Peak:       -inf dBFS
"""


def test_ebur128_summary_parsed():
    stats = parse_ebur128_summary("size=N/A time=00:05:00.00 bitrate=N/A speed= 400x\n" + EBUR128_SUMMARY)
    assert (stats.integrated, stats.true_peak, stats.lra) == (-22.1, -3.0, 19.3)


def test_ebur128_summary_by_instance_and_silence():
    assert parse_ebur128_summary(TWO_SUMMARIES, "Parsed_ebur128_3").integrated == -19.0
    silent = parse_ebur128_summary(TWO_SUMMARIES, "Parsed_ebur128_1")
    assert silent.integrated == -70.0 and math.isinf(silent.true_peak)


def test_ebur128_summary_missing_is_an_error():
    with pytest.raises(ValueError):
        parse_ebur128_summary("Error opening input file")


def test_gain_and_limiter():
    assert gain_db(-22.0, Loudness(integrated=-16.0), encoder_offset=1.0) == 7.0
    up, limit, down = limiter_chain(-2.0, 44100)
    assert up[1]["out_sample_rate"] == 44100 * OVERSAMPLE == 88200 and down[1]["out_sample_rate"] == 44100
    assert limit[1]["limit"] == pytest.approx(10 ** (-2 / 20), abs=1e-5)


def test_progress_time():
    assert parse_progress_time("size=  1024kB time=01:02:03.50 bitrate= 128.0kbits/s speed=30x") == 3723.5
    assert parse_progress_time("Stream mapping:") is None


def _wav_header(data_size: int) -> bytes:
    fmt = b"fmt " + (16).to_bytes(4, "little") + bytes(16)
    return b"RIFF" + min(36 + data_size, 0xFFFFFFFF).to_bytes(4, "little") + b"WAVE" + fmt + b"data" + data_size.to_bytes(4, "little")


def test_wav_truncation_from_header():
    header = _wav_header(1000)
    assert wav_missing_bytes(header, len(header) + 1000) == 0
    assert wav_missing_bytes(header, len(header) + 400) == 600
    assert wav_missing_bytes(_wav_header(0xFFFFFFFF), 100) == 0  # a streaming writer left the size open
    assert wav_missing_bytes(b"ID3\x03\x00" + bytes(100), 105) == 0  # not a WAV


def test_id3v2_size():
    assert id3v2_size(b"ID3\x03\x00\x00\x00\x00\x02\x01") == 10 + 257
    assert id3v2_size(b"\xff\xfb\x90\x00" + bytes(6)) == 0


def test_chapters_parse_and_refuse():
    chapters = parse_chapters("# kommentar\n00:00:00 Velkommen\n1:30 Samarbeid på tvers\n01:00:00.5 Slutt\n", "k.txt")
    assert [(c.start, c.title) for c in chapters] == [(0, "Velkommen"), (90, "Samarbeid på tvers"), (3600.5, "Slutt")]
    with pytest.raises(InputError, match="not after"):
        parse_chapters("00:01:00 B\n00:00:30 A\n", "k.txt")
    with pytest.raises(InputError, match="past the end"):
        parse_chapters("00:00:00 A\n00:10:00 B\n", "k.txt", duration=60)
    with pytest.raises(InputError, match="line 1"):
        parse_chapters("Velkommen 00:00\n", "k.txt")


def test_files_are_given_to_the_tools_unambiguously(tmp_path):
    """A file named like an option (``-opptak.wav``) or a protocol (``a:b.wav``) reaches ffmpeg and ffprobe as
    ``file:`` and its absolute path, in every command line we build; options and ``pipe:`` stay as they are."""
    from pathlib import Path

    from pipeline.media.audio import measure_command
    from pipeline.media.curves import curve_command
    from pipeline.media.probe import Probe, Stream
    from pipeline.media.runner import ffmpeg_args, ffprobe_args, file_arg
    from pipeline.media.video import aac_commands, encode_video_command, mux_command

    odd = Path("-opptak.wav")
    assert file_arg(odd) == f"file:{Path.cwd() / '-opptak.wav'}"
    assert file_arg(tmp_path / "a:b.wav") == f"file:{tmp_path}/a:b.wav"
    assert ffmpeg_args("-i", odd, "-f", "null", "-")[-5:] == ["-i", file_arg(odd), "-f", "null", "-"]
    assert ffprobe_args("-v", "error", odd)[-1] == file_arg(odd)
    video = Probe(Path("-seminar.mp4"), "mov", 10.0, 1, (Stream(0, "video", "h264"), Stream(1, "audio", "aac")))
    commands = [measure_command(odd, peak=48000), curve_command(odd), *aac_commands(video, []),
                encode_video_command(video, video.streams[0], Path("-ut.mp4")),
                mux_command(Path("-bilde.mp4"), 0, Path("-lyd.aac"), Path("-ut.mp4")),
                measure_command("pipe:", fmt="mp3")]
    for cmd in commands:
        files = [arg for arg in cmd if "-opptak" in arg or "-seminar" in arg or "-bilde" in arg or "-lyd" in arg
                 or "-ut" in arg]
        assert all(arg.startswith("file:/") for arg in files), cmd
    assert sum(len([a for a in cmd if a.startswith("file:")]) for cmd in commands) == 8


def test_notes_as_plain_text():
    """What an MP3's ID3 comment carries: each heading, paragraph and list item as text, no Markdown or HTML."""
    from pipeline.inputs.notes import notes_text

    notes = "# Overskrift\n\n**fet** tekst og `kode <b>`\n\n- Første &amp; punkt\n- Andre [lenke](https://x.no)\n"
    assert notes_text(notes) == "Overskrift\n\nfet tekst og kode <b>\n\nFørste & punkt\n\nAndre lenke"
    assert notes_text("") == ""
