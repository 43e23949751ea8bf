"""Speech recognition: words with their times from a recording, offline, with faster-whisper (CTranslate2).

The only module that imports faster-whisper. The model is a CTranslate2 Whisper model: a folder (the
National Library's NB-Whisper models converted once, or the small multilingual model the tests assemble) or,
only when a producer names one, a model on the Hugging Face hub, which faster-whisper then downloads.
Audio is decoded by ffmpeg (through the runner, like every other tool) to 16 kHz mono, as Whisper hears it.
"""

from __future__ import annotations

import importlib.util
import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipeline.media.runner import ffmpeg_args, run
from pipeline.model.errors import InputError, PipelineError
from pipeline.model.speech import Draft, Word

SAMPLE_RATE = 16000  # what Whisper's feature extractor expects
MODEL_FILES = ("model.bin", "config.json")
# The languages a producer may name, as Whisper's tokenizer knows them (Bokmål is Whisper's "no").
LANGUAGES = {"no": "no", "nb": "no", "nn": "nn", "en": "en"}
LANGUAGE_NAMES = {"no": "Norsk", "nn": "Nynorsk", "en": "English"}
VAD_SILENCE_MS = 500  # a pause this long separates speech regions for the voice-activity detector


class SpeechUnavailable(PipelineError):
    """faster-whisper is not installed (the ``speech`` extra)."""

    exit_code = 4


@dataclass(frozen=True)
class Engine:
    model: str  # a folder, or a hub name
    device: str = "auto"  # cpu | cuda | auto
    compute_type: str = "auto"  # the fastest the device supports: int8 on these CPUs, float16 or int8 on a GPU
    threads: int = 0  # 0: every core
    # Batched inference over the voice-activity detector's chunks: twice as fast on these 2 cores, and it keeps
    # windows that sequential decoding drops as "no speech" (scripts/bench --only speech). 0: sequential.
    batch_size: int = 8


def language_code(language: str, where: str = "--language") -> str:
    code = LANGUAGES.get((language or "").strip().lower())
    if code is None:
        raise InputError(f"{language!r} is not a language this tool transcribes; use one of "
                         f"{', '.join(sorted(LANGUAGES))}", where)
    return code


def is_model_folder(spec: str) -> bool:
    """A folder rather than a hub name ("owner/name", or a size such as "base"): it exists, or it is written
    like a path."""
    return spec.startswith((".", "/", "~")) or Path(spec).expanduser().exists()


def model_problem(folder: Path) -> str | None:
    """Why ``folder`` is not a CTranslate2 Whisper model, or None."""
    if not folder.is_dir():
        return "no such folder"
    missing = [name for name in MODEL_FILES if not (folder / name).is_file()]
    if missing:
        return f"not a CTranslate2 Whisper model (no {', '.join(missing)})"
    return None


def check_engine(engine: Engine, where: str = "--model") -> None:
    """Before any work: faster-whisper is installed and a model folder looks like a model."""
    if importlib.util.find_spec("faster_whisper") is None:
        raise SpeechUnavailable("speech recognition needs faster-whisper: pip install 'pipeline[speech]'")
    if is_model_folder(engine.model):
        problem = model_problem(Path(engine.model).expanduser())
        if problem:
            raise InputError(f"{engine.model}: {problem}", where)


_LOADED: dict[Engine, object] = {}  # this process's last model: a batch worker loads it once for all its items


def load_model(engine: Engine, where: str = "--model"):
    """The WhisperModel (the one this process loaded last, when it is the same engine), or one line saying why
    it cannot be had."""
    if engine in _LOADED:
        return _LOADED[engine]
    model = _load_model(engine, where)
    _LOADED.clear()
    _LOADED[engine] = model
    return model


def _load_model(engine: Engine, where: str):
    check_engine(engine, where)
    import ctranslate2
    from faster_whisper import WhisperModel

    local = is_model_folder(engine.model)
    ctranslate2.set_log_level(logging.ERROR)  # its notes on compute types would interleave with our output
    try:
        return WhisperModel(str(Path(engine.model).expanduser()) if local else engine.model, device=engine.device,
                            compute_type=engine.compute_type, cpu_threads=engine.threads, local_files_only=local)
    except (RuntimeError, ValueError, OSError) as e:
        raise InputError(f"{engine.model}: the model could not be loaded ({' '.join(str(e).split())[:200]})",
                         where) from None


def decode(source: Path, folder: Path):
    """The recording as Whisper hears it: 16 kHz mono float32 samples (numpy)."""
    import numpy as np

    raw = folder / "speech.s16"
    run(ffmpeg_args("-i", f"file:{source.resolve()}", "-vn", "-ac", "1", "-ar", str(SAMPLE_RATE), "-f", "s16le",
                    f"file:{raw}"))
    samples = np.fromfile(raw, dtype="<i2").astype(np.float32) / 32768.0
    raw.unlink()
    return samples


def _words(segments, duration: float, progress: Callable[[float], None] | None) -> list[Word]:
    words = []
    for segment in segments:  # a generator: the model works as it is read
        for w in segment.words or ():
            if w.word.strip():
                words.append(Word(start=round(float(w.start), 3), end=round(float(w.end), 3), text=w.word.strip(),
                                  probability=round(float(w.probability), 3)))
        if progress:
            progress(min(float(segment.end), duration))
    return words


def transcribe(source: Path, engine: Engine, *, language: str, model=None,
               progress: Callable[[float], None] | None = None) -> Draft:
    """Every word spoken in ``source``, with times; no speech gives a draft without words."""
    code = language_code(language)
    model = model or load_model(engine)
    with tempfile.TemporaryDirectory(prefix="publish-speech-") as folder:
        audio = decode(source, Path(folder))
    duration = len(audio) / SAMPLE_RATE
    options = dict(language=code, word_timestamps=True, vad_filter=True, beam_size=1, condition_on_previous_text=False,
                   vad_parameters={"min_silence_duration_ms": VAD_SILENCE_MS})
    if engine.batch_size > 0:
        from faster_whisper import BatchedInferencePipeline

        segments, _ = BatchedInferencePipeline(model=model).transcribe(audio, batch_size=engine.batch_size, **options)
    else:
        segments, _ = model.transcribe(audio, **options)
    words = _words(segments, duration, progress)
    return Draft(language=code, model=model_name(engine.model), words=tuple(words), duration=round(duration, 3))


def model_name(spec: str) -> str:
    """What a record and a page call the model: the folder's or the hub model's last name."""
    return Path(spec.rstrip("/")).name or spec
