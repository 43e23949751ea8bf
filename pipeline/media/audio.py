"""The podcast audio path: measure, level, normalise, limit and encode MP3 in one streamed pass.

1. Two measurements at once (one process each, both cores): the source as it is (for the record),
   and the source after levelling (to compute the programme gain).
2. One encode: level -> linear gain -> oversampled limiter -> MP3, while a third process measures
   the delivered MP3 bytes as they are written. Encoding lowers loudness a little (the limiter and
   the MP3 encoder each take a few tenths of an LU), so a second encode corrects the gain when the
   delivered file misses the target by more than ``RETRY_LU``.
Nothing is ever loaded whole into Python: ffmpeg streams, Python only copies 64 KiB chunks.

``normalise`` (measure, gain, encode, correct) and ``programme_filters`` are shared with the seminar
video path, which only brings its own encode.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import ffmpeg

from pipeline.media.curves import CurveRecorder
from pipeline.media.loudness import (LIMITER_MARGIN_DB, ebur128_frames, gain_db, integrated_loudness, levelling_filter,
                                     limiter_chain, loudness_range, parse_ebur128_summary, parse_true_peak,
                                     true_peak_filters)
from pipeline.media.probe import Probe
from pipeline.media.runner import BACKGROUND, ffmpeg_args, run, run_chain
from pipeline.model.config import Loudness
from pipeline.model.curves import Curve
from pipeline.model.errors import InputError, PipelineError
from pipeline.model.records import LoudnessStats

SAMPLE_RATE = 44100
SILENCE_LUFS = -60.0
RETRY_LU = 0.3  # re-encode once when the delivered file misses the target by more than this
ENCODER_ALLOWANCE_LU = 1.0  # first guess of what limiter + MP3 encoder take away (measured 0.9-1.1 on speech)
MAX_ENCODES = 3

Progress = Callable[[float], None]  # seconds of programme processed so far

_TIME = re.compile(r"time=(\d+):(\d\d):(\d\d(?:\.\d+)?)")


def parse_progress_time(line: str) -> float | None:
    """Pure: the ``time=HH:MM:SS.xx`` of an ffmpeg stats line, in seconds."""
    m = _TIME.search(line)
    return int(m.group(1)) * 3600 + int(m.group(2)) * 60 + float(m.group(3)) if m else None


def progress_reader(progress: Progress | None) -> Callable[[str], None] | None:
    if progress is None:
        return None

    def on_line(line: str) -> None:
        t = parse_progress_time(line)
        if t is not None:
            progress(t)

    return on_line


@dataclass(frozen=True)
class EncodedAudio:
    path: Path
    before: LoudnessStats
    after: LoudnessStats
    gain_db: float
    channels: int
    bitrate: str
    encodes: int  # how many encode passes it took (1 normally, 2 when the gain needed a correction)
    curves: tuple[Curve | None, Curve | None] = (None, None)  # (source, delivered) for the loudness picture


def source_rate(p: Probe) -> int:
    """The sample rate of ``p``'s audio, for its true-peak measurement (48 kHz when ffprobe did not say)."""
    return (p.audio.sample_rate if p.audio else None) or 48000


def delivery_format(p: Probe) -> tuple[int, str]:
    """Mono speech stays mono at 64 kbit/s; anything else is stereo at 128 kbit/s."""
    return (1, "64k") if (p.audio and p.audio.channels == 1) else (2, "128k")


def chain_filters(stream, filters: list[tuple[str, dict]]):
    """``stream`` through each ``(filter name, arguments)`` in turn (ffmpeg-python)."""
    for name, args in filters:
        stream = stream.filter(name, **args)
    return stream


def compile_command(stream_out) -> list[str]:
    """The ffmpeg command line for an ffmpeg-python output (its inputs, filter graph and outputs), with the
    flags every call wants (``runner.ffmpeg_args``)."""
    return ffmpeg_args(*ffmpeg.get_args(stream_out))


def measure_command(path: str, filters: list[tuple[str, dict]] = (), *, peak: int | None = None,
                    fmt: str | None = None, mono: bool = False, framelog: bool = False,
                    start: float | None = None, length: float | None = None) -> list[str]:
    """ffmpeg that runs ``filters`` then ``ebur128`` over the first audio stream and discards the result.
    ``peak``, the sample rate after ``filters``, also measures the true peak (``loudness.true_peak_filters``,
    on a branch of the same graph). ``framelog`` also logs the loudness every 100 ms (``curves.CurveRecorder``
    reads it); otherwise those lines are not even written (ffmpeg logs them by default, 18,000 lines for
    30 minutes, which both ffmpeg and Python would pay for).

    ``mono`` measures a mono programme as dual-mono (played on two speakers), so a mono episode at
    -16 LUFS sounds as loud as a stereo one: the convention Apple and AES TD1004 assume.
    ``start`` and ``length`` (seconds) measure a part of the file.
    """
    span = {**({"ss": start} if start is not None else {}), **({"t": length} if length is not None else {})}
    src = ffmpeg.input(path, **({"format": fmt} if fmt else {}), **span)
    ebur = {"peak": "none", "dualmono": "true" if mono else "false", "framelog": "info" if framelog else "verbose"}
    stream = chain_filters(src.audio, list(filters))
    if not peak:
        return compile_command(stream.filter("ebur128", **ebur).output("-", format="null"))
    branches = stream.filter_multi_output("asplit")
    loudness = branches[0].filter("ebur128", **ebur)
    true_peak = chain_filters(branches[1], true_peak_filters(peak))
    return compile_command(ffmpeg.output(loudness, true_peak, "-", format="null"))


def parse_measurement(stderr: str) -> LoudnessStats:
    """Pure: what ``measure_command`` printed (the true peak -inf when it was not measured)."""
    stats = parse_ebur128_summary(stderr)
    if "volumedetect" not in stderr:
        return stats
    return LoudnessStats(integrated=stats.integrated, true_peak=parse_true_peak(stderr), lra=stats.lra)


def measure(path: Path, filters: list[tuple[str, dict]] = (), *, peak: int | None = None, mono: bool = False,
            progress: Progress | None = None, curve: CurveRecorder | None = None, nice: int = 0) -> LoudnessStats:
    """The loudness of ``path`` after ``filters`` (and its true peak when ``peak`` gives the sample rate
    after them); ``curve`` also records its curve on the way. ``nice``: as for ``runner.run``."""
    on_line = _both(progress_reader(progress), curve)
    proc = run(measure_command(str(path), list(filters), peak=peak, mono=mono, framelog=curve is not None),
               on_stderr_line=on_line, nice=nice)
    return parse_measurement(proc.stderr)


def _both(*callbacks: Callable[[str], None] | None) -> Callable[[str], None] | None:
    """One line callback that calls each of ``callbacks`` that is set (None when none is)."""
    live = [c for c in callbacks if c is not None]
    if len(live) <= 1:
        return live[0] if live else None

    def on_line(line: str) -> None:
        for c in live:
            c(line)

    return on_line


class BlockRecorder:
    """Collects ebur128's momentary and short-term loudness of every 100 ms step from its frame log
    (``run``'s ``on_stderr_line``); ``after`` drops the steps up to that time."""

    def __init__(self, after: float = 0.0) -> None:
        self.after = after
        self.momentary: array[float] = array("d")
        self.short_term: array[float] = array("d")

    def __call__(self, line: str) -> None:
        for t, momentary, short_term in ebur128_frames(line):
            if t > self.after:
                self.momentary.append(momentary)
                self.short_term.append(short_term)


# A long programme's levelled loudness is measured in two halves at once, one per core, because the encode
# waits for it. The second half starts WARMUP_S early (levelling
# looks ~4 s around each moment) and those steps are dropped; the halves' 400 ms blocks and 3 s values are
# then gated together as one programme (loudness.integrated_loudness, loudness_range), which reads what
# ebur128 reads over the whole file (tests/test_loudness.py).
TWO_HALVES_FROM_S = 120.0
WARMUP_S = 10.0


def measure_levelled(p: Probe, filters: list[tuple[str, dict]], *, mono: bool = False,
                     progress: Progress | None = None) -> LoudnessStats:
    """The loudness of ``p`` after ``filters`` (the levelling), without true peak, as fast as two cores allow."""
    if p.duration < TWO_HALVES_FROM_S:
        return measure(p.path, filters, mono=mono, progress=progress)
    middle = round(p.duration / 2, 1)  # on ebur128's 100 ms grid, so the halves' blocks line up
    first, second = BlockRecorder(), BlockRecorder(after=WARMUP_S + 0.05)
    # Both halves advance together, so the first one's time, doubled, is the progress of the whole.
    on_first = _both(progress_reader(progress and (lambda t: progress(min(2 * t, p.duration)))), first)
    with ThreadPoolExecutor(1) as pool:
        later = pool.submit(run, measure_command(str(p.path), filters, mono=mono, framelog=True,
                                                 start=round(middle - WARMUP_S, 1)), on_stderr_line=second)
        run(measure_command(str(p.path), filters, mono=mono, framelog=True, length=middle), on_stderr_line=on_first)
        later.result()
    return LoudnessStats(integrated=integrated_loudness([*first.momentary, *second.momentary]),
                         true_peak=float("-inf"), lra=loudness_range([*first.short_term, *second.short_term]))


def programme_filters(target: Loudness, gain: float, ceiling: float, sample_rate: int) -> list[tuple[str, dict]]:
    """The audio of every delivery: level -> linear gain -> oversampled true-peak limiter at ``sample_rate``."""
    level = levelling_filter(target)
    return [*([level] if level else []), ("volume", {"volume": f"{gain}dB"}), *limiter_chain(ceiling, sample_rate)]


# Calibrating the limiter's share (``normalise``'s ``calibrate``) on a sample of a long programme: 20 s of
# every 200 s, after levelling (which needs the whole signal) and before the limiter (which costs). The
# sample reads like the whole programme (tests/test_loudness.py) for a fraction of the work.
CALIBRATION_SAMPLE_S, CALIBRATION_EVERY_S = 20, 200
CALIBRATION_WHOLE_BELOW_S = 600  # shorter programmes are measured whole: it costs little


def calibration_filters(target: Loudness, gain: float, ceiling: float, sample_rate: int,
                        duration: float) -> list[tuple[str, dict]]:
    """``programme_filters`` over a sample of a programme of ``duration`` seconds (whole when short)."""
    filters = programme_filters(target, gain, ceiling, sample_rate)
    if duration < CALIBRATION_WHOLE_BELOW_S:
        return filters
    at = 1 if levelling_filter(target) else 0
    sample = [("aselect", {"expr": f"lt(mod(t,{CALIBRATION_EVERY_S}),{CALIBRATION_SAMPLE_S})"}),
              ("asetpts", {"expr": "N/SR/TB"})]
    return [*filters[:at], *sample, *filters[at:]]


Encode = Callable[[float, float], LoudnessStats]  # (gain dB, limiter ceiling dBTP) -> the delivered file's loudness


@dataclass(frozen=True)
class Normalised:
    before: LoudnessStats  # the source as it is
    after: LoudnessStats  # the delivered file, as the last encode measured it
    gain_db: float
    encodes: int
    before_curve: Curve | None = None  # the source's loudness curve, recorded while measuring it


@dataclass(frozen=True)
class SourceLoudness:
    """What the source measured once, for every delivery made from it (the seminar's MP4 and its MP3)."""
    levelled: LoudnessStats  # after the levelling filter: decides the gain
    before: LoudnessStats  # as it is, with true peak: for the record
    mono: bool  # measured as dual-mono
    before_curve: Curve | None = None  # the source's loudness curve, for the loudness picture


def measure_source(p: Probe, target: Loudness, *, mono: bool = False, progress: Progress | None = None,
                   say: Callable[[str], None] | None = None) -> SourceLoudness:
    """Both measurements of ``p`` at once (one process each, both cores). Refuses silence."""
    level = levelling_filter(target)
    (say or (lambda _msg: None))("measuring")
    recorder = CurveRecorder()
    with ThreadPoolExecutor(1) as pool:
        before_f = pool.submit(measure, p.path, [], peak=source_rate(p), mono=mono, curve=recorder, nice=BACKGROUND)
        levelled = measure_levelled(p, [level] if level else [], mono=mono, progress=progress)
        before = before_f.result()
    _refuse_silence(p, levelled, before)
    return SourceLoudness(levelled=levelled, before=before, mono=mono, before_curve=recorder.curve())


def _refuse_silence(p: Probe, levelled: LoudnessStats | None, before: LoudnessStats | None) -> None:
    for stats in (levelled, before):
        # Levelling lifts hiss by up to 40 dB; the source itself decides whether there is a programme.
        if stats is not None and stats.integrated < SILENCE_LUFS:
            raise InputError(f"silent or nearly so ({stats.integrated:.1f} LUFS, below {SILENCE_LUFS:.0f} LUFS)",
                             str(p.path))


def normalise(p: Probe, target: Loudness, encode: Encode, *, mono: bool = False,
              allowance: float = ENCODER_ALLOWANCE_LU, progress: Progress | None = None,
              say: Callable[[str], None] | None = None, measured: SourceLoudness | None = None,
              calibrate: Encode | None = None) -> Normalised:
    """Measure ``p``, then ``encode`` with the gain that brings it to ``target``, correcting the gain when the
    delivered file misses. ``allowance`` is the first guess of what limiter and encoder take away.
    ``measured`` (from ``measure_source`` with the same ``mono``) skips the measuring. ``calibrate`` measures
    the programme (levelled, gained, limited; not encoded) at the first gain, which is then corrected by what
    the limiter took, so ``allowance`` need only cover the encoder: cheaper than a missed encode.
    Refuses silence, and a delivered file still off target after MAX_ENCODES passes.
    """
    say = say or (lambda _msg: None)
    if measured is not None and measured.mono == mono:
        _refuse_silence(p, measured.levelled, measured.before)
        done = _encode_to_target(p, target, encode, measured.levelled, allowance, say, calibrate)
        return Normalised(before=measured.before, after=done[0], gain_db=done[1], encodes=done[2],
                          before_curve=measured.before_curve)
    level = levelling_filter(target)
    say("measuring")
    # Only the levelled measurement decides the gain. The source's own loudness and true peak (for the
    # record) cost more (true peak oversamples 4x) and run on the other core, finishing during the encode,
    # which otherwise leaves that core partly idle. It also records the loudness picture's "before" curve.
    recorder = CurveRecorder()
    pool = ThreadPoolExecutor(1)
    before_f = pool.submit(measure, p.path, [], peak=source_rate(p), mono=mono, curve=recorder, nice=BACKGROUND)
    try:
        levelled = measure_levelled(p, [level] if level else [], mono=mono, progress=progress)
        _refuse_silence(p, levelled, None)
        done = _encode_to_target(p, target, encode, levelled, allowance, say, calibrate)
        before = before_f.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    _refuse_silence(p, None, before)
    return Normalised(before=before, after=done[0], gain_db=done[1], encodes=done[2], before_curve=recorder.curve())


def _encode_to_target(p: Probe, target: Loudness, encode: Encode, levelled: LoudnessStats, allowance: float,
                      say: Callable[[str], None], calibrate: Encode | None = None) -> tuple[LoudnessStats, float, int]:
    """Encode with the gain the levelled measurement implies; correct it while the delivered file misses."""
    gain = gain_db(levelled.integrated, target, allowance)
    ceiling = target.true_peak - LIMITER_MARGIN_DB
    if calibrate is not None:
        gain = round(gain + target.integrated + allowance - calibrate(gain, ceiling).integrated, 2)
    after = None
    for attempt in range(1, MAX_ENCODES + 1):
        say(f"encoding (pass {attempt}, gain {gain:+.1f} dB)")
        after = encode(gain, ceiling)
        off = target.integrated - after.integrated
        peak_over = after.true_peak - target.true_peak
        if abs(off) <= RETRY_LU and peak_over <= 0:
            break
        if attempt < MAX_ENCODES:
            gain = round(gain + off, 2)
            if peak_over > 0:
                ceiling -= peak_over + 0.2
    assert after is not None
    if abs(target.integrated - after.integrated) > target.tolerance or after.true_peak > target.true_peak + 0.05:
        raise PipelineError(
            f"could not reach the loudness target: delivered {after.integrated:.1f} LUFS / {after.true_peak:.1f} dBTP "
            f"for a target of {target.integrated:.1f} LUFS / {target.true_peak:.1f} dBTP", str(p.path))
    return after, gain, attempt


def master_mp3(p: Probe, target: Loudness, out: Path, *, progress: Progress | None = None,
               on_pass: Callable[[str], None] | None = None, measured: SourceLoudness | None = None,
               nice: int = 0) -> EncodedAudio:
    """Level, normalise and encode ``p`` to ``out`` (MP3 44.1 kHz CBR). Refuses silence and misses.
    ``nice`` lowers the encode's priority (a seminar's MP3, made while the MP4's sound is encoded)."""
    channels, bitrate = delivery_format(p)
    delivered = [CurveRecorder()]  # the last pass's: that is the file delivered

    def encode(gain: float, ceiling: float) -> LoudnessStats:
        delivered[0] = CurveRecorder()
        return _encode(p, programme_filters(target, gain, ceiling, SAMPLE_RATE), channels, bitrate, out, progress,
                       delivered[0], nice)

    done = normalise(p, target, encode, mono=channels == 1, progress=progress, say=on_pass, measured=measured)
    return EncodedAudio(path=out, before=done.before, after=done.after, gain_db=done.gain_db, channels=channels,
                        bitrate=bitrate, encodes=done.encodes, curves=(done.before_curve, delivered[0].curve()))


def _encode(p: Probe, filters: list[tuple[str, dict]], channels: int, bitrate: str,
            out: Path, progress: Progress | None, curve: CurveRecorder | None = None, nice: int = 0) -> LoudnessStats:
    """One streamed pass: filter process | MP3 encoder process > out, with the bytes measured on the way
    (and their loudness curve recorded by ``curve``)."""
    stream = chain_filters(ffmpeg.input(str(p.path)).audio, filters)
    producer = compile_command(stream.output("pipe:", format="s16le", ac=channels, ar=SAMPLE_RATE))
    encoder = compile_command(
        ffmpeg.input("pipe:", format="s16le", ac=channels, ar=SAMPLE_RATE)
        .output("pipe:", format="mp3", acodec="libmp3lame", audio_bitrate=bitrate, ar=SAMPLE_RATE, ac=channels,
                write_xing=1)
    )
    measurer = measure_command("pipe:", peak=SAMPLE_RATE, fmt="mp3", mono=channels == 1, framelog=curve is not None)
    stderr = run_chain(producer, encoder, out, measurer=measurer, on_stderr_line=progress_reader(progress),
                       on_measurer_line=curve, nice=nice)
    return parse_measurement(stderr or "")
