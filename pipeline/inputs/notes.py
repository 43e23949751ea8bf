"""Show notes: Markdown to safe HTML (no scripts, no inline handlers) and to a plain-text summary.

One home for this, used by the feed (``content:encoded``, ``description``) and the archive pages.
"""

from __future__ import annotations

import html
import re

import cmarkgfm
import nh3
from cmarkgfm.cmark import Options

NOTE_TAGS = nh3.ALLOWED_TAGS - {"header", "footer", "nav", "article", "aside", "hgroup", "map", "area", "center"}
# Built once: nh3.clean(tags=...) builds its sanitiser anew on every call, half the time of cleaning a note.
_SANITISER = nh3.Cleaner(tags=NOTE_TAGS)


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


_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.S)
_TAG = re.compile(r"<[^>]+>")


def paragraphs_text(clean_html: str) -> str:
    """The paragraphs of sanitised HTML (``notes_html``) as plain text, separated by blank lines."""
    texts = (" ".join(html.unescape(_TAG.sub("", p)).split()) for p in _PARAGRAPH.findall(clean_html))
    return "\n\n".join(t for t in texts if t)


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
