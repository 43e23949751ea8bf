"""The one place that runs external tools (ffmpeg, ffprobe). Commands are lists, never shell strings."""

from __future__ import annotations

import logging
import os
import shlex
import shutil
import subprocess
from collections.abc import Callable, Sequence

from .errors import ToolError

log = logging.getLogger("pipeline.runner")

INSTALL_HINT = "install it with: sudo apt-get install ffmpeg (or run scripts/demo, which installs what is missing)"


def tool_path(name: str) -> str:
    """The binary for ``name``, honouring FFMPEG_PATH / FFPROBE_PATH overrides."""
    override = os.environ.get(f"{name.upper()}_PATH")
    path = override or shutil.which(name)
    if not path:
        raise ToolError(f"{name} was not found on PATH; {INSTALL_HINT}")
    return path


def run(
    args: Sequence[str],
    *,
    on_stderr_line: Callable[[str], None] | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run ``args`` (args[0] is a tool name), capture output, and raise ToolError with evidence on failure.

    ``on_stderr_line`` sees each stderr line as it arrives (ffmpeg's progress), so long runs can drive a bar.
    """
    cmd = [tool_path(args[0]), *args[1:]]
    log.debug("run: %s", shlex.join(cmd))
    if on_stderr_line is None:
        proc = subprocess.run(cmd, capture_output=True, text=True, errors="replace", stdin=subprocess.DEVNULL)
        stderr = proc.stderr
    else:
        lines: list[str] = []
        with subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
            text=True, errors="replace", bufsize=1,
        ) as p:
            assert p.stderr is not None and p.stdout is not None
            for line in p.stderr:
                lines.append(line)
                on_stderr_line(line)
            stdout = p.stdout.read()
        stderr = "".join(lines)
        proc = subprocess.CompletedProcess(cmd, p.returncode, stdout, stderr)
    if check and proc.returncode != 0:
        tail = "\n".join(stderr.strip().splitlines()[-5:])
        raise ToolError(
            f"{args[0]} failed (exit {proc.returncode}): {tail.splitlines()[-1] if tail else 'no output'}",
            command=cmd, stderr_tail=tail, returncode=proc.returncode,
        )
    return proc


def ffmpeg_args(*args: str) -> list[str]:
    """ffmpeg with the flags every call wants: no banner, no stdin, overwrite our own temp outputs."""
    return ["ffmpeg", "-hide_banner", "-nostdin", "-y", *args]
