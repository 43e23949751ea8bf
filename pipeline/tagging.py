"""ID3v2 tags with mutagen: title, artist, album (the show), date, comment, cover art and chapters."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mutagen.id3 import APIC, CHAP, COMM, CTOC, ID3, TALB, TCON, TDRC, TIT2, TLAN, TPE1, TPOS, TRCK, CTOCFlags

from .records import Chapter


@dataclass(frozen=True)
class Tags:
    title: str
    artist: str
    album: str
    date: str  # YYYY-MM-DD
    comment: str = ""
    language: str = "nor"  # ISO 639-2
    genre: str = "Podcast"
    season: int | None = None
    number: int | None = None
    cover: Path | None = None
    cover_mime: str = "image/jpeg"
    chapters: tuple[Chapter, ...] = ()
    duration: float | None = None  # needed to close the last chapter


def tag_mp3(path: Path, tags: Tags) -> None:
    """Write ID3v2.3 tags (v2.3 because some car stereos and older apps still ignore v2.4)."""
    id3 = ID3()
    id3.add(TIT2(encoding=3, text=tags.title))
    id3.add(TPE1(encoding=3, text=tags.artist))
    id3.add(TALB(encoding=3, text=tags.album))
    id3.add(TDRC(encoding=3, text=tags.date))
    id3.add(TCON(encoding=3, text=tags.genre))
    id3.add(TLAN(encoding=3, text=tags.language))
    if tags.comment:
        id3.add(COMM(encoding=3, lang=tags.language, desc="", text=tags.comment))
    if tags.number is not None:
        id3.add(TRCK(encoding=3, text=str(tags.number)))
    if tags.season is not None:
        id3.add(TPOS(encoding=3, text=str(tags.season)))
    if tags.cover:
        id3.add(APIC(encoding=3, mime=tags.cover_mime, type=3, desc="Cover", data=tags.cover.read_bytes()))
    if tags.chapters:
        ids = [f"chp{i}" for i in range(len(tags.chapters))]
        id3.add(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED, child_element_ids=ids,
                     sub_frames=[TIT2(encoding=3, text=tags.album)]))
        ends = [c.start for c in tags.chapters[1:]] + [tags.duration or tags.chapters[-1].start + 1]
        for cid, chapter, end in zip(ids, tags.chapters, ends):
            id3.add(CHAP(element_id=cid, start_time=int(chapter.start * 1000), end_time=int(end * 1000),
                         sub_frames=[TIT2(encoding=3, text=chapter.title)]))
    id3.save(path, v2_version=3)
