"""Machine captions and transcripts as renditions (issue 13): drafted by the real test model, labelled as
machine-made, saved beside the record, and replaced by a person's corrected file without a re-encode."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from lxml import etree

from conftest import ROOT, ffmpeg
from media_fixtures import NS, PAST
from pipeline.app.episode import EpisodeRequest, publish_episode
from pipeline.app.seminar import SeminarRequest, publish_seminar
from pipeline.model.config import load_site
from pipeline.model.errors import InputError
from pipeline.model.records import Person, load_records
from pipeline.render.feed import MACHINE_NOTE
from tools.models import whisper_base
from tools.samples import speak

TITLE = "Gevinstrealisering i staten"
SPEECH = ("Velkommen til Endring til frokost. I dag handler det om gevinstrealisering i staten. "
          "Takk for at dere kom.")
CORRECTED = """WEBVTT

00:00:00.500 --> 00:00:03.000
Velkommen til Endring til frokost.

00:00:03.100 --> 00:00:06.000
I dag handler det om gevinstrealisering.
"""


@pytest.fixture(scope="module")
def spoken_seminar(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("captions")
    speech = speak(SPEECH, folder / "speech.wav")
    out = folder / "seminar.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=9", "-i", str(speech), "-af", "apad",
           "-t", "9", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-ac", "2",
           str(out))
    return out


def project_with_model(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "feeds", tmp_path / "feeds")
    (tmp_path / "episodes").mkdir()
    model = whisper_base()
    (tmp_path / "feeds" / "site.toml").write_text(
        f'storage = "file://public"\nbase_url = "http://127.0.0.1:8000"\n[speech]\nmodel = "{model}"\n')
    return tmp_path


def feed_notes(project: Path) -> list[str]:
    """The machine-draft notes in the seminar feed's item: in its description and in content:encoded."""
    item = etree.parse(str(project / "public" / "seminarer" / "feed.xml")).find(".//item")
    fields = [item.findtext("description"), item.findtext("{http://purl.org/rss/1.0/modules/content/}encoded") or ""]
    return [MACHINE_NOTE for field in fields if MACHINE_NOTE in field]


def seminar_request(source: Path, **more) -> SeminarRequest:
    return SeminarRequest(source=source, title=TITLE, date=dt.date(2024, 1, 12), time="09:00-10:00",
                          speakers=(Person("Kari Nordmann", "leder"),), **more)


def test_machine_captions_are_published_as_a_draft_then_replaced_by_a_persons(tmp_path, spoken_seminar):
    project = project_with_model(tmp_path)
    site = load_site(project)
    first = publish_seminar(site, seminar_request(spoken_seminar, machine_captions=True), today=PAST)
    captions = first.episode.renditions["captions"]
    assert captions.label == "Norsk (automatisk)" and captions.type == "text/vtt"
    facts = first.episode.source["captions"]
    assert facts["source"] == "machine" and facts["reviewed"] is False and facts["model"] == "whisper-base"
    assert any("machine draft" in w for w in first.warnings)
    draft = first.record.with_name(first.record.stem + ".captions.vtt")
    text = draft.read_text()
    assert text.startswith("WEBVTT\n\nNOTE Maskinlaget utkast") and "-->" in text
    assert (project / "public" / captions.key).read_bytes() == draft.read_bytes()
    assert feed_notes(project) == [MACHINE_NOTE, MACHINE_NOTE]  # the feed says so too, to every app
    page = (project / "public" / "seminarer" / first.episode.slug / "index.html").read_text()
    assert 'label="Norsk (automatisk)"' in page and "<summary>Transkripsjon</summary>" in page
    assert page.count("Automatisk tekstet, ikke kontrollert av et menneske.") == 2  # by the player, in the text
    assert "#t=0\"" in page or "#t=1\"" in page

    # The same command again: nothing made, nothing uploaded (the draft is reused by its recipe).
    again = publish_seminar(site, seminar_request(spoken_seminar, machine_captions=True), today=PAST)
    assert again.uploaded == [] and "captions" in again.reused

    # A person corrects the draft and publishes it: only the captions change.
    corrected = tmp_path / "rettet.vtt"
    corrected.write_text(CORRECTED)
    fixed = publish_seminar(site, seminar_request(spoken_seminar, captions=corrected), today=PAST)
    assert fixed.episode.guid == first.episode.guid and fixed.page_url == first.page_url
    assert {"video", "poster", "audio"} <= set(fixed.reused)
    assert not [k for k in fixed.uploaded if k.endswith((".mp4", ".mp3", ".jpg"))], fixed.uploaded
    assert fixed.episode.renditions["captions"].label == "Norsk"
    assert fixed.episode.source["captions"] == {"source": "person", "reviewed": True}
    assert draft.read_text() == CORRECTED
    assert feed_notes(project) == []
    page = (project / "public" / "seminarer" / fixed.episode.slug / "index.html").read_text()
    assert 'label="Norsk"' in page and "Automatisk tekstet" not in page
    assert "</span>00:00</a> Velkommen til Endring til frokost. I dag handler det om gevinstrealisering.</p>" in page
    (record,) = load_records(project / "episodes", "seminarer")
    assert record.source["captions"]["reviewed"] is True


def test_a_series_that_requires_reviewed_captions_refuses_a_draft(tmp_path, spoken_seminar):
    project = project_with_model(tmp_path)
    path = project / "feeds" / "seminarer.toml"
    path.write_text(path.read_text().replace("require_captions = false", 'require_captions = "reviewed"'))
    with pytest.raises(InputError) as e:
        publish_seminar(load_site(project), seminar_request(spoken_seminar, machine_captions=True), today=PAST)
    assert e.value.where == "--captions" and "reviewed" in str(e.value) and "publish transcribe" in str(e.value)
    assert not (project / "public").exists() and not list((project / "episodes").rglob("*.md"))


def test_a_missing_model_is_refused_before_any_work(tmp_path, spoken_seminar):
    project = project_with_model(tmp_path)
    with pytest.raises(InputError) as e:
        publish_seminar(load_site(project), seminar_request(spoken_seminar, machine_captions=True,
                                                            speech_model=str(tmp_path / "ingen-modell")), today=PAST)
    assert "no such folder" in str(e.value)
    assert not (project / "public").exists()


def test_an_episode_transcript_in_the_feed_with_its_one_voice(tmp_path, spoken_seminar):
    project = project_with_model(tmp_path)
    audio = tmp_path / "episode.wav"
    ffmpeg("-i", str(spoken_seminar), "-vn", "-ac", "2", "-ar", "44100", str(audio))
    done = publish_episode(load_site(project), EpisodeRequest(
        source=audio, show="endringspodden", title="Gevinster", machine_transcript=True,
        persons=(Person("Kari Nordmann", "host"),)), today=PAST)
    roles = done.episode.renditions
    assert {"transcript-vtt", "transcript-txt"} <= set(roles)
    vtt = (project / "public" / roles["transcript-vtt"].key).read_text()
    assert "<v Kari Nordmann>" in vtt
    assert done.episode.source["transcript"]["source"] == "machine"
    feed = etree.parse(str(project / "public" / "endringspodden" / "feed.xml"))
    types = sorted(t.get("type") for t in feed.iterfind(".//item/podcast:transcript", NS))
    assert types == ["text/plain", "text/vtt"]


def test_one_transcription_serves_both_transcript_files(tmp_path, spoken_seminar, monkeypatch):
    import pipeline.app.captions as captions

    calls = []
    real = captions.transcribe_file
    monkeypatch.setattr(captions, "transcribe_file", lambda *a, **k: calls.append(a) or real(*a, **k))
    project = project_with_model(tmp_path)
    audio = tmp_path / "episode.wav"
    ffmpeg("-i", str(spoken_seminar), "-vn", "-ac", "2", "-ar", "44100", str(audio))
    publish_episode(load_site(project), EpisodeRequest(source=audio, show="endringspodden", title="Gevinster",
                                                       machine_transcript=True), today=PAST)
    assert len(calls) == 1
