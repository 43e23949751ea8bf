"""Caption layout from word timestamps, by Norwegian subtitle practice (pure: words in, cues out)."""

from __future__ import annotations

import random

import pytest

from pipeline.inputs.captions import vtt_from_text
from pipeline.model.speech import Word
from pipeline.render.subtitles import (CLINGING, GAP, LINE_MAX, MAX_SECONDS, MIN_SECONDS, WORDS_PER_SECOND,
                                       break_lines, make_cues, make_paragraphs, render_text, render_vtt)

# Sentences from the agency's newsletter, spoken at a steady pace.
TEXT = ("Velkommen til Endringspodden. Endringspodden er tilbake, og denne gangen handler det om effektivisering, "
        "felles innkjøp og endringsledelse i staten. Vi har med oss to gjester fra Direktoratet for forvaltning og "
        "IKT som har jobbet med gevinstrealisering i mange år. Hva er det viktigste en leder kan gjøre når en "
        "organisasjon skal endre seg? Det handler først og fremst om å skape en felles forståelse av hvorfor "
        "endringen er nødvendig, og om å involvere de ansatte tidlig i prosessen. Takk for at du lyttet.")


def spoken(text: str, *, words_per_second: float = 2.6, seed: int = 7, speakers: list[str] | None = None) -> list[Word]:
    rng = random.Random(seed)
    words, t = [], 0.4
    for n, token in enumerate(text.split()):
        length = (0.6 + 0.08 * len(token)) / words_per_second * rng.uniform(0.8, 1.2)
        speaker = speakers[n] if speakers else None
        words.append(Word(round(t, 3), round(t + length, 3), token, speaker=speaker))
        t += length + 0.05 + (0.5 if token.endswith((".", "?")) else 0)
    return words


def test_cues_follow_the_norwegian_rules():
    words = spoken(TEXT * 3)
    cues = make_cues(words)
    assert " ".join(" ".join(c.lines) for c in cues).split() == [w.text for w in words]  # nothing lost or added
    for cue in cues:
        assert 1 <= len(cue.lines) <= 2 and all(len(line) <= LINE_MAX for line in cue.lines), cue
        assert MIN_SECONDS <= cue.end - cue.start <= MAX_SECONDS, cue
        count = sum(len(line.split()) for line in cue.lines)
        assert count / (cue.end - cue.start) <= WORDS_PER_SECOND + 1e-6, cue  # at most 180 words a minute
    for before, after in zip(cues, cues[1:]):
        assert after.start - before.end >= GAP - 1e-6, (before, after)  # never overlapping, a gap between


def test_cues_break_at_sentences_and_never_after_a_preposition():
    cues = make_cues(spoken(TEXT * 3))
    last_words = [c.lines[-1].split()[-1] for c in cues]
    assert not [w for w in last_words if w.lower() in CLINGING], last_words
    ends = sum(w.endswith((".", "?", "!", ",")) for w in last_words)
    assert ends >= 0.6 * len(cues), last_words


def test_a_cue_starts_where_its_first_word_is_spoken():
    words = spoken(TEXT)
    starts = {w.start for w in words}
    for cue in make_cues(words):
        assert cue.start in starts


def test_a_long_pause_ends_a_cue():
    words = [Word(0.0, 0.4, "Hei"), Word(0.5, 0.9, "og"), Word(5.0, 5.4, "velkommen."), Word(5.5, 6.0, "Takk.")]
    cues = make_cues(words)
    assert [c.lines for c in cues][0] == ("Hei og",)
    assert cues[1].start == 5.0


def test_lines_break_after_a_comma_rather_than_after_an_article():
    laid, _ = break_lines([Word(0, 1, w) for w in "Endringspodden er tilbake, og denne gangen handler det om endring".split()])
    assert laid == ("Endringspodden er tilbake,", "og denne gangen handler det om endring")


def test_a_change_of_speaker_gets_a_dash_line():
    words = [Word(0.0, 0.5, "Hvordan", speaker="Kari"), Word(0.5, 1.0, "går", speaker="Kari"),
             Word(1.0, 1.4, "det?", speaker="Kari"), Word(1.6, 2.0, "Bra,", speaker="Ola"),
             Word(2.0, 2.4, "takk.", speaker="Ola")]
    (cue,) = make_cues(words)
    assert cue.lines == ("– Hvordan går det?", "– Bra, takk.")


def test_vtt_is_valid_and_labels_the_draft():
    cues = make_cues(spoken("Tid for <endring> & nye arbeidsmåter. Takk."))
    vtt = render_vtt(cues, note="Maskinlaget utkast (whisper-base), ikke kontrollert av et menneske").decode()
    assert vtt.startswith("WEBVTT\n\nNOTE Maskinlaget utkast")
    assert "&lt;endring&gt; &amp; nye" in vtt
    assert vtt_from_text(vtt) == vtt  # our own checker of given captions accepts it as it is


def test_paragraphs_cover_every_word_and_start_on_a_word():
    words = spoken(TEXT * 4)
    paragraphs = make_paragraphs(words)
    assert len(paragraphs) > 1
    assert " ".join(p.text for p in paragraphs).split() == [w.text for w in words]
    assert all(p.text.endswith((".", "?", "!")) for p in paragraphs)
    assert render_text(paragraphs).decode().count("\n\n") == len(paragraphs) - 1


@pytest.mark.parametrize("rate", [1.5, 2.6, 3.4])
def test_fast_and_slow_speech_still_keeps_the_line_rules(rate):
    for cue in make_cues(spoken(TEXT * 2, words_per_second=rate, seed=int(rate * 10))):
        assert all(len(line) <= LINE_MAX for line in cue.lines) and len(cue.lines) <= 2
        assert cue.end - cue.start <= MAX_SECONDS


def test_no_words_no_cues():
    assert make_cues([]) == [] and make_paragraphs([]) == [] and render_text([]) == b""
    assert render_vtt([]) == b"WEBVTT\n"
