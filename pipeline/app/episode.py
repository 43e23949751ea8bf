"""``publish episode``: a podcast episode, through the one publishing skeleton (``app.publishing``).

An episode is its MP3 (levelled, normalised, ID3-tagged with the cover and chapters), the show's artwork, its
own image when given, the loudness picture, the chapters as JSON and the transcripts, in that order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.app import renditions as r
from pipeline.app.publishing import (Kind, Reporter, check_title, open_job, probe_source, publish_item,
                                     read_notes)
from pipeline.inputs.chapters import read_chapters
from pipeline.inputs.images import check_artwork
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
    persons: tuple[Person, ...] = ()
    transcripts: tuple[Path, ...] = ()  # .vtt, .srt or .txt, published beside the audio


@dataclass
class PublishResult:
    episode: Item
    record: Path | None
    feed_url: str
    uploaded: list[str] = field(default_factory=list)  # keys whose bytes were sent
    reused_media: bool = False
    dry_run: bool = False
    warnings: list[str] = field(default_factory=list)


def publish_episode(site: Site, req: EpisodeRequest, *, storage: Storage | None = None, dry_run: bool = False,
                    reporter: Reporter | None = None, today: dt.date | None = None) -> PublishResult:
    report = reporter or Reporter()
    # Gather and check everything before the first write.
    show = load_show(site, req.show)
    title = check_title(req.title)
    notes = read_notes(req.notes_file, req.description)
    if req.image is not None:
        check_artwork(req.image)
    check_artwork(show.artwork)
    p, source_sha = probe_source(req.source, report, require_audio)
    chapters = read_chapters(req.chapters_file, p.duration) if req.chapters_file else ()
    transcripts = check_transcripts(req.transcripts)
    job = open_job(EPISODE, site, show, storage or open_storage(site.storage, site.root), p, source_sha,
                   title=title, date=req.date, today=today or dt.date.today(), report=report, dry_run=dry_run,
                   comment=req.description or notes.split("\n\n")[0], cover=req.image, season=req.season,
                   number=req.number, chapters=chapters)
    warnings = [f"--person {p.name!r}: {p.role!r} is not a role in the Podcast Taxonomy; the feed names them as "
                "a guest" for p in req.persons if taxonomy_role(p.role) is None]
    done = publish_item(
        job, [r.podcast_mp3, r.artwork, *([r.episode_image(req.image)] if req.image else []), r.loudness,
              *([r.chapters_file(chapters)] if chapters else []), *(r.transcript(path) for path, _ in transcripts)],
        warnings=warnings, notes=notes, description=req.description, season=req.season, number=req.number,
        episode_type=req.episode_type, explicit=req.explicit, chapters=chapters, persons=req.persons)
    return PublishResult(episode=done.item, record=done.record, feed_url=site.public_url(show.feed_key),
                         uploaded=done.uploaded, reused_media="audio" in done.reused, dry_run=dry_run,
                         warnings=done.warnings)


def list_published(site: Site, show_id: str) -> list[Item]:
    return load_records(site.episodes_dir, load_show(site, show_id).id)


__all__ = ["EpisodeRequest", "PublishResult", "list_published", "publish_episode"]
