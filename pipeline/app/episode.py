"""``publish episode``: a podcast episode, through the one publishing skeleton (``app.publishing``).

An episode is its MP3 (levelled, normalised, ID3-tagged with the cover and chapters), the show's artwork, its
own image when given, the loudness picture, the chapters as JSON and the transcripts, in that order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.app import renditions as r
from pipeline.app.captions import machine_transcript, speech_engine
from pipeline.app.publishing import (Kind, Reporter, check_date, check_number, check_persons, check_title,
                                     open_job, probe_source, publish_item, read_notes)
from pipeline.inputs.chapters import read_chapters
from pipeline.inputs.images import check_artwork, check_show_artwork
from pipeline.inputs.notes import notes_text
from pipeline.inputs.transcripts import check_transcripts
from pipeline.media.probe import require_audio
from pipeline.model.config import Site, load_show
from pipeline.model.records import Item, Person, load_records
from pipeline.render.podcastns import taxonomy_role
from pipeline.store import Storage, open_storage

EPISODE = Kind("episode", media_type="audio/mpeg", one_recipe=True,
               retracted="an episode titled like this was retracted (GUID {guid}); its GUID stays reserved, "
                         "so choose another title")


@dataclass
class EpisodeRequest:
    source: Path
    show: str
    title: str
    description: str | None = None
    notes_file: Path | None = None
    date: dt.date | None = None
    season: int | None = None
    number: int | None = None
    image: Path | None = None
    chapters_file: Path | None = None
    explicit: bool = False
    episode_type: str = "full"
    # As typed: 'Name | role' (the app parses it, and warns when the role is missing), or a Person.
    persons: tuple[Person | str, ...] = ()
    transcripts: tuple[Path, ...] = ()  # .vtt, .srt or .txt, published beside the audio
    machine_transcript: bool = False  # --transcript auto: drafted by speech recognition
    speech_model: str | None = None  # default: speech.model in feeds/site.toml
    language: str | None = None  # default: speech.language in feeds/site.toml


@dataclass
class PublishResult:
    episode: Item
    record: Path | None
    feed_url: str
    uploaded: list[str] = field(default_factory=list)  # keys whose bytes were sent
    reused_media: bool = False
    dry_run: bool = False
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Checked:
    """What the producer typed, checked: the title, the notes (Markdown), the people, and what to warn of."""

    title: str
    notes: str
    persons: tuple[Person, ...]
    warnings: list[str]


def check_request(req: EpisodeRequest, today: dt.date) -> Checked:
    """Every option and text file of ``req`` but the media and images: refused (InputError naming the option
    or file) when it holds control characters or is out of bounds."""
    title = check_title(req.title)
    notes = read_notes(req.notes_file, req.description)
    check_date(req.date, today)
    check_number(req.season, "--season")
    check_number(req.number, "--number")
    persons, warnings = check_persons(req.persons, "--person", "guest", warn=True)
    warnings += [f"--person {p.name!r}: {p.role!r} is not a role in the Podcast Taxonomy; the feed names them "
                 "as a guest" for p in persons if taxonomy_role(p.role) is None]
    return Checked(title, notes, persons, warnings)


def publish_episode(site: Site, req: EpisodeRequest, *, storage: Storage | None = None, dry_run: bool = False,
                    reporter: Reporter | None = None, today: dt.date | None = None) -> PublishResult:
    report = reporter or Reporter()
    today = today or dt.date.today()
    # Gather and check everything before the first write.
    show = load_show(site, req.show)
    checked = check_request(req, today)
    title, notes = checked.title, checked.notes
    if req.image is not None:
        check_artwork(req.image)
    check_show_artwork(show.artwork, site.feeds_dir / f"{show.id}.toml")
    p, source_sha = probe_source(req.source, report, require_audio)
    chapters = read_chapters(req.chapters_file, p.duration) if req.chapters_file else ()
    transcripts = check_transcripts(req.transcripts)
    speech = machine_transcript(*speech_engine(site, req.speech_model, req.language), checked.persons) \
        if req.machine_transcript else []
    job = open_job(EPISODE, site, show, storage or open_storage(site.storage, site.root), p, source_sha,
                   title=title, date=req.date, today=today, report=report, dry_run=dry_run,
                   comment=notes_text(req.description or notes), cover=req.image, season=req.season,
                   number=req.number, chapters=chapters)
    done = publish_item(
        job, [r.podcast_mp3, r.artwork, *([r.episode_image(req.image)] if req.image else []), r.loudness,
              *([r.chapters_file(chapters)] if chapters else []), *(r.transcript(path) for path, _ in transcripts),
              *speech],
        warnings=checked.warnings, notes=notes, description=req.description, season=req.season, number=req.number,
        episode_type=req.episode_type, explicit=req.explicit, chapters=chapters, persons=checked.persons)
    return PublishResult(episode=done.item, record=done.record, feed_url=site.public_url(show.feed_key),
                         uploaded=done.uploaded, reused_media="audio" in done.reused, dry_run=dry_run,
                         warnings=done.warnings)


def list_published(site: Site, show_id: str) -> list[Item]:
    return load_records(site.episodes_dir, load_show(site, show_id).id)


__all__ = ["EpisodeRequest", "PublishResult", "list_published", "publish_episode"]
