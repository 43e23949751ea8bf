"""``publish init``: a new show's ``feeds/<show>.toml`` (and ``feeds/site.toml`` in a new project).

The draft is validated by the same ``parse_show`` that every later command uses, with the artwork
checked against Apple's rules on the spot, before anything is written: a scaffold that would not load
is never left behind. The artwork is copied into ``feeds/`` beside the file that names it.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import tomllib
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.model.config import SHOW_ID, parse_show
from pipeline.model.errors import ConfigError, InputError
from pipeline.inputs.images import check_artwork

SITE_TOML = """\
# Where published objects go, and the public address they are served from.
# The embedded default: a local folder laid out exactly like the bucket, served by `publish serve`.
storage = "file://public"
base_url = "http://127.0.0.1:8000"
# In production, for example:
#   storage = "s3://bucket/prefix"
#   base_url = "https://media.example.no"
website = {website}
"""


@dataclass
class ShowDraft:
    """What a producer says about a new show; everything else has a sensible default."""

    title: str
    description: str
    author: str
    email: str
    link: str
    artwork: Path
    kind: str = "podcast"  # podcast | seminar
    language: str = "no"
    category: str = "Government"
    explicit: bool = False
    loudness: float = -16.0
    true_peak: float = -1.0
    copyright: str | None = None
    extra: dict = field(default_factory=dict)  # organiser, default_place for seminars


@dataclass(frozen=True)
class Scaffold:
    config: Path
    artwork: Path
    site: Path | None  # feeds/site.toml when this run created it


def _toml(value) -> str:
    """A TOML value: JSON's string escapes are TOML basic-string escapes."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(float(value))
    return json.dumps(str(value), ensure_ascii=False)


def render_show(draft: ShowDraft, artwork_name: str) -> str:
    """Pure: the TOML text of a show, commented for the next person who edits it."""
    lines = [
        f"# {draft.title}: made by `publish init`; edit freely, `publish` checks it before every run.",
        *([f"kind = {_toml(draft.kind)}"] if draft.kind != "podcast" else []),
        f"title = {_toml(draft.title)}",
        f"description = {_toml(draft.description)}",
        f"author = {_toml(draft.author)}",
        "# Apple shows the e-mail to no one but uses it to verify ownership.",
        f"owner = {{ name = {_toml(draft.author)}, email = {_toml(draft.email)} }}",
        f"language = {_toml(draft.language)}",
        "# An Apple Podcasts category: https://podcasters.apple.com/support/1691-apple-podcasts-categories",
        f"category = {_toml(draft.category)}",
        f"explicit = {_toml(draft.explicit)}",
        'type = "episodic"   # episodic | serial',
        "# Square JPEG or PNG, 1400-3000 px, beside this file.",
        f"artwork = {_toml(artwork_name)}",
        f"link = {_toml(draft.link)}",
        f"copyright = {_toml(draft.copyright or f'© {draft.author}')}",
        *[f"{key} = {_toml(value)}" for key, value in draft.extra.items() if value not in (None, "")],
        "",
        "[loudness]",
        f"integrated = {_toml(draft.loudness)}   # LUFS: -16 for podcasts (Apple, Spotify, AES TD1004), -23 for EBU R128",
        f"true_peak = {_toml(draft.true_peak)}     # dBTP",
        'levelling = "dynaudnorm"   # dynaudnorm | speechnorm | none',
        "tolerance = 1.0      # refuse to publish when the delivered file misses the target by more (LU)",
        "",
    ]
    return "\n".join(lines)


def _write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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
        _write(site, SITE_TOML.format(website=_toml(website or f"{split.scheme}://{split.netloc}")))
    if draft.artwork.resolve() != target.resolve():
        shutil.copyfile(draft.artwork, target)
    _write(config, text)
    return Scaffold(config=config, artwork=target, site=site)


__all__ = ["Scaffold", "ShowDraft", "check_new_show", "check_show_id", "init_show", "render_show"]
