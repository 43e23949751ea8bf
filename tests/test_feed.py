"""The feed: Podcasting 2.0 tags asserted by XPath, what podcastparser (gPodder) and feedparser read from it,
and the same records giving the same bytes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email.utils
import io
import re
import uuid
from zoneinfo import ZoneInfo

import feedparser
import podcastparser
import pytest
from lxml import etree

from media_fixtures import NS, artwork, channel, episode, media, site_and_show
from pipeline.media.runner import start_forked
from pipeline.render.feed import render_feed, rfc2822
from pipeline.render.podcastns import PODCAST_NS, PODCAST_NS_LEGACY, person_role, podcast_guid
from pipeline.model.records import Chapter, Person

TODAY = dt.date(2024, 3, 1)


@pytest.fixture(scope="module")
def site_show():
    return site_and_show()


@pytest.fixture(scope="module")
def feed(site_show):
    """Two episodes; the first also with an episode image and a trailer type."""
    site, show = site_show
    first = episode(site, 1, image=media(site, "endringspodden/2024/episode-1-cover.jpg", "image/jpeg"),
                    episode_type="trailer", persons=(Person("Kari Nordmann", "programleder"),
                                                     Person("Per Hansen", "Gjest"), Person("Anne Lind", "producer")))
    second = episode(site, 2, date=dt.date(2024, 1, 15))
    return render_feed(show, site, [first, second], artwork=artwork(site), today=TODAY, guid=podcast_guid(
        "https://media.example.no/endringspodden/feed.xml"))


def item(data: bytes, guid_end: str):
    return next(i for i in channel(data).findall("item") if i.findtext("guid").endswith(guid_end))


# --- podcast:guid -----------------------------------------------------------------------------

def test_podcast_guid_equals_the_namespace_documentation_examples():
    # docs/tags/guid.md: "Example GUID for feed url mp3s.nashownotes.com/pc20rss.xml" and "podnews.net/rss".
    assert podcast_guid("https://mp3s.nashownotes.com/pc20rss.xml") == "917393e3-1b1e-5cef-ace4-edaa54e1f810"
    assert podcast_guid("https://podnews.net/rss") == "9b024349-ccf0-5f69-a609-6b82873eab3c"


def test_podcast_guid_ignores_scheme_and_trailing_slashes():
    expected = "917393e3-1b1e-5cef-ace4-edaa54e1f810"
    for url in ("http://mp3s.nashownotes.com/pc20rss.xml", "mp3s.nashownotes.com/pc20rss.xml",
                "https://mp3s.nashownotes.com/pc20rss.xml/", "https://mp3s.nashownotes.com/pc20rss.xml//"):
        assert podcast_guid(url) == expected, url
    assert uuid.UUID(expected).version == 5


# --- the tags, by XPath ----------------------------------------------------------------------

def test_channel_has_the_podcasting_2_0_tags(feed):
    root = etree.fromstring(feed)
    assert root.nsmap["podcast"] == PODCAST_NS
    ch = root.find("channel")
    assert ch.findtext("podcast:guid", namespaces=NS) == podcast_guid("https://media.example.no/endringspodden/feed.xml")
    locked = ch.find("podcast:locked", NS)
    assert locked.text == "yes" and locked.get("owner") == "postmottak@difi.no"
    assert ch.findtext("podcast:medium", namespaces=NS) == "podcast"
    assert ch.findtext("itunes:type", namespaces=NS) == "episodic"
    assert ch.find("itunes:new-feed-url", NS) is None


def test_items_have_season_episode_persons_transcripts_and_chapters(feed, site_show):
    site, _ = site_show
    first = item(feed, "000000000001")
    assert first.findtext("podcast:season", namespaces=NS) == "2"
    assert first.findtext("podcast:episode", namespaces=NS) == "1"
    assert first.findtext("itunes:season", namespaces=NS) == "2"
    assert first.findtext("itunes:episode", namespaces=NS) == "1"
    assert first.findtext("itunes:episodeType", namespaces=NS) == "trailer"
    persons = [(p.text, p.get("role"), p.get("group")) for p in first.findall("podcast:person", NS)]
    # Norwegian roles map to the Podcast Taxonomy; the group is written only when it is not the default 'cast'.
    assert persons == [("Kari Nordmann", "host", None), ("Per Hansen", "guest", None),
                       ("Anne Lind", "producer", "creative direction")]
    transcripts = [(t.get("type"), t.get("rel"), t.get("url").rsplit(".", 1)[1]) for t in first.findall("podcast:transcript", NS)]
    assert transcripts == [("text/vtt", "captions", "vtt"), ("text/plain", None, "txt")]
    chapters = first.find("podcast:chapters", NS)
    assert chapters.get("type") == "application/json+chapters" and chapters.get("url").endswith(".json")
    assert [(c.get("start"), c.get("title")) for c in first.findall("psc:chapters/psc:chapter", NS)] == [
        ("00:00:00", "Velkommen"), ("00:00:08.500", "Samarbeid")]
    assert first.find("itunes:image", NS).get("href") == site.public_url("endringspodden/2024/episode-1-cover.jpg")
    assert item(feed, "000000000002").find("itunes:image", NS) is None


def test_show_notes_become_safe_html_and_a_short_description(site_show):
    site, show = site_show
    notes = ("Les **mer** på [nettsiden](https://www.difi.no).\n\n<script>alert(1)</script>\n\n"
             '<a href="javascript:alert(2)" onclick="steal()">klikk</a> <img src="x.png" onerror="steal()">\n\n'
             + "Et langt avsnitt om endringsledelse. " * 300)
    data = render_feed(show, site, [episode(site, 1, notes=notes)], artwork=artwork(site), today=TODAY)
    it = channel(data).find("item")
    html = it.findtext("content:encoded", namespaces=NS)
    assert "<strong>mer</strong>" in html and 'href="https://www.difi.no"' in html
    for unsafe in ("<script", "onclick", "onerror", "javascript:"):
        assert unsafe not in html
    description = it.findtext("description")
    assert description.startswith("Les mer på nettsiden.") and len(description.encode()) <= 4000


def test_move_emits_new_feed_url_and_keeps_the_guid(site_show):
    site, show = site_show
    moved = dataclasses.replace(show, new_feed_url="https://podkast.example.no/endring.xml")
    guid = podcast_guid("https://media.example.no/endringspodden/feed.xml")
    data = render_feed(moved, site, [episode(site, 1)], artwork=artwork(site), today=TODAY, guid=guid)
    ch = channel(data)
    assert ch.findtext("itunes:new-feed-url", namespaces=NS) == "https://podkast.example.no/endring.xml"
    assert ch.findtext("podcast:guid", namespaces=NS) == guid


def test_same_records_same_bytes(site_show):
    site, show = site_show
    eps = [episode(site, n, date=dt.date(2024, 1, n)) for n in range(1, 6)]
    first = render_feed(show, site, eps, artwork=artwork(site), today=TODAY)
    assert render_feed(show, site, list(reversed(eps)), artwork=artwork(site), today=TODAY) == first
    assert render_feed(show, site, eps, artwork=artwork(site), today=TODAY + dt.timedelta(days=30)) == first


# Every value a record gives an item, with what XML must escape: quotes, <, >, &, tab, CR, LF, "]]>", non-ASCII.
NASTY = 'A & B <i>"sitert"</i> \'x\'\t]]> æøå – 😀\r\nny linje'


def test_items_are_written_as_lxml_writes_them(site_show):
    """Items are written as text (feed.item_xml): lxml, parsing the feed and writing it again, gives the same
    bytes (so escaping and indentation are lxml's), and the values read back are the records' own."""
    site, show = site_show
    nasty = episode(
        site, 1, title=NASTY, description=NASTY, notes=f"{NASTY}\n\n![{NASTY}](a.png) <img src=b.png>",
        guid=f"guid {NASTY}", image=media(site, "endringspodden/2024/c&d.png", "image/png"), explicit=True,
        persons=(Person(NASTY, "produsent"), Person("Kari", "programleder")), chapters=(Chapter(1.5, NASTY),),
        renditions={"audio": media(site, f"seminarer/{NASTY}.mp3", "audio/mpeg"),
                    "captions": media(site, "seminarer/a&b.vtt", "text/vtt"),
                    "chapters": media(site, "seminarer/c.json?a=1&b=2", "application/json")})
    data = render_feed(show, site, [nasty, episode(site, 2)], artwork=artwork(site), today=TODAY)
    root = etree.fromstring(data, etree.XMLParser(strip_cdata=False))
    assert etree.tostring(root.getroottree(), encoding="UTF-8", xml_declaration=True) + b"\n" == data
    it = item(data, NASTY)
    assert it.findtext("title") == it.findtext("description") == NASTY  # the CR too, written as &#13;
    assert it.find("podcast:person", NS).text == NASTY and it.find("psc:chapters/psc:chapter", NS).get("title") == NASTY
    assert it.find("podcast:alternateEnclosure/podcast:source", NS).get("uri").endswith(f"/{NASTY}.mp3")
    assert it.find("podcast:chapters", NS).get("url").endswith("c.json?a=1&b=2")
    assert it.find("itunes:image", NS).get("href").endswith("c&d.png")
    assert "]]>" not in it.findtext("content:encoded", namespaces=NS).replace("]]&gt;", "")


def test_a_character_xml_does_not_allow_names_the_record(site_show):
    site, show = site_show
    bad = episode(site, 2, date=dt.date(2024, 1, 1), title="Episode\x0b 2")  # not the first item
    with pytest.raises(ValueError, match=re.escape(bad.record_name)):
        render_feed(show, site, [episode(site, 1), bad], artwork=artwork(site), today=TODAY)


@pytest.mark.parametrize("zone", ["Europe/Oslo", "America/St_Johns", "Asia/Kolkata", "UTC"])
def test_item_dates_are_written_as_email_utils_writes_them(zone):
    """feed.rfc2822 formats by hand what email.utils.format_datetime gives: summer and winter time, offsets
    west of UTC and by the half hour."""
    for day in range(0, 366, 7):
        moment = dt.datetime.combine(dt.date(2024, 1, 1) + dt.timedelta(days=day), dt.time(6, 30, 5), ZoneInfo(zone))
        assert rfc2822(moment) == email.utils.format_datetime(moment)


def test_unknown_roles_are_named_as_guests():
    assert person_role("Programleder") == ("host", "cast")
    assert person_role("Cover Art Designer") == ("cover art designer", "visuals")
    assert person_role("sjef") == ("guest", "cast")


def test_a_large_feed_written_in_two_processes_is_the_same_feed(site_show, monkeypatch):
    """From feed.TWO_PROCESSES_FROM items on, a forked copy writes the second half: same bytes, same order."""
    import pipeline.render.feed as feed_module

    site, show = site_show
    eps = [episode(site, n, date=dt.date(2020, 1, 1) + dt.timedelta(days=n)) for n in range(300)]
    monkeypatch.setattr(feed_module, "TWO_PROCESSES_FROM", 100)
    split = render_feed(show, site, eps, artwork=artwork(site), today=TODAY, parallel=start_forked)
    monkeypatch.setattr(feed_module, "TWO_PROCESSES_FROM", 10**9)
    assert render_feed(show, site, eps, artwork=artwork(site), today=TODAY) == split
    assert len(channel(split).findall("item")) == 300


def test_a_large_feed_split_in_one_process_is_the_same_feed(site_show, monkeypatch):
    """Without a parallel runner the two halves are written one after the other: the same bytes."""
    import pipeline.render.feed as feed_module

    site, show = site_show
    eps = [episode(site, n, date=dt.date(2020, 1, 1) + dt.timedelta(days=n)) for n in range(30)]
    monkeypatch.setattr(feed_module, "TWO_PROCESSES_FROM", 10)
    split = render_feed(show, site, eps, artwork=artwork(site), today=TODAY)
    monkeypatch.setattr(feed_module, "TWO_PROCESSES_FROM", 10**9)
    assert render_feed(show, site, eps, artwork=artwork(site), today=TODAY) == split


def test_work_that_fails_in_the_forked_copy_raises_here():
    def work() -> bytes:
        raise LookupError("only this process says why")

    with pytest.raises(LookupError, match="only this process"):
        start_forked(work)()


def test_a_bad_record_in_the_forked_half_is_still_named(site_show, monkeypatch):
    import pipeline.render.feed as feed_module

    monkeypatch.setattr(feed_module, "TWO_PROCESSES_FROM", 4)
    site, show = site_show
    eps = [episode(site, n, date=dt.date(2020, 1, 1) + dt.timedelta(days=n)) for n in range(1, 7)]
    bad = episode(site, 7, date=dt.date(2019, 1, 1), title="Episode\x0b 7")  # oldest: last, in the copy's half
    with pytest.raises(ValueError, match=re.escape(bad.record_name)):
        render_feed(show, site, [*eps, bad], artwork=artwork(site), today=TODAY, parallel=start_forked)


# --- what app parsers read ------------------------------------------------------------------------

def gpodder(data: bytes) -> dict:
    return podcastparser.parse("https://media.example.no/endringspodden/feed.xml", io.BytesIO(data))


def test_podcastparser_reads_season_episode_and_chapters(feed):
    """gPodder: itunes:season/episode as numbers, and the chapters inline (Podlove Simple Chapters)."""
    eps = {e["guid"][-1]: e for e in gpodder(feed)["episodes"]}
    assert (eps["1"]["season"], eps["1"]["number"], eps["1"]["type"]) == (2, 1, "trailer")
    assert (eps["2"]["season"], eps["2"]["number"]) == (2, 2)
    assert eps["1"]["chapters"] == [{"start": 0, "title": "Velkommen"}, {"start": 8, "title": "Samarbeid"}]
    assert eps["1"]["episode_art_url"].endswith("episode-1-cover.jpg")


def test_podcastparser_reads_our_podcast_tags_under_the_url_it_knows(feed):
    """podcastparser 0.6.11 maps podcast: tags only under the older namespace URL. With that URL (and nothing
    else changed) it reads every value as given: so the markup is right, and only the URL stands between
    gPodder and these tags. The spec says the two URLs are identical."""
    legacy = feed.replace(PODCAST_NS.encode(), PODCAST_NS_LEGACY.encode())
    parsed = gpodder(legacy)
    assert parsed["import_prohibited"] is True  # podcast:locked yes
    first = next(e for e in parsed["episodes"] if e["guid"].endswith("1"))
    # podcastparser keeps one transcript: the last (the text one here); AntennaPod picks by type.
    assert first["transcript_url"].endswith(".txt")
    assert first["chapters_json_url"].endswith(".json")
    assert [(p["name"], p["role"], p["group"]) for p in first["persons"]] == [
        ("Kari Nordmann", "host", "cast"), ("Per Hansen", "guest", "cast"), ("Anne Lind", "producer", "creative direction")]


def test_what_podcastparser_reads_under_the_url_we_emit(feed):
    """Pins the README's statement: podcastparser 0.6.11 ignores podcast: tags under the canonical URL.
    When a release learns it, this test says so and the README should drop the caveat."""
    first = next(e for e in gpodder(feed)["episodes"] if e["guid"].endswith("1"))
    knows = PODCAST_NS in podcastparser.Namespace.NAMESPACES
    assert ("transcript_url" in first) == knows and ("persons" in first) == knows


def test_feedparser_reads_the_podcast_tags(feed):
    """feedparser keys unknown namespaces by the document's prefix, so it reads our podcast: tags under
    either URL, but keeps only the last element of each name and drops the text of those with attributes."""
    fp = feedparser.parse(feed)
    assert not fp.bozo, fp.bozo_exception
    assert fp.feed["podcast_guid"] == podcast_guid("https://media.example.no/endringspodden/feed.xml")
    assert fp.feed["podcast_locked"]["owner"] == "postmottak@difi.no"
    assert fp.feed["podcast_medium"] == "podcast"
    first = next(e for e in fp.entries if e.id.endswith("1"))
    assert (first["podcast_season"], first["podcast_episode"]) == ("2", "1")
    assert (first["itunes_season"], first["itunes_episode"]) == ("2", "1")
    assert first["podcast_chapters"]["type"] == "application/json+chapters"
    assert first["podcast_transcript"]["type"] == "text/plain"  # the last of the two
    assert first["podcast_person"]["role"] == "producer"  # the last person's attributes; the name is lost
    assert [(c["title"], c["start_parsed"].total_seconds()) for c in first["psc_chapters"]["chapters"]] == [
        ("Velkommen", 0.0), ("Samarbeid", 8.5)]
