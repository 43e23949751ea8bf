"""The feed from its public address (online): every URL fetched as a podcast app fetches it, by an HTTP
client of its own that follows redirects with the same method and never reads a body."""

from __future__ import annotations

import socket
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from pipeline.checks.feed import Violation
from pipeline.checks.targets import PAGES, SIZED, Target, targets, unique
from pipeline.render.podcastns import CHAPTERS_TYPE

# Equivalent Content-Types a server may answer with.
SAME_TYPE = {"audio/mpeg": {"audio/mpeg", "audio/mp3"}, "audio/x-m4a": {"audio/x-m4a", "audio/mp4", "audio/m4a"},
             "audio/mp4": {"audio/x-m4a", "audio/mp4", "audio/m4a"},
             CHAPTERS_TYPE: {"application/json", CHAPTERS_TYPE},
             "application/x-subrip": {"application/x-subrip", "application/srt", "text/srt", "text/plain"}}


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    error: str | None = None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)
USER_AGENT = "pipeline-publish-check/1 (like a podcast app)"


def fetch(url: str, method: str = "HEAD", headers: dict[str, str] | None = None, timeout: float = 15.0,
          redirects: int = 5) -> Answer:
    """One request as an app makes it: redirects followed with the same method; the body never read
    beyond two bytes."""
    for _ in range(redirects + 1):
        req = urllib.request.Request(url, method=method, headers={"User-Agent": USER_AGENT, **(headers or {})})
        try:
            with _OPENER.open(req, timeout=timeout) as resp:
                if method == "GET":
                    resp.read(2)
                return Answer(resp.status, {k.lower(): v for k, v in resp.headers.items()})
        except urllib.error.HTTPError as e:
            location = e.headers.get("Location") if e.code in (301, 302, 303, 307, 308) else None
            e.close()
            if location:
                url = urllib.parse.urljoin(url, location)
                continue
            return Answer(e.code, {k.lower(): v for k, v in e.headers.items()})
        except (urllib.error.URLError, socket.timeout, ConnectionError, OSError) as e:
            reason = getattr(e, "reason", e)
            return Answer(0, {}, f"unreachable: {reason}")
    return Answer(0, {}, f"more than {redirects} redirects")


def _type_matches(expected: str | None, served: str | None) -> bool:
    if not expected:
        return True
    served = (served or "").split(";")[0].strip().lower()
    expected = expected.lower()
    if expected == "application/rss+xml":
        return served in ("application/rss+xml", "application/xml", "text/xml")
    return served in SAME_TYPE.get(expected, {expected})


def check_target(t: Target, *, timeout: float = 15.0) -> list[Violation]:
    """HEAD answers 200 with the right Content-Type (and, for an enclosure, the exact Content-Length);
    ``Range: bytes=0-1`` answers 206, as Apple requires for streaming and for artwork."""
    out = []

    def bad(rule: str, message: str) -> None:
        out.append(Violation(t.where, rule, f"{t.kind} {t.url}: {message}"))

    head = fetch(t.url, "HEAD", timeout=timeout)
    if head.error:
        bad("http", head.error)
        return out
    if head.status != 200:
        bad("http-head", f"HEAD answered {head.status}, not 200")
        return out
    served_type = head.headers.get("content-type")
    if not _type_matches(t.type, served_type):
        bad("content-type", f"served as {served_type!r}, the feed says {t.type!r}")
    length = head.headers.get("content-length")
    if t.kind in SIZED and t.length is not None:
        if length is None:
            bad("content-length", "HEAD gives no Content-Length")
        elif length.strip() != str(t.length):
            bad("enclosure-length", f"Content-Length is {length.strip()}, the feed says {t.length}")
    if t.kind in PAGES:
        return out
    ranged = fetch(t.url, "GET", {"Range": "bytes=0-1"}, timeout=timeout)
    if ranged.error:
        bad("http", ranged.error)
    elif ranged.status != 206:
        bad("range", f"'Range: bytes=0-1' answered {ranged.status}, not 206; apps cannot seek or stream, and "
                     "Apple refuses such hosts")
    else:
        total = (ranged.headers.get("content-range") or "").rpartition("/")[2]
        expected = str(t.length) if t.kind in SIZED and t.length is not None else (length or "").strip()
        if expected and total != expected:
            bad("range", f"Content-Range gives the size as {total or '(none)'}, not {expected}")
    return out


def check_online(data: bytes, *, timeout: float = 15.0, workers: int = 8, pages: list[Target] = ()) -> list[Violation]:
    """Fetch every enclosure, image, transcript and chapters file (and the feed) from its public URL, and the
    ``pages`` targets (``targets.pages_targets``: seminar pages and what they name)."""
    found = unique([*targets(data), *pages])
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(lambda t: check_target(t, timeout=timeout), found))
    return [v for vs in results for v in vs]


__all__ = ["Answer", "USER_AGENT", "check_online", "check_target", "fetch"]
