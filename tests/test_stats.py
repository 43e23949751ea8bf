"""`publish stats`: generated logs with a known answer for every IAB v2.2 rule, in each of the three formats,
read from a local folder, counted once (a second run reads only new log objects), no address printed or kept."""

from __future__ import annotations

import datetime as dt
import json
import urllib.parse

import pytest

from conftest import run_publish
from media_fixtures import new_project, publish, tones  # noqa: F401 (tones is a fixture)
from pipeline.app.stats import STATE_KEY

T0 = dt.datetime(2024, 1, 10, 10, 0, tzinfo=dt.timezone.utc)
APP = "Podcasts/1600.3 CFNetwork/1399 Darwin/22.1.0"
WATCH = "Overcast (+http://overcast.fm/; Apple Watch podcast app)"  # (OPAWG lists Apple's own watch app as a bot)
ANDROID = "AntennaPod/3.2.0 (Linux;Android 13) ExoPlayer"
BOT = "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)"


@pytest.fixture(scope="module")
def published(tmp_path_factory, tones):
    project = new_project(tmp_path_factory.mktemp("stats"))
    out = publish(project, tones["a"], "Lyttet", date=dt.date(2024, 1, 5))
    return project, out.episode


def requests(key: str, size: int):
    """(seconds after T0, client, agent, path, status, bytes sent) and the downloads they make: 5."""
    half = size // 2
    return [
        (0, "192.0.2.1", APP, key, 200, size),  # a download
        (3600, "192.0.2.1", APP, key, 200, size),  # the same within 24 hours: none
        (25 * 3600, "192.0.2.1", APP, key, 200, size),  # after 24 hours: another, the next day
        (10, "192.0.2.2", APP, key, 206, 2),  # a probe
        (20, "192.0.2.3", ANDROID, key, 206, half),  # two ranges adding up: one
        (30, "192.0.2.3", ANDROID, key, 206, size - half),
        (40, "192.0.2.4", BOT, key, 200, size),  # a bot
        (50, "2001:db8:1:2::10", ANDROID, key, 200, size),  # one /64: one download
        (60, "2001:db8:1:2::20", ANDROID, key, 200, size),
        (70, "192.0.2.5", APP, key, 200, size),  # the phone, then its watch: one
        (80, "192.0.2.5", WATCH, key, 200, size),
        (90, "192.0.2.6", APP, "endringspodden/feed.xml", 200, 5000),  # not media
    ]


def clf(rows) -> str:
    return "".join(f'{ip} - - [{(T0 + dt.timedelta(seconds=s)):%d/%b/%Y:%H:%M:%S +0000}] "GET /{path} HTTP/1.1" '
                   f'{status} {sent} "-" "{ua}"\n' for s, ip, ua, path, status, sent in rows)


def s3(rows) -> str:
    return "".join(f'abc123 podcast [{(T0 + dt.timedelta(seconds=s)):%d/%b/%Y:%H:%M:%S +0000}] {ip} - REQ{n} '
                   f'REST.GET.OBJECT {urllib.parse.quote(path)} "GET /podcast/{path} HTTP/1.1" {status} - {sent} '
                   f'{sent} 12 11 "-" "{ua}" - hostid SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader '
                   f'podcast.s3.amazonaws.com TLSv1.2 - -\n'
                   for n, (s, ip, ua, path, status, sent) in enumerate(rows))


def cloudfront(rows) -> str:
    head = ("#Version: 1.0\n#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem "
            "sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie)\n")
    return head + "".join(
        "\t".join([f"{T0 + dt.timedelta(seconds=s):%Y-%m-%d}", f"{T0 + dt.timedelta(seconds=s):%H:%M:%S}", "OSL50-C1",
                   str(sent), ip, "GET", "d111.cloudfront.net", f"/{path}", str(status), "-",
                   urllib.parse.quote(ua, safe=""), "-", "-"]) + "\n" for s, ip, ua, path, status, sent in rows)


MALFORMED = "this is not a request of any log format\n"


@pytest.mark.parametrize("write", [clf, s3, cloudfront])
def test_every_rule_in_each_format(published, tmp_path, write):
    project, episode = published
    logs = tmp_path / "logs"
    logs.mkdir()
    text = write(requests(episode.media.key, episode.media.bytes))
    lines = text.splitlines(keepends=True)
    at = 3 if write is cloudfront else 1  # after the first request
    (logs / "2024-01-10.log").write_text("".join(lines[:at]) + MALFORMED + "".join(lines[at:]))
    out = run_publish(project, "stats", "--logs", str(logs), "--json")
    assert out.returncode == 0, out.stderr
    [row] = json.loads(out.stdout)
    assert (row["guid"], row["show"], row["title"], row["downloads"]) == (episode.guid, "endringspodden", "Lyttet", 5)
    assert row["by_day"] == {"2024-01-10": 4, "2024-01-11": 1} and row["by_month"] == {"2024-01": 5}
    assert row["by_platform"] == {"mobile": 5} and sum(row["by_app"].values()) == 5
    assert "1 line(s) of the logs are not requests" in out.stderr and "1 bot" in out.stderr
    assert "1 probe" in out.stderr and "1 watch duplicate" in out.stderr
    kept = (project / "public" / STATE_KEY).read_text()
    for text_ in (out.stdout, out.stderr, kept):
        assert "192.0.2" not in text_ and "2001:db8" not in text_
    (project / "public" / STATE_KEY).unlink()


def test_a_second_run_reads_only_new_logs(published, tmp_path):
    project, episode = published
    logs = tmp_path / "logs"
    logs.mkdir()
    rows = requests(episode.media.key, episode.media.bytes)
    (logs / "a.log").write_text(clf(rows))
    first = run_publish(project, "stats", "--logs", str(logs), "--json")
    assert json.loads(first.stdout)[0]["downloads"] == 5
    again = run_publish(project, "stats", "--logs", str(logs), "--json", "--since", "2024-01-11")
    assert json.loads(again.stdout)[0]["downloads"] == 1 and "0 new log object(s)" in again.stderr
    (logs / "b.log").write_text(clf([(200000, "198.51.100.9", APP, episode.media.key, 200, episode.media.bytes)]))
    third = run_publish(project, "stats", "--logs", str(logs))
    assert third.returncode == 0 and "1 new log object(s), 1 line(s)" in third.stderr
    assert "Lyttet" in third.stdout and " 6 " in third.stdout
    csv = run_publish(project, "stats", "--logs", str(logs), "--csv")
    assert csv.stdout.splitlines()[0] == "guid,show,title,day,downloads" and len(csv.stdout.splitlines()) == 4
    (project / "public" / STATE_KEY).unlink()


def copy_store(project, store) -> None:
    """Everything the local store holds (media, manifests), put into ``store`` as it is."""
    from pipeline.store.local import LocalStorage

    local = LocalStorage(project / "public")
    for info in local.list():
        store.put_bytes(info.key, local.get(info.key)[0], content_type=info.content_type,
                        cache_control=info.cache_control, metadata=info.metadata)


@pytest.mark.s3
def test_logs_and_counts_in_seaweedfs(published, s3_server, tmp_path):
    """S3 access logs (one gzipped) and CloudFront's read from s3://BUCKET/PREFIX, the counts kept in the S3
    store's _stats/; the next run reads only the new log object."""
    import gzip
    import shutil

    project, episode = published
    copy = tmp_path / "project"
    shutil.copytree(project / "feeds", copy / "feeds")
    shutil.copytree(project / "episodes", copy / "episodes")
    store = s3_server.storage(public_read=False)
    copy_store(project, store)
    site = copy / "feeds" / "site.toml"
    site.write_text(site.read_text().replace('"file://public"', f'"s3://{store.bucket}/"'))
    logs = s3_server.storage("access", public_read=False)
    rows = requests(episode.media.key, episode.media.bytes)
    first, second = gzip.compress(s3(rows[:6]).encode()), cloudfront(rows[6:]).encode()
    logs.put_bytes("2024-01-10-a.gz", first, content_type="application/gzip", cache_control="")
    logs.put_bytes("2024-01-10-b", second, content_type="text/plain", cache_control="")
    url = f"s3://{logs.bucket}/access"
    out = run_publish(copy, "stats", "--logs", url, "--json", env=s3_server.env)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)[0]["downloads"] == 5 and "2 new log object(s), 12 line(s)" in out.stderr
    kept = json.loads(store.get(STATE_KEY)[0])
    assert kept["logs"][url] == {"2024-01-10-a.gz": len(first), "2024-01-10-b": len(second)}
    assert "192.0.2" not in json.dumps(kept) and not (copy / "public").exists()
    logs.put_bytes("2024-01-12", s3([(200000, "198.51.100.9", APP, episode.media.key, 200, episode.media.bytes)]).encode(),
                   content_type="text/plain", cache_control="")
    again = run_publish(copy, "stats", "--logs", url, "--json", env=s3_server.env)
    assert "1 new log object(s), 1 line(s)" in again.stderr, again.stderr
    assert json.loads(again.stdout)[0]["downloads"] == 6


def test_chart_of_downloads_over_time_with_its_figures_as_text(published, tmp_path):
    from PIL import Image

    from pipeline.render.picture import DOWNLOADS_KEY

    project, episode = published
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "a.log").write_text(clf(requests(episode.media.key, episode.media.bytes)))
    chart = tmp_path / "charts" / "nedlastinger.png"
    out = run_publish(project, "stats", "--logs", str(logs), "--chart", str(chart), "--json")
    assert out.returncode == 0, out.stderr
    json.loads(out.stdout)  # the figures go to stderr; stdout stays JSON
    text = "Nedlastinger per dag, i alt 5: 2024-01-10: 4; 2024-01-11: 1."
    assert f"{chart}: {text}" in out.stderr
    with Image.open(chart) as image:
        assert image.size == (1000, 380)
        assert image.text["Description"] == text
        assert json.loads(image.text[DOWNLOADS_KEY]) == {"2024-01-10": 4, "2024-01-11": 1}
    (project / "public" / STATE_KEY).unlink()
    blocked = tmp_path / "file"
    blocked.write_text("")
    bad = run_publish(project, "stats", "--logs", str(logs), "--chart", str(blocked / "x.png"))
    assert bad.returncode == 2 and "x.png" in bad.stderr and "Traceback" not in bad.stderr
    (project / "public" / STATE_KEY).unlink()


def test_a_chart_has_a_bar_a_day_a_week_or_a_month_by_its_span():
    from pipeline.render.picture import downloads_period, downloads_series

    assert downloads_period(["2024-01-01", "2024-02-15"]) == "day"
    assert downloads_period(["2024-01-01", "2024-06-01"]) == "week"
    assert downloads_period(["2023-01-01", "2024-06-01"]) == "month"
    assert downloads_series({"2024-01-01": 2, "2024-01-03": 1}, "day") == [
        ("2024-01-01", 2), ("2024-01-02", 0), ("2024-01-03", 1)]
    assert downloads_series({"2024-01-31": 2, "2024-03-01": 1}, "month") == [
        ("2024-01", 2), ("2024-02", 0), ("2024-03", 1)]


def test_one_minute_plus_the_id3_tag():
    from pipeline.app.counting import Target, id3_size

    head = b"ID3\x04\x00\x00" + bytes([0, 0, 0x10, 0x00])  # a tag of 2048 bytes after its header
    assert id3_size(head) == 2058 and id3_size(b"\xff\xfb\x90\x00" + bytes(6)) == 0
    # 10 minutes of 128 kbit/s audio (9 600 000 bytes) after the tag: a minute is 960 000 bytes, plus the tag
    assert Target.of("g", "s", "t", 9_600_000 + 2058, 600.0, tag=2058).threshold == 960_000 + 2058
    assert Target.of("g", "s", "t", 5000, 30.0, tag=2058).threshold == 5000  # shorter than a minute: all of it


def test_serve_access_log_counted_and_shown_on_the_index(published, tmp_path):
    """What `publish serve --access-log` writes is what `publish stats` reads; the index then shows the count."""
    import threading
    import urllib.request

    from pipeline.app.overview import render_index
    from pipeline.model.config import load_site
    from pipeline.store import open_storage
    from pipeline.store.http import AccessLog, make_server

    project, episode = published
    log_path = tmp_path / "access.log"
    log = AccessLog(log_path)
    srv = make_server(project / "public", port=0, access_log=log)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{srv.server_address[1]}/{episode.media.key}"
    try:
        for first, last in ((0, 1), (0, episode.media.bytes // 2), (episode.media.bytes // 2 + 1, "")):
            urllib.request.urlopen(urllib.request.Request(url, headers={"User-Agent": APP, "Range": f"bytes={first}-{last}"}),
                                   timeout=5).read()
    finally:
        srv.shutdown()
        srv.server_close()
        log.close()
    out = run_publish(project, "stats", "--logs", str(log_path), "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)[0]["downloads"] == 1 and "1 probe" in out.stderr
    site = load_site(project)
    page = render_index(site, open_storage(site.storage, site.root)).decode()
    assert "1\u00a0nedlasting" in page
    assert "127.0.0.1" not in (project / "public" / STATE_KEY).read_text()
    (project / "public" / STATE_KEY).unlink()
    page = render_index(site, open_storage(site.storage, site.root)).decode()
    assert "nedlasting" not in page  # nothing counted: nothing said


def test_a_log_that_grew_is_read_from_where_the_last_run_stopped(published, tmp_path):
    project, episode = published
    log = tmp_path / "access.log"
    row = (0, "192.0.2.1", APP, episode.media.key, 200, episode.media.bytes)
    log.write_text(clf([row]))
    assert json.loads(run_publish(project, "stats", "--logs", str(log), "--json").stdout)[0]["downloads"] == 1
    with log.open("a") as f:  # as `publish serve --access-log` appends: the old line is not counted again
        f.write(clf([(30 * 3600, *row[1:])]))
    again = run_publish(project, "stats", "--logs", str(log), "--json")
    assert "1 new log object(s), 1 line(s)" in again.stderr and json.loads(again.stdout)[0]["downloads"] == 2
    (project / "public" / STATE_KEY).unlink()


def test_where_a_run_resumes_a_log():
    from pipeline.app.stats import resume_at

    assert resume_at("a.log", 100, 100) is None and resume_at("a.log", 100, None) == 0
    assert resume_at("a.log", 150, 100) == 100 and resume_at("a.log", 50, 100) == 0  # grew; rotated
    assert resume_at("a.log.gz", 150, 100) == 0
