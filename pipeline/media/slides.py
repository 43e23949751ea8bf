"""Slide changes in a recording, and the text of a slide: what ``--chapters auto`` makes chapters of.

A slide change is a scene change of the picture (ffmpeg's ``select='gt(scene,SCENE)'`` with ``showinfo``, on a
small copy of the picture a few times a second) that is held: a change followed by another within ``HOLD``
seconds (a transition, a build, a video on a slide) is not a new chapter. A slide's text comes from the matching
page of a PDF (``pdftotext`` from poppler-utils) or from the frame itself by OCR (``tesseract`` with Norwegian).
Every tool runs through ``runner.run``; the parsers are pure.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

from pipeline.media.runner import ffmpeg_args, run

# The scene score (0..1) above which the picture changed. Not the 0.3 of cuts between camera shots: a slide whose
# text alone changes (black text on white, the test's slides) scores 0.05-0.06 at 320 px, while the still picture
# between changes scores 0.0002; a moving speaker beside the slide is what ``HOLD`` filters out.
SCENE = 0.02
HOLD = 3.0  # seconds a slide must stay to be a chapter
RATE = 4  # frames a second looked at: a change is found within 1/RATE s
WIDTH = 320  # px: the picture compared, scaled down
OCR_LANGUAGES = "nor+eng"
_PTS = re.compile(r"\bpts_time:\s*(-?\d+(?:\.\d+)?)")


def parse_showinfo(lines: Sequence[str]) -> list[float]:
    """Pure: the times (s) of the frames ffmpeg's ``showinfo`` reported, in order."""
    return [float(m.group(1)) for line in lines if "Parsed_showinfo" in line and (m := _PTS.search(line))]


def held_changes(changes: Sequence[float], duration: float, hold: float = HOLD) -> list[float]:
    """Pure: where each held slide starts: 0, then each change the picture keeps for ``hold`` seconds (to the
    next change, or to the end)."""
    times = sorted(t for t in changes if 1 <= t < duration)
    return [0.0, *(round(t, 3) for t, end in zip(times, [*times[1:], duration]) if end - t >= hold)]


def slide_changes(video: Path, duration: float, *, progress: Callable[[float], None] | None = None) -> list[float]:
    """Where each slide of ``video`` starts (s): 0 and every held scene change."""
    graph = f"fps={RATE},scale={WIDTH}:-2,select='gt(scene,{SCENE})',showinfo"
    seen: list[str] = []

    def line(text: str) -> None:
        if "Parsed_showinfo" in text:
            seen.append(text)
        elif progress and (m := re.search(r"time=(\d+):(\d+):(\d+(?:\.\d+)?)", text)):
            progress(int(m.group(1)) * 3600 + int(m.group(2)) * 60 + float(m.group(3)))

    run(ffmpeg_args("-i", video, "-map", "0:V:0", "-an", "-vf", graph, "-f", "null", "-"), on_stderr_line=line)
    return held_changes(parse_showinfo(seen), duration)


def first_line(text: str, limit: int = 120) -> str | None:
    """Pure: a slide's title: its first line with letters, white space folded, at most ``limit`` characters."""
    for raw in text.splitlines():
        line = " ".join(raw.split())
        if sum(c.isalpha() for c in line) >= 2:
            return line[:limit]
    return None


def pdf_pages(pdf: Path) -> list[str]:
    """The text of each page of ``pdf`` (``pdftotext``), in order."""
    text = run(["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"]).stdout
    return text.split("\f")[: -1 if text.endswith("\f") else None]


def can_ocr() -> bool:
    return shutil.which("tesseract") is not None


def ocr(picture: Path, languages: str = OCR_LANGUAGES) -> str:
    """The text on ``picture`` (``tesseract``)."""
    return run(["tesseract", str(picture), "-", "-l", languages, "--psm", "3"]).stdout


__all__ = ["HOLD", "can_ocr", "first_line", "held_changes", "ocr", "parse_showinfo", "pdf_pages", "slide_changes"]
