"""Bad input: one line naming the file and the problem, exit code != 0, no traceback, nothing changed."""

from __future__ import annotations

import pytest

from conftest import run_publish, sha256, snapshot


def chapters(tmp_path, text):
    path = tmp_path / "chapters.txt"
    path.write_text(text)
    return str(path)


CASES = {
    "missing file": (lambda m, t: ["/nowhere/opptak.wav", "--title", "T"], "opptak.wav", "not found"),
    "empty file": (lambda m, t: [str(m["empty"]), "--title", "T"], "empty.wav", "empty"),
    "text named .mp3": (lambda m, t: [str(m["text_as_mp3"]), "--title", "T"], "notes.mp3", "not a media file"),
    "truncated wav": (lambda m, t: [str(m["truncated"]), "--title", "T"], "truncated.wav", "truncated"),
    "video without audio": (lambda m, t: [str(m["video_no_audio"]), "--title", "T"], "video_no_audio.mp4", "without an audio stream"),
    "pure silence": (lambda m, t: [str(m["silence"]), "--title", "T"], "silence.wav", "silent"),
    "too short": (lambda m, t: [str(m["too_short"]), "--title", "T"], "too_short.wav", "at least"),
    "unknown show": (lambda m, t: [str(m["mono_speech"]), "--title", "T", "--show", "nyhetspodden"], "nyhetspodden", "endringspodden"),
    "empty title": (lambda m, t: [str(m["mono_speech"]), "--title", "  "], "--title", "empty"),
    "500-character title": (lambda m, t: [str(m["mono_speech"]), "--title", "x" * 500], "--title", "500 characters"),
    "date not a date": (lambda m, t: [str(m["mono_speech"]), "--title", "T", "--date", "24.11.2017"], "--date", "YYYY-MM-DD"),
    "image not square": (lambda m, t: [str(m["mono_speech"]), "--title", "T", "--image", str(m["cover_wide"])], "wide.jpg", "not square"),
    "image under 1400 px": (lambda m, t: [str(m["mono_speech"]), "--title", "T", "--image", str(m["cover_small"])], "small.jpg", "1400"),
    "chapters out of order": (lambda m, t: [str(m["mono_speech"]), "--title", "T", "--chapters",
                                            chapters(t, "00:00:00 A\n00:00:05 B\n00:00:03 C\n")], "chapters.txt", "not after"),
    "chapters past the end": (lambda m, t: [str(m["mono_speech"]), "--title", "T", "--chapters",
                                            chapters(t, "00:00:00 A\n00:10:00 B\n")], "chapters.txt", "past the end"),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_bad_input_is_refused_cleanly(case, project, media, tmp_path):
    make_args, names, says = CASES[case]
    args = make_args(media, tmp_path)
    sources = {p: sha256(media[p]) for p in ("mono_speech", "truncated", "conversation")}
    store, records = snapshot(project / "public"), snapshot(project / "episodes")
    proc = run_publish(project, "episode", *args)
    assert proc.returncode != 0
    # Progress lines start with '•'; the problem itself is one line.
    lines = [line for line in proc.stderr.splitlines() if line.strip() and not line.startswith("•")]
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert names in lines[0] and says in lines[0], lines[0]
    assert snapshot(project / "public") == store and snapshot(project / "episodes") == records
    assert {p: sha256(media[p]) for p in sources} == sources
