"""``publish list``."""

from __future__ import annotations

import click

from pipeline.app.episode import list_published
from pipeline.cli.context import Project, pass_project
from pipeline.cli.output import emit, episode_json, print_items
from pipeline.cli.types import json_option
from pipeline.model.config import show_ids


@click.command("list")
@click.option("--show", "shows", multiple=True, help="Only this show (repeatable). Default: every show.")
@json_option("the records")
@pass_project
def list_(project: Project, shows, as_json):
    """List what is published: date, title, duration, loudness, size, GUID."""
    site = project.site()
    items = [item for show_id in shows or show_ids(site) for item in list_published(site, show_id)]
    if as_json:
        emit([episode_json(e) for e in items])
    else:
        print_items(items)
