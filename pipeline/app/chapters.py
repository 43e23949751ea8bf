"""A seminar's chapters: given (``--chapters FILE``), or found from its slides (``--chapters auto``).

Automatic chapters start where a slide change is held (``media.slides.slide_changes``) and take their title
from the slide: the matching page of the ``--slides`` PDFs (in order: the n-th slide shown is the n-th page),
else the frame by OCR (Tesseract, Norwegian), else «Lysbilde N». They are found once per recipe (the
recording's and the PDFs' hashes, and the process's version): a re-publish takes them from the record.
Given chapters win over automatic ones. Published as the ``chapters`` (Podcasting 2.0 JSON, in the feed as
``podcast:chapters``) and ``chapters-vtt`` (the player's chapters track) renditions, and as the audio-only MP3's
ID3 chapters (the job's tags).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pipeline.app.objects import sha256_file
from pipeline.app.publishing import Job, Output, Reporter, Rendition
from pipeline.app.renditions import file_output
from pipeline.inputs.chapters import chapters_json, chapters_vtt, read_chapters
from pipeline.media.probe import Probe
from pipeline.media.slides import can_ocr, first_line, ocr, pdf_pages, slide_changes
from pipeline.media.video import poster
from pipeline.model.records import Chapter, Item

CHAPTERS_RECIPE = "slides-v1"  # bump when finding or titling changes


def auto_recipe(source_sha: str, slides: tuple[Path, ...]) -> str:
    data = {"v": CHAPTERS_RECIPE, "src": source_sha, "slides": [sha256_file(p) for p in slides], "ocr": can_ocr()}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def _titles(p: Probe, starts: list[float], slides: tuple[Path, ...], work: Path) -> tuple[list[str | None], str]:
    """A title for each slide (None where none was found) and where they came from: pdf, ocr or none."""
    if slides:
        pages = [first_line(text) for pdf in slides for text in pdf_pages(pdf)]
        return [pages[n] if n < len(pages) else None for n in range(len(starts))], "pdf"
    if can_ocr():
        titles = []
        for n, start in enumerate(starts):
            # A moment into the slide, past any transition.
            frame = poster(p.path, work / f"slide-{n}.png", min(start + 1.0, p.duration - 0.05))
            titles.append(first_line(ocr(frame)))
        return titles, "ocr"
    return [None] * len(starts), "none"


def find_chapters(p: Probe, slides: tuple[Path, ...], work: Path, report: Reporter) -> tuple[tuple[Chapter, ...], str]:
    """The chapters of ``p`` from its slide changes, titled from the slides; and where the titles came from."""
    report.stage("finding slide changes")
    starts = slide_changes(p.path, p.duration, progress=lambda t: report.progress(t, p.duration))
    report.stage(f"titling {len(starts)} chapter(s) from the slides")
    titles, origin = _titles(p, starts, slides, work)
    return tuple(Chapter(start=t, title=title or f"Lysbilde {n}")
                 for n, (t, title) in enumerate(zip(starts, titles), 1)), origin


def seminar_chapters(p: Probe, source_sha: str, *, given: Path | None, auto: bool, slides: tuple[Path, ...],
                     existing: Item | None, work: Path, report: Reporter) -> tuple[tuple[Chapter, ...], dict]:
    """The seminar's chapters and the facts the record keeps of them (``source``: person, pdf, ocr or none;
    ``recipe`` of automatic ones). Given chapters win; automatic ones are reused when the recipe matches."""
    if given is not None:
        return read_chapters(given, p.duration), {"source": "person"}
    if not auto:
        return (), {}
    recipe = auto_recipe(source_sha, slides)
    before = (existing.source.get("chapters") or {}) if existing else {}
    if existing is not None and existing.chapters and before.get("recipe") == recipe:
        report.stage("chapters unchanged since the last publish: reusing them")
        return existing.chapters, before
    chapters, origin = find_chapters(p, slides, work, report)
    return chapters, {"source": origin, "recipe": recipe}


def chapter_files(chapters: tuple[Chapter, ...], facts: dict) -> list[Rendition]:
    """The chapters as JSON (``chapters``: the feed's ``podcast:chapters``) and as WebVTT (``chapters-vtt``)."""

    def json_file(job: Job) -> Output:
        path = job.work / "chapters.json"
        path.write_bytes(chapters_json(chapters, job.title))
        made = file_output(job, path, f"{job.slug}-kapitler", ".json")
        return Output(made.media, made.file, facts={"chapters": facts})

    def vtt_file(job: Job) -> Output:
        path = job.work / "chapters.vtt"
        path.write_bytes(chapters_vtt(chapters, job.source.duration))
        return file_output(job, path, f"{job.slug}-kapitler", ".vtt", label="Kapitler")

    return [Rendition("chapters", json_file, in_dry_run=True), Rendition("chapters-vtt", vtt_file, in_dry_run=True)]
