"""``publish transcribe MEDIA``."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.app.captions import transcribe_media
from pipeline.cli.context import Project, pass_project
from pipeline.cli.output import RichReporter, emit
from pipeline.cli.types import json_option, speech_options


@click.command()
@click.argument("media", type=click.Path(path_type=Path))
@speech_options()
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="The draft's file (WebVTT; the text beside it as .txt). Default: MEDIA's name, .vtt, here.")
@json_option()
@pass_project
def transcribe(project: Project, media, language, model, out, as_json):
    """Draft captions (WebVTT) and a transcript (text) of MEDIA's speech, offline, for a person to correct
    before publishing them with --captions (seminars) or --transcript (episodes)."""
    reporter = RichReporter(quiet=as_json)
    try:
        result = transcribe_media(project.site(), media, out=out, language=language, model=model, report=reporter)
    finally:
        reporter.done()
    for warning in result.warnings:
        reporter.warn(warning)
    draft = result.transcription.draft
    if as_json:
        emit({"captions": str(result.vtt), "text": str(result.text), "model": draft.model,
              "language": draft.language, "duration": draft.duration, "words": len(draft.words),
              "cues": len(result.transcription.cues), "warnings": list(result.warnings)})
        return
    click.echo(f"Drafted {len(result.transcription.cues)} caption(s), {len(draft.words)} word(s) of "
               f"{draft.duration:.0f} s ({draft.model}, {draft.language}): a machine draft; correct it before publishing")
    click.echo(f"  captions: {result.vtt}")
    click.echo(f"  text:     {result.text}")
