"""The README documents the whole command line: a command or a long option missing from it fails here.

Walks the Click command tree (so a command added tomorrow is checked too): every command must appear as
``publish <command>`` and every long option (``--show``, ``--dry-run``, ...) as a whole word somewhere.
"""

from __future__ import annotations

import re
from pathlib import Path

import click

from pipeline.cli import cli

README = Path(__file__).resolve().parents[1] / "README.md"


def walk(command: click.Command, path: tuple[str, ...] = ("publish",)):
    """(command path, command) for the group and every command under it, hidden ones left out."""
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            if not sub.hidden:
                yield from walk(sub, (*path, name))


def long_options(command: click.Command) -> set[str]:
    ctx = click.Context(command, info_name=command.name)
    found = set()
    for param in command.get_params(ctx):
        if isinstance(param, click.Option) and not param.hidden:
            found |= {o for o in (*param.opts, *param.secondary_opts) if o.startswith("--")}
    return found


def missing_from(text: str) -> list[str]:
    """What ``text`` leaves out: commands, then options (each once, with the commands that take it)."""
    commands, options = [], {}
    for path, command in walk(cli):
        if len(path) > 1 and not re.search(r"\s+".join(map(re.escape, path)) + r"(?![\w-])", text):
            commands.append(f"command `{' '.join(path)}`")
        for option in long_options(command):
            if not re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", text):
                options.setdefault(option, []).append(" ".join(path))
    return commands + [f"option {o} (of {', '.join(f'`{c}`' for c in where)})" for o, where in sorted(options.items())]


def test_every_command_and_option_is_in_the_readme():
    assert README.is_file(), "README.md is missing"
    problems = missing_from(README.read_text(encoding="utf-8"))
    assert problems == [], "README.md does not mention:\n  " + "\n  ".join(problems)


def test_the_check_itself_notices_a_gap():
    complete = " ".join(f"{' '.join(p)} {' '.join(sorted(long_options(c)))}" for p, c in walk(cli))
    assert missing_from(complete) == []
    assert any(gap.startswith("option --dry-run (of ") and "`publish episode`" in gap
               for gap in missing_from(complete.replace("--dry-run", "--dryrun")))
    assert "command `publish list`" in missing_from(complete.replace("publish list", "publish lists"))


def test_shell_completion_as_documented():
    """`eval "$(_PUBLISH_COMPLETE=bash_source publish)"` in ~/.bashrc (zsh_source, fish_source likewise)."""
    import os
    import subprocess
    import sys

    def run(**env):
        return subprocess.run([sys.executable, "-m", "pipeline.cli"], capture_output=True, text=True,
                              env={**os.environ, **env}, timeout=30).stdout

    assert "_publish_completion()" in run(_PUBLISH_COMPLETE="bash_source")
    assert "#compdef publish" in run(_PUBLISH_COMPLETE="zsh_source")
    assert run(_PUBLISH_COMPLETE="bash_complete", COMP_WORDS="publish ep", COMP_CWORD="1").split() == ["plain,episode"]
    assert "plain,--dry-run" in run(_PUBLISH_COMPLETE="bash_complete", COMP_WORDS="publish episode --dr",
                                    COMP_CWORD="2").split()
