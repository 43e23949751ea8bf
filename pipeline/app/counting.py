"""Downloads counted by the IAB Podcast Measurement Technical Guidelines v2.2, one request at a time.

Only GETs of an item's media (its enclosure, a seminar's audio-only MP3) answered 200 or 206 count; requests
of two bytes or fewer (apps' probes) are ignored, and so are known bots (``inputs.useragents``). The bytes
sent to one client (its address, IPv6 cut to /64, hashed with a salt made anew for each run and kept in
memory only) and user agent for one item are added up within 24 hours of its first request; one download is
counted when they reach one minute of the media plus its ID3 tag (``Target.threshold``). An Apple Watch
request for an item a download from the same address was already counted for within 24 hours is that
download's duplicate. Windows older than 24 hours are dropped every hour of log time, so memory follows the
listeners of one day, never the length of the logs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import os
from collections import Counter as Tally
from dataclasses import dataclass, field

from pipeline.inputs.accesslogs import Request
from pipeline.inputs.useragents import classify
from pipeline.model.timerange import OSLO

WINDOW = 24 * 3600.0
PRUNE_EVERY = 3600.0  # seconds of log time between drops of windows older than 24 hours
PROBE = 2  # bytes: a request of this many or fewer is an app's probe
ID3_HEADER = 10


@dataclass(frozen=True)
class Target:
    """A media object listeners download, and the item it belongs to."""

    guid: str
    show: str
    title: str
    threshold: int  # bytes: one minute of the media plus its ID3 tag (all of it, when shorter)

    @staticmethod
    def of(guid: str, show: str, title: str, size: int, duration: float | None, tag: int = 0) -> "Target":
        """``tag``: the ID3 tag's bytes at the head of the file (0 when unknown: the minute at the file's average
        rate then carries the tag's share)."""
        if not duration or duration <= 60:
            return Target(guid, show, title, size)
        minute = (size - tag) * 60.0 / duration
        return Target(guid, show, title, min(size, int(minute) + tag))


def id3_size(head: bytes) -> int:
    """The bytes of an ID3v2 tag from a file's first ten bytes (0 when it has none)."""
    if len(head) < ID3_HEADER or head[:3] != b"ID3":
        return 0
    syncsafe = (head[6] & 0x7F) << 21 | (head[7] & 0x7F) << 14 | (head[8] & 0x7F) << 7 | (head[9] & 0x7F)
    return ID3_HEADER + syncsafe + (ID3_HEADER if head[5] & 0x10 else 0)


def network(client: str) -> str:
    """The address as counted: an IPv6 address cut to its /64, an IPv4 one whole."""
    if ":" not in client:
        return client
    try:
        return str(ipaddress.IPv6Network(f"{client}/64", strict=False).network_address)
    except ValueError:
        return client


@dataclass
class Counting:
    """The counts of one run: by (guid, day, app, device, platform), and what was left out, by reason."""

    targets: dict[str, Target]  # by the path a request names (the key, with and without a leading '/')
    counts: Tally = field(default_factory=Tally)
    skipped: Tally = field(default_factory=Tally)  # malformed, not media, probe, bot, watch duplicate
    lines: int = 0
    salt: bytes = field(default_factory=lambda: os.urandom(16), repr=False)
    _windows: dict = field(default_factory=dict, repr=False)  # (client hash, agent, guid) -> [start, bytes, counted]
    _counted: dict = field(default_factory=dict, repr=False)  # (client hash, guid) -> when a download was counted
    _pruned: float = 0.0

    def client(self, address: str) -> bytes:
        return hashlib.blake2b(network(address).encode(), key=self.salt, digest_size=12).digest()

    def target(self, path: str) -> Target | None:
        found = self.targets.get(path)
        while found is None and "/" in path.strip("/"):
            path = path.strip("/").partition("/")[2]  # a bucket or prefix before the key
            found = self.targets.get(path)
        return found

    def add(self, request: Request | None) -> None:
        self.lines += 1
        if request is None:
            self.skipped["malformed"] += 1
            return
        if request.method != "GET" or request.status not in (200, 206):
            return
        target = self.target(request.path)
        if target is None:
            self.skipped["not media"] += 1
        elif request.sent <= PROBE:
            self.skipped["probe"] += 1
        elif classify(request.agent).bot:
            self.skipped["bot"] += 1
        else:
            self._bytes(request, target)

    def _bytes(self, request: Request, target: Target) -> None:
        client, now = self.client(request.client), request.time
        if now - self._pruned > PRUNE_EVERY:
            self._prune(now)
        key = (client, request.agent, target.guid)
        window = self._windows.get(key)
        if window is None or abs(now - window[0]) >= WINDOW:
            window = self._windows[key] = [now, 0, False]
        window[1] += request.sent
        if window[2] or window[1] < target.threshold:
            return
        window[2] = True
        agent = classify(request.agent)
        before = self._counted.get((client, target.guid))
        if agent.platform == "watch" and before is not None and abs(now - before) < WINDOW:
            self.skipped["watch duplicate"] += 1
            return
        self._counted[(client, target.guid)] = now
        day = dt.datetime.fromtimestamp(window[0], OSLO).date().isoformat()
        self.counts[(target.guid, day, agent.app, agent.device, agent.platform)] += 1

    def _prune(self, now: float) -> None:
        self._windows = {k: w for k, w in self._windows.items() if now - w[0] < WINDOW}
        self._counted = {k: t for k, t in self._counted.items() if now - t < WINDOW}
        self._pruned = now


__all__ = ["Counting", "Target", "id3_size", "network"]
