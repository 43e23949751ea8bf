"""What the commands print: progress while publishing, the ``--json`` shapes, and the lines and table a
person reads. Results go to stdout, progress and warnings to stderr."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Callable, TypeVar

import click

from pipeline.app.episode import PublishResult
from pipeline.app.publishing import Reporter
from pipeline.app.published import object_location
from pipeline.model.config import Site
from pipeline.model.records import Item

if TYPE_CHECKING:
    from pipeline.app.published import CheckedShow

Result = TypeVar("Result")


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


def publish_and_show(publish: Callable[..., Result], site: Site, request, *, dry_run: bool, as_json: bool,
                     shape: Callable[[Result], dict], lines: Callable[..., None]) -> None:
    """Publish one item with progress on stderr, then its warnings once the bar is gone, then the result:
    ``shape`` of it as JSON, or ``lines`` for a person."""
    reporter = RichReporter(quiet=as_json)
    try:
        result = publish(site, request, dry_run=dry_run, reporter=reporter)
    finally:
        reporter.done()
    for w in result.warnings:
        reporter.warn(w)
    if as_json:
        emit(shape(result))
    else:
        lines(result, site, dry_run=dry_run)


def show_by_show(shows: list[str], rebuild: Callable[[str], tuple[dict, str]], *, as_json: bool) -> None:
    """Rebuild each show in turn; ``rebuild`` gives its JSON and its line for a person. Without ``--json``, each
    show's warnings and line as it is done; with it, every show's JSON at the end."""
    out = []
    for show_id in shows:
        data, line = rebuild(show_id)
        out.append(data)
        if not as_json:
            warn(data["warnings"])
            click.echo(line)
    if as_json:
        emit(out)


def warn(warnings: list[str]) -> None:
    for w in warnings:
        click.echo(f"warning: {w}", err=True)


# --- --json ---------------------------------------------------------------------------------------------

def emit(data) -> None:
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


def seminar_json(result) -> dict:
    ep = result.episode
    return {**episode_json(ep), "time": ep.time, "place": ep.place,
            "speakers": [{"name": p.name, "role": p.role} for p in ep.persons],
            "page_url": result.page_url, "archive_url": result.archive_url, "feed_url": result.feed_url,
            "record": str(result.record) if result.record else None, "uploaded": result.uploaded,
            "reused": result.reused, "reused_media": result.reused_media, "copied_video": result.copied_video,
            "dry_run": result.dry_run, "warnings": result.warnings}


def check_json(checked: CheckedShow, online: bool) -> dict:
    return {"show": checked.show, "feed_url": checked.feed_url, "online": online,
            "violations": [{"where": v.where, "rule": v.rule, "message": v.message} for v in checked.violations]}


# --- lines for a person ---------------------------------------------------------------------------------

def size_text(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{max(1, round(size / 1e3))} kB"


def loudness_line(ep: Item) -> str:
    b, a = ep.loudness_before, ep.loudness_after
    if b and a:
        return (f"{b.integrated:.1f} LUFS / {b.true_peak:.1f} dBTP / LRA {b.lra:.1f} LU  →  "
                f"{a.integrated:.1f} LUFS / {a.true_peak:.1f} dBTP / LRA {a.lra:.1f} LU")
    if b:
        return f"{b.integrated:.1f} LUFS / {b.true_peak:.1f} dBTP (source; not encoded in a dry run)"
    return "not measured"


def in_project(path: Path, root: Path) -> str:
    """A written file as the producer finds it: relative to the project folder when it lies inside."""
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def print_heading(ep: Item, when: str, *, dry_run: bool) -> None:
    """What was (or would be) published, and its loudness; a dry run's GUID, the one the real run will use."""
    click.echo(f"{'Would publish' if dry_run else 'Published'} «{ep.title}» ({ep.show}, {when})")
    click.echo(f"  loudness: {loudness_line(ep)}")
    if dry_run:
        click.echo(f"  guid:     {ep.guid}")


def print_episode(result: PublishResult, site: Site, *, dry_run: bool) -> None:
    ep = result.episode
    print_heading(ep, ep.date.isoformat(), dry_run=dry_run)
    if dry_run:
        return
    click.echo(f"  episode:  {ep.media.url}  ({ep.media.bytes / 1e6:.1f} MB, {ep.media.duration:.0f} s)")
    if "loudness" in ep.renditions:
        click.echo(f"  picture:  {object_location(site, ep.renditions['loudness'])}  (loudness before/after)")
    click.echo(f"  record:   {result.record.relative_to(site.root) if result.record else '-'}")
    click.echo(f"  feed:     {result.feed_url}")
    click.echo(f"  guid:     {ep.guid}")
    click.echo(f"  uploaded: {len(result.uploaded)} object(s)" + (" (media unchanged, reused)" if result.reused_media else ""))


def print_seminar(result, site: Site, *, dry_run: bool) -> None:
    from pipeline.render.norwegian import format_when

    ep = result.episode
    print_heading(ep, format_when(ep), dry_run=dry_run)
    if dry_run:
        return
    how = "video copied, audio normalised" if result.copied_video else "video encoded, audio normalised"
    click.echo(f"  video:    {ep.media.url}  ({size_text(ep.media.bytes)}, {ep.media.duration:.0f} s, {how})")
    shown = [("phone", "phone"), ("audio", "audio"), ("poster", "poster"), ("captions", "captions"),
             *((role, "slides") for role in ep.renditions if role.startswith("slides-")), ("loudness", "picture")]
    for role, name in shown:
        m = ep.renditions.get(role)
        where = (object_location(site, m) if role == "loudness" else m.url) if m else "none"
        click.echo(f"  {name + ':':<9} {where}" + (f"  ({size_text(m.bytes)})" if m else ""))
    click.echo(f"  page:     {result.page_url}")
    click.echo(f"  archive:  {result.archive_url}")
    click.echo(f"  feed:     {result.feed_url}")
    click.echo(f"  record:   {result.record.relative_to(site.root) if result.record else '-'}")
    click.echo(f"  guid:     {ep.guid}")
    reused = f" (reused from the store: {', '.join(result.reused)})" if result.reused else ""
    click.echo(f"  uploaded: {len(result.uploaded)} object(s){reused}")


def item_rows(items: list[Item]) -> list[tuple[str, ...]]:
    """``publish list``'s rows, by show and date: show, date, title, duration, loudness, size, GUID prefix."""
    rows = []
    for e in sorted(items, key=lambda e: (e.show, e.date)):
        d = int(e.media.duration or 0)
        loud = f"{e.loudness_after.integrated:.1f} LUFS" if e.loudness_after else "-"
        title = e.title + (" (retracted)" if e.retracted else "")
        rows.append((e.show, e.date.isoformat(), title, f"{d // 60}:{d % 60:02d}", loud,
                     f"{e.media.bytes / 1e6:.1f} MB", e.guid[:8]))
    return rows


def print_items(items: list[Item]) -> None:
    if not items:
        click.echo("Nothing published yet.")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for col in ("show", "date", "title", "duration", "loudness", "size", "guid"):
        table.add_column(col, justify="right" if col in ("duration", "size") else "left")
    for row in item_rows(items):
        table.add_row(*row)
    Console(width=200 if not sys.stdout.isatty() else None).print(table)


def ask_for_missing(given: dict, questions: dict[str, tuple[str, object]]) -> dict:
    """``given`` with every empty value asked for on the terminal (each answer checked by its type); where
    nobody can answer (stdin not a terminal), one usage error naming every option still missing."""
    answered = dict(given)
    for key, (question, kind_of) in questions.items():
        if answered[key] in (None, ""):
            try:
                answered[key] = click.prompt(question, type=kind_of, err=True)
            except click.exceptions.Abort:
                if sys.stdin.isatty():
                    raise
                missing = " ".join(f"--{k}" for k, v in answered.items() if v in (None, ""))
                raise click.UsageError(f"no answer for: {missing}; give them as options "
                                       "(or run in a terminal to be asked)") from None
    return answered
