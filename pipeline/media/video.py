"""The seminar media path: web MP4, phone MP4, poster frame and audio-only MP3.

The MP4 is H.264 (yuv420p) + AAC-LC with ``+faststart``, which every browser plays. When the
recording's video is already that, it is copied untouched and only the audio is processed, so an
hour-long recording is published in about a minute instead of an hour of encoding.
The audio gets the podcast treatment (``audio.normalise``: level, gain, oversampled true-peak
limiter, then measure what was delivered, correcting the gain once if it missed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import ffmpeg

from pipeline.media.audio import (
    EncodedAudio, Progress, SourceLoudness, calibration_filters, chain_filters, compile_command, master_mp3, measure,
    measure_command, normalise, parse_measurement, programme_filters, progress_reader,
)
from pipeline.media.curves import CurveRecorder
from pipeline.media.probe import Probe, Stream, probe, require_audio
from pipeline.media.runner import ffmpeg_args, run, run_chain
from pipeline.model.config import Loudness
from pipeline.model.curves import Curve
from pipeline.model.errors import InputError
from pipeline.model.records import LoudnessStats

# Browsers decode these H.264 profiles (Main and High in 8-bit 4:2:0 everywhere); not High 10, 4:2:2,
# 4:4:4 (which x264 also writes for a lossless yuv420p encode) or Extended.
WEB_H264_PROFILES = frozenset({"Constrained Baseline", "Baseline", "Main", "High"})

# AAC-LC as browsers and podcast apps expect it. ffmpeg's native encoder is LC by default.
AAC_RATE = 48000
AAC_BITRATE = "128k"
# What the AAC encoder alone takes away from the programme's loudness: less than 0.1 LU. The limiter's
# share depends on the programme and the target, so no fixed first guess fits; it is measured before the
# first encode by a filter-only pass (normalise's ``calibrate``) on a sample of the programme, far cheaper
# than the AAC encode a missed guess would repeat.
AAC_SHIFT_LU = 0.05

# Re-encoding, only when the recording's video is not web-ready. Seminar recordings are screen-captured
# slides with a speaker inset, 720p or 1080p: mostly still pictures with sharp text. For those, x264's
# veryfast preset at its default CRF 23 makes files no larger than medium, with an SSIM barely lower, in
# much less CPU time; other CRFs trade size for quality that slides do not show (README, Benchmarks).
# Larger sources are scaled down to fit 1920x1080.
X264_CRF = 23
X264_PRESET = "veryfast"
MAX_WIDTH, MAX_HEIGHT = 1920, 1080

# The phone rendition: at most 480 lines, H.264 Main (every phone since 2010 decodes it in hardware), a
# modest ceiling on the video's bitrate (x264's VBV: CRF 26 below it, as slides need far less), and the main
# MP4's AAC copied in, so its sound is the levelled sound of the main file without a second loudness pass.
PHONE_HEIGHT = 480
PHONE_CRF = 26
PHONE_MAXRATE_KBPS = 500
PHONE_PROFILE, PHONE_LEVEL = "main", "3.1"
# Worth making only when the main MP4's average bitrate is at least PHONE_WORTH times the phone file's
# ceiling (video ceiling + the copied AAC: 628 kbit/s, so a main file of 1.26 Mbit/s or more): the phone file
# is then at most half the main one. A saving smaller than half is not worth a second download link, nor
# the encode (minutes per hour of recording on one core); a main file under that rate (slides encoded at
# CRF 23 are often 0.3-0.6 Mbit/s) already streams on a mobile connection.
PHONE_WORTH = 2.0

POSTER_WIDTH = 1280
POSTER_SHARE = 0.10  # the poster is taken at 10 % of the duration...
POSTER_LATEST = 60.0  # ...but no later than a minute in: the title slide, not a random moment of the talk


@dataclass(frozen=True)
class EncodedVideo:
    path: Path
    before: LoudnessStats  # the recording's audio as it was
    after: LoudnessStats  # the delivered MP4's audio, measured from the file
    gain_db: float
    encodes: int  # audio passes: 1 normally, more when the gain needed correcting
    copied_video: bool  # True: the recording's video stream is in the MP4 untouched
    duration: float
    width: int
    height: int
    curve: Curve | None = None  # the delivered audio's loudness every 100 ms, for the loudness picture


# --- checks --------------------------------------------------------------------------------------

def require_video(p: Probe) -> Stream:
    """The picture of a recording (cover art in an MP3 does not count), or a clear refusal."""
    if p.video is None:
        raise InputError("no video stream; give an audio file to publish episode instead", str(p.path))
    return p.video


def is_web_ready(p: Probe) -> bool:
    """Whether ``p``'s video plays in every browser as it is: H.264, 8-bit 4:2:0 (yuv420p), a profile
    browsers decode. A stream whose profile ffprobe did not name (None) is judged on codec and pixels."""
    v = p.video
    return (v is not None and v.codec == "h264" and v.pix_fmt == "yuv420p"
            and (v.profile is None or v.profile in WEB_H264_PROFILES))


# --- the web MP4 ---------------------------------------------------------------------------------

def master_mp4(p: Probe, target: Loudness, out: Path, *, progress: Progress | None = None,
               on_pass: Callable[[str], None] | None = None, measured: SourceLoudness | None = None,
               on_encode_start: Callable[[], None] | None = None) -> EncodedVideo:
    """The web MP4 of recording ``p`` at ``out``: video copied when web-ready (else H.264), audio normalised.

    The audio passes make the AAC alone (filter process | AAC encoder, the bytes measured on the way, so the
    gain is corrected without copying the video again); the video is muxed in once at the end, with
    ``+faststart``. ``measured`` (from ``audio.measure_source``, stereo) skips measuring the source.
    ``out`` should be in a working folder: a re-encoded video and the AAC are kept beside it until the end.
    ``on_encode_start`` is called once, as the first AAC encode (the longest step, on one core) starts.
    """
    video = require_video(p)
    require_audio(p)
    say = on_pass or (lambda _msg: None)
    copy = is_web_ready(p)
    scratch = out.with_name(f".{out.stem}.video.mp4")
    sound = out.with_name(f".{out.stem}.audio.aac")
    try:
        if copy:
            video_from, index = p.path, video.index
        else:
            say(f"encoding video (H.264, CRF {X264_CRF}, preset {X264_PRESET})")
            run(encode_video_command(p, video, scratch), on_stderr_line=progress_reader(progress))
            video_from, index = scratch, 0

        delivered = [CurveRecorder()]  # the last pass's: that is the sound delivered

        starting = [on_encode_start] if on_encode_start else []

        def encode(gain: float, ceiling: float) -> LoudnessStats:
            while starting:
                starting.pop()()
            producer, encoder, measurer = aac_commands(p, programme_filters(target, gain, ceiling, AAC_RATE))
            delivered[0] = CurveRecorder()
            return parse_measurement(run_chain(producer, encoder, sound, measurer=measurer,
                                                   on_stderr_line=progress_reader(progress),
                                                   on_measurer_line=delivered[0]) or "")

        # Measured as stereo even when the recording is mono: ffmpeg's upmix keeps the loudness as measured.
        def calibrate(gain: float, ceiling: float) -> LoudnessStats:
            return measure(p.path, calibration_filters(target, gain, ceiling, AAC_RATE, p.duration))

        done = normalise(p, target, encode, allowance=AAC_SHIFT_LU, progress=progress, say=say, measured=measured,
                         calibrate=calibrate)
        run(mux_command(video_from, index, sound, out))
    finally:
        scratch.unlink(missing_ok=True)
        sound.unlink(missing_ok=True)
    made = probe(out)
    assert made.video is not None
    return EncodedVideo(path=out, before=done.before, after=done.after, gain_db=done.gain_db, encodes=done.encodes,
                        copied_video=copy, duration=made.duration, width=made.video.width or 0,
                        height=made.video.height or 0, curve=delivered[0].curve())


def encode_video_command(p: Probe, video: Stream, out: Path) -> list[str]:
    """ffmpeg: the picture alone as H.264 yuv420p, scaled down to fit MAX_WIDTH x MAX_HEIGHT when larger."""
    picture = (ffmpeg.input(p.path)[str(video.index)]
               .filter("scale", w=f"min({MAX_WIDTH},iw)", h=f"min({MAX_HEIGHT},ih)",
                       force_original_aspect_ratio="decrease", force_divisible_by=2)
               .filter("format", "yuv420p"))
    return compile_command(picture.output(filename=out, vcodec="libx264", preset=X264_PRESET, crf=X264_CRF,
                                   **{"profile:v": "high", "map_metadata": -1}))


def aac_commands(p: Probe, audio_filters: list[tuple[str, dict]]) -> tuple[list[str], list[str], list[str]]:
    """ffmpeg x3 for ``run_chain``: ``p``'s first audio filtered to float PCM | AAC-LC (ADTS) | its loudness.

    The AAC bytes measured are the very packets the MP4 carries (``mux_command`` copies them); the measurer
    also logs the loudness curve the loudness picture draws.
    """
    pcm = {"format": "f32le", "ac": 2, "ar": AAC_RATE}
    producer = compile_command(chain_filters(ffmpeg.input(p.path).audio, audio_filters).output("pipe:", **pcm))
    encoder = compile_command(ffmpeg.input("pipe:", **pcm).output(
        "pipe:", format="adts", acodec="aac", audio_bitrate=AAC_BITRATE, ar=AAC_RATE, ac=2))
    return producer, encoder, measure_command("pipe:", peak=AAC_RATE, fmt="aac", framelog=True)


def mux_command(video_from: Path, index: int, sound: Path, out: Path) -> list[str]:
    """ffmpeg: stream ``index`` of ``video_from`` and the AAC ``sound`` copied into a web MP4 (``+faststart``)."""
    return compile_command(ffmpeg.output(
        ffmpeg.input(video_from)[str(index)], ffmpeg.input(sound, format="aac")["a:0"], filename=out,
        format="mp4", vcodec="copy", acodec="copy", movflags="+faststart", map_metadata=-1, map_chapters=-1,
    ))


# --- the phone MP4 -------------------------------------------------------------------------------

def phone_ceiling_bps() -> int:
    """The phone file's highest average bitrate: its video's VBV ceiling and the copied AAC."""
    return (PHONE_MAXRATE_KBPS + int(AAC_BITRATE.rstrip("k"))) * 1000


def phone_worth_making(height: int | None, size: int, duration: float) -> bool:
    """Pure: whether a main MP4 of ``height`` lines, ``size`` bytes and ``duration`` seconds gets a phone
    rendition: taller than PHONE_HEIGHT, and at least PHONE_WORTH times the phone file's ceiling."""
    if not height or height <= PHONE_HEIGHT or duration <= 0:
        return False
    return size * 8 / duration >= PHONE_WORTH * phone_ceiling_bps()


def phone_video_command(p: Probe, video: Stream, out: Path) -> list[str]:
    """ffmpeg: the picture alone, scaled to PHONE_HEIGHT lines (the width to match, even), H.264 Main."""
    picture = (ffmpeg.input(p.path)[str(video.index)]
               .filter("scale", w=-2, h=f"min({PHONE_HEIGHT},ih)")
               .filter("format", "yuv420p"))
    rate = f"{PHONE_MAXRATE_KBPS}k"
    return compile_command(picture.output(
        filename=out, vcodec="libx264", preset=X264_PRESET, crf=PHONE_CRF, maxrate=rate,
        bufsize=f"{2 * PHONE_MAXRATE_KBPS}k", format="mp4",
        **{"profile:v": PHONE_PROFILE, "level:v": PHONE_LEVEL, "map_metadata": -1}))


def phone_video(p: Probe, out: Path, *, progress: Progress | None = None, nice: int = 0) -> Path:
    """The phone rendition's picture (no sound) at ``out``; the longest step, so it reports ``progress``."""
    run(phone_video_command(p, require_video(p), out), on_stderr_line=progress_reader(progress), nice=nice)
    return out


def phone_mp4(video: Path, main: Path, out: Path) -> Path:
    """The phone MP4 at ``out``: ``video`` (``phone_video``) and the main MP4's AAC, copied, ``+faststart``."""
    run(compile_command(ffmpeg.output(
        ffmpeg.input(video)["v:0"], ffmpeg.input(main)["a:0"], filename=out, format="mp4", vcodec="copy",
        acodec="copy", movflags="+faststart", map_metadata=-1, map_chapters=-1)))
    return out


# --- poster and audio ----------------------------------------------------------------------------

def poster_time(duration: float) -> float:
    """Pure: where the poster frame is taken by default."""
    return round(min(duration * POSTER_SHARE, POSTER_LATEST), 3)


def poster(src: Path, out: Path, at: float | None = None) -> Path:
    """A JPEG of the frame at ``at`` seconds (default ``poster_time``), at most POSTER_WIDTH wide."""
    if at is None:
        at = poster_time(probe(src).duration)
    out.unlink(missing_ok=True)
    run(ffmpeg_args("-ss", f"{at:.3f}", "-i", src, "-map", "0:V:0", "-frames:v", "1",
                    "-vf", f"scale='min({POSTER_WIDTH},iw)':-2", "-q:v", "3", "-update", "1", out))
    if not out.is_file() or out.stat().st_size == 0:
        raise InputError(f"no picture at {at:.1f} s for a poster", str(src))
    return out


def audio_only_mp3(p: Probe, target: Loudness, out: Path, *, progress: Progress | None = None,
                   on_pass: Callable[[str], None] | None = None, measured: SourceLoudness | None = None,
                   nice: int = 0) -> EncodedAudio:
    """The recording's sound as a podcast MP3 (the first audio stream, exactly as ``publish episode`` makes it).
    ``measured`` (from ``audio.measure_source``) is used when it was measured the way the MP3 is (mono or not)."""
    require_audio(p)
    return master_mp3(p, target, out, progress=progress, on_pass=on_pass, measured=measured, nice=nice)
