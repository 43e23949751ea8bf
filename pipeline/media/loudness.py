"""Loudness: measure with ffmpeg's ``ebur128`` (ITU-R BS.1770), and the filters that level and normalise.

Why not ``loudnorm``: it analyses at 192 kHz and silently switches to dynamic mode on most real
speech, costing most of ffmpeg-normalize's time (see shared/loudness.md). A cheap ``ebur128``
measuring pass plus one encode with a linear gain and an oversampled limiter is several times faster
and lands as close to the target.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence

from pipeline.model.config import Loudness
from pipeline.model.records import LoudnessStats

# Levelling evens out a loud host and a quiet guest before the programme gain. dynaudnorm with a
# short frame and a modest max gain brought a 20-24 dB host/guest gap to LRA ~5 LU here without
# pumping room noise up in the pauses (m=40 caps the lift; p=0.9 keeps headroom).
LEVELLING_FILTERS: dict[str, tuple[str, dict] | None] = {
    "dynaudnorm": ("dynaudnorm", {"f": 250, "g": 15, "p": 0.9, "m": 40}),
    "speechnorm": ("speechnorm", {"e": 25, "r": 0.0001, "l": 1, "p": 0.9}),
    "none": None,
}

# MP3 encoding raises the true peak by up to ~0.7 dB, and alimiter limits sample peaks, so the
# limiter runs oversampled with this much margin below the requested true-peak ceiling. 2x, not 4x: the
# delivered true peak differs by a tenth of a dB for much less work, and it is measured on every encode
# anyway (a miss lowers the ceiling and encodes again). The measurements: README, Benchmarks.
LIMITER_MARGIN_DB = 1.0
OVERSAMPLE = 2
# swresample's default filter is 32 taps; 16 around the limiter cost much less for the same delivered
# loudness and true peak. What a shorter filter lets through lies near the top of the band, above the
# 16-17 kHz the MP3 and AAC encoders keep at 128 kbit/s.
RESAMPLER_TAPS = 16

# True peak per ITU-R BS.1770-4 Annex 2: upsample to at least 176.4 kHz with a short interpolation filter
# (the annex's example has 12 taps per phase) and take the highest sample. ffmpeg's own ebur128
# ``peak=true`` does the same with swresample's default 32-tap filter, at about twice the cost; this meter
# reads within 0.1 dB of it (tests/test_loudness.py).
# volumedetect counts 16-bit samples, so the signal is lowered first: peaks up to +PEAK_HEADROOM_DB dBTP
# still read correctly instead of clipping at 0.
TRUE_PEAK_MIN_RATE = 176400
TRUE_PEAK_TAPS = 12
PEAK_HEADROOM_DB = 12.0

# One line of ebur128's frame log (``framelog=info``): every 100 ms, the momentary (400 ms) and short-term
# (3 s) loudness. They may share a line with ffmpeg's progress output. Silence reads -120.7, nan or -inf.
EBUR128_FRAME = re.compile(
    r"\bt:\s*(?P<t>\d+(?:\.\d+)?)\s+TARGET:\s*-?\d+\s+LUFS\s+"
    r"M:\s*(?P<m>-?\d+(?:\.\d+)?|-?inf|nan)\s+S:\s*(?P<s>-?\d+(?:\.\d+)?|-?inf|nan)"
)


def ebur128_frames(text: str) -> Iterator[tuple[float, float, float]]:
    """Pure: ``(t, momentary, short_term)`` of each frame-log line in ``text``, as ebur128 printed them
    (silence as -120.7, nan or -inf): the one reader of that line, for every recorder of it."""
    for m in EBUR128_FRAME.finditer(text):
        yield float(m["t"]), float(m["m"]), float(m["s"])


ABSOLUTE_GATE = -70.0  # LUFS (ITU-R BS.1770-4, EBU Tech 3342)
RELATIVE_GATE_LU = 10.0  # integrated loudness: blocks more than this below the abs-gated mean do not count
LRA_RELATIVE_GATE_LU = 20.0  # loudness range: the same, for short-term values


def _power_mean(levels: Sequence[float]) -> float:
    return 10 * math.log10(math.fsum(10 ** (v / 10) for v in levels) / len(levels))


def integrated_loudness(momentary: Sequence[float]) -> float:
    """Pure: BS.1770-4 integrated loudness from the loudness of its 400 ms blocks, which are ebur128's
    momentary values every 100 ms (blocks overlapping by 75 %, as the standard has them)."""
    above = [m for m in momentary if m > ABSOLUTE_GATE]
    if not above:
        return ABSOLUTE_GATE
    relative = _power_mean(above) - RELATIVE_GATE_LU
    return round(_power_mean([m for m in above if m > relative]), 1)


def loudness_range(short_term: Sequence[float]) -> float:
    """Pure: EBU Tech 3342 loudness range from short-term (3 s) values: the 10th to the 95th percentile of
    those above both gates."""
    above = [s for s in short_term if s > ABSOLUTE_GATE]
    if not above:
        return 0.0
    relative = _power_mean(above) - LRA_RELATIVE_GATE_LU
    gated = sorted(s for s in above if s > relative)
    low, high = (gated[round(q * (len(gated) - 1))] for q in (0.10, 0.95))
    return round(high - low, 1)


_SUMMARY_VALUE = re.compile(r"^\s*(I|LRA|Peak):\s+(-?[\d.]+|-inf|nan)\s", re.M)


def parse_ebur128_summary(stderr: str, instance: str | None = None) -> LoudnessStats:
    """Pure: the Summary block that ffmpeg's ``ebur128`` filter prints at the end.

    ``instance`` picks one filter's summary (e.g. ``Parsed_ebur128_3``) when a graph has several.
    True peak is -inf when the filter ran without ``peak=true``... reported then as -inf.
    """
    blocks = re.split(r"^\[(Parsed_ebur128_\d+) @ [^\]]+\] Summary:", stderr, flags=re.M)
    if len(blocks) < 3:
        raise ValueError("no ebur128 summary in ffmpeg's output")
    found = {blocks[i]: blocks[i + 1] for i in range(1, len(blocks) - 1, 2)}
    text = found[instance] if instance else found[next(iter(found))]
    values = {k: float(v) for k, v in _SUMMARY_VALUE.findall(text)}
    if "I" not in values:
        raise ValueError("ebur128 summary without integrated loudness")
    return LoudnessStats(integrated=values["I"], true_peak=values.get("Peak", float("-inf")), lra=values.get("LRA", 0.0))


def true_peak_filters(sample_rate: int) -> list[tuple[str, dict]]:
    """The filters of the true-peak meter's branch; ``parse_true_peak`` reads what volumedetect prints."""
    factor = max(1, -(-TRUE_PEAK_MIN_RATE // sample_rate))  # ceil: 4x at 44.1/48 kHz, 2x at 96 kHz
    return [
        ("aresample", {"out_sample_rate": sample_rate * factor, "filter_size": TRUE_PEAK_TAPS}),
        ("volume", {"volume": f"{-PEAK_HEADROOM_DB}dB", "precision": "float"}),
        ("volumedetect", {}),
    ]


_MAX_VOLUME = re.compile(r"^\[Parsed_volumedetect_\d+ @ [^\]]+\] max_volume: (-?[\d.]+|-inf) dB", re.M)


def parse_true_peak(stderr: str) -> float:
    """Pure: the true peak (dBTP) that the ``true_peak_filters`` branch measured."""
    m = _MAX_VOLUME.search(stderr)
    if not m:
        raise ValueError("no volumedetect summary in ffmpeg's output")
    return round(float(m.group(1)) + PEAK_HEADROOM_DB, 1)


def levelling_filter(target: Loudness) -> tuple[str, dict] | None:
    return LEVELLING_FILTERS[target.levelling]


def gain_db(measured_integrated: float, target: Loudness, encoder_offset: float = 0.0) -> float:
    """The linear gain that brings the levelled programme to the target, corrected for the encoder's shift."""
    return round(target.integrated - measured_integrated + encoder_offset, 2)


def limiter_chain(ceiling_dbtp: float, sample_rate: int) -> list[tuple[str, dict]]:
    """A true-peak limiter: upsample, limit sample peaks below the ceiling, back to the delivery rate."""
    return [
        ("aresample", {"out_sample_rate": sample_rate * OVERSAMPLE, "filter_size": RESAMPLER_TAPS}),
        ("alimiter", {"limit": round(10 ** (ceiling_dbtp / 20), 5), "attack": 5, "release": 50, "level": "false"}),
        ("aresample", {"out_sample_rate": sample_rate, "filter_size": RESAMPLER_TAPS}),
    ]
