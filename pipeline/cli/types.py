"""Parameter types: a value is checked, and refused with a clear message, while the options are parsed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from pipeline.model.errors import PipelineError
from pipeline.model.timerange import parse_offset, parse_time_range


class DateType(click.ParamType):
    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx):
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r} is not a date in the form YYYY-MM-DD", param, ctx)


class ParsedType(click.ParamType):
    """A value read by one of our parsers, whose error message becomes Click's ``Invalid value``."""

    @staticmethod
    def parse(value: str):
        raise NotImplementedError

    def convert(self, value, param, ctx):
        try:
            return self.parse(value)
        except PipelineError as e:
            self.fail(e.message, param, ctx)


class TimeRangeType(ParsedType):
    """When a seminar ran: ``09:00-10:00`` or ``09.00-10.00``, stored as ``09:00-10:00``."""

    name = "HH:MM-HH:MM"
    parse = staticmethod(parse_time_range)


class OffsetType(ParsedType):
    """A moment in a recording: ``HH:MM:SS`` (or ``MM:SS``, or seconds) -> seconds."""

    name = "HH:MM:SS"

    @staticmethod
    def parse(value: str | float) -> float:
        return value if isinstance(value, float) else parse_offset(value)


class EmailType(click.ParamType):
    name = "E-MAIL"

    def convert(self, value, param, ctx):
        from pipeline.model.config import EMAIL

        if not EMAIL.match(str(value).strip()):
            self.fail(f"{value!r} is not an e-mail address", param, ctx)
        return str(value).strip()


class UrlType(click.ParamType):
    name = "URL"

    def convert(self, value, param, ctx):
        if not str(value).startswith(("http://", "https://")):
            self.fail(f"{value!r} is not a web address (http:// or https://)", param, ctx)
        return str(value).strip()


class ArtworkType(click.ParamType):
    """A path to artwork Apple accepts, checked on the spot (square JPEG/PNG, 1400-3000 px, RGB)."""

    name = "IMAGE"

    def convert(self, value, param, ctx):
        from pipeline.inputs.images import check_artwork

        path = Path(value).expanduser()
        try:
            check_artwork(path)
        except PipelineError as e:
            self.fail(str(e), param, ctx)
        return path


def refuse_description_and_notes(description: str | None, notes_file: Path | None) -> None:
    """``--description`` and ``--notes`` are two ways to give the same text: one of them, not both."""
    if description and notes_file:
        raise click.UsageError("give --description or --notes, not both")


def json_option(what: str = "the result"):
    """``--json``: ``what`` printed as JSON instead of lines for a person."""
    return click.option("--json", "as_json", is_flag=True, help=f"Print {what} as JSON.")


def notify_option():
    """``--no-notify``: the feed is written, but no hub or service is told this time (``[notify]``)."""
    return click.option("--no-notify", "no_notify", is_flag=True,
                        help="Tell no WebSub hub, Podcast Index or Podping this time (a trial); the next publish "
                             "tells them.")


AUTO = "auto"  # --captions auto, --transcript auto: drafted from the speech


def is_auto(value) -> bool:
    return value is not None and str(value) == AUTO


def speech_options():
    """``--language`` and ``--model``: what speech recognition hears and with which model."""
    def add(f):
        f = click.option("--model", help="Speech model: a CTranslate2 Whisper folder or a Hugging Face name "
                                         "(default: speech.model in feeds/site.toml).")(f)
        return click.option("--language", type=click.Choice(["no", "nb", "nn", "en"], case_sensitive=False),
                            help="The language spoken (default: speech.language in feeds/site.toml, 'no').")(f)
    return add
