"""``publish archive``."""

from __future__ import annotations

import click

from pipeline.app.published import shows_of_kind
from pipeline.cli.context import Project, pass_project
from pipeline.cli.output import show_by_show
from pipeline.cli.types import json_option, notify_option


@click.command()
@click.option("--show", "shows", multiple=True, help="Only this seminar series (repeatable). Default: every one.")
@notify_option()
@json_option()
@pass_project
def archive(project: Project, shows, as_json, no_notify):
    """Rebuild the seminar archive pages and the video podcast feed from episodes/ and the store; edits to records take effect here."""
    from pipeline.app.seminar import publish_archive

    site = project.site(no_notify=no_notify)

    def rebuild(show_id: str) -> tuple[dict, str]:
        feed, pages = publish_archive(site, show_id)
        changed = len(feed.uploaded) + len(pages.uploaded)
        return ({"show": show_id, "archive_url": pages.url, "feed_url": feed.url, "seminars": len(pages.seminars),
                 "pages": pages.pages, "uploaded": feed.uploaded + pages.uploaded, "warnings": feed.warnings},
                f"{show_id}: {len(pages.seminars)} seminar(s), {changed} object(s) updated: {pages.url}")

    show_by_show(shows or shows_of_kind(site, "seminar"), rebuild, as_json=as_json)
