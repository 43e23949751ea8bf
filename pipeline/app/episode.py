"""Publishing: the stages in order, as plain functions over the records and a store.

Order is the guarantee (design.md): media, then manifest, then the local record, then the feed.
A feed is only ever written after every object it names is in the store, and it is written with a
conditional PUT so that producers publishing at the same time both end up in it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import posixpath
import random
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from pipeline.media.audio import delivery_format, master_mp3
from pipeline.app.picture import loudness_picture
from pipeline.model.curves import Curve
from pipeline.inputs.chapters import chapters_json, read_chapters
from pipeline.checks.store import refuse_failing_feed
from pipeline.model.config import Show, Site, load_show
from pipeline.model.errors import InputError, PreconditionFailed, StorageError, read_utf8
from pipeline.render.feed import render_feed
from pipeline.inputs.images import check_artwork
from pipeline.app.identity import show_podcast_guid
from pipeline.render.podcastns import taxonomy_role
from pipeline.media.probe import Probe, check_whole, probe, require_audio
from pipeline.media.runner import start_forked
from pipeline.model.records import (Chapter, Item, LoudnessStats, Media, Person, find_record, load_records, manifest_key,
                      parse_record, slugify, write_record)
from pipeline.store import SHORT, Storage, content_type_for, open_storage, upload_if_changed
from pipeline.media.tagging import Tags, tag_mp3
from pipeline.inputs.transcripts import check_transcripts

TITLE_MAX = 255
# Bump when the audio recipe changes, so re-runs re-encode instead of reusing old media.
AUDIO_RECIPE = "mp3-v1"
FEED_RETRIES = 8


class Reporter:
    """What the stages tell the person waiting. The CLI subclasses it with a progress bar; tests use this."""

    def stage(self, text: str) -> None: ...

    def progress(self, done: float, total: float | None) -> None: ...

    def warn(self, text: str) -> None: ...


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


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def check_and_hash(p: Probe) -> str:
    """Refuse a damaged recording (``probe.check_whole``: ffmpeg decodes it whole) and return its sha256,
    hashed meanwhile on the other core: both read the same file, so it is read from disk once."""
    with ThreadPoolExecutor(1) as pool:
        sha = pool.submit(sha256_file, p.path)
        check_whole(p)
        return sha.result()


def check_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise InputError("the title is empty", "--title")
    if len(title) > TITLE_MAX:
        raise InputError(f"the title is {len(title)} characters; at most {TITLE_MAX}", "--title")
    return title


def read_notes(path: Path | None, description: str | None) -> str:
    if path is None:
        return (description or "").strip()
    return read_utf8(path).strip()


def media_key(show: str, date: dt.date, slug: str, sha256: str, suffix: str, *, folder: str | None = None) -> str:
    """Content-addressed: a re-encode gets a new name, so caches never serve stale bytes.

    In ``<show>/<year>/`` (podcasts), or in ``<show>/<folder>/`` (a seminar's media beside its page).
    """
    return f"{show}/{folder or date.year}/{slug}-{sha256[:8]}{suffix}"


def describe(site: Site, key: str, path: Path, sha256: str | None = None, **extra) -> Media:
    sha = sha256 or sha256_file(path)
    return Media(key=key, url=site.public_url(key), bytes=path.stat().st_size, sha256=sha,
                 type=content_type_for(key).split(";")[0], **extra)


def artwork_media(site: Site, show: Show) -> Media:
    sha = sha256_file(show.artwork)
    return describe(site, f"{show.id}/artwork-{sha[:8]}{show.artwork.suffix.lower()}", show.artwork, sha)


def recipe(source_sha: str, show: Show, tags: Tags | None, *, version: str = AUDIO_RECIPE, **settings) -> str:
    """Everything that decides the delivered bytes; equal recipes give equal media, so nothing is redone.

    ``version`` names the process (bump it when the process changes); ``settings`` are further choices that
    change the bytes (a seminar's poster time). Without them the recipe is what episodes always had.
    """
    data: dict = {"v": version, "src": source_sha, "loudness": show.loudness.__dict__, **settings}
    if tags is not None:
        cover = sha256_file(tags.cover) if tags.cover else None
        data["tags"] = {**tags.__dict__, "cover": cover, "chapters": [c.__dict__ for c in tags.chapters]}
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


# --- reading what is published --------------------------------------------------------------

# Manifests already read by this process, by (store, key, ETag): an ETag names the bytes, so what was read
# before the encode (``find_existing``) is not fetched again when the feed is rebuilt after it; the listing
# is always fresh, so a colleague's new or changed manifest is still read.
_manifests_read: dict[tuple[str, str, str], Item] = {}
MANIFEST_FETCHES = 8  # at once: a show of 1,000 episodes is 1,000 small GETs


def store_manifests(storage: Storage, show: str) -> dict[str, Item]:
    """Every item the store says is published in ``show``, by GUID."""

    def read(info) -> Item | None:
        known = _manifests_read.get((storage.url, info.key, info.etag))
        if known is not None:
            return known
        got = storage.get(info.key)
        if got is None:
            return None  # deleted since the listing
        ep = Item.from_dict(json.loads(got[0]), f"{storage.url}/{info.key}")
        _manifests_read[(storage.url, info.key, got[1].etag)] = ep
        return ep

    listing = list(storage.list(f"_manifests/{show}/"))
    with ThreadPoolExecutor(MANIFEST_FETCHES) as pool:
        return {ep.guid: ep for ep in pool.map(read, listing) if ep is not None}


def find_existing(site: Site, storage: Storage, show: str, slug: str) -> Item | None:
    """The item this slug already names: in ``episodes/``, or else in the store (a crashed run, a colleague)."""
    local = find_record(load_records(site.episodes_dir, show), slug)
    if local is not None:
        return local
    return next((e for e in store_manifests(storage, show).values() if e.slug == slug), None)


# --- the episode pipeline -------------------------------------------------------------------

def publish_episode(site: Site, req: EpisodeRequest, *, storage: Storage | None = None, dry_run: bool = False,
                    reporter: Reporter | None = None, today: dt.date | None = None) -> PublishResult:
    report = reporter or Reporter()
    today = today or dt.date.today()
    # 1. Gather and validate everything before the first write.
    show = load_show(site, req.show)
    title = check_title(req.title)
    notes = read_notes(req.notes_file, req.description)
    if req.image is not None:
        check_artwork(req.image)
    check_artwork(show.artwork)
    report.stage(f"probing {req.source.name}")
    p = probe(req.source)
    require_audio(p)
    source_sha = check_and_hash(p)
    chapters: tuple[Chapter, ...] = read_chapters(req.chapters_file, p.duration) if req.chapters_file else ()
    transcript_types = check_transcripts(req.transcripts)
    storage = storage or open_storage(site.storage, site.root)
    slug = slugify(title)
    existing = find_existing(site, storage, show.id, slug)
    if existing is not None and existing.retracted:
        raise InputError(f"an episode titled like this was retracted (GUID {existing.guid}); its GUID stays "
                         "reserved, so choose another title", str(req.source))
    date = req.date or (existing.date if existing else today)
    guid = existing.guid if existing else str(uuid.uuid4())
    cover = req.image or show.artwork
    tags = Tags(title=title, artist=show.author, album=show.title, date=date.isoformat(),
                comment=(req.description or notes.split("\n\n")[0])[:500], season=req.season, number=req.number,
                cover=cover, cover_mime="image/png" if cover.suffix.lower() == ".png" else "image/jpeg",
                chapters=chapters, duration=p.duration)
    this_recipe = recipe(source_sha, show, tags)
    artwork = artwork_media(site, show)
    result = PublishResult(episode=existing, record=None, feed_url=site.public_url(show.feed_key), dry_run=dry_run)  # type: ignore[arg-type]

    with tempfile.TemporaryDirectory(prefix="publish-") as tmp:
        reuse = (existing is not None and existing.source.get("recipe") == this_recipe
                 and _present(storage, existing.media))
        if reuse:
            report.stage("unchanged since the last publish: reusing the media in the store")
            media, before, after = existing.media, existing.loudness_before, existing.loudness_after
            curves = (None, None)
            result.reused_media = True
        elif dry_run:
            report.stage("dry run: measuring only")
            from pipeline.media.audio import measure, source_rate
            before = measure(p.path, [], peak=source_rate(p))
            after, media, curves = None, None, (None, None)
        else:
            out = Path(tmp) / "episode.mp3"
            encoded = master_mp3(p, show.loudness, out, on_pass=report.stage,
                                 progress=lambda t: report.progress(t, p.duration))
            tag_mp3(out, tags)
            delivered = probe(out)
            sha = sha256_file(out)
            media = describe(site, media_key(show.id, date, slug, sha, ".mp3"), out, sha,
                             duration=round(delivered.duration, 3))
            before, after, curves = encoded.before, encoded.after, encoded.curves
        picture = None if dry_run else loudness_rendition(
            site, storage, show, p, Path(tmp) / "episode.mp3", slug=slug, title=title, media=media, before=before,
            after=after, previous=existing if reuse else None, report=report, curves=curves)
        image = None
        if req.image is not None:
            sha = sha256_file(req.image)
            image = describe(site, media_key(show.id, date, slug, sha, req.image.suffix.lower()), req.image, sha)
        side = [] if dry_run else side_files(site, show, Path(tmp), date=date, slug=slug, title=title,
                                             chapters=chapters, transcripts=transcript_types)
        episode = Item(
            show=show.id, guid=guid, slug=slug, title=title, date=date,
            media=media or Media(key="(dry run)", url="", bytes=0, sha256="", type="audio/mpeg", duration=p.duration),
            notes=notes, description=req.description, season=req.season, number=req.number,
            episode_type=req.episode_type, explicit=req.explicit, image=image, chapters=chapters,
            persons=req.persons, loudness_before=before, loudness_after=after,
            renditions={**({"loudness": picture[0]} if picture else {}), **{role: m for role, m, _ in side}},
            source={"name": req.source.name, "sha256": source_sha, "recipe": this_recipe},
        )
        result.episode = episode
        result.warnings += [f"--person {p.name!r}: {p.role!r} is not a role in the Podcast Taxonomy; the feed names "
                            "them as a guest" for p in req.persons if taxonomy_role(p.role) is None]
        if dry_run:
            return result
        # The feed with this episode must pass the check before anything is uploaded.
        precheck = render_feed(show, site, [episode], artwork=artwork, today=today,
                               guid=show_podcast_guid(site, show, storage, assign=False))
        refuse_failing_feed(precheck, show.feed_key, storage, site.base_url, today=today,
                            known={artwork.url: show.artwork, **({image.url: req.image} if image else {})})

        # 2. Media first: the feed must never name an object that is not in the store.
        report.stage("uploading")
        uploads = [(episode.media, None if reuse else Path(tmp) / "episode.mp3"),
                   (artwork, show.artwork)] + ([(image, req.image)] if image else []) + ([picture] if picture else [])
        uploads += [(m, path) for _, m, path in side]
        result.uploaded += upload_media(storage, uploads, report)
    # 3. The manifest (the store's own record), then the local record.
    result.uploaded += record_item(site, storage, episode)
    result.record = site.episodes_dir / episode.show / episode.record_name
    # 4. The feed, last.
    report.stage("regenerating the feed")
    feed_result = regenerate_feed(site, show, storage, prefer_local={guid}, today=today)
    result.uploaded += feed_result.uploaded
    result.warnings += feed_result.warnings
    return result


def loudness_rendition(site: Site, storage: Storage, show: Show, p: Probe, delivered: Path, *, slug: str,
                       title: str, media: Media, before: LoudnessStats, after: LoudnessStats,
                       previous: Item | None, report: Reporter,
                       curves: tuple[Curve | None, Curve | None] = (None, None)) -> tuple[Media, Path | None]:
    """The loudness picture as a rendition, and the PNG to upload (None: the previous one is still in the store).

    Drawn from the source ``p`` and the ``delivered`` file (MP3 or MP4, the ``media``), stored beside it as
    ``<media's folder>/<slug>-loudness-<hash8>.png``. When the media was reused from the store and the previous
    record has no picture (published before pictures existed), ``media`` is fetched to ``delivered`` first.
    ``curves`` (before, after) already measured are drawn as they are.
    """
    old = previous.renditions.get("loudness") if previous else None
    if old is not None and _present(storage, old):
        return old, None
    if not delivered.exists():
        got = storage.get(media.key)
        if got is None:
            raise StorageError(f"{media.key} is missing", storage.url)
        delivered.write_bytes(got[0])
    report.stage("drawing the loudness picture")
    png = loudness_picture(p.path, delivered, delivered.with_name("loudness.png"), title=title,
                           target=show.loudness, before=before, after=after, mono=delivery_format(p)[0] == 1,
                           curves=curves)
    sha = sha256_file(png)
    return describe(site, f"{posixpath.dirname(media.key)}/{slug}-loudness-{sha[:8]}.png", png, sha), png


def side_files(site: Site, show: Show, folder: Path, *, date: dt.date, slug: str, title: str,
               chapters: tuple[Chapter, ...], transcripts: list[tuple[Path, str]]) -> list[tuple[str, Media, Path]]:
    """The files published beside the audio, as (role, media, file): the JSON chapters (the same chapters as
    the ID3 tags) and the transcripts, content-addressed like the audio."""
    side = []
    if chapters:
        path = folder / "chapters.json"
        path.write_bytes(chapters_json(chapters, title))
        sha = sha256_file(path)
        side.append(("chapters", describe(site, media_key(show.id, date, slug, sha, ".json"), path, sha), path))
    for path, _mime in transcripts:
        sha = sha256_file(path)
        suffix = path.suffix.lower()
        side.append((f"transcript-{suffix[1:]}", describe(site, media_key(show.id, date, f"{slug}-transcript", sha, suffix),
                                                          path, sha), path))
    return side


def _present(storage: Storage, media: Media) -> bool:
    info = storage.head(media.key)
    return info is not None and info.size == media.bytes and info.sha256 == media.sha256


def upload_media(storage: Storage, uploads: list[tuple[Media, Path | None]], report: Reporter) -> list[str]:
    """Upload each (media, file) whose bytes the store lacks; None as the file means reused from the store.
    Returns the keys sent. Always before the manifest and the feed that name them."""
    sent = []
    for media, path in uploads:
        if path is not None and upload_if_changed(storage, media.key, path, media.sha256,
                                                  progress=lambda n: report.progress(n, None)):
            sent.append(media.key)
    return sent


def record_item(site: Site, storage: Storage, episode: Item) -> list[str]:
    """The item's manifest in the store, then its record in ``episodes/`` (in that order: a crash between
    them leaves a manifest a re-run finds by slug, so the GUID is kept). Returns the keys sent."""
    key = manifest_key(episode.show, episode.guid)
    sent = [key] if _put_if_changed(storage, key, episode.manifest_bytes()) else []
    write_record(site.episodes_dir, episode)
    return sent


def _put_if_changed(storage: Storage, key: str, data: bytes) -> bool:
    current = storage.get(key)
    if current is not None and current[0] == data:
        return False
    storage.put_bytes(key, data, content_type=content_type_for(key), cache_control=SHORT,
                      metadata={"sha256": hashlib.sha256(data).hexdigest()})
    return True


# --- the feed ---------------------------------------------------------------------------------

@dataclass
class FeedResult:
    key: str
    url: str
    episodes: list[Item]
    uploaded: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def collect_episodes(site: Site, show: Show, storage: Storage, prefer_local: set[str] | None) -> tuple[list[Item], list[str]]:
    """The items of the feed: the store's manifests, with local records winning for ``prefer_local`` GUIDs
    (None: every local record wins, as in ``publish feed`` after someone edited the notes)."""
    local = {e.guid: e for e in load_records(site.episodes_dir, show.id)}
    published = store_manifests(storage, show.id)
    warnings = []
    for guid, ep in published.items():
        if guid not in local:
            warnings.append(f"«{ep.title}» ({guid[:8]}) is in the store but not in {site.episodes_dir / show.id}; "
                            "run `git pull` to get its record")
    for guid, ep in local.items():
        if guid in published and (prefer_local is None or guid in prefer_local):
            published[guid] = ep
        elif guid not in published:
            warnings.append(f"{ep.record_name} is not in the store (no manifest); publish it again to upload it")
    return list(published.values()), warnings


def regenerate_feed(site: Site, show: Show, storage: Storage | None = None, *, prefer_local: set[str] | None = None,
                    today: dt.date | None = None, reporter: Reporter | None = None) -> FeedResult:
    """Rebuild ``<show>/feed.xml`` from the store's manifests and ``episodes/``; write it only if it changed.

    Read the feed's ETag first, then the manifests, then write with If-Match (If-None-Match: * when new):
    a producer who published meanwhile makes the write fail, and the retry sees their manifest.
    """
    storage = storage or open_storage(site.storage, site.root)
    result = FeedResult(key=show.feed_key, url=site.public_url(show.feed_key), episodes=[])
    artwork = artwork_media(site, show)
    if upload_if_changed(storage, artwork.key, show.artwork, artwork.sha256):
        result.uploaded.append(artwork.key)
    guid = show_podcast_guid(site, show, storage, assign=False)
    for attempt in range(FEED_RETRIES):
        current = storage.get(show.feed_key)
        episodes, warnings = collect_episodes(site, show, storage, prefer_local)
        if prefer_local is None:
            for ep in episodes:
                if not _present(storage, ep.media):
                    raise StorageError(f"{ep.record_name} names {ep.media.key}, which is not in the store", storage.url)
        data = render_feed(show, site, episodes, artwork=artwork, today=today, guid=guid, parallel=start_forked)
        # A feed that fails `publish check` is refused before anything is written; the old feed stays.
        refuse_failing_feed(data, show.feed_key, storage, site.base_url, today=today, known={artwork.url: show.artwork})
        show_podcast_guid(site, show, storage, assign=True)
        if prefer_local is None:
            # `publish feed`: edits made in episodes/ become the store's manifests.
            for ep in episodes:
                if _put_if_changed(storage, manifest_key(show.id, ep.guid), ep.manifest_bytes()):
                    result.uploaded.append(manifest_key(show.id, ep.guid))
        result.episodes, result.warnings = episodes, warnings
        if current is not None and current[0] == data:
            return result
        try:
            storage.put_bytes(show.feed_key, data, content_type=content_type_for(show.feed_key), cache_control=SHORT,
                              metadata={"sha256": hashlib.sha256(data).hexdigest()},
                              if_match=current[1].etag if current else None, if_none_match=current is None)
            result.uploaded.append(show.feed_key)
            return result
        except PreconditionFailed:
            time.sleep(random.uniform(0.05, 0.3) * (attempt + 1))
    raise StorageError(f"{show.feed_key} kept changing under us ({FEED_RETRIES} attempts); try again", storage.url)


def list_published(site: Site, show_id: str) -> list[Item]:
    return load_records(site.episodes_dir, load_show(site, show_id).id)


__all__ = ["EpisodeRequest", "FeedResult", "PublishResult", "Reporter", "list_published", "parse_record",
           "publish_episode", "regenerate_feed", "replace", "LoudnessStats"]
