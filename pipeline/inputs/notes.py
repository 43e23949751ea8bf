"""Show notes: Markdown to safe HTML (no scripts, no inline handlers) and to a plain-text summary.

One home for this, used by the feed (``content:encoded``, ``description``) and the archive pages.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import cmarkgfm
import nh3
from cmarkgfm.cmark import Options

from pipeline.model.errors import InputError
from pipeline.model.text import check_text, read_text

# The most show notes an item takes, in bytes of Markdown (README, "Show notes"): ten times the longest notes
# we have published, and small enough that the item stays far within what apps parse (libxml2 refuses a text
# of 10 MB with its default limits; directories refuse large feeds). Longer texts belong on a web page.
NOTES_LIMIT = 100_000

NOTE_TAGS = nh3.ALLOWED_TAGS - {"header", "footer", "nav", "article", "aside", "hgroup", "map", "area", "center"}
# Built once: nh3.clean(tags=...) builds its sanitiser anew on every call, half the time of cleaning a note.
_SANITISER = nh3.Cleaner(tags=NOTE_TAGS)


def _too_long(size: int) -> str:
    return (f"{size:,} bytes of notes; at most {NOTES_LIMIT:,} bytes ({NOTES_LIMIT // 1000} kB) of Markdown, so the "
            "feed stays readable for apps: link to a longer text instead")


def check_notes(text: str, where: str) -> str:
    """Notes typed as an option (``where`` names it): within ``NOTES_LIMIT`` and without control characters."""
    if len(text.encode("utf-8", "surrogatepass")) > NOTES_LIMIT:
        raise InputError(_too_long(len(text.encode("utf-8", "surrogatepass"))), where)
    return check_text(text, where, multiline=True)


def read_notes(path: Path) -> str:
    """A notes file: UTF-8 text within ``NOTES_LIMIT`` (its size checked before it is read), without
    control characters; an InputError naming the file (and the line) otherwise."""
    try:
        size = path.stat().st_size if path.is_file() else 0
    except OSError:
        size = 0  # read_text names what is wrong with it
    if size > NOTES_LIMIT:
        raise InputError(_too_long(size), str(path))
    return read_text(path)


def markdown_to_html(text: str) -> str:
    """GitHub-flavoured Markdown (tables, strikethrough, autolinks) through cmark, GitHub's C parser:
    about 40x faster than Python-Markdown, which dominated the time of a feed with thousands of episodes.
    Raw HTML is let through here and sanitised by nh3 by every caller that outputs HTML."""
    return cmarkgfm.github_flavored_markdown_to_html(text or "", options=Options.CMARK_OPT_UNSAFE)


_IMG_WITHOUT_ALT = re.compile(r"<img\b(?![^>]*\balt=)([^>]*)>")


def notes_html(notes: str, heading_offset: int = 0) -> str:
    """Markdown -> sanitised HTML. Headings move down by ``heading_offset`` (a ``#`` in the notes becomes
    an h3 under a page's h2), so a page's heading order holds whatever the notes use. The regexes
    work on nh3's output, which is normalised (quoted attributes, no comments)."""
    raw = markdown_to_html(notes)
    clean = _SANITISER.clean(raw)
    if heading_offset:
        clean = re.sub(r"<(/?)h([1-6])\b", lambda m: f"<{m[1]}h{min(6, int(m[2]) + heading_offset)}", clean)
    # An image without alt text would be read out as its file name; mark it decorative instead.
    return _IMG_WITHOUT_ALT.sub(r'<img\1 alt="">', clean)


_INLINE_SPECIAL = re.compile(r"([\\`*_{}\[\]])")
_LINE_START = re.compile(r"^(?:([#+-])|(\d+)([.)])|([=|:~]))")


def _line_start(m: re.Match) -> str:
    if m[1]:
        return "\\" + m[1]  # '# ', '- ', '+ ': a heading or a list item
    if m[2]:
        return f"{m[2]}\\{m[3]}"  # '1. ', '2) ': a numbered list
    return f"&#{ord(m[4])};"  # '===' (a heading's underline), '|' (a table), ':' (a definition), '~~~' (code)


def text_as_markdown(text: str) -> str:
    """Plain text as Markdown that renders as that very text (``<script>``, ``&`` and ``*`` included):
    HTML's ``& < >`` as entities, Markdown's inline punctuation backslash-escaped, a line's leading marker
    neutralised, indentation dropped (it would make a code block). Blank lines still separate paragraphs."""
    lines = []
    for line in (text or "").strip().splitlines():
        line = _INLINE_SPECIAL.sub(r"\\\1", html.escape(line.strip(), quote=False))
        lines.append(_LINE_START.sub(_line_start, line))
    return "\n".join(lines)


_BLOCK = re.compile(r"<(/?)(p|li|ul|ol)\b([^>]*)>")
_START = re.compile(r'\bstart="(\d+)"')
_TAG = re.compile(r"<[^>]+>")


class _Blocks:
    """The text blocks of sanitised HTML: paragraphs, and list items marked as a reader sees them."""

    def __init__(self):
        self.blocks: list[str] = []
        self.lists: list[list[int] | None] = []  # per open list: None (bullets) or [next number]
        self.parts: list[str] = []
        self.marker = ""
        self.open = 0  # paragraphs and list items open: their text is kept

    def flush(self) -> None:
        text = " ".join(html.unescape(_TAG.sub("", "".join(self.parts))).split())
        self.parts.clear()
        if text:
            self.blocks.append(self.marker + text)
            self.marker = ""

    def tag(self, closing: bool, name: str, attributes: str) -> None:
        self.flush()
        if name in ("ul", "ol"):
            if closing and self.lists:
                self.lists.pop()
            elif not closing:
                start = _START.search(attributes)
                self.lists.append([int(start[1]) if start else 1] if name == "ol" else None)
            return
        self.open = max(0, self.open - 1) if closing else self.open + 1
        if name == "li" and not closing:
            counter = self.lists[-1] if self.lists else None
            self.marker = "• " if counter is None else f"{counter[0]}. "
            if counter is not None:
                counter[0] += 1


def paragraphs_text(clean_html: str) -> str:
    """The paragraphs and list items of sanitised HTML (``notes_html``) as plain text, separated by blank
    lines; a list item starts with its bullet ("• ") or number ("2. ")."""
    blocks, pos = _Blocks(), 0
    for m in _BLOCK.finditer(clean_html):
        if blocks.open > 0:
            blocks.parts.append(clean_html[pos:m.start()])
        blocks.tag(bool(m[1]), m[2], m[3])
        pos = m.end()
    return "\n\n".join(blocks.blocks)


_BLOCK_END = re.compile(r"</(?:h[1-6]|p|li|pre|blockquote|tr|dt|dd)>|<br\s*/?>")


def notes_text(notes: str) -> str:
    """The notes as plain text, for where nothing reads markup (an MP3's ID3 comment): each heading, paragraph
    and list item a paragraph of its own, with every mark of Markdown and HTML dropped."""
    text = html.unescape(_TAG.sub("", _BLOCK_END.sub("\n\n", notes_html(notes))))
    blocks = (" ".join(block.split()) for block in re.split(r"\n\s*\n", text))
    return "\n\n".join(block for block in blocks if block)


def truncate(text: str, limit: int) -> str:
    """Collapse white space and cut at a word boundary with an ellipsis when longer than ``limit`` characters."""
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",.;:–- ") + "…"
    return text


def first_paragraph(notes: str) -> str:
    """The plain text of the notes' first paragraph (all markup dropped)."""
    return paragraphs_text(notes_html(notes)).split("\n\n", 1)[0]


def summary(description: str | None, notes: str, limit: int = 200) -> str:
    """Plain text for a short description: the record's own, or the notes' first paragraph."""
    return truncate(description or first_paragraph(notes), limit)
