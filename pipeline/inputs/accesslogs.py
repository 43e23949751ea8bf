"""Access logs, one request a line: Common/Combined Log Format (nginx, Apache, ``publish serve --access-log``),
S3 server access logs and CloudFront standard logs (W3C, tab-separated, with a ``#Fields:`` header).

Pure parsers, one line at a time (a log is never held whole): a line that is not a request of its format
gives None, for the caller to count and report. The client's address leaves here only as ``client``, the text
as logged; ``app.stats`` cuts and hashes it at once and keeps it nowhere.
"""

from __future__ import annotations

import datetime as dt
import re
import urllib.parse
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

FORMATS = ("clf", "s3", "cloudfront")
MONTHS = {m: n for n, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                                      "Dec"), 1)}


@dataclass(frozen=True, slots=True)
class Request:
    time: float  # seconds since the epoch (UTC)
    client: str  # the address as logged; never stored or printed
    method: str
    path: str  # the object's path or key, percent-decoded, without the query
    status: int
    sent: int  # body bytes sent
    agent: str


# 127.0.0.1 - - [10/Oct/2024:13:55:36 +0200] "GET /a/b.mp3 HTTP/1.1" 206 2 "referer" "agent"
CLF = re.compile(r'(\S+) \S+ \S+ \[([^\]]+)\] "(\S+) (\S+)[^"]*" (\d{3}) (\d+|-)(?: "(?:[^"\\]|\\.)*" "((?:[^"\\]|\\.)*)")?')
# owner bucket [06/Feb/2019:00:00:38 +0000] ip requester id REST.GET.OBJECT key "GET /b/k HTTP/1.1" 200 - sent size
S3 = re.compile(r'\S+ \S+ \[([^\]]+)\] (\S+) \S+ \S+ (\S+) (\S+) "(\S+) [^"]*" (\d{3}) \S+ (\d+|-) \S+ \S+ \S+ '
                r'"(?:[^"\\]|\\.)*" "((?:[^"\\]|\\.)*)"')
CLOUDFRONT_FIELDS = ("date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) "
                     "cs(User-Agent) cs-uri-query").split()


def clf_time(text: str) -> float:
    """``10/Oct/2024:13:55:36 +0200`` as seconds since the epoch."""
    day, month, rest = text[:2], text[3:6], text[7:]
    year, hour, minute, second = int(rest[:4]), int(rest[5:7]), int(rest[8:10]), int(rest[11:13])
    zone = rest[14:]
    offset = (int(zone[1:3]) * 3600 + int(zone[3:5]) * 60) * (-1 if zone[0] == "-" else 1) if zone else 0
    moment = dt.datetime(year, MONTHS[month], int(day), hour, minute, second, tzinfo=dt.timezone.utc)
    return moment.timestamp() - offset


def _path(target: str) -> str:
    path = target.split("?", 1)[0]
    if "://" in path:  # an absolute request target
        path = "/" + path.split("://", 1)[1].partition("/")[2]
    return urllib.parse.unquote(path) if "%" in path else path


def parse_clf(line: str) -> Request | None:
    m = CLF.match(line)
    if not m:
        return None
    try:
        return Request(clf_time(m[2]), m[1], m[3], _path(m[4]), int(m[5]), 0 if m[6] == "-" else int(m[6]),
                       (m[7] or "").replace('\\"', '"'))
    except (ValueError, KeyError, IndexError):
        return None


def parse_s3(line: str) -> Request | None:
    m = S3.match(line)
    if not m:
        return None
    try:
        return Request(clf_time(m[1]), m[2], m[5], urllib.parse.unquote(m[4]), int(m[6]),
                       0 if m[7] == "-" else int(m[7]), m[8].replace('\\"', '"'))
    except (ValueError, KeyError, IndexError):
        return None


def cloudfront_parser(fields: list[str]) -> Callable[[str], Request | None]:
    """A parser of the lines under ``#Fields: ...`` (``fields``, the names in their order)."""
    at = {name: fields.index(name) for name in CLOUDFRONT_FIELDS[:11]}
    width = max(at.values()) + 1

    def parse(line: str) -> Request | None:
        cells = line.rstrip("\r\n").split("\t")
        if len(cells) < width:
            return None
        try:
            moment = dt.datetime.fromisoformat(f"{cells[at['date']]}T{cells[at['time']]}+00:00")
            agent = urllib.parse.unquote(urllib.parse.unquote(cells[at["cs(User-Agent)"]]))
            return Request(moment.timestamp(), cells[at["c-ip"]], cells[at["cs-method"]],
                           urllib.parse.unquote(cells[at["cs-uri-stem"]]), int(cells[at["sc-status"]]),
                           int(cells[at["sc-bytes"]]), agent)
        except (ValueError, KeyError):
            return None

    return parse


def detect(line: str) -> str | None:
    """The format of a log, from its first line; None when it is none of them."""
    if line.startswith("#Version") or line.startswith("#Fields"):
        return "cloudfront"
    if S3.match(line):
        return "s3"
    if CLF.match(line):
        return "clf"
    return None


def requests(lines: Iterable[str], log_format: str = "auto") -> Iterator[Request | None]:
    """Each line's request, or None for a line that is not one (blank lines and ``#`` comments skipped).
    ``log_format``: one of ``FORMATS``, or ``auto`` (from the first line)."""
    parse: Callable[[str], Request | None] | None = None
    for line in lines:
        if not line.strip():
            continue
        if parse is None:
            chosen = detect(line) if log_format == "auto" else log_format
            parse = {"clf": parse_clf, "s3": parse_s3}.get(chosen) or cloudfront_parser(CLOUDFRONT_FIELDS)
            if chosen is None:
                parse = parse_clf  # every line of it is then reported as not a request
        if line.startswith("#"):
            if line.startswith("#Fields:"):
                parse = cloudfront_parser(line.split(":", 1)[1].split())
            continue
        yield parse(line)


__all__ = ["FORMATS", "Request", "detect", "parse_clf", "parse_s3", "requests"]
