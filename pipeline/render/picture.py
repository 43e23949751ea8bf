"""The loudness picture: short-term loudness over time, before and after processing, with the target marked.

One PNG per episode (and seminar), stored beside the media under a content-addressed key and named in
the record as the ``loudness`` rendition. It lets a producer *see* what levelling and normalising did
before listeners hear it: the grey curve is the recording as it came in, the blue one the delivered
file, the dashed line the show's target. The curve, one point a second, is also written into the PNG
as a text chunk (``loudness-curve``), so anyone can check the picture against a measurement of the file
without reading pixels. The measured values in words (Norwegian) are its alt text.

The curves are measured in ``pipeline.media.curves``. The only module that imports matplotlib (on first
draw, so that importing this module for the alt text costs nothing).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from pipeline.model.config import Loudness
from pipeline.model.curves import SILENT, Curve
from pipeline.model.records import LoudnessStats

PNG_KEY = "loudness-curve"  # the PNG text chunk holding the curve as JSON

# Colours from the archive's palette (pipeline/render/static/style.css): every line readable on white.
BEFORE_COLOUR = "#8a8a8a"
AFTER_COLOUR = "#0a4f86"
TARGET_COLOUR = "#b34700"

TICK_STEPS = (5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200)  # seconds: clock-like tick spacings


def format_level(value: float, decimals: int = 1) -> str:
    """Norwegian number: decimal comma, a real minus sign."""
    return f"{value:.{decimals}f}".replace(".", ",").replace("-", "\u2212")


def _clock(seconds: float, _pos=None) -> str:
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def loudness_alt_text(before: LoudnessStats | None, after: LoudnessStats | None, target: Loudness | None) -> str:
    """The measured values in words (Norwegian): the picture's alt text and its PNG ``Description``."""
    parts = []
    for word, stats in (("før behandling", before), ("etter", after)):
        if stats:
            parts.append(f"{word} {format_level(stats.integrated)} LUFS (sann topp {format_level(stats.true_peak)} "
                         f"dBTP, variasjon {format_level(stats.lra)} LU)")
    if target:
        parts.append(f"mål {format_level(target.integrated)} LUFS og høyst {format_level(target.true_peak)} dBTP")
    return "Lydstyrke over tid: " + ", ".join(parts) + "."


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
    _axes(ax, duration, [v for v in by + ayy if not math.isnan(v)], target)
    fig.suptitle(f"Lydstyrke over tid – «{title}»", x=0.075, ha="left", fontsize=13, fontweight="bold")
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.01), ncol=3, frameon=False, fontsize=10,
              borderaxespad=0, handlelength=2.2)

    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, format="png", metadata=_metadata(title, before, after, target, before_stats, after_stats))
    return out


def _axes(ax, duration: float, values: list[float], target: Loudness) -> None:
    """Limits, labels, clock ticks and grid: the level axis spans the curves and the target, in steps of 5."""
    from matplotlib.ticker import FuncFormatter, MultipleLocator

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


def _metadata(title: str, before: Curve, after: Curve, target: Loudness, before_stats: LoudnessStats | None,
              after_stats: LoudnessStats | None) -> dict[str, str | None]:
    """The PNG's text chunks: title, alt text, and the curve drawn, one point a second (``read_curve``)."""
    curve = {"step": 1.0,
             "before": [p.short_term for p in before.every(1.0).points],
             "after": [p.short_term for p in after.every(1.0).points],
             "target": target.integrated}
    return {"Title": f"Lydstyrke over tid – {title}", "Software": None,
            "Description": loudness_alt_text(before_stats, after_stats, target),
            PNG_KEY: json.dumps(curve, separators=(",", ":"))}


def read_curve(png: Path) -> dict:
    """The curve a picture was drawn from (the ``loudness-curve`` text chunk): step, before, after, target."""
    from PIL import Image

    with Image.open(png) as image:
        return json.loads(image.text[PNG_KEY])
