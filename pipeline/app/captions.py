"""Captions and transcripts drafted from the recording by speech recognition, labelled as machine-made until a
person has corrected them.

``publish transcribe`` writes a draft (WebVTT captions and plain text) for a person to correct in any subtitle
editor; ``publish seminar --captions auto`` and ``publish episode --transcript auto`` publish the draft as a
rendition of the item (``machine_captions``, ``machine_transcript``), transcribed on the other core while the
media is encoded, and save it beside the item's record so a producer can correct it and publish again with
``--captions FILE.vtt``, which replaces only the captions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline.app.publishing import Job, Output, Rendition, Reporter
from pipeline.app.renditions import file_output, recipe
from pipeline.media.audio import SourceLoudness
from pipeline.media.speech import LANGUAGE_NAMES, Engine, check_engine, language_code, model_name, transcribe
from pipeline.media.probe import probe, require_audio
from pipeline.model.config import Site
from pipeline.model.errors import InputError
from pipeline.model.files import write_atomically
from pipeline.model.records import Person
from pipeline.model.speech import Cue, Draft, Paragraph, Word
from pipeline.render.subtitles import make_cues, make_paragraphs, render_text, render_vtt

CAPTIONS_RECIPE = "captions-machine-v1"  # bump when the layout of the cues changes
TRANSCRIPT_RECIPE = "transcript-machine-v1"
MACHINE = " (automatisk)"  # what a machine draft's track label adds


@dataclass(frozen=True)
class Transcription:
    """A machine draft laid out: the cues (captions), the paragraphs (transcript) and their files' bytes."""

    draft: Draft
    cues: tuple[Cue, ...]
    paragraphs: tuple[Paragraph, ...]
    vtt: bytes
    text: bytes


def track_label(language: str, *, machine: bool) -> str:
    """What the player's captions menu says: «Norsk», «Norsk (automatisk)»."""
    return LANGUAGE_NAMES.get(language, language) + (MACHINE if machine else "")


def draft_note(draft: Draft, when: dt.date | None = None) -> str:
    """The NOTE a person sees when they open the draft to correct it."""
    return (f"Maskinlaget utkast: automatisk tekstet med talegjenkjenning ({draft.model}, språk {draft.language}"
            f"{', ' + when.isoformat() if when else ''}), ikke kontrollert av et menneske. Rett teksten og publiser "
            "på nytt med --captions FIL.vtt.")


def engine_for(site: Site, model: str | None = None) -> Engine:
    """The engine of the site's configured model (``speech.model`` in feeds/site.toml), or ``model``; a model
    folder given relative to the project is found there."""
    spec = model or site.speech_model
    folder = site.root / spec
    if not Path(spec).expanduser().is_absolute() and not spec.startswith("~") and folder.exists():
        spec = str(folder)
    return Engine(model=spec)


def speech_engine(site: Site, model: str | None = None, language: str | None = None) -> tuple[Engine, str]:
    """The engine and language a publish will transcribe with, checked before any work starts."""
    engine = engine_for(site, model)
    code = language_code(language or site.speech_language, "--language" if language else "speech.language")
    check_engine(engine)
    return engine, code


def voiced(words: tuple[Word, ...], persons: tuple[Person, ...]) -> tuple[Word, ...]:
    """With exactly one person named, every word is theirs (their ``<v Name>`` voice in the captions)."""
    if len(persons) != 1:
        return words
    return tuple(replace(w, speaker=persons[0].name) for w in words)


def lay_out(draft: Draft, *, when: dt.date | None = None) -> Transcription:
    cues, paragraphs = tuple(make_cues(draft.words)), tuple(make_paragraphs(draft.words))
    return Transcription(draft=draft, cues=cues, paragraphs=paragraphs,
                         vtt=render_vtt(cues, note=draft_note(draft, when)), text=render_text(paragraphs))


def transcribe_file(source: Path, engine: Engine, *, language: str, persons: tuple[Person, ...] = (),
                    progress: Callable[[float], None] | None = None, when: dt.date | None = None) -> Transcription:
    """``publish transcribe``: the draft of ``source``'s speech, laid out as captions and transcript."""
    draft = transcribe(source, engine, language=language, progress=progress)
    return lay_out(replace(draft, words=voiced(draft.words, persons)), when=when)


def write_draft(transcription: Transcription, vtt: Path) -> tuple[Path, Path]:
    """The draft as ``vtt`` and the text beside it (``.txt``), each written whole or not at all."""
    text = vtt.with_suffix(".txt")
    write_atomically(vtt, transcription.vtt)
    write_atomically(text, transcription.text)
    return vtt, text


@dataclass(frozen=True)
class TranscribeResult:
    """What ``publish transcribe`` wrote."""

    vtt: Path
    text: Path
    transcription: Transcription
    warnings: tuple[str, ...] = ()


def transcribe_media(site: Site, source: Path, *, out: Path | None = None, language: str | None = None,
                     model: str | None = None, report: Reporter | None = None) -> TranscribeResult:
    """``publish transcribe``: a draft of ``source``'s speech for a person to correct, as ``out`` (WebVTT,
    default ``<source name>.vtt`` in the current folder) and the text beside it. The source is only read."""
    report = report or Reporter()
    engine, code = speech_engine(site, model, language)
    vtt = (out or Path.cwd() / f"{source.stem}.vtt").resolve()
    if vtt.suffix.lower() != ".vtt":
        raise InputError("the draft is WebVTT: give a file name ending in .vtt", "--out")
    report.stage(f"probing {source.name}")
    p = probe(source)
    require_audio(p)
    if vtt in (p.path.resolve(), p.path.resolve().with_suffix(".txt")):
        raise InputError("would overwrite the recording", "--out")
    report.stage(f"transcribing the speech ({model_name(engine.model)}, {code})")
    transcription = transcribe_file(p.path, engine, language=code, when=dt.date.today(),
                                    progress=lambda s: report.progress(s, p.duration))
    warnings = () if transcription.draft.words else ("no speech was heard: the draft has no captions",)
    write_draft(transcription, vtt)
    return TranscribeResult(vtt=vtt, text=vtt.with_suffix(".txt"), transcription=transcription, warnings=warnings)


# --- as renditions of an item ------------------------------------------------------------------------

def _transcription(job: Job, engine: Engine, language: str, persons: tuple[Person, ...]) -> Transcription:
    """The item's transcription, made once for every rendition that needs it: on the other core when the
    media's encode started it (``beside``), else now."""
    if "speech" not in job.shared:
        started = job.pending.pop("speech", None)
        if started is not None:
            job.shared["speech"] = started.result()
        else:
            job.report.stage(f"transcribing the speech ({model_name(engine.model)}, {language})")
            job.shared["speech"] = transcribe_file(job.source.path, engine, language=language, persons=persons,
                                                   progress=job.progress, when=job.date)
    return job.shared["speech"]


def _beside(engine: Engine, language: str, persons: tuple[Person, ...]):
    def start(job: Job, _measured: SourceLoudness) -> None:
        if "speech" not in job.pending and "speech" not in job.shared:
            # One thread: the other core, while the encoder keeps its own.
            one_core = replace(engine, threads=1)
            job.pending["speech"] = job.pool.submit(transcribe_file, job.source.path, one_core, language=language,
                                                    persons=persons, when=job.date)
    return start


def _facts(transcription: Transcription) -> dict:
    draft = transcription.draft
    return {"source": "machine", "model": draft.model, "language": draft.language, "reviewed": False,
            "words": len(draft.words)}


def machine_captions(engine: Engine, language: str, persons: tuple[Person, ...] = ()) -> Rendition:
    """Captions (WebVTT) drafted by speech recognition; recorded as a machine draft, not reviewed."""
    code = language_code(language)

    def make(job: Job) -> Output:
        transcription = _transcription(job, engine, code, persons)
        path = job.work / "captions.vtt"
        path.write_bytes(transcription.vtt)
        return _draft_output(job, path, ".vtt", transcription, {"captions": _facts(transcription)},
                             label=track_label(code, machine=True))

    return Rendition("captions", make, recipe=_recipe(CAPTIONS_RECIPE, engine, code), beside=_beside(engine, code, persons),
                     kept=lambda item: {"captions": item.source.get("captions")})


def machine_transcript(engine: Engine, language: str, persons: tuple[Person, ...] = ()) -> list[Rendition]:
    """An episode's transcript drafted by speech recognition: WebVTT (``podcast:transcript``, with the voice
    of its one person where only one is named) and plain text."""
    code = language_code(language)

    def maker(suffix: str) -> Callable[[Job], Output]:
        def make(job: Job) -> Output:
            transcription = _transcription(job, engine, code, persons)
            path = job.work / f"transcript{suffix}"
            path.write_bytes(transcription.vtt if suffix == ".vtt" else transcription.text)
            return _draft_output(job, path, suffix, transcription, {"transcript": _facts(transcription)})
        return make

    kept = lambda item: {"transcript": item.source.get("transcript")}  # noqa: E731
    return [Rendition(f"transcript-{suffix[1:]}", maker(suffix), kept=kept,
                      recipe=_recipe(TRANSCRIPT_RECIPE, engine, code, voices=[p.name for p in persons]))
            for suffix in (".vtt", ".txt")]


def _recipe(version: str, engine: Engine, language: str, **more):
    return lambda job: recipe(job.source_sha, job.show, None, version=version, model=model_name(engine.model),
                              language=language, **more)


def _draft_output(job: Job, path: Path, suffix: str, transcription: Transcription, facts: dict,
                  **extra) -> Output:
    name = f"{job.slug}-transcript" if path.stem == "transcript" else job.slug
    made = file_output(job, path, name, suffix, **extra)
    # Saved beside the record too, for a person to correct: <date>-<slug>.captions.vtt, .transcript.txt
    draft_name = "captions" if path.stem == "captions" else "transcript"
    return replace(made, facts=facts, drafts={f"{draft_name}{suffix}": path.read_bytes()})
