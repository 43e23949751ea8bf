"""Seminar recordings: ``publish seminar`` and the archive web staff link to.

The same order as ``publish.publish_episode`` (design.md): gather and validate everything, then make the
media in a temporary folder, upload it content-addressed beside the seminar's page, then the manifest,
then the local record, then the video podcast feed and the archive pages. One seminar is

- ``<show>/<slug>/<slug>-<hash8>.mp4``   the web MP4 (the item's media): video copied when web-ready, audio
  levelled and normalised (``video.master_mp4``);
- ``<show>/<slug>/<slug>-<hash8>.jpg``   the poster frame;
- ``<show>/<slug>/<slug>-<hash8>.mp3``   the sound alone, normalised and ID3-tagged, for listeners (the feed
  offers it as ``podcast:alternateEnclosure``);
- ``<show>/<slug>/<slug>-<hash8>.vtt``   the captions (SRT converted to WebVTT);
- ``<show>/<slug>/<pdf-stem>-<hash8>.pdf`` each slide deck, as given;
- ``<show>/<slug>/index.html``           its permanent page, written by ``regenerate_archive`` after all that.

The slug comes from the title and the GUID is kept by slug (``publish.find_existing``), so publishing a
seminar again keeps its address and identity. Each rendition has its own recipe: an unchanged video is not
encoded again because the description changed, and an identical re-run uploads nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import random
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.render.pages import render_archive
from pipeline.media.audio import delivery_format, measure_source
from pipeline.media.curves import measure_curve
from pipeline.checks.store import refuse_failing_feed
from pipeline.model.config import Show, Site, load_show
from pipeline.model.timerange import parse_time_range
from pipeline.model.errors import InputError, PreconditionFailed, StorageError
from pipeline.render.feed import render_feed
from pipeline.app.identity import show_podcast_guid
from pipeline.inputs.images import check_artwork
from pipeline.media.probe import probe, require_audio
from pipeline.app.episode import (
    FEED_RETRIES, FeedResult, Reporter, _present, _put_if_changed, artwork_media, check_and_hash, check_title,
    collect_episodes, describe, find_existing, loudness_rendition, media_key, read_notes, recipe, record_item,
    regenerate_feed, sha256_file, upload_media,
)
from pipeline.inputs.notes import text_as_markdown
from pipeline.model.records import Item, Media, Person, slugify
from pipeline.media.runner import BACKGROUND
from pipeline.store import SHORT, Storage, content_type_for, open_storage
from pipeline.media.tagging import Tags, tag_mp3
from pipeline.media.video import audio_only_mp3, master_mp4, poster, poster_time, require_video
from pipeline.inputs.captions import captions_to_vtt
from pipeline.inputs.slides import check_pdf

DEFAULT_SHOW = "seminarer"
# Bump when a process changes, so re-runs remake that rendition instead of reusing the old one.
VIDEO_RECIPE = "mp4-v1"
POSTER_RECIPE = "poster-v1"

CAPTIONS_RULE = ("Norwegian rules on universal design (forskrift om universell utforming av IKT-løsninger, "
                 "WCAG 2.1 criterion 1.2.2) require captions on prerecorded video that public bodies publish")

# --- what the producer types --------------------------------------------------------------------

def slides_label(path: Path) -> str:
    """What a download link calls a slide deck: its file name as the producer gave it, without the suffix."""
    return path.stem


# --- the seminar pipeline -----------------------------------------------------------------------

@dataclass
class SeminarRequest:
    source: Path
    title: str
    date: dt.date
    time: str  # "09:00-10:00"; checked again by parse_time_range
    show: str = DEFAULT_SHOW
    place: str | None = None  # default: the series' default_place
    speakers: tuple[Person, ...] = ()  # role = free text shown on the page ("leder for ... i Ruter#")
    description: str | None = None
    notes_file: Path | None = None
    slides: tuple[Path, ...] = ()
    captions: Path | None = None  # .vtt or .srt
    poster_at: float | None = None  # seconds; default video.poster_time


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


def publish_seminar(site: Site, req: SeminarRequest, *, storage: Storage | None = None, dry_run: bool = False,
                    reporter: Reporter | None = None, today: dt.date | None = None) -> SeminarResult:
    report = reporter or Reporter()
    # 1. Gather and validate everything before the first write.
    show = seminar_show(site, req.show)
    title = check_title(req.title)
    when = parse_time_range(req.time)
    # --description is plain text, shown as typed; --notes is a Markdown file.
    notes = read_notes(req.notes_file, text_as_markdown(req.description) if req.description else None)
    warnings = []
    if req.captions is None:
        if show.require_captions:
            raise InputError(f"no --captions, and {show.id} requires them (require_captions = true in "
                             f"feeds/{show.id}.toml): {CAPTIONS_RULE}; give --captions FILE.vtt or FILE.srt",
                             str(req.source))
        warnings.append(f"published without captions: {CAPTIONS_RULE}. Publish it again with "
                        "--captions FILE.vtt (or .srt) as soon as you have them")
    check_artwork(show.artwork)
    report.stage(f"probing {req.source.name}")
    p = probe(req.source)
    require_video(p)
    require_audio(p)
    source_sha = check_and_hash(p)
    captions = captions_to_vtt(req.captions) if req.captions is not None else None
    for path in req.slides:
        check_pdf(path)
    at = poster_time(p.duration) if req.poster_at is None else req.poster_at
    if not 0 <= at < p.duration:
        raise InputError(f"{at:.1f} s is past the end of the recording ({p.duration:.1f} s)", "--poster-at")
    storage = storage or open_storage(site.storage, site.root)
    slug = slugify(title)
    existing = find_existing(site, storage, show.id, slug)
    if existing is not None and existing.retracted:
        raise InputError(f"a seminar titled like this was retracted (GUID {existing.guid}); its GUID and address "
                         "stay reserved, so choose another title", str(req.source))
    guid = existing.guid if existing else str(uuid.uuid4())
    tags = Tags(title=title, artist=show.author, album=show.title, date=req.date.isoformat(),
                comment=(req.description or notes.split("\n\n")[0])[:500], cover=show.artwork,
                cover_mime="image/png" if show.artwork.suffix.lower() == ".png" else "image/jpeg",
                duration=p.duration)
    recipes = {"video": recipe(source_sha, show, None, version=VIDEO_RECIPE),
               "poster": recipe(source_sha, show, None, version=POSTER_RECIPE, at=round(at, 3)),
               "audio": recipe(source_sha, show, tags)}
    previous = {"video": existing.media if existing else None,
                "poster": existing.renditions.get("poster") if existing else None,
                "audio": existing.renditions.get("audio") if existing else None}
    reused = [role for role, media in previous.items()
              if media is not None and existing.source.get("recipes", {}).get(role) == recipes[role]
              and _present(storage, media)]
    artwork = artwork_media(site, show)
    result = SeminarResult(episode=existing, record=None, page_url=site.public_url(f"{show.id}/{slug}/"),  # type: ignore[arg-type]
                           archive_url=site.public_url(f"{show.id}/"), feed_url=site.public_url(show.feed_key),
                           reused=reused, dry_run=dry_run, warnings=warnings)
    folder = slug  # everything of a seminar sits beside its page

    def key(name: str, sha: str, suffix: str) -> str:
        return media_key(show.id, req.date, name, sha, suffix, folder=folder)

    with contextlib.ExitStack() as stack:
        # The pool exits before the folder is removed: a failing MP4 waits for the MP3 job to end.
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="seminar-")))
        files: dict[str, Path] = {}  # role -> the file to upload (absent: already in the store)
        renditions: dict[str, Media] = {}
        # The web MP4.
        mp4 = work / "seminar.mp4"
        mp3 = work / "audio.mp3"
        mp3_job = curve_job = None
        side_jobs_started = False
        curves = (None, None)
        pool = stack.enter_context(ThreadPoolExecutor(1))
        if "video" in reused:
            report.stage("video unchanged since the last publish: reusing the MP4 in the store")
            video, before, after = existing.media, existing.loudness_before, existing.loudness_after
            result.copied_video = existing.source.get("video") == "copied"
        elif dry_run:
            report.stage("dry run: measuring only")
            from pipeline.media.audio import measure, source_rate

            video, before, after = None, measure(p.path, [], peak=source_rate(p)), None
        else:
            # The source is measured once for both deliveries, and the MP3 is made on the other core while
            # the MP4's AAC is encoded (the longest step, one core), not while the limiter is calibrated before
            # it. A mono recording's MP3 is measured again, as dual-mono.
            measured = measure_source(p, show.loudness, progress=lambda t: report.progress(t, p.duration),
                                      say=report.stage)

            def on_pass(msg: str) -> None:
                nonlocal mp3_job, curve_job, side_jobs_started
                report.stage(msg)
                if not side_jobs_started and msg.startswith("encoding (pass 1"):
                    side_jobs_started = True
                    if "audio" not in reused:
                        # At lower priority: the MP4's AAC encoder is what the whole run waits for.
                        mp3_job = pool.submit(audio_only_mp3, p, show.loudness, mp3, measured=measured, nice=BACKGROUND,
                                              on_pass=lambda m: report.stage(f"audio-only MP3: {m}"))
                    # The loudness picture's "before" was recorded while measuring, as stereo; a mono
                    # recording is drawn as dual-mono, like its MP3: measured on the same core after the MP3.
                    if delivery_format(p)[0] == 1:
                        curve_job = pool.submit(measure_curve, p.path, mono=True)

            encoded = master_mp4(p, show.loudness, mp4, on_pass=on_pass, measured=measured,
                                 progress=lambda t: report.progress(t, p.duration))
            sha = sha256_file(mp4)
            video = describe(site, key(slug, sha, ".mp4"), mp4, sha, duration=round(encoded.duration, 3),
                             width=encoded.width, height=encoded.height)
            before, after, result.copied_video = encoded.before, encoded.after, encoded.copied_video
            curves = (curve_job.result() if curve_job else measured.before_curve, encoded.curve)
            files["video"] = mp4
        # The poster frame and the audio-only MP3.
        if "poster" in reused:
            renditions["poster"] = previous["poster"]
        elif not dry_run:
            report.stage(f"poster frame at {at:.1f} s")
            jpg = poster(req.source, work / "poster.jpg", at)
            picture = probe(jpg).video
            sha = sha256_file(jpg)
            renditions["poster"] = describe(site, key(slug, sha, ".jpg"), jpg, sha,
                                            width=picture.width if picture else None,
                                            height=picture.height if picture else None)
            files["poster"] = jpg
        if "audio" in reused:
            renditions["audio"] = previous["audio"]
        elif not dry_run:
            if mp3_job is not None:
                mp3_job.result()
            else:
                report.stage("audio-only MP3 for listeners")
                audio_only_mp3(p, show.loudness, mp3, on_pass=report.stage,
                               progress=lambda t: report.progress(t, p.duration))
            tag_mp3(mp3, tags)
            sha = sha256_file(mp3)
            renditions["audio"] = describe(site, key(slug, sha, ".mp3"), mp3, sha, duration=round(probe(mp3).duration, 3))
            files["audio"] = mp3
        # Captions and slides: content-addressed as they are (captions as WebVTT).
        if captions is not None:
            vtt = work / "captions.vtt"
            vtt.write_bytes(captions)
            sha = sha256_file(vtt)
            renditions["captions"] = describe(site, key(slug, sha, ".vtt"), vtt, sha)
            files["captions"] = vtt
        for n, path in enumerate(req.slides, 1):
            sha = sha256_file(path)
            renditions[f"slides-{n}"] = describe(site, key(slugify(path.stem), sha, ".pdf"), path, sha,
                                                 label=slides_label(path))
            files[f"slides-{n}"] = path
        if not dry_run:
            assert video is not None
            png = loudness_rendition(site, storage, show, p, mp4, slug=slug, title=title, media=video, before=before,
                                     after=after, previous=existing if "video" in reused else None, report=report,
                                     curves=curves)
            renditions["loudness"] = png[0]
            if png[1] is not None:
                files["loudness"] = png[1]
        episode = Item(
            show=show.id, guid=guid, slug=slug, title=title, date=req.date,
            media=video or Media(key="(dry run)", url="", bytes=0, sha256="", type="video/mp4", duration=p.duration),
            notes=notes, description=req.description, persons=req.speakers, renditions=renditions,
            loudness_before=before, loudness_after=after, time=when, place=req.place or show.default_place,
            source={"name": req.source.name, "sha256": source_sha, "recipes": recipes,
                    **({"video": "copied" if result.copied_video else "encoded"} if result.copied_video is not None else {})},
        )
        result.episode = episode
        if dry_run:
            return result
        # The feed and the pages with this seminar must render and pass the check before anything is uploaded.
        render_archive(show, site, [episode])
        precheck = render_feed(show, site, [episode], artwork=artwork, today=today,
                               guid=show_podcast_guid(site, show, storage, assign=False))
        refuse_failing_feed(precheck, show.feed_key, storage, site.base_url, today=today,
                            known={artwork.url: show.artwork})

        # 2. Media first: no page or feed may name an object that is not in the store.
        report.stage("uploading")
        uploads = [(episode.media, files.get("video"))] + [(m, files.get(role)) for role, m in renditions.items()]
        result.uploaded += upload_media(storage, uploads + [(artwork, show.artwork)], report)
    # 3. The manifest, then the local record.
    result.uploaded += record_item(site, storage, episode)
    result.record = site.episodes_dir / episode.show / episode.record_name
    # 4. The video podcast feed and the archive pages, last.
    report.stage("regenerating the feed and the archive")
    feed = regenerate_feed(site, show, storage, prefer_local={guid}, today=today)
    pages = regenerate_archive(site, show, storage, prefer_local={guid})
    result.uploaded += feed.uploaded + [k for k in pages.uploaded if k not in feed.uploaded]
    result.warnings += feed.warnings
    return result


# --- the archive pages ----------------------------------------------------------------------------

@dataclass
class ArchiveResult:
    key: str  # the archive's index page
    url: str
    seminars: list[Item]
    pages: list[str]  # every key rendered
    uploaded: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def regenerate_archive(site: Site, show: Show, storage: Storage | None = None, *,
                       prefer_local: set[str] | None = None) -> ArchiveResult:
    """Render the archive (``pages.render_archive``) from the store's manifests and ``episodes/`` and write
    each page only if it changed: the seminars' pages and the stylesheet first, then ``<show>/index.html``
    with a conditional PUT, as the feed is written, so two producers publishing at once both get listed.

    ``prefer_local`` as in ``publish.collect_episodes``; None (``publish archive``) also refuses records that
    name media the store lacks.
    """
    storage = storage or open_storage(site.storage, site.root)
    index_key = f"{show.id}/index.html"
    result = ArchiveResult(key=index_key, url=site.public_url(f"{show.id}/"), seminars=[], pages=[])
    for attempt in range(FEED_RETRIES):
        current = storage.get(index_key)  # its ETag before the manifests are read
        seminars, warnings = collect_episodes(site, show, storage, prefer_local)
        if prefer_local is None:
            for ep in seminars:
                for media in (ep.media, *ep.renditions.values()):
                    if not _present(storage, media):
                        raise StorageError(f"{ep.record_name} names {media.key}, which is not in the store",
                                           storage.url)
        rendered = render_archive(show, site, seminars)
        index = rendered.pop(index_key)
        result.seminars, result.warnings, result.pages = seminars, warnings, [*rendered, index_key]
        for key, data in rendered.items():
            if _put_if_changed(storage, key, data) and key not in result.uploaded:
                result.uploaded.append(key)
        if current is not None and current[0] == index:
            return result
        try:
            storage.put_bytes(index_key, index, content_type=content_type_for(index_key), cache_control=SHORT,
                              metadata={"sha256": hashlib.sha256(index).hexdigest()},
                              if_match=current[1].etag if current else None, if_none_match=current is None)
            result.uploaded.append(index_key)
            return result
        except PreconditionFailed:
            time.sleep(random.uniform(0.05, 0.3) * (attempt + 1))
    raise StorageError(f"{index_key} kept changing under us ({FEED_RETRIES} attempts); try again", storage.url)


def publish_archive(site: Site, show_id: str, storage: Storage | None = None,
                    today: dt.date | None = None) -> tuple[FeedResult, ArchiveResult]:
    """``publish archive``: the feed, then the pages, from ``episodes/`` (edits there take effect) and the store."""
    show = seminar_show(site, show_id)
    storage = storage or open_storage(site.storage, site.root)
    feed = regenerate_feed(site, show, storage, today=today)
    return feed, regenerate_archive(site, show, storage)


__all__ = ["ArchiveResult", "SeminarRequest", "SeminarResult",
           "publish_archive", "publish_seminar", "regenerate_archive", "seminar_show", "slides_label"]
