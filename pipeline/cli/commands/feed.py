"""``publish feed``."""

from __future__ import annotations

import click

from pipeline.app.regenerate import regenerate_feed
from pipeline.cli.context import Project, pass_project
from pipeline.cli.output import show_by_show
from pipeline.cli.types import json_option, notify_option
from pipeline.model.config import load_show, show_ids


@click.command()
@click.option("--show", "shows", multiple=True,
              help="Only this show (repeatable). Default: every show, seminar series (a video podcast) too.")
@notify_option()
@json_option()
@pass_project
def feed(project: Project, shows, as_json, no_notify):
    """Rebuild the feed(s) from episodes/ and the store; edits to records take effect here."""
    site = project.site(no_notify=no_notify)

    def rebuild(show_id: str) -> tuple[dict, str]:
        result = regenerate_feed(site, load_show(site, show_id))
        state = "updated" if result.key in result.uploaded else "unchanged"
        return ({"show": show_id, "feed_url": result.url, "episodes": len(result.episodes),
                 "uploaded": result.uploaded, "warnings": result.warnings},
                f"{show_id}: {len(result.episodes)} item(s), feed {state}: {result.url}")

    show_by_show(shows or show_ids(site), rebuild, as_json=as_json)
