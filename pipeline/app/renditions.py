"""The renditions an item can publish, each a ``publishing.Rendition``: how it is made and what decides its bytes.

An episode lists ``podcast_mp3``, the show's artwork, its own image, the loudness picture, its chapters and
transcripts; a seminar ``web_mp4``, its poster, the audio-only MP3, the ``phone`` MP4, captions, slides and
the loudness picture (``episode.py`` and ``seminar.py``). Everything is content-addressed (``Job.key``), so an unchanged
rendition keeps its name and an identical re-run uploads nothing.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
from concurrent.futures import Future, wait
from dataclasses import replace
from pathlib import Path

from pipeline.app.objects import in_store, media_from_file, sha256_file
from pipeline.app.publishing import Job, Output, Rendition
from pipeline.inputs.chapters import chapters_json
from pipeline.media.audio import SourceLoudness, delivery_format, master_mp3, measure_source
from pipeline.app.picture import loudness_picture
from pipeline.media.curves import measure_curve
from pipeline.media.probe import probe
from pipeline.media.runner import BACKGROUND
from pipeline.media.speech import LANGUAGE_NAMES
from pipeline.media.tagging import Tags, tag_mp3
from pipeline.media.video import (PHONE_HEIGHT, audio_only_mp3, is_web_ready, master_mp4, phone_mp4, phone_video,
                                  phone_worth_making, poster)
from pipeline.model.config import Show
from pipeline.model.errors import StorageError
from pipeline.model.records import Chapter, Item, slugify

# Bump when a process changes, so re-runs remake that rendition instead of reusing the old one.
AUDIO_RECIPE = "mp3-v1"
VIDEO_RECIPE = "mp4-v1"
POSTER_RECIPE = "poster-v1"
PHONE_RECIPE = "phone-v1"


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


def file_output(job: Job, path: Path, name: str, suffix: str, **extra) -> Output:
    """``path`` as it is, content-addressed under ``name`` in the item's folder."""
    sha = sha256_file(path)
    return Output(media_from_file(job.site, job.key(name, sha, suffix), path, sha, **extra), path)


# --- an item's media ---------------------------------------------------------------------------------

def _make_podcast_mp3(job: Job) -> Output:
    # What is made beside the MP3 (a transcription) needs no measurement: it starts now, on the other core.
    job.media_encode_started(None)
    out = job.work / "episode.mp3"
    encoded = master_mp3(job.source, job.show.loudness, out, on_pass=job.report.stage, progress=job.progress)
    tag_mp3(out, job.tags)
    made = file_output(job, out, job.slug, ".mp3", duration=round(probe(out).duration, 3))
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
    made = file_output(job, mp4, job.slug, ".mp4", duration=round(encoded.duration, 3), width=encoded.width,
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
    return file_output(job, mp3, job.slug, ".mp3", duration=round(probe(mp3).duration, 3))


audio_only = Rendition("audio", _make_audio_only, recipe=lambda job: recipe(job.source_sha, job.show, job.tags),
                       beside=_audio_only_beside)


def _phone_beside(job: Job, _measured: SourceLoudness) -> None:
    # Its picture only (the sound is the main MP4's, copied in when both are done), at lower priority: the
    # main MP4 is what the page and the feed need first. Progress goes to ``_make_phone_mp4``, which shows it.
    p, height = job.source, job.source.video.height if job.source.video else None
    if (height or 0) <= PHONE_HEIGHT or (is_web_ready(p) and not phone_worth_making(height, p.size, p.duration)):
        return  # no fewer lines to make, or the main MP4 copies a video already small enough for phones
    job.report.stage(f"phone rendition ({PHONE_HEIGHT} lines): encoding beside the MP4")
    seen = job.shared.setdefault("phone-progress", [0.0])
    phone_video(p, job.work / "phone-video.mp4", nice=BACKGROUND, progress=lambda t: seen.__setitem__(0, t))


def _finish_beside(job: Job, started: Future) -> None:
    """Wait for the work ``_phone_beside`` started, showing how far it got."""
    seen = job.shared.setdefault("phone-progress", [0.0])
    while not wait([started], timeout=0.5).done:
        job.progress(seen[0])
    started.result()


def _make_phone_mp4(job: Job) -> Output | None:
    """The phone rendition, beside the main MP4; None when the main MP4 is small enough for phones as it is."""
    started = job.pending.pop("phone", None)
    main = job.media_made()[1].media
    if not phone_worth_making(main.height, main.bytes, main.duration or 0.0):
        if started is not None:
            started.result()
        job.report.stage("no phone rendition: the main MP4 is small enough for phones")
        return None
    video = job.work / "phone-video.mp4"
    if started is not None:
        job.report.stage(f"phone rendition ({PHONE_HEIGHT} lines): finishing")
        _finish_beside(job, started)
    if not video.exists():  # not started beside (the main MP4 was reused), or found not worth it there
        job.report.stage(f"phone rendition: encoding {PHONE_HEIGHT} lines")
        phone_video(job.source, video, progress=job.progress)
    out = phone_mp4(video, delivered_file(job), job.work / "phone.mp4")
    made = probe(out)
    return file_output(job, out, f"{job.slug}-mobil", ".mp4", duration=round(made.duration, 3),
                       width=made.video.width if made.video else None, height=made.video.height if made.video else None)


phone = Rendition("phone", _make_phone_mp4, beside=_phone_beside,
                  recipe=lambda job: recipe(job.source_sha, job.show, None, version=PHONE_RECIPE, main=VIDEO_RECIPE))


def poster_frame(at: float) -> Rendition:
    """The video's frame at ``at`` seconds, as a JPEG."""

    def make(job: Job) -> Output:
        job.report.stage(f"poster frame at {at:.1f} s")
        jpg = poster(job.source.path, job.work / "poster.jpg", at)
        picture = probe(jpg).video
        return file_output(job, jpg, job.slug, ".jpg", width=picture.width if picture else None,
                     height=picture.height if picture else None)

    return Rendition("poster", make, recipe=lambda job: recipe(job.source_sha, job.show, None, version=POSTER_RECIPE,
                                                               at=round(at, 3)))


def delivered_file(job: Job) -> Path:
    """The item's media as a file: the one this run made, else (reused) fetched from the store once."""
    media = job.media_made()[1]
    delivered = media.file or job.work / f"delivered{posixpath.splitext(media.media.key)[1]}"
    if not delivered.exists():
        got = job.storage.get(media.media.key)
        if got is None:
            raise StorageError(f"{media.media.key} is missing", job.storage.url)
        delivered.write_bytes(got[0])
    return delivered


def _make_loudness_picture(job: Job) -> Output:
    """Drawn from the source and the delivered media, stored beside it as ``<slug>-loudness-<hash8>.png``.
    When the media was reused and the previous record has a picture still in the store, that one stays;
    when it has none (published before pictures existed), the media is fetched from the store to draw it."""
    role, media = job.media_made()
    previous = job.existing.renditions.get("loudness") if job.existing and role in job.reused else None
    if previous is not None and in_store(job.storage, previous):
        return Output(previous)
    delivered = delivered_file(job)
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
    return Rendition("image", lambda job: file_output(job, path, job.slug, path.suffix.lower()), records_as="image",
                     in_dry_run=True)


def chapters_file(chapters: tuple[Chapter, ...]) -> Rendition:
    """The chapters as JSON (Podcasting 2.0), the same chapters as the ID3 tags."""

    def make(job: Job) -> Output:
        path = job.work / "chapters.json"
        path.write_bytes(chapters_json(chapters, job.title))
        return file_output(job, path, job.slug, ".json")

    return Rendition("chapters", make)


def transcript(path: Path) -> Rendition:
    suffix = path.suffix.lower()
    return Rendition(f"transcript-{suffix[1:]}", lambda job: file_output(job, path, f"{job.slug}-transcript", suffix))


def captions_file(vtt: bytes, language: str = "no") -> Rendition:
    """The captions a person made or corrected, as WebVTT; saved beside the record too, in place of a draft."""

    def make(job: Job) -> Output:
        path = job.work / "captions.vtt"
        path.write_bytes(vtt)
        made = file_output(job, path, job.slug, ".vtt", label=LANGUAGE_NAMES.get(language, language))
        return replace(made, facts={"captions": {"source": "person", "reviewed": True}},
                       drafts={"captions.vtt": vtt})

    return Rendition("captions", make, in_dry_run=True)


def slides_label(path: Path) -> str:
    """What a download link calls a slide deck: its file name as the producer gave it, without the suffix."""
    return path.stem


def slide_deck(n: int, path: Path) -> Rendition:
    return Rendition(f"slides-{n}", lambda job: file_output(job, path, slugify(path.stem), ".pdf", label=slides_label(path)),
                     in_dry_run=True)
