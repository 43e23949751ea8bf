"""Measuring the loudness picture's curves: ebur128's short-term loudness over time, from its frame log.

The curve is ffmpeg's own ``ebur128`` short-term loudness (3 s window, every 100 ms), read from the
filter's frame log (``loudness.ebur128_frames``). A pass that runs anyway (a measurement, the encode's
measurer) records it on the way (``CurveRecorder``); a file no pass measured gets one pass of its own
(``measure_curve``), and source and delivered file are then measured at once, one process each.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pipeline.media.loudness import ebur128_frames
from pipeline.media.runner import ffmpeg_args, run
from pipeline.model.curves import SILENT, Curve, Point

SPEECH_GATE_LU = 20.0  # short-term values more than this below the programme's loudness are pauses, not speech
KEEP_EVERY = 0.5  # seconds: the 3 s short-term window changes little in between; a 2-hour curve stays small


def _level(value: float) -> float | None:
    return value if math.isfinite(value) and value > SILENT else None


def _point(t: float, momentary: float, short_term: float) -> Point:
    return Point(t, _level(momentary), _level(short_term))


def parse_short_term(stderr: str) -> Curve:
    """Pure: the per-100 ms lines ebur128 logs with ``framelog=info``, as a curve.

    Lines look like ``[Parsed_ebur128_0 @ 0x..] t: 12.3  TARGET:-23 LUFS  M: -18.2 S: -19.0  I: ...``;
    they may share a line with ffmpeg's progress output. Silence (-120.7, nan) becomes None.
    """
    points = [_point(*frame) for frame in ebur128_frames(stderr)]
    if not points:
        raise ValueError("no ebur128 frame log in ffmpeg's output")
    return Curve(tuple(points))


def speech_median(values: Sequence[float], gate_lu: float = SPEECH_GATE_LU) -> float:
    """The median short-term loudness while someone speaks: values within ``gate_lu`` of the loudest
    tenth (pauses and fades fall below it). NaN when there is nothing above the silence gate."""
    loud = sorted(v for v in values if v > SILENT)
    if not loud:
        return float("nan")
    top = loud[int(len(loud) * 0.9)]
    return statistics.median(v for v in loud if v >= top - gate_lu)


def curve_command(path: Path, *, mono: bool = False) -> list[str]:
    """ffmpeg that logs ebur128's momentary and short-term loudness every 100 ms and discards the audio.
    ``mono`` measures as dual-mono, as ``audio.measure`` does, so curve and summary agree."""
    ebur = f"ebur128=framelog=info:dualmono={'true' if mono else 'false'}"
    return ffmpeg_args("-nostats", "-i", str(path), "-map", "0:a:0", "-af", ebur, "-f", "null", "-")


class CurveRecorder:
    """Collects a curve line by line as ffmpeg logs it (``run``'s ``on_stderr_line``), thinned to one point
    per ``KEEP_EVERY`` seconds, so neither the log (72,000 lines for two hours) nor every point is held.
    Lets a pass that runs anyway (a measurement, the encode's measurer) draw the picture's curve too."""

    def __init__(self) -> None:
        self._kept: dict[int, Point] = {}

    def __call__(self, line: str) -> None:
        for frame in ebur128_frames(line):
            self._kept[int(frame[0] // KEEP_EVERY)] = _point(*frame)

    def curve(self) -> Curve | None:
        """The curve so far; None when no frame was logged."""
        return Curve(tuple(self._kept[k] for k in sorted(self._kept))) if self._kept else None


def measure_curve(path: Path, *, mono: bool = False) -> Curve:
    """The curve of ``path`` (one ffmpeg pass, for a file no pass measured on the way)."""
    recorder = CurveRecorder()
    run(curve_command(path, mono=mono), on_stderr_line=recorder)
    curve = recorder.curve()
    if curve is None:
        raise ValueError(f"no ebur128 frame log for {path}")
    return curve


def measure_curves(source: Path, delivered: Path, *, mono: bool = False) -> tuple[Curve, Curve]:
    """Before and after, measured at once (one ffmpeg each)."""
    with ThreadPoolExecutor(2) as pool:
        before = pool.submit(measure_curve, source, mono=mono)
        after = pool.submit(measure_curve, delivered, mono=mono)
        return before.result(), after.result()
