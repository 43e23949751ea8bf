"""``publish batch transcribe|remaster|verify``: one kind of work over the back catalogue.

Plan first (``plan_batch``): every published item in the selection, from the store's manifests and the records
in ``episodes/``, is either skipped with a reason (it has captions already; it was done by this very recipe,
recorded in its ``source.batch``; it meets the show's loudness target) or planned, with an estimate of the
time. Then each planned item is an independent job (``run_item``), run in a local process pool or on a Ray
cluster (``app.cluster``): it fetches the item's published media from the store into its own work folder,
opens a ``publishing.Job`` for the item as published, and runs the very renditions ``publish episode`` and
``publish seminar`` use (``captions.machine_captions``, ``renditions.podcast_mp3`` ...) through the skeleton's
``plan``/``make``, checks the feed with the item, and uploads the media (content-addressed). The driver then
records each result as it arrives (manifest, then record: ``publishing.record_item``) and, at the end,
regenerates each show's feed (and a seminar series' archive) once.

Resumable by construction: a job writes only content-addressed media, the driver the manifest and record
after it, and the feed comes last, so a run killed at any moment leaves the store consistent, and the same
command plans only what has no record of being done.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from pipeline.app import renditions as r
from pipeline.app.captions import machine_captions, machine_transcript, speech_engine
from pipeline.app.objects import artwork_media, sha256_file
from pipeline.app.publishing import (Job, Kind, Reporter, check_before_writing, item_tags, make, plan, record_item,
                                     upload_media, workspace)
from pipeline.app.regenerate import collect_items, regenerate_archive, regenerate_feed
from pipeline.app.scratch import work_folder
from pipeline.checks.store import store_key
from pipeline.checks.targets import item_targets, page_tracks
from pipeline.inputs.notes import notes_text
from pipeline.media.audio import measure
from pipeline.media.probe import probe
from pipeline.media.speech import Engine, model_name
from pipeline.model.config import Show, Site, load_show, show_ids
from pipeline.model.errors import InputError, PipelineError, StorageError
from pipeline.model.records import Item, Media
from pipeline.store import open_storage

TASKS = ("transcribe", "remaster", "verify")
# Bump when what a task makes changes: items done by an older version are planned again.
BATCH_RECIPES = {"transcribe": "batch-transcribe-v1", "remaster": "batch-remaster-v1", "verify": "batch-verify-v1"}
# What the estimate is made of: seconds one job takes per item and per second of recording, each a least-squares
# fit of the per-item job times (``--json``'s ``times``) over items of 3 s and 12 s of speech, measured by
# ``scripts/bench --only batch`` (full mode, 8 items, 3 runs; 2026-11-29 23:41 UTC, on 520ac86 with this
# change) on this project's 2-core machine, a local pool of 2, CPU only, the test suite's Whisper base model
# (``tools/models.py``; loaded once per worker). A bigger model or a GPU changes ``transcribe`` most (README,
# "Batch: the local pool and Ray", for a worked estimate).
COST_PER_ITEM = {"transcribe": 0.13, "remaster": 1.49, "verify": 0.15}
COST_PER_SECOND = {"transcribe": 0.664, "remaster": 0.018, "verify": 0.003}
VERIFY_LU = 0.5  # how far a re-measurement may be from the recorded one


@dataclass(frozen=True)
class Selection:
    shows: tuple[str, ...] = ()  # none: every show
    since: dt.date | None = None
    until: dt.date | None = None
    only: tuple[str, ...] = ()  # slugs


@dataclass(frozen=True)
class Needs:
    """What one job asks of the machine it runs on (a Ray task's resources)."""

    cpus: float = 1
    memory: int = 1 << 30  # bytes
    gpus: float = 0


@dataclass(frozen=True)
class ItemJob:
    """Everything a worker needs for one item, and nothing secret: the store is named by its URL, and the
    worker's machine finds its credentials by the standard AWS chain."""

    task: str
    site: Site
    show: Show
    item: Item
    artwork: Media  # the show's artwork as the store holds it (a remote worker has no feeds/ folder)
    recipe: str
    engine: Engine | None = None
    language: str = "no"
    original: Path | None = None  # remaster: the original recording, found in --sources

    @property
    def label(self) -> str:
        return f"{self.show.id}/{self.item.slug}"


@dataclass(frozen=True)
class ItemDone:
    """What a job hands back: the item's new record and its drafts, or the reason it failed."""

    label: str
    item: Item | None = None
    drafts: dict[str, bytes] = field(default_factory=dict)
    uploaded: list[str] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0


@dataclass
class BatchPlan:
    task: str
    jobs: list[ItemJob]
    skipped: list[tuple[str, str]]  # (item, why)
    shows: list[str]  # in the selection: regenerated at the end
    estimate: float  # seconds of work, all of it on one worker
    needs: Needs = Needs()


@dataclass
class BatchResult:
    plan: BatchPlan
    done: list[ItemDone] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (item, reason)
    uploaded: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    workers: int = 0
    where: str = "local"
    seconds: float = 0.0


class BatchReporter(Reporter):
    """What the driver tells the person waiting, as items end."""

    def items(self, done: int, running: int, failed: int, total: int, eta: float | None) -> None: ...


# --- planning -------------------------------------------------------------------------------------------

def batch_recipe(task: str, show: Show, item: Item, engine: Engine | None, language: str) -> str:
    """What decides a task's result for an item: done by the same recipe means nothing to do."""
    data: dict = {"v": BATCH_RECIPES[task]}
    if task == "transcribe":
        data.update(media=item.media.sha256, model=model_name(engine.model) if engine else None, language=language)
    elif task == "remaster":  # not the media's hash: remastering makes new media
        data.update(src=item.source.get("sha256"), loudness=show.loudness.__dict__)
    else:
        data.update(media=item.media.sha256, renditions=sorted(m.sha256 for m in item.renditions.values()),
                    loudness=show.loudness.__dict__)
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def why_skip(task: str, show: Show, item: Item, recipe: str, force: bool = False) -> str | None:
    """Why ``item`` needs no ``task``, or None when it does (``force``: verify checks it again all the same)."""
    if force and task == "verify":
        return None
    if item.source.get("batch", {}).get(task) == recipe:
        return f"{task} done before with the same recipe"
    if task == "transcribe":
        has = [role for role in item.renditions if role == "captions" or role.startswith("transcript-")]
        return f"has {', '.join(sorted(has))} already" if has else None
    if task == "remaster" and item.loudness_after is not None:
        target, after = show.loudness, item.loudness_after
        if abs(after.integrated - target.integrated) <= VERIFY_LU and after.true_peak <= target.true_peak + 0.1:
            return f"at the show's target already ({after.integrated:.1f} LUFS)"
    return None


def selected(items: list[Item], selection: Selection) -> list[Item]:
    return [i for i in items if not i.retracted
            and (selection.since is None or i.date >= selection.since)
            and (selection.until is None or i.date <= selection.until)
            and (not selection.only or i.slug in selection.only)]


def find_original(item: Item, sources: Path | None) -> Path | None:
    """The original recording of ``item`` in ``sources`` (by ``source.name``), when there."""
    name = item.source.get("name")
    if sources is None or not name:
        return None
    found = sources / name
    return found if found.is_file() else None


def plan_batch(site: Site, task: str, selection: Selection, *, sources: Path | None = None,
               model: str | None = None, language: str | None = None, force: bool = False) -> BatchPlan:
    """Which items need ``task``, and what it will take; nothing is written."""
    if task not in TASKS:
        raise InputError(f"{task!r} is not a batch task; use one of {', '.join(TASKS)}", "TASK")
    engine, code = speech_engine(site, model, language) if task == "transcribe" else (None, "no")
    storage = open_storage(site.storage, site.root)
    shows = [load_show(site, s) for s in (selection.shows or show_ids(site))]
    jobs, skipped = [], []
    for show in shows:
        art = artwork_media(site, show)
        items, _ = collect_items(site, show, storage, prefer_local=None)
        for item in sorted(selected(items, selection), key=lambda i: (i.date, i.slug)):
            recipe = batch_recipe(task, show, item, engine, code)
            why = why_skip(task, show, item, recipe, force)
            if why:
                skipped.append((f"{show.id}/{item.slug}", why))
            else:
                jobs.append(ItemJob(task, site, show, item, art, recipe, engine, code, find_original(item, sources)))
    seconds = sum(COST_PER_ITEM[task] + COST_PER_SECOND[task] * (j.item.media.duration or 0) for j in jobs)
    return BatchPlan(task, jobs, skipped, [s.id for s in shows], seconds, needs_of(task, engine))


def needs_of(task: str, engine: Engine | None) -> Needs:
    """A transcription wants a GPU when its model is set to run on one; everything else a core."""
    if task == "transcribe" and engine is not None and engine.device == "cuda":
        return Needs(cpus=1, memory=4 << 30, gpus=1)
    return Needs(cpus=1, memory=(2 << 30) if task == "transcribe" else (1 << 30))


# --- one item: what a worker runs ------------------------------------------------------------------------

def run_item(job: ItemJob) -> ItemDone:
    """One item's job, anywhere: never raises, so one item's failure is its own."""
    started = time.monotonic()
    try:
        with work_folder("batch") as work:
            item, drafts, uploaded = (verify if job.task == "verify" else remake)(job, work)
        return ItemDone(job.label, item, drafts, uploaded, seconds=time.monotonic() - started)
    except PipelineError as e:
        reason = str(e)
    except Exception as e:  # noqa: BLE001 — a bug in one item must not stop the others; it is reported
        reason = f"{type(e).__name__}: {e}"
    return ItemDone(job.label, error=reason.splitlines()[0] if reason else "failed", seconds=time.monotonic() - started)


def fetch(storage, media: Media, into: Path) -> Path:
    """``media`` from the store into ``into``, refused unless it is the very object its record names."""
    got = storage.get(media.key)
    if got is None:
        raise StorageError(f"{media.key} is missing", storage.url)
    if hashlib.sha256(got[0]).hexdigest() != media.sha256 or len(got[0]) != media.bytes:
        raise StorageError(f"{media.key} is not the object its manifest names (size or sha256 differ)", storage.url)
    into.write_bytes(got[0])
    return into


def source_of(job: ItemJob, storage, work: Path) -> tuple[Path, str]:
    """The recording a job works from, and the sha256 its recipes name: the original (``--sources``) when it is
    the very recording published, else the published media."""
    original = job.original
    if job.task == "remaster" and original is not None:
        sha = sha256_file(original)
        if sha != job.item.source.get("sha256"):
            raise InputError(f"not the recording {job.label} was published from (its sha256 differs)", str(original))
        return original, sha
    media = job.item.media
    path = fetch(storage, media, work / f"published{Path(media.key).suffix}")
    return path, job.item.source.get("sha256") or media.sha256


def renditions_for(job: ItemJob) -> list:
    item, kind = job.item, job.show.kind
    if job.task == "transcribe":
        if kind == "seminar":
            return [machine_captions(job.engine, job.language, item.persons)]
        return machine_transcript(job.engine, job.language, item.persons)
    if kind == "seminar":
        return [r.web_mp4, r.audio_only, r.loudness]
    return [r.podcast_mp3, r.loudness]


def open_item_job(job: ItemJob, storage, work: Path) -> Job:
    """The skeleton's ``Job`` for the item as published: same GUID, slug, date, tags and folder."""
    from pipeline.app.episode import EPISODE
    from pipeline.app.seminar import SEMINAR

    item = job.item
    artwork = fetch(storage, job.artwork, work / f"artwork{Path(job.artwork.key).suffix}")
    show = replace(job.show, artwork=artwork)
    cover = fetch(storage, item.image, work / f"cover{Path(item.image.key).suffix}") if item.image else None
    path, sha = source_of(job, storage, work)
    p = probe(path)
    kind: Kind = SEMINAR if show.kind == "seminar" else EPISODE
    tags = item_tags(show, p, title=item.title, date=item.date, comment=notes_text(item.description or item.notes),
                     cover=cover, season=item.season, number=item.number, chapters=item.chapters)
    return Job(kind=kind, site=job.site, show=show, storage=storage, report=Reporter(), today=None, dry_run=False,
               source=p, source_sha=sha, title=item.title, slug=item.slug, date=item.date, guid=item.guid,
               existing=item, tags=tags, artwork=job.artwork, folder=item.slug if kind.pages else None)


def remake(job: ItemJob, work: Path) -> tuple[Item, dict[str, bytes], list[str]]:
    """Transcribe or remaster: the renditions made by the skeleton, the feed checked with the item, the media
    uploaded; the record is the driver's to write."""
    storage = open_storage(job.site.storage, job.site.root)
    item_job = open_item_job(job, storage, work)
    plan(item_job, renditions_for(job))
    with workspace(item_job):
        make(item_job)
        item = merged(item_job, job)
        check_before_writing(item_job, item)
        uploaded = upload_media(storage, [(out.media, out.file) for out in item_job.made.values()], item_job.report)
    drafts = {name: data for out in item_job.made.values() for name, data in out.drafts.items()}
    return item, drafts, uploaded


def merged(item_job: Job, job: ItemJob) -> Item:
    """The item as published, with what the job made in place of what it had, and the task's recipe."""
    item, source = job.item, dict(job.item.source)
    renditions = dict(item.renditions)
    for rendition in item_job.renditions:
        out = item_job.made.get(rendition.role)
        if out is None:
            continue
        if rendition.records_as == "media":
            item = replace(item, media=out.media, loudness_before=out.before, loudness_after=out.after)
        elif rendition.records_as == "rendition":
            renditions[rendition.role] = out.media
        source.update(out.facts)
    if item_job.kind.one_recipe:  # an episode records its media's recipe alone
        if job.task == "remaster":
            source["recipe"] = item_job.recipes[item_job.media_role]
    else:
        source["recipes"] = {**source.get("recipes", {}), **item_job.recipes}
    if job.task == "remaster":
        source["remastered_from"] = "original" if job.original else "published"
    source["batch"] = {**source.get("batch", {}), job.task: job.recipe}
    return replace(item, renditions=renditions, source=source)


def verify(job: ItemJob, work: Path) -> tuple[Item, dict[str, bytes], list[str]]:
    """Every object the item's record names is in the store with its very bytes; the media's loudness,
    measured again, is what the record says and within the show's tolerance of its target; a seminar's page
    is there."""
    storage = open_storage(job.site.storage, job.site.root)
    item, target = job.item, job.show.loudness
    for n, media in enumerate([*item.renditions.values(), *([item.image] if item.image else [])]):
        fetch(storage, media, work / f"rendition-{n}")
    path = fetch(storage, item.media, work / f"media{Path(item.media.key).suffix}")
    audio = probe(path).audio
    # As the publish measured it: a mono MP3 as dual-mono (two speakers), with its true peak.
    measured = measure(path, peak=audio.sample_rate if audio and audio.sample_rate else 48000,
                       mono=bool(audio and audio.channels == 1))
    recorded = item.loudness_after
    if recorded is not None and abs(measured.integrated - recorded.integrated) > VERIFY_LU:
        raise StorageError(f"{item.media.key} measures {measured.integrated:.1f} LUFS; its record says "
                           f"{recorded.integrated:.1f}", storage.url)
    if abs(measured.integrated - target.integrated) > target.tolerance:
        raise InputError(f"{item.media.key} measures {measured.integrated:.1f} LUFS, off the show's target of "
                         f"{target.integrated:.1f} by more than {target.tolerance} LU: remaster it", job.label)
    check_named(job, storage)
    source = {**item.source, "batch": {**item.source.get("batch", {}), "verify": job.recipe}}
    return replace(item, source=source), {}, []


def check_named(job: ItemJob, storage) -> None:
    """The feed names every caption and transcript the record names (``podcast:transcript``), and a seminar's
    page is there and names its captions (``<track kind="captions">``)."""
    item, show = job.item, job.show
    texts = {role: m for role, m in item.renditions.items() if role == "captions" or role.startswith("transcript")}
    if texts:
        feed = storage.get(show.feed_key)
        if feed is None:
            raise StorageError(f"{show.feed_key}, the show's feed, is missing", storage.url)
        named = {t.url for t in item_targets(feed[0], item.guid) if t.kind == "transcript"}
        named |= {store_key(url, job.site.base_url) for url in named}
        for role, media in sorted(texts.items()):
            if media.url not in named and media.key not in named:
                raise StorageError(f"{show.feed_key} does not name {item.slug}'s {role} ({media.key})", storage.url)
    if show.kind != "seminar":
        return
    page_key = f"{show.id}/{item.slug}/index.html"
    page = storage.get(page_key)
    if page is None:
        raise StorageError(f"{page_key}, the seminar's page, is missing", storage.url)
    if "captions" in texts and texts["captions"].key not in page_tracks(page[0], page_key):
        raise StorageError(f"{page_key} does not name the captions {texts['captions'].key}", storage.url)


# --- the driver ------------------------------------------------------------------------------------------

def _failed(job: ItemJob, why: str) -> ItemDone:
    return ItemDone(job.label, error=why)


def run_batch(site: Site, batch: BatchPlan, *, cluster: str = "local", workers: int | None = None,
              report: BatchReporter | None = None) -> BatchResult:
    """Run ``batch``'s jobs where ``cluster`` says (``cluster.place``), record each result as it arrives, then
    regenerate each show's feed (and archive) once."""
    from pipeline.app.cluster import place, run_jobs

    report = report or BatchReporter()
    placement = place(cluster, workers, site.storage)
    result = BatchResult(batch, workers=placement.workers, where=placement.describe())
    storage = open_storage(site.storage, site.root)
    started, total = time.monotonic(), len(batch.jobs)
    report.stage(f"{total} item(s) on {placement.describe()}")
    report.items(0, min(total, placement.workers), 0, total, batch.estimate / max(1, placement.workers))
    for done in run_jobs(placement, run_item, batch.jobs, batch.needs, _failed):
        if done.error is None:
            try:
                result.uploaded += done.uploaded + record_item(site, storage, done.item, done.drafts)
                result.done.append(done)
            except PipelineError as e:
                result.failed.append((done.label, str(e)))
        else:
            result.failed.append((done.label, done.error))
        ended = len(result.done) + len(result.failed)
        rate = (time.monotonic() - started) / ended
        report.items(len(result.done), min(total - ended, placement.workers), len(result.failed), total,
                     rate * (total - ended))
    regenerate_shows(site, storage, batch, result, report)
    result.seconds = time.monotonic() - started
    return result


def regenerate_shows(site: Site, storage, batch: BatchPlan, result: BatchResult, report: Reporter) -> None:
    """Each show in the selection once: its feed, then a seminar series' archive. A show none of whose items
    changed in this run is rendered too, for a run killed before this step ended; it uploads nothing when
    nothing changed."""
    if batch.task == "verify" and not result.done:
        return
    guids = {done.item.guid for done in result.done}
    for show_id in batch.shows:
        show = load_show(site, show_id)
        if storage.head(show.feed_key) is None and not any(d.label.startswith(f"{show_id}/") for d in result.done):
            continue  # never published
        report.stage(f"regenerating {show_id}")
        # From the store's manifests (this run wrote each before its record), the records of this run winning.
        feed = regenerate_feed(site, show, storage, prefer_local=guids)
        result.uploaded += feed.uploaded
        result.warnings += feed.warnings
        if show.kind == "seminar":
            pages = regenerate_archive(site, show, storage, prefer_local=guids)
            result.uploaded += [k for k in pages.uploaded if k not in feed.uploaded]


def batch(site: Site, task: str, selection: Selection, *, dry_run: bool = False, cluster: str = "local",
          workers: int | None = None, sources: Path | None = None, model: str | None = None,
          language: str | None = None, force: bool = False, report: BatchReporter | None = None) -> BatchResult:
    """``publish batch TASK``: the plan, and with ``dry_run`` nothing more; else the jobs run and recorded."""
    report = report or BatchReporter()
    if force and task != "verify":
        raise InputError(f"only verify checks again what it has checked; {task} redoes only what is missing "
                         "or changed", "--force")
    if sources is not None and not sources.is_dir():
        raise InputError("not a folder", "--sources")
    if workers is not None and workers < 1:
        raise InputError(f"{workers} workers: give 1 or more", "--workers")
    report.stage(f"planning {task}")
    planned = plan_batch(site, task, selection, sources=sources, model=model, language=language, force=force)
    if dry_run:
        from pipeline.app.cluster import place

        where = place(cluster, workers, site.storage)
        return BatchResult(planned, workers=where.workers, where=where.describe())
    return run_batch(site, planned, cluster=cluster, workers=workers, report=report)
