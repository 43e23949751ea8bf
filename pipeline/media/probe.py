"""What a source file is, by ffprobe: streams, duration, and whether it is whole."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pipeline.model.errors import InputError, ToolError
from pipeline.media.runner import ffmpeg_args, ffprobe_args, run

MIN_SECONDS = 3.0


@dataclass(frozen=True)
class Stream:
    index: int
    kind: str  # audio | video | subtitle | data
    codec: str
    pix_fmt: str | None = None
    width: int | None = None
    height: int | None = None
    sample_rate: int | None = None
    channels: int | None = None
    attached_pic: bool = False  # cover art inside an MP3/M4A is a "video" stream
    profile: str | None = None  # ffprobe's name for the codec profile: 'High', 'Constrained Baseline', 'LC'...


@dataclass(frozen=True)
class Probe:
    path: Path
    format: str
    duration: float
    size: int
    streams: tuple[Stream, ...]

    @property
    def audio(self) -> Stream | None:
        return next((s for s in self.streams if s.kind == "audio"), None)

    @property
    def video(self) -> Stream | None:
        return next((s for s in self.streams if s.kind == "video" and not s.attached_pic), None)


def parse_ffprobe(text: str, path: Path) -> Probe:
    """Pure: ffprobe's JSON (``-show_format -show_streams``) to a Probe."""
    data = json.loads(text)
    fmt = data.get("format", {})
    streams = []
    for s in data.get("streams", []):
        streams.append(Stream(
            index=int(s.get("index", 0)),
            kind=s.get("codec_type", "data"),
            codec=s.get("codec_name", "unknown"),
            pix_fmt=s.get("pix_fmt"),
            width=s.get("width"),
            height=s.get("height"),
            sample_rate=int(s["sample_rate"]) if s.get("sample_rate") else None,
            channels=s.get("channels"),
            attached_pic=bool(s.get("disposition", {}).get("attached_pic")),
            profile=s["profile"] if s.get("profile") not in (None, "", "unknown") else None,
        ))
    duration = float(fmt.get("duration") or 0.0)
    return Probe(path=path, format=fmt.get("format_name", "unknown"), duration=duration,
                 size=int(fmt.get("size") or 0), streams=tuple(streams))


def probe(path: Path) -> Probe:
    """Probe ``path``; refuse files that are missing, empty or not media."""
    if not path.exists():
        raise InputError("file not found", str(path))
    if not path.is_file():
        raise InputError("not a file", str(path))
    if path.stat().st_size == 0:
        raise InputError("file is empty", str(path))
    try:
        proc = run(ffprobe_args("-v", "error", "-print_format", "json", "-show_format", "-show_streams", str(path)))
    except ToolError as e:
        if e.returncode is None:
            raise
        raise InputError(f"not a media file ffprobe can read ({e.stderr_tail.splitlines()[-1] if e.stderr_tail else 'unknown format'})", str(path)) from None
    return parse_ffprobe(proc.stdout, path)


def require_audio(p: Probe) -> Stream:
    """The audio stream of a recording, or a clear refusal."""
    if p.audio is None:
        what = "a video without an audio stream" if p.video else "no audio stream"
        raise InputError(f"{what}; a recording needs sound", str(p.path))
    if p.duration < MIN_SECONDS:
        raise InputError(f"only {p.duration:.1f} s long; a recording must be at least {MIN_SECONDS:.0f} s", str(p.path))
    return p.audio


def wav_missing_bytes(header: bytes, file_size: int) -> int:
    """Pure: how many bytes a RIFF/WAVE file's data chunk claims beyond the end of the file (0 if whole).

    A WAV cut short (a recorder that crashed, a copy interrupted) still decodes without complaint,
    so its header is the only witness.
    """
    if header[:4] != b"RIFF" or header[8:12] != b"WAVE":
        return 0
    pos = 12
    while pos + 8 <= len(header):
        chunk_id, size = header[pos:pos + 4], int.from_bytes(header[pos + 4:pos + 8], "little")
        if chunk_id == b"data":
            if size in (0, 0xFFFFFFFF):  # streaming writers leave the size open
                return 0
            return max(0, pos + 8 + size - file_size)
        pos += 8 + size + (size & 1)
    return 0


def check_whole(p: Probe) -> None:
    """Refuse a recording that is cut short or damaged: WAV header against size, then one decode with -xerror."""
    with p.path.open("rb") as f:
        missing = wav_missing_bytes(f.read(4096), p.size or p.path.stat().st_size)
    if missing:
        raise InputError(f"truncated: the WAV header promises {missing} more bytes than the file holds", str(p.path))
    proc = run(ffmpeg_args("-v", "error", "-xerror", "-i", str(p.path), "-map", "0:a:0", "-f", "null", "-"), check=False)
    if proc.returncode != 0:
        lines = [line.strip() for line in proc.stderr.splitlines() if line.strip()]
        first = lines[0].removeprefix(f"{p.path}: ") if lines else f"ffmpeg exit {proc.returncode}"
        raise InputError(f"damaged or truncated ({first[:120]})", str(p.path))
