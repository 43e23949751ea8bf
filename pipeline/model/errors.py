"""Typed errors of the pipeline. Only ``cli.py`` turns them into exit codes and one-line messages."""

from __future__ import annotations


class PipelineError(Exception):
    """A problem the producer can fix. ``where`` names the file, key or endpoint concerned."""

    exit_code = 1

    def __init__(self, message: str, where: str | None = None):
        super().__init__(message)
        self.message = message
        self.where = where

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class InputError(PipelineError):
    """A source file (recording, image, chapters, notes) is not usable."""

    exit_code = 2


class UnknownShow(InputError):
    """``--show`` names no ``feeds/<show>.toml``: an option error (exit 2), the message listing the shows."""

    def __init__(self, message: str, where: str = "--show"):
        super().__init__(message, where)


class ConfigError(PipelineError):
    """``feeds/*.toml`` or a record under ``episodes/`` is invalid. May carry several problems."""

    exit_code = 3

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))

    def __str__(self) -> str:
        return "\n".join(self.problems)


class ToolError(PipelineError):
    """An external tool (ffmpeg, ffprobe) is missing or failed."""

    exit_code = 4

    def __init__(self, message: str, command: list[str] | None = None, stderr_tail: str = "", returncode: int | None = None):
        super().__init__(message)
        self.command = command or []
        self.stderr_tail = stderr_tail
        self.returncode = returncode


class StorageError(PipelineError):
    """The store is unreachable, refused a request, or a conditional write lost a race too often."""

    exit_code = 5


class PreconditionFailed(StorageError):
    """A conditional write found the object changed (If-Match) or present (If-None-Match: *)."""


class FeedCheckError(PipelineError):
    """The generated feed breaks a rule podcast apps rely on."""

    exit_code = 6

    def __init__(self, violations: list[str], where: str | None = None):
        self.violations = violations
        super().__init__(f"{len(violations)} problem(s): " + "; ".join(violations), where)


class Stopped(BaseException):
    """The run was told to stop (SIGTERM, SIGHUP: a closed terminal, a CI timeout, ``kill``). A BaseException,
    like KeyboardInterrupt, so no ``except Exception`` swallows it: it unwinds every ``finally`` and
    context manager, which remove temporary folders and half-written files."""

    def __init__(self, signal_name: str, exit_code: int):
        super().__init__(signal_name)
        self.signal_name, self.exit_code = signal_name, exit_code


def read_utf8(path) -> str:
    """A producer's text file (notes, chapters, transcript), or an InputError naming it."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("file not found", str(path)) from None
    except IsADirectoryError:
        raise InputError("is a folder, not a file", str(path)) from None
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", str(path)) from None
