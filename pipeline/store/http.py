"""A local HTTP server for the embedded store: the public folder served as the bucket would serve it.

Content-Type, Cache-Control and ETag come from the store's own metadata (``LocalStorage.head``),
so a page, a feed or an MP4 is served exactly as it would be from S3. Byte ranges are answered,
because browsers seek in video by asking for ranges. Nothing outside the root and no dot-file
(``.meta/``, temp ``.part`` files) is ever served, nor what a public bucket keeps private (``_manifests/``:
a 404, like a missing object); a directory is served only by its ``index.html``.
Files are streamed in chunks, never read whole.

With an access log (``publish serve --access-log FILE``), every request answered is one line of the Combined
Log Format (as nginx and Apache write it, which ``publish stats`` reads): the client's address, the time, the
request line, the status, the body bytes really sent, the referer and the user agent. That file is the only
place an address is written.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import threading
import urllib.parse
from http import HTTPStatus
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from pipeline.model.errors import InputError
from pipeline.store import FRAME_ANCESTORS, frame_ancestors_for, is_public
from pipeline.store.local import LocalStorage

CHUNK = 1 << 16
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.I)


class Unsatisfiable(Exception):
    """The Range header asks only for bytes beyond the end (416)."""


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """Pure: the inclusive byte range ``(first, last)`` a single-range ``Range`` header asks of ``size`` bytes.

    None means "send the whole body": no header, a header we do not parse (RFC 9110 says ignore it),
    or several ranges (a 200 with the full body is a valid answer). Raises Unsatisfiable for 416.
    """
    if not header:
        return None
    m = _RANGE.match(header)
    if not m or (not m.group(1) and not m.group(2)):
        return None
    first, last = m.group(1), m.group(2)
    if not first:  # bytes=-n: the last n bytes
        n = int(last)
        if n == 0 or size == 0:
            raise Unsatisfiable
        return max(0, size - n), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if last and end < start:
        return None  # syntactically invalid: ignore
    if start >= size:
        raise Unsatisfiable
    return start, min(end, size - 1)


def resolve_key(url_path: str) -> tuple[str, bool] | None:
    """Pure: the store key a request path names, and whether it named a folder (trailing ``/``).

    None when the path may not be served: a dot segment (``..``, ``.meta``, ``.x.part``), an empty
    segment, a NUL or a backslash, after percent-decoding (so ``%2e%2e`` is refused like ``..``), or a key
    a public bucket keeps private (``_manifests/...``).
    """
    try:
        path = urllib.parse.unquote(urllib.parse.urlsplit(url_path).path, errors="strict")
    except UnicodeDecodeError:  # not UTF-8: no key of ours
        return None
    if not path.startswith("/") or "\x00" in path or "\\" in path:
        return None
    folder = path.endswith("/")
    parts = path.strip("/").split("/") if path != "/" else []
    if any(not part or part.startswith(".") for part in parts) or not is_public("/".join(parts)):
        return None
    return "/".join(parts), folder


def _quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def clf_line(client: str, when: dt.datetime, request_line: str, status: int, sent: int, referer: str | None,
             agent: str | None) -> str:
    """Pure: one line of the Combined Log Format (English month names whatever the locale)."""
    stamp = f"{when:%d}/{MONTHS[when.month - 1]}/{when:%Y:%H:%M:%S %z}"
    return (f'{client} - - [{stamp}] "{_quoted(request_line)}" {status} {sent or "-"} '
            f'"{_quoted(referer or "-")}" "{_quoted(agent or "-")}"\n')


class AccessLog:
    """Combined Log Format lines appended to a file, one whole line at a time from any thread."""

    def __init__(self, path: Path):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = path.open("a", encoding="utf-8", buffering=1)
        except OSError as e:
            raise InputError(f"cannot write the access log: {e.strerror or e}", str(path)) from e
        self._lock = threading.Lock()

    def write(self, line: str) -> None:
        with self._lock:
            self._file.write(line)

    def close(self) -> None:
        self._file.close()


class StoreHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: a video player makes many range requests
    server_version = "pipeline-serve"
    store: LocalStorage
    verbose = False
    # Pages the server makes itself for keys the store lacks (the index of ``publish serve``): key -> (bytes, type).
    fallback: Callable[[str], tuple[bytes, str] | None] | None = None
    access_log: AccessLog | None = None
    _status: int | None = None
    _sent = 0

    def handle_one_request(self) -> None:
        self._status, self._sent = None, 0
        super().handle_one_request()
        if self.access_log is not None and self._status is not None:
            self.access_log.write(clf_line(self.client_address[0], dt.datetime.now().astimezone(),
                                           self.requestline, self._status, self._sent,
                                           self.headers.get("Referer") if self.headers else None,
                                           self.headers.get("User-Agent") if self.headers else None))

    def log_request(self, code="-", size="-") -> None:
        self._status = int(code) if str(code).isdigit() else None
        super().log_request(code, size)

    def _body(self, data: bytes) -> None:
        self.wfile.write(data)
        self._sent += len(data)

    def do_GET(self) -> None:
        self._respond(body=True)

    def do_HEAD(self) -> None:
        self._respond(body=False)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (the base class's name)
        if self.verbose:
            super().log_message(format, *args)

    def _respond(self, body: bool) -> None:
        resolved = resolve_key(self.path)
        if resolved is None:
            return self._plain(HTTPStatus.NOT_FOUND, body)
        key, folder = resolved
        root = self.store.root
        if folder or not key:
            key = f"{key}/index.html" if key else "index.html"
        elif (root / key).is_dir():
            if (root / key / "index.html").is_file():
                split = urllib.parse.urlsplit(self.path)
                location = split.path + "/" + (f"?{split.query}" if split.query else "")
                return self._plain(HTTPStatus.MOVED_PERMANENTLY, body, {"Location": location})
            return self._plain(HTTPStatus.NOT_FOUND, body)
        path = root / key
        if self.fallback is not None and not path.is_file():
            return self._generated(key, body)
        try:
            if not path.resolve().is_relative_to(root):  # a symlink pointing out of the store
                return self._plain(HTTPStatus.NOT_FOUND, body)
            f = path.open("rb")
        except OSError:
            return self._plain(HTTPStatus.NOT_FOUND, body)
        with f:
            info = self.store.head(key)
            if info is None:
                return self._plain(HTTPStatus.NOT_FOUND, body)
            size = os.fstat(f.fileno()).st_size  # the bytes we will send, even if replaced meanwhile
            headers = {"Content-Type": info.content_type, "ETag": info.etag, "Accept-Ranges": "bytes",
                       "X-Content-Type-Options": "nosniff"}
            if info.cache_control:
                headers["Cache-Control"] = info.cache_control
            headers.update(framing(key, info.metadata))
            if {info.etag, "*"} & _etags(self.headers.get("If-None-Match")):
                return self._send(HTTPStatus.NOT_MODIFIED, headers)
            if_range = self.headers.get("If-Range")
            try:
                wanted = parse_range(self.headers.get("Range"), size) if if_range in (None, info.etag) else None
            except Unsatisfiable:
                return self._plain(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE, body,
                                   {**headers, "Content-Range": f"bytes */{size}"})
            if wanted is None:
                status, first, length = HTTPStatus.OK, 0, size
            else:
                first, last = wanted
                status, length = HTTPStatus.PARTIAL_CONTENT, last - first + 1
                headers["Content-Range"] = f"bytes {first}-{last}/{size}"
            self._send(status, {**headers, "Content-Length": str(length)})
            if body:
                f.seek(first)
                self._copy(f, length)

    def _generated(self, key: str, body: bool) -> None:
        """A ``fallback`` page: made fresh on each request (it follows the store), so never cached."""
        try:
            made = self.fallback(key)
        except Exception as e:  # a broken manifest must not kill the connection silently
            text = f"500 {HTTPStatus.INTERNAL_SERVER_ERROR.phrase}\n{e}\n".encode()
            self._send(HTTPStatus.INTERNAL_SERVER_ERROR, {"Content-Type": "text/plain; charset=utf-8",
                                                           "Content-Length": str(len(text))})
            if body:
                self._body(text)
            return
        if made is None:
            return self._plain(HTTPStatus.NOT_FOUND, body)
        data, content_type = made
        self._send(HTTPStatus.OK, {"Content-Type": content_type, "Content-Length": str(len(data)),
                                   "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
                                   "Content-Security-Policy": "frame-ancestors 'self'"})
        if body:
            self._body(data)

    def _copy(self, f, length: int) -> None:
        try:
            while length > 0:
                chunk = f.read(min(CHUNK, length))
                if not chunk:
                    break
                self._body(chunk)
                length -= len(chunk)
        except (BrokenPipeError, ConnectionResetError):  # players cancel range requests all the time
            self.close_connection = True

    def _send(self, status: HTTPStatus, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if "Content-Length" not in headers and status != HTTPStatus.NOT_MODIFIED:
            self.send_header("Content-Length", "0")
        self.end_headers()

    def _plain(self, status: HTTPStatus, body: bool, headers: dict[str, str] | None = None) -> None:
        text = f"{status.value} {status.phrase}\n".encode()
        headers = {**(headers or {}), "Content-Type": "text/plain; charset=utf-8", "Content-Length": str(len(text))}
        headers.pop("Cache-Control", None)
        self._send(status, headers)
        if body:
            self._body(text)


def framing(key: str, metadata: dict[str, str]) -> dict[str, str]:
    """Pure: the ``Content-Security-Policy`` header that says who may frame ``key``: the ``frame-ancestors``
    the store wrote as its metadata (``store.metadata_for``), else (a page copied in by hand) the key's rule."""
    sources = metadata.get(FRAME_ANCESTORS) or frame_ancestors_for(key)
    return {"Content-Security-Policy": f"frame-ancestors {sources}"} if sources else {}


def _etags(header: str | None) -> set[str]:
    """The entity tags of an If-None-Match header (weak ones compared weakly, as RFC 9110 says)."""
    return {tag.strip().removeprefix("W/") for tag in header.split(",")} if header else set()


def make_server(root: Path, host: str = "127.0.0.1", port: int = 8000, *, verbose: bool = False,
                fallback: Callable[[str], tuple[bytes, str] | None] | None = None,
                access_log: AccessLog | None = None) -> ThreadingHTTPServer:
    """A server for the store at ``root`` (not started). Port 0 picks a free port: see ``server_address``.

    ``fallback(key)`` answers for keys the store has no object at (``index.html`` for ``/``): (bytes, type) or None.
    ``access_log``: where each request answered is written as a Combined Log Format line.
    """
    store = LocalStorage(root)
    handler = type("Handler", (StoreHandler,), {"store": store, "verbose": verbose, "access_log": access_log,
                                                "fallback": staticmethod(fallback) if fallback else None})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


def serve(root: Path, host: str = "127.0.0.1", port: int = 8000, *, verbose: bool = False,
          fallback: Callable[[str], tuple[bytes, str] | None] | None = None, access_log: Path | None = None) -> None:
    """Serve ``root`` until interrupted, appending each request to ``access_log`` when given. Prints nothing;
    the CLI says where it listens."""
    log = AccessLog(access_log) if access_log else None
    try:
        with make_server(root, host, port, verbose=verbose, fallback=fallback, access_log=log) as server:
            try:
                server.serve_forever()
            except KeyboardInterrupt:
                pass
    finally:
        if log is not None:
            log.close()


__all__ = ["AccessLog", "clf_line", "framing", "make_server", "parse_range", "resolve_key", "serve", "Unsatisfiable"]
