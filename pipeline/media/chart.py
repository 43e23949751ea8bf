"""The loudness picture: short-term loudness over time, before and after processing, with the target marked.

One PNG per episode (and seminar), stored beside the media under a content-addressed key and named in
the record as the ``loudness`` rendition. It lets a producer *see* what levelling and normalising did
before listeners hear it: the grey curve is the recording as it came in, the blue one the delivered
file, the dashed line the show's target.

The curves are ffmpeg's own ``ebur128`` short-term loudness (3 s window, every 100 ms), read from the
filter's frame log by a pure parser. Source and delivered file are measured at once, one process each
(one extra decode of the MP3: a few seconds for 30 minutes). The curve, one point a second, is also
written into the PNG as a text chunk (``loudness-curve``), so anyone can check the picture against a
measurement of the file without reading pixels.

The only module that imports matplotlib.
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from pipeline.model.config import Loudness
from pipeline.media.loudness import EBUR128_FRAME
from pipeline.model.records import LoudnessStats
from pipeline.media.runner import ffmpeg_args, run

SILENT = -70.0  # LUFS; ebur128's absolute gate: below it is silence (the filter reports -120.7 or nan)
SPEECH_GATE_LU = 20.0  # short-term values more than this below the programme's loudness are pauses, not speech
PNG_KEY = "loudness-curve"  # the PNG text chunk holding the curve as JSON

# Colours from the archive's palette (pipeline/static/style.css): every line readable on white.
BEFORE_COLOUR = "#8a8a8a"
AFTER_COLOUR = "#0a4f86"
TARGET_COLOUR = "#b34700"

@dataclass(frozen=True)
class Point:
    t: float  # seconds from the start (end of the 100 ms step)
    momentary: float | None  # LUFS over 400 ms; None when silent
    short_term: float | None  # LUFS over 3 s; None when silent or before the window has filled


@dataclass(frozen=True)
class Curve:
    points: tuple[Point, ...]

    @property
    def duration(self) -> float:
        return self.points[-1].t if self.points else 0.0

    def short_term(self) -> list[float]:
        return [p.short_term for p in self.points if p.short_term is not None]

    def every(self, seconds: float) -> "Curve":
        """One point per ``seconds`` (the last of each step): enough to draw or to store, since S spans 3 s."""
        kept: dict[int, Point] = {}
        for p in self.points:
            kept[int(p.t // seconds)] = p
        return Curve(tuple(kept[k] for k in sorted(kept)))


def _level(text: str) -> float | None:
    value = float(text)  # float() reads "nan", "inf" and "-inf"
    return value if math.isfinite(value) and value > SILENT else None


def parse_short_term(stderr: str) -> Curve:
    """Pure: the per-100 ms lines ebur128 logs with ``framelog=info``, as a curve.

    Lines look like ``[Parsed_ebur128_0 @ 0x..] t: 12.3  TARGET:-23 LUFS  M: -18.2 S: -19.0  I: ...``;
    they may share a line with ffmpeg's progress output. Silence (-120.7, nan) becomes None.
    """
    points = [Point(float(m["t"]), _level(m["m"]), _level(m["s"])) for m in EBUR128_FRAME.finditer(stderr)]
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


KEEP_EVERY = 0.5  # seconds: the 3 s short-term window changes little in between; a 2-hour curve stays small


class CurveRecorder:
    """Collects a curve line by line as ffmpeg logs it (``run``'s ``on_stderr_line``), thinned to one point
    per ``KEEP_EVERY`` seconds, so neither the log (72,000 lines for two hours) nor every point is held.
    Lets a pass that runs anyway (a measurement, the encode's measurer) draw the picture's curve too."""

    def __init__(self) -> None:
        self._kept: dict[int, Point] = {}

    def __call__(self, line: str) -> None:
        for m in EBUR128_FRAME.finditer(line):
            t = float(m["t"])
            self._kept[int(t // KEEP_EVERY)] = Point(t, _level(m["m"]), _level(m["s"]))

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


# --- drawing -----------------------------------------------------------------------------------

def format_level(value: float, decimals: int = 1) -> str:
    """Norwegian number: decimal comma, a real minus sign."""
    return f"{value:.{decimals}f}".replace(".", ",").replace("-", "\u2212")


def _clock(seconds: float, _pos=None) -> str:
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def describe(before: LoudnessStats | None, after: LoudnessStats | None, target: Loudness | None) -> str:
    """The measured values in words (Norwegian): the picture's alt text and its PNG ``Description``."""
    parts = []
    for word, stats in (("før behandling", before), ("etter", after)):
        if stats:
            parts.append(f"{word} {format_level(stats.integrated)} LUFS (sann topp {format_level(stats.true_peak)} "
                         f"dBTP, variasjon {format_level(stats.lra)} LU)")
    if target:
        parts.append(f"mål {format_level(target.integrated)} LUFS og høyst {format_level(target.true_peak)} dBTP")
    return "Lydstyrke over tid: " + ", ".join(parts) + "."


TICK_STEPS = (5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200)  # seconds: clock-like tick spacings


def tick_step(duration: float, most: int = 10) -> int:
    """Pure: the smallest clock-like spacing that puts at most ``most`` ticks on the time axis."""
    return next((step for step in TICK_STEPS if duration / step <= most), TICK_STEPS[-1])


def _series(curve: Curve) -> tuple[list[float], list[float]]:
    xs, ys = [], []
    for p in curve.points:
        xs.append(p.t)
        ys.append(p.short_term if p.short_term is not None else math.nan)  # NaN leaves a gap in the line
    return xs, ys


def draw(out: Path, *, title: str, before: Curve, after: Curve, target: Loudness,
         before_stats: LoudnessStats | None = None, after_stats: LoudnessStats | None = None) -> Path:
    """Draw the picture to ``out`` (PNG, 1000 x 380 px). Same input, same bytes."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MultipleLocator

    fig = Figure(figsize=(10, 3.8), dpi=100)
    ax = fig.add_subplot()
    fig.subplots_adjust(left=0.075, right=0.985, top=0.80, bottom=0.14)

    duration = max(before.duration, after.duration, 1.0)
    step = max(0.5, duration / 1800)  # about two points per pixel: a long programme stays a line, not a blob
    bx, by = _series(before.every(step))
    axx, ayy = _series(after.every(step))
    thin = duration > 600
    b_label = "Før behandling" + (f": {format_level(before_stats.integrated)} LUFS" if before_stats else "")
    a_label = "Etter" + (f": {format_level(after_stats.integrated)} LUFS, "
                         f"sann topp {format_level(after_stats.true_peak)} dBTP" if after_stats else "")
    ax.plot(bx, by, color=BEFORE_COLOUR, linewidth=0.8 if thin else 1.3, label=b_label, solid_capstyle="round")
    ax.plot(axx, ayy, color=AFTER_COLOUR, linewidth=1.0 if thin else 2.0, label=a_label, solid_capstyle="round")
    ax.axhline(target.integrated, color=TARGET_COLOUR, linewidth=1.6, linestyle=(0, (6, 3)), zorder=3,
               label=f"Mål: {format_level(target.integrated)} LUFS")

    values = [v for v in by + ayy if not math.isnan(v)]
    low = min(values, default=target.integrated - 20)
    high = max(values, default=target.integrated)
    ax.set_ylim(max(SILENT, math.floor(min(low, target.integrated - 12) / 5) * 5),
                min(0.0, math.ceil(max(high, target.integrated + 4) / 5) * 5 + 1))
    ax.set_xlim(0, duration)

    ax.set_xlabel("Tid (min:s)")
    ax.set_ylabel("Korttidslydstyrke (LUFS)")
    ax.xaxis.set_major_formatter(FuncFormatter(_clock))
    ax.xaxis.set_major_locator(MultipleLocator(tick_step(duration)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: format_level(v, 0)))
    ax.grid(True, color="#dde3e8", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.suptitle(f"Lydstyrke over tid – «{title}»", x=0.075, ha="left", fontsize=13, fontweight="bold")
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.01), ncol=3, frameon=False, fontsize=10,
              borderaxespad=0, handlelength=2.2)

    curve = {"step": 1.0,
             "before": [p.short_term for p in before.every(1.0).points],
             "after": [p.short_term for p in after.every(1.0).points],
             "target": target.integrated}
    metadata = {"Title": f"Lydstyrke over tid – {title}", "Software": None,
                "Description": describe(before_stats, after_stats, target),
                PNG_KEY: json.dumps(curve, separators=(",", ":"))}
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, format="png", metadata=metadata)
    return out


def read_curve(png: Path) -> dict:
    """The curve a picture was drawn from (the ``loudness-curve`` text chunk): step, before, after, target."""
    from PIL import Image

    with Image.open(png) as image:
        return json.loads(image.text[PNG_KEY])


def loudness_picture(source: Path, delivered: Path, out: Path, *, title: str, target: Loudness,
                     before: LoudnessStats | None = None, after: LoudnessStats | None = None,
                     mono: bool = False, curves: tuple[Curve | None, Curve | None] = (None, None)) -> Path:
    """Measure ``source`` and ``delivered`` (at once) and draw the picture to ``out``. ``curves`` (before,
    after) already measured, e.g. on the way while the delivery was made, are not measured again."""
    before_curve, after_curve = curves
    if before_curve is None and after_curve is None:
        before_curve, after_curve = measure_curves(source, delivered, mono=mono)
    else:
        before_curve = before_curve or measure_curve(source, mono=mono)
        after_curve = after_curve or measure_curve(delivered, mono=mono)
    return draw(out, title=title, before=before_curve, after=after_curve, target=target,
                before_stats=before, after_stats=after)


__all__ = ["Curve", "CurveRecorder", "Point", "describe", "draw", "format_level", "loudness_picture", "measure_curve",
           "measure_curves", "parse_short_term", "read_curve", "speech_median"]
