"""Site and show configuration (``feeds/*.toml``), declared key by key and validated as a whole before any work.

``SITE_KEYS`` and ``SHOW_KEYS`` are the one description of every key: its type, default, the rule its value
must meet and what it means. From them come the parsing (every problem at once, each as
``Config value '<key>' in <file>: ...``, an unknown key with the nearest known one), the files that
``publish init`` writes, and the README's Configuration reference (``python -m pipeline.model.config README.md``).
"""

from __future__ import annotations

import difflib
import json
import re
import sys
import textwrap
import tomllib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.model.errors import ConfigError, UnknownShow

SHOW_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# ISO 639-1 codes plus the region-qualified forms apps accept (RSS 2.0 language, RFC 5646 subset).
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")
HTTP_URL = re.compile(r"^https?://")


# --- the declaration: types, rules, keys ---------------------------------------------------------------

@dataclass(frozen=True)
class Type:
    """A TOML type as the reference names it and as a problem describes it."""

    name: str  # in the reference: text, number, ...
    noun: str  # in a problem: "must be {noun}"
    accepts: Callable[[object], bool]


TEXT = Type("text", "text", lambda v: isinstance(v, str))
BOOL = Type("true/false", "true or false", lambda v: isinstance(v, bool))
# TOML's integers are numbers too; a bool is not, although Python counts it as an int.
NUMBER = Type("number", "a number", lambda v: isinstance(v, (int, float)) and not isinstance(v, bool))
TABLE = Type("table", "a table", lambda v: isinstance(v, dict))
LIST = Type("list of text", "a list of text", lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v))
BOOL_OR_REVIEWED = Type('true/false/"reviewed"', 'true, false or "reviewed"',
                        lambda v: isinstance(v, bool) or v == "reviewed")


@dataclass(frozen=True)
class Rule:
    """What a value must meet: ``text`` for the reference; ``problem(value, file)`` says what is wrong, or None."""

    text: str
    problem: Callable[[object, Path], str | None]


def one_of(*choices: str) -> Rule:
    said = " or ".join([", ".join(f"'{c}'" for c in choices[:-1]), f"'{choices[-1]}'"])
    return Rule(", ".join(f"`{c}`" for c in choices),
                lambda v, _file: None if v in choices else f"must be {said}, got {v!r}")


def between(low: float, high: float, unit: str) -> Rule:
    return Rule(f"{low} to {high} {unit}",
                lambda v, _file: None if low <= v <= high else f"{v} {unit} is outside {low}..{high}")


def matching(pattern: re.Pattern, text: str, problem: Callable[[object], str]) -> Rule:
    return Rule(text, lambda v, _file: None if pattern.match(v) else problem(v))


def _not_a_uuid(value: str, _file: Path) -> str | None:
    try:
        uuid.UUID(value)
    except ValueError:
        return f"{value!r} is not a UUID"
    return None


def _no_file_beside(value: str, file: Path) -> str | None:
    return None if (file.parent / value).is_file() else f"{file.parent / value} does not exist"


OWNER_EMAIL_MISSING = "an e-mail address is required (Apple shows it to no one but uses it to verify ownership)"
LINK_MISSING = "the show's web page (an http(s) URL) is required"
AN_HTTP_URL = Rule("an http(s) URL",
                   lambda v, _file: None if HTTP_URL.match(v) else f"must be an http(s) URL, got {v!r}")

HTTP_URLS = Rule("http(s) URLs", lambda v, _file: next(
    (f"must hold http(s) URLs, got {u!r}" for u in v if not HTTP_URL.match(u)), None))
PODCASTINDEX_PUBNOTIFY = "https://api.podcastindex.org/api/1.0/hub/pubnotify"
PODPING = "https://podping.cloud/"

A_STORE_URL = Rule("`file://FOLDER` or `s3://bucket/prefix`", lambda v, _file: (
    None if v.startswith(("file://", "s3://")) else f"must start with file:// or s3://, got {v!r}"))


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED = _Required()


@dataclass(frozen=True)
class Key:
    """One key of a configuration file; ``name`` is dotted for a key inside a table (``owner.email``)."""

    name: str
    type: Type
    default: object = None  # REQUIRED: must be given; None: may be left out
    help: str = ""
    rule: Rule | None = None
    missing: str = "required text is missing"  # the problem when a REQUIRED key is left out
    default_text: str | None = None  # the default as the reference says it, where other keys decide it


SITE_KEYS: tuple[Key, ...] = (
    Key("storage", TEXT, "file://public", rule=A_STORE_URL,
        help="Where published objects go: a local folder laid out exactly like the bucket (served by "
             "`publish serve`), or `s3://bucket/prefix` in production."),
    Key("base_url", TEXT, "http://127.0.0.1:8000", rule=AN_HTTP_URL,
        help="The public address of the store's root, as listeners reach it (e.g. `https://media.example.no`)."),
    Key("website", TEXT, "https://www.dfo.no", rule=AN_HTTP_URL,
        help="The organisation's web site: the archive pages link to it."),
    Key("speech", TABLE, help="Speech recognition: the machine drafts of captions and transcripts."),
    Key("speech.model", TEXT, ".models/whisper-base",
        help="A CTranslate2 Whisper model: a folder (relative to the project, or absolute), e.g. NB-Whisper "
             "converted as the README shows; or a Hugging Face name, downloaded on first use. "
             "`publish transcribe --model` overrides it."),
    Key("speech.language", TEXT, "no", rule=one_of("no", "nb", "nn", "en"),
        help="The language spoken: `no` (Bokmål), `nn` (Nynorsk), `en`. `--language` overrides it."),
    Key("notify", TABLE, help="Whom to tell when a feed has changed, so apps fetch a new episode within minutes "
                              "(`--no-notify` for trials). None is told by default."),
    Key("notify.websub_hubs", LIST, [], rule=HTTP_URLS,
        help="WebSub hubs (e.g. `https://pubsubhubbub.appspot.com/`): named in the feed (`atom:link rel=hub`) "
             "and sent `hub.mode=publish` for the feed's address."),
    Key("notify.podcastindex", BOOL, False, help="Tell Podcast Index (its pubnotify endpoint)."),
    Key("notify.podcastindex_url", TEXT, PODCASTINDEX_PUBNOTIFY, rule=AN_HTTP_URL,
        help="Podcast Index's pubnotify endpoint; `?url=<feed>` is added."),
    Key("notify.podping", BOOL, False,
        help="Tell Podping (podping.cloud), with the token in the environment variable `PODPING_TOKEN` "
             "(never in the repository)."),
    Key("notify.podping_url", TEXT, PODPING, rule=AN_HTTP_URL,
        help="Podping's endpoint; `?url=<feed>` is added."),
)

SHOW_KEYS: tuple[Key, ...] = (
    Key("kind", TEXT, "podcast", rule=one_of("podcast", "seminar"),
        help="`podcast`: audio episodes; `seminar`: a series of video recordings with archive pages."),
    Key("title", TEXT, REQUIRED, help="The show's name, as podcast apps list it."),
    Key("description", TEXT, REQUIRED, help="A few sentences about the show, for podcast apps."),
    Key("author", TEXT, REQUIRED, help="The organisation that publishes it, as podcast apps show it."),
    Key("owner", TABLE, help="Who owns the feed (`itunes:owner`)."),
    Key("owner.name", TEXT, default_text="`author`", help="The owner's name."),
    Key("owner.email", TEXT, REQUIRED, rule=matching(EMAIL, "an e-mail address", lambda v: OWNER_EMAIL_MISSING),
        missing=OWNER_EMAIL_MISSING,
        help="Apple shows it to no one but uses it to verify ownership; also the owner of `podcast:locked`."),
    Key("language", TEXT, "no", rule=matching(LANGUAGE, "a language code",
        lambda v: f"{v!r} is not a language code such as 'no' or 'nb'"),
        help="The show's language (RSS `<language>`): `no`, `nb`, `nn`, `en`..."),
    Key("category", TEXT, REQUIRED, missing="required (an Apple Podcasts category, e.g. 'Government')",
        help="An Apple Podcasts category, e.g. `Government` "
             "(https://podcasters.apple.com/support/1691-apple-podcasts-categories)."),
    Key("subcategory", TEXT, help="An Apple Podcasts subcategory of `category`."),
    Key("explicit", BOOL, False, help="Mark the show explicit (`itunes:explicit`)."),
    Key("type", TEXT, "episodic", rule=one_of("episodic", "serial"),
        help="`episodic`: apps show the newest first; `serial`: in order (`itunes:type`)."),
    Key("artwork", TEXT, default_text="`<show>.jpg`", rule=Rule("a file beside the show's file", _no_file_beside),
        help="Square JPEG or PNG, 1400-3000 px, beside this file."),
    Key("link", TEXT, REQUIRED, rule=matching(HTTP_URL, "an http(s) URL", lambda v: LINK_MISSING), missing=LINK_MISSING,
        help="The show's web page (RSS `<link>`)."),
    Key("copyright", TEXT, help="The copyright line of the feed and the pages."),
    Key("organiser", TEXT, default_text="`author`",
        help="Seminar series: the organiser the pages name."),
    Key("default_place", TEXT, help="Seminar series: where a seminar took place when `publish seminar` says nothing."),
    Key("require_captions", BOOL_OR_REVIEWED, False,
        help='Seminar series: `true` refuses a recording without captions (`false`: publish it with a '
             'warning); `"reviewed"` also refuses a machine draft until a person has corrected it.'),
    Key("new_feed_url", TEXT, rule=AN_HTTP_URL,
        help="When the show moves: the new feed's address (`itunes:new-feed-url`)."),
    Key("locked", BOOL, True,
        help="`podcast:locked`: `true` keeps other hosts from importing the show; `false` allows a move."),
    Key("medium", TEXT, default_text="`podcast` (`video` for a seminar series)",
        help="`podcast:medium`: `podcast`, `video`, `music`... (checked with the feed)."),
    Key("podcast_guid", TEXT, rule=Rule("a UUID", _not_a_uuid),
        help="The `podcast:guid` of a show brought from another host; otherwise assigned once, in the store."),
    Key("loudness", TABLE, help="The loudness target of the show's media."),
    Key("loudness.integrated", NUMBER, -16.0, rule=between(-40, -5, "LUFS"),
        help="Integrated loudness (LUFS): -16 for podcasts (Apple, Spotify, AES TD1004), -23 for EBU R128."),
    Key("loudness.true_peak", NUMBER, -1.0, rule=between(-9, 0, "dBTP"), help="The highest true peak (dBTP)."),
    Key("loudness.levelling", TEXT, "dynaudnorm", rule=one_of("dynaudnorm", "speechnorm", "none"),
        help="Evens out the speakers before the gain; `none` turns it off."),
    Key("loudness.tolerance", NUMBER, 1.0, rule=between(0.1, 5, "LU"),
        help="Refuse to publish when the delivered file misses the target by more than this (LU)."),
)


def default_of(name: str, keys: tuple[Key, ...] = SHOW_KEYS):
    return next(k.default for k in keys if k.name == name)


# --- what the rest of the pipeline uses ----------------------------------------------------------------

@dataclass(frozen=True)
class Loudness:
    """A loudness target. Levelling evens out speakers before the gain; 'none' turns it off."""

    integrated: float = default_of("loudness.integrated")
    true_peak: float = default_of("loudness.true_peak")
    levelling: str = default_of("loudness.levelling")  # dynaudnorm | speechnorm | none
    tolerance: float = default_of("loudness.tolerance")  # LU the delivered file may miss the target by


@dataclass(frozen=True)
class Notify:
    """Whom to tell when a feed has changed (``[notify]``); ``Notify()`` tells no one."""

    websub_hubs: tuple[str, ...] = ()
    podcastindex: bool = False
    podcastindex_url: str = PODCASTINDEX_PUBNOTIFY
    podping: bool = False
    podping_url: str = PODPING
    send: bool = True  # False: `--no-notify`, a trial: the feed names the hubs, no one is told yet

    @property
    def anyone(self) -> bool:
        return bool(self.websub_hubs or self.podcastindex or self.podping)


@dataclass(frozen=True)
class Site:
    root: Path  # the project folder holding feeds/ and episodes/
    storage: str  # file://public or s3://bucket/prefix
    base_url: str  # public URL of the store's root, ending without '/'
    website: str  # the organisation's web site (RSS <link> fallback)
    speech_model: str = str(default_of("speech.model", SITE_KEYS))  # a CTranslate2 Whisper model
    speech_language: str = str(default_of("speech.language", SITE_KEYS))
    notify: Notify = field(default_factory=Notify)

    @property
    def feeds_dir(self) -> Path:
        return self.root / "feeds"

    @property
    def episodes_dir(self) -> Path:
        return self.root / "episodes"

    def public_url(self, key: str) -> str:
        return f"{self.base_url}/{key}"


@dataclass(frozen=True)
class Show:
    id: str
    title: str
    description: str
    author: str
    owner_name: str
    owner_email: str
    language: str
    category: str
    subcategory: str | None
    explicit: bool
    artwork: Path  # file under feeds/
    link: str  # the show's web page (RSS <link>)
    kind: str = "podcast"  # podcast | seminar
    show_type: str = "episodic"
    loudness: Loudness = field(default_factory=Loudness)
    copyright: str | None = None
    # Seminar series only.
    organiser: str | None = None
    default_place: str | None = None
    require_captions: bool | str = False  # true, false or "reviewed"
    # Podcasting 2.0 and moving a show.
    new_feed_url: str | None = None
    locked: bool = True
    medium: str | None = None  # None: 'podcast', or 'video' for a seminar series
    podcast_guid: str | None = None  # None: the one recorded in the store

    @property
    def feed_key(self) -> str:
        return f"{self.id}/feed.xml"


# --- reading a file against its declaration ------------------------------------------------------------

def _shown(value: object) -> str:
    """A TOML value as a problem quotes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return repr(value) if isinstance(value, str) else str(value)


def _unknown(keys: tuple[Key, ...], table: str, data: dict) -> list[tuple[str, str]]:
    """(dotted name, problem) for each key of ``data`` (the table named ``table``) that no Key declares."""
    prefix = f"{table}." if table else ""
    here = [k.name[len(prefix):] for k in keys if k.name.startswith(prefix) and "." not in k.name[len(prefix):]]
    found = []
    for name in data:
        if name in here:
            continue
        near = [prefix + n for n in difflib.get_close_matches(name, here, n=1)]
        # A key put in the wrong table, such as `email` at the top instead of inside [owner].
        near = near or [k.name for k in keys if k.name.rpartition(".")[2] == name]
        hint = f"; did you mean '{near[0]}'?" if near else " (the README's Configuration reference lists every key)"
        found.append((prefix + name, f"unknown key{hint}"))
    return found


def _check(keys: tuple[Key, ...], key: Key, value: object, file: Path) -> tuple[object, str | None]:
    """The value as the pipeline uses it, and what is wrong with it (None when nothing)."""
    if not key.type.accepts(value):
        children = ", ".join(k.name for k in keys if k.name.startswith(f"{key.name}."))
        return None, f"must be {key.type.noun}{f' ({children})' if children else ''}, got {_shown(value)}"
    if key.type is NUMBER:
        value = float(value)
    return value, key.rule.problem(value, file) if key.rule else None


def read_values(keys: tuple[Key, ...], data: dict, file: Path, defaults: dict[str, object] | None = None
                ) -> dict[str, object]:
    """Every declared key's value by dotted name: as given, else its default (``defaults`` first).

    Raises one ConfigError with every problem of the file: wrong types, broken rules, missing and unknown keys.
    A table of the wrong type is reported once, not again for each key inside it.
    """
    problems = _unknown(keys, "", data)
    tables: dict[str, dict | None] = {"": data}
    values: dict[str, object] = {}
    for key in keys:
        parent, _, leaf = key.name.rpartition(".")
        table = tables.get(parent)
        value = table.get(leaf) if table is not None else None
        if isinstance(value, str) and not value.strip():
            value = None  # blank text is as good as none
        if value is None:
            value = (defaults or {}).get(key.name, key.default)
            if value is REQUIRED:
                if table is not None:
                    problems.append((key.name, key.missing))
                value = None
        problem = None
        if value is not None:
            value, problem = _check(keys, key, value.strip() if isinstance(value, str) else value, file)
        if problem:
            problems.append((key.name, problem))
        elif key.type is TABLE and table is not None:
            value = {} if value is None else value  # a table left out: its keys take their defaults
            problems += _unknown(keys, key.name, value)
        if key.type is TABLE:
            tables[key.name] = value
        values[key.name] = None if problem else value
    if problems:
        raise ConfigError([f"Config value '{name}' in {file}: {text}" for name, text in problems])
    return values


# --- the two files ---------------------------------------------------------------------------------------

def find_root(start: Path | None = None) -> Path:
    """The project folder: the nearest parent holding feeds/site.toml (or the start folder, which
    ``load_site`` then refuses: ``publish init`` alone starts a project there)."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "feeds" / "site.toml").is_file():
            return folder
    return here


def _read_toml(path: Path) -> dict:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError([f"{path}: file not found"]) from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError([f"{path}: not valid TOML: {e}"]) from None


def load_site(root: Path) -> Site:
    """``feeds/site.toml`` under ``root``: what makes ``root`` a project folder. Without it, a ConfigError:
    a command run in the wrong folder must not go on with defaults (an empty ``./public``, no shows)."""
    path = root / "feeds" / "site.toml"
    if not path.is_file():
        raise ConfigError([f"{root}: not a project folder: it has no feeds/site.toml (publish looks in the current "
                           "folder and the folders above it); run publish in a project folder, give one with "
                           "--root, or start one here with `publish init SHOW`"])
    values = read_values(SITE_KEYS, _read_toml(path), path)
    return Site(root=root, storage=values["storage"], base_url=values["base_url"].rstrip("/"),
                website=values["website"], speech_model=values["speech.model"],
                speech_language=values["speech.language"],
                notify=Notify(websub_hubs=tuple(values["notify.websub_hubs"] or ()),
                              podcastindex=values["notify.podcastindex"],
                              podcastindex_url=values["notify.podcastindex_url"],
                              podping=values["notify.podping"], podping_url=values["notify.podping_url"]))


def show_ids(site: Site) -> list[str]:
    return sorted(p.stem for p in site.feeds_dir.glob("*.toml") if p.name != "site.toml")


def load_show(site: Site, show_id: str) -> Show:
    path = site.feeds_dir / f"{show_id}.toml"
    if not SHOW_ID.match(show_id) or not path.is_file():
        known = ", ".join(show_ids(site)) or "none"
        raise UnknownShow(f"unknown show {show_id!r}; the shows in {site.feeds_dir} are: {known}")
    return parse_show(show_id, _read_toml(path), path)


def parse_show(show_id: str, data: dict, path: Path) -> Show:
    """Build a Show, collecting every problem as ``Config value '<key>' in <file>: ...``."""
    v = read_values(SHOW_KEYS, data, path, defaults={"artwork": f"{show_id}.jpg"})
    loudness = Loudness(**{name.removeprefix("loudness."): value for name, value in v.items()
                           if name.startswith("loudness.")})
    return Show(
        id=show_id, title=v["title"], description=v["description"], author=v["author"],
        owner_name=v["owner.name"] or v["author"], owner_email=v["owner.email"], language=v["language"],
        category=v["category"], subcategory=v["subcategory"], explicit=v["explicit"],
        artwork=path.parent / v["artwork"], link=v["link"], kind=v["kind"], show_type=v["type"], loudness=loudness,
        copyright=v["copyright"], organiser=v["organiser"], default_place=v["default_place"],
        require_captions=v["require_captions"], new_feed_url=v["new_feed_url"], locked=v["locked"],
        medium=v["medium"], podcast_guid=v["podcast_guid"],
    )


# --- writing and documenting them ------------------------------------------------------------------------

def toml_value(value: object) -> str:
    """A TOML value: JSON's string escapes are TOML basic-string escapes."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(float(value))
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def render_toml(keys: tuple[Key, ...], values: dict[str, object], heading: str = "") -> str:
    """TOML text of ``values`` (dotted names; None left out), each key under its help as a comment.

    Keys come in the declaration's order, the tables' after the top-level ones, as TOML requires.
    """
    lines = [f"# {line}" for line in heading.splitlines()] + ([""] if heading else [])
    tables = [k.name for k in keys if k.type is TABLE]
    for table in ["", *tables]:
        given = [k for k in keys if k.name.rpartition(".")[0] == table and values.get(k.name) is not None]
        if not given:
            continue
        lines += ["", f"[{table}]"] if table else []
        for key in given:
            lines += textwrap.wrap(key.help, 100, initial_indent="# ", subsequent_indent="# ",
                                   break_long_words=False, break_on_hyphens=False)
            lines.append(f"{key.name.rpartition('.')[2]} = {toml_value(values[key.name])}")
    return "\n".join(lines) + "\n"


REFERENCE_START = ("<!-- configuration reference: made from pipeline/model/config.py "
                   "by `python -m pipeline.model.config README.md` -->")
REFERENCE_END = "<!-- end of the configuration reference -->"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _default_cell(key: Key) -> str:
    if key.default is REQUIRED:
        return "required"
    if key.default is None:
        return key.default_text or ("" if key.type is TABLE else "none")
    return f"`{toml_value(key.default)}`"


def reference() -> str:
    """The README's Configuration reference: one Markdown table per file, made from the declarations."""
    parts = []
    for file, keys in (("feeds/site.toml", SITE_KEYS), ("feeds/<show>.toml", SHOW_KEYS)):
        rows = [f"`{file}`:", "", "| key | type | default | allowed | what it is |", "|---|---|---|---|---|"]
        rows += [f"| `{k.name}` | {k.type.name} | {_cell(_default_cell(k))} | {_cell(k.rule.text if k.rule else '')} "
                 f"| {_cell(k.help)} |" for k in keys]
        parts.append("\n".join(rows))
    return "\n\n".join(parts) + "\n"


def with_reference(text: str) -> str:
    """``text`` (the README) with the block between the reference markers made anew."""
    start, end = text.find(REFERENCE_START), text.find(REFERENCE_END)
    if start < 0 or end < start:
        raise ValueError(f"the README has no block between {REFERENCE_START!r} and {REFERENCE_END!r}")
    return f"{text[:start]}{REFERENCE_START}\n\n{reference()}\n{text[end:]}"


if __name__ == "__main__":
    # `python -m pipeline.model.config README.md` rewrites the reference in place; without a file it prints it.
    if len(sys.argv) > 1:
        readme = Path(sys.argv[1])
        readme.write_text(with_reference(readme.read_text(encoding="utf-8")), encoding="utf-8")
    else:
        sys.stdout.write(reference())
