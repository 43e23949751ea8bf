"""Text for XML written by hand, escaped exactly as lxml escapes it, so hand-written items and the channel
lxml serialises make one document of the same bytes; and plain text as HTML, for the fields apps render as
HTML (RSS 2.0's ``description`` is entity-encoded HTML)."""

from __future__ import annotations

import html


def text(value: str) -> str:
    """Character data escaped as lxml writes it."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def attr(value: str) -> str:
    """An attribute value, for double quotes, escaped as lxml writes it."""
    return text(value).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")


def html_text(value: str) -> str:
    """Plain text as HTML that shows that very text (``<script>`` as text, ``&`` as '&'): escaped for HTML
    before it is escaped again for XML. Text without ``& < >`` is unchanged."""
    return html.escape(value, quote=False)


__all__ = ["attr", "html_text", "text"]
