"""Seminar recordings: ``publish seminar`` and the archive web staff link to.

Through the one publishing skeleton (``app.publishing``), as an episode is: gather and check everything,
then make the media in a temporary folder, upload it content-addressed beside the seminar's page, then the
manifest, then the local record, then the video podcast feed and the archive pages. One seminar is

- ``<show>/<slug>/<slug>-<hash8>.mp4``   the web MP4 (the item's media): video copied when web-ready, audio
  levelled and normalised (``video.master_mp4``);
- ``<show>/<slug>/<slug>-mobil-<hash8>.mp4`` the phone rendition (at most 480 lines, ``renditions.phone``),
  when the main MP4 is large enough for it to be worth making (``video.phone_worth_making``);
- ``<show>/<slug>/<slug>-<hash8>.jpg``   the poster frame;
- ``<show>/<slug>/<slug>-<hash8>.mp3``   the sound alone, normalised and ID3-tagged, for listeners (the feed
  offers it as ``podcast:alternateEnclosure``);
- ``<show>/<slug>/<slug>-<hash8>.vtt``   the captions (SRT converted to WebVTT);
- ``<show>/<slug>/<pdf-stem>-<hash8>.pdf`` each slide deck, as given;
- ``<show>/<slug>/index.html``           its permanent page, written last (``regenerate.regenerate_archive``).

The slug comes from the title and the GUID is kept by slug (``publishing.find_existing``), so publishing a
seminar again keeps its address and identity. Each rendition has its own recipe: an unchanged video is not
encoded again because the description changed, and an identical re-run uploads nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.app import renditions as r
from pipeline.app.captions import machine_captions, speech_engine
from pipeline.app.chapters import chapter_files, seminar_chapters
from pipeline.app.publishing import (Kind, Reporter, check_date, check_persons, check_title, find_existing, open_job,
                                     probe_source, publish_item, read_notes)
from pipeline.app.scratch import work_folder
from pipeline.app.regenerate import ArchiveResult, FeedResult, regenerate_archive, regenerate_feed
from pipeline.inputs.images import check_show_artwork
from pipeline.inputs.notes import notes_text
from pipeline.media.probe import Probe, require_audio
from pipeline.inputs.captions import captions_to_vtt
from pipeline.inputs.slides import check_pdf
from pipeline.media.video import poster_time, require_video
from pipeline.model.config import Show, Site, load_show
from pipeline.model.errors import InputError
from pipeline.model.records import Item, Person, slugify
from pipeline.model.text import check_text
from pipeline.model.timerange import parse_time_range
from pipeline.store import Storage, open_storage

DEFAULT_SHOW = "seminarer"
SEMINAR = Kind("seminar", media_type="video/mp4", pages=True,
               retracted="a seminar titled like this was retracted (GUID {guid}); its GUID and address stay "
                         "reserved, so choose another title")

CAPTIONS_RULE = ("Norwegian rules on universal design (forskrift om universell utforming av IKT-løsninger, "
                 "WCAG 2.1 criterion 1.2.2) require captions on prerecorded video that public bodies publish")


@dataclass
class SeminarRequest:
    source: Path
    title: str
    date: dt.date
    time: str  # "09:00-10:00"; checked again by parse_time_range
    show: str = DEFAULT_SHOW
    place: str | None = None  # default: the series' default_place
    # As typed, 'Name | role' (or a Person): the role is free text shown on the page ("leder for ... i Ruter#").
    speakers: tuple[Person | str, ...] = ()
    description: str | None = None
    notes_file: Path | None = None
    slides: tuple[Path, ...] = ()
    captions: Path | None = None  # .vtt or .srt
    machine_captions: bool = False  # --captions auto: drafted by speech recognition
    speech_model: str | None = None  # default: speech.model in feeds/site.toml
    language: str | None = None  # default: speech.language in feeds/site.toml
    poster_at: float | None = None  # seconds; default video.poster_time
    chapters_file: Path | None = None  # 'HH:MM:SS Title' per line; wins over auto_chapters
    auto_chapters: bool = False  # --chapters auto: found from the slide changes, titled from the slides


@dataclass
class SeminarResult:
    episode: Item
    record: Path | None
    page_url: str
    archive_url: str
    feed_url: str
    uploaded: list[str] = field(default_factory=list)  # keys whose bytes were sent, in the order they were sent
    reused: list[str] = field(default_factory=list)  # renditions taken from the store unchanged: video, poster, audio
    copied_video: bool | None = None  # the recording's video stream is in the MP4 untouched (None: dry run)
    dry_run: bool = False
    warnings: list[str] = field(default_factory=list)

    @property
    def reused_media(self) -> bool:
        return {"video", "poster", "audio"} <= set(self.reused)


def seminar_show(site: Site, show_id: str) -> Show:
    show = load_show(site, show_id)
    if show.kind != "seminar":
        raise InputError(f"{show.id} is a {show.kind}, not a seminar series (kind = \"seminar\" in "
                         f"feeds/{show.id}.toml); use publish episode for it", "--show")
    return show


def captions_warnings(show: Show, req: SeminarRequest) -> list[str]:
    """Published without captions, or with a machine draft: refused where the series requires captions
    (reviewed ones, with ``require_captions = "reviewed"``), else a warning."""
    if req.captions is not None:
        return []
    if req.machine_captions:
        if show.require_captions == "reviewed":
            raise InputError(f"machine captions are a draft, and {show.id} requires reviewed captions "
                             f"(require_captions = \"reviewed\" in feeds/{show.id}.toml): run publish transcribe, "
                             "correct the draft, then publish with --captions FILE.vtt", "--captions")
        return ["the captions are a machine draft, marked as such on the page: correct the .captions.vtt file "
                "saved beside the record and publish again with --captions FILE.vtt"]
    if show.require_captions:
        raise InputError(f"no --captions, and {show.id} requires them (require_captions = true in "
                         f"feeds/{show.id}.toml): {CAPTIONS_RULE}; give --captions FILE.vtt or FILE.srt",
                         str(req.source))
    return [f"published without captions: {CAPTIONS_RULE}. Publish it again with "
            "--captions FILE.vtt (or .srt) as soon as you have them"]


def check_producer_files(req: SeminarRequest, p: Probe) -> tuple[bytes | None, float]:
    """The captions as WebVTT, the slides checked, and where the poster frame is taken."""
    captions = captions_to_vtt(req.captions) if req.captions is not None else None
    for path in req.slides:
        check_pdf(path)
    at = poster_time(p.duration) if req.poster_at is None else req.poster_at
    if not 0 <= at < p.duration:
        raise InputError(f"{at:.1f} s is past the end of the recording ({p.duration:.1f} s)", "--poster-at")
    return captions, at


def publish_seminar(site: Site, req: SeminarRequest, *, storage: Storage | None = None, dry_run: bool = False,
                    reporter: Reporter | None = None, today: dt.date | None = None) -> SeminarResult:
    report = reporter or Reporter()
    # Gather and check everything before the first write.
    show = seminar_show(site, req.show)
    title = check_title(req.title)
    check_date(req.date, today or dt.date.today())
    when = parse_time_range(req.time)
    speakers, _ = check_persons(req.speakers, "--speaker", "speaker")
    place = check_text(req.place, "--place") if req.place is not None else show.default_place
    # --description is plain text, shown as typed; --notes is a Markdown file.
    notes = read_notes(req.notes_file, req.description, plain=True)
    warnings = captions_warnings(show, req)
    check_show_artwork(show.artwork, site.feeds_dir / f"{show.id}.toml")
    p, source_sha = probe_source(req.source, report, require_video, require_audio)
    captions, at = check_producer_files(req, p)
    if captions is not None:
        subtitles = [r.captions_file(captions)]
    elif req.machine_captions:
        subtitles = [machine_captions(*speech_engine(site, req.speech_model, req.language), speakers)]
    else:
        subtitles = []
    storage = storage or open_storage(site.storage, site.root)
    with work_folder("chapters") as work:
        chapters, facts = seminar_chapters(p, source_sha, given=req.chapters_file, auto=req.auto_chapters,
                                           slides=req.slides, existing=find_existing(site, storage, show.id,
                                                                                     slugify(title)),
                                           work=work, report=report)
    job = open_job(SEMINAR, site, show, storage, p, source_sha, title=title, date=req.date, today=today,
                   report=report, dry_run=dry_run, comment=req.description or notes_text(notes), folder_by_slug=True,
                   chapters=chapters)
    done = publish_item(
        job, [r.web_mp4, r.poster_frame(at), r.audio_only, r.phone, *subtitles,
              *(r.slide_deck(n, path) for n, path in enumerate(req.slides, 1)),
              *(chapter_files(chapters, facts) if chapters else []), r.loudness, r.artwork],
        warnings=warnings, notes=notes, description=req.description, persons=speakers, time=when,
        place=place or show.default_place, chapters=chapters)
    video = done.made["video"].facts.get("video")
    return SeminarResult(episode=done.item, record=done.record, page_url=site.public_url(f"{show.id}/{job.slug}/"),
                         archive_url=site.public_url(f"{show.id}/"), feed_url=site.public_url(show.feed_key),
                         uploaded=done.uploaded, reused=done.reused, dry_run=dry_run, warnings=done.warnings,
                         copied_video=None if video is None else video == "copied")


def publish_archive(site: Site, show_id: str, storage: Storage | None = None,
                    today: dt.date | None = None) -> tuple[FeedResult, ArchiveResult]:
    """``publish archive``: the feed, then the pages, from ``episodes/`` (edits there take effect) and the store."""
    show = seminar_show(site, show_id)
    storage = storage or open_storage(site.storage, site.root)
    feed = regenerate_feed(site, show, storage, today=today)
    return feed, regenerate_archive(site, show, storage)


__all__ = ["SeminarRequest", "SeminarResult", "publish_archive", "publish_seminar", "seminar_show"]
