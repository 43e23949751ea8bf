"""``publish``: the command line. Commands parse options, call the pipeline, print. Nothing else.

Core code raises PipelineError subclasses; only ``main`` turns them into one line and an exit code.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import signal
import sys
from dataclasses import asdict
from pathlib import Path

import click

from pipeline import __version__
from pipeline.model.config import find_root, load_show, load_site, show_ids
from pipeline.model.errors import ConfigError, FeedCheckError, PipelineError, Stopped
from pipeline.app.episode import EpisodeRequest, PublishResult, list_published, publish_episode
from pipeline.app.publishing import Reporter
from pipeline.app.regenerate import regenerate_feed
from pipeline.model.records import Item, Person
from pipeline.media.runner import stop_tools


class DateType(click.ParamType):
    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx):
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r} is not a date in the form YYYY-MM-DD", param, ctx)


class PersonType(click.ParamType):
    name = "'Name | role'"

    def __init__(self, default_role: str = "guest"):
        self.default_role = default_role

    def convert(self, value, param, ctx):
        if isinstance(value, Person):
            return value
        name, _, role = (part.strip() for part in value.partition("|"))
        if not name:
            self.fail(f"{value!r}: expected 'Name | role'", param, ctx)
        return Person(name=name, role=role or self.default_role)


class TimeRangeType(click.ParamType):
    """When a seminar ran: ``09:00-10:00`` or ``09.00-10.00``, stored as ``09:00-10:00``."""

    name = "HH:MM-HH:MM"

    def convert(self, value, param, ctx):
        from pipeline.model.timerange import parse_time_range

        try:
            return parse_time_range(value)
        except PipelineError as e:
            self.fail(e.message, param, ctx)


class OffsetType(click.ParamType):
    """A moment in a recording: ``HH:MM:SS`` (or ``MM:SS``, or seconds) -> seconds."""

    name = "HH:MM:SS"

    def convert(self, value, param, ctx):
        from pipeline.model.timerange import parse_offset

        if isinstance(value, float):
            return value
        try:
            return parse_offset(value)
        except PipelineError as e:
            self.fail(e.message, param, ctx)


class EmailType(click.ParamType):
    name = "E-MAIL"

    def convert(self, value, param, ctx):
        from pipeline.model.config import EMAIL

        if not EMAIL.match(str(value).strip()):
            self.fail(f"{value!r} is not an e-mail address", param, ctx)
        return str(value).strip()


class UrlType(click.ParamType):
    name = "URL"

    def convert(self, value, param, ctx):
        if not str(value).startswith(("http://", "https://")):
            self.fail(f"{value!r} is not a web address (http:// or https://)", param, ctx)
        return str(value).strip()


class ArtworkType(click.ParamType):
    """A path to artwork Apple accepts, checked on the spot (square JPEG/PNG, 1400-3000 px, RGB)."""

    name = "IMAGE"

    def convert(self, value, param, ctx):
        from pipeline.inputs.images import check_artwork

        path = Path(value).expanduser()
        try:
            check_artwork(path)
        except PipelineError as e:
            self.fail(str(e), param, ctx)
        return path


class RichReporter(Reporter):
    """Stages as lines, long steps as a bar with time left (on a terminal; plain lines otherwise)."""

    def __init__(self, quiet: bool = False):
        from rich.console import Console

        self.console = Console(stderr=True)
        self.quiet = quiet
        self._progress = None
        self._task = None

    def stage(self, text: str) -> None:
        self._close()
        if not self.quiet:
            self.console.print(f"[bold]•[/bold] {text}")

    def progress(self, done: float, total: float | None) -> None:
        if self.quiet or total is None or not self.console.is_terminal:
            return
        if self._progress is None:
            from rich.progress import BarColumn, Progress, TaskProgressColumn, TimeRemainingColumn

            self._progress = Progress(BarColumn(), TaskProgressColumn(), TimeRemainingColumn(), console=self.console,
                                      transient=True)
            self._progress.start()
            self._task = self._progress.add_task("", total=total)
        self._progress.update(self._task, completed=min(done, total))

    def warn(self, text: str) -> None:
        self._close()
        self.console.print(f"[yellow]warning:[/yellow] {text}")

    def _close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def done(self) -> None:
        self._close()


def _site(ctx: click.Context):
    return load_site(ctx.obj["root"])


def _emit(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def episode_json(ep: Item) -> dict:
    return {
        "guid": ep.guid, "show": ep.show, "slug": ep.slug, "title": ep.title, "date": ep.date.isoformat(),
        "season": ep.season, "number": ep.number, "retracted": ep.retracted,
        "media": {"url": ep.media.url, "bytes": ep.media.bytes, "sha256": ep.media.sha256,
                  "type": ep.media.type, "duration": ep.media.duration},
        "loudness": {"before": asdict(ep.loudness_before) if ep.loudness_before else None,
                     "after": asdict(ep.loudness_after) if ep.loudness_after else None,
                     "picture": ep.renditions["loudness"].url if "loudness" in ep.renditions else None},
        "renditions": {role: {"url": m.url, "bytes": m.bytes, "sha256": m.sha256, "type": m.type}
                       for role, m in sorted(ep.renditions.items())},
    }


def result_json(result: PublishResult) -> dict:
    return {**episode_json(result.episode), "record": str(result.record) if result.record else None,
            "feed_url": result.feed_url, "uploaded": result.uploaded, "reused_media": result.reused_media,
            "dry_run": result.dry_run, "warnings": result.warnings}


def _object_path(ctx: click.Context, media) -> str:
    """Where a producer can open an object: its file in a local store (relative to the project), else its URL."""
    site = _site(ctx)
    if not site.storage.startswith("file://"):
        return media.url
    from pipeline.store import open_storage

    path = Path(open_storage(site.storage, site.root).root) / media.key
    return str(path.relative_to(ctx.obj["root"])) if path.is_relative_to(ctx.obj["root"]) else str(path)


def _loudness_line(ep: Item) -> str:
    b, a = ep.loudness_before, ep.loudness_after
    if b and a:
        return (f"{b.integrated:.1f} LUFS / {b.true_peak:.1f} dBTP / LRA {b.lra:.1f} LU  →  "
                f"{a.integrated:.1f} LUFS / {a.true_peak:.1f} dBTP / LRA {a.lra:.1f} LU")
    if b:
        return f"{b.integrated:.1f} LUFS / {b.true_peak:.1f} dBTP (source; not encoded in a dry run)"
    return "not measured"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="publish")
@click.option("-v", "--verbose", is_flag=True, help="Show every ffmpeg command as it runs.")
@click.option("--traceback", is_flag=True, help="On an error, show the Python traceback too.")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Project folder holding feeds/ and episodes/ (default: found from the current folder).")
@click.pass_context
def cli(ctx: click.Context, verbose: bool, traceback: bool, root: Path | None) -> None:
    """Publish podcast episodes and seminar recordings: loudness-normalised, tagged, uploaded, in a feed."""
    ctx.ensure_object(dict)
    ctx.obj.update(root=(root or find_root()).resolve(), verbose=verbose, traceback=traceback)
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, format="  $ %(message)s",
                        stream=sys.stderr)
    if not verbose:
        logging.getLogger("botocore").setLevel(logging.WARNING)


@cli.command()
@click.argument("audio", type=click.Path(path_type=Path))
@click.option("--show", default="endringspodden", show_default=True, help="The show (a feeds/<show>.toml).")
@click.option("--title", required=True, help="Episode title (at most 255 characters).")
@click.option("--description", help="Show notes as text (Markdown). Or use --notes.")
@click.option("--notes", "notes_file", type=click.Path(path_type=Path), help="Show notes from a Markdown file.")
@click.option("--date", type=DateType(), help="Publication date (default: today, or the date it was first published).")
@click.option("--season", type=click.IntRange(min=1), help="Season number.")
@click.option("--number", type=click.IntRange(min=1), help="Episode number.")
@click.option("--image", type=click.Path(path_type=Path), help="Episode artwork (square JPEG/PNG, 1400-3000 px).")
@click.option("--chapters", "chapters_file", type=click.Path(path_type=Path),
              help="Chapters file: one 'HH:MM:SS Title' per line.")
@click.option("--person", "persons", type=PersonType(), multiple=True, help="A host or guest: 'Name | role'. Repeatable.")
@click.option("--transcript", "transcripts", type=click.Path(path_type=Path), multiple=True,
              help="Transcript: WebVTT (.vtt), SubRip (.srt) or text (.txt), published beside the audio. Repeatable, one per kind.")
@click.option("--type", "episode_type", type=click.Choice(["full", "trailer", "bonus"]), default="full", show_default=True)
@click.option("--explicit", is_flag=True, help="Mark the episode explicit.")
@click.option("--dry-run", is_flag=True, help="Check and measure, but encode, upload and write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def episode(ctx, audio, show, title, description, notes_file, date, season, number, image, chapters_file, persons,
            episode_type, explicit, dry_run, as_json, transcripts=()):
    """Publish AUDIO as an episode: check, level, normalise, encode, tag, upload, record, regenerate the feed."""
    if description and notes_file:
        raise click.UsageError("give --description or --notes, not both")
    reporter = RichReporter(quiet=as_json)
    req = EpisodeRequest(source=audio, show=show, title=title, description=description, notes_file=notes_file,
                         date=date, season=season, number=number, image=image, chapters_file=chapters_file,
                         explicit=explicit, episode_type=episode_type, persons=tuple(persons),
                         transcripts=tuple(transcripts))
    try:
        result = publish_episode(_site(ctx), req, dry_run=dry_run, reporter=reporter)
    finally:
        reporter.done()
    for w in result.warnings:
        reporter.warn(w)
    if as_json:
        _emit(result_json(result))
        return
    ep = result.episode
    verb = "Would publish" if dry_run else "Published"
    click.echo(f"{verb} «{ep.title}» ({ep.show}, {ep.date.isoformat()})")
    click.echo(f"  loudness: {_loudness_line(ep)}")
    if not dry_run:
        click.echo(f"  episode:  {ep.media.url}  ({ep.media.bytes / 1e6:.1f} MB, {ep.media.duration:.0f} s)")
        if "loudness" in ep.renditions:
            click.echo(f"  picture:  {_object_path(ctx, ep.renditions['loudness'])}  (loudness before/after)")
        click.echo(f"  record:   {result.record.relative_to(ctx.obj['root']) if result.record else '-'}")
        click.echo(f"  feed:     {result.feed_url}")
        click.echo(f"  guid:     {ep.guid}")
        click.echo(f"  uploaded: {len(result.uploaded)} object(s)" + (" (media unchanged, reused)" if result.reused_media else ""))


def _size(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{max(1, round(size / 1e3))} kB"


def seminar_json(result) -> dict:
    ep = result.episode
    return {**episode_json(ep), "time": ep.time, "place": ep.place,
            "speakers": [{"name": p.name, "role": p.role} for p in ep.persons],
            "page_url": result.page_url, "archive_url": result.archive_url, "feed_url": result.feed_url,
            "record": str(result.record) if result.record else None, "uploaded": result.uploaded,
            "reused": result.reused, "reused_media": result.reused_media, "copied_video": result.copied_video,
            "dry_run": result.dry_run, "warnings": result.warnings}


@cli.command()
@click.argument("video", type=click.Path(path_type=Path))
@click.option("--show", default="seminarer", show_default=True,
              help="The seminar series (a feeds/<show>.toml with kind = \"seminar\").")
@click.option("--title", required=True, help="Title of the seminar (at most 255 characters); its address comes from it.")
@click.option("--date", type=DateType(), required=True, help="The day the seminar was held.")
@click.option("--time", "time_range", type=TimeRangeType(), required=True,
              help="When it was held: HH:MM-HH:MM (or HH.MM-HH.MM).")
@click.option("--place", help="Where it was held (default: default_place of the series).")
@click.option("--speaker", "speakers", type=PersonType(default_role="speaker"), multiple=True,
              help="A speaker: 'Name | role', the role as the page shows it. Repeatable.")
@click.option("--description", help="About the seminar, as text (Markdown). Or use --notes.")
@click.option("--notes", "notes_file", type=click.Path(path_type=Path), help="About the seminar, from a Markdown file.")
@click.option("--slides", type=click.Path(path_type=Path), multiple=True,
              help="Slides as PDF, offered for download beside the video. Repeatable.")
@click.option("--captions", type=click.Path(path_type=Path),
              help="Captions: WebVTT (.vtt) or SubRip (.srt, converted to WebVTT). Required by law for public bodies.")
@click.option("--poster-at", type=OffsetType(), help="Where to take the poster frame (default: 10 %% in, at most 1 minute).")
@click.option("--dry-run", is_flag=True, help="Check and measure, but encode, upload and write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def seminar(ctx, video, show, title, date, time_range, place, speakers, description, notes_file, slides, captions,
            poster_at, dry_run, as_json):
    """Publish VIDEO as a seminar recording: web MP4, poster, audio-only MP3, captions and slides beside a
    permanent page in the archive, and an item in the video podcast feed."""
    from pipeline.app.seminar import SeminarRequest, publish_seminar

    if description and notes_file:
        raise click.UsageError("give --description or --notes, not both")
    reporter = RichReporter(quiet=as_json)
    req = SeminarRequest(source=video, title=title, date=date, time=time_range, show=show, place=place,
                         speakers=tuple(speakers), description=description, notes_file=notes_file,
                         slides=tuple(slides), captions=captions, poster_at=poster_at)
    try:
        result = publish_seminar(_site(ctx), req, dry_run=dry_run, reporter=reporter)
    finally:
        reporter.done()
    for w in result.warnings:
        reporter.warn(w)
    if as_json:
        _emit(seminar_json(result))
        return
    ep = result.episode
    from pipeline.render.norwegian import format_when

    click.echo(f"{'Would publish' if dry_run else 'Published'} «{ep.title}» ({ep.show}, {format_when(ep)})")
    click.echo(f"  loudness: {_loudness_line(ep)}")
    if dry_run:
        return
    how = "video copied, audio normalised" if result.copied_video else "video encoded, audio normalised"
    click.echo(f"  video:    {ep.media.url}  ({_size(ep.media.bytes)}, {ep.media.duration:.0f} s, {how})")
    shown = [("audio", "audio"), ("poster", "poster"), ("captions", "captions"),
             *((role, "slides") for role in ep.renditions if role.startswith("slides-")), ("loudness", "picture")]
    for role, name in shown:
        m = ep.renditions.get(role)
        where = (_object_path(ctx, m) if role == "loudness" else m.url) if m else "none"
        click.echo(f"  {name + ':':<9} {where}" + (f"  ({_size(m.bytes)})" if m else ""))
    click.echo(f"  page:     {result.page_url}")
    click.echo(f"  archive:  {result.archive_url}")
    click.echo(f"  feed:     {result.feed_url}")
    click.echo(f"  record:   {result.record.relative_to(ctx.obj['root']) if result.record else '-'}")
    click.echo(f"  guid:     {ep.guid}")
    reused = f" (reused from the store: {', '.join(result.reused)})" if result.reused else ""
    click.echo(f"  uploaded: {len(result.uploaded)} object(s){reused}")


@cli.command()
@click.option("--show", "shows", multiple=True, help="Only this seminar series (repeatable). Default: every one.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def archive(ctx, shows, as_json):
    """Rebuild the seminar archive pages and the video podcast feed from episodes/ and the store; edits to records take effect here."""
    from pipeline.app.seminar import publish_archive

    site = _site(ctx)
    out = []
    for show_id in shows or [s for s in show_ids(site) if load_show(site, s).kind == "seminar"]:
        feed_result, pages = publish_archive(site, show_id)
        out.append({"show": show_id, "archive_url": pages.url, "feed_url": feed_result.url,
                    "seminars": len(pages.seminars), "pages": pages.pages,
                    "uploaded": feed_result.uploaded + pages.uploaded, "warnings": feed_result.warnings})
        if not as_json:
            for w in feed_result.warnings:
                click.echo(f"warning: {w}", err=True)
            changed = len(feed_result.uploaded) + len(pages.uploaded)
            click.echo(f"{show_id}: {len(pages.seminars)} seminar(s), {changed} object(s) updated: {pages.url}")
    if as_json:
        _emit(out)


@cli.command()
@click.option("--show", "shows", multiple=True, help="Only this show (repeatable). Default: every show.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def feed(ctx, shows, as_json):
    """Rebuild the feed(s) from episodes/ and the store; edits to records take effect here."""
    site = _site(ctx)
    out = []
    for show_id in shows or [s for s in show_ids(site) if load_show(site, s).kind == "podcast"]:
        result = regenerate_feed(site, load_show(site, show_id))
        out.append({"show": show_id, "feed_url": result.url, "episodes": len(result.episodes),
                    "uploaded": result.uploaded, "warnings": result.warnings})
        if not as_json:
            for w in result.warnings:
                click.echo(f"warning: {w}", err=True)
            state = "updated" if result.key in result.uploaded else "unchanged"
            click.echo(f"{show_id}: {len(result.episodes)} item(s), feed {state}: {result.url}")
    if as_json:
        _emit(out)


@cli.command()
@click.option("--show", "shows", multiple=True, help="Only this show (repeatable). Default: every show with a feed.")
@click.option("--online", is_flag=True, help="Also fetch every enclosure, image, transcript and chapters file from "
              "its public URL: HEAD 200, Range answered with 206, exact length and type.")
@click.option("--json", "as_json", is_flag=True, help="Print the violations as JSON.")
@click.pass_context
def check(ctx, shows, online, as_json):
    """Check the published feed(s) against Apple's requirements and the Podcasting 2.0 rules; exit non-zero on any violation."""
    from pipeline.checks.store import check_published
    from pipeline.store import open_storage

    site = _site(ctx)
    storage = open_storage(site.storage, site.root)
    found, report = [], []
    for show_id in shows or show_ids(site):
        show = load_show(site, show_id)
        if not shows and storage.head(show.feed_key) is None:
            continue
        violations = check_published(site, show, storage, online=online)
        found += [f"{show_id}: {v}" for v in violations]
        report.append({"show": show_id, "feed_url": site.public_url(show.feed_key), "online": online,
                       "violations": [{"where": v.where, "rule": v.rule, "message": v.message} for v in violations]})
        if not as_json and not violations:
            click.echo(f"{show_id}: no violations ({'offline and online' if online else 'offline'}): "
                       f"{site.public_url(show.feed_key)}")
    if as_json:
        _emit(report)
    if not report:
        click.echo("No feed published yet.")
    if found:
        raise FeedCheckError(found)


@cli.command()
@click.argument("episode_ref", metavar="EPISODE")
@click.option("--show", default=None, help="The show (default: search every show).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def retract(ctx, episode_ref, show, as_json):
    """Take EPISODE (a GUID, GUID prefix or slug) out of the feed; its GUID stays reserved, never reused."""
    from pipeline.app.retract import retract_episode

    result = retract_episode(_site(ctx), episode_ref, show_id=show)
    ep = result.episode
    if as_json:
        _emit({**episode_json(ep), "already_retracted": result.already, "feed_url": result.feed.url,
               "uploaded": result.feed.uploaded})
        return
    state = "was already retracted" if result.already else "retracted"
    click.echo(f"«{ep.title}» ({ep.show}, {ep.date.isoformat()}) {state}; GUID {ep.guid} stays reserved")
    click.echo(f"  feed: {result.feed.url} ({'updated' if result.feed.key in result.feed.uploaded else 'unchanged'}, "
               f"{sum(1 for e in result.feed.episodes if not e.retracted)} item(s) listed)")


@cli.command("list")
@click.option("--show", "shows", multiple=True, help="Only this show (repeatable). Default: every show.")
@click.option("--json", "as_json", is_flag=True, help="Print the records as JSON.")
@click.pass_context
def list_(ctx, shows, as_json):
    """List what is published: date, title, duration, loudness, size, GUID."""
    site = _site(ctx)
    rows = []
    for show_id in shows or show_ids(site):
        rows += list_published(site, show_id)
    if as_json:
        _emit([episode_json(e) for e in rows])
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for col in ("show", "date", "title", "duration", "loudness", "size", "guid"):
        table.add_column(col, justify="right" if col in ("duration", "size") else "left")
    for e in sorted(rows, key=lambda e: (e.show, e.date)):
        d = int(e.media.duration or 0)
        loud = f"{e.loudness_after.integrated:.1f} LUFS" if e.loudness_after else "-"
        title = e.title + (" (retracted)" if e.retracted else "")
        table.add_row(e.show, e.date.isoformat(), title, f"{d // 60}:{d % 60:02d}", loud,
                      f"{e.media.bytes / 1e6:.1f} MB", e.guid[:8])
    if not rows:
        click.echo("Nothing published yet.")
    else:
        Console(width=200 if not sys.stdout.isatty() else None).print(table)


@cli.command()
@click.option("--port", default=8000, show_default=True, help="Port on 127.0.0.1.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (loopback by default).")
@click.pass_context
def serve(ctx, port, host):
    """Serve the local store over HTTP (with byte ranges), so podcast apps and browsers on this machine can use it."""
    from pipeline.store.http import serve as serve_forever

    site = _site(ctx)
    if not site.storage.startswith("file://"):
        raise click.UsageError(f"storage is {site.storage}; `publish serve` serves the local folder only")
    from pipeline.app.overview import index_pages
    from pipeline.store import open_storage

    storage = open_storage(site.storage, site.root)
    root = Path(storage.root)
    root.mkdir(parents=True, exist_ok=True)
    click.echo(f"Serving {root} on http://{host}:{port}/  (Ctrl-C to stop)")
    click.echo(f"  everything published, with players and loudness pictures: http://{host}:{port}/")
    for show_id in show_ids(site):
        click.echo(f"  {show_id}: http://{host}:{port}/{load_show(site, show_id).feed_key}")
    try:
        serve_forever(root, host, port, fallback=index_pages(site, storage))
    except KeyboardInterrupt:
        pass


INIT_PROMPTS = {  # option -> (question, type); asked for when the option is not given
    "title": ("Title of the show", str),
    "description": ("Description (a few sentences for podcast apps)", str),
    "author": ("Author (the organisation, shown in podcast apps)", str),
    "email": ("Owner e-mail (Apple uses it to verify ownership; never shown)", EmailType()),
    "link": ("Web page of the show", UrlType()),
    "artwork": ("Artwork file (square JPEG or PNG, 1400-3000 px)", ArtworkType()),
}


@cli.command()
@click.argument("show_id", metavar="SHOW")
@click.option("--title", help="Title of the show.")
@click.option("--description", help="A few sentences about the show, for podcast apps.")
@click.option("--author", help="The organisation that publishes it, as podcast apps show it.")
@click.option("--email", type=EmailType(), help="Owner e-mail; Apple uses it to verify ownership and shows it to no one.")
@click.option("--link", type=UrlType(), help="The show's web page.")
@click.option("--artwork", type=ArtworkType(), help="Square JPEG or PNG, 1400-3000 px; checked now, copied to feeds/.")
@click.option("--kind", type=click.Choice(["podcast", "seminar"]), default="podcast", show_default=True,
              help="A podcast (audio episodes) or a seminar series (video recordings with an archive page).")
@click.option("--language", default="no", show_default=True, help="Language code of the show (no, nb, nn, en...).")
@click.option("--category", default="Government", show_default=True, help="Apple Podcasts category.")
@click.option("--explicit", is_flag=True, help="Mark the show explicit.")
@click.option("--loudness", type=click.FloatRange(-40, -5), default=-16.0, show_default=True,
              help="Loudness target in LUFS (-16 for podcasts, -23 for EBU R128 broadcast).")
@click.option("--force", is_flag=True, help="Replace an existing feeds/SHOW.toml.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def init(ctx, show_id, title, description, author, email, link, artwork, kind, language, category, explicit, loudness,
         force, as_json):
    """Start a new show: write feeds/SHOW.toml from the options, asking for any that are missing."""
    from pipeline.app.init import ShowDraft, check_new_show, init_show

    root = ctx.obj["root"]
    check_new_show(root, show_id, force=force)  # before asking anything
    given = {"title": title, "description": description, "author": author, "email": email, "link": link,
             "artwork": artwork}
    for key, (question, kind_of) in INIT_PROMPTS.items():
        if given[key] in (None, ""):
            try:
                given[key] = click.prompt(question, type=kind_of, err=True)
            except click.exceptions.Abort:
                if sys.stdin.isatty():
                    raise
                missing = " ".join(f"--{k}" for k, v in given.items() if v in (None, ""))
                raise click.UsageError(f"no answer for: {missing}; give them as options "
                                       "(or run in a terminal to be asked)") from None
    draft = ShowDraft(title=given["title"], description=given["description"], author=given["author"],
                      email=given["email"], link=given["link"], artwork=Path(given["artwork"]), kind=kind,
                      language=language, category=category, explicit=explicit, loudness=loudness)
    made = init_show(root, show_id, draft, force=force)
    rel = lambda p: str(p.relative_to(root)) if p.is_relative_to(root) else str(p)  # noqa: E731
    if as_json:
        _emit({"show": show_id, "config": rel(made.config), "artwork": rel(made.artwork),
               "site": rel(made.site) if made.site else None})
        return
    click.echo(f"Created {rel(made.config)} (artwork {rel(made.artwork)})")
    if made.site:
        click.echo(f"Created {rel(made.site)}: the store is ./public, served by `publish serve`")
    command = "seminar RECORDING.mp4" if kind == "seminar" else "episode RECORDING.wav"
    click.echo(f"Next: publish {command} --show {show_id} --title \"...\"")


def _stop(signum: int, _frame) -> None:
    """SIGTERM/SIGHUP: end the tools at once, then unwind like Ctrl-C so nothing half-written is left."""
    stop_tools()
    raise Stopped(signal.Signals(signum).name, 128 + signum)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI and turn our errors into one line and an exit code."""
    traceback = "--traceback" in (argv if argv is not None else sys.argv[1:])
    for stop_signal in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(stop_signal, _stop)
    try:
        cli.main(args=argv, prog_name="publish", standalone_mode=False)
    except PipelineError as e:
        if traceback:
            raise
        if isinstance(e, FeedCheckError):
            # One line per violation, then what it means.
            lines = [f"{e.where}: {v}" if e.where else v for v in e.violations]
            lines.append(f"{len(e.violations)} violation(s)" + (f"; {e.where} was not written" if e.where else ""))
        else:
            lines = str(e).splitlines() if isinstance(e, ConfigError) else [str(e)]
        for line in lines:
            click.echo(f"error: {line}", err=True)
        sys.exit(e.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.UsageError as e:
        # One line, like every other error; Click's own suggestion ("Did you mean --title?") stays in it.
        command = e.ctx.command_path if e.ctx else "publish"
        message = " ".join(e.format_message().split())
        click.echo(f"error: {message} (see '{command} --help')", err=True)
        sys.exit(e.exit_code)
    except click.ClickException as e:
        click.echo(f"error: {e.format_message()}", err=True)
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except Stopped as e:
        click.echo(f"stopped by {e.signal_name}; nothing half-written was left (the same command finishes the job)",
                   err=True)
        sys.exit(e.exit_code)
    except OSError as e:
        if traceback:
            raise
        click.echo(f"error: {e.filename or ''}: {e.strerror or e}".replace(": : ", ": "), err=True)
        sys.exit(1)

