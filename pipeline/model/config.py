"""Site and show configuration (``feeds/*.toml``), validated as a whole before any work starts."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.model.errors import ConfigError

SHOW_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# ISO 639-1 codes plus the region-qualified forms apps accept (RSS 2.0 language, RFC 5646 subset).
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")


@dataclass(frozen=True)
class Loudness:
    """A loudness target. Levelling evens out speakers before the gain; 'none' turns it off."""

    integrated: float = -16.0
    true_peak: float = -1.0
    levelling: str = "dynaudnorm"  # dynaudnorm | speechnorm | none
    tolerance: float = 1.0  # refuse to publish when the delivered file misses by more than this (LU)


@dataclass(frozen=True)
class Site:
    root: Path  # the project folder holding feeds/ and episodes/
    storage: str  # file://public or s3://bucket/prefix
    base_url: str  # public URL of the store's root, ending without '/'
    website: str  # the organisation's web site (RSS <link> fallback)

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
    require_captions: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def feed_key(self) -> str:
        return f"{self.id}/feed.xml"


DEFAULT_SITE = {"storage": "file://public", "base_url": "http://127.0.0.1:8000", "website": "https://www.dfo.no"}


def find_root(start: Path | None = None) -> Path:
    """The project folder: the nearest parent holding feeds/site.toml (or the start folder)."""
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
    path = root / "feeds" / "site.toml"
    data = dict(DEFAULT_SITE)
    if path.is_file():
        data.update(_read_toml(path))
    problems = []
    storage = str(data["storage"])
    if not (storage.startswith("file://") or storage.startswith("s3://")):
        problems.append(f"Config value 'storage' in {path}: must start with file:// or s3://, got {storage!r}")
    base_url = str(data["base_url"]).rstrip("/")
    if not re.match(r"^https?://", base_url):
        problems.append(f"Config value 'base_url' in {path}: must be an http(s) URL, got {base_url!r}")
    if problems:
        raise ConfigError(problems)
    return Site(root=root, storage=storage, base_url=base_url, website=str(data.get("website", "")))


def show_ids(site: Site) -> list[str]:
    return sorted(p.stem for p in site.feeds_dir.glob("*.toml") if p.name != "site.toml")


def load_show(site: Site, show_id: str) -> Show:
    path = site.feeds_dir / f"{show_id}.toml"
    if not SHOW_ID.match(show_id) or not path.is_file():
        known = ", ".join(show_ids(site)) or "none"
        raise ConfigError([f"unknown show {show_id!r}; the shows in {site.feeds_dir} are: {known}"])
    return parse_show(show_id, _read_toml(path), path)


def parse_show(show_id: str, data: dict, path: Path) -> Show:
    """Build a Show, collecting every problem as ``Config value '<key>' in <file>: ...``."""
    problems: list[str] = []

    def need(key: str) -> str:
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            problems.append(f"Config value '{key}' in {path}: required text is missing")
            return ""
        return value.strip()

    title, description, author = need("title"), need("description"), need("author")
    owner = data.get("owner") or {}
    owner_name = owner.get("name") or author
    owner_email = owner.get("email", "")
    if not EMAIL.match(owner_email or ""):
        problems.append(f"Config value 'owner.email' in {path}: an e-mail address is required (Apple shows it to no one but uses it to verify ownership)")
    language = data.get("language", "no")
    if not isinstance(language, str) or not LANGUAGE.match(language):
        problems.append(f"Config value 'language' in {path}: {language!r} is not a language code such as 'no' or 'nb'")
    category = data.get("category", "")
    if not category:
        problems.append(f"Config value 'category' in {path}: required (an Apple Podcasts category, e.g. 'Government')")
    explicit = data.get("explicit", False)
    if not isinstance(explicit, bool):
        problems.append(f"Config value 'explicit' in {path}: must be true or false")
    artwork = path.parent / str(data.get("artwork", f"{show_id}.jpg"))
    if not artwork.is_file():
        problems.append(f"Config value 'artwork' in {path}: {artwork} does not exist")
    link = data.get("link", "")
    if not re.match(r"^https?://", str(link)):
        problems.append(f"Config value 'link' in {path}: the show's web page (an http(s) URL) is required")
    kind = data.get("kind", "podcast")
    if kind not in ("podcast", "seminar"):
        problems.append(f"Config value 'kind' in {path}: must be 'podcast' or 'seminar'")
    show_type = data.get("type", "episodic")
    if show_type not in ("episodic", "serial"):
        problems.append(f"Config value 'type' in {path}: must be 'episodic' or 'serial'")
    ld = data.get("loudness", {}) or {}
    loudness = Loudness()
    try:
        loudness = Loudness(
            integrated=float(ld.get("integrated", -16.0)),
            true_peak=float(ld.get("true_peak", -1.0)),
            levelling=str(ld.get("levelling", "dynaudnorm")),
            tolerance=float(ld.get("tolerance", 1.0)),
        )
    except (TypeError, ValueError) as e:
        problems.append(f"Config value 'loudness' in {path}: {e}")
    if not -40 <= loudness.integrated <= -5:
        problems.append(f"Config value 'loudness.integrated' in {path}: {loudness.integrated} LUFS is outside -40..-5")
    if not -9 <= loudness.true_peak <= 0:
        problems.append(f"Config value 'loudness.true_peak' in {path}: {loudness.true_peak} dBTP is outside -9..0")
    if loudness.levelling not in ("dynaudnorm", "speechnorm", "none"):
        problems.append(f"Config value 'loudness.levelling' in {path}: must be dynaudnorm, speechnorm or none")
    if problems:
        raise ConfigError(problems)
    known = {"title", "description", "author", "owner", "language", "category", "subcategory", "explicit",
             "artwork", "link", "kind", "type", "loudness", "copyright", "organiser", "default_place",
             "require_captions"}
    return Show(
        id=show_id, title=title, description=description, author=author,
        owner_name=owner_name, owner_email=owner_email, language=language,
        category=category, subcategory=data.get("subcategory"), explicit=explicit,
        artwork=artwork, link=link, kind=kind, show_type=show_type, loudness=loudness,
        copyright=data.get("copyright"), organiser=data.get("organiser"),
        default_place=data.get("default_place"), require_captions=bool(data.get("require_captions", False)),
        extra={k: v for k, v in data.items() if k not in known},
    )
