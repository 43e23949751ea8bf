"""ID3v2 tags with mutagen: title, artist, album (the show), date, comment, cover art and chapters."""

from __future__ import annotations

import io
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from mutagen.id3 import APIC, CHAP, COMM, CTOC, ID3, TALB, TCON, TDRC, TIT2, TLAN, TPE1, TPOS, TRCK, CTOCFlags

from pipeline.model.records import Chapter


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
    _prepend_tag(path, id3)


def id3v2_size(header: bytes) -> int:
    """Pure: the length of the ID3v2 tag a file starts with (header, footer included), 0 when it has none."""
    if len(header) < 10 or header[:3] != b"ID3":
        return 0
    size = 0
    for byte in header[6:10]:  # syncsafe: 7 bits a byte
        size = (size << 7) | (byte & 0x7F)
    footer = 10 if header[5] & 0x10 else 0
    return 10 + size + footer


def _prepend_tag(path: Path, id3: ID3) -> None:
    """Write ``id3`` in front of the audio by streaming into a new file and renaming it into place.

    mutagen's in-place save moves the whole file through mmap to make room for a tag larger than the
    old one, which puts a two-hour MP3 (115 MB) into the process's memory; this never holds more than 1 MiB.
    """
    tag = io.BytesIO()
    id3.save(tag, v2_version=3, padding=lambda info: 1024)
    tmp = path.with_name(f".{path.name}.tagged")
    with path.open("rb") as src, tmp.open("wb") as dst:
        src.seek(id3v2_size(src.read(10)))
        dst.write(tag.getvalue())
        shutil.copyfileobj(src, dst, 1 << 20)
    os.replace(tmp, path)
