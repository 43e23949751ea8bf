"""``publish retract EPISODE``."""

from __future__ import annotations

import click

from pipeline.cli.context import Project, pass_project
from pipeline.cli.output import emit, episode_json, warn
from pipeline.cli.types import json_option, notify_option


@click.command()
@click.argument("episode_ref", metavar="EPISODE")
@click.option("--show", default=None, help="The show (default: search every show).")
@notify_option()
@json_option()
@pass_project
def retract(project: Project, episode_ref, show, as_json, no_notify):
    """Take EPISODE (a GUID, GUID prefix or slug) out of the feed; its GUID stays reserved, never reused."""
    from pipeline.app.retract import retract_episode

    result = retract_episode(project.site(no_notify=no_notify), episode_ref, show_id=show)
    ep, feed = result.episode, result.feed
    if as_json:
        emit({**episode_json(ep), "already_retracted": result.already, "feed_url": feed.url,
              "uploaded": feed.uploaded, "warnings": feed.warnings})
        return
    warn(feed.warnings)
    state = "was already retracted" if result.already else "retracted"
    click.echo(f"«{ep.title}» ({ep.show}, {ep.date.isoformat()}) {state}; GUID {ep.guid} stays reserved")
    click.echo(f"  feed: {feed.url} ({'updated' if feed.key in feed.uploaded else 'unchanged'}, "
               f"{sum(1 for e in feed.episodes if not e.retracted)} item(s) listed)")
