"""Slide decks from a producer (``--slides FILE.pdf``): published as given, once checked to be a whole PDF."""

from __future__ import annotations

import bisect
import mmap
import re
from pathlib import Path

from pipeline.model.errors import InputError

_OBJ = re.compile(rb"(?<![0-9])(\d+)\s+\d+\s+obj\b")
_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")


def check_pdf(path: Path) -> int | None:
    """Refuse what is not a whole PDF; return its page count when the page objects are plainly visible.

    Pages are counted as distinct objects of ``/Type /Page`` (so an incremental update that rewrote a
    page does not count twice). PDFs that keep their objects in compressed object streams give None.
    """
    if not path.is_file():
        raise InputError("file not found", str(path))
    size = path.stat().st_size
    if size == 0:
        raise InputError("not a PDF (the file is empty)", str(path))
    with path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        if data.find(b"%PDF-", 0, 1024) < 0:
            raise InputError("not a PDF (no %PDF- header)", str(path))
        if data.find(b"%%EOF", max(0, size - 2048)) < 0:
            raise InputError("not a whole PDF (no %%EOF at the end: cut short?)", str(path))
        objects = [(m.start(), m.group(1)) for m in _OBJ.finditer(data)]
        starts = [start for start, _ in objects]
        pages = set()
        for m in _PAGE.finditer(data):
            i = bisect.bisect_right(starts, m.start()) - 1
            pages.add(objects[i][1] if i >= 0 else m.start())
    return len(pages) or None
