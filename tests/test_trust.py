"""A corpus of hostile input, driven as a producer drives the CLI: recordings, options, configuration, records,
manifests, store faults, and metadata that is valid but hostile.

For bad input, each case checks: the exit code the README's table promises, exactly one ``error:`` line naming
the file, option or key, no traceback, the source untouched, and the store, ``episodes/`` and ``feeds/``
unchanged. For valid hostile input: the publish succeeds, every feed in the store is well-formed as libxml2
parses it by default (what most apps use), every enclosure is in the store with the feed's length, and every
HTML field decodes to HTML without markup the producer typed.
"""

from __future__ import annotations

import shutil
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from lxml import etree
from lxml import html as lxml_html

from conftest import ffmpeg, run_publish, sha256, snapshot
from projects import clips  # noqa: F401  (session fixture: short recordings)

SHOW = "endringspodden"


@dataclass
class Context:
    project: Path
    media: dict[str, Path]
    clips: dict[str, Path]
    tmp: Path

    def file(self, name: str, data: bytes | str) -> str:
        path = self.tmp / name
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        return str(path)

    def show_file(self, show: str = SHOW) -> Path:
        return self.project / "feeds" / f"{show}.toml"

    def record(self) -> Path:
        return next((self.project / "episodes" / SHOW).glob("*.md"))

    def manifest(self) -> Path:
        return next((self.project / "public" / "_manifests" / SHOW).glob("*.json"))


@dataclass
class Bad:
    """A command that must be refused."""

    args: Callable[[Context], list[str]]
    exit: int
    names: str  # what the one error line must name
    says: str = ""  # and say
    setup: Callable[[Context], None] | None = None
    published: bool = False  # run in a project holding one published episode


def episode(ctx: Context, *extra: str, source: str | None = None) -> list[str]:
    return ["episode", source or str(ctx.clips["a"]), "--show", SHOW, "--title", "Endring", "--date", "2024-01-15",
            *extra]


def seminar(ctx: Context, *extra: str, source: str | None = None) -> list[str]:
    return ["seminar", source or str(ctx.media["seminar_clip"]), "--title", "Frokostseminar", "--date",
            "2024-01-12", "--time", "09:00-10:00", *extra]


def png_claiming(width: int, height: int) -> bytes:
    """A small PNG whose header claims ``width`` x ``height``: a decompression bomb to Pillow."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) \
        + chunk(b"IEND", b"")


def set_value(ctx: Context, line: str, show: str = SHOW) -> None:
    path = ctx.show_file(show)
    head, sep, tail = path.read_text().partition("\n[")
    path.write_text(f"{head}\n{line}\n{sep}{tail}" if sep else f"{path.read_text()}\n{line}\n")


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def remove_line(path: Path, startswith: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(line for line in lines if not line.startswith(startswith)), encoding="utf-8")


def edit_show(ctx: Context, old: str, new: str, show: str = SHOW) -> None:
    replace_in(ctx.show_file(show), old, new)


def loudness_as_a_number(ctx: Context) -> None:
    path = ctx.show_file()
    path.write_text(path.read_text().partition("[loudness]")[0] + "loudness = -16\n")


def write_artwork(ctx: Context, data: bytes, suffix: str = ".png") -> None:
    (ctx.project / "feeds" / f"bomb{suffix}").write_bytes(data)
    edit_show(ctx, 'artwork = "endringspodden.jpg"', f'artwork = "bomb{suffix}"')


BAD: dict[str, Bad] = {
    # --- recordings ---------------------------------------------------------------------------------------
    "missing recording": Bad(lambda c: episode(c, source="/nowhere/opptak.wav"), 2, "opptak.wav", "not found"),
    "empty recording": Bad(lambda c: episode(c, source=str(c.media["empty"])), 2, "empty.wav", "empty"),
    "text named .mp3": Bad(lambda c: episode(c, source=str(c.media["text_as_mp3"])), 2, "notes.mp3"),
    "truncated wav": Bad(lambda c: episode(c, source=str(c.media["truncated"])), 2, "truncated.wav"),
    "video without audio": Bad(lambda c: episode(c, source=str(c.media["video_no_audio"])), 2, "video_no_audio.mp4"),
    "pure silence": Bad(lambda c: episode(c, source=str(c.media["silence"])), 2, "silence.wav", "silent"),
    "only a DC offset": Bad(lambda c: episode(c, source=str(c.media["dc_offset"])), 2, "dc_offset.wav", "silent"),
    "too short": Bad(lambda c: episode(c, source=str(c.media["too_short"])), 2, "too_short.wav"),
    "a folder as the recording": Bad(lambda c: episode(c, source=str(c.tmp)), 2, "-input", "not a file"),
    "dry run of a silent file": Bad(lambda c: episode(c, "--dry-run", source=str(c.media["silence"])), 2,
                                    "silence.wav", "silent"),
    "seminar from audio only": Bad(lambda c: seminar(c, source=str(c.clips["a"])), 2, "a.wav", "video"),
    "seminar recording missing": Bad(lambda c: seminar(c, source="/nowhere/seminar.mp4"), 2, "seminar.mp4"),
    # --- options ------------------------------------------------------------------------------------------
    "unknown show": Bad(lambda c: episode(c, "--show", "nyhetspodden"), 2, "nyhetspodden", "endringspodden"),
    "empty title": Bad(lambda c: [*episode(c)[:-4], "--title", "  ", "--date", "2024-01-15"], 2, "--title", "empty"),
    "500-character title": Bad(lambda c: episode(c, "--title", "x" * 500), 2, "--title", "500 characters"),
    "title with a control character": Bad(lambda c: episode(c, "--title", "Endring\x01"), 2, "--title", "control"),
    "title with a terminal escape": Bad(lambda c: episode(c, "--title", "\x1b[31mRødt\x1b[0m"), 2, "--title",
                                        "control"),
    "description with a bell": Bad(lambda c: episode(c, "--description", "Ding\x07"), 2, "--description", "control"),
    "person with a control character": Bad(lambda c: episode(c, "--person", "Kari\x08 | host"), 2, "--person",
                                           "control"),
    "date not a date": Bad(lambda c: episode(c, "--date", "24.11.2017"), 2, "--date", "YYYY-MM-DD"),
    "date in year 1": Bad(lambda c: episode(c, "--date", "0001-01-01"), 2, "--date"),
    "impossible date": Bad(lambda c: episode(c, "--date", "2017-02-30"), 2, "--date"),
    "season of a trillion": Bad(lambda c: episode(c, "--season", "1000000000000"), 2, "--season"),
    "episode number zero": Bad(lambda c: episode(c, "--number", "0"), 2, "--number"),
    "unknown episode type": Bad(lambda c: episode(c, "--type", "teaser"), 2, "--type"),
    "image not square": Bad(lambda c: episode(c, "--image", str(c.media["cover_wide"])), 2, "wide.jpg", "not square"),
    "image under 1400 px": Bad(lambda c: episode(c, "--image", str(c.media["cover_small"])), 2, "small.jpg", "1400"),
    "image a decompression bomb": Bad(lambda c: episode(c, "--image", c.file("bomb.png", png_claiming(40000, 40000))),
                                      2, "bomb.png", "40000"),
    "image not an image": Bad(lambda c: episode(c, "--image", c.file("cover.jpg", "tekst")), 2, "cover.jpg"),
    "chapters out of order": Bad(lambda c: episode(c, "--chapters", c.file("k.txt", "00:00:00 A\n00:00:02 B\n00:00:01 C\n")),
                                 2, "k.txt", "not after"),
    "chapters past the end": Bad(lambda c: episode(c, "--chapters", c.file("k.txt", "00:00:00 A\n00:10:00 B\n")),
                                 2, "k.txt", "past the end"),
    "chapters not UTF-8": Bad(lambda c: episode(c, "--chapters", c.file("k.txt", b"00:00:00 \xe6\xf8\xe5\n")),
                              2, "k.txt", "UTF-8"),
    "chapter title with a control character": Bad(
        lambda c: episode(c, "--chapters", c.file("k.txt", "00:00:00 Start\x1b[2J\n")), 2, "k.txt", "control"),
    "notes missing": Bad(lambda c: episode(c, "--notes", "/nowhere/notes.md"), 2, "notes.md", "not found"),
    "notes not UTF-8": Bad(lambda c: episode(c, "--notes", c.file("n.md", b"Bl\xe5b\xe6r\n")), 2, "n.md", "UTF-8"),
    "notes with a control character": Bad(lambda c: episode(c, "--notes", c.file("n.md", "Hei\x00 der\n")), 2,
                                          "n.md", "control"),
    "notes over the limit": Bad(lambda c: episode(c, "--notes", c.file("n.md", "Endring. " * 1_200_000)), 2,
                                "n.md", "at most"),
    "transcript of an unknown type": Bad(lambda c: episode(c, "--transcript", c.file("t.docx", "x")), 2, "t.docx"),
    "person without a name": Bad(lambda c: episode(c, "--person", " | host"), 2, "--person"),
    "seminar time backwards": Bad(lambda c: seminar(c, "--time", "10:00-09:00"), 2, "--time"),
    "seminar poster past the end": Bad(lambda c: seminar(c, "--poster-at", "01:00:00"), 2, "--poster-at"),
    "seminar captions not captions": Bad(lambda c: seminar(c, "--captions", c.file("c.vtt", "hei\n")), 2, "c.vtt"),
    "seminar slides not a PDF": Bad(lambda c: seminar(c, "--slides", c.file("s.pdf", "ikke pdf")), 2, "s.pdf"),
    "retract with a short prefix": Bad(lambda c: ["retract", "f05"], 2, "f05", "at least 4"),
    "retract unknown": Bad(lambda c: ["retract", "ffffffff-0000"], 2, "ffffffff-0000"),
    # --- configuration -----------------------------------------------------------------------------------
    "site.toml not TOML": Bad(lambda c: episode(c), 3, "site.toml",
                              setup=lambda c: (c.project / "feeds" / "site.toml").write_text("storage = \n")),
    "site storage scheme": Bad(lambda c: ["feed"], 3, "storage",
                               setup=lambda c: (c.project / "feeds" / "site.toml").write_text('storage = "ftp://x"\n')),
    "site unknown key": Bad(lambda c: ["feed"], 3, "base_ur", "base_url",
                            setup=lambda c: (c.project / "feeds" / "site.toml").write_text('base_ur = "http://x"\n')),
    "owner as text": Bad(lambda c: episode(c), 3, "owner",
                         setup=lambda c: edit_show(c, 'owner = { name = "Direktoratet for forvaltning og IKT (Difi)", '
                                                      'email = "postmottak@difi.no" }', 'owner = "Difi"')),
    "loudness as a number": Bad(lambda c: episode(c), 3, "loudness", setup=loudness_as_a_number),
    "negative tolerance": Bad(lambda c: episode(c), 3, "tolerance",
                              setup=lambda c: edit_show(c, "tolerance = 1.0", "tolerance = -1.0")),
    "loudness target out of range": Bad(lambda c: episode(c), 3, "loudness.integrated",
                                        setup=lambda c: edit_show(c, "integrated = -16.0", "integrated = 3.0")),
    "explicit as text": Bad(lambda c: episode(c), 3, "explicit",
                            setup=lambda c: edit_show(c, "explicit = false", 'explicit = "yes"')),
    "language as a number": Bad(lambda c: episode(c), 3, "language",
                                setup=lambda c: edit_show(c, 'language = "no"', "language = 5")),
    "misspelt show key": Bad(lambda c: episode(c), 3, "descripton", "description",
                             setup=lambda c: set_value(c, 'descripton = "x"')),
    "locked as text": Bad(lambda c: ["feed"], 3, "locked", setup=lambda c: set_value(c, 'locked = "ja"')),
    "artwork a decompression bomb": Bad(lambda c: episode(c), 3, "bomb.png",
                                        setup=lambda c: write_artwork(c, png_claiming(40000, 40000))),
    "artwork missing": Bad(lambda c: episode(c), 3, "artwork",
                           setup=lambda c: edit_show(c, 'artwork = "endringspodden.jpg"', 'artwork = "borte.jpg"')),
    # --- records under episodes/ ------------------------------------------------------------------------
    "record not UTF-8": Bad(lambda c: ["feed"], 3, ".md", "UTF-8", published=True,
                            setup=lambda c: c.record().write_bytes(c.record().read_bytes() + b"\n\xff\xfe\n")),
    "record not UTF-8, publishing": Bad(lambda c: episode(c, "--title", "Neste", source=str(c.clips["b"])), 3, ".md",
                                        "UTF-8", published=True,
                                        setup=lambda c: c.record().write_bytes(c.record().read_bytes() + b"\xff")),
    "record with an impossible date": Bad(lambda c: ["feed"], 3, ".md", "2017-02-30", published=True,
                                          setup=lambda c: replace_in(c.record(), "date: '2024-01-15'",
                                                                     "date: 2017-02-30")),
    "record with broken YAML": Bad(lambda c: ["feed"], 3, ".md", "line", published=True,
                                   setup=lambda c: replace_in(c.record(), "title: ", "title: [unclosed ")),
    "record without front matter": Bad(lambda c: ["feed"], 3, ".md", "front matter", published=True,
                                       setup=lambda c: c.record().write_text("Bare notater.\n")),
    "record without a GUID": Bad(lambda c: ["feed"], 3, ".md", "guid", published=True,
                                 setup=lambda c: remove_line(c.record(), "guid:")),
    "record with a title of a control character": Bad(lambda c: ["feed"], 3, ".md", "control", published=True,
                                                      setup=lambda c: replace_in(c.record(), "title: ",
                                                                                 'title: "\\x0b" #')),
    "two records, one GUID": Bad(lambda c: ["feed"], 3, "GUID", published=True,
                                 setup=lambda c: shutil.copy(c.record(), c.record().with_name("2024-01-16-kopi.md"))),
    # --- manifests in the store ------------------------------------------------------------------------
    "manifest cut short": Bad(lambda c: ["feed"], 3, "_manifests/endringspodden/", "JSON", published=True,
                              setup=lambda c: c.manifest().write_bytes(c.manifest().read_bytes()[:40])),
    "manifest cut short, publishing": Bad(lambda c: episode(c, "--title", "Neste", source=str(c.clips["b"])), 3,
                                          "_manifests/endringspodden/", "JSON", published=True,
                                          setup=lambda c: c.manifest().write_bytes(c.manifest().read_bytes()[:40])),
    "manifest a list": Bad(lambda c: ["feed"], 3, "_manifests/endringspodden/", published=True,
                           setup=lambda c: c.manifest().write_text("[]")),
    "manifest without media": Bad(lambda c: ["feed"], 3, "_manifests/endringspodden/", "missing", published=True,
                                  setup=lambda c: c.manifest().write_text('{"guid": "x", "show": "endringspodden"}')),
    # --- the store ------------------------------------------------------------------------------------------
    "store is a file": Bad(lambda c: episode(c), 5, "public",
                           setup=lambda c: (c.project / "public").write_text("ikke en mappe")),
    "feed in the store not XML": Bad(lambda c: ["check"], 6, "endringspodden/feed.xml", published=True,
                                     setup=lambda c: (c.project / "public" / SHOW / "feed.xml").write_text("<rss><")),
}


@pytest.fixture(scope="module")
def hostile_media(media, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hostile")
    found = dict(media)
    found["dc_offset"] = folder / "dc_offset.wav"
    ffmpeg("-f", "lavfi", "-i", "aevalsrc=0.5|0.5:s=44100:d=6", str(found["dc_offset"]))
    found["seminar_clip"] = folder / "seminar.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=s=320x180:d=4:r=10", "-i", str(media["mono_speech"]), "-t", "4",
           "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(found["seminar_clip"]))
    return found


@pytest.fixture(scope="module")
def published_project(tmp_path_factory, clips) -> Path:  # noqa: F811
    """A project folder holding one published episode, copied for each case that needs one."""
    from conftest import ROOT

    folder = tmp_path_factory.mktemp("published") / "project"
    shutil.copytree(ROOT / "feeds", folder / "feeds")
    (folder / "episodes").mkdir()
    proc = run_publish(folder, *["episode", str(clips["a"]), "--show", SHOW, "--title", "Endring", "--date",
                                 "2024-01-15"])
    assert proc.returncode == 0, proc.stderr
    return folder


def inputs(tmp_path: Path) -> Path:
    """A folder for the producer's files beside the project (``project`` is ``tmp_path`` itself)."""
    folder = tmp_path.parent / f"{tmp_path.name}-input"
    folder.mkdir()
    return folder


def everything(project: Path) -> dict[str, dict[str, str]]:
    return {name: snapshot(project / name) for name in ("public", "episodes", "feeds")}


def error_lines(stderr: str) -> list[str]:
    """The lines that are not progress (progress lines start with '•', warnings with 'warning:')."""
    return [line for line in stderr.splitlines() if line.strip() and not line.startswith(("•", "warning:"))]


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_input_is_refused_cleanly(case, project, hostile_media, clips, published_project, tmp_path):  # noqa: F811
    bad = BAD[case]
    if bad.published:
        shutil.rmtree(project)
        shutil.copytree(published_project, project)
    ctx = Context(project=project, media=hostile_media, clips=clips, tmp=inputs(tmp_path))
    args = bad.args(ctx)
    if bad.setup:
        bad.setup(ctx)
    sources = {name: sha256(path) for name, path in {**hostile_media, **clips}.items() if path.is_file()}
    before = everything(project)
    proc = run_publish(project, *args)
    lines = error_lines(proc.stderr)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert bad.names in lines[0] and bad.says in lines[0], lines[0]
    assert proc.returncode == bad.exit, (proc.returncode, lines[0])
    assert everything(project) == before
    assert {name: sha256(path) for name, path in {**hostile_media, **clips}.items() if path.is_file()} == sources


# --- valid but hostile: published, and every app can read what was published ---------------------------

@dataclass
class Hostile:
    args: Callable[[Context], list[str]]
    warns: str = ""  # a warning line must say this
    check: Callable[[Context, bytes], None] | None = None  # further checks of the feed
    no_stderr: tuple[str, ...] = field(default_factory=tuple)  # must not appear on stderr


def decoded_html(feed: bytes, xpath: str) -> list:
    """Each field at ``xpath`` (its text, entity-decoded by the XML parser) parsed as HTML, as an app does."""
    root = etree.fromstring(feed)
    ns = {"content": "http://purl.org/rss/1.0/modules/content/", "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd"}
    return [lxml_html.fragment_fromstring(el.text or "", create_parent="div") for el in root.xpath(xpath, namespaces=ns)]


def no_markup_from_the_producer(ctx: Context, feed: bytes) -> None:
    for xpath in ("//item/description", "//item/content:encoded", "//channel/description", "//item/itunes:summary"):
        for tree in decoded_html(feed, xpath):
            assert not tree.xpath("//script|//img[@onerror]|//iframe"), (xpath, lxml_html.tostring(tree))


def bullet_items_kept(ctx: Context, feed: bytes) -> None:
    (description,) = etree.fromstring(feed).xpath("//item/description")
    assert "Første punkt" in description.text and "Andre punkt" in description.text, description.text


def id3_comment_is_plain(ctx: Context, feed: bytes) -> None:
    from mutagen.id3 import ID3

    (mp3,) = (ctx.project / "public" / SHOW).rglob("*.mp3")
    comments = [frame.text[0] for frame in ID3(mp3).getall("COMM")]
    assert comments and all("#" not in c and "**" not in c for c in comments), comments
    assert "Overskrift" in comments[0] and "fet" in comments[0], comments


HOSTILE: dict[str, Hostile] = {
    "description with a script": Hostile(lambda c: episode(c, "--description", "<script>alert(1)</script> Hei"),
                                         check=no_markup_from_the_producer),
    "title with markup": Hostile(lambda c: episode(c, "--title", "Tid? <script>alert(1)</script>"),
                                 check=no_markup_from_the_producer),
    "notes with markup in a code span": Hostile(
        lambda c: episode(c, "--notes", c.file("n.md", "Se `<img src=x onerror=alert(1)>` og <script>x</script>.\n")),
        check=no_markup_from_the_producer),
    "recording named like an option": Hostile(lambda c: [*episode(c, source="--")[:1], *episode(c)[2:], "--",
                                                         named_like_an_option(c)]),
    "emoji in the title": Hostile(lambda c: episode(c, "--title", "Endring 🚀 på tvers"), no_stderr=("Glyph",)),
    "notes over the description limit": Hostile(lambda c: episode(c, "--notes", c.file("n.md", "Ord og setninger. " * 400)),
                                                warns="4000"),
    "notes with a bullet list": Hostile(lambda c: episode(c, "--notes", c.file("n.md", "Innhold:\n\n- Første punkt\n"
                                                                                       "- Andre punkt\n")),
                                        check=bullet_items_kept),
    "notes opening with a heading": Hostile(lambda c: episode(c, "--notes", c.file("n.md", "# Overskrift\n\n**fet** "
                                                                                           "tekst\n")),
                                            check=id3_comment_is_plain),
    "person without a role": Hostile(lambda c: episode(c, "--person", "Kari Nordmann"), warns="Kari Nordmann"),
}


def named_like_an_option(ctx: Context) -> str:
    """A recording in the project folder (the command's working folder) whose name starts with '-'."""
    shutil.copy(ctx.clips["a"], ctx.project / "-opptak.wav")
    return "-opptak.wav"


def check_feeds_as_apps_read_them(project: Path) -> bytes:
    """Every feed in the store parses with libxml2's default limits, and each enclosure is there, to the byte."""
    found = None
    for path in (project / "public").rglob("feed.xml"):
        feed = path.read_bytes()
        root = etree.fromstring(feed, etree.XMLParser())  # default limits: no huge_tree
        for enclosure in root.iter("enclosure"):
            key = enclosure.get("url").split("/", 3)[3]
            target = project / "public" / key
            assert target.is_file() and target.stat().st_size == int(enclosure.get("length")), key
        if path.parent.name == SHOW:
            found = feed
    assert found is not None, "no feed was written"
    return found


@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_hostile_but_valid_metadata_is_published_safely(case, project, hostile_media, clips, tmp_path):  # noqa: F811
    hostile = HOSTILE[case]
    ctx = Context(project=project, media=hostile_media, clips=clips, tmp=inputs(tmp_path))
    proc = run_publish(project, *hostile.args(ctx))
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    for text in hostile.no_stderr:
        assert text not in proc.stderr, proc.stderr
    if hostile.warns:
        warnings = [line for line in proc.stderr.splitlines() if line.startswith("warning:")]
        assert any(hostile.warns in line for line in warnings), proc.stderr
    feed = check_feeds_as_apps_read_them(project)
    if hostile.check:
        hostile.check(ctx, feed)


def test_the_corpus_is_large_enough():
    assert len(BAD) + len(HOSTILE) >= 60
