"""Text a producer gives: typed as an option, or read from a file (notes, chapters, transcripts, captions).

One rule for all of it, checked when it is gathered, before anything is made: no control characters. They
reach feeds (XML 1.0 does not allow most of them, and the feed writer would fail after the encode), pages,
ID3 tags and terminals (``\\x1b[2J`` clears the screen of whoever runs ``publish list``), and nobody types
them on purpose. Refused are C0 controls (U+0000-U+001F; tab, and in multi-line text newline and carriage
return, are allowed), DEL (U+007F), C1 controls (U+0080-U+009F), lone surrogates (what a wrongly decoded
byte becomes, ``\\udcff``), and U+FFFE and U+FFFF (not characters; XML does not allow them).
"""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.model.errors import InputError, read_utf8

_ALWAYS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff"
_FORBIDDEN_MULTILINE = re.compile(f"[{_ALWAYS}]")
_FORBIDDEN_ONE_LINE = re.compile(f"[{_ALWAYS}\n\r]")


def _what(char: str) -> str:
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:
        return f"a lone surrogate (U+{code:04X}: a byte that was not UTF-8?)"
    if code in (0xFFFE, 0xFFFF):
        return f"a non-character (U+{code:04X})"
    if char in "\n\r":
        return f"a line break (U+{code:04X}) where one line is expected"
    return f"a control character (U+{code:04X})"


def forbidden(text: str, *, multiline: bool = False) -> tuple[int, str] | None:
    """Pure: the index and description of the first character the rule refuses in ``text``, or None."""
    m = (_FORBIDDEN_MULTILINE if multiline else _FORBIDDEN_ONE_LINE).search(text)
    return None if m is None else (m.start(), _what(m.group()))


def check_text(value: str, where: str, *, multiline: bool = False) -> str:
    """``value`` (an option's text: ``where`` names the option) as given, or an InputError naming the
    character and where it is."""
    found = forbidden(value, multiline=multiline)
    if found is not None:
        at, what = found
        raise InputError(f"{what} at character {at + 1}; remove it (control characters are not text)", where)
    return value


def check_lines(text: str, where: str) -> str:
    """A file's text (``where`` names the file), or an InputError naming the line of the first character the
    rule refuses and its column."""
    found = forbidden(text, multiline=True)
    if found is not None:
        at, what = found
        line = text.count("\n", 0, at) + 1
        column = at - (text.rfind("\n", 0, at) + 1) + 1
        raise InputError(f"line {line}, column {column}: {what}; remove it (control characters are not text)",
                         where)
    return text


def read_text(path: Path) -> str:
    """A producer's UTF-8 text file, checked by ``check_lines``; an InputError naming it when it is missing,
    a folder, not UTF-8, or holds a control character."""
    return check_lines(read_utf8(path), str(path))


__all__ = ["check_lines", "check_text", "forbidden", "read_text"]
