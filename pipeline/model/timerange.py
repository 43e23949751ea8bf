"""Time in Norway: the seminar's clock range, a moment in a recording, and Oslo's UTC offset. One home for each."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from pipeline.model.errors import InputError

OSLO = ZoneInfo("Europe/Oslo")

# What a record may hold: a range (en dash or hyphen), or a start alone.
_TIME = re.compile(r"^\s*(\d{1,2})[:.](\d{2})(?:\s*[-–]\s*(\d{1,2})[:.](\d{2}))?\s*$")
# What a producer types: a whole range of two-digit clock times.
_CLOCK = r"([01]\d|2[0-3])[:.]([0-5]\d)"
_TIME_RANGE = re.compile(rf"^{_CLOCK}\s*[-–]\s*{_CLOCK}$")
_OFFSET = re.compile(r"^(?:(?:(\d+):)?([0-5]?\d):([0-5]?\d(?:\.\d+)?)|(\d+(?:\.\d+)?))$")


def parse_clock_range(text: str) -> tuple[dt.time, dt.time | None]:
    """``"09:00-10:00"`` (or ``09.00–10.00``, or a start alone) -> (start, end). ValueError if not a time."""
    match = _TIME.match(text or "")
    if not match:
        raise ValueError(f"time {text!r} is not like 09:00-10:00")
    h1, m1, h2, m2 = match.groups()
    start = dt.time(int(h1), int(m1))
    return start, (dt.time(int(h2), int(m2)) if h2 else None)


def parse_time_range(text: str) -> str:
    """``09:00-10:00`` or ``09.00-10.00`` (an en dash will do) -> ``09:00-10:00``. Anything else, a start
    alone, or an end not after the start is an InputError naming ``--time``."""
    match = _TIME_RANGE.match((text or "").strip())
    if not match:
        raise InputError(f"{text!r} is not a time like 09:00-10:00 (HH:MM-HH:MM or HH.MM-HH.MM)", "--time")
    start, end = f"{match[1]}:{match[2]}", f"{match[3]}:{match[4]}"
    if end <= start:
        raise InputError(f"{text!r} ends before it starts", "--time")
    return f"{start}-{end}"


def parse_offset(text: str) -> float:
    """``HH:MM:SS`` (also ``MM:SS``, plain seconds, with decimals) -> seconds. InputError naming ``--poster-at``."""
    match = _OFFSET.match((text or "").strip())
    if not match:
        raise InputError(f"{text!r} is not a time in the recording like 00:01:30 (HH:MM:SS)", "--poster-at")
    hours, minutes, seconds, plain = match.groups()
    if plain is not None:
        return float(plain)
    return int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)


def oslo_offset(day: dt.date, time: dt.time) -> str:
    """UTC offset of a wall-clock time in Norway: ``+01:00`` or ``+02:00``."""
    offset = dt.datetime.combine(day, time, OSLO).utcoffset()
    hours, rest = divmod(int(offset.total_seconds()) // 60, 60)
    return f"{'+' if offset.total_seconds() >= 0 else '-'}{abs(hours):02d}:{rest:02d}"
