"""``feeds/*.toml`` as declared in ``pipeline/model/config.py``: every problem at once, one line each, naming the
key and the file; the declared keys reach the Show; the README's reference is the declaration's; and the files
``publish`` and ``publish init`` write get the mode the umask gives, written atomically."""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path

import pytest
from PIL import Image

from conftest import run_publish, snapshot
from media_fixtures import episode, new_project
from pipeline.app.init import ShowDraft, init_show
from pipeline.model.config import (REFERENCE_END, REFERENCE_START, SHOW_KEYS, SITE_KEYS, load_show, load_site,
                                   parse_show, reference)
from pipeline.model.errors import ConfigError
from pipeline.model.files import write_atomically
from pipeline.model.records import write_record
from pipeline.store.local import LocalStorage

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"

GOOD = """\
title = "Nyhetspodden"
description = "Nytt fra etaten."
author = "Difi"
owner = { name = "Difi", email = "post@difi.no" }
category = "Government"
artwork = "cover.jpg"
link = "https://www.difi.no/nyheter"

[loudness]
integrated = -16.0
"""


@pytest.fixture
def feeds(tmp_path) -> Path:
    """A feeds/ folder with the artwork GOOD names."""
    folder = tmp_path / "feeds"
    folder.mkdir()
    Image.new("RGB", (1400, 1400), (20, 80, 120)).save(folder / "cover.jpg", quality=70)
    return folder


def problems(feeds: Path, text: str) -> list[str]:
    """The problems parse_show finds in ``text`` as feeds/nyhetspodden.toml, each without its common prefix."""
    path = feeds / "nyhetspodden.toml"
    with pytest.raises(ConfigError) as e:
        parse_show("nyhetspodden", tomllib.loads(text), path)
    assert all(f" in {path}: " in p for p in e.value.problems), e.value.problems
    return [p.replace(f" in {path}", "") for p in e.value.problems]


def test_the_good_file_and_the_real_ones_load(feeds):
    show = parse_show("nyhetspodden", tomllib.loads(GOOD), feeds / "nyhetspodden.toml")
    assert (show.owner_name, show.language, show.kind, show.show_type, show.explicit) == (
        "Difi", "no", "podcast", "episodic", False)
    assert show.artwork == feeds / "cover.jpg" and show.loudness.tolerance == 1.0
    assert (show.new_feed_url, show.locked, show.medium, show.podcast_guid) == (None, True, None, None)
    site = load_site(ROOT)
    assert [load_show(site, s).kind for s in ("endringspodden", "seminarer")] == ["podcast", "seminar"]


def test_the_four_podcasting_keys_are_declared(feeds):
    show = parse_show("nyhetspodden", tomllib.loads(
        'new_feed_url = "https://podkast.example.no/feed.xml"\nlocked = false\nmedium = "music"\n'
        'podcast_guid = "917393e3-1b1e-5cef-ace4-edaa54e1f810"\n' + GOOD), feeds / "nyhetspodden.toml")
    assert (show.new_feed_url, show.locked, show.medium, show.podcast_guid) == (
        "https://podkast.example.no/feed.xml", False, "music", "917393e3-1b1e-5cef-ace4-edaa54e1f810")
    assert not hasattr(show, "extra")


def _set(line: str, table: str = "") -> str:
    """GOOD with ``line`` added at the top, or inside ``[table]``."""
    return GOOD.replace(f"[{table}]\n", f"[{table}]\n{line}\n") if table else f"{line}\n{GOOD}"


CASES = {
    "owner is text": (GOOD.replace('owner = { name = "Difi", email = "post@difi.no" }', 'owner = "Difi"'),
                      ["Config value 'owner': must be a table (owner.name, owner.email), got 'Difi'"]),
    "loudness is a number": (GOOD.replace("[loudness]\nintegrated = -16.0\n", "") + "loudness = -16\n",
                             ["Config value 'loudness': must be a table (loudness.integrated, loudness.true_peak, "
                              "loudness.levelling, loudness.tolerance), got -16"]),
    "negative tolerance": (_set("tolerance = -1.0", "loudness"),
                           ["Config value 'loudness.tolerance': -1.0 LU is outside 0.1..5"]),
    "target too loud": (GOOD.replace("integrated = -16.0", "integrated = -3"),
                        ["Config value 'loudness.integrated': -3.0 LUFS is outside -40..-5"]),
    "true peak above 0": (_set("true_peak = 2", "loudness"),
                          ["Config value 'loudness.true_peak': 2.0 dBTP is outside -9..0"]),
    "loudness as text": (GOOD.replace("integrated = -16.0", 'integrated = "-16"'),
                         ["Config value 'loudness.integrated': must be a number, got '-16'"]),
    "unknown levelling": (_set('levelling = "loud"', "loudness"),
                          ["Config value 'loudness.levelling': must be 'dynaudnorm', 'speechnorm' or 'none', "
                           "got 'loud'"]),
    "a typo": (_set('descripton = "Mer."'), ["Config value 'descripton': unknown key; did you mean 'description'?"]),
    "a typo in a table": (_set("integratd = -16", "loudness"),
                          ["Config value 'loudness.integratd': unknown key; did you mean 'loudness.integrated'?"]),
    "a key in the wrong table": (_set('email = "post@difi.no"'),
                                 ["Config value 'email': unknown key; did you mean 'owner.email'?"]),
    "a key like none": (_set("zzz = 1"), ["Config value 'zzz': unknown key (the README's Configuration reference "
                                          "lists every key)"]),
    "explicit as text": (_set('explicit = "no"'), ["Config value 'explicit': must be true or false, got 'no'"]),
    "locked as text": (_set('locked = "no"'), ["Config value 'locked': must be true or false, got 'no'"]),
    "title a number": (GOOD.replace('title = "Nyhetspodden"', "title = 5"),
                       ["Config value 'title': must be text, got 5"]),
    "blank description": (GOOD.replace('"Nytt fra etaten."', '"  "'),
                          ["Config value 'description': required text is missing"]),
    "unknown kind": (_set('kind = "podkast"'), ["Config value 'kind': must be 'podcast' or 'seminar', got 'podkast'"]),
    "unknown type": (_set('type = "daily"'), ["Config value 'type': must be 'episodic' or 'serial', got 'daily'"]),
    "language": (_set('language = "norsk"'),
                 ["Config value 'language': 'norsk' is not a language code such as 'no' or 'nb'"]),
    "no owner": (GOOD.replace('owner = { name = "Difi", email = "post@difi.no" }\n', ""),
                 ["Config value 'owner.email': an e-mail address is required (Apple shows it to no one but uses it "
                  "to verify ownership)"]),
    "link not a URL": (GOOD.replace("https://www.difi.no/nyheter", "www.difi.no"),
                       ["Config value 'link': the show's web page (an http(s) URL) is required"]),
    "new feed not a URL": (_set('new_feed_url = "podkast.example.no/feed.xml"'),
                           ["Config value 'new_feed_url': must be an http(s) URL, got 'podkast.example.no/feed.xml'"]),
    "podcast_guid not a UUID": (_set('podcast_guid = "abc"'), ["Config value 'podcast_guid': 'abc' is not a UUID"]),
    "owner is a list": (GOOD.replace('owner = { name = "Difi", email = "post@difi.no" }', 'owner = ["Difi"]'),
                        ["Config value 'owner': must be a table (owner.name, owner.email), got a list"]),
}


@pytest.mark.parametrize("case", CASES)
def test_each_problem_is_one_line_naming_the_key_and_the_file(feeds, case):
    text, expected = CASES[case]
    assert problems(feeds, text) == expected


def test_every_problem_at_once(feeds):
    text = (GOOD.replace('owner = { name = "Difi", email = "post@difi.no" }', 'owner = "Difi"')
            .replace('artwork = "cover.jpg"', 'artwork = "omslag.jpg"')
            .replace("integrated = -16.0", "integrated = -16.0\ntolerance = -1.0\ntrue_pek = -1"))
    assert problems(feeds, 'titel = "X"\n' + text) == [
        "Config value 'titel': unknown key; did you mean 'title'?",
        "Config value 'owner': must be a table (owner.name, owner.email), got 'Difi'",
        f"Config value 'artwork': {feeds / 'omslag.jpg'} does not exist",
        "Config value 'loudness.true_pek': unknown key; did you mean 'loudness.true_peak'?",
        "Config value 'loudness.tolerance': -1.0 LU is outside 0.1..5",
    ]


def test_site_problems_through_load_site(tmp_path):
    (tmp_path / "feeds").mkdir()
    path = tmp_path / "feeds" / "site.toml"
    path.write_text('storage = "ftp://x"\nbase_url = 8000\nwebsit = "https://www.difi.no"\n')
    with pytest.raises(ConfigError) as e:
        load_site(tmp_path)
    assert e.value.problems == [
        f"Config value 'websit' in {path}: unknown key; did you mean 'website'?",
        f"Config value 'storage' in {path}: must start with file:// or s3://, got 'ftp://x'",
        f"Config value 'base_url' in {path}: must be text, got 8000",
    ]
    assert e.value.exit_code == 3


def test_show_problems_through_load_show(tmp_path):
    project = new_project(tmp_path)
    path = project / "feeds" / "endringspodden.toml"
    path.write_text(path.read_text().replace("tolerance = 1.0", "tolerance = -1.0"))
    with pytest.raises(ConfigError) as e:
        load_show(load_site(project), "endringspodden")
    assert e.value.problems == [f"Config value 'loudness.tolerance' in {path}: -1.0 LU is outside 0.1..5"]


def test_the_cli_prints_one_line_per_problem_and_changes_nothing(tmp_path):
    project = new_project(tmp_path)
    path = project / "feeds" / "endringspodden.toml"
    text = path.read_text().replace('owner = { name = "Direktoratet for forvaltning og IKT (Difi)", '
                                    'email = "postmottak@difi.no" }', 'owner = "Difi"')
    path.write_text(text.replace("tolerance = 1.0", "tolerance = -1.0").replace("explicit =", "explisit ="))
    before = snapshot(project)
    proc = run_publish(project, "feed")
    assert proc.returncode == 3, proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert proc.stderr.splitlines() == [
        f"error: Config value 'explisit' in {path}: unknown key; did you mean 'explicit'?",
        f"error: Config value 'owner' in {path}: must be a table (owner.name, owner.email), got 'Difi'",
        f"error: Config value 'loudness.tolerance' in {path}: -1.0 LU is outside 0.1..5",
    ]
    assert snapshot(project) == before


def test_the_readme_reference_is_the_declaration():
    text = README.read_text(encoding="utf-8")
    start, end = text.find(REFERENCE_START), text.find(REFERENCE_END)
    assert 0 <= start < end, f"README.md has no configuration reference between {REFERENCE_START} and {REFERENCE_END}"
    assert text[start + len(REFERENCE_START):end].strip() == reference().strip(), (
        "README.md's Configuration reference differs from the declaration in pipeline/model/config.py; "
        "regenerate it: python -m pipeline.model.config README.md")


def test_the_reference_names_every_key():
    table = reference()
    assert all(f"| `{key.name}` |" in table for key in (*SITE_KEYS, *SHOW_KEYS))


# --- files written with the umask's mode, atomically ---------------------------------------------------

@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_published_and_initialised_files_get_the_umask_mode(tmp_path, umask_022):
    project = new_project(tmp_path / "project")
    site = load_site(project)
    record = write_record(site.episodes_dir, episode(site, 1))
    store = LocalStorage(project / "public")
    store.put_bytes("endringspodden/feed.xml", b"<rss/>", content_type="application/rss+xml", cache_control="")
    source = tmp_path / "source.mp3"
    source.write_bytes(b"ID3")
    store.put_file("endringspodden/2024/a.mp3", source, content_type="audio/mpeg", cache_control="")
    Image.new("RGB", (1400, 1400), (20, 80, 120)).save(tmp_path / "cover.jpg", quality=70)
    made = init_show(tmp_path / "new", "nyhetspodden", ShowDraft(
        title="N", description="D", author="Difi", email="post@difi.no", link="https://www.difi.no/n",
        artwork=tmp_path / "cover.jpg"))
    written = [record, project / "public" / "endringspodden" / "feed.xml",
               project / "public" / "endringspodden" / "2024" / "a.mp3", made.config, made.site]
    assert {str(p): oct(mode(p)) for p in written} == {str(p): "0o644" for p in written}


def test_the_mode_follows_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        write_atomically(tmp_path / "a.txt", "text")
    finally:
        os.umask(old)
    assert mode(tmp_path / "a.txt") == 0o640


def test_a_failed_write_leaves_the_old_file_and_no_temp_file(tmp_path):
    target = tmp_path / "feed.xml"
    target.write_bytes(b"old")

    def chunks():
        yield b"new, half"
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        write_atomically(target, chunks())
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["feed.xml"]
    write_atomically(target, [b"new ", b"bytes"])
    assert target.read_bytes() == b"new bytes" and [p.name for p in tmp_path.iterdir()] == ["feed.xml"]
