"""``publish init``: a new show's ``feeds/<show>.toml`` (and ``feeds/site.toml`` in a new project).

The draft is validated by the same ``parse_show`` that every later command uses, with the artwork
checked against Apple's rules on the spot, before anything is written: a scaffold that would not load
is never left behind. The artwork is copied into ``feeds/`` beside the file that names it.
"""

from __future__ import annotations

import shutil
import tempfile
import tomllib
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from pipeline.model.config import SHOW_ID, SHOW_KEYS, SITE_KEYS, default_of, parse_show, render_toml
from pipeline.model.errors import ConfigError, InputError
from pipeline.model.files import write_atomically
from pipeline.inputs.images import check_artwork

HEADING = ("Made by `publish init`; edit freely, `publish` checks it before every run.\n"
                "Every key is described in the README's Configuration reference.")


@dataclass
class ShowDraft:
    """What a producer says about a new show; everything else has its declared default."""

    title: str
    description: str
    author: str
    email: str
    link: str
    artwork: Path
    kind: str = default_of("kind")
    language: str = default_of("language")
    category: str = "Government"  # the suggestion of `publish init --help`; the show file requires one
    explicit: bool = default_of("explicit")
    loudness: float = default_of("loudness.integrated")
    true_peak: float = default_of("loudness.true_peak")
    copyright: str | None = None
    organiser: str | None = None  # seminar series
    default_place: str | None = None  # seminar series


@dataclass(frozen=True)
class Scaffold:
    config: Path
    artwork: Path
    site: Path | None  # feeds/site.toml when this run created it


def render_show(draft: ShowDraft, artwork_name: str) -> str:
    """Pure: the TOML text of a show, each key under its help from the declaration (``SHOW_KEYS``)."""
    values = {
        "kind": draft.kind, "title": draft.title, "description": draft.description, "author": draft.author,
        "owner.name": draft.author, "owner.email": draft.email, "language": draft.language,
        "category": draft.category, "explicit": draft.explicit, "type": default_of("type"),
        "artwork": artwork_name, "link": draft.link, "copyright": draft.copyright or f"© {draft.author}",
        "organiser": draft.organiser, "default_place": draft.default_place,
        "loudness.integrated": draft.loudness, "loudness.true_peak": draft.true_peak,
        "loudness.levelling": default_of("loudness.levelling"), "loudness.tolerance": default_of("loudness.tolerance"),
    }
    return render_toml(SHOW_KEYS, values, HEADING)


def render_site(website: str) -> str:
    """Pure: the TOML text of a new project's ``feeds/site.toml``: the declared defaults and ``website``."""
    values = {key.name: key.default for key in SITE_KEYS} | {"website": website}
    return render_toml(SITE_KEYS, values, HEADING)


def check_show_id(show_id: str) -> str:
    if not SHOW_ID.match(show_id):
        raise InputError("a show's name is lower-case letters, digits and '-' (at most 63), e.g. 'endringspodden'; "
                         "it becomes the feed's address and cannot change later", repr(show_id))
    if show_id == "site":
        raise InputError("'site' is taken by feeds/site.toml; choose another name", repr(show_id))
    return show_id


def check_new_show(root: Path, show_id: str, *, force: bool = False) -> Path:
    """``feeds/<show_id>.toml`` if ``show_id`` is a valid name that is free (or ``force``); else InputError."""
    check_show_id(show_id)
    config = root / "feeds" / f"{show_id}.toml"
    if config.exists() and not force:
        raise InputError("already exists; edit it, or run `publish init` with --force to replace it", str(config))
    return config


def init_show(root: Path, show_id: str, draft: ShowDraft, *, force: bool = False, website: str | None = None) -> Scaffold:
    """Write ``feeds/<show_id>.toml`` (and the artwork beside it, and ``feeds/site.toml`` if missing).

    Everything is checked first (name, artwork, the whole show as ``parse_show`` reads it); on any problem
    nothing is written. Refuses to replace an existing show unless ``force``.
    """
    config = check_new_show(root, show_id, force=force)
    feeds = config.parent
    check_artwork(draft.artwork)
    artwork_name = f"{show_id}{draft.artwork.suffix.lower()}"
    target = feeds / artwork_name
    # Validate the text we are about to write, as every later command will read it.
    text = render_show(draft, artwork_name)
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copyfile(draft.artwork, Path(tmp) / artwork_name)
        try:
            parse_show(show_id, tomllib.loads(text), Path(tmp) / f"{show_id}.toml")
        except ConfigError as e:
            raise ConfigError([p.replace(str(Path(tmp) / f"{show_id}.toml"), str(config)) for p in e.problems]) from None
    feeds.mkdir(parents=True, exist_ok=True)
    (root / "episodes").mkdir(exist_ok=True)
    site = None
    if not (feeds / "site.toml").exists():
        site = feeds / "site.toml"
        split = urllib.parse.urlsplit(draft.link)
        write_atomically(site, render_site(website or f"{split.scheme}://{split.netloc}"))
    if draft.artwork.resolve() != target.resolve():
        shutil.copyfile(draft.artwork, target)
    write_atomically(config, text)
    return Scaffold(config=config, artwork=target, site=site)


__all__ = ["Scaffold", "ShowDraft", "check_new_show", "check_show_id", "init_show", "render_show", "render_site"]
