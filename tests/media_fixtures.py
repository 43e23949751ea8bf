"""Helpers for the feed, check and lifecycle tests: tiny tones made with lavfi, covers made with Pillow,
episodes built in code or published for real into a throwaway project, and the feed read back by XPath.

Import the fixtures you use into the test module (``from media_fixtures import tones``).
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from lxml import etree
from PIL import Image

from pipeline.model.config import Show, Site, load_show, load_site
from pipeline.render.podcastns import PODCAST_NS, PSC_NS
from pipeline.app.episode import EpisodeRequest, publish_episode
from pipeline.model.records import Chapter, Item, Media, Person

ROOT = Path(__file__).resolve().parents[1]
NS = {"itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd", "atom": "http://www.w3.org/2005/Atom",
      "content": "http://purl.org/rss/1.0/modules/content/", "podcast": PODCAST_NS, "psc": PSC_NS}
PAST = dt.date(2024, 3, 1)  # "today" for publishes in these tests: every episode is dated before it


def make_tone(path: Path, freq: int = 440, seconds: float = 4.0) -> Path:
    subprocess.run(["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-y", "-f", "lavfi",
                    "-i", f"sine=f={freq}:d={seconds}", "-ac", "2", "-ar", "44100", "-c:a", "libmp3lame",
                    "-b:a", "128k", str(path)], check=True)
    return path


@pytest.fixture(scope="session")
def tones(tmp_path_factory) -> dict[str, Path]:
    """Four-second tones, a different pitch each, so each publish gets media of its own."""
    d = tmp_path_factory.mktemp("tones")
    return {name: make_tone(d / f"{name}.mp3", freq) for name, freq in
            (("a", 330), ("b", 440), ("c", 550), ("d", 660), ("e", 770))}


def cover_bytes(size: int = 1400, mode: str = "RGB", fmt: str = "JPEG") -> bytes:
    out = io.BytesIO()
    colour = (0, 60, 90, 10) if mode == "CMYK" else (20, 80, 120)
    Image.new(mode, (size, size), colour).save(out, fmt, quality=60)
    return out.getvalue()


def new_project(tmp: Path, base_url: str | None = None) -> Path:
    """The real feeds/ and an empty episodes/ in ``tmp``; the store is ./public."""
    shutil.copytree(ROOT / "feeds", tmp / "feeds")
    (tmp / "episodes").mkdir()
    if base_url:
        site = tmp / "feeds" / "site.toml"
        site.write_text(site.read_text().replace("http://127.0.0.1:8000", base_url))
    return tmp


def set_show_value(project: Path, show: str, line: str) -> None:
    """Add a top-level ``key = value`` line to feeds/<show>.toml (before its first [table])."""
    path = project / "feeds" / f"{show}.toml"
    text = path.read_text()
    head, sep, tail = text.partition("\n[")
    path.write_text(f"{head}\n{line}\n{sep}{tail}" if sep else f"{text}\n{line}\n")


def publish(project: Path, source: Path, title: str, *, today: dt.date = PAST, **fields):
    """``publish_episode`` as the CLI calls it, in-process (no progress output)."""
    site = load_site(project)
    req = EpisodeRequest(source=source, show=fields.pop("show", "endringspodden"), title=title, **fields)
    return publish_episode(site, req, today=today)


def feed_bytes(project: Path, show: str = "endringspodden") -> bytes:
    return (project / "public" / show / "feed.xml").read_bytes()


def channel(data: bytes):
    return etree.fromstring(data).find("channel")


def items(data: bytes) -> dict[str, bytes]:
    """Each item of the feed, serialised, by GUID: equal bytes mean nothing about the item changed."""
    return {item.findtext("guid"): etree.tostring(item, method="c14n") for item in channel(data).findall("item")}


def enclosures(data: bytes) -> dict[str, tuple[str, str, str]]:
    return {item.findtext("guid"): tuple(item.find("enclosure").get(a) for a in ("url", "length", "type"))
            for item in channel(data).findall("item")}


# --- episodes in code, for the pure tests -------------------------------------------------------------

def site_and_show(root: Path = ROOT) -> tuple[Site, Show]:
    site = load_site(root)
    return site, load_show(site, "endringspodden")


def media(site: Site, key: str, type_: str, size: int = 1234, **extra) -> Media:
    return Media(key=key, url=site.public_url(key), bytes=size, sha256="0" * 64, type=type_, **extra)


def artwork(site: Site, name: str = "endringspodden/artwork-00000000.jpg") -> Media:
    return media(site, name, "image/jpeg")


def episode(site: Site, n: int = 1, *, date: dt.date = dt.date(2024, 1, 8), guid: str | None = None,
            **fields) -> Item:
    """An episode with everything the feed can say: numbers, persons, chapters, a VTT and a text transcript."""
    slug = f"episode-{n}"
    defaults = dict(
        show="endringspodden", guid=guid or f"00000000-0000-4000-8000-{n:012d}", slug=slug, title=f"Episode {n}",
        date=date, media=media(site, f"endringspodden/{date.year}/{slug}-{n:08x}.mp3", "audio/mpeg", 100000 + n,
                               duration=61.0),
        notes=f"Vi snakker om **endring** i episode {n}.\n\nAndre avsnitt.", season=2, number=n,
        persons=(Person("Kari Nordmann", "host"), Person("Ola Nordmann", "guest")),
        chapters=(Chapter(0.0, "Velkommen"), Chapter(8.5, "Samarbeid")),
        renditions={
            "chapters": media(site, f"endringspodden/{date.year}/{slug}-c{n:07x}.json", "application/json"),
            "transcript-vtt": media(site, f"endringspodden/{date.year}/{slug}-transcript-{n:08x}.vtt", "text/vtt"),
            "transcript-txt": media(site, f"endringspodden/{date.year}/{slug}-transcript-{n:08x}.txt", "text/plain"),
        },
    )
    defaults.update(fields)
    return Item(**defaults)


class Served:
    """A ThreadingHTTPServer running in a thread until ``close``."""

    def __init__(self, server):
        self.server = server
        self.port = server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
