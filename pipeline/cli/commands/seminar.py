"""``publish seminar VIDEO``."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli.context import Project, pass_project
from pipeline.cli.output import print_seminar, publish_and_show, seminar_json
from pipeline.cli.types import (DateType, OffsetType, TimeRangeType, is_auto, json_option, notify_option,
                                refuse_description_and_notes, speech_options)


@click.command()
@click.argument("video", type=click.Path(path_type=Path))
@click.option("--show", default="seminarer", show_default=True,
              help="The seminar series (a feeds/<show>.toml with kind = \"seminar\").")
@click.option("--title", required=True, help="Title of the seminar (at most 255 characters); its address comes from it.")
@click.option("--date", type=DateType(), required=True, help="The day the seminar was held.")
@click.option("--time", "time_range", type=TimeRangeType(), required=True,
              help="When it was held: HH:MM-HH:MM (or HH.MM-HH.MM).")
@click.option("--place", help="Where it was held (default: default_place of the series).")
@click.option("--speaker", "speakers", multiple=True,
              help="A speaker: 'Name | role', the role as the page shows it. Repeatable.")
@click.option("--description", help="About the seminar, as plain text, shown as typed. Or use --notes (Markdown).")
@click.option("--notes", "notes_file", type=click.Path(path_type=Path), help="About the seminar, from a Markdown file.")
@click.option("--slides", type=click.Path(path_type=Path), multiple=True,
              help="Slides as PDF, offered for download beside the video. Repeatable.")
@click.option("--captions", type=click.Path(path_type=Path),
              help="Captions: WebVTT (.vtt) or SubRip (.srt, converted to WebVTT). Required by law for public bodies. "
                   "'auto': drafted from the speech, marked as machine-made until you publish a corrected file.")
@click.option("--chapters", type=click.Path(path_type=Path),
              help="Chapters: a file of 'HH:MM:SS Title' lines, or 'auto': found where the slides change, titled "
                   "from the --slides PDF pages, else by OCR of the slide, else 'Lysbilde N'.")
@speech_options()
@click.option("--poster-at", type=OffsetType(), help="Where to take the poster frame (default: 10 % in, at most 1 minute).")
@click.option("--dry-run", is_flag=True, help="Check and measure, but encode, upload and write nothing.")
@notify_option()
@json_option()
@pass_project
def seminar(project: Project, video, show, title, date, time_range, place, speakers, description, notes_file, slides,
            captions, chapters, language, model, poster_at, dry_run, as_json, no_notify):
    """Publish VIDEO as a seminar recording: web MP4, poster, audio-only MP3, captions and slides beside a
    permanent page in the archive, and an item in the video podcast feed."""
    from pipeline.app.seminar import SeminarRequest, publish_seminar

    refuse_description_and_notes(description, notes_file)
    req = SeminarRequest(source=video, title=title, date=date, time=time_range, show=show, place=place,
                         speakers=tuple(speakers), description=description, notes_file=notes_file,
                         slides=tuple(slides), captions=None if is_auto(captions) else captions,
                         machine_captions=is_auto(captions), speech_model=model, language=language,
                         poster_at=poster_at, chapters_file=None if is_auto(chapters) else chapters,
                         auto_chapters=is_auto(chapters))
    publish_and_show(publish_seminar, project.site(no_notify=no_notify), req, dry_run=dry_run, as_json=as_json,
                     shape=seminar_json, lines=print_seminar)
