"""What speech recognition hears: words with their times, and the captions and transcript made of them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Word:
    start: float  # seconds
    end: float
    text: str  # as the model wrote it, punctuation attached ("innkjøp,")
    probability: float = 1.0
    speaker: str | None = None  # when known (a diarised or given transcript); None from plain recognition


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    lines: tuple[str, ...]  # one or two lines as shown
    voices: tuple[str | None, ...] = ()  # who speaks each line, where known (WebVTT's <v Name>)


@dataclass(frozen=True)
class Paragraph:
    start: float
    text: str


@dataclass(frozen=True)
class Draft:
    """A machine draft of captions and transcript, labelled with what made it."""

    language: str
    model: str
    words: tuple[Word, ...]
    duration: float
