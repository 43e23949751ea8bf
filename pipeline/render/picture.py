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

import datetime as dt
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


def drawable(text: str, has_glyph) -> str:
    """Pure: ``text`` with what the font cannot draw dropped (``has_glyph(char)`` says what it can: emoji,
    control and format characters it has no glyph for), and white space collapsed."""
    return " ".join("".join(c for c in text if c.isprintable() and has_glyph(c)).split())


def _title_glyphs(size: float, weight: str):
    """What says whether the font matplotlib draws a title in has a glyph for a character."""
    from matplotlib.font_manager import FontProperties, findfont, get_font

    font = get_font(findfont(FontProperties(size=size, weight=weight)))
    return lambda c: font.get_char_index(ord(c)) != 0


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
    # Drawn with the glyphs the font has (an emoji would print "Glyph ... missing" on stderr), as text, not
    # mathtext: a title with two $ signs is not a formula. The PNG's Title chunk keeps the title as it is.
    shown = drawable(title, _title_glyphs(13, "bold"))
    fig.suptitle(f"Lydstyrke over tid – «{shown}»", x=0.075, ha="left", fontsize=13, fontweight="bold",
                 parse_math=False)
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


# --- downloads over time (``publish stats --chart``) -------------------------------------------------------

DOWNLOADS_KEY = "downloads"  # the PNG text chunk holding the figures drawn, as JSON
PERIOD_WORDS = {"day": "dag", "week": "uke", "month": "måned"}


def downloads_period(days: list[str]) -> str:
    """Pure: the bar a chart of these days (ISO dates) has: a day up to two months, a week up to a year, else
    a month, so that a chart never has more than about 60 bars."""
    if not days:
        return "day"
    span = (dt.date.fromisoformat(max(days)) - dt.date.fromisoformat(min(days))).days
    return "day" if span <= 62 else "week" if span <= 366 else "month"


def downloads_series(by_day: dict[str, int], period: str) -> list[tuple[str, int]]:
    """Pure: downloads per ``period`` (day, week, month), in time order, periods without downloads as 0."""
    if not by_day:
        return []
    first, last = dt.date.fromisoformat(min(by_day)), dt.date.fromisoformat(max(by_day))
    series: dict[str, int] = {}
    for n in range((last - first).days + 1):
        day = first + dt.timedelta(days=n)
        series.setdefault(_period_label(day, period), 0)
        series[_period_label(day, period)] += by_day.get(day.isoformat(), 0)
    return list(series.items())


def _period_label(day: dt.date, period: str) -> str:
    if period == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return day.isoformat()[:7] if period == "month" else day.isoformat()


def downloads_alt_text(series: list[tuple[str, int]], period: str) -> str:
    """The figures in words (Norwegian): the chart's alt text and its PNG ``Description``."""
    total = sum(n for _, n in series)
    figures = "; ".join(f"{label}: {n}" for label, n in series) or "ingen"
    return f"Nedlastinger per {PERIOD_WORDS[period]}, i alt {total}: {figures}."


def draw_downloads(out: Path, by_day: dict[str, int], *, title: str = "Nedlastinger over tid") -> str:
    """Draw downloads over time (bars per day, week or month) to ``out`` (PNG, 1000 x 380 px); the figures are
    its ``Description`` text chunk and come back as its alt text. Same input, same bytes."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    period = downloads_period(list(by_day))
    series = downloads_series(by_day, period)
    fig = Figure(figsize=(10, 3.8), dpi=100)
    ax = fig.add_subplot()
    fig.subplots_adjust(left=0.075, right=0.985, top=0.86, bottom=0.2)
    labels, values = [label for label, _ in series], [n for _, n in series]
    ax.bar(range(len(values)), values, color=AFTER_COLOUR, width=0.8)
    step = max(1, len(labels) // 12)
    ax.set_xticks(range(0, len(labels), step), labels[::step], rotation=30, ha="right", fontsize=9)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(f"Nedlastinger per {PERIOD_WORDS[period]}")
    ax.grid(True, axis="y", color="#dde3e8", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.suptitle(f"{drawable(title, _title_glyphs(13, 'bold'))} (i alt {sum(values)})", x=0.075, ha="left",
                 fontsize=13, fontweight="bold", parse_math=False)
    text = downloads_alt_text(series, period)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, format="png", metadata={"Title": title, "Software": None, "Description": text,
                                             DOWNLOADS_KEY: json.dumps(dict(series), separators=(",", ":"))})
    return text
