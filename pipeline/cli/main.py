"""The ``publish`` group and its entry point.

Core code raises PipelineError subclasses; only here do they become one line and an exit code.
"""

from __future__ import annotations

import logging
import signal
import sys
from pathlib import Path

import click

from pipeline import __version__
from pipeline.cli.commands import COMMANDS
from pipeline.cli.context import Project
from pipeline.media.runner import stop_tools
from pipeline.model.config import find_root
from pipeline.model.errors import ConfigError, FeedCheckError, PipelineError, Stopped


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="publish")
@click.option("-v", "--verbose", is_flag=True, help="Show every ffmpeg command as it runs.")
@click.option("--traceback", is_flag=True, help="On an error, show the Python traceback too.")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Project folder holding feeds/ and episodes/ (default: found from the current folder).")
@click.pass_context
def cli(ctx: click.Context, verbose: bool, traceback: bool, root: Path | None) -> None:
    """Publish podcast episodes and seminar recordings: loudness-normalised, tagged, uploaded, in a feed."""
    ctx.obj = Project(root=(root or find_root()).resolve(), verbose=verbose, traceback=traceback)
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, format="  $ %(message)s",
                        stream=sys.stderr)
    if not verbose:
        logging.getLogger("botocore").setLevel(logging.WARNING)


def _verbose_after_the_command(ctx: click.Context, _param, value: bool) -> None:
    """``publish episode ... -v``: the same as ``publish -v episode ...``."""
    if value:
        logging.getLogger().setLevel(logging.DEBUG)


for command in COMMANDS:
    command.params.append(click.Option(["-v", "--verbose"], is_flag=True, expose_value=False,
                                       callback=_verbose_after_the_command,
                                       help="Show every ffmpeg command as it runs (also before the command)."))
    cli.add_command(command)


def error_lines(e: PipelineError) -> list[str]:
    if isinstance(e, FeedCheckError):
        # One line per violation, then what it means.
        # One line per violation, and what it means: in that line when there is one, else as a line of its own.
        lines = [f"{e.where}: {v}" if e.where else v for v in e.violations]
        meaning = f"{e.where} was not written" if e.where else ""
        if len(lines) == 1:
            return [lines[0] + (f" ({meaning})" if meaning else "")]
        return [*lines, f"{len(e.violations)} violation(s)" + (f"; {meaning}" if meaning else "")]
    return str(e).splitlines() if isinstance(e, ConfigError) else [str(e)]


def _say(lines: list[str], exit_code: int) -> int:
    for line in lines:
        click.echo(line, err=True)
    return exit_code


def run(argv: list[str] | None = None) -> int:
    """The command line with our error handling and without signal handlers: returns the exit code.

    ``main`` for a process; tests call this in theirs. ``--traceback`` lets our errors through."""
    traceback = "--traceback" in (argv if argv is not None else sys.argv[1:])
    try:
        cli.main(args=argv, prog_name="publish", standalone_mode=False)
    except PipelineError as e:
        if traceback:
            raise
        return _say([f"error: {line}" for line in error_lines(e)], e.exit_code)
    except click.exceptions.Abort:
        return _say(["Aborted."], 130)
    except click.UsageError as e:
        # One line, like every other error; Click's own suggestion ("Did you mean --title?") stays in it.
        command = e.ctx.command_path if e.ctx else "publish"
        message = " ".join(e.format_message().split())
        return _say([f"error: {message} (see '{command} --help')"], e.exit_code)
    except click.ClickException as e:
        return _say([f"error: {e.format_message()}"], e.exit_code)
    except KeyboardInterrupt:
        return _say(["Interrupted."], 130)
    except Stopped as e:
        return _say([f"stopped by {e.signal_name}; nothing half-written was left (the same command finishes "
                     "the job)"], e.exit_code)
    except OSError as e:
        if traceback:
            raise
        return _say([f"error: {e.filename or ''}: {e.strerror or e}".replace(": : ", ": ")], 1)
    return 0


def _stop(signum: int, _frame) -> None:
    """SIGTERM/SIGHUP: end the tools at once, then unwind like Ctrl-C so nothing half-written is left."""
    stop_tools()
    raise Stopped(signal.Signals(signum).name, 128 + signum)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI and turn our errors into one line and an exit code."""
    for stop_signal in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(stop_signal, _stop)
    exit_code = run(argv)
    if exit_code:
        sys.exit(exit_code)
