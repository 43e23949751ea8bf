"""``publish stats``: downloads per item, per day, week and month, per app, device and platform, from access logs.

The logs are a local file or folder, or ``s3://bucket/prefix`` (S3 server access logs or CloudFront's, gzip or
not); each log object is read as a stream, line by line, and counted by ``counting.Counting`` (IAB v2.2).
What is kept, in the store's private ``_stats/downloads.json``: which log objects were read (name and size),
and the counts by item, day, app, device and platform; never an address, not even a hashed one. A daily run
reads only the log objects it has not read before.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
from collections import Counter as Tally
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.app.counting import ID3_HEADER, Counting, Target, id3_size
from pipeline.inputs.accesslogs import requests
from pipeline.model.config import Site, show_ids
from pipeline.model.errors import InputError
from pipeline.render.picture import draw_downloads
from pipeline.store import ObjectReader, Storage, open_storage
from pipeline.store.manifests import store_manifests
from pipeline.store.writes import write_if_changed

STATE_KEY = "_stats/downloads.json"
MEDIA_TYPES = ("audio/", "video/")


@dataclass
class EpisodeStats:
    guid: str
    show: str
    title: str
    date: str
    downloads: int = 0
    by_day: Tally = field(default_factory=Tally)
    by_week: Tally = field(default_factory=Tally)
    by_month: Tally = field(default_factory=Tally)
    by_app: Tally = field(default_factory=Tally)
    by_device: Tally = field(default_factory=Tally)
    by_platform: Tally = field(default_factory=Tally)


@dataclass
class StatsResult:
    episodes: list[EpisodeStats]
    read: list[str]  # log objects read in this run
    lines: int
    skipped: dict[str, int]  # lines left out by reason (malformed, probe, bot...), this run
    warnings: list[str] = field(default_factory=list)
    chart: str | None = None  # the chart's figures in words (its alt text), when one was drawn


def targets(site: Site, storage: Storage) -> tuple[dict[str, Target], dict[str, tuple[str, str, str, str]]]:
    """Media key -> Target, for every item's enclosure and audio/video renditions; and guid -> (show, title,
    date, slug). The ID3 tag's size is read from each media object's first ten bytes (one ranged read)."""
    found, items = {}, {}
    for show in show_ids(site):
        for item in store_manifests(storage, show).values():
            items[item.guid] = (show, item.title, item.date.isoformat(), item.slug)
            for media in (item.media, *item.renditions.values()):
                if media.type.startswith(MEDIA_TYPES):
                    tag = id3_size(storage.get_range(media.key, 0, ID3_HEADER) or b"")
                    target = Target.of(item.guid, show, item.title, media.bytes, media.duration or item.media.duration,
                                       tag)
                    found[media.key] = found["/" + media.key] = target
    return found, items


def _lines(data: io.BufferedIOBase, name: str) -> Iterator[str]:
    stream = gzip.GzipFile(fileobj=data) if name.endswith(".gz") else data
    for raw in io.TextIOWrapper(stream, encoding="utf-8", errors="replace"):
        yield raw


def log_objects(logs: str, site: Site) -> Iterator[tuple[str, int, object]]:
    """(name, size, opener) of each log object under ``logs`` (a file, a folder, or ``s3://bucket/prefix``),
    in name order; ``opener(start)`` gives a binary stream from byte ``start``."""
    if logs.startswith("s3://"):
        store = open_storage(logs, site.root)
        for info in sorted(store.list(""), key=lambda i: i.key):
            yield info.key, info.size, lambda start, key=info.key: io.BufferedReader(ObjectReader(store, key, start=start))
        return
    path = Path(logs).expanduser()
    if not path.exists():
        raise InputError(f"{path}: no such file or folder", "--logs")
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for file in files:
        name = file.name if path.is_file() else file.relative_to(path).as_posix()
        yield name, file.stat().st_size, lambda start, f=file: _opened(f, start)


def _opened(file: Path, start: int) -> io.BufferedIOBase:
    stream = file.open("rb")
    stream.seek(start)
    return stream


def resume_at(name: str, size: int, read: int | None) -> int | None:
    """Pure: where to start reading a log object of ``size`` bytes of which ``read`` were read before: None when
    there is nothing new, after what was read when it has only grown (a log still being appended to, like
    ``publish serve --access-log``'s; never a gzip file), else from the start."""
    if read == size:
        return None
    return read if read and read < size and not name.endswith(".gz") else 0


def load_state(storage: Storage) -> dict:
    found = storage.get(STATE_KEY)
    if found is None:
        return {"version": 1, "logs": {}, "counts": []}
    return json.loads(found[0])


def downloads_by_item(storage: Storage) -> dict[str, int]:
    """Each item's downloads so far (guid -> count) from the store's ``_stats/``; empty when nothing is counted."""
    found: Tally = Tally()
    for guid, *_, n in load_state(storage)["counts"]:
        found[guid] += n
    return dict(found)


def count_logs(site: Site, logs: str, *, log_format: str = "auto", storage: Storage | None = None,
               show: str | None = None, since: dt.date | None = None, until: dt.date | None = None,
               chart: Path | None = None) -> StatsResult:
    """Read the log objects under ``logs`` not read before, count them, and keep the counts in the store;
    the result: every item's downloads (``show``'s only, between ``since`` and ``until``, when given), drawn
    over time to ``chart`` (a PNG) when given."""
    if show is not None and show not in show_ids(site):
        raise InputError(f"unknown show {show!r}; the shows are: {', '.join(show_ids(site)) or 'none'}", "--show")
    storage = storage or open_storage(site.storage, site.root)
    state = load_state(storage)
    index, items = targets(site, storage)
    counting = Counting(index)
    read_before = state["logs"].setdefault(logs, {})
    read = []
    for name, size, opener in log_objects(logs, site):
        start = resume_at(name, size, read_before.get(name))
        if start is None:
            continue
        with opener(start) as data:
            for request in requests(_lines(data, name), log_format):
                counting.add(request)
        read_before[name] = size
        read.append(name)
    tally = Tally({tuple(row[:5]): row[5] for row in state["counts"]})
    tally.update(counting.counts)
    state["counts"] = [[*key, n] for key, n in sorted(tally.items())]
    if read:
        write_if_changed(storage, STATE_KEY, json.dumps(state, indent=1, ensure_ascii=False).encode())
    warnings = []
    if counting.skipped["malformed"]:
        warnings.append(f"{counting.skipped['malformed']} line(s) of the logs are not requests of their format; "
                        "they were left out")
    episodes = summarise(tally, items, show=show, since=since, until=until)
    return StatsResult(episodes=episodes, read=read, lines=counting.lines, skipped=dict(counting.skipped),
                       warnings=warnings, chart=chart_downloads(episodes, chart, show) if chart else None)


def chart_downloads(episodes: list[EpisodeStats], out: Path, show: str | None = None) -> str:
    """Draw all ``episodes``' downloads over time to ``out``; the figures in words."""
    by_day: Tally = Tally()
    for e in episodes:
        by_day.update(e.by_day)
    title = "Nedlastinger over tid" + (f" – {show}" if show else "")
    try:
        return draw_downloads(out, dict(by_day), title=title)
    except OSError as e:
        raise InputError(f"cannot write the chart: {e.strerror or e}", str(out)) from e


def summarise(tally: Tally, items: dict[str, tuple[str, str, str, str]], *, show: str | None = None,
              since: dt.date | None = None, until: dt.date | None = None) -> list[EpisodeStats]:
    """One EpisodeStats per item (every published one, downloaded or not), newest first."""
    found = {guid: EpisodeStats(guid, s, title, date) for guid, (s, title, date, _) in items.items()
             if show is None or s == show}
    for (guid, day, app, device, platform), n in tally.items():
        stats = found.get(guid)
        when = dt.date.fromisoformat(day)
        if stats is None or (since and when < since) or (until and when > until):
            continue
        iso = when.isocalendar()
        stats.downloads += n
        for counter, key in ((stats.by_day, day), (stats.by_week, f"{iso[0]}-W{iso[1]:02d}"),
                             (stats.by_month, day[:7]), (stats.by_app, app), (stats.by_device, device),
                             (stats.by_platform, platform)):
            counter[key] += n
    return sorted(found.values(), key=lambda s: (s.date, s.guid), reverse=True)


__all__ = ["EpisodeStats", "StatsResult", "chart_downloads", "count_logs", "downloads_by_item", "load_state", "summarise", "targets"]
