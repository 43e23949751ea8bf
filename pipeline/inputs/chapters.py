"""Chapters from a producer's text file: one ``HH:MM:SS Title`` (or ``MM:SS Title``) per line."""

from __future__ import annotations

import json
import re
from pathlib import Path

from pipeline.model.errors import InputError
from pipeline.model.records import Chapter
from pipeline.model.text import read_text

_LINE = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2}(?:\.\d+)?)\s+(.+?)\s*$")


def parse_chapters(text: str, where: str, duration: float | None = None) -> tuple[Chapter, ...]:
    """Pure: chapters in order, each starting before the end. Blank lines and '#' comments are skipped."""
    chapters: list[Chapter] = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = _LINE.match(line)
        if not m:
            raise InputError(f"line {n}: expected 'HH:MM:SS Title', got {line[:40]!r}", where)
        hours, minutes, seconds, title = m.groups()
        start = int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
        if chapters and start <= chapters[-1].start:
            raise InputError(f"line {n}: {line.split()[0]} is not after the previous chapter; times must increase", where)
        if duration is not None and start >= duration:
            raise InputError(f"line {n}: {line.split()[0]} is past the end of the recording ({duration:.0f} s)", where)
        chapters.append(Chapter(start=start, title=title))
    if not chapters:
        raise InputError("no chapters found", where)
    return tuple(chapters)


def read_chapters(path: Path, duration: float | None = None) -> tuple[Chapter, ...]:
    return parse_chapters(read_text(path), str(path), duration)


def chapters_json(chapters: tuple[Chapter, ...], title: str) -> bytes:
    """Podcasting 2.0 JSON chapters (https://github.com/Podcastindex-org/podcast-namespace/blob/main/chapters/jsonChapters.md)."""
    doc = {"version": "1.2.0", "title": title,
           "chapters": [{"startTime": c.start, "title": c.title} for c in chapters]}
    return json.dumps(doc, ensure_ascii=False, indent=2).encode()


def _vtt_clock(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


def chapters_vtt(chapters: tuple[Chapter, ...], duration: float) -> bytes:
    """Pure: the chapters as a WebVTT chapters track (``<track kind="chapters">``), each to the next's start;
    the titles as cue text, with ``&``, ``<`` and ``>`` escaped so no title is read as a tag."""
    ends = [c.start for c in chapters[1:]] + [max(duration, chapters[-1].start + 1)]
    cues = []
    for n, (chapter, end) in enumerate(zip(chapters, ends), 1):
        text = " ".join(chapter.title.split()).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        cues.append(f"{n}\n{_vtt_clock(chapter.start)} --> {_vtt_clock(end)}\n{text}\n")
    return ("WEBVTT\n\n" + "\n".join(cues)).encode("utf-8")
