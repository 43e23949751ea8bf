"""Text for XML written by hand, escaped exactly as lxml escapes it, so hand-written items and the channel
lxml serialises make one document of the same bytes."""

from __future__ import annotations


def text(value: str) -> str:
    """Character data escaped as lxml writes it."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def attr(value: str) -> str:
    """An attribute value, for double quotes, escaped as lxml writes it."""
    return text(value).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")


__all__ = ["attr", "text"]
