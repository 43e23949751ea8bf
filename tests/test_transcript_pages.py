"""The transcript on the page and the archive's search (issue 13): captions read back into cues, cues into
paragraphs, the seminar page's transcript with its time links, the search index, and where the text comes
from (the draft beside the record, or the store), without media or a browser."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
from dataclasses import replace

import pytest

from conftest import ROOT
from pipeline.app.overview import render_index
from pipeline.app.regenerate import transcript_of, transcripts
from pipeline.inputs.captions import parse_vtt
from pipeline.model.config import load_site
from pipeline.model.records import Item, Media, manifest_key
from pipeline.model.speech import Cue, Paragraph
from pipeline.render.pages import clock, render_archive
from pipeline.render.search import search_script
from pipeline.render.subtitles import PARAGRAPH_WORDS, paragraphs_from_cues
from pipeline.store import SHORT, open_storage
from test_archive import make_show, make_site, page, sample_seminars

NOTICE = "Automatisk tekstet, ikke kontrollert av et menneske."
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


def test_clock():
    assert [clock(s) for s in (0, 9.9, 93.4, 3599, 3723)] == ["00:00", "00:09", "01:33", "59:59", "1:02:03"]


# --- the page ----------------------------------------------------------------------------------

PARAGRAPHS = (Paragraph(0.0, "Velkommen til frokostseminar hos Difi."),
              Paragraph(93.4, "Vi snakker om <b>tjenester</b> & kunder."),
              Paragraph(3723.0, "Takk for nå."))


def machine(ep: Item, language: str = "no") -> Item:
    captions = replace(ep.renditions["captions"], label="Norsk (automatisk)")
    return replace(ep, renditions={**ep.renditions, "captions": captions},
                   source={"captions": {"source": "machine", "model": "whisper-base", "language": language,
                                        "reviewed": False}})


def rendered(seminars: list[Item] | None = None) -> dict[str, bytes]:
    seminars = seminars or sample_seminars()
    return render_archive(make_show(), make_site(), seminars, {s.guid: PARAGRAPHS for s in seminars})


def transcript_html(html_text: str) -> str:
    match = re.search(r'<details class="transcript" id="transkripsjon">.*?</details>', html_text, re.S)
    assert match, "no transcript"
    return match.group(0)


def test_the_transcript_is_under_the_video_with_a_time_link_per_paragraph():
    html_text = page(rendered(), "nye-arbeidsmater")
    section = transcript_html(html_text)
    assert "<summary>Transkripsjon</summary>" in section
    links = re.findall(r'<a class="at" href="([^"]+)"><span class="visually-hidden">Spill av fra </span>([^<]+)</a>',
                       section)
    assert links == [("nye-arbeidsmater.mp4#t=0", "00:00"), ("nye-arbeidsmater.mp4#t=93", "01:33"),
                     ("nye-arbeidsmater.mp4#t=3723", "1:02:03")]
    assert "Vi snakker om &lt;b&gt;tjenester&lt;/b&gt; &amp; kunder." in section  # text, never markup
    assert html_text.index("</video>") < html_text.index("<details") < html_text.index('id="om"')
    # A person's captions: the track says «Norsk», nothing is said about a machine.
    assert '<track kind="captions" src="captions.vtt" srclang="nb" label="Norsk" default>' in html_text
    assert NOTICE not in html_text


def test_no_transcript_without_captions():
    html_text = page(rendered(), "strategisk-ikt-kompetanse")
    assert '<details class="transcript"' not in html_text and "Transkripsjon" not in html_text
    # Captions, but no paragraphs given (none could be read): no empty section either.
    bare = render_archive(make_show(), make_site(), sample_seminars())
    assert '<details class="transcript"' not in page(bare, "nye-arbeidsmater")


def test_a_machine_draft_is_labelled_on_the_track_near_the_player_and_in_the_transcript():
    seminars = sample_seminars()
    seminars[1] = machine(seminars[1])
    html_text = page(rendered(seminars), "nye-arbeidsmater")
    assert '<track kind="captions" src="captions.vtt" srclang="nb" label="Norsk (automatisk)" default>' in html_text
    figcaption = re.search(r"<figcaption>(.*?)</figcaption>", html_text).group(1)
    assert figcaption == f"Opptaket har norsk teksting. {NOTICE}"
    assert f'<p class="machine-note">{NOTICE}</p>' in transcript_html(html_text)
    # Reviewed by a person: the notice goes.
    seminars[1] = replace(seminars[1], source={"captions": {**seminars[1].source["captions"], "reviewed": True}})
    assert NOTICE not in page(rendered(seminars), "nye-arbeidsmater")


def test_the_track_language_comes_from_the_captions():
    seminars = sample_seminars()
    seminars[1] = replace(machine(seminars[1], "nn"), renditions={
        **seminars[1].renditions, "captions": replace(seminars[1].renditions["captions"], label="Nynorsk")})
    html_text = page(rendered(seminars), "nye-arbeidsmater")
    assert 'srclang="nn" label="Nynorsk"' in html_text


def test_only_the_archive_page_may_run_a_script_and_only_its_own():
    pages = rendered()
    name, script = search_script()
    assert re.fullmatch(r"search-[0-9a-f]{8}\.js", name) and pages[f"seminarer/{name}"] == script
    index = pages["seminarer/index.html"].decode()
    assert "script-src 'self';" in index and f'<script src="{name}" defer></script>' in index
    for key, data in pages.items():
        if key.endswith("/index.html") and key != "seminarer/index.html":
            text = data.decode()
            assert "script-src 'none';" in text and "<script src" not in text, key
    empty = render_archive(make_show(), make_site(), [])
    assert "script-src 'none';" in empty["seminarer/index.html"].decode() and len(empty) == 2


def test_the_search_script_needs_no_inline_code_and_builds_an_accessible_form():
    script = search_script()[1].decode()
    for needed in ("role: 'search'", "'label'", "'input'", "role: 'status'", "search.json", "currentScript"):
        assert needed in script, needed
    for forbidden in ("innerHTML", "eval(", "new Function", "http://", "https://"):
        assert forbidden not in script, forbidden


def test_the_search_index_holds_what_a_visitor_searches():
    seminars = sample_seminars()
    seminars[0] = replace(seminars[0], retracted=True)
    data = json.loads(rendered(seminars)["seminarer/search.json"])
    entries = data["seminars"]
    assert [e["url"] for e in entries] == ["strategisk-ikt-kompetanse/", "nye-arbeidsmater/"]  # listed only
    ruter = entries[1]
    assert ruter["title"] == "Nye arbeidsmåter for fremtidens løsninger" and ruter["date"] == "2017-12-01"
    assert ruter["speakers"] == ["Beth Stensen", "Marius Røstad"]
    assert ruter["description"].startswith("Direktoratet for forvaltning og IKT (Difi) inviterer")
    assert "brukere og effekt" in ruter["description"] and "**" not in ruter["description"]  # text, not Markdown
    assert ruter["transcript"] == " ".join(p.text for p in PARAGRAPHS)
    assert rendered(seminars)["seminarer/search.json"] == rendered(seminars)["seminarer/search.json"]


# --- where the transcript comes from ------------------------------------------------------------------

VTT_BYTES = DRAFT.encode()


@pytest.fixture
def project(tmp_path):
    shutil.copytree(ROOT / "feeds", tmp_path / "feeds")
    site = load_site(tmp_path)
    return site, open_storage(site.storage, site.root)


def published(storage, ep: Item, role: str, data: bytes) -> Item:
    key = f"{ep.show}/{ep.slug}/{ep.slug}-{role}.vtt"
    storage.put_bytes(key, data, content_type="text/vtt", cache_control=SHORT)
    media = Media(key=key, url=f"http://127.0.0.1:8000/{key}", bytes=len(data),
                  sha256=hashlib.sha256(data).hexdigest(), type="text/vtt")
    return replace(ep, renditions={**ep.renditions, role: media})


def test_the_transcript_is_read_from_the_store_and_from_a_matching_draft_beside_the_record(project):
    site, storage = project
    ep = published(storage, sample_seminars()[1], "captions", VTT_BYTES + b"\n")
    expected = tuple(paragraphs_from_cues(parse_vtt(DRAFT)))
    assert transcript_of(ep, storage, site.episodes_dir) == expected  # no draft here: the store's

    # The draft beside the record holds the published bytes: read from there, the store not asked.
    other = replace(ep, guid="guid-other", slug="annen", renditions={
        **ep.renditions, "captions": replace(ep.renditions["captions"], key="seminarer/annen/mangler.vtt",
                                             sha256=hashlib.sha256(b"WEBVTT\n\n00:01.000 --> 00:02.000\nFra utkastet.\n").hexdigest())})
    folder = site.episodes_dir / other.show
    folder.mkdir(parents=True)
    draft = folder / other.record_name.replace(".md", ".captions.vtt")
    draft.write_bytes(b"WEBVTT\n\n00:01.000 --> 00:02.000\nFra utkastet.\n")
    assert transcript_of(other, storage, site.episodes_dir) == (Paragraph(1.0, "Fra utkastet."),)

    # A draft a person has edited since (not the published bytes) is not what the page shows.
    edited = replace(other, renditions={**other.renditions, "captions": replace(
        other.renditions["captions"], sha256="1" * 64)})
    assert transcript_of(edited, storage, site.episodes_dir) == ()  # and the store lacks its key

    found = transcripts(site, storage, [ep, edited, sample_seminars()[2]])
    assert found == {ep.guid: expected}


def test_the_serve_index_shows_an_episodes_transcript_with_links_into_the_mp3(project):
    site, storage = project
    audio = Media(key="endringspodden/2024/forste-abcdef12.mp3", url="http://127.0.0.1:8000/x.mp3", bytes=1000,
                  sha256="0" * 64, type="audio/mpeg", duration=60.0)
    ep = Item(show="endringspodden", guid="guid-forste", slug="forste", title="Første", date=dt.date(2024, 1, 5),
              media=audio, source={"transcript": {"source": "machine", "reviewed": False}})
    ep = published(storage, ep, "transcript-vtt", VTT_BYTES)
    plain = replace(ep, guid="guid-andre", slug="andre", title="Andre", renditions={})
    for item in (ep, plain):
        storage.put_bytes(manifest_key(item.show, item.guid), item.manifest_bytes(), content_type="application/json",
                          cache_control=SHORT)
    html_text = render_index(site, storage).decode()
    assert html_text.count('<details class="transcript">') == 1
    assert ('<a class="at" href="endringspodden/2024/forste-abcdef12.mp3#t=5581"><span class="visually-hidden">'
            "Spill av fra </span>1:33:01</a> – Takk for at dere kom.") in html_text
    assert f'<p class="machine-note">{NOTICE}</p>' in html_text
    assert "<summary>Transkripsjon<span class=\"visually-hidden\">: Første</span></summary>" in html_text
