"""The seminar archive: static HTML pages for web staff to link to, rendered from the records.

``render_archive`` is a pure function: records in, store key -> bytes out. It writes

- ``<show>/index.html``          the archive, newest first, grouped by year;
- ``<show>/<slug>/index.html``   one permanent page per seminar (its address depends on the slug only);
- ``<show>/<slug>/embed.html``   the seminar's embed page: only the player (captions, chapters, poster) and a
  link to the permanent page, for other sites to frame (the store lets any site frame it, and no other page);
- ``<show>/<slug>/oembed.json``  its oEmbed answer (type ``video``, a sized ``<iframe>`` of the embed page), which
  the seminar's page names with ``<link rel="alternate" type="application/json+oembed">``;
- ``<show>/style.css``           the stylesheet both kinds of page share;
- ``<show>/search.json`` and ``<show>/search-<hash8>.js``: the archive's search (``render.search``), which only
  the archive page loads, as progressive enhancement.

A seminar with captions shows its transcript under the video (paragraphs made from the captions by the caller,
passed in as ``transcripts``): each paragraph's time is a plain link to the video with a media fragment
(``video.mp4#t=93``), so it starts the video there without JavaScript.

Pages are Norwegian Bokmål, readable and playable without JavaScript, and load nothing from elsewhere.
Links inside the store are relative, so the pages work behind any host name (CDN, origin, a local
preview); the absolute addresses that Open Graph and schema.org require come from ``site.public_url``.
"""

from __future__ import annotations

import functools
import json
import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.resources import files

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from pipeline.inputs.notes import notes_html
from pipeline.inputs.notes import summary as notes_summary
from pipeline.model.config import Show, Site
from pipeline.model.errors import ConfigError
from pipeline.model.records import Item, Media
from pipeline.model.speech import Paragraph
from pipeline.model.timerange import oslo_offset, parse_clock_range
from pipeline.render.norwegian import (ROLES, format_date, format_duration, format_size, format_time, format_when,
                                       iso_duration, join_names)
from pipeline.render.search import SEARCH_INDEX, search_index, search_script

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
MACHINE_NOTICE = "Automatisk tekstet, ikke kontrollert av et menneske."
EMBED_WIDTH = 640  # the oEmbed iframe's width (px); its height keeps the video's shape, plus the link below
EMBED_LINK_HEIGHT = 48  # px: the line under the player that links to the full page
OEMBED = "oembed.json"
SRCLANG = {"no": "nb"}  # speech recognition's language code -> the track's BCP 47 tag (the pages are Bokmål)


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
class TimedParagraph:
    """One paragraph of a transcript, with a link that plays the media from where it starts."""

    href: str  # the media with a media fragment: «video.mp4#t=93»
    clock: str  # «01:33», «1:02:03»
    text: str


@dataclass(frozen=True)
class Captions:
    """The captions track: its source, its menu label and language, and whether a machine made it unchecked."""

    src: str  # relative to the page
    label: str  # «Norsk», «Norsk (automatisk)»
    srclang: str
    machine: bool


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
    captions: Captions | None
    transcript: tuple[TimedParagraph, ...]
    downloads: tuple[Download, ...]
    jsonld: Markup
    og: tuple[tuple[str, str], ...]
    embed_url: str = ""  # absolute: the embed page
    oembed_url: str = ""  # absolute: its oEmbed JSON
    embed_code: str = ""  # the <iframe> web staff copy
    chapters: tuple[TimedParagraph, ...] = ()  # each a link that plays the video from the chapter's start
    chapters_src: str | None = None  # the WebVTT chapters track, relative to the page


def clock(seconds: float) -> str:
    """A time in a recording as a player shows it: «01:33», «1:02:03»."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60:02d}:{rest % 60:02d}"


def timed_paragraphs(media_href: str, paragraphs: Sequence[Paragraph]) -> tuple[TimedParagraph, ...]:
    """The transcript's paragraphs, each with a link to ``media_href`` at its start (whole seconds)."""
    return tuple(TimedParagraph(f"{media_href}#t={int(p.start)}", clock(p.start), p.text) for p in paragraphs)


def is_machine_draft(ep: Item, role: str = "captions") -> bool:
    """True while the item's captions (or transcript) are a machine draft no person has reviewed."""
    facts = ep.source.get(role) or {}
    return facts.get("source") == "machine" and not facts.get("reviewed")


def _captions(ep: Item, folder: str) -> Captions | None:
    media = ep.renditions.get("captions")
    if media is None:
        return None
    language = str((ep.source.get("captions") or {}).get("language") or "nb")
    return Captions(src=_rel(media.key, folder), label=media.label or "Norsk",
                    srclang=SRCLANG.get(language, language), machine=is_machine_draft(ep))


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
    if "phone" in episode.renditions:
        items.append(("video i lav kvalitet", episode.renditions["phone"]))
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


def _seminar(show: Show, site: Site, ep: Item, paragraphs: Sequence[Paragraph] = ()) -> Seminar:
    folder = f"{show.id}/{ep.slug}"
    url = site.public_url(f"{folder}/")
    text = summary(ep)
    poster = ep.renditions.get("poster") or ep.image
    og = [("og:type", "video.other"), ("og:title", ep.title), ("og:description", text or ep.title),
          ("og:url", url), ("og:site_name", show.title), ("og:locale", "nb_NO")]
    if poster:
        og += [("og:image", site.public_url(poster.key)), ("og:image:alt", f"Stillbilde fra opptaket «{ep.title}»")]
    og += [("og:video", site.public_url(ep.media.key)), ("og:video:type", ep.media.type)]
    chapters, chapters_src = _chapters(ep, folder)
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
        captions=_captions(ep, folder),
        transcript=timed_paragraphs(_rel(ep.media.key, folder), paragraphs) if "captions" in ep.renditions else (),
        downloads=_downloads(ep, folder),
        jsonld=json_for_script(_jsonld(show, site, ep, url, text)),
        og=tuple(og),
        embed_url=site.public_url(f"{folder}/embed.html"),
        oembed_url=site.public_url(f"{folder}/{OEMBED}"),
        embed_code=embed_code(ep, site.public_url(f"{folder}/embed.html")),
        chapters=chapters,
        chapters_src=chapters_src,
    )


def embed_size(ep: Item) -> tuple[int, int]:
    """The embed iframe's width and height (px): ``EMBED_WIDTH`` wide, the video's shape (16:9 when unknown),
    and room for the link under it."""
    width, height = (ep.media.width, ep.media.height) if ep.media.width and ep.media.height else (16, 9)
    return EMBED_WIDTH, round(EMBED_WIDTH * height / width) + EMBED_LINK_HEIGHT


def embed_code(ep: Item, embed_url: str) -> str:
    """The ``<iframe>`` other sites paste (and oEmbed's ``html``): every text in it escaped as an attribute."""
    width, height = embed_size(ep)
    return (f'<iframe src="{escape(embed_url)}" width="{width}" height="{height}" title="{escape(ep.title)}" '
            'style="border:0;max-width:100%" allow="fullscreen; picture-in-picture" allowfullscreen '
            'loading="lazy"></iframe>')


def oembed(show: Show, site: Site, ep: Item) -> bytes:
    """The seminar's oEmbed answer (https://oembed.com, 2.3.4): a ``video`` with its iframe and thumbnail."""
    folder = f"{show.id}/{ep.slug}"
    width, height = embed_size(ep)
    data: dict = {"version": "1.0", "type": "video", "title": ep.title, "author_name": show.organiser or show.author,
                  "author_url": site.website, "provider_name": show.title, "provider_url": site.public_url(f"{show.id}/"),
                  "html": embed_code(ep, site.public_url(f"{folder}/embed.html")), "width": width, "height": height}
    poster = ep.renditions.get("poster") or ep.image
    if poster and poster.width and poster.height:
        data |= {"thumbnail_url": site.public_url(poster.key), "thumbnail_width": poster.width,
                 "thumbnail_height": poster.height}
    return (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def _chapters(ep: Item, folder: str) -> tuple[tuple[TimedParagraph, ...], str | None]:
    """The chapters as links into the video, and the WebVTT chapters track (``chapters-vtt``), if any."""
    links = tuple(TimedParagraph(f"{_rel(ep.media.key, folder)}#t={int(c.start)}", clock(c.start), c.title)
                  for c in ep.chapters)
    track = ep.renditions.get("chapters-vtt")
    return links, _rel(track.key, folder) if track else None


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


def render_archive(show: Show, site: Site, seminars: list[Item],
                   transcripts: Mapping[str, Sequence[Paragraph]] | None = None) -> dict[str, bytes]:
    """Store key -> bytes for the archive page, one page per seminar, the stylesheet and the search.

    ``transcripts``: GUID -> the paragraphs of that seminar's captions (``subtitles.paragraphs_from_cues``),
    shown on its page and searched from the archive's; a seminar without captions shows no transcript.

    Newest first; retracted seminars leave the archive, and their page says so instead of playing.
    Raises ConfigError listing every record that cannot be published (wrong show, bad or duplicate slug,
    unreadable time). Same input, same bytes.
    """
    _check(show, seminars)
    env = environment()
    transcripts = transcripts or {}
    items = sorted((_seminar(show, site, ep, transcripts.get(ep.guid, ())) for ep in seminars),
                   key=lambda s: (s.episode.date, s.episode.time or "", s.slug), reverse=True)
    listed = [s for s in items if not s.episode.retracted]
    years: list[tuple[int, list[Seminar]]] = []
    for item in listed:
        if not years or years[-1][0] != item.episode.date.year:
            years.append((item.episode.date.year, []))
        years[-1][1].append(item)
    common = {"show": show, "site": site, "organiser": show.organiser or show.author, "machine_notice": MACHINE_NOTICE}
    script_name, script = search_script()
    out = {
        f"{show.id}/index.html": env.get_template("archive.html").render(
            **common, root="", years=years, count=len(listed), search_script=script_name if listed else None,
            url=site.public_url(f"{show.id}/"), description=show.description),
        f"{show.id}/style.css": stylesheet(),
    }
    if listed:  # the archive's search: its index and the script only the archive page loads
        out[f"{show.id}/{SEARCH_INDEX}"] = search_index([s.episode for s in listed], transcripts)
        out[f"{show.id}/{script_name}"] = script
    for item in items:
        out[page_key(show.id, item.slug)] = env.get_template("seminar.html").render(
            **common, root="../", s=item, url=item.url, description=item.summary or item.episode.title)
        out[f"{show.id}/{item.slug}/embed.html"] = env.get_template("embed.html").render(**common, s=item)
        if not item.episode.retracted:
            out[f"{show.id}/{item.slug}/{OEMBED}"] = oembed(show, site, item.episode)
    return {key: value if isinstance(value, bytes) else value.encode("utf-8") for key, value in sorted(out.items())}


__all__ = ["EMBED_WIDTH", "MACHINE_NOTICE", "OEMBED", "embed_code", "embed_size", "oembed", "Captions", "Download", "Seminar", "TimedParagraph", "clock", "environment",
           "is_machine_draft", "json_for_script", "page_key", "render_archive", "render_notes", "stylesheet", "summary",
           "timed_paragraphs"]
