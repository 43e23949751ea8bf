"""The seminar archive: static HTML pages for web staff to link to, rendered from the records.

``render_archive`` is a pure function: records in, store key -> bytes out. It writes

- ``<show>/index.html``          the archive, newest first, grouped by year;
- ``<show>/<slug>/index.html``   one permanent page per seminar (its address depends on the slug only);
- ``<show>/style.css``           the stylesheet both kinds of page share.

Pages are Norwegian Bokmål, readable and playable without JavaScript, and load nothing from elsewhere.
Links inside the store are relative, so the pages work behind any host name (CDN, origin, a local
preview); the absolute addresses that Open Graph and schema.org require come from ``site.public_url``.
"""

from __future__ import annotations

import functools
import json
import posixpath
import re
from dataclasses import dataclass
from importlib.resources import files

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from pipeline.inputs.notes import notes_html
from pipeline.inputs.notes import summary as notes_summary
from pipeline.model.config import Show, Site
from pipeline.model.errors import ConfigError
from pipeline.model.records import Item, Media
from pipeline.model.timerange import oslo_offset, parse_clock_range
from pipeline.render.norwegian import (ROLES, format_date, format_duration, format_size, format_time, format_when,
                                       iso_duration, join_names)

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def json_for_script(data: object) -> Markup:
    """JSON to put inside ``<script type="application/ld+json">``: ``<``, ``>`` and ``&`` are escaped
    as ``\\u003c`` etc., so no text (``</script>``, ``<!--``) can end the element early."""
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


# --- notes -------------------------------------------------------------------------------------

def render_notes(notes: str, heading_offset: int = 2) -> Markup:
    """The notes as sanitised HTML for a page (see ``notes.notes_html``); markup-safe for Jinja."""
    return Markup(notes_html(notes, heading_offset))


def summary(episode: Item, limit: int = 200) -> str:
    """Plain text for meta description and og:description: the record's own, or the notes' first paragraph."""
    return notes_summary(episode.description, episode.notes, limit)


# --- page model --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Download:
    href: str  # relative to the page
    text: str  # «Last ned video (MP4, 12,3 MB)»


@dataclass(frozen=True)
class Seminar:
    """What the templates need of one seminar, formatted once."""

    episode: Item
    slug: str
    href: str  # from the archive page
    url: str  # absolute permalink
    when: str
    date: str
    time: str | None
    iso_date: str
    notes: Markup
    summary: str
    speakers: tuple[tuple[str, str], ...]  # (name, role in Norwegian, or "")
    speaker_names: str  # «Beth Stensen og Marius Røstad»
    place: str | None
    video_src: str
    video_duration: str | None
    poster: Media | None
    poster_src: str | None  # relative to the seminar page
    thumb_src: str | None  # relative to the archive page
    captions_src: str | None
    downloads: tuple[Download, ...]
    jsonld: Markup
    og: tuple[tuple[str, str], ...]


def page_key(show_id: str, slug: str) -> str:
    return f"{show_id}/{slug}/index.html"


def _rel(key: str, from_folder: str) -> str:
    return posixpath.relpath(key, from_folder)


def _kind(media: Media) -> str:
    return posixpath.splitext(media.key)[1].lstrip(".").upper() or "fil"


def _slides(episode: Item) -> list[Media]:
    """slides-1, slides-2, ... in number order (slides-10 after slides-9)."""
    keys = [k for k in episode.renditions if re.fullmatch(r"slides(-\d+)?", k)]
    keys.sort(key=lambda k: int(k.split("-")[1]) if "-" in k else 0)
    return [episode.renditions[k] for k in keys]


def _downloads(episode: Item, folder: str) -> tuple[Download, ...]:
    items = [("video", episode.media)]
    if "audio" in episode.renditions:
        items.append(("lyd", episode.renditions["audio"]))
    slides = _slides(episode)
    for n, media in enumerate(slides, 1):
        default = "presentasjon" if len(slides) == 1 else f"presentasjon {n}"
        items.append((media.label or default, media))
    return tuple(Download(_rel(media.key, folder), f"Last ned {what} ({_kind(media)}, {format_size(media.bytes)})")
                 for what, media in items)


def _jsonld(show: Show, site: Site, ep: Item, url: str, summary_text: str) -> dict:
    event: dict = {
        "@type": "Event",
        "@id": f"{url}#arrangement",
        "name": ep.title,
        "url": url,
        "inLanguage": "nb",
        "eventStatus": "https://schema.org/EventScheduled",
        "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
        "organizer": {"@type": "Organization", "name": show.organiser or show.author, "url": site.website},
    }
    if ep.time:
        start, end = parse_clock_range(ep.time)
        event["startDate"] = f"{ep.date.isoformat()}T{start:%H:%M}{oslo_offset(ep.date, start)}"
        if end:
            event["endDate"] = f"{ep.date.isoformat()}T{end:%H:%M}{oslo_offset(ep.date, end)}"
    else:
        event["startDate"] = ep.date.isoformat()
    if summary_text:
        event["description"] = summary_text
    place = ep.place or show.default_place
    if place:
        name, _, address = place.partition(",")
        event["location"] = {"@type": "Place", "name": name.strip(), "address": address.strip() or name.strip()}
    if ep.persons:
        event["performer"] = [{"@type": "Person", "name": p.name} for p in ep.persons]
    video: dict = {
        "@type": "VideoObject",
        "@id": f"{url}#video",
        "name": ep.title,
        "description": summary_text or ep.title,
        "uploadDate": ep.date.isoformat(),
        "contentUrl": site.public_url(ep.media.key),
        "encodingFormat": ep.media.type,
        "inLanguage": "nb",
        "url": url,
        "recordedAt": {"@id": event["@id"]},
    }
    if ep.media.duration:
        video["duration"] = iso_duration(ep.media.duration)
    poster = ep.renditions.get("poster") or ep.image
    if poster:
        video["thumbnailUrl"] = site.public_url(poster.key)
        event["image"] = site.public_url(poster.key)
    if "captions" in ep.renditions:
        video["caption"] = {"@type": "MediaObject", "contentUrl": site.public_url(ep.renditions["captions"].key),
                            "encodingFormat": "text/vtt", "inLanguage": "nb"}
    if ep.media.width and ep.media.height:
        video["width"], video["height"] = ep.media.width, ep.media.height
    return {"@context": "https://schema.org", "@graph": [event, video]}


def _seminar(show: Show, site: Site, ep: Item) -> Seminar:
    folder = f"{show.id}/{ep.slug}"
    url = site.public_url(f"{folder}/")
    text = summary(ep)
    poster = ep.renditions.get("poster") or ep.image
    og = [("og:type", "video.other"), ("og:title", ep.title), ("og:description", text or ep.title),
          ("og:url", url), ("og:site_name", show.title), ("og:locale", "nb_NO")]
    if poster:
        og += [("og:image", site.public_url(poster.key)), ("og:image:alt", f"Stillbilde fra opptaket «{ep.title}»")]
    og += [("og:video", site.public_url(ep.media.key)), ("og:video:type", ep.media.type)]
    if ep.media.width and ep.media.height:
        og += [("og:video:width", str(ep.media.width)), ("og:video:height", str(ep.media.height))]
    return Seminar(
        episode=ep,
        slug=ep.slug,
        href=f"{ep.slug}/",
        url=url,
        when=format_when(ep),
        date=format_date(ep.date),
        time=format_time(ep.time) if ep.time else None,
        iso_date=ep.date.isoformat(),
        notes=render_notes(ep.notes),
        summary=text,
        speakers=tuple((p.name, ROLES.get(p.role, p.role)) for p in ep.persons),
        speaker_names=join_names([p.name for p in ep.persons]),
        place=ep.place or show.default_place,
        video_src=_rel(ep.media.key, folder),
        video_duration=format_duration(ep.media.duration) if ep.media.duration else None,
        poster=poster,
        poster_src=_rel(poster.key, folder) if poster else None,
        thumb_src=_rel(poster.key, show.id) if poster else None,
        captions_src=_rel(ep.renditions["captions"].key, folder) if "captions" in ep.renditions else None,
        downloads=_downloads(ep, folder),
        jsonld=json_for_script(_jsonld(show, site, ep, url, text)),
        og=tuple(og),
    )


def _check(show: Show, seminars: list[Item]) -> None:
    """Gather every problem before rendering anything."""
    problems, seen = [], {}
    for ep in seminars:
        where = f"episodes/{ep.show}/{ep.record_name}"
        if ep.show != show.id:
            problems.append(f"{where}: belongs to show {ep.show!r}, not {show.id!r}")
        if not SLUG.match(ep.slug):
            problems.append(f"{where}: slug {ep.slug!r} may hold only a-z, 0-9 and '-'")
        elif ep.slug in seen:
            problems.append(f"{where}: slug {ep.slug!r} is also used by {seen[ep.slug]}")
        seen.setdefault(ep.slug, where)
        if ep.time:
            try:
                parse_clock_range(ep.time)
            except ValueError as e:
                problems.append(f"{where}: {e}")
    if problems:
        raise ConfigError(problems)


# --- rendering ---------------------------------------------------------------------------------

@functools.cache
def environment() -> Environment:
    """Templates come from the package (``pipeline/render/templates``), autoescaped; a missing variable is an error."""
    return Environment(
        loader=PackageLoader("pipeline.render", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def stylesheet() -> bytes:
    return files("pipeline.render").joinpath("static/style.css").read_bytes()


def render_archive(show: Show, site: Site, seminars: list[Item]) -> dict[str, bytes]:
    """Store key -> bytes for the archive page, one page per seminar, and the stylesheet.

    Newest first; retracted seminars leave the archive, and their page says so instead of playing.
    Raises ConfigError listing every record that cannot be published (wrong show, bad or duplicate slug,
    unreadable time). Same input, same bytes.
    """
    _check(show, seminars)
    env = environment()
    items = sorted((_seminar(show, site, ep) for ep in seminars),
                   key=lambda s: (s.episode.date, s.episode.time or "", s.slug), reverse=True)
    listed = [s for s in items if not s.episode.retracted]
    years: list[tuple[int, list[Seminar]]] = []
    for item in listed:
        if not years or years[-1][0] != item.episode.date.year:
            years.append((item.episode.date.year, []))
        years[-1][1].append(item)
    common = {"show": show, "site": site, "organiser": show.organiser or show.author}
    out = {
        f"{show.id}/index.html": env.get_template("archive.html").render(
            **common, root="", years=years, count=len(listed),
            url=site.public_url(f"{show.id}/"), description=show.description),
        f"{show.id}/style.css": stylesheet(),
    }
    for item in items:
        out[page_key(show.id, item.slug)] = env.get_template("seminar.html").render(
            **common, root="../", s=item, url=item.url, description=item.summary or item.episode.title)
    return {key: value if isinstance(value, bytes) else value.encode("utf-8") for key, value in sorted(out.items())}


__all__ = ["Download", "Seminar", "environment", "json_for_script", "page_key", "render_archive", "render_notes",
           "stylesheet", "summary"]
