"""Captions from a producer's file (``--captions FILE.vtt|.srt``): WebVTT checked, SRT converted to WebVTT.

Browsers play WebVTT only, so SRT (what most subtitling tools write) is converted: timings to WebVTT's
form, <i>, <b> and <u> kept, what WebVTT does not know dropped, and its special characters escaped.
"""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.model.errors import InputError

_ARROW = re.compile(r"^(?P<start>\S+?)\s*-->\s*(?P<end>\S+)(?P<rest>.*)$")
_VTT_TIME = re.compile(r"^(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})$")
_SRT_TIME = re.compile(r"^(\d{1,3}):([0-5]?\d):([0-5]?\d)[,.](\d{1,3})$")
_VTT_HEADER = re.compile(r"^WEBVTT(?:[ \t].*)?$")
_SRT_TAG = re.compile(r"<(/?)(i|b|u|font)\b[^>]*>|\{\\[^}]*\}", re.I)


def _ms(match: re.Match) -> int:
    h, m, s, frac = match.groups()
    return ((int(h or 0) * 60 + int(m)) * 60 + int(s)) * 1000 + int(frac.ljust(3, "0"))


def _vtt_time(ms: int) -> str:
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


def _timing(line: str, pattern: re.Pattern) -> tuple[int, int, str] | None:
    arrow = _ARROW.match(line.strip())
    if not arrow:
        return None
    start, end = pattern.match(arrow["start"]), pattern.match(arrow["end"])
    if not (start and end):
        return None
    return _ms(start), _ms(end), arrow["rest"].strip()


def vtt_from_text(text: str, where: str = "captions") -> str:
    """Pure: WebVTT checked, or SRT converted to WebVTT; line ends normalised, no BOM."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if _VTT_HEADER.match(text.split("\n", 1)[0]):
        return _check_vtt(text, where)
    blocks = _srt_blocks(text)
    if blocks and _timing_at(blocks[0][1]) is not None:
        return _srt_to_vtt(blocks, where)
    raise InputError("neither WebVTT nor SRT captions", where)


def _check_vtt(text: str, where: str) -> str:
    cues = 0
    for number, line in enumerate(text.split("\n"), 1):
        if "-->" not in line:
            continue
        timing = _timing(line, _VTT_TIME)
        if timing is None:
            hint = " (WebVTT writes a '.' before the milliseconds)" if _timing(line, _SRT_TIME) else ""
            raise InputError(f"WebVTT line {number}: not a cue timing: {line.strip()[:60]!r}{hint}", where)
        if timing[1] < timing[0]:
            raise InputError(f"WebVTT line {number}: the cue ends before it starts", where)
        cues += 1
    if not cues:
        raise InputError("WebVTT captions without a single cue", where)
    return text if text.endswith("\n") else text + "\n"


def _srt_blocks(text: str) -> list[tuple[int, list[str]]]:
    """(first line number, lines) of each blank-line separated block."""
    blocks, current, first = [], [], 0
    for number, line in enumerate(text.split("\n"), 1):
        if line.strip():
            if not current:
                first = number
            current.append(line.rstrip())
        elif current:
            blocks.append((first, current))
            current = []
    if current:
        blocks.append((first, current))
    return blocks


def _timing_at(lines: list[str]) -> int | None:
    """Where a block's SRT timing line is: first, or after a numeric counter."""
    for i in (0, 1):
        if i < len(lines) and (i == 0 or lines[0].strip().isdigit()) and _timing(lines[i], _SRT_TIME):
            return i
    return None


def _srt_text(line: str) -> str:
    """SRT cue text as WebVTT cue text: <i>, <b>, <u> kept; <font> and {\\an8} dropped; &, < and --> escaped."""
    out, pos = [], 0
    for tag in _SRT_TAG.finditer(line):
        out.append(_escape(line[pos:tag.start()]))
        if tag[2] and tag[2].lower() != "font":
            out.append(f"<{tag[1]}{tag[2].lower()}>")
        pos = tag.end()
    out.append(_escape(line[pos:]))
    return "".join(out)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace("-->", "--&gt;")


def _srt_to_vtt(blocks: list[tuple[int, list[str]]], where: str) -> str:
    cues: list[list[str]] = []
    for first, lines in blocks:
        at = _timing_at(lines)
        if at is None:
            # A counter and a line after it, or an arrow: a cue whose timing is broken. Else more cue text.
            bad = next((i for i, line in enumerate(lines) if "-->" in line),
                       1 if lines[0].strip().isdigit() and len(lines) > 1 else None)
            if bad is not None:
                raise InputError(f"SRT line {first + bad}: not a cue timing: {lines[bad].strip()[:60]!r}", where)
            cues[-1].extend(_srt_text(line) for line in lines)  # a blank line inside a cue's text
            continue
        start, end, _position = _timing(lines[at], _SRT_TIME)
        if end < start:
            raise InputError(f"SRT line {first + at}: the cue ends before it starts", where)
        cues.append([f"{_vtt_time(start)} --> {_vtt_time(end)}", *(_srt_text(line) for line in lines[at + 1:])])
    return "WEBVTT\n\n" + "\n\n".join("\n".join(cue) for cue in cues) + "\n"


def _decode(data: bytes) -> str:
    """Captions as text: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252 (older SRT tools)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def captions_to_vtt(path: Path) -> bytes:
    """The captions at ``path`` (WebVTT or SRT) as WebVTT in UTF-8, or a refusal naming the file."""
    if not path.is_file():
        raise InputError("file not found", str(path))
    return vtt_from_text(_decode(path.read_bytes()), str(path)).encode("utf-8")
