"""Captions people can read, laid out from word timestamps in Norwegian subtitle style, and the transcript.

The rules (Språkrådet/NAViO, «Retningslinjer for god teksting i Norge», 2017; MediaLT and Funka): at most two
lines of at most 42 characters; on screen 1 to 7 seconds, never overlapping, a short gap between cues; no
faster than about 180 words a minute; breaks at sentence and phrase boundaries (after a full stop, then after
a comma), never right after an article, a preposition or a conjunction where it can be avoided, and never
across a pause in the speech; a dash ("– ") opens the line of a new speaker where the speaker is known.

Cues are chosen by dynamic programming over the words: each possible cue is feasible or not (length, time,
pauses) and has a cost (where it breaks, how fast it must be read, how its lines break); the layout with
the least total cost wins. Pure functions: words in, cues and text out.
"""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.model.speech import Cue, Paragraph, Word

LINE_MAX = 42  # characters a line
MIN_SECONDS, MAX_SECONDS = 1.0, 7.0  # on screen
WORDS_PER_SECOND = 3.0  # 180 words a minute
GAP = 0.08  # seconds between cues: two frames at 25 fps, so the eye sees a change
PAUSE = 1.5  # a silence this long between words ends a cue
MOST_WORDS = 24  # a cue of two full lines never holds more
DASH = "– "
PARAGRAPH_WORDS = 60  # a transcript paragraph ends at the first sentence end after this many words
PARAGRAPH_PAUSE = 2.0  # or at a sentence end followed by a pause this long

SENTENCE_END = (".", "?", "!", "…", ".»", "?»", "!»", '."', '?"', '!"')
PHRASE_END = (",", ";", ":", "–", "-")
# Words a line or cue should not end on: articles, prepositions, conjunctions, possessives, the infinitive mark.
CLINGING = frozenset("""
en ei et den det de dei dette denne disse i på til av for med om fra ved under over etter mot mellom hos uten
gjennom langs innen blant rundt og eller men som at å sin sitt sine min mitt mine din ditt dine vår vårt våre
hans hennes deres noen alle hver mange flere mer mest ikke både enten verken når hvis fordi da så der the a an
""".split())


def clean(word: Word) -> str:
    return " ".join(word.text.split())


def _words_text(words: Sequence[Word]) -> str:
    return " ".join(t for t in (clean(w) for w in words) if t)


def _after_cost(word: Word) -> float:
    """What a break right after ``word`` costs: nothing after a sentence, little after a phrase."""
    text = clean(word)
    if text.endswith(SENTENCE_END):
        return 0.0
    if text.endswith(PHRASE_END):
        return 1.0
    if text.lower().strip("«»\"'()") in CLINGING:
        return 15.0
    return 6.0


def _speaker_changes(words: Sequence[Word]) -> list[int]:
    return [k for k in range(1, len(words)) if words[k].speaker and words[k - 1].speaker
            and words[k].speaker != words[k - 1].speaker]


def break_lines(words: Sequence[Word], *, new_speaker: bool = False) -> tuple[tuple[str, ...], float] | None:
    """The best one or two lines for a cue's words and what they cost, or None when they do not fit.

    A cue with two known speakers breaks where the speaker changes, each line opened by a dash.
    """
    changes = _speaker_changes(words)
    if len(changes) > 1:
        return None
    if changes:
        first, second = DASH + _words_text(words[:changes[0]]), DASH + _words_text(words[changes[0]:])
        fits = len(first) <= LINE_MAX and len(second) <= LINE_MAX
        return ((first, second), 0.0) if fits else None
    opening = DASH if new_speaker else ""
    whole = opening + _words_text(words)
    if len(whole) <= LINE_MAX:
        return (whole,), 0.0
    best = None
    for k in range(1, len(words)):
        top, bottom = opening + _words_text(words[:k]), _words_text(words[k:])
        if len(top) > LINE_MAX or len(bottom) > LINE_MAX:
            continue
        # Balanced lines read best; a bottom line a little longer than the top is the classic shape.
        cost = _after_cost(words[k - 1]) + abs(len(bottom) - len(top)) / LINE_MAX * 2
        if best is None or cost < best[1]:
            best = ((top, bottom), cost)
    return best


def _pause_inside(words: Sequence[Word]) -> bool:
    return any(b.start - a.end > PAUSE for a, b in zip(words, words[1:]))


def _cue_cost(words: Sequence[Word], next_start: float | None, is_last: bool) -> float | None:
    """None when the words cannot make one cue; else what this cue costs."""
    duration = words[-1].end - words[0].start
    if len(words) > 1 and (duration > MAX_SECONDS or len(words) > MOST_WORDS or _pause_inside(words)):
        return None
    laid = break_lines(words)
    if laid is None:
        return None if len(words) > 1 else 50.0  # a single overlong word stands alone, cut by the player
    room = MAX_SECONDS if next_start is None else min(MAX_SECONDS, next_start - GAP - words[0].start)
    speed = len(words) / max(room, 0.1)
    # Where a cue ends weighs more than where its lines break: a cue should hold a whole thought.
    cost = 1.0 + laid[1] + (0.0 if is_last else 2 * _after_cost(words[-1]))
    if speed > WORDS_PER_SECOND:
        cost += 30.0 * (speed / WORDS_PER_SECOND - 1)
    if duration < MIN_SECONDS and len(_words_text(words)) < 16:
        cost += 3.0  # a flash of a word or two: better joined to a neighbour
    return cost


def layout(words: Sequence[Word]) -> list[list[Word]]:
    """The words grouped into cues, by the least total cost over every feasible grouping."""
    words = [w for w in words if clean(w)]
    n = len(words)
    best: list[tuple[float, int]] = [(0.0, 0)] + [(float("inf"), 0)] * n
    for j in range(1, n + 1):
        next_start = words[j].start if j < n else None
        for i in range(j - 1, max(-1, j - 1 - MOST_WORDS), -1):
            cost = _cue_cost(words[i:j], next_start, j == n)
            if cost is None:
                if i < j - 1 and words[j - 1].end - words[i].start > MAX_SECONDS:
                    break  # starting earlier only makes the cue longer
                continue
            if best[i][0] + cost < best[j][0]:
                best[j] = (best[i][0] + cost, i)
    groups, j = [], n
    while j > 0:
        i = best[j][1]
        groups.append(words[i:j])
        j = i
    return groups[::-1]


def _timed(groups: list[list[Word]]) -> list[tuple[float, float]]:
    """On-screen times: long enough to read (1 s, 180 words a minute), at most 7 s, clear of the next cue."""
    times = []
    for n, group in enumerate(groups):
        start = group[0].start if not times else max(group[0].start, times[-1][1] + GAP)
        wanted = max(group[-1].end, start + MIN_SECONDS, start + len(group) / WORDS_PER_SECOND)
        end = min(wanted, start + MAX_SECONDS)
        if n + 1 < len(groups):
            end = min(end, groups[n + 1][0].start - GAP)
        times.append((start, max(end, start + 0.1)))
    return times


def make_cues(words: Sequence[Word]) -> list[Cue]:
    """Captions from word timestamps, by the rules above."""
    groups = layout(words)
    cues, speaker = [], None
    for group, (start, end) in zip(groups, _timed(groups)):
        new_speaker = bool(speaker and group[0].speaker and group[0].speaker != speaker)
        laid = break_lines(group, new_speaker=new_speaker) or ((_words_text(group),), 0.0)
        cues.append(Cue(start=round(start, 3), end=round(end, 3), lines=laid[0]))
        speaker = group[-1].speaker or speaker
    return cues


def make_paragraphs(words: Sequence[Word]) -> list[Paragraph]:
    """The transcript: paragraphs that end at a sentence, after enough words or at a long pause."""
    paragraphs, current = [], []
    words = [w for w in words if clean(w)]
    for n, word in enumerate(words):
        current.append(word)
        sentence_ends = clean(word).endswith(SENTENCE_END)
        pause = words[n + 1].start - word.end if n + 1 < len(words) else 0.0
        if n + 1 == len(words) or (sentence_ends and (len(current) >= PARAGRAPH_WORDS or pause >= PARAGRAPH_PAUSE)):
            paragraphs.append(Paragraph(start=round(current[0].start, 3), text=_words_text(current)))
            current = []
    return paragraphs


def vtt_timestamp(seconds: float) -> str:
    ms = round(seconds * 1000)
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


def _vtt_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_vtt(cues: Sequence[Cue], *, note: str | None = None) -> bytes:
    """WebVTT, with ``note`` (e.g. that this is a machine draft) as a NOTE block a person sees when editing."""
    parts = ["WEBVTT\n"]
    if note:
        parts.append("NOTE " + " ".join(_vtt_text(note).split()) + "\n")
    for cue in cues:
        lines = "\n".join(_vtt_text(line) for line in cue.lines)
        parts.append(f"{vtt_timestamp(cue.start)} --> {vtt_timestamp(cue.end)}\n{lines}\n")
    return "\n".join(parts).encode()


def render_text(paragraphs: Sequence[Paragraph]) -> bytes:
    """The transcript as plain text: one paragraph a block."""
    return ("\n\n".join(p.text for p in paragraphs) + "\n").encode() if paragraphs else b""
