"""Published items as content-as-code: ``episodes/<show>/<date>-<slug>.md``.

YAML front matter holds what the pipeline measured and assigned (GUID, media, loudness); the body
is the show notes in Markdown, which people may edit. The same data, as JSON, is the item's manifest
in the store (``_manifests/<show>/<guid>.json``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import re
import types
import typing
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

from pipeline.model.errors import ConfigError
from pipeline.model.files import write_atomically
from pipeline.model.text import forbidden


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
    def from_dict(cls, data: dict, where: str = "record", line_of: Callable[[str], int | None] | None = None) -> "Item":
        """The item ``data`` describes (a record's front matter, a manifest), or a ConfigError naming ``where``
        (and the line of the key concerned: ``line_of("media.bytes")``) for the first field missing, unknown,
        of the wrong type, or holding a character XML does not allow."""
        try:
            d = _arguments(cls, data, "")
            d["date"] = _date(d["date"])
            d["media"] = Media(**_arguments(Media, d["media"], "media"))
            d["image"] = Media(**_arguments(Media, d["image"], "image")) if d.get("image") else None
            d["chapters"] = tuple(Chapter(**_arguments(Chapter, c, "chapters")) for c in _list(d, "chapters"))
            d["persons"] = tuple(Person(**_arguments(Person, p, "persons")) for p in _list(d, "persons"))
            d["renditions"] = {k: Media(**_arguments(Media, v, f"renditions.{k}"))
                               for k, v in _mapping(d, "renditions").items()}
            for key in ("loudness_before", "loudness_after"):
                d[key] = LoudnessStats(**_arguments(LoudnessStats, d[key], key)) if d.get(key) else None
            d["source"] = _mapping(d, "source")
            d["notes"] = d.get("notes") or ""
            _xml_text(data, "")
        except _Bad as e:
            line = line_of(e.key) if line_of else None
            raise ConfigError([f"{where}{f', line {line}' if line else ''}: {e.key or 'the item'}: {e.message}"]) \
                from None
        return cls(**d)

    def manifest_bytes(self) -> bytes:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2, sort_keys=True).encode()



# --- reading an item's fields: every way a colleague's edit can break them, named ----------------------

class _Bad(Exception):
    """A field of an item that cannot be read: ``key`` (dotted: ``media.bytes``) and what is wrong."""

    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key, self.message = key, message


def _kind(value) -> str:
    names = {dict: "a mapping", list: "a list", str: "text", bool: "true/false", int: "a number",
             float: "a number", type(None): "empty"}
    return names.get(type(value), type(value).__name__)


def _accepts(hint, value) -> bool:
    """Whether ``value`` fits ``hint`` where the hint is a plain type (str, int, float, bool, dict, or one of
    them or None); other hints (dataclasses, dates, tuples) are checked where they are built."""
    options = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    for option in options:
        if option is type(None) and value is None:
            return True
        if option in (int, float) and isinstance(value, (int, float)) and not isinstance(value, bool):
            return option is float or isinstance(value, int)
        if option in (str, bool, dict) and isinstance(value, option):
            return True
        if option not in (str, int, float, bool, dict, type(None)):
            return True
    return False


@functools.cache
def _declared(cls) -> tuple[dict[str, dataclasses.Field], dict[str, object]]:
    """The fields of dataclass ``cls`` by name, and their types."""
    return {f.name: f for f in dataclasses.fields(cls)}, typing.get_type_hints(cls)


def _arguments(cls, value, key: str) -> dict:
    """``value`` as the keyword arguments of dataclass ``cls``: a mapping with every required key, no unknown
    one, and plain values of the declared type."""
    if not isinstance(value, dict):
        raise _Bad(key, f"must be a mapping of keys to values, not {_kind(value)}")
    fields, hints = _declared(cls)
    for name in value:
        if name not in fields:
            raise _Bad(f"{key}.{name}".lstrip("."), f"unknown key (known: {', '.join(fields)})")
    for name, f in fields.items():
        if name not in value and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise _Bad(f"{key}.{name}".lstrip("."), f"required key {name!r} is missing")
        if name in value and not _accepts(hints[name], value[name]):
            raise _Bad(f"{key}.{name}".lstrip("."), f"must be {_expected(hints[name])}, not {_kind(value[name])} "
                                                    f"({value[name]!r})")
    return dict(value)


def _expected(hint) -> str:
    options = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    names = {str: "text", int: "a whole number", float: "a number", bool: "true or false", dict: "a mapping"}
    return " or ".join(names[o] for o in options if o in names)


def _date(value) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(value if isinstance(value, str) else "")
    except ValueError as e:
        why = str(e) if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else "not YYYY-MM-DD"
        raise _Bad("date", f"{value!r} is not a date ({why})") from None


def _list(data: dict, key: str) -> list:
    value = data.get(key) or []
    if not isinstance(value, list):
        raise _Bad(key, f"must be a list, not {_kind(value)}")
    return value


def _mapping(data: dict, key: str) -> dict:
    value = data.get(key) or {}
    if not isinstance(value, dict):
        raise _Bad(key, f"must be a mapping of keys to values, not {_kind(value)}")
    return value


def _xml_text(value, key: str) -> None:
    """Every text in ``value`` (and in the mappings and lists in it) passes ``model.text``'s rule (no control
    characters: most of them a feed cannot hold), as people edit records by hand."""
    if isinstance(value, str):
        found = forbidden(value, multiline=True)
        if found:
            raise _Bad(key, f"holds {found[1]} at character {found[0] + 1}; remove it")
    elif isinstance(value, dict):
        for k, v in value.items():
            _xml_text(v, f"{key}.{k}".lstrip("."))
    elif isinstance(value, list):
        for v in value:
            _xml_text(v, key)


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


class RecordLoader(SAFE_LOADER):
    """The safe loader reading dates as text: ``Item.from_dict`` reads them, and names an impossible one
    (``date: 2017-02-30``) where the loader would fail inside YAML."""

    yaml_implicit_resolvers = {first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
                               for first, resolvers in SAFE_LOADER.yaml_implicit_resolvers.items()}


RECORD_FIX = "fix the record, or restore it from git"


def parse_record(text: str, where: str) -> Item:
    """The item a record describes, or a ConfigError naming the record, the line where known, and the fix."""
    match = FRONT_MATTER.match(text)
    if not match:
        raise ConfigError([f"{where}: no YAML front matter (the file must start with a line '---'); {RECORD_FIX}"])
    front = match.group(1)
    try:
        data = yaml.load(front, Loader=RecordLoader) or {}
    except yaml.YAMLError as e:
        raise ConfigError([f"{where}, {_yaml_problem(e, front)}; {RECORD_FIX}"]) from None
    except (ValueError, TypeError, RecursionError) as e:  # a value YAML's own types refuse (!!timestamp 2017-02-30)
        raise ConfigError([f"{where}: front matter is not valid YAML: {e}; {RECORD_FIX}"]) from None
    if not isinstance(data, dict):
        raise ConfigError([f"{where}: front matter must be a mapping of keys to values; {RECORD_FIX}"])
    data["notes"] = match.group(2).strip()
    try:
        item = Item.from_dict(data, where, lambda key: _line_of(front, key))
    except ConfigError as e:
        raise ConfigError([f"{problem}; {RECORD_FIX}" for problem in e.problems]) from None
    return item


def _line_of(front: str, key: str) -> int | None:
    """The record's line holding dotted ``key`` (``media.bytes``; the nearest enclosing key found).
    A front matter line is the record's line + 1: the record's first line is '---'."""
    node, line = yaml.compose(front, Loader=RecordLoader), None
    for part in key.split("."):
        if not isinstance(node, yaml.MappingNode):
            break
        found = next(((k, v) for k, v in node.value if k.value == part), None)
        if found is None:
            break
        line, node = found[0].start_mark.line + 2, found[1]
    return line


def _yaml_problem(e: yaml.YAMLError, front: str) -> str:
    """A YAML error as one line: where in the record (line and column) and what is wrong."""
    if isinstance(e, yaml.MarkedYAMLError) and e.problem_mark is not None:
        mark = e.problem_mark
        context = ""
        if e.context:
            since = f" at line {e.context_mark.line + 2}" if e.context_mark is not None else ""
            context = f" ({e.context}{since})"
        return f"line {mark.line + 2}, column {mark.column + 1}: front matter is not valid YAML: {e.problem}{context}"
    if isinstance(e, yaml.reader.ReaderError):
        char = e.character if isinstance(e.character, int) else ord(e.character or "\0")
        line = front[:e.position].count("\n") + 2
        return f"line {line}: front matter is not valid YAML: U+{char:04X}: {e.reason}"
    return "front matter is not valid YAML: " + " ".join(str(e).split())


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
    match = re.search(r"^guid:\s*['\"]?([^'\"\s]+)", path.read_text(encoding="utf-8", errors="replace"), re.M)
    return match.group(1) if match else None


def read_record(path: Path) -> Item:
    """The record at ``path``, or a ConfigError naming it (and the line where known) and the fix."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ConfigError([f"{path}: cannot be read ({e.strerror})"]) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        raise ConfigError([f"{path}, line {line}: not UTF-8 text (byte 0x{data[e.start]:02x}); save the record as "
                           "UTF-8, or restore it from git"]) from None
    return parse_record(text, str(path))


def load_records(episodes_dir: Path, show: str) -> list[Item]:
    """All records of a show, oldest first. Every broken record is reported at once."""
    folder = episodes_dir / show
    episodes, problems = [], []
    for path in sorted(folder.glob("*.md")):
        try:
            episodes.append(read_record(path))
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
           "manifest_key", "parse_record", "read_record", "render_record", "slugify", "write_record"]
