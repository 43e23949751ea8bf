"""A loudness curve: ebur128's momentary and short-term loudness over time, as the loudness picture draws it.

Measured in ``pipeline.media.curves``, drawn in ``pipeline.render.picture``.
"""

from __future__ import annotations

from dataclasses import dataclass

SILENT = -70.0  # LUFS; ebur128's absolute gate: below it is silence (the filter reports -120.7 or nan)


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
