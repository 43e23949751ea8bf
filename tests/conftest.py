"""Shared fixtures: media made with lavfi and espeak-ng once per session, a throwaway project folder, and the
CLI run in this process as a producer runs it."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import subprocess
import sys
import traceback
import warnings
from dataclasses import dataclass
from pathlib import Path

import click.formatting
import click.termui
import pytest
from click.testing import CliRunner

from tools.samples import speak, two_speaker_recording

ROOT = Path(__file__).resolve().parents[1]
PUBLISH = [sys.executable, "-m", "pipeline.cli"]

sys.path.insert(0, str(Path(__file__).parent))
from s3server import s3_server  # noqa: E402,F401  (session fixture: a real SeaweedFS on loopback)


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-y", *args], check=True)


@pytest.fixture(scope="session")
def media(tmp_path_factory) -> dict[str, Path]:
    """Small recordings named for what they are."""
    d = tmp_path_factory.mktemp("media")
    m = {}
    m["conversation"] = two_speaker_recording(d / "conversation.wav")  # ~40 s, host + guest 20 dB quieter
    m["mono_speech"] = speak("Velkommen til Endringspodden. Endringspodden er tilbake, og denne gangen handler "
                             "det om effektivisering og endringsledelse.", d / "mono_speech.wav")
    m["text_as_mp3"] = d / "notes.mp3"
    m["text_as_mp3"].write_text("Dette er ikke lyd.\n" * 50)
    m["empty"] = d / "empty.wav"
    m["empty"].write_bytes(b"")
    full = d / "tone.wav"
    ffmpeg("-f", "lavfi", "-i", "sine=f=440:d=10", "-ar", "48000", "-ac", "2", str(full))
    m["truncated"] = d / "truncated.wav"
    m["truncated"].write_bytes(full.read_bytes()[: full.stat().st_size // 3])
    m["video_no_audio"] = d / "video_no_audio.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=s=160x90:d=5:r=10", "-c:v", "libx264", "-pix_fmt", "yuv420p", str(m["video_no_audio"]))
    m["silence"] = d / "silence.wav"
    ffmpeg("-f", "lavfi", "-i", "anullsrc=r=44100:cl=stereo", "-t", "8", str(m["silence"]))
    m["too_short"] = d / "too_short.wav"
    ffmpeg("-f", "lavfi", "-i", "sine=f=300:d=1", str(m["too_short"]))
    m["cover_ok"] = d / "cover.jpg"
    m["cover_small"] = d / "small.jpg"
    m["cover_wide"] = d / "wide.jpg"
    from PIL import Image

    Image.new("RGB", (1400, 1400), (20, 80, 120)).save(m["cover_ok"], quality=70)
    Image.new("RGB", (1200, 1200), (20, 80, 120)).save(m["cover_small"], quality=70)
    Image.new("RGB", (1600, 1400), (20, 80, 120)).save(m["cover_wide"], quality=70)
    return m


@pytest.fixture
def project(tmp_path) -> Path:
    """A fresh project folder: the real feeds/ and an empty episodes/; the store is ./public."""
    shutil.copytree(ROOT / "feeds", tmp_path / "feeds")
    (tmp_path / "episodes").mkdir()
    return tmp_path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (store, episodes) with its hash, to prove nothing changed."""
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): sha256(p) for p in sorted(folder.rglob("*")) if p.is_file()
            and not p.name.endswith(".lock")}


@dataclass(frozen=True)
class Finished:
    """What a test reads of a finished ``publish``, as of a ``subprocess.CompletedProcess``."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str


# Python's own warning filters when no -W or PYTHONWARNINGS is given (docs: "Default Warning Filter").
PYTHON_WARNING_FILTERS = [("default", DeprecationWarning, "__main__"), ("ignore", DeprecationWarning, ""),
                          ("ignore", PendingDeprecationWarning, ""), ("ignore", ImportWarning, ""),
                          ("ignore", ResourceWarning, "")]


@contextlib.contextmanager
def as_a_new_process(cwd: Path):
    """What a fresh ``publish`` process starts with: its own current folder, no logging set up yet (so the
    CLI's ``basicConfig`` takes effect and writes to the captured stderr), no manifests read before, and
    Python's warning filters, its warnings printed on stderr (not collected by pytest)."""
    from pipeline.store import manifests

    root, botocore = logging.getLogger(), logging.getLogger("botocore")
    kept = (root.handlers[:], root.level, botocore.level)
    root.handlers[:] = []
    manifests._read.clear()
    before = Path.cwd()
    os.chdir(cwd)
    try:
        with warnings.catch_warnings():
            warnings.resetwarnings()
            for action, category, module in PYTHON_WARNING_FILTERS:
                warnings.filterwarnings(action, category=category, module=module, append=True)
            warnings.showwarning = print_warning
            yield
    finally:
        os.chdir(before)
        for handler in root.handlers:
            handler.close()
        root.handlers[:], root.level = kept[0], kept[1]
        botocore.setLevel(kept[2])


def print_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Python's own display of a warning, on the stderr of the moment (the run's captured one)."""
    sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


def run_publish(project: Path, *args: str, env: dict | None = None, input: str = "") -> Finished:
    """The CLI as a producer runs it, in this process: ``main``'s error handling, messages and exit codes,
    without its signal handlers. Tests of signals, of the installed entry point and of children with
    another environment start a real process (``PUBLISH``)."""
    from pipeline.cli.main import run

    argv = ["--root", str(project), *args]
    with as_a_new_process(project), CliRunner().isolation(input=input, env=env) as (stdout, stderr, _):
        click.formatting.FORCED_WIDTH = None  # Click's own width rule, as in a process; isolation restores it
        click.termui.visible_prompt_func = input_from_stdin
        try:
            code = run(argv)
        except SystemExit as e:
            code = exit_status(e)
        except Exception:
            traceback.print_exc()  # what Python prints for an uncaught error, with its exit code
            code = 1
        sys.stdout.flush()
        sys.stderr.flush()
        return Finished([*PUBLISH, *argv], code, stdout.getvalue().decode(), stderr.getvalue().decode())


def exit_status(e: SystemExit) -> int:
    """The status a process ends with on ``sys.exit(code)``; a message instead of a number is printed, status 1."""
    if e.code is None or isinstance(e.code, int):
        return e.code or 0
    print(e.code, file=sys.stderr)
    return 1


def input_from_stdin(prompt: str) -> str:
    """A prompt answered from a stdin that is not a terminal, as in a process: the builtin ``input``, which
    writes the prompt and no echo of the answer (CliRunner's own echoes it)."""
    return input(prompt)
