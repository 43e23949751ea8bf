"""Shared fixtures: media made with lavfi and espeak-ng once per session, and a throwaway project folder."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

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


def run_publish(project: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """The real CLI in a subprocess, as a producer runs it."""
    return subprocess.run([*PUBLISH, "--root", str(project), *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, cwd=project)
