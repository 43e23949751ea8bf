"""``publish init SHOW``."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli.context import Project, pass_project
from pipeline.cli.output import ask_for_missing, emit, in_project
from pipeline.cli.types import ArtworkType, EmailType, UrlType, json_option

QUESTIONS = {  # option -> (question, type); asked for when the option is not given
    "title": ("Title of the show", str),
    "description": ("Description (a few sentences for podcast apps)", str),
    "author": ("Author (the organisation, shown in podcast apps)", str),
    "email": ("Owner e-mail (Apple uses it to verify ownership; never shown)", EmailType()),
    "link": ("Web page of the show", UrlType()),
    "artwork": ("Artwork file (square JPEG or PNG, 1400-3000 px)", ArtworkType()),
}


@click.command()
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
@json_option()
@pass_project
def init(project: Project, show_id, title, description, author, email, link, artwork, kind, language, category,
         explicit, loudness, force, as_json):
    """Start a new show: write feeds/SHOW.toml from the options, asking for any that are missing."""
    from pipeline.app.init import ShowDraft, check_new_show, init_show

    root = project.root
    check_new_show(root, show_id, force=force)  # before asking anything
    given = ask_for_missing({"title": title, "description": description, "author": author, "email": email,
                             "link": link, "artwork": artwork}, QUESTIONS)
    draft = ShowDraft(title=given["title"], description=given["description"], author=given["author"],
                      email=given["email"], link=given["link"], artwork=Path(given["artwork"]), kind=kind,
                      language=language, category=category, explicit=explicit, loudness=loudness)
    made = init_show(root, show_id, draft, force=force)
    if as_json:
        emit({"show": show_id, "config": in_project(made.config, root), "artwork": in_project(made.artwork, root),
              "site": in_project(made.site, root) if made.site else None})
        return
    click.echo(f"Created {in_project(made.config, root)} (artwork {in_project(made.artwork, root)})")
    if made.site:
        click.echo(f"Created {in_project(made.site, root)}: the store is ./public, served by `publish serve`")
    command = "seminar RECORDING.mp4" if kind == "seminar" else "episode RECORDING.wav"
    click.echo(f"Next: publish {command} --show {show_id} --title \"...\"")
