"""``publish archive``."""

from __future__ import annotations

import click

from pipeline.app.published import shows_of_kind
from pipeline.cli.context import Project, pass_project
from pipeline.cli.output import emit, warn


@click.command()
@click.option("--show", "shows", multiple=True, help="Only this seminar series (repeatable). Default: every one.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_project
def archive(project: Project, shows, as_json):
    """Rebuild the seminar archive pages and the video podcast feed from episodes/ and the store; edits to records take effect here."""
    from pipeline.app.seminar import publish_archive

    site = project.site()
    out = []
    for show_id in shows or shows_of_kind(site, "seminar"):
        feed_result, pages = publish_archive(site, show_id)
        out.append({"show": show_id, "archive_url": pages.url, "feed_url": feed_result.url,
                    "seminars": len(pages.seminars), "pages": pages.pages,
                    "uploaded": feed_result.uploaded + pages.uploaded, "warnings": feed_result.warnings})
        if not as_json:
            warn(feed_result.warnings)
            changed = len(feed_result.uploaded) + len(pages.uploaded)
            click.echo(f"{show_id}: {len(pages.seminars)} seminar(s), {changed} object(s) updated: {pages.url}")
    if as_json:
        emit(out)
