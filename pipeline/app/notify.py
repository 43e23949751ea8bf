"""Telling podcast apps that a feed has changed: WebSub hubs, Podcast Index and Podping (``[notify]``).

Called by ``regenerate.regenerate_feed`` once the feed is written, so every command that writes a feed
(episode, seminar, feed, archive, retract) tells them. The client is the standard library's urllib: no
third-party library, and a use case's step rather than storage, so it lives in ``app/`` (``store/`` is the
objects' store and ``publish serve``'s handler).

A notice that fails is a warning, never a failed publish; the targets still owed a notice are kept in the
store (``_notify/<show>.json``, private like ``_manifests/``) and told at the next publish, even when its feed
is unchanged. The Podping token comes from the environment (``PODPING_TOKEN``), never from the repository.
"""

from __future__ import annotations

import json
import os
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass

from pipeline import __version__
from pipeline.model.config import Notify
from pipeline.store import Storage
from pipeline.store.writes import write_if_changed

USER_AGENT = f"pipeline-publish/{__version__}"
TOKEN_VARIABLE = "PODPING_TOKEN"
TIMEOUT = 10.0


@dataclass(frozen=True)
class Notice:
    """One request that tells a service about a feed; ``target`` is what the pending list remembers."""

    target: str  # the hub's URL or the service's endpoint
    name: str  # in a warning
    url: str
    data: bytes | None = None  # a form for a POST; None: a GET
    headers: tuple[tuple[str, str], ...] = ()


def pending_key(show_id: str) -> str:
    return f"_notify/{show_id}.json"


def notices(notify: Notify, feed_url: str, environ: Mapping[str, str] = os.environ) -> list[Notice]:
    """What to send for ``feed_url``: a WebSub publish ping to each hub, then Podcast Index and Podping."""
    query = urllib.parse.urlencode({"url": feed_url})
    found = [Notice(hub, f"WebSub hub {hub}", hub,
                    urllib.parse.urlencode({"hub.mode": "publish", "hub.url": feed_url}).encode())
             for hub in notify.websub_hubs]
    if notify.podcastindex:
        found.append(Notice(notify.podcastindex_url, "Podcast Index", f"{notify.podcastindex_url}?{query}"))
    if notify.podping:
        token = environ.get(TOKEN_VARIABLE, "")
        found.append(Notice(notify.podping_url, "Podping", f"{notify.podping_url}?{query}",
                            headers=(("Authorization", token),) if token else ()))
    return found


def send(notice: Notice, timeout: float = TIMEOUT) -> str | None:
    """Send ``notice``; what went wrong, or None when the service took it (any 2xx answer)."""
    if notice.name == "Podping" and not notice.headers:
        return f"the environment variable {TOKEN_VARIABLE} (Podping's token) is not set"
    headers = {"User-Agent": USER_AGENT, **dict(notice.headers)}
    if notice.data is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    request = urllib.request.Request(notice.url, data=notice.data, headers=headers,
                                     method="GET" if notice.data is None else "POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            answer.read(1024)
            return None if 200 <= answer.status < 300 else f"HTTP {answer.status}"
    except urllib.error.HTTPError as e:
        e.close()
        return f"HTTP {e.code}"
    except (urllib.error.URLError, socket.timeout, ConnectionError, OSError) as e:
        return f"unreachable ({getattr(e, 'reason', e)})"


def _pending(storage: Storage, show_id: str) -> set[str]:
    found = storage.get(pending_key(show_id))
    if found is None:
        return set()
    try:
        return set(json.loads(found[0]).get("targets", []))
    except (ValueError, AttributeError):
        return set()


def notify_feed(notify: Notify, storage: Storage, show_id: str, feed_url: str, changed: bool,
                environ: Mapping[str, str] = os.environ) -> list[str]:
    """Tell the configured services that ``feed_url`` changed (``changed``), or those a former run still owes
    a notice; the warnings (at most one line). ``notify.send`` False (``--no-notify``): nothing is sent, and
    what a changed feed owes is kept for the next publish."""
    if not notify.anyone:
        return []
    owed = _pending(storage, show_id)
    if not (changed or owed):
        return []
    due = [n for n in notices(notify, feed_url, environ) if changed or n.target in owed]
    failed = {n.name: (send(n) if notify.send else "") for n in due}
    failed = {name: why for name, why in failed.items() if why is not None}
    still = sorted({n.target for n in due if n.name in failed})
    if still or owed:
        record = json.dumps({"feed": feed_url, "targets": still}, indent=2).encode()
        if still:
            write_if_changed(storage, pending_key(show_id), record)
        else:
            storage.delete(pending_key(show_id))
    told = [f"{name}: {why}" for name, why in failed.items() if why]
    if not told:
        return []
    return ["could not tell " + "; ".join(told) + f" that {feed_url} changed; the next publish tries again"]


__all__ = ["Notice", "notices", "notify_feed", "pending_key", "send"]
