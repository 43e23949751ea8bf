"""`publish episode` end to end: loudness measured independently, tags, feed parsed by app parsers, idempotency."""

from __future__ import annotations

import json
import re
import subprocess

import feedparser
import podcastparser
import pytest
from lxml import etree
from mutagen.id3 import ID3

from conftest import run_publish, sha256, snapshot

NS = {"itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd", "atom": "http://www.w3.org/2005/Atom"}


def ebur128(path) -> dict[str, float]:
    """Measured by ffmpeg's ebur128 here in the test, independently of the pipeline's own parser."""
    err = subprocess.run(["ffmpeg", "-hide_banner", "-nostdin", "-i", str(path), "-af", "ebur128=peak=true",
                          "-f", "null", "-"], capture_output=True, text=True).stderr
    summary = err[err.rindex("Summary:"):]
    return {k: float(v) for k, v in re.findall(r"^\s*(I|LRA|Peak):\s+(-?[\d.]+)", summary, re.M)}


@pytest.fixture(scope="module")
def published(tmp_path_factory, media):
    """One episode published through the CLI with notes, chapters and numbers."""
    import shutil

    from conftest import ROOT

    project = tmp_path_factory.mktemp("proj")
    shutil.copytree(ROOT / "feeds", project / "feeds")
    (project / "episodes").mkdir()
    chapters = project / "chapters.txt"
    chapters.write_text("00:00:00 Velkommen\n00:00:08 Samarbeid på tvers\n00:00:20 Avslutning\n")
    notes = project / "notes.md"
    notes.write_text("Endringspodden er **tilbake**.\n\nVi snakker om *felles statlige innkjøp*.\n")
    before = sha256(media["conversation"])
    proc = run_publish(project, "episode", str(media["conversation"]), "--show", "endringspodden",
                       "--title", "Effektivisering og endringsledelse", "--notes", str(notes),
                       "--date", "2017-11-24", "--season", "2", "--number", "1", "--chapters", str(chapters), "--json")
    assert proc.returncode == 0, proc.stderr
    assert sha256(media["conversation"]) == before, "the source file was modified"
    return project, json.loads(proc.stdout)


def test_loudness_meets_target_on_two_speakers(published):
    project, out = published
    mp3 = project / "public" / out["media"]["url"].split("/", 3)[3]
    measured = ebur128(mp3)
    assert abs(measured["I"] - -16.0) <= 0.5, measured
    assert measured["Peak"] <= -1.0, measured
    assert measured["LRA"] <= 8.0, measured
    # and the record says what the file is
    assert abs(out["loudness"]["after"]["integrated"] - measured["I"]) <= 0.15


def test_tags_cover_and_chapters_read_back(published):
    project, out = published
    mp3 = project / "public" / out["media"]["url"].split("/", 3)[3]
    tags = ID3(mp3)
    assert tags["TIT2"].text == ["Effektivisering og endringsledelse"]
    assert tags["TALB"].text == ["Endringspodden"]
    assert "Difi" in tags["TPE1"].text[0]
    assert str(tags["TDRC"].text[0]) == "2017-11-24"
    apic = tags.getall("APIC")[0]
    assert apic.mime == "image/jpeg" and apic.data == (project / "feeds" / "endringspodden.jpg").read_bytes()
    chaps = sorted(tags.getall("CHAP"), key=lambda c: c.start_time)
    assert [(c.start_time, c.sub_frames["TIT2"].text[0]) for c in chaps] == [
        (0, "Velkommen"), (8000, "Samarbeid på tvers"), (20000, "Avslutning")]
    assert tags.getall("CTOC")[0].child_element_ids == [c.element_id for c in chaps]
    # The comment is the notes as plain text, not their Markdown.
    assert [c.text[0] for c in tags.getall("COMM")] == [
        "Endringspodden er tilbake.\n\nVi snakker om felles statlige innkjøp."]


def test_feed_parses_in_podcast_app_parsers(published):
    project, out = published
    feed_path = project / "public" / "endringspodden" / "feed.xml"
    mp3 = project / "public" / out["media"]["url"].split("/", 3)[3]
    with feed_path.open("rb") as f:
        gp = podcastparser.parse(out["feed_url"], f)
    [ep] = gp["episodes"]
    assert ep["guid"] == out["guid"]
    assert ep["enclosures"][0]["file_size"] == mp3.stat().st_size
    assert ep["enclosures"][0]["mime_type"] == "audio/mpeg"
    assert abs(ep["total_time"] - out["media"]["duration"]) <= 1
    fp = feedparser.parse(feed_path.read_bytes())
    assert not fp.bozo, fp.bozo_exception
    [entry] = fp.entries
    assert entry.enclosures[0]["length"] == str(mp3.stat().st_size)
    assert entry.enclosures[0]["type"] == "audio/mpeg"
    assert entry.id == out["guid"]


def test_feed_has_the_tags_apple_requires(published):
    project, out = published
    root = etree.parse(str(project / "public" / "endringspodden" / "feed.xml"))
    ch = root.find("channel")
    assert ch.findtext("link") == "https://www.difi.no/endringspodden"  # the show's page, not the feed
    assert ch.find("atom:link[@rel='self']", NS).get("href") == out["feed_url"]
    assert ch.findtext("itunes:explicit", namespaces=NS) == "false"
    assert ch.find("itunes:category", NS).get("text") == "Government"
    assert ch.findtext("itunes:owner/itunes:email", namespaces=NS)
    assert ch.find("itunes:image", NS).get("href").endswith(".jpg")
    assert ch.findtext("language") == "no"
    item = ch.find("item")
    assert item.find("guid").get("isPermaLink") == "false"
    assert item.findtext("itunes:season", namespaces=NS) == "2"
    assert item.findtext("itunes:episode", namespaces=NS) == "1"
    assert item.findtext("itunes:explicit", namespaces=NS) == "false"
    assert "<strong>tilbake</strong>" in item.findtext("{http://purl.org/rss/1.0/modules/content/}encoded")


def test_same_records_same_feed_bytes(published):
    project, _ = published
    feed_path = project / "public" / "endringspodden" / "feed.xml"
    first = feed_path.read_bytes()
    proc = run_publish(project, "feed", "--show", "endringspodden")
    assert proc.returncode == 0, proc.stderr
    assert feed_path.read_bytes() == first
    assert "unchanged" in proc.stdout


def test_republish_uploads_nothing_and_keeps_guid(published, media):
    project, out = published
    before = snapshot(project / "public")
    proc = run_publish(project, "episode", str(media["conversation"]), "--title", "Effektivisering og endringsledelse",
                       "--notes", str(project / "notes.md"), "--date", "2017-11-24", "--season", "2", "--number", "1",
                       "--chapters", str(project / "chapters.txt"), "--json")
    assert proc.returncode == 0, proc.stderr
    again = json.loads(proc.stdout)
    assert again["guid"] == out["guid"]
    assert again["uploaded"] == [] and again["reused_media"]
    assert snapshot(project / "public") == before
    assert len(list((project / "episodes" / "endringspodden").glob("*.md"))) == 1


def test_editing_the_title_in_the_record_keeps_the_guid(published):
    project, out = published
    [record] = (project / "episodes" / "endringspodden").glob("*.md")
    text = record.read_text()
    record.write_text(text.replace("title: Effektivisering og endringsledelse", "title: Effektivisering, innkjøp og endring"))
    try:
        proc = run_publish(project, "feed", "--show", "endringspodden")
        assert proc.returncode == 0, proc.stderr
        fp = feedparser.parse((project / "public" / "endringspodden" / "feed.xml").read_bytes())
        assert fp.entries[0].title == "Effektivisering, innkjøp og endring"
        assert fp.entries[0].id == out["guid"]
    finally:
        record.write_text(text)
        run_publish(project, "feed", "--show", "endringspodden")


def test_list_shows_the_episode(published):
    project, out = published
    proc = run_publish(project, "list", "--json")
    assert proc.returncode == 0, proc.stderr
    [row] = json.loads(proc.stdout)
    assert row["guid"] == out["guid"] and row["media"]["bytes"] == out["media"]["bytes"]
    table = run_publish(project, "list")
    assert "Effektivisering og endringsledelse" in table.stdout and out["guid"][:8] in table.stdout


def test_mono_speech_is_published_mono_64k(project, media):
    proc = run_publish(project, "episode", str(media["mono_speech"]), "--title", "Kort hilsen", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    mp3 = project / "public" / out["media"]["url"].split("/", 3)[3]
    info = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=channels,bit_rate,sample_rate",
                           "-of", "json", str(mp3)], capture_output=True, text=True).stdout
    stream = json.loads(info)["streams"][0]
    assert stream["channels"] == 1 and stream["sample_rate"] == "44100" and stream["bit_rate"] == "64000"


def test_dry_run_writes_nothing(project, media):
    proc = run_publish(project, "episode", str(media["conversation"]), "--title", "Prøve", "--dry-run")
    assert proc.returncode == 0, proc.stderr
    assert "Would publish" in proc.stdout
    assert snapshot(project / "public") == {} and snapshot(project / "episodes") == {}


def test_a_dry_run_names_the_guid_the_real_run_gives(project, media):
    """A dry run runs the real run's checks and names the GUID it will give: the same show and title (slug)
    give the same GUID, every time, until it is published; then it is kept."""
    args = ["episode", str(media["mono_speech"]), "--title", "Samme GUID", "--date", "2024-02-01", "--json"]
    dry = [json.loads(run_publish(project, *args, "--dry-run").stdout)["guid"] for _ in range(2)]
    real = run_publish(project, *args)
    assert real.returncode == 0, real.stderr
    assert dry[0] == dry[1] == json.loads(real.stdout)["guid"]
    assert json.loads(run_publish(project, *args, "--dry-run").stdout)["guid"] == dry[0]


def test_a_dry_run_refuses_what_the_real_run_refuses(project, media, tmp_path):
    dc = tmp_path / "dc.wav"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "aevalsrc=0.5|0.5:s=44100:d=6", str(dc)], check=True)
    for source in (media["silence"], dc):
        proc = run_publish(project, "episode", str(source), "--title", "Stille", "--dry-run")
        assert proc.returncode == 2 and "silent" in proc.stderr and "Would publish" not in proc.stdout, proc.stderr
