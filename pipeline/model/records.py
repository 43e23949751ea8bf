"""Published items as content-as-code: ``episodes/<show>/<date>-<slug>.md``.

YAML front matter holds what the pipeline measured and assigned (GUID, media, loudness); the body
is the show notes in Markdown, which people may edit. The same data, as JSON, is the item's manifest
in the store (``_manifests/<show>/<guid>.json``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

from pipeline.model.errors import ConfigError
from pipeline.model.files import write_atomically


@dataclass(frozen=True)
class Media:
    """One object in the store: the enclosure, a poster, slides, captions, a chapters file..."""

    key: str
    url: str
    bytes: int
    sha256: str
    type: str
    duration: float | None = None  # seconds, for audio and video
    label: str | None = None  # what a person sees on a download link (e.g. the slides' title)
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class LoudnessStats:
    integrated: float  # LUFS
    true_peak: float  # dBTP
    lra: float  # LU


@dataclass(frozen=True)
class Chapter:
    start: float  # seconds
    title: str


@dataclass(frozen=True)
class Person:
    name: str
    role: str = "guest"


@dataclass(frozen=True)
class Item:
    """A published item: an episode of a podcast, or a seminar recording of a seminar series."""

    show: str
    guid: str
    slug: str
    title: str
    date: dt.date
    media: Media  # the enclosure: MP3 for podcasts, MP4 for seminars
    notes: str = ""  # Markdown
    description: str | None = None  # plain-text summary; derived from notes when absent
    season: int | None = None
    number: int | None = None
    episode_type: str = "full"  # full | trailer | bonus
    explicit: bool = False
    image: Media | None = None
    chapters: tuple[Chapter, ...] = ()
    persons: tuple[Person, ...] = ()
    # Further renditions by role: audio (seminar MP3), poster, captions, transcript, chapters, loudness, slides-N.
    renditions: dict[str, Media] = field(default_factory=dict)
    loudness_before: LoudnessStats | None = None
    loudness_after: LoudnessStats | None = None
    source: dict = field(default_factory=dict)  # name, sha256, settings fingerprint
    # Seminars only.
    time: str | None = None  # "09:00-10:00"
    place: str | None = None
    retracted: bool = False

    @property
    def record_name(self) -> str:
        return f"{self.date.isoformat()}-{self.slug}.md"

    def to_dict(self) -> dict:
        data = asdict(self)
        data["date"] = self.date.isoformat()
        data["chapters"] = [asdict(c) for c in self.chapters]
        data["persons"] = [asdict(p) for p in self.persons]
        return data

    @classmethod
    def from_dict(cls, data: dict, where: str = "record") -> "Item":
        try:
            d = dict(data)
            d["date"] = d["date"] if isinstance(d["date"], dt.date) else dt.date.fromisoformat(str(d["date"]))
            d["media"] = Media(**d["media"])
            d["image"] = Media(**d["image"]) if d.get("image") else None
            d["chapters"] = tuple(Chapter(**c) for c in d.get("chapters") or ())
            d["persons"] = tuple(Person(**p) for p in d.get("persons") or ())
            d["renditions"] = {k: Media(**v) for k, v in (d.get("renditions") or {}).items()}
            for key in ("loudness_before", "loudness_after"):
                d[key] = LoudnessStats(**d[key]) if d.get(key) else None
            d["source"] = d.get("source") or {}
            d["notes"] = d.get("notes") or ""
            return cls(**d)
        except KeyError as e:
            raise ConfigError([f"{where}: required key {e.args[0]!r} is missing"]) from None
        except (TypeError, ValueError) as e:
            raise ConfigError([f"{where}: {e}"]) from None

    def manifest_bytes(self) -> bytes:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2, sort_keys=True).encode()


def slugify(text: str) -> str:
    """A stable, readable ASCII slug: «Endring og æøå» -> 'endring-og-aeoa'."""
    text = text.lower().translate(str.maketrans({"æ": "ae", "ø": "o", "å": "a", "ß": "ss", "#": ""}))
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return slug[:60].rstrip("-") or "episode"


def manifest_key(show: str, guid: str) -> str:
    return f"_manifests/{show}/{guid}.json"


# --- reading and writing records -------------------------------------------------------------

# libyaml's safe loader when PyYAML was built with it (the wheels are): same documents, ten times faster,
# which a show of 1,000 records read twice per publish notices.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n?(.*)\Z", re.S)


def _prune(value):
    """Drop empty optional fields of media so records stay short enough for people to read and edit."""
    if isinstance(value, dict):
        return {k: _prune(v) for k, v in value.items() if not (v is None and k in _OPTIONAL_MEDIA)}
    return value


_OPTIONAL_MEDIA = {"label", "width", "height", "duration"}


def render_record(episode: Item) -> str:
    data = episode.to_dict()
    for key in ("media", "image"):
        data[key] = _prune(data[key]) if data[key] else data[key]
    data["renditions"] = {k: _prune(v) for k, v in data["renditions"].items()}
    notes = data.pop("notes")
    front = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
    return f"---\n{front}---\n\n{notes.strip()}\n"


def parse_record(text: str, where: str) -> Item:
    match = FRONT_MATTER.match(text)
    if not match:
        raise ConfigError([f"{where}: no YAML front matter (the file must start with a line '---')"])
    try:
        data = yaml.load(match.group(1), Loader=SAFE_LOADER) or {}
    except yaml.YAMLError as e:
        raise ConfigError([f"{where}: front matter is not valid YAML: {e}"]) from None
    if not isinstance(data, dict):
        raise ConfigError([f"{where}: front matter must be a mapping"])
    data["notes"] = match.group(2).strip()
    return Item.from_dict(data, where)


def write_record(episodes_dir: Path, episode: Item) -> Path:
    """Write atomically; a record under another name for the same GUID is replaced (the date may change)."""
    folder = episodes_dir / episode.show
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / episode.record_name
    write_atomically(path, render_record(episode))
    for other in folder.glob("*.md"):
        if other != path and _guid_of(other) == episode.guid:
            other.unlink()
    return path


def _guid_of(path: Path) -> str | None:
    match = re.search(r"^guid:\s*['\"]?([^'\"\s]+)", path.read_text(encoding="utf-8"), re.M)
    return match.group(1) if match else None


def load_records(episodes_dir: Path, show: str) -> list[Item]:
    """All records of a show, oldest first. Every broken record is reported at once."""
    folder = episodes_dir / show
    episodes, problems = [], []
    for path in sorted(folder.glob("*.md")):
        try:
            episodes.append(parse_record(path.read_text(encoding="utf-8"), str(path)))
        except ConfigError as e:
            problems.extend(e.problems)
    seen: dict[str, str] = {}
    for ep in episodes:
        if ep.guid in seen:
            problems.append(f"{folder}: GUID {ep.guid} is used by both {seen[ep.guid]} and {ep.record_name}")
        seen[ep.guid] = ep.record_name
    if problems:
        raise ConfigError(problems)
    return sorted(episodes, key=lambda e: (e.date, e.slug))


def find_record(episodes: list[Item], slug: str) -> Item | None:
    return next((e for e in episodes if e.slug == slug), None)


__all__ = ["Chapter", "Item", "LoudnessStats", "Media", "Person", "find_record", "load_records",
           "manifest_key", "parse_record", "render_record", "slugify", "write_record"]
