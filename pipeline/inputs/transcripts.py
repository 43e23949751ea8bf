"""Transcripts from a producer's file (``--transcript FILE.vtt|.srt|.txt``), checked before anything is uploaded.

The file is published as it is, beside the audio, and named in the feed as ``podcast:transcript``
(WebVTT and SRT, which are timed, also as ``rel="captions"``).
"""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.model.errors import InputError, read_utf8

# The MIME type of a transcript by file suffix: what the feed's podcast:transcript names and its check expects.
TRANSCRIPT_TYPES = {".vtt": "text/vtt", ".srt": "application/x-subrip", ".txt": "text/plain",
                    ".html": "text/html", ".json": "application/json"}
ACCEPTED = (".vtt", ".srt", ".txt")  # what a producer may hand in
_VTT_CUE = re.compile(r"^(?:\d+:)?\d{2}:\d{2}\.\d{3}\s+-->\s+(?:\d+:)?\d{2}:\d{2}\.\d{3}", re.M)
_SRT_CUE = re.compile(r"^\d{2}:\d{2}:\d{2},\d{3}\s+-->\s+\d{2}:\d{2}:\d{2},\d{3}", re.M)


def transcript_type(suffix: str) -> str | None:
    """The MIME type of a transcript file ending in ``suffix``; None for a kind we do not know."""
    return TRANSCRIPT_TYPES.get(suffix.lower())


def transcript_problem(text: str, suffix: str) -> str | None:
    """Pure: why ``text`` is not a usable transcript of its kind, or None."""
    if not text.strip():
        return "the transcript is empty"
    if suffix == ".vtt":
        if not text.lstrip("\ufeff").startswith("WEBVTT"):
            return "a WebVTT file must start with the line 'WEBVTT'"
        if not _VTT_CUE.search(text):
            return "no cues ('00:00:01.000 --> 00:00:04.000') found"
    if suffix == ".srt" and not _SRT_CUE.search(text):
        return "no SRT cues ('00:00:01,000 --> 00:00:04,000') found"
    return None


def check_transcript(path: Path) -> str:
    """The transcript's MIME type; InputError naming the file when it is missing, of another kind or broken."""
    suffix = path.suffix.lower()
    if suffix not in ACCEPTED:
        raise InputError(f"a transcript must be WebVTT (.vtt), SubRip (.srt) or plain text (.txt), not {suffix or 'a file without a suffix'}",
                         str(path))
    text = read_utf8(path)
    problem = transcript_problem(text, suffix)
    if problem:
        raise InputError(problem, str(path))
    return transcript_type(suffix)  # type: ignore[return-value]


def check_transcripts(paths: tuple[Path, ...] | list[Path]) -> list[tuple[Path, str]]:
    """Each transcript with its MIME type; one file per kind (the feed names each kind once)."""
    found: dict[str, Path] = {}
    for path in paths:
        mime = check_transcript(path)
        if mime in found:
            raise InputError(f"two transcripts of the same kind ({found[mime].name} and {path.name}); give one",
                             str(path))
        found[mime] = path
    return [(path, mime) for mime, path in found.items()]
