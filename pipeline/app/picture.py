"""The loudness picture of a delivery: measure the curves no pass recorded on the way, then draw them."""

from __future__ import annotations

from pathlib import Path

from pipeline.media.curves import measure_curve, measure_curves
from pipeline.model.config import Loudness
from pipeline.model.curves import Curve
from pipeline.model.records import LoudnessStats
from pipeline.render.picture import draw


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
