"""`publish seminar` and `publish archive`, through the real CLI on tiny clips (4 s, 320x180).

One project is published once per session (``published_project``, shared with test_seminar_browser.py):
a seminar with speakers, two slide decks and WebVTT captions, published twice (the second run must upload
nothing), and a seminar whose title and description are full of markup, with SRT captions. Tests that
change things work on a copy of it.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import etree
from lxml import html as lxml_html

from conftest import ROOT, ffmpeg, run_publish, sha256, snapshot
from media_fixtures import NS
from pipeline.model.errors import InputError
from pipeline.model.records import load_records
from tools.samples import speak
from pipeline.model.timerange import parse_offset, parse_time_range
from test_video import loudness_of, video_md5

SHOW = "seminarer"
TITLE = "Nye arbeidsmåter for fremtidens løsninger"
SLUG = "nye-arbeidsmater-for-fremtidens-losninger"
HOSTILE_TITLE = """<script>alert("tittel")</script> Q&A: «Ruter» & 'co' </p>"""
HOSTILE_DESCRIPTION = """Før & etter: <script>alert('beskrivelse')</script> "sitat" <img src=x onerror=alert(1)> &amp;"""
HOSTILE_SLUG = "script-alert-tittel-script-q-a-ruter-co-p"
SPEAKERS = [("Beth Stensen", "leder for nye kundetjenester i Ruter#"),
            ("Marius Røstad", "tjenesteutvikler for nye kundetjenester i Ruter#")]
NOTES = """Direktoratet for forvaltning og IKT (Difi) inviterte til frokostseminar hvor Ruter# fortalte om \
hvordan de jobber for å tilpasse seg fremtiden.

*Endring til frokost* er en serie frokostmøter om endringsledelse.
"""
VTT = """WEBVTT

00:00:00.000 --> 00:00:02.000
Velkommen til frokostseminar hos Difi.

00:00:02.000 --> 00:00:04.000
I dag forteller Ruter# om nye arbeidsmåter – og hvorfor.
"""
SRT = """1
00:00:00,000 --> 00:00:02,000
<i>Velkommen</i> til frokostseminar & spørsmål

2
00:00:02,000 --> 00:00:04,000
Hva er -->  neste steg?
"""


# --- media and the published project ------------------------------------------------------------

def make_seminar_media(folder: Path) -> dict[str, Path]:
    """Tiny inputs named for what they are: a web-ready H.264/AAC MP4 and a 4:4:4 one, a video without
    sound, an MP3, slides, captions (WebVTT, SRT, neither) and a text file named .pdf."""
    folder.mkdir(parents=True, exist_ok=True)
    m = media_paths(folder)
    speech = speak("Velkommen til frokostseminar hos Difi. I dag forteller Ruter om nye arbeidsmåter.",
                   folder / "speech.wav")
    sound = ["-i", str(speech), "-af", "volume=-10dB,apad", "-t", "4"]
    picture = ["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=4"]
    ffmpeg(*picture, *sound, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
           "-ac", "2", "-shortest", str(m["web"]))
    ffmpeg(*picture, *sound, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv444p", "-c:a", "aac",
           "-shortest", str(m["yuv444"]))
    ffmpeg(*picture, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(m["no_audio"]))
    ffmpeg(*sound, "-c:a", "libmp3lame", str(m["audio"]))
    from PIL import Image, ImageDraw, ImageFont

    for key, title in (("slides", "Nye arbeidsmåter i Ruter#"), ("slides2", "Endring til frokost")):
        page = Image.new("RGB", (842, 595), "white")
        ImageDraw.Draw(page).text((60, 80), title, fill="black", font=ImageFont.load_default(size=36))
        page.save(m[key], "PDF", resolution=72)
    m["vtt"].write_text(VTT, encoding="utf-8")
    m["srt"].write_text(SRT, encoding="utf-8")
    m["not_captions"].write_text("Velkommen til frokostseminar.\nI dag: Ruter.\n", encoding="utf-8")
    m["fake_pdf"].write_text("Dette er ikke en PDF.\n" * 20, encoding="utf-8")
    m["notes"].write_text(NOTES, encoding="utf-8")
    return m


def seminar_args(m: dict[str, Path], *extra: str) -> list[str]:
    args = ["seminar", str(m["web"]), "--title", TITLE, "--date", "2017-12-01", "--time", "09:00-10:00",
            "--place", "Difis kurs- og konferansesenter, Grev Wedels plass 9, Oslo",
            "--notes", str(m["notes"]), "--slides", str(m["slides"]), "--slides", str(m["slides2"]),
            "--captions", str(m["vtt"]), *extra]
    for name, role in SPEAKERS:
        args += ["--speaker", f"{name} | {role}"]
    return args


def hostile_args(m: dict[str, Path], *extra: str) -> list[str]:
    return ["seminar", str(m["web"]), "--title", HOSTILE_TITLE, "--description", HOSTILE_DESCRIPTION,
            "--date", "2018-03-15", "--time", "08.30-10.00", "--captions", str(m["srt"]),
            "--speaker", "Ola <b>Nordmann</b> | «ordstyrer» & vert", *extra]


def publish_json(project: Path, *args: str) -> tuple[dict, str]:
    proc = run_publish(project, *args, "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout), proc.stderr


def published_project(tmp_path_factory) -> tuple[Path, dict[str, Path], dict]:
    """Made once per session (the browser tests use it too): the media, a project with the seminar published
    twice and the hostile one once, and what each run printed as JSON. Treat it as read-only."""
    base = tmp_path_factory.getbasetemp() / "seminar-published"
    done = base / "runs.json"
    if not done.exists():
        m = make_seminar_media(base / "src")
        project = base / "project"
        shutil.copytree(ROOT / "feeds", project / "feeds")
        (project / "episodes").mkdir()
        runs = {}
        runs["first"], runs["first_stderr"] = publish_json(project, *seminar_args(m))
        runs["second"], _ = publish_json(project, *seminar_args(m))
        runs["hostile"], runs["hostile_stderr"] = publish_json(project, *hostile_args(m))
        done.write_text(json.dumps(runs), encoding="utf-8")
    return base / "project", media_paths(base / "src"), json.loads(done.read_text(encoding="utf-8"))


def media_paths(folder: Path) -> dict[str, Path]:
    """Where make_seminar_media puts each input."""
    return {"web": folder / "opptak.mp4", "yuv444": folder / "opptak-444.mkv", "no_audio": folder / "uten-lyd.mp4",
            "audio": folder / "lyd.mp3", "slides": folder / "Ruter-presentasjon.pdf",
            "slides2": folder / "Difi om endring.pdf", "vtt": folder / "teksting.vtt", "srt": folder / "teksting.srt",
            "not_captions": folder / "teksting.txt", "fake_pdf": folder / "lysbilder.pdf", "notes": folder / "om.md"}


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    return published_project(tmp_path_factory)


@pytest.fixture
def copy_of(published, tmp_path):
    """A copy of the published project to change."""
    project, m, runs = published
    shutil.copytree(project, tmp_path / "project", ignore=shutil.ignore_patterns(".*.lock"))
    return tmp_path / "project", m, runs


def store(project: Path) -> Path:
    return project / "public"


def folder_keys(project: Path, slug: str) -> list[str]:
    return sorted(p.name for p in (store(project) / SHOW / slug).iterdir())


def feed_items(project: Path) -> dict[str, etree._Element]:
    root = etree.fromstring((store(project) / SHOW / "feed.xml").read_bytes())
    return {item.findtext("guid"): item for item in root.find("channel").findall("item")}


def page_of(project: Path, slug: str):
    return lxml_html.fromstring((store(project) / SHOW / slug / "index.html").read_bytes())


def jsonld(page) -> dict:
    [script] = page.xpath('//script[@type="application/ld+json"]')
    return json.loads(script.text)


def ffprobe_tags(path: Path) -> dict[str, str]:
    out = subprocess.run(["ffprobe", "-v", "error", "-print_format", "json", "-show_format", str(path)],
                         capture_output=True, text=True, check=True).stdout
    return {k.lower(): v for k, v in json.loads(out)["format"].get("tags", {}).items()}


# --- the first publish ----------------------------------------------------------------------------

def test_media_sits_content_addressed_beside_the_page(published):
    project, _, runs = published
    first = runs["first"]
    assert first["slug"] == SLUG and first["page_url"] == f"http://127.0.0.1:8000/{SHOW}/{SLUG}/"
    h = r"[0-9a-f]{8}"
    patterns = {
        "video": rf"{SHOW}/{SLUG}/{SLUG}-{h}\.mp4", "poster": rf"{SHOW}/{SLUG}/{SLUG}-{h}\.jpg",
        "audio": rf"{SHOW}/{SLUG}/{SLUG}-{h}\.mp3", "captions": rf"{SHOW}/{SLUG}/{SLUG}-{h}\.vtt",
        "slides-1": rf"{SHOW}/{SLUG}/ruter-presentasjon-{h}\.pdf",
        "slides-2": rf"{SHOW}/{SLUG}/difi-om-endring-{h}\.pdf",
        "loudness": rf"{SHOW}/{SLUG}/{SLUG}-loudness-{h}\.png",
    }
    urls = {"video": first["media"]["url"], **{role: r["url"] for role, r in first["renditions"].items()}}
    assert set(urls) == set(patterns)
    for role, pattern in patterns.items():
        key = urls[role].removeprefix("http://127.0.0.1:8000/")
        assert re.fullmatch(pattern, key), (role, key)
        data = (store(project) / key).read_bytes()
        described = first["media"] if role == "video" else first["renditions"][role]
        assert len(data) == described["bytes"] and sha256(store(project) / key) == described["sha256"], role
        assert key.split("-")[-1].startswith(described["sha256"][:8])
    assert (first["media"]["type"], first["renditions"]["audio"]["type"]) == ("video/mp4", "audio/mpeg")
    assert first["copied_video"] is True and first["warnings"] == []


def test_the_record_holds_speakers_slides_captions_and_sizes(published):
    project, m, runs = published
    records = {e.slug: e for e in load_records(project / "episodes", SHOW)}
    ep = records[SLUG]
    assert ep.guid == runs["first"]["guid"] and ep.title == TITLE and ep.date == dt.date(2017, 12, 1)
    assert (ep.time, ep.place) == ("09:00-10:00", "Difis kurs- og konferansesenter, Grev Wedels plass 9, Oslo")
    assert [(p.name, p.role) for p in ep.persons] == SPEAKERS
    assert ep.media.type == "video/mp4" and (ep.media.width, ep.media.height) == (320, 180)
    assert 3.9 < ep.media.duration < 4.2
    assert [ep.renditions[f"slides-{n}"].label for n in (1, 2)] == ["Ruter-presentasjon", "Difi om endring"]
    assert (ep.renditions["poster"].width, ep.renditions["poster"].height) == (320, 180)
    assert (store(project) / ep.renditions["captions"].key).read_text(encoding="utf-8") == VTT
    for media in (ep.media, *ep.renditions.values()):
        assert (store(project) / media.key).stat().st_size == media.bytes, media.key
    assert ep.notes == NOTES.strip() and ep.loudness_after is not None
    assert ep.source["name"] == "opptak.mp4" and ep.source["sha256"] == sha256(m["web"])
    manifest = json.loads((store(project) / f"_manifests/{SHOW}/{ep.guid}.json").read_text())
    assert manifest == json.loads(ep.manifest_bytes())


def test_web_ready_h264_is_published_without_re_encoding(published):
    project, m, runs = published
    mp4 = store(project) / runs["first"]["media"]["url"].removeprefix("http://127.0.0.1:8000/")
    assert video_md5(mp4) == video_md5(m["web"])
    loudness = loudness_of(mp4)
    assert abs(loudness.integrated - -16.0) <= 1.0 and loudness.true_peak <= -0.95


def test_the_audio_mp3_is_normalised_and_tagged(published):
    project, _, runs = published
    mp3 = store(project) / runs["first"]["renditions"]["audio"]["url"].removeprefix("http://127.0.0.1:8000/")
    loudness = loudness_of(mp3)
    assert abs(loudness.integrated - -16.0) <= 1.0 and loudness.true_peak <= -0.95
    tags = ffprobe_tags(mp3)
    assert (tags["title"], tags["album"]) == (TITLE, "Endring til frokost")
    assert tags["date"].startswith("2017-12-01")


def test_media_then_manifest_then_feed_and_pages(published):
    _, _, runs = published
    uploaded = runs["first"]["uploaded"]
    manifest = uploaded.index(f"_manifests/{SHOW}/{runs['first']['guid']}.json")
    media = [i for i, key in enumerate(uploaded) if re.search(r"-[0-9a-f]{8}\.(mp4|jpg|mp3|vtt|pdf|png)$", key)]
    pages = [i for i, key in enumerate(uploaded) if key.endswith((".html", ".css", "feed.xml"))]
    assert len(media) == 8 and max(media) < manifest < min(pages)
    assert {uploaded[i] for i in pages} >= {f"{SHOW}/feed.xml", f"{SHOW}/index.html", f"{SHOW}/{SLUG}/index.html"}
    assert uploaded[-1] == f"{SHOW}/index.html"  # the archive's index last


def test_an_identical_re_run_uploads_nothing(published):
    project, _, runs = published
    first, second = runs["first"], runs["second"]
    assert second["uploaded"] == [] and second["reused_media"] is True
    assert (second["guid"], second["slug"], second["page_url"]) == (first["guid"], first["slug"], first["page_url"])
    assert second["renditions"] == first["renditions"] and second["media"] == first["media"]
    assert len(list((project / "episodes" / SHOW).glob("*.md"))) == 2  # this one and the hostile one


def test_the_feed_is_a_video_podcast_with_the_audio_as_alternate_enclosure(published):
    project, _, runs = published
    first = runs["first"]
    item = feed_items(project)[first["guid"]]
    enclosure = item.find("enclosure")
    assert (enclosure.get("url"), enclosure.get("length"), enclosure.get("type")) == (
        first["media"]["url"], str(first["media"]["bytes"]), "video/mp4")
    [alternate] = item.findall("podcast:alternateEnclosure", NS)
    audio = first["renditions"]["audio"]
    assert (alternate.get("type"), alternate.get("length"), alternate.get("title")) == (
        "audio/mpeg", str(audio["bytes"]), "Bare lyd")
    assert alternate.find("podcast:source", NS).get("uri") == audio["url"]
    [transcript] = item.findall("podcast:transcript", NS)
    assert (transcript.get("url"), transcript.get("type"), transcript.get("rel")) == (
        first["renditions"]["captions"]["url"], "text/vtt", "captions")
    assert item.findtext("link") == first["page_url"]
    assert item.findtext("pubDate") == "Fri, 01 Dec 2017 09:00:00 +0100"
    channel = etree.fromstring((store(project) / SHOW / "feed.xml").read_bytes()).find("channel")
    assert channel.findtext("podcast:medium", namespaces=NS) == "video"
    proc = run_publish(project, "check", "--show", SHOW)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_archive_lists_each_seminar_once_with_its_page(published):
    project, _, runs = published
    index = page_of(project, "")
    links = index.xpath("//ul[@class='cards']//h3/a/@href")
    assert links == [f"{HOSTILE_SLUG}/", f"{SLUG}/"]  # newest first, each once
    page = page_of(project, SLUG)
    assert page.xpath("//h1/text()") == [TITLE]
    [track] = page.xpath("//track")
    assert track.get("kind") == "captions" and track.get("src").endswith(".vtt")
    downloads = [a.text_content().split(" (")[0] for a in page.xpath("//ul[@class='downloads']//a")]
    assert downloads == ["Last ned video", "Last ned lyd", "Last ned Ruter-presentasjon", "Last ned Difi om endring"]
    speakers = [" ".join(li.text_content().split()) for li in page.xpath("//ul[@class='speakers']/li")]
    assert speakers == [f"{name} {role}" for name, role in SPEAKERS]
    assert jsonld(page)["@graph"][0]["startDate"] == "2017-12-01T09:00+01:00"


# --- markup in what the producer typed --------------------------------------------------------------

def test_markup_in_title_and_description_is_text_in_page_json_ld_and_feed(published):
    project, _, runs = published
    hostile = runs["hostile"]
    assert hostile["slug"] == HOSTILE_SLUG and hostile["title"] == " ".join(HOSTILE_TITLE.split())
    title = hostile["title"]
    page = page_of(project, HOSTILE_SLUG)
    assert page.xpath("//h1")[0].text_content() == title
    assert page.xpath("//title")[0].text_content().startswith(title)
    assert [s.get("type") for s in page.xpath("//script")] == ["application/ld+json"]  # no script of theirs
    assert not page.xpath("//img[@onerror] | //*[@onerror]")
    assert HOSTILE_DESCRIPTION in page.xpath("//div[@class='notes']")[0].text_content()
    assert page.xpath("//meta[@property='og:title']/@content") == [title]
    graph = jsonld(page)["@graph"]
    assert graph[0]["name"] == title and graph[1]["name"] == title
    assert graph[0]["description"].startswith("Før & etter: <script>")
    raw = (store(project) / SHOW / HOSTILE_SLUG / "index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in raw and "<img src=x" not in raw
    index = page_of(project, "")
    assert title in [a.text_content() for a in index.xpath("//h3/a")]
    item = feed_items(project)[hostile["guid"]]
    assert item.findtext("title") == title
    # The description is HTML to apps (RSS 2.0): the text as typed, escaped for HTML.
    assert item.findtext("description") == html.escape(HOSTILE_DESCRIPTION, quote=False)
    person = item.find("podcast:person", NS)
    assert person.text == "Ola <b>Nordmann</b>"


def test_srt_captions_are_published_as_webvtt(published):
    project, _, runs = published
    captions = runs["hostile"]["renditions"]["captions"]
    assert captions["type"] == "text/vtt" and captions["url"].endswith(".vtt")
    text = (store(project) / captions["url"].removeprefix("http://127.0.0.1:8000/")).read_text(encoding="utf-8")
    assert text.startswith("WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n<i>Velkommen</i> til frokostseminar &amp; spørsmål")
    assert "Hva er --&gt;  neste steg?" in text


# --- publishing again, and publish archive -------------------------------------------------------------

def test_republishing_keeps_address_and_guid_and_reuses_the_video(copy_of):
    project, m, runs = copy_of
    args = seminar_args(m)
    i = args.index(str(m["slides2"]))
    del args[i - 1:i + 1]  # one deck of the two
    args[args.index("2017-12-01")] = "2017-12-04"  # the date was wrong
    changed, _ = publish_json(project, *_without(args, "--notes"), "--description", "Ny beskrivelse.")
    first = runs["first"]
    assert (changed["guid"], changed["slug"], changed["page_url"]) == (first["guid"], first["slug"], first["page_url"])
    assert changed["media"] == first["media"] and "video" in changed["reused"]  # not encoded again
    assert not any(key.endswith(".mp4") for key in changed["uploaded"])
    assert "slides-2" not in changed["renditions"]
    assert sorted(p.name for p in (project / "episodes" / SHOW).glob(f"*{SLUG}.md")) == [f"2017-12-04-{SLUG}.md"]
    index = page_of(project, "")
    assert index.xpath("//ul[@class='cards']//h3/a/@href").count(f"{SLUG}/") == 1
    page = page_of(project, SLUG)
    assert "Ny beskrivelse." in page.xpath("//meta[@name='description']/@content")[0]
    assert len(feed_items(project)) == 2


def test_publish_archive_rebuilds_pages_from_the_records(copy_of):
    project, _, runs = copy_of
    (store(project) / SHOW / "index.html").unlink()
    (store(project) / SHOW / SLUG / "index.html").unlink()
    [record] = (project / "episodes" / SHOW).glob(f"*{SLUG}.md")
    record.write_text(record.read_text(encoding="utf-8") + "\nEtterord fra redaksjonen.\n", encoding="utf-8")
    proc = run_publish(project, "archive", "--json")
    assert proc.returncode == 0, proc.stderr
    [result] = json.loads(proc.stdout)
    assert result["show"] == SHOW and result["seminars"] == 2
    assert {f"{SHOW}/index.html", f"{SHOW}/{SLUG}/index.html", f"{SHOW}/feed.xml"} <= set(result["uploaded"])
    assert "Etterord fra redaksjonen." in page_of(project, SLUG).text_content()
    assert "Etterord fra redaksjonen." in etree.tostring(feed_items(project)[runs["first"]["guid"]]).decode()
    again = run_publish(project, "archive", "--json")
    assert json.loads(again.stdout)[0]["uploaded"] == []
    text = run_publish(project, "archive")
    assert text.returncode == 0 and text.stdout.startswith(f"{SHOW}: 2 seminar(s), 0 object(s) updated")


def test_without_captions_it_warns_and_a_video_browsers_cannot_play_is_encoded(published, tmp_path):
    _, m, _ = published
    project = tmp_path / "project"
    shutil.copytree(ROOT / "feeds", project / "feeds")
    result, stderr = publish_json(project, "seminar", str(m["yuv444"]), "--title", "Uten teksting",
                                  "--date", "2018-01-10", "--time", "09:00-10:00", "--poster-at", "00:00:01.5")
    assert result["copied_video"] is False and "captions" not in result["renditions"]
    assert "warning:" in stderr and "universell utforming" in stderr and "--captions" in stderr
    assert any("captions" in w for w in result["warnings"])
    mp4 = store(project) / result["media"]["url"].removeprefix("http://127.0.0.1:8000/")
    video = json.loads(subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_streams",
                                       "-print_format", "json", str(mp4)], capture_output=True, text=True,
                                      check=True).stdout)["streams"][0]
    assert (video["codec_name"], video["pix_fmt"]) == ("h264", "yuv420p")
    page = page_of(project, "uten-teksting")
    assert not page.xpath("//track") and "ikke tekstet" in page.text_content()


def test_dry_run_changes_nothing(copy_of):
    project, m, _ = copy_of
    before = snapshot(store(project)), snapshot(project / "episodes")
    result, _ = publish_json(project, *seminar_args(m, "--dry-run"), "--title", "Et annet seminar")
    assert result["dry_run"] is True and result["uploaded"] == [] and result["record"] is None
    assert result["loudness"]["before"] is not None
    assert (snapshot(store(project)), snapshot(project / "episodes")) == before


# --- bad input: one line, nothing changed -----------------------------------------------------------

def _require_captions(project: Path) -> None:
    path = project / "feeds" / f"{SHOW}.toml"
    path.write_text(path.read_text().replace("require_captions = false", "require_captions = true"))


def _without(args: list[str], option: str) -> list[str]:
    i = args.index(option)
    return args[:i] + args[i + 2:]


BAD = {  # case: (arguments from the media, names, says, setup)
    "video without audio": (lambda m: seminar_args(m)[:1] + [str(m["no_audio"])] + seminar_args(m)[2:],
                            "uten-lyd.mp4", "without an audio stream", None),
    "audio file as video": (lambda m: seminar_args(m)[:1] + [str(m["audio"])] + seminar_args(m)[2:],
                            "lyd.mp3", "no video stream", None),
    "slides not a PDF": (lambda m: seminar_args(m, "--slides", str(m["fake_pdf"])), "lysbilder.pdf", "not a PDF", None),
    "captions neither VTT nor SRT": (lambda m: [*_without(seminar_args(m), "--captions"), "--captions",
                                                str(m["not_captions"])], "teksting.txt", "neither WebVTT nor SRT", None),
    "date not a date": (lambda m: [*_without(seminar_args(m), "--date"), "--date", "01.12.2017"], "--date",
                        "YYYY-MM-DD", None),
    "time 9-10": (lambda m: [*_without(seminar_args(m), "--time"), "--time", "9-10"], "--time", "09:00-10:00", None),
    "time ends before it starts": (lambda m: [*_without(seminar_args(m), "--time"), "--time", "10:00-09:00"],
                                   "--time", "ends before it starts", None),
    "poster past the end": (lambda m: seminar_args(m, "--poster-at", "00:10:00"), "--poster-at", "past the end", None),
    "captions required": (lambda m: _without(seminar_args(m), "--captions"), "opptak.mp4", "require_captions = true",
                          _require_captions),
    "a podcast is not a seminar series": (lambda m: seminar_args(m, "--show", "endringspodden"), "--show",
                                          "not a seminar series", None),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_input_is_refused_in_one_line_and_changes_nothing(case, copy_of):
    project, m, _ = copy_of
    make_args, names, says, setup = BAD[case]
    if setup:
        setup(project)
    sources = {name: sha256(path) for name, path in m.items()}
    before = snapshot(store(project)), snapshot(project / "episodes")
    proc = run_publish(project, *make_args(m))
    assert proc.returncode != 0
    lines = [line for line in proc.stderr.splitlines() if line.strip() and not line.startswith("•")]
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert lines[0].startswith("error: ") and names in lines[0] and says in lines[0], lines[0]
    assert (snapshot(store(project)), snapshot(project / "episodes")) == before
    assert {name: sha256(path) for name, path in m.items()} == sources


# --- pure ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, stored", [
    ("09:00-10:00", "09:00-10:00"), ("09.00-10.00", "09:00-10:00"), ("08.30 – 10.00", "08:30-10:00"),
    (" 13:15-15:45 ", "13:15-15:45"), ("09:00-10.00", "09:00-10:00"),
])
def test_times_accepted(text, stored):
    assert parse_time_range(text) == stored


@pytest.mark.parametrize("text", ["9-10", "9:00-10:00", "09:00", "0900-1000", "09:00-24:00", "09:60-10:00",
                                  "10:00-09:00", "09:00-09:00", "09:00 til 10:00", "kl. 09.00-10.00", ""])
def test_times_refused(text):
    with pytest.raises(InputError) as e:
        parse_time_range(text)
    assert e.value.where == "--time"


def test_poster_offsets():
    assert [parse_offset(t) for t in ("00:01:30", "01:30", "90", "1:00:00.5", "0")] == [90, 90, 90, 3600.5, 0]
    for bad in ("1:2:3:4", "abc", "00:61:00", "-5"):
        with pytest.raises(InputError):
            parse_offset(bad)


def test_retracting_a_seminar_updates_its_page_and_the_archive(copy_of):
    project, m, runs = copy_of
    proc = run_publish(project, "retract", SLUG, "--show", SHOW, "--json")
    assert proc.returncode == 0, proc.stderr
    uploaded = json.loads(proc.stdout)["uploaded"]
    assert {f"{SHOW}/feed.xml", f"{SHOW}/index.html", f"{SHOW}/{SLUG}/index.html"} <= set(uploaded)
    assert runs["first"]["guid"] not in feed_items(project)
    assert page_of(project, "").xpath("//ul[@class='cards']//h3/a/@href") == [f"{HOSTILE_SLUG}/"]
    page = page_of(project, SLUG)
    assert not page.xpath("//video") and "trukket tilbake" in page.text_content()
    again = run_publish(project, *seminar_args(m))  # its address and GUID stay reserved
    assert again.returncode != 0 and "retracted" in again.stderr
