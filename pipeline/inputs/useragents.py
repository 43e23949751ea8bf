"""Who made a request, from its User-Agent: the app, the device and its kind, or a bot, by the Open Podcast
Analytics Working Group's list (``data/opawg/``, vendored at a named commit with its MIT licence; SOURCE.md).

Each list is tried in its order and the first pattern that matches names the agent; a log holds few distinct
agents, so each is classified once per process (``classify`` is cached).
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "opawg"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Agent:
    app: str  # the app, else the browser or library, else "unknown"
    device: str  # e.g. "Apple iPhone", "Android Phone", or "unknown"
    platform: str  # the device's kind: mobile, computer, watch, smart_speaker, smart_tv, auto, or "unknown"
    bot: bool  # a known bot, crawler or server-side library: not a listener


def _entries(name: str) -> list[tuple[str, re.Pattern, str | None]]:
    data = json.loads((DATA / f"{name}.runtime.json").read_text(encoding="utf-8"))
    return [(e["name"], re.compile(e["pattern"]), e.get("category")) for e in data["entries"]]


@functools.cache
def lists() -> dict[str, list[tuple[str, re.Pattern, str | None]]]:
    return {name: _entries(name) for name in ("bots", "apps", "libraries", "browsers", "devices")}


def first(name: str, user_agent: str) -> tuple[str, str | None] | None:
    """The (name, category) of the first entry of list ``name`` whose pattern is found in ``user_agent``."""
    return next(((n, c) for n, pattern, c in lists()[name] if pattern.search(user_agent)), None)


@functools.lru_cache(maxsize=65536)
def classify(user_agent: str) -> Agent:
    """The agent behind ``user_agent``; an empty agent is a bot (no app sends none)."""
    if not user_agent or user_agent == "-":
        return Agent(UNKNOWN, UNKNOWN, UNKNOWN, True)
    library = first("libraries", user_agent)
    app = first("apps", user_agent)
    bot = first("bots", user_agent) is not None or (app is None and library is not None and library[1] == "bot")
    named = app or first("browsers", user_agent) or library
    device = first("devices", user_agent)
    return Agent(named[0] if named else UNKNOWN, device[0] if device else UNKNOWN,
                 (device[1] or UNKNOWN) if device else UNKNOWN, bot)


__all__ = ["Agent", "classify", "first", "lists"]
