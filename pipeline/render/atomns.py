"""The Atom namespace in RSS: the WebSub hubs a feed names (``<atom:link rel="hub">``, W3C WebSub 4).

feedgen writes ``<atom:link rel="self">`` itself but no other relation in RSS; ``AtomHubs`` follows feedgen's
extension protocol (``extend_ns``, ``extend_rss``) without importing feedgen: ``feed.py`` registers it.
"""

from __future__ import annotations

from lxml import etree

ATOM_NS = "http://www.w3.org/2005/Atom"


class AtomHubs:
    """Channel: one ``<atom:link rel="hub" href="...">`` per hub, right after the feed's ``rel="self"``."""

    def __init__(self):
        self.hubs: tuple[str, ...] = ()

    def extend_ns(self):
        return {"atom": ATOM_NS}

    def extend_rss(self, feed):
        channel = feed[0]
        self_link = channel.find(f"{{{ATOM_NS}}}link[@rel='self']")
        at = list(channel).index(self_link) + 1 if self_link is not None else len(channel)
        for n, hub in enumerate(self.hubs):
            link = etree.Element(f"{{{ATOM_NS}}}link", href=hub, rel="hub")
            channel.insert(at + n, link)
        return feed

    def extend_atom(self, feed):
        return feed


__all__ = ["ATOM_NS", "AtomHubs"]
