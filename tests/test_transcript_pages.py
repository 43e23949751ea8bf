"""The transcript on the page and the archive's search (issue 13): captions read back into cues, cues into
paragraphs, the seminar page's transcript with its time links, the search index, and where the text comes
from (the draft beside the record, or the store), without media or a browser."""

from __future__ import annotations

from pipeline.inputs.captions import parse_vtt
from pipeline.model.speech import Cue, Paragraph
from pipeline.render.subtitles import PARAGRAPH_WORDS, paragraphs_from_cues

DRAFT = """WEBVTT

NOTE Maskinlaget utkast: automatisk tekstet
med talegjenkjenning.

STYLE
::cue { color: yellow }

1
00:00:00.500 --> 00:00:03.000 line:90%
<v Kari Nordmann>Velkommen til <i>Endring</i> til frokost.</v>

2
00:00:03.100 --> 00:00:06.000
<v Kari Nordmann>I dag: gevinster &amp; <c.x>kostnader</c>, &lt;3
<00:00:05.000>og mer.

01:33:01.000 --> 01:33:04.000
– Takk for at dere kom.
"""


# --- cues and paragraphs -------------------------------------------------------------------------

def test_vtt_cues_are_read_back_as_plain_text_with_their_voices():
    cues = parse_vtt(DRAFT)
    assert [(c.start, c.end) for c in cues] == [(0.5, 3.0), (3.1, 6.0), (5581.0, 5584.0)]
    assert cues[0].lines == ("Velkommen til Endring til frokost.",) and cues[0].voices == ("Kari Nordmann",)
    assert cues[1].lines == ("I dag: gevinster & kostnader, <3", "og mer.")
    assert cues[2].lines == ("– Takk for at dere kom.",) and cues[2].voices == ()


def test_vtt_reading_takes_crlf_a_bom_and_skips_what_it_cannot_read():
    text = "\ufeffWEBVTT\r\n\r\n00:01.000 --> 00:02.000\r\nHei.\r\n\r\nnot a cue\r\n\r\n00:03.000 --> 00:04.000\r\n\r\n"
    assert parse_vtt(text) == [Cue(1.0, 2.0, ("Hei.",))]
    assert parse_vtt("WEBVTT\n") == []


def cue(start: float, text: str, length: float = 2.0) -> Cue:
    return Cue(start=start, end=start + length, lines=(text,))


def test_paragraphs_join_cues_and_end_at_a_sentence_after_about_sixty_words():
    sentence = "Dette er en setning med åtte ord her."  # 8 words
    cues = [cue(2.0 * n, sentence) for n in range(10)]  # gaps of 0 s
    paragraphs = paragraphs_from_cues(cues)
    assert [p.start for p in paragraphs] == [0.0, 16.0]  # 8 cues = 64 words >= 60, at a sentence end
    assert paragraphs[0].text == " ".join([sentence] * 8)
    assert len(paragraphs[1].text.split()) == 16


def test_a_pause_of_two_seconds_ends_a_paragraph_even_mid_sentence():
    paragraphs = paragraphs_from_cues([cue(0.0, "Vi starter"), cue(2.5, "med noe,"), cue(6.5, "og så fortsetter vi.")])
    assert paragraphs == [Paragraph(0.0, "Vi starter med noe,"), Paragraph(6.5, "og så fortsetter vi.")]


def test_without_sentence_ends_a_paragraph_still_ends_at_a_cue():
    cues = [cue(2.0 * n, "ord " * 10) for n in range(30)]
    paragraphs = paragraphs_from_cues(cues)
    assert all(len(p.text.split()) <= 2 * PARAGRAPH_WORDS for p in paragraphs) and len(paragraphs) > 1
    assert paragraphs_from_cues([]) == [] and paragraphs_from_cues([Cue(0, 1, ("  ",))]) == []
