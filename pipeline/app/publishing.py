"""Publishing one item, whatever its kind: the skeleton every episode and seminar goes through.

Order is the guarantee (design.md): gather and check everything; plan the renditions (each reused from the
store when its recipe matches); make the rest in a temporary folder; check the feed (and the pages) with the
item before anything is written; upload, media first; record (the manifest, then the local record); and
regenerate the feed (and the pages), last, with conditional writes.

A kind of item is a list of ``Rendition``s (``app.renditions``): an episode and a seminar differ only in the
renditions they list and in a few words (``Kind``). A new capability is one more rendition in a list; a
batch over many items calls one rendition's ``make`` for each item's ``Job``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import mimetypes
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Literal
from pathlib import Path

from pipeline.app.identity import item_guid, show_podcast_guid
from pipeline.app.objects import artwork_media, in_store, media_key, sha256_file
from pipeline.app.regenerate import regenerate_archive, regenerate_feed
from pipeline.app.scratch import work_folder
from pipeline.checks.store import refuse_failing_feed
from pipeline.media.audio import SourceLoudness, delivery_format, measure_source
from pipeline.model.curves import Curve
from pipeline.media.probe import Probe, check_whole, probe
from pipeline.media.tagging import Tags
from pipeline.model.config import Show, Site
from pipeline.inputs.notes import check_notes, text_as_markdown
from pipeline.inputs.notes import read_notes as read_notes_file
from pipeline.model.errors import InputError
from pipeline.model.files import write_atomically
from pipeline.model.records import (Item, LoudnessStats, Media, Person, find_record, load_records, manifest_key,
                                    slugify, write_record)
from pipeline.model.text import check_text
from pipeline.render.pages import render_archive
from pipeline.render.feed import description_cut, render_feed
from pipeline.store import Storage, upload_if_changed
from pipeline.store.manifests import store_manifests
from pipeline.store.writes import write_if_changed

TITLE_MAX = 255
NUMBER_MAX = 9999  # the highest season and episode number
DATE_MIN = dt.date(1900, 1, 1)  # the earliest publication date (Oslo's time zone dates from 1895)
YEARS_AHEAD = 5  # how far ahead an item may be dated (it stays out of the feed until then)
DRY_RUN_KEY = "(dry run)"  # the key of the media a dry run does not make


class Reporter:
    """What the stages tell the person waiting. The CLI subclasses it with a progress bar; tests use this."""

    def stage(self, text: str) -> None: ...

    def progress(self, done: float, total: float | None) -> None: ...

    def warn(self, text: str) -> None: ...


# --- gathering and checking -----------------------------------------------------------------------

def check_title(title: str) -> str:
    """The title with its white space (tabs and line breaks too) folded to single spaces."""
    title = " ".join(check_text(title or "", "--title", multiline=True).split())
    if not title:
        raise InputError("the title is empty", "--title")
    if len(title) > TITLE_MAX:
        raise InputError(f"the title is {len(title)} characters; at most {TITLE_MAX}", "--title")
    return title


def read_notes(path: Path | None, description: str | None, *, plain: bool = False) -> str:
    """The item's notes as Markdown: the notes file, else the description typed (``plain``: shown as typed,
    so made Markdown that renders as that text), each held to ``notes.NOTES_LIMIT`` and without control
    characters."""
    if path is not None:
        return read_notes_file(path).strip()
    text = check_notes(description or "", "--description").strip()
    return text_as_markdown(text) if plain and text else text


def check_number(value: int | None, option: str) -> int | None:
    """A season or episode number: 1 to ``NUMBER_MAX`` (apps show it; none has more)."""
    if value is not None and not 1 <= value <= NUMBER_MAX:
        raise InputError(f"{value} is not a number from 1 to {NUMBER_MAX}", option)
    return value


def check_date(date: dt.date | None, today: dt.date, option: str = "--date") -> dt.date | None:
    """A publication date from ``DATE_MIN`` to ``YEARS_AHEAD`` years after ``today``: before 1900, Oslo had
    no time zone (a pubDate would say +0043), and a date far ahead is a typing error."""
    latest = today + dt.timedelta(days=365 * YEARS_AHEAD + 1)
    if date is not None and not DATE_MIN <= date <= latest:
        raise InputError(f"{date.isoformat()} is not a date from {DATE_MIN.isoformat()} to {latest.isoformat()}",
                         option)
    return date


def check_persons(persons: tuple[Person | str, ...], option: str, default_role: str,
                  warn: bool = False) -> tuple[tuple[Person, ...], list[str]]:
    """People as the producer typed them (``'Name | role'``; a ``Person`` is taken as it is): each name
    and role one line of text, a name required. Returns them, and (``warn``) a warning for each given
    without a role, which takes ``default_role``."""
    found, warnings = [], []
    for person in persons:
        if isinstance(person, str):
            name, _, role = (part.strip() for part in person.partition("|"))
        else:
            name, role = person.name.strip(), person.role.strip()
        check_text(name, option)
        check_text(role, option)
        if not name:
            raise InputError(f"{str(person)!r}: a name is missing; give 'Name | role'", option)
        if not role and warn:
            warnings.append(f"{option} {name!r} has no role, so the feed names them as a {default_role}; give "
                            f"'{name} | role' (host, guest, ...) to say who they are")
        found.append(Person(name=name, role=role or default_role))
    return tuple(found), warnings


def check_and_hash(p: Probe) -> str:
    """Refuse a damaged recording (``probe.check_whole``: ffmpeg decodes it whole) and return its sha256,
    hashed meanwhile on the other core: both read the same file, so it is read from disk once."""
    with ThreadPoolExecutor(1) as pool:
        sha = pool.submit(sha256_file, p.path)
        check_whole(p)
        return sha.result()


def probe_source(source: Path, report: Reporter, *requirements: Callable[[Probe], object]) -> tuple[Probe, str]:
    """The producer's recording probed, held to ``requirements`` (it has sound, a picture), decoded whole
    and hashed."""
    report.stage(f"probing {source.name}")
    p = probe(source)
    for require in requirements:
        require(p)
    return p, check_and_hash(p)


def find_existing(site: Site, storage: Storage, show: str, slug: str) -> Item | None:
    """The item this slug already names: in ``episodes/``, or else in the store (a crashed run, a colleague)."""
    local = find_record(load_records(site.episodes_dir, show), slug)
    if local is not None:
        return local
    return next((e for e in store_manifests(storage, show).values() if e.slug == slug), None)


# --- the item being published -----------------------------------------------------------------------

@dataclass(frozen=True)
class Kind:
    """What differs between kinds of item besides their renditions."""

    name: str  # "episode", "seminar"
    media_type: str  # of the item's media ("audio/mpeg"): a dry run's placeholder
    retracted: str  # the refusal of a retracted item's title, with {guid}
    pages: bool = False  # archive pages: rendered before anything is written, regenerated after the feed
    one_recipe: bool = False  # records its media's recipe alone, as ``recipe`` (else ``recipes``, by role)


@dataclass(frozen=True)
class Output:
    """A rendition made (or reused): its object, and the file to upload (None: the store holds it)."""

    media: Media
    file: Path | None = None
    before: LoudnessStats | None = None  # the item's media: the source's loudness and the delivered file's
    after: LoudnessStats | None = None
    curves: tuple[Curve | None, Curve | None] = (None, None)
    facts: dict = field(default_factory=dict)  # recorded in the item's ``source`` (was the video copied)
    drafts: dict[str, bytes] = field(default_factory=dict)  # saved beside the record for a person to correct


@dataclass(frozen=True)
class Rendition:
    """One thing an item publishes: how it is made, and what decides its bytes.

    ``records_as``: "media" (the item's own media, which carries its loudness), "image" (the item's picture),
    "rendition" (in ``Item.renditions`` under ``role``) or "show" (the show's artwork, named by the feed).
    """

    role: str
    make: Callable[[Job], Output | None]  # None: nothing to publish this time (a phone MP4 not worth making)
    recipe: Callable[[Job], str] | None = None  # None: made anew each time (cheap, content-addressed)
    records_as: Literal["media", "image", "rendition", "show"] = "rendition"
    in_dry_run: bool = False  # made in a dry run too (cheap, and the result shows it)
    reusing: str | None = None  # the stage shown when it is reused
    kept: Callable[[Item], dict] | None = None  # the facts a reused rendition keeps from the previous record
    # Started on the other core while the item's media is encoded (``Job.media_encode_started``); ``make``
    # then finishes it.
    beside: Callable[[Job, SourceLoudness], object] | None = None


@dataclass
class Job:
    """One item being published: everything gathered and checked, and what its renditions made so far."""

    kind: Kind
    site: Site
    show: Show
    storage: Storage
    report: Reporter
    today: dt.date | None  # None: the day the feed is rendered
    dry_run: bool
    source: Probe
    source_sha: str
    title: str
    slug: str
    date: dt.date
    guid: str
    existing: Item | None
    tags: Tags
    artwork: Media
    folder: str | None = None  # the item's own folder in the show (a seminar's, beside its page); None: by year
    renditions: list[Rendition] = field(default_factory=list)  # the plan, in the order made and uploaded
    recipes: dict[str, str] = field(default_factory=dict)  # by role, of the renditions that have one
    reused: list[str] = field(default_factory=list)  # roles taken from the store as they are
    to_make: list[Rendition] = field(default_factory=list)
    work: Path = Path()  # the temporary folder things are made in
    made: dict[str, Output] = field(default_factory=dict)
    pool: ThreadPoolExecutor | None = None  # the other core
    pending: dict[str, Future] = field(default_factory=dict)
    shared: dict[str, object] = field(default_factory=dict)  # made once for several renditions (a transcription)

    def key(self, name: str, sha256: str, suffix: str) -> str:
        return media_key(self.show.id, self.date, name, sha256, suffix, folder=self.folder)

    def progress(self, seconds: float) -> None:
        self.report.progress(seconds, self.source.duration)

    def previous(self, rendition: Rendition) -> Media | None:
        """What the previous publish of this item recorded for ``rendition``."""
        if self.existing is None:
            return None
        if rendition.records_as == "media":
            return self.existing.media
        if rendition.records_as == "image":
            return self.existing.image
        return self.existing.renditions.get(rendition.role)

    @property
    def media_role(self) -> str:
        """The role of the rendition that is the item's own media ("audio", "video")."""
        return next(r.role for r in self.renditions if r.records_as == "media")

    def media_made(self) -> tuple[str, Output]:
        """The item's media: its role, and what made (or reused) it."""
        return self.media_role, self.made[self.media_role]

    def media_encode_started(self, measured: SourceLoudness) -> None:
        """Called by the maker of the item's media as its longest one-core step starts: the renditions that
        are made ``beside`` it start now, on the other core, from the same measurement of the source."""
        assert self.pool is not None
        for rendition in self.to_make:
            if rendition.beside is not None and rendition.role not in self.pending:
                self.pending[rendition.role] = self.pool.submit(rendition.beside, self, measured)


def item_tags(show: Show, p: Probe, *, title: str, date: dt.date, comment: str, cover: Path | None = None,
              **more) -> Tags:
    """The ID3 tags of an item's MP3: ``cover`` (default the show's artwork) typed by its suffix."""
    cover = cover or show.artwork
    return Tags(title=title, artist=show.author, album=show.title, date=date.isoformat(), comment=comment[:500],
                cover=cover, cover_mime="image/png" if cover.suffix.lower() == ".png" else "image/jpeg",
                duration=p.duration, **more)


def open_job(kind: Kind, site: Site, show: Show, storage: Storage, p: Probe, source_sha: str, *, title: str,
             date: dt.date | None, today: dt.date | None, report: Reporter, dry_run: bool, comment: str,
             cover: Path | None = None, folder_by_slug: bool = False, **tags) -> Job:
    """The job of publishing ``p`` as an item titled ``title``: found by its slug when published before,
    whose GUID (and date, unless given) it keeps; refused when that item was retracted."""
    slug = slugify(title)
    existing = find_existing(site, storage, show.id, slug)
    if existing is not None and existing.retracted:
        raise InputError(kind.retracted.format(guid=existing.guid), str(p.path))
    date = date or (existing.date if existing else today)
    return Job(kind=kind, site=site, show=show, storage=storage, report=report, today=today, dry_run=dry_run,
               source=p, source_sha=source_sha, title=title, slug=slug, date=date,
               guid=existing.guid if existing else item_guid(site, show, slug), existing=existing,
               tags=item_tags(show, p, title=title, date=date, comment=comment, cover=cover, **tags),
               artwork=artwork_media(site, show), folder=slug if folder_by_slug else None)


# --- the skeleton -------------------------------------------------------------------------------------

@dataclass
class Publication:
    """What publishing an item did."""

    item: Item
    record: Path | None = None
    uploaded: list[str] = field(default_factory=list)  # keys whose bytes were sent, in the order sent
    warnings: list[str] = field(default_factory=list)
    made: dict[str, Output] = field(default_factory=dict)  # by role, reused ones too
    reused: list[str] = field(default_factory=list)  # roles taken from the store unchanged (by recipe)


def recorded_recipes(job: Job) -> dict[str, str]:
    """The recipes the previous publish recorded, by role."""
    source = job.existing.source if job.existing else {}
    if job.kind.one_recipe:  # the media's, which a batch's plan may not list (it transcribes only)
        role = next((r.role for r in job.renditions if r.records_as == "media"), None)
        return {role: source["recipe"]} if role and "recipe" in source else {}
    return dict(source.get("recipes", {}))


def plan(job: Job, renditions: list[Rendition]) -> None:
    """Each rendition's recipe, and which ones the store holds already, made by the same recipe."""
    job.renditions = renditions
    job.recipes = {r.role: r.recipe(job) for r in renditions if r.recipe is not None}
    before = recorded_recipes(job)
    for r in renditions:
        previous = job.previous(r)
        if (r.role in job.recipes and previous is not None and before.get(r.role) == job.recipes[r.role]
                and in_store(job.storage, previous)):
            job.reused.append(r.role)
    job.to_make = [r for r in renditions if r.role not in job.reused and (r.in_dry_run or not job.dry_run)]


def make(job: Job) -> None:
    """Each rendition in turn: reused, measured only (the item's media in a dry run), or made."""
    for r in job.renditions:
        if r.role in job.reused:
            if r.reusing:
                job.report.stage(r.reusing)
            job.made[r.role] = _reused(job, r)
        elif any(r is m for m in job.to_make):
            if (out := r.make(job)) is not None:
                job.made[r.role] = out
        elif r.records_as == "media":
            job.made[r.role] = _measured_only(job)


def _reused(job: Job, rendition: Rendition) -> Output:
    previous, existing = job.previous(rendition), job.existing
    assert previous is not None and existing is not None
    facts = rendition.kept(existing) if rendition.kept else {}
    if rendition.records_as == "media":
        return Output(previous, before=existing.loudness_before, after=existing.loudness_after, facts=facts)
    return Output(previous, facts=facts)


def _measured_only(job: Job) -> Output:
    """A dry run: the source measured as the real run measures it, refused as the real run would refuse it
    (silence, a DC offset), and a placeholder for the media that is not made."""
    job.report.stage("dry run: measuring only")
    p = job.source
    mono = job.kind.media_type.startswith("audio/") and delivery_format(p)[0] == 1  # as the MP3 is measured
    measured = measure_source(p, job.show.loudness, mono=mono, progress=job.progress)
    return Output(Media(key=DRY_RUN_KEY, url="", bytes=0, sha256="", type=job.kind.media_type, duration=p.duration),
                  before=measured.before)


def stand_in(job: Job, item: Item) -> Item:
    """A dry run's ``item`` with the media it did not make stood in for by one named as the real run names it
    (the source's hash for the media's, its size for the media's size), for the checks the real run makes."""
    if item.media.key != DRY_RUN_KEY:
        return item  # reused from the store
    suffix = mimetypes.guess_extension(item.media.type) or ""
    key = job.key(job.slug, job.source_sha, suffix)
    media = replace(item.media, key=key, url=job.site.public_url(key), bytes=job.source.size or 1,
                    sha256=job.source_sha)
    return replace(item, media=media)


def item_of(job: Job, **fields) -> Item:
    """The item's record: what its renditions made, its identity, and the kind's own ``fields``."""
    role, media = job.media_made()
    image = next((job.made[r.role].media for r in job.renditions if r.records_as == "image" and r.role in job.made),
                 None)
    renditions = {r.role: job.made[r.role].media for r in job.renditions
                  if r.records_as == "rendition" and r.role in job.made}
    facts = {k: v for out in job.made.values() for k, v in out.facts.items()}
    recipes = {"recipe": job.recipes[role]} if job.kind.one_recipe else {"recipes": job.recipes}
    return Item(show=job.show.id, guid=job.guid, slug=job.slug, title=job.title, date=job.date, media=media.media,
                image=image, renditions=renditions, loudness_before=media.before, loudness_after=media.after,
                source={"name": job.source.path.name, "sha256": job.source_sha, **recipes, **facts}, **fields)


def check_before_writing(job: Job, item: Item) -> None:
    """The feed (and the pages) with this item must render and pass the check before anything is uploaded."""
    if job.kind.pages:
        render_archive(job.show, job.site, [item])
    pictures = {job.made[r.role].media.url: job.made[r.role].file for r in job.renditions
                if r.records_as == "image" and r.role in job.made}
    feed = render_feed(job.show, job.site, [item], artwork=job.artwork, today=job.today,
                       guid=show_podcast_guid(job.site, job.show, job.storage, assign=False))
    refuse_failing_feed(feed, job.show.feed_key, job.storage, job.site.base_url, today=job.today,
                        known={job.artwork.url: job.show.artwork, **pictures})


def upload_media(storage: Storage, uploads: list[tuple[Media, Path | None]], report: Reporter) -> list[str]:
    """Upload each (media, file) whose bytes the store lacks; None as the file means reused from the store.
    Returns the keys sent. Always before the manifest and the feed that name them."""
    sent = []
    for media, path in uploads:
        if path is not None and upload_if_changed(storage, media.key, path, media.sha256,
                                                  progress=lambda n: report.progress(n, None)):
            sent.append(media.key)
    return sent


def record_item(site: Site, storage: Storage, item: Item, drafts: dict[str, bytes] | None = None) -> list[str]:
    """The item's manifest in the store, then its record in ``episodes/`` (in that order: a crash between
    them leaves a manifest a re-run finds by slug, so the GUID is kept), then the ``drafts`` beside the record
    (``<date>-<slug>.captions.vtt``). Returns the keys sent."""
    key = manifest_key(item.show, item.guid)
    sent = [key] if write_if_changed(storage, key, item.manifest_bytes()) else []
    record = write_record(site.episodes_dir, item)
    for name, data in (drafts or {}).items():
        write_atomically(record.with_name(f"{record.stem}.{name}"), data)
    return sent


def regenerate_feed_and_pages(job: Job, done: Publication) -> None:
    """The feed, then (for a kind with pages) the archive, last: they name what was just uploaded."""
    job.report.stage("regenerating the feed and the archive" if job.kind.pages else "regenerating the feed")
    feed = regenerate_feed(job.site, job.show, job.storage, prefer_local={job.guid}, today=job.today)
    done.uploaded += feed.uploaded
    if job.kind.pages:
        pages = regenerate_archive(job.site, job.show, job.storage, prefer_local={job.guid})
        done.uploaded += [k for k in pages.uploaded if k not in feed.uploaded]
    done.warnings += feed.warnings


@contextlib.contextmanager
def workspace(job: Job) -> Iterator[Job]:
    """The temporary folder (``scratch.work_folder``: ``publish-<kind>-<pid>-...``, the stale ones of killed
    runs removed first) and the other core that ``job``'s renditions are made with (a batch that runs one
    rendition over many items opens one per item, as ``publish_item`` does)."""
    with contextlib.ExitStack() as stack:
        # The pool exits before the folder is removed: a failing maker waits for the work beside it to end.
        job.work = stack.enter_context(work_folder(job.kind.name))
        job.pool = stack.enter_context(ThreadPoolExecutor(1))
        yield job


def publish_item(job: Job, renditions: list[Rendition], *, warnings: list[str] = (), **fields) -> Publication:
    """Publish the item of ``job`` as ``renditions``; ``fields`` are its kind's own (notes, persons, place)."""
    plan(job, renditions)
    with workspace(job):
        make(job)
        done = Publication(item=item_of(job, **fields), made=job.made, reused=list(job.reused),
                           warnings=list(warnings))
        cut = description_cut(done.item)
        done.warnings += [cut] if cut else []
        if job.dry_run:
            check_before_writing(job, stand_in(job, done.item))
            return done
        check_before_writing(job, done.item)
        # Media first: no feed or page may name an object that is not in the store.
        job.report.stage("uploading")
        done.uploaded += upload_media(job.storage, [(out.media, out.file) for out in job.made.values()], job.report)
    drafts = {name: data for out in job.made.values() for name, data in out.drafts.items()}
    done.uploaded += record_item(job.site, job.storage, done.item, drafts)
    done.record = job.site.episodes_dir / done.item.show / done.item.record_name
    regenerate_feed_and_pages(job, done)
    return done
