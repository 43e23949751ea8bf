"""The seminar archive pages, rendered from fabricated records (no media needed)."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pipeline.render.norwegian import format_date, format_duration, format_size, format_time, format_when, iso_duration
from pipeline.render.pages import json_for_script, render_archive, render_notes, summary
from pipeline.model.config import Show, Site
from pipeline.model.errors import ConfigError
from pipeline.model.timerange import oslo_offset
from pipeline.model.records import Item, Media, Person
from pipeline.render.search import search_script

SCRIPT_HASH = search_script()[0].removeprefix("search-").removesuffix(".js")

BASE = "https://media.example.no"
SHOW_ID = "seminarer"
NOTES_RUTER = """\
Direktoratet for forvaltning og IKT (Difi) inviterer til frokostseminar 1. desember hvor Ruter# vil fortelle \
om hvordan de jobber for å tilpasse seg fremtiden. Hvilke metoder bruker de og hvordan organiserer de arbeidet \
for å levere løsninger som møter fremtidens behov?

Fokus på **brukere og effekt**, design og pilotering, mennesker og teknologi er stikkord når Ruter deler sine \
erfaringer.

# Endring til frokost

*Endring til frokost* er en serie frokostmøter om endringsledelse.
"""
NOTES_BESLUTNINGER = """\
Hilde Singsaas, Sigrun Vågeng, Silvija Seres og Bjørn-Inge Larsen delte sine betraktninger om å ta \
beslutninger i en omskiftelig tid.

> «Hvordan gikk du konkurs?» spurte Bill. «På to måter,» sa Mike. «Først gradvis og så plutselig.»
"""


def make_show(**changes) -> Show:
    show = Show(
        id=SHOW_ID, title="Seminaropptak", description="Opptak av frokostseminarer om endringsledelse og digitalisering.",
        author="Difi", owner_name="Difi", owner_email="post@example.no", language="no", category="Government",
        subcategory=None, explicit=False, artwork=Path("feeds/seminarer.jpg"), link="https://www.example.no/seminarer",
        kind="seminar", organiser="Direktoratet for forvaltning og IKT",
        default_place="Difis kurs- og konferansesenter, Grev Wedels plass 9, Oslo",
    )
    return replace(show, **changes)


def make_site(base_url: str = BASE) -> Site:
    return Site(root=Path("."), storage="file://public", base_url=base_url, website="https://www.example.no")


def media(key: str, size: int, type_: str, base_url: str = BASE, **kw) -> Media:
    return Media(key=key, url=f"{base_url}/{key}", bytes=size, sha256="0" * 64, type=type_, **kw)


def make_seminar(slug: str, title: str, date: dt.date, *, time: str | None = "09:00-10:00", base_url: str = BASE,
                 captions: bool = True, slides: int = 1, sizes: dict[str, int] | None = None, **kw) -> Item:
    """A seminar laid out as the design suggests: media beside the page in ``<show>/<slug>/``."""
    sizes = {"video": 12_345_678, "audio": 3_456_789, "poster": 45_000, "captions": 2_100, "slides": 1_234_567,
             **(sizes or {})}
    folder = f"{SHOW_ID}/{slug}"
    renditions = {
        "poster": media(f"{folder}/poster.jpg", sizes["poster"], "image/jpeg", base_url, width=320, height=180),
        "audio": media(f"{folder}/{slug}.mp3", sizes["audio"], "audio/mpeg", base_url, duration=3.0),
    }
    if captions:
        renditions["captions"] = media(f"{folder}/captions.vtt", sizes["captions"], "text/vtt", base_url)
    for n in range(1, slides + 1):
        renditions[f"slides-{n}"] = media(f"{folder}/slides-{n}.pdf", sizes["slides"], "application/pdf", base_url)
    return Item(
        show=SHOW_ID, guid=f"guid-{slug}", slug=slug, title=title, date=date, time=time,
        media=media(f"{folder}/{slug}.mp4", sizes["video"], "video/mp4", base_url, duration=3.0, width=320, height=180),
        renditions=renditions, **kw,
    )


def sample_seminars(base_url: str = BASE, **kw) -> list[Item]:
    """Two seminars from the newsletter, plus one a year later, oldest first as load_records gives them."""
    return [
        make_seminar(
            "hvordan-ta-gode-beslutninger", "Hvordan ta gode beslutninger i en omskiftelig tid?", dt.date(2017, 10, 18),
            time="08:30-10:00", base_url=base_url, notes=NOTES_BESLUTNINGER,
            persons=(Person("Hilde Singsaas", "direktør for Direktoratet for økonomistyring"),
                     Person("Sigrun Vågeng", "direktør for NAV"),
                     Person("Silvija Seres", "investor, styremedlem og rådgiver"),
                     Person("Bjørn-Inge Larsen", "departementsråd i Helse- og omsorgsdepartementet")), **kw),
        make_seminar(
            "nye-arbeidsmater", "Nye arbeidsmåter for fremtidens løsninger", dt.date(2017, 12, 1), base_url=base_url,
            notes=NOTES_RUTER, slides=2,
            place="Difis kurs- og konferansesenter, Grev Wedels plass 9, 2. etasje, inngang Myntgata",
            persons=(Person("Beth Stensen", "leder for nye kundetjenester i Ruter#"),
                     Person("Marius Røstad", "tjenesteutvikler for nye kundetjenester i Ruter#")), **kw),
        make_seminar(
            "strategisk-ikt-kompetanse", "Strategisk IKT-kompetanse for ledere – hva nå?", dt.date(2018, 11, 27),
            time="09:30-13:00", base_url=base_url, captions=False, slides=0,
            notes="Et dialogmøte om hvilke kompetanser som er viktigst for å lede digital transformasjon.", **kw),
    ]


def page(pages: dict[str, bytes], slug: str) -> str:
    return pages[f"{SHOW_ID}/{slug}/index.html"].decode()


def jsonld(html_text: str) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html_text, re.S)
    assert match, "no JSON-LD"
    return json.loads(match.group(1))


def og(html_text: str) -> dict[str, str]:
    """The Open Graph tags, with their content unescaped as a crawler reads them."""
    found: dict[str, str] = {}

    class Meta(HTMLParser):
        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "meta" and a.get("property", "").startswith("og:"):
                found[a["property"]] = a["content"]

    Meta().feed(html_text)
    return found


# --- formatting --------------------------------------------------------------------------------

def test_norwegian_dates_and_times():
    assert format_date(dt.date(2017, 12, 1)) == "fredag 1. desember 2017"
    assert format_date(dt.date(2018, 1, 17)) == "onsdag 17. januar 2018"
    assert format_date(dt.date(2017, 11, 27)) == "mandag 27. november 2017"
    assert format_date(dt.date(2024, 6, 2)) == "søndag 2. juni 2024"
    assert format_date(dt.date(2024, 6, 1)) == "lørdag 1. juni 2024"
    assert format_time("09:00-10:00") == "kl. 09.00–10.00"
    assert format_time("9.30 – 13.00") == "kl. 09.30–13.00"
    assert format_time("08:30") == "kl. 08.30"
    ruter = sample_seminars()[1]
    assert format_when(ruter) == "fredag 1. desember 2017, kl. 09.00–10.00"
    assert format_when(replace(ruter, time=None)) == "fredag 1. desember 2017"


def test_sizes_are_written_norwegian_style():
    assert format_size(12_345_678) == "12,3\u00a0MB"
    assert format_size(1_234_500_000) == "1\u00a0234,5\u00a0MB"
    assert format_size(1_000_000) == "1,0\u00a0MB"
    assert format_size(850_400) == "850\u00a0kB"
    assert format_size(120) == "1\u00a0kB"


def test_durations():
    assert format_duration(3.2) == "3\u00a0s"
    assert format_duration(58 * 60 + 10) == "58\u00a0min"
    assert format_duration(3900) == "1\u00a0t 5\u00a0min"
    assert format_duration(7200) == "2\u00a0t"
    assert iso_duration(3.0) == "PT3S"
    assert iso_duration(3723) == "PT1H2M3S"
    assert iso_duration(3600) == "PT1H"
    assert iso_duration(0) == "PT0S"


def test_oslo_offset_follows_summer_time():
    assert oslo_offset(dt.date(2017, 12, 1), dt.time(9)) == "+01:00"
    assert oslo_offset(dt.date(2017, 6, 1), dt.time(9)) == "+02:00"
    assert oslo_offset(dt.date(2024, 3, 31), dt.time(1, 59)) == "+01:00"  # the switch is at 02:00
    assert oslo_offset(dt.date(2024, 3, 31), dt.time(3)) == "+02:00"
    assert oslo_offset(dt.date(2024, 10, 27), dt.time(4)) == "+01:00"


# --- pages -------------------------------------------------------------------------------------

def test_keys_are_the_archive_one_page_per_slug_and_the_stylesheet():
    pages = render_archive(make_show(), make_site(), sample_seminars())
    each = [f"seminarer/{slug}/{name}" for slug in ("hvordan-ta-gode-beslutninger", "nye-arbeidsmater",
                                                    "strategisk-ikt-kompetanse")
            for name in ("embed.html", "index.html", "oembed.json")]
    assert sorted(pages) == sorted([*each, "seminarer/index.html", "seminarer/search-" + SCRIPT_HASH + ".js",
                                    "seminarer/search.json", "seminarer/style.css"])
    assert b"font-family: system-ui" in pages["seminarer/style.css"]


def test_archive_groups_by_year_newest_first():
    index = render_archive(make_show(), make_site(), sample_seminars())["seminarer/index.html"].decode()
    assert '<html lang="nb">' in index
    years = re.findall(r'<h2 id="ar-(\d{4})">', index)
    assert years == ["2018", "2017"]
    titles = re.findall(r'<h3><a href="([^"]+)">', index)
    assert titles == ["strategisk-ikt-kompetanse/", "nye-arbeidsmater/", "hvordan-ta-gode-beslutninger/"]
    # Each seminar sits under its own year's heading.
    assert index.index('id="ar-2018"') < index.index("strategisk-ikt-kompetanse/") < index.index('id="ar-2017"')
    assert "fredag 1. desember 2017, kl. 09.00–10.00" in index
    assert "Med Beth Stensen og Marius Røstad" in index
    assert "Hilde Singsaas, Sigrun Vågeng, Silvija Seres og Bjørn-Inge Larsen" in index
    assert 'href="#ar-2017"' in index  # the year jump list


def test_empty_archive_is_a_friendly_page():
    pages = render_archive(make_show(), make_site(), [])
    assert sorted(pages) == ["seminarer/index.html", "seminarer/style.css"]
    index = pages["seminarer/index.html"].decode()
    assert "Ingen opptak ennå" in index
    assert "<main" in index and "<h1>Seminaropptak</h1>" in index


def test_seminar_page_shows_everything_a_visitor_needs():
    html_text = page(render_archive(make_show(), make_site(), sample_seminars()), "nye-arbeidsmater")
    assert "<h1>Nye arbeidsmåter for fremtidens løsninger</h1>" in html_text
    assert "fredag 1. desember 2017" in html_text and "kl. 09.00–10.00" in html_text
    assert "Grev Wedels plass 9, 2. etasje, inngang Myntgata" in html_text
    assert '<span class="name">Beth Stensen</span> <span class="role">leder for nye kundetjenester i Ruter#</span>' in html_text
    assert "<strong>brukere og effekt</strong>" in html_text  # Markdown rendered
    assert "<h3>Endring til frokost</h3>" in html_text  # '#' in the notes sits under the page's h2
    assert '<video controls preload="metadata" poster="poster.jpg" width="320" height="180">' in html_text
    assert '<source src="nye-arbeidsmater.mp4" type="video/mp4">' in html_text
    for landmark in ("<header", "<nav", "<main", "<footer", 'class="skip-link" href="#innhold"'):
        assert landmark in html_text
    assert 'href="../style.css"' in html_text and 'href="../"' in html_text
    assert "<script src" not in html_text and "http://" not in html_text.replace(BASE, "")


def test_downloads_name_kind_and_size():
    html_text = page(render_archive(make_show(), make_site(), sample_seminars()), "nye-arbeidsmater")
    links = re.findall(r'<a href="([^"]+)" download>([^<]+)</a>', html_text)
    assert links == [
        ("nye-arbeidsmater.mp4", "Last ned video (MP4, 12,3\u00a0MB)"),
        ("nye-arbeidsmater.mp3", "Last ned lyd (MP3, 3,5\u00a0MB)"),
        ("slides-1.pdf", "Last ned presentasjon 1 (PDF, 1,2\u00a0MB)"),
        ("slides-2.pdf", "Last ned presentasjon 2 (PDF, 1,2\u00a0MB)"),
    ]
    # Fallback inside <video> for browsers that cannot play it.
    assert re.search(r'<p>Nettleseren din kan ikke spille av videoen her\.\s*<a href="nye-arbeidsmater.mp4">Last ned video', html_text)


def test_slides_label_and_media_elsewhere_in_the_store():
    ep = sample_seminars()[0]
    slides = replace(ep.renditions["slides-1"], key="seminarer/2017/presentasjon-ab12cd34.pdf", label="presentasjonene")
    ep = replace(ep, renditions={**ep.renditions, "slides-1": slides},
                 media=replace(ep.media, key="seminarer/2017/video-0123abcd.mp4"))
    html_text = page(render_archive(make_show(), make_site(), [ep]), ep.slug)
    assert '<a href="../2017/presentasjon-ab12cd34.pdf" download>Last ned presentasjonene (PDF, 1,2\u00a0MB)</a>' in html_text
    assert '<source src="../2017/video-0123abcd.mp4"' in html_text
    assert og(html_text)["og:video"] == f"{BASE}/seminarer/2017/video-0123abcd.mp4"


def test_captions_track_only_when_captions_exist():
    pages = render_archive(make_show(), make_site(), sample_seminars())
    with_captions = page(pages, "nye-arbeidsmater")
    assert '<track kind="captions" src="captions.vtt" srclang="nb" label="Norsk" default>' in with_captions
    without = page(pages, "strategisk-ikt-kompetanse")
    assert "<track" not in without
    assert "Opptaket er ikke tekstet." in without
    assert "caption" not in jsonld(without)["@graph"][1]


def test_open_graph_and_schema_org():
    html_text = page(render_archive(make_show(), make_site(), sample_seminars()), "nye-arbeidsmater")
    tags = og(html_text)
    url = f"{BASE}/seminarer/nye-arbeidsmater/"
    assert tags["og:type"] == "video.other"
    assert tags["og:title"] == "Nye arbeidsmåter for fremtidens løsninger"
    assert tags["og:url"] == url
    assert tags["og:image"] == f"{BASE}/seminarer/nye-arbeidsmater/poster.jpg"
    assert tags["og:video"] == f"{BASE}/seminarer/nye-arbeidsmater/nye-arbeidsmater.mp4"
    assert tags["og:description"].startswith("Direktoratet for forvaltning og IKT (Difi) inviterer")
    assert len(tags["og:description"]) <= 200
    assert f'<link rel="canonical" href="{url}">' in html_text
    event, video = jsonld(html_text)["@graph"]
    assert event["@type"] == "Event" and video["@type"] == "VideoObject"
    assert event["startDate"] == "2017-12-01T09:00+01:00" and event["endDate"] == "2017-12-01T10:00+01:00"
    assert event["location"] == {"@type": "Place", "name": "Difis kurs- og konferansesenter",
                                 "address": "Grev Wedels plass 9, 2. etasje, inngang Myntgata"}
    assert [p["name"] for p in event["performer"]] == ["Beth Stensen", "Marius Røstad"]
    assert video["contentUrl"] == tags["og:video"] and video["thumbnailUrl"] == tags["og:image"]
    assert video["duration"] == "PT3S" and video["uploadDate"] == "2017-12-01"
    assert video["recordedAt"] == {"@id": event["@id"]}
    assert video["caption"]["contentUrl"] == f"{BASE}/seminarer/nye-arbeidsmater/captions.vtt"


HOSTILE = 'Slik </script><script>alert(1)</script> «sitat» "dobbel" \'enkel\' & <b>fet</b> <!-- x'


def test_hostile_title_and_notes_render_as_text_and_valid_json():
    ep = replace(sample_seminars()[1], title=HOSTILE, description=None,
                 notes=f"{HOSTILE}\n\n<script>alert(2)</script>\n\n<img src=x onerror=alert(3)>\n\n[lenke](javascript:alert(4))",
                 persons=(Person(HOSTILE, HOSTILE),), place=HOSTILE)
    pages = render_archive(make_show(), make_site(), [ep])
    html_text = page(pages, ep.slug)
    index = pages["seminarer/index.html"].decode()
    for text in (html_text, index):
        assert "<script>alert" not in text
        assert "onerror" not in text
        assert "javascript:" not in text
    assert "<b>fet</b>" not in index  # the title and the summary are text
    assert '<img src="x" alt="">' in html_text  # an image from the notes always has a text alternative
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html_text
    assert "<h1>Slik &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; «sitat» &#34;dobbel&#34; &#39;enkel&#39; &amp; " in html_text
    # The only script element is the JSON-LD, and it parses back to the original text.
    assert len(re.findall(r"<script", html_text)) == 1
    data = jsonld(html_text)
    event, video = data["@graph"]
    assert event["name"] == HOSTILE and video["name"] == HOSTILE
    assert event["performer"][0]["name"] == HOSTILE
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html_text, re.S).group(1)
    assert "<" not in block and ">" not in block and "&" not in block
    assert og(html_text)["og:title"] == HOSTILE


def test_json_for_script_escapes_markup_characters():
    text = json_for_script({"a": "</script><!--&"})
    assert str(text) == '{\n  "a": "\\u003c/script\\u003e\\u003c!--\\u0026"\n}'
    assert json.loads(str(text)) == {"a": "</script><!--&"}


def test_notes_are_sanitised_markdown():
    html_text = str(render_notes("# Tittel\n\nTekst med [lenke](https://example.no).\n\n<nav>meny</nav>\n\n<iframe src=x></iframe>"))
    assert "<h3>Tittel</h3>" in html_text
    assert '<a href="https://example.no" rel="noopener noreferrer">lenke</a>' in html_text
    assert "<nav" not in html_text and "<iframe" not in html_text
    # An image keeps its text alternative; one without any is marked decorative (alt="").
    images = re.findall(r"<img [^>]*>", str(render_notes('![Beth Stensen](beth.jpg)\n\n<img src="a.jpg">')))
    assert images == ['<img src="beth.jpg" alt="Beth Stensen">', '<img src="a.jpg" alt="">']


def test_summary_prefers_the_description_and_is_short():
    ep = sample_seminars()[1]
    assert summary(replace(ep, description="Kort om seminaret.")) == "Kort om seminaret."
    text = summary(ep)
    assert text.startswith("Direktoratet for forvaltning og IKT (Difi) inviterer") and text.endswith("…")
    assert summary(replace(ep, notes="")) == ""


def test_rendering_is_deterministic():
    first = render_archive(make_show(), make_site(), sample_seminars())
    again = render_archive(make_show(), make_site(), list(reversed(sample_seminars())))
    assert first == again


def test_retracted_seminar_leaves_the_archive_but_keeps_its_address():
    seminars = sample_seminars()
    seminars[0] = replace(seminars[0], retracted=True)
    pages = render_archive(make_show(), make_site(), seminars)
    assert "hvordan-ta-gode-beslutninger/" not in pages["seminarer/index.html"].decode()
    html_text = page(pages, "hvordan-ta-gode-beslutninger")
    assert "trukket tilbake" in html_text and "<video" not in html_text and 'content="noindex"' in html_text


def test_records_that_cannot_be_published_are_all_reported():
    seminars = sample_seminars()
    bad = [replace(seminars[0], slug="Ugyldig slug"), replace(seminars[0], slug="annen-tid", time="ni til ti"),
           replace(seminars[2], slug=seminars[1].slug), replace(seminars[2], show="podkast", slug="annen")]
    with pytest.raises(ConfigError) as e:
        render_archive(make_show(), make_site(), [seminars[1], *bad])
    problems = "\n".join(e.value.problems)
    assert len(e.value.problems) == 4, problems
    assert "'Ugyldig slug'" in problems and "'ni til ti'" in problems
    assert "is also used by" in problems and "belongs to show 'podkast'" in problems
