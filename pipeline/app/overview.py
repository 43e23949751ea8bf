"""The store's index page, for ``publish serve``: everything published, to hear and see before listeners do.

Built from the store's manifests (``_manifests/<show>/*.json``) alone, so it shows what the store holds
(not what ``episodes/`` says) and needs no records on this machine. Show titles and loudness targets
come from ``feeds/<show>.toml`` when it is there. Every show and the seminar archive get a section;
each item a player (``<audio controls preload="none">``: nothing is fetched until someone presses play),
its loudness picture with the measured values as alt text, its transcript (from its WebVTT transcript, or its
captions) with each paragraph's time a link that plays the MP3 from there (``#t=``), its downloads when
``publish stats`` has counted any (``_stats/``), and the links to the feeds.

The page is rendered on each request and never written to the store: it is a preview for the producer,
not a page for the public. Norwegian Bokmål, the archive's base template and stylesheet, WCAG 2.1 AA.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib.resources import files
from types import SimpleNamespace

from pipeline.render.norwegian import format_date, format_duration, format_size
from pipeline.app.regenerate import transcript_of
from pipeline.app.stats import downloads_by_item
from pipeline.render.pages import (MACHINE_NOTICE, TimedParagraph, environment, is_machine_draft, stylesheet, summary,
                                   timed_paragraphs)
from pipeline.render.picture import format_level, loudness_alt_text
from pipeline.model.config import Loudness, Show, Site, load_show, show_ids
from pipeline.model.errors import PipelineError
from pipeline.model.records import Item, Media
from pipeline.store import Storage
from pipeline.store.manifests import manifests_by_show

INDEX_KEY = "index.html"
ASSETS = {"style.css", "index.css"}  # served beside the page when the store has no object of that name


@dataclass(frozen=True)
class IndexEntry:
    """One published episode or seminar, formatted for the page."""

    anchor: str
    title: str
    numbering: str | None  # «sesong 2, episode 1»
    summary: str
    date: str
    iso_date: str
    duration: str | None
    audio_src: str  # a store key: the page is served at the root, so keys are relative links
    audio_type: str
    audio_size: str
    loudness: str | None  # «−16,1 LUFS»
    picture_src: str | None
    picture_alt: str
    page_src: str | None  # the seminar's page in the archive
    transcript: tuple[TimedParagraph, ...] = ()  # each paragraph's time links to the audio there
    machine_transcript: bool = False  # a machine draft no person has reviewed
    downloads: str | None = None  # «12 nedlastinger», when ``publish stats`` has counted any


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    kind: str  # podcast | seminar
    description: str
    feed_src: str | None  # None while the store has no feed
    archive_src: str | None  # the seminar archive's index
    target: str | None  # «−16,0 LUFS»
    items: tuple[IndexEntry, ...]


def _config(site: Site, show_id: str) -> Show | None:
    try:
        return load_show(site, show_id)
    except PipelineError:  # not configured here, or a broken config: the page still lists what is published
        return None


def downloads_text(n: int | None) -> str | None:
    """«1 nedlasting», «1\u00a0234 nedlastinger»; None when nothing was counted."""
    if n is None:
        return None
    return f"{n:,}".replace(",", "\u00a0") + ("\u00a0nedlasting" if n == 1 else "\u00a0nedlastinger")


def _item(ep: Item, storage: Storage, target: Loudness | None, downloads: dict[str, int] | None = None) -> IndexEntry:
    audio: Media = ep.renditions.get("audio") or ep.media
    picture = ep.renditions.get("loudness")
    page = f"{ep.show}/{ep.slug}/"
    role = next((r for r in ("transcript-vtt", "captions") if r in ep.renditions), None)
    return IndexEntry(
        anchor=f"ep-{ep.show}-{ep.slug}",
        title=ep.title,
        numbering=", ".join(f"{word} {n}" for word, n in (("sesong", ep.season), ("episode", ep.number)) if n) or None,
        summary=summary(ep),
        date=format_date(ep.date),
        iso_date=ep.date.isoformat(),
        duration=format_duration(audio.duration or ep.media.duration) if (audio.duration or ep.media.duration) else None,
        audio_src=audio.key,
        audio_type=audio.type,
        audio_size=format_size(audio.bytes),
        loudness=f"{format_level(ep.loudness_after.integrated)}\u00a0LUFS" if ep.loudness_after else None,
        picture_src=picture.key if picture else None,
        picture_alt=loudness_alt_text(ep.loudness_before, ep.loudness_after, target),
        page_src=page if storage.head(f"{page}index.html") else None,
        transcript=timed_paragraphs(audio.key, transcript_of(ep, storage, roles=(role,))) if role else (),
        machine_transcript=bool(role) and is_machine_draft(ep, "transcript" if role == "transcript-vtt" else "captions"),
        downloads=downloads_text(downloads.get(ep.guid, 0)) if downloads else None,
    )


def sections(site: Site, storage: Storage) -> list[Section]:
    """Every configured show and every show the store holds items of, podcasts first, then seminars."""
    published = manifests_by_show(storage)
    downloads = downloads_by_item(storage)
    out = []
    for show_id in sorted(set(show_ids(site)) | set(published)):
        show = _config(site, show_id)
        target = show.loudness if show else None
        kind = show.kind if show else ("seminar" if any(e.media.type.startswith("video/") for e in published[show_id])
                                       else "podcast")
        episodes = sorted((e for e in published.get(show_id, []) if not e.retracted),
                          key=lambda e: (e.date, e.time or "", e.slug), reverse=True)
        feed_key = f"{show_id}/feed.xml"
        out.append(Section(
            id=show_id,
            title=show.title if show else show_id,
            kind=kind,
            description=show.description if show else "",
            feed_src=feed_key if storage.head(feed_key) else None,
            archive_src=f"{show_id}/" if kind == "seminar" and storage.head(f"{show_id}/index.html") else None,
            target=f"{format_level(target.integrated)}\u00a0LUFS" if target else None,
            items=tuple(_item(e, storage, target, downloads) for e in episodes),
        ))
    return sorted(out, key=lambda s: (s.kind != "podcast", s.title.lower()))


def _where(site: Site, storage: Storage) -> str:
    """The store as the producer knows it: ``public/`` for the folder in the project, else its URL."""
    root = getattr(storage, "root", None)
    if root is not None and root.is_relative_to(site.root.resolve()):
        return f"{root.relative_to(site.root.resolve()).as_posix()}/"
    return storage.url


def render_index(site: Site, storage: Storage) -> bytes:
    """The index page as HTML bytes."""
    found = sections(site, storage)
    organiser = next((c.organiser or c.author for c in (_config(site, s.id) for s in found) if c), site.website)
    page = SimpleNamespace(title="Podkaster og seminaropptak", copyright=None)  # header and footer
    html = environment().get_template("index.html").render(
        show=page, site=site, organiser=organiser, root="", url="", sections=found, store=_where(site, storage),
        machine_notice=MACHINE_NOTICE,
        description="Alt som er publisert: hør episodene, se lydstyrken og abonner på strømmene.",
        count=sum(len(s.items) for s in found))
    return html.encode("utf-8")


def index_pages(site: Site, storage: Storage) -> Callable[[str], tuple[bytes, str] | None]:
    """For ``serve.make_server(fallback=...)``: the index page and its stylesheets, for keys the store lacks."""

    def page(key: str) -> tuple[bytes, str] | None:
        if key == INDEX_KEY:
            return render_index(site, storage), "text/html; charset=utf-8"
        if key == "style.css":
            return stylesheet(), "text/css; charset=utf-8"
        if key == "index.css":
            return files("pipeline.render").joinpath("static/index.css").read_bytes(), "text/css; charset=utf-8"
        return None

    return page


__all__ = ["Item", "Section", "index_pages", "render_index", "sections"]
