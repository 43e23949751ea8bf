"""``publish episode AUDIO``."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.app.episode import EpisodeRequest, publish_episode
from pipeline.cli.context import Project, pass_project
from pipeline.cli.output import print_episode, publish_and_show, result_json
from pipeline.cli.types import (DateType, is_auto, json_option, notify_option, refuse_description_and_notes,
                                speech_options)


@click.command()
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
@click.option("--person", "persons", multiple=True,
              help="A host or guest: 'Name | role' (without a role: a guest, with a warning). Repeatable.")
@click.option("--transcript", "transcripts", type=click.Path(path_type=Path), multiple=True,
              help="Transcript: WebVTT (.vtt), SubRip (.srt) or text (.txt), published beside the audio. Repeatable, "
                   "one per kind. 'auto': drafted from the speech (WebVTT and text), marked as machine-made.")
@speech_options()
@click.option("--type", "episode_type", type=click.Choice(["full", "trailer", "bonus"]), default="full", show_default=True)
@click.option("--explicit", is_flag=True, help="Mark the episode explicit.")
@click.option("--dry-run", is_flag=True, help="Check and measure, but encode, upload and write nothing.")
@notify_option()
@json_option()
@pass_project
def episode(project: Project, audio, show, title, description, notes_file, date, season, number, image,
            chapters_file, persons, episode_type, explicit, dry_run, as_json, no_notify, language, model,
            transcripts=()):
    """Publish AUDIO as an episode: check, level, normalise, encode, tag, upload, record, regenerate the feed."""
    refuse_description_and_notes(description, notes_file)
    req = EpisodeRequest(source=audio, show=show, title=title, description=description, notes_file=notes_file,
                         date=date, season=season, number=number, image=image, chapters_file=chapters_file,
                         explicit=explicit, episode_type=episode_type, persons=tuple(persons),
                         transcripts=tuple(t for t in transcripts if not is_auto(t)),
                         machine_transcript=any(is_auto(t) for t in transcripts), speech_model=model,
                         language=language)
    publish_and_show(publish_episode, project.site(no_notify=no_notify), req, dry_run=dry_run, as_json=as_json,
                     shape=result_json, lines=print_episode)
