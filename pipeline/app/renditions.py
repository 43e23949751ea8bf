"""The renditions an item can publish, each a ``publishing.Rendition``: how it is made and what decides its bytes.

An episode lists ``podcast_mp3``, the show's artwork, its own image, the loudness picture, its chapters and
transcripts; a seminar ``web_mp4``, its poster, the audio-only MP3, captions, slides and the loudness picture
(``episode.py`` and ``seminar.py``). Everything is content-addressed (``Job.key``), so an unchanged
rendition keeps its name and an identical re-run uploads nothing.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
from pathlib import Path

from pipeline.app.objects import in_store, media_from_file, sha256_file
from pipeline.app.publishing import Job, Output, Rendition
from pipeline.inputs.chapters import chapters_json
from pipeline.media.audio import SourceLoudness, delivery_format, master_mp3, measure_source
from pipeline.app.picture import loudness_picture
from pipeline.media.curves import measure_curve
from pipeline.media.probe import probe
from pipeline.media.runner import BACKGROUND
from pipeline.media.tagging import Tags, tag_mp3
from pipeline.media.video import audio_only_mp3, master_mp4, poster
from pipeline.model.config import Show
from pipeline.model.errors import StorageError
from pipeline.model.records import Chapter, Item, slugify

# Bump when a process changes, so re-runs remake that rendition instead of reusing the old one.
AUDIO_RECIPE = "mp3-v1"
VIDEO_RECIPE = "mp4-v1"
POSTER_RECIPE = "poster-v1"


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


def _file(job: Job, path: Path, name: str, suffix: str, **extra) -> Output:
    """``path`` as it is, content-addressed under ``name`` in the item's folder."""
    sha = sha256_file(path)
    return Output(media_from_file(job.site, job.key(name, sha, suffix), path, sha, **extra), path)


# --- an item's media ---------------------------------------------------------------------------------

def _make_podcast_mp3(job: Job) -> Output:
    out = job.work / "episode.mp3"
    encoded = master_mp3(job.source, job.show.loudness, out, on_pass=job.report.stage, progress=job.progress)
    tag_mp3(out, job.tags)
    made = _file(job, out, job.slug, ".mp3", duration=round(probe(out).duration, 3))
    return Output(made.media, out, before=encoded.before, after=encoded.after, curves=encoded.curves)


podcast_mp3 = Rendition(
    "audio", _make_podcast_mp3, recipe=lambda job: recipe(job.source_sha, job.show, job.tags), records_as="media",
    reusing="unchanged since the last publish: reusing the media in the store")


def _make_web_mp4(job: Job) -> Output:
    # The source is measured once for both deliveries, and what is made beside the MP4 (the audio-only MP3)
    # starts on the other core while the MP4's AAC is encoded (the longest step, one core), not while the
    # limiter is calibrated before it. A mono recording's MP3 is measured again, as dual-mono.
    p, mp4 = job.source, job.work / "seminar.mp4"
    measured = measure_source(p, job.show.loudness, progress=job.progress, say=job.report.stage)
    mono_curve = []

    def encode_started() -> None:
        job.media_encode_started(measured)
        # The loudness picture's "before" was recorded while measuring, as stereo; a mono recording is drawn
        # as dual-mono, like its MP3: measured on the same core after the MP3.
        if delivery_format(p)[0] == 1:
            mono_curve.append(job.pool.submit(measure_curve, p.path, mono=True))

    encoded = master_mp4(p, job.show.loudness, mp4, on_pass=job.report.stage, measured=measured,
                         progress=job.progress, on_encode_start=encode_started)
    made = _file(job, mp4, job.slug, ".mp4", duration=round(encoded.duration, 3), width=encoded.width,
                 height=encoded.height)
    curves = (mono_curve[0].result() if mono_curve else measured.before_curve, encoded.curve)
    return Output(made.media, mp4, before=encoded.before, after=encoded.after, curves=curves,
                  facts={"video": "copied" if encoded.copied_video else "encoded"})


def _video_kept(previous: Item) -> dict:
    return {"video": "copied" if previous.source.get("video") == "copied" else "encoded"}


web_mp4 = Rendition(
    "video", _make_web_mp4, recipe=lambda job: recipe(job.source_sha, job.show, None, version=VIDEO_RECIPE),
    records_as="media", reusing="video unchanged since the last publish: reusing the MP4 in the store",
    kept=_video_kept)


# --- beside the media --------------------------------------------------------------------------------

def _audio_only_beside(job: Job, measured: SourceLoudness) -> None:
    # At lower priority: the MP4's AAC encoder is what the whole run waits for.
    audio_only_mp3(job.source, job.show.loudness, job.work / "audio.mp3", measured=measured, nice=BACKGROUND,
                   on_pass=lambda m: job.report.stage(f"audio-only MP3: {m}"))


def _make_audio_only(job: Job) -> Output:
    mp3 = job.work / "audio.mp3"
    started = job.pending.pop("audio", None)
    if started is not None:
        started.result()
    else:
        job.report.stage("audio-only MP3 for listeners")
        audio_only_mp3(job.source, job.show.loudness, mp3, on_pass=job.report.stage, progress=job.progress)
    tag_mp3(mp3, job.tags)
    return _file(job, mp3, job.slug, ".mp3", duration=round(probe(mp3).duration, 3))


audio_only = Rendition("audio", _make_audio_only, recipe=lambda job: recipe(job.source_sha, job.show, job.tags),
                       beside=_audio_only_beside)


def poster_frame(at: float) -> Rendition:
    """The video's frame at ``at`` seconds, as a JPEG."""

    def make(job: Job) -> Output:
        job.report.stage(f"poster frame at {at:.1f} s")
        jpg = poster(job.source.path, job.work / "poster.jpg", at)
        picture = probe(jpg).video
        return _file(job, jpg, job.slug, ".jpg", width=picture.width if picture else None,
                     height=picture.height if picture else None)

    return Rendition("poster", make, recipe=lambda job: recipe(job.source_sha, job.show, None, version=POSTER_RECIPE,
                                                               at=round(at, 3)))


def _make_loudness_picture(job: Job) -> Output:
    """Drawn from the source and the delivered media, stored beside it as ``<slug>-loudness-<hash8>.png``.
    When the media was reused and the previous record has a picture still in the store, that one stays;
    when it has none (published before pictures existed), the media is fetched from the store to draw it."""
    role, media = job.media_made()
    previous = job.existing.renditions.get("loudness") if job.existing and role in job.reused else None
    if previous is not None and in_store(job.storage, previous):
        return Output(previous)
    delivered = media.file or job.work / f"delivered{posixpath.splitext(media.media.key)[1]}"
    if not delivered.exists():
        got = job.storage.get(media.media.key)
        if got is None:
            raise StorageError(f"{media.media.key} is missing", job.storage.url)
        delivered.write_bytes(got[0])
    job.report.stage("drawing the loudness picture")
    png = loudness_picture(job.source.path, delivered, delivered.with_name("loudness.png"), title=job.title,
                           target=job.show.loudness, before=media.before, after=media.after,
                           mono=delivery_format(job.source)[0] == 1, curves=media.curves)
    sha = sha256_file(png)
    key = f"{posixpath.dirname(media.media.key)}/{job.slug}-loudness-{sha[:8]}.png"
    return Output(media_from_file(job.site, key, png, sha), png)


loudness = Rendition("loudness", _make_loudness_picture)


# --- what the producer hands in, published as it is ---------------------------------------------------------

def show_artwork(job: Job) -> Output:
    return Output(job.artwork, job.show.artwork)


artwork = Rendition("artwork", show_artwork, records_as="show")


def episode_image(path: Path) -> Rendition:
    return Rendition("image", lambda job: _file(job, path, job.slug, path.suffix.lower()), records_as="image",
                     in_dry_run=True)


def chapters_file(chapters: tuple[Chapter, ...]) -> Rendition:
    """The chapters as JSON (Podcasting 2.0), the same chapters as the ID3 tags."""

    def make(job: Job) -> Output:
        path = job.work / "chapters.json"
        path.write_bytes(chapters_json(chapters, job.title))
        return _file(job, path, job.slug, ".json")

    return Rendition("chapters", make)


def transcript(path: Path) -> Rendition:
    suffix = path.suffix.lower()
    return Rendition(f"transcript-{suffix[1:]}", lambda job: _file(job, path, f"{job.slug}-transcript", suffix))


def captions_file(vtt: bytes) -> Rendition:
    """The captions, as WebVTT."""

    def make(job: Job) -> Output:
        path = job.work / "captions.vtt"
        path.write_bytes(vtt)
        return _file(job, path, job.slug, ".vtt")

    return Rendition("captions", make, in_dry_run=True)


def slides_label(path: Path) -> str:
    """What a download link calls a slide deck: its file name as the producer gave it, without the suffix."""
    return path.stem


def slide_deck(n: int, path: Path) -> Rendition:
    return Rendition(f"slides-{n}", lambda job: _file(job, path, slugify(path.stem), ".pdf", label=slides_label(path)),
                     in_dry_run=True)
