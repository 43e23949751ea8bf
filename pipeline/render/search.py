"""Search across a seminar archive without a server: a static index written with the pages, and a small script.

``search_index`` writes ``<show>/search.json``: per listed seminar its page (relative to the archive page),
title, date, speakers, description and transcript as plain text. ``static/search.js`` (uploaded beside the
archive as ``search-<hash8>.js``, so the store may cache it for a year like any content-addressed object) is
loaded by the archive page only, as progressive enhancement: without JavaScript the archive is unchanged; with
it, the script inserts an accessible search form (``role="search"``, a label, an input) and lists the matching
seminars with a short snippet as the visitor types.

Why our own small index and not Pagefind: Pagefind's search UI runs WebAssembly, which needs
``'wasm-unsafe-eval'`` in the pages' Content-Security-Policy, and building its index needs its binary in the
pipeline. Our archive is small (a seminar a month), so the whole index, transcripts included, is a file of
some hundred kilobytes a browser fetches once; plain JavaScript searches it, and only the archive page's
policy is loosened, to ``script-src 'self'``. Every other page keeps ``script-src 'none'``.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping, Sequence
from importlib.resources import files

from pipeline.inputs.notes import notes_html, paragraphs_text
from pipeline.model.records import Item
from pipeline.model.speech import Paragraph

SEARCH_INDEX = "search.json"  # beside the archive page
INDEX_VERSION = 1


def description_text(ep: Item) -> str:
    """What a seminar is about as plain text: the record's description, else all of its notes."""
    return " ".join((ep.description or paragraphs_text(notes_html(ep.notes))).split())


def search_entry(ep: Item, paragraphs: Sequence[Paragraph]) -> dict:
    return {
        "url": f"{ep.slug}/",
        "title": ep.title,
        "date": ep.date.isoformat(),
        "speakers": [p.name for p in ep.persons],
        "description": description_text(ep),
        "transcript": " ".join(p.text for p in paragraphs),
    }


def search_index(seminars: Sequence[Item], transcripts: Mapping[str, Sequence[Paragraph]]) -> bytes:
    """The archive's search index (UTF-8 JSON), newest first as listed; same input, same bytes."""
    entries = [search_entry(ep, transcripts.get(ep.guid, ())) for ep in seminars]
    data = {"version": INDEX_VERSION, "seminars": entries}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


@functools.cache
def search_script() -> tuple[str, bytes]:
    """The search script's name in the store (``search-<hash8>.js``, content-addressed) and its bytes."""
    data = files("pipeline.render").joinpath("static/search.js").read_bytes()
    return f"search-{hashlib.sha256(data).hexdigest()[:8]}.js", data


__all__ = ["SEARCH_INDEX", "description_text", "search_entry", "search_index", "search_script"]
