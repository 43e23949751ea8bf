"""Norwegian Bokmål for pages: dates, clock times, names, sizes and durations, written without a locale."""

from __future__ import annotations

import datetime as dt

from pipeline.model.records import Item
from pipeline.model.timerange import parse_clock_range

WEEKDAYS = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
MONTHS = ("januar", "februar", "mars", "april", "mai", "juni", "juli",
          "august", "september", "oktober", "november", "desember")
ROLES = {  # role codes (Podcasting 2.0 person roles) shown in Norwegian; free text is shown as written
    "host": "programleder", "guest": "gjest", "speaker": "innleder",
    "moderator": "ordstyrer", "panelist": "paneldeltaker",
}
NBSP = "\u00a0"


def format_date(day: dt.date) -> str:
    """``fredag 1. desember 2017``"""
    return f"{WEEKDAYS[day.weekday()]} {day.day}. {MONTHS[day.month - 1]} {day.year}"


def format_time(text: str) -> str:
    """``"09:00-10:00"`` -> ``kl. 09.00–10.00``"""
    start, end = parse_clock_range(text)
    return f"kl. {start:%H.%M}" + (f"–{end:%H.%M}" if end else "")


def format_when(episode: Item) -> str:
    """``fredag 1. desember 2017, kl. 09.00–10.00``"""
    when = format_date(episode.date)
    return f"{when}, {format_time(episode.time)}" if episode.time else when


def join_names(names: list[str]) -> str:
    """«A», «A og B», «A, B og C»"""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} og {names[-1]}" if names else ""


def format_size(size: int) -> str:
    """Decimal units, Norwegian style: ``12,3 MB``, ``1 234,5 MB``, ``850 kB`` (non-breaking spaces)."""
    if size >= 1_000_000:
        number = f"{size / 1_000_000:,.1f}".replace(",", NBSP).replace(".", ",")
        return f"{number}{NBSP}MB"
    return f"{max(1, round(size / 1000))}{NBSP}kB"


def format_duration(seconds: float) -> str:
    """``1 t 5 min``, ``58 min``, ``3 s``"""
    total = round(seconds)
    if total < 60:
        return f"{total}{NBSP}s"
    hours, minutes = divmod(round(total / 60), 60)
    if hours:
        return f"{hours}{NBSP}t {minutes}{NBSP}min" if minutes else f"{hours}{NBSP}t"
    return f"{minutes}{NBSP}min"


def iso_duration(seconds: float) -> str:
    """ISO 8601 for schema.org: ``PT1H2M3S``"""
    hours, rest = divmod(round(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "") + (f"{secs}S" if secs or not (hours or minutes) else "")


__all__ = ["NBSP", "ROLES", "format_date", "format_duration", "format_size", "format_time", "format_when",
           "iso_duration", "join_names"]
