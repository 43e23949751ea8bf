"""``--chapters auto`` and ``--chapters FILE`` for seminars, on a recording made in the test from slides shown at
known times (large text on white, changing at 0, 6, 12 and 18 s) with espeak-ng speech.

Automatic chapters start within 1 s of each change and carry the slide's text: from a PDF of the same slides
(pdftotext), and by OCR (tesseract) without it. They become the page's chapter links and track, a WebVTT
chapters file, the audio-only MP3's ID3 chapters and the feed's podcast:chapters; a re-publish reuses them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import etree

from conftest import run_publish
from pipeline.inputs.chapters import chapters_vtt, parse_chapters
from pipeline.inputs.captions import parse_vtt
from pipeline.media.runner import ffmpeg_args, run
from pipeline.media.slides import held_changes, parse_showinfo
from pipeline.model.records import Chapter

ROOT = Path(__file__).resolve().parents[1]
SLIDES = ["Velkommen", "Budsjett og plan", "Nye tjenester", "Sporsmal og svar"]
CHANGES = [0, 6, 12, 18]
LENGTH = 24
TITLE = "Lysbilder som kapitler"
SLUG = "lysbilder-som-kapitler"
PODCAST = "https://podcastindex.org/namespace/1.0"

needs_tools = pytest.mark.skipif(not (shutil.which("tesseract") and shutil.which("pdftotext")
                                      and shutil.which("espeak-ng")),
                                 reason="tesseract-ocr, poppler-utils and espeak-ng are needed (scripts/setup)")


# --- pure parts ------------------------------------------------------------------------------

def test_showinfo_lines_give_the_times_of_the_frames():
    lines = ["[Parsed_showinfo_3 @ 0x1] n:   0 pts:  24 pts_time:6.25  duration:1 pos:1 fmt:yuv420p",
             "frame=  10 fps=0.0 q=-0.0 size=N/A time=00:00:02.50", "[Parsed_showinfo_3 @ 0x1] n:1 pts_time:12"]
    assert parse_showinfo(lines) == [6.25, 12.0]


def test_a_change_counts_only_when_the_slide_is_held():
    # 6.0 and 6.25: a transition of two frames; 9.5 a passing picture (gone after 1 s); 30 s long.
    assert held_changes([6.0, 6.25, 9.5, 10.5, 20.0], 30.0) == [0.0, 6.25, 10.5, 20.0]
    assert held_changes([], 5.0) == [0.0]


def test_chapters_as_webvtt_escape_their_titles():
    vtt = chapters_vtt((Chapter(0, "Intro"), Chapter(93.5, "<b>Tall</b> & fakta")), 120.0).decode()
    cues = parse_vtt(vtt)
    assert [(c.start, c.end) for c in cues] == [(0.0, 93.5), (93.5, 120.0)]
    assert "&lt;b&gt;Tall&lt;/b&gt; &amp; fakta" in vtt


# --- a recording of slides ----------------------------------------------------------------------

def write_pdf(path: Path, pages: list[str]) -> Path:
    """A PDF whose pages hold ``pages`` as text (Helvetica, ASCII), as a presentation program writes one."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>",
               "<< /Type /Pages /Kids [" + " ".join(f"{4 + 2 * n} 0 R" for n in range(len(pages)))
               + f"] /Count {len(pages)} >>",
               "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    for n, text in enumerate(pages):
        stream = f"BT /F1 48 Tf 60 300 Td ({text}) Tj ET"
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 842 595] /Resources << /Font << /F1 3 0 R >> >> "
                       f"/Contents {5 + 2 * n} 0 R >>")
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
    out, offsets = b"%PDF-1.4\n", []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(out)
    return path


def make_slides_recording(folder: Path) -> dict[str, Path]:
    from PIL import Image, ImageDraw, ImageFont

    folder.mkdir(parents=True, exist_ok=True)
    font = ImageFont.load_default(size=56)
    listing = []
    for n, text in enumerate(SLIDES):
        image = Image.new("RGB", (640, 360), "white")
        ImageDraw.Draw(image).text((40, 140), text, fill="black", font=font)
        image.save(folder / f"slide-{n}.png")
        end = CHANGES[n + 1] if n + 1 < len(CHANGES) else LENGTH
        listing += [f"file 'slide-{n}.png'", f"duration {end - CHANGES[n]}"]
    listing.append(f"file 'slide-{len(SLIDES) - 1}.png'")
    (folder / "slides.txt").write_text("\n".join(listing) + "\n")
    speech = folder / "tale.wav"
    subprocess.run(["espeak-ng", "-v", "nb", "-w", str(speech),
                    "Velkommen til seminaret. Vi snakker om budsjett, plan og nye tjenester."], check=True)
    video = folder / "lysbilder.mp4"
    run(ffmpeg_args("-f", "concat", "-safe", "0", "-i", folder / "slides.txt", "-i", speech,
                    "-filter_complex", f"[1:a]apad,atrim=0:{LENGTH},aformat=channel_layouts=stereo[a]",
                    "-map", "0:v", "-map", "[a]", "-r", "25", "-c:v", "libx264", "-preset", "ultrafast",
                    "-pix_fmt", "yuv420p", "-c:a", "aac", "-t", str(LENGTH), video))
    return {"video": video, "pdf": write_pdf(folder / "Lysbilder.pdf", SLIDES)}


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    return make_slides_recording(tmp_path_factory.mktemp("slides"))


def new_project(folder: Path) -> Path:
    shutil.copytree(ROOT / "feeds", folder / "feeds")
    (folder / "episodes").mkdir()
    return folder


def publish(project: Path, video: Path, *extra: str) -> dict:
    proc = run_publish(project, "seminar", str(video), "--title", TITLE, "--date", "2017-12-01",
                       "--time", "09:00-10:00", *extra, "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def record_chapters(project: Path) -> list[Chapter]:
    import yaml

    [record] = (project / "episodes" / "seminarer").glob("*.md")
    front = yaml.safe_load(record.read_text(encoding="utf-8").split("---")[1])
    return [Chapter(**c) for c in front["chapters"]]


def assert_found(chapters: list[Chapter]) -> None:
    assert len(chapters) == len(CHANGES), chapters
    for chapter, at, text in zip(chapters, CHANGES, SLIDES):
        assert abs(chapter.start - at) <= 1.0, (chapter, at)
        assert text.lower() in chapter.title.lower(), (chapter, text)


@needs_tools
def test_automatic_chapters_titled_from_the_pdf_everywhere_and_reused(recording, tmp_path):
    project = new_project(tmp_path / "project")
    publish(project, recording["video"], "--slides", str(recording["pdf"]), "--chapters", "auto")
    chapters = record_chapters(project)
    assert_found(chapters)
    public = project / "public" / "seminarer" / SLUG
    page = (public / "index.html").read_text(encoding="utf-8")
    assert 'kind="chapters"' in page and "#t=6\"" in page and "Nye tjenester" in page
    [vtt] = public.glob(f"{SLUG}-kapitler-*.vtt")
    assert [" ".join(c.lines) for c in parse_vtt(vtt.read_text(encoding="utf-8"))] == [c.title for c in chapters]
    feed = etree.fromstring((project / "public" / "seminarer" / "feed.xml").read_bytes())
    [url] = feed.xpath("//item/podcast:chapters/@url", namespaces={"podcast": PODCAST})
    assert url.endswith(".json") and "-kapitler-" in url
    from mutagen.id3 import ID3

    [mp3] = public.glob("*.mp3")
    assert [f.sub_frames["TIT2"].text[0] for f in sorted(ID3(mp3).getall("CHAP"), key=lambda f: f.start_time)] == [c.title for c in chapters]
    again = publish(project, recording["video"], "--slides", str(recording["pdf"]), "--chapters", "auto")
    assert again["uploaded"] == [] and record_chapters(project) == chapters


@needs_tools
def test_automatic_chapters_by_ocr_without_slides_and_given_chapters_win(recording, tmp_path):
    project = new_project(tmp_path / "project")
    publish(project, recording["video"], "--chapters", "auto")
    assert_found(record_chapters(project))
    given = tmp_path / "kapitler.txt"
    given.write_text("00:00:00 Åpning\n00:00:10 Midt i\n", encoding="utf-8")
    publish(project, recording["video"], "--chapters", str(given))
    assert record_chapters(project) == list(parse_chapters(given.read_text(encoding="utf-8"), "x"))
