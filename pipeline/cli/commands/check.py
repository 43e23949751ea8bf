"""``publish check``."""

from __future__ import annotations

import click

from pipeline.app.published import check_shows
from pipeline.cli.context import Project, pass_project
from pipeline.cli.output import check_json, emit
from pipeline.cli.types import json_option
from pipeline.model.errors import FeedCheckError


@click.command()
@click.option("--show", "shows", multiple=True, help="Only this show (repeatable). Default: every show with a feed.")
@click.option("--online", is_flag=True, help="Also fetch every enclosure, image, transcript and chapters file from "
              "its public URL: HEAD 200, Range answered with 206, exact length and type.")
@json_option("the violations")
@pass_project
def check(project: Project, shows, online, as_json):
    """Check the published feed(s) against Apple's requirements and the Podcasting 2.0 rules; exit non-zero on any violation."""
    found, report = [], []
    for checked in check_shows(project.site(), shows, online=online):
        found += [f"{checked.show}: {v}" for v in checked.violations]
        report.append(check_json(checked, online))
        if not as_json and not checked.violations:
            click.echo(f"{checked.show}: no violations ({'offline and online' if online else 'offline'}): "
                       f"{checked.feed_url}")
    if as_json:
        emit(report)
    if not report:
        click.echo("No feed published yet.")
    if found:
        raise FeedCheckError(found)
