"""``publish stats --logs PATH|s3://BUCKET/PREFIX``."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import click

from pipeline.cli.context import Project, pass_project
from pipeline.cli.output import emit, warn
from pipeline.cli.types import DateType, json_option

BREAKDOWNS = ("by_day", "by_week", "by_month", "by_app", "by_device", "by_platform")


def stats_json(e) -> dict:
    return {"guid": e.guid, "show": e.show, "title": e.title, "date": e.date, "downloads": e.downloads,
            **{name: dict(sorted(getattr(e, name).items())) for name in BREAKDOWNS}}


@click.command()
@click.option("--logs", required=True, help="Access logs: a file, a folder, or s3://BUCKET/PREFIX.")
@click.option("--log-format", type=click.Choice(["auto", "clf", "s3", "cloudfront"]), default="auto",
              show_default=True, help="The logs' format (auto: from each log's first line).")
@click.option("--show", default=None, help="Only this show's items.")
@click.option("--since", type=DateType(), help="Only downloads on or after this day.")
@click.option("--until", type=DateType(), help="Only downloads on or before this day.")
@click.option("--chart", type=click.Path(dir_okay=False, writable=True, path_type=Path), default=None,
              help="Also draw downloads over time to this PNG file (its figures printed as its text alternative).")
@click.option("--csv", "as_csv", is_flag=True, help="Print one CSV row per item and day.")
@json_option("one object per item, with its downloads and breakdowns")
@pass_project
def stats(project: Project, logs, log_format, show, since, until, chart, as_csv, as_json):
    """Count downloads from access logs by the IAB guidelines (v2.2); no IP address is stored or printed."""
    from pipeline.app.stats import count_logs

    result = count_logs(project.site(), logs, log_format=log_format, show=show, since=since, until=until,
                        chart=chart)
    warn(result.warnings)
    click.echo(f"{len(result.read)} new log object(s), {result.lines} line(s) read; left out: "
               + (", ".join(f"{n} {why}" for why, n in sorted(result.skipped.items())) or "none"), err=True)
    if result.chart is not None:
        click.echo(f"{chart}: {result.chart}", err=True)
    if as_json:
        emit([stats_json(e) for e in result.episodes])
    elif as_csv:
        out = csv.writer(sys.stdout, lineterminator="\n")
        out.writerow(["guid", "show", "title", "day", "downloads"])
        for e in result.episodes:
            for day, n in sorted(e.by_day.items()):
                out.writerow([e.guid, e.show, e.title, day, n])
    else:
        click.echo(f"{'show':<16}{'date':<12}{'downloads':>10}  {'top app':<24}title")
        for e in result.episodes:
            top = e.by_app.most_common(1)[0][0] if e.by_app else ""
            click.echo(f"{e.show:<16}{e.date:<12}{e.downloads:>10}  {top[:23]:<24}{e.title}")
