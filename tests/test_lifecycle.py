"""Episode lifecycle: retract, re-publish, future-dated and move each keep every other episode's GUID and
enclosure unchanged (the feeds compared before and after), and the show's podcast:guid stays."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest

from conftest import run_publish
from media_fixtures import (NS, PAST, channel, enclosures, feed_bytes, items, new_project, publish, set_show_value,
                            tones)  # noqa: F401 (tones is a fixture)
from pipeline.model.config import load_show, load_site, show_ids
from pipeline.model.errors import InputError
from pipeline.app.retract import find_episode, retract_episode
from pipeline.render.podcastns import podcast_guid
from pipeline.app.regenerate import regenerate_feed
from pipeline.model.records import load_records


@pytest.fixture(scope="module")
def three(tmp_path_factory, tones):
    """A show with three published episodes; each test works on its own copy."""
    project = new_project(tmp_path_factory.mktemp("three"))
    guids = {}
    for name, day in (("a", 5), ("b", 12), ("c", 19)):
        out = publish(project, tones[name], f"Episode {name.upper()}", date=dt.date(2024, 1, day), season=1,
                      number=day // 7 + 1, description=f"Om {name}.")
        guids[name] = out.episode.guid
    return project, guids


@pytest.fixture
def show(three, tmp_path):
    project, guids = three
    copy = tmp_path / "project"
    shutil.copytree(project, copy)
    return copy, guids


def others_unchanged(before: bytes, after: bytes, *, except_: set[str]) -> None:
    """Every item but ``except_`` is byte-for-byte the same item (GUID, enclosure and all)."""
    old, new = items(before), items(after)
    for guid, item in old.items():
        if guid not in except_:
            assert new.get(guid) == item, f"item {guid} changed"
    for guid in set(old) - except_:
        assert enclosures(before)[guid] == enclosures(after)[guid]


def podcast_guid_of(data: bytes) -> str:
    return channel(data).findtext("podcast:guid", namespaces=NS)


def test_retract_by_guid_prefix(show):
    project, guids = show
    before = feed_bytes(project)
    proc = run_publish(project, "retract", guids["b"][:8])
    assert proc.returncode == 0, proc.stderr
    assert f"GUID {guids['b']} stays reserved" in proc.stdout
    after = feed_bytes(project)
    assert set(items(after)) == {guids["a"], guids["c"]}
    others_unchanged(before, after, except_={guids["b"]})
    assert podcast_guid_of(after) == podcast_guid_of(before)
    # The store's manifest and the record both say so: the GUID stays reserved.
    manifest = json.loads((project / "public" / "_manifests" / "endringspodden" / f"{guids['b']}.json").read_text())
    assert manifest["retracted"] is True
    [record] = [e for e in load_records(project / "episodes", "endringspodden") if e.guid == guids["b"]]
    assert record.retracted
    assert "(retracted)" in run_publish(project, "list").stdout
    # Retracting again changes nothing; `publish feed` keeps it out.
    again = run_publish(project, "retract", "episode-b", "--json")
    assert again.returncode == 0 and json.loads(again.stdout)["already_retracted"] is True
    assert run_publish(project, "feed").returncode == 0
    assert feed_bytes(project) == after


def test_publish_feed_counts_the_items_it_lists(show):
    """A retracted item stays in the store, not in the feed, and not in the count `publish feed` prints."""
    project, guids = show
    assert run_publish(project, "retract", guids["b"][:8]).returncode == 0
    proc = run_publish(project, "feed", "--show", "endringspodden")
    assert proc.returncode == 0, proc.stderr
    assert "endringspodden: 2 item(s)" in proc.stdout, proc.stdout
    as_json = run_publish(project, "feed", "--show", "endringspodden", "--json")
    assert json.loads(as_json.stdout)[0]["episodes"] == 2


def test_retracting_the_last_item_takes_it_out_of_the_feed(show):
    """The feed apps subscribed to is written without items, so they drop the last one too; it warns, and
    `publish check` says Apple refuses such a feed."""
    project, guids = show
    for name in ("a", "b"):
        assert run_publish(project, "retract", guids[name][:8]).returncode == 0
    result = retract_episode(load_site(project), guids["c"][:8])
    assert items(feed_bytes(project)) == {} and result.feed.episodes == []
    assert any("lists no items now" in w for w in result.feed.warnings), result.feed.warnings
    proc = run_publish(project, "check", "--show", "endringspodden")
    assert proc.returncode == 6 and "items: the feed has no <item>" in proc.stderr, proc.stderr


def test_a_new_show_has_no_feed_until_its_first_item(tmp_path):
    """Apple refuses a feed without items: `publish feed` of a new show writes nothing, and says why."""
    project = new_project(tmp_path)
    proc = run_publish(project, "feed", "--show", "endringspodden")
    assert proc.returncode == 0, proc.stderr
    assert "warning: no published items yet: endringspodden/feed.xml was not written" in proc.stderr
    assert "endringspodden: 0 item(s), feed unchanged" in proc.stdout
    assert not (project / "public").exists() or not any(p.is_file() for p in (project / "public").rglob("*"))


def test_every_show_has_its_feed_regenerated(tmp_path):
    """`publish feed` without --show: every show's feed, the seminar series' video podcast too."""
    project = new_project(tmp_path)
    proc = run_publish(project, "feed", "--json")
    assert proc.returncode == 0, proc.stderr
    assert [r["show"] for r in json.loads(proc.stdout)] == show_ids(load_site(project))
    assert "seminarer" in show_ids(load_site(project))


def test_retracted_guid_is_never_reused(show, tones):
    project, guids = show
    retract_episode(load_site(project), guids["b"], today=PAST)
    with pytest.raises(InputError, match="retracted"):
        publish(project, tones["b"], "Episode B", date=dt.date(2024, 1, 12))


def test_retract_refuses_unknown_and_ambiguous_references(show):
    project, guids = show
    proc = run_publish(project, "retract", "finnes-ikke")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "no published episode" in proc.stderr
    site = load_site(project)
    episodes = load_records(site.episodes_dir, "endringspodden")
    assert find_episode(episodes, "episode-a").guid == guids["a"]
    assert find_episode(episodes, guids["c"]).guid == guids["c"]
    with pytest.raises(InputError, match="at least|no published"):
        find_episode(episodes, guids["a"][:2])  # too short to be a prefix


def test_republish_updates_metadata_and_keeps_the_guid(show, tones):
    project, guids = show
    before = feed_bytes(project)
    out = publish(project, tones["a"], "Episode A", date=dt.date(2024, 1, 5), season=1, number=1,
                  description="Om a, nå med mer.")
    assert out.episode.guid == guids["a"]
    after = feed_bytes(project)
    others_unchanged(before, after, except_={guids["a"]})
    item = next(i for i in channel(after).findall("item") if i.findtext("guid") == guids["a"])
    assert item.findtext("description") == "Om a, nå med mer."
    assert set(items(after)) == set(items(before))


def test_future_dated_episode_waits_for_its_day(show, tones):
    project, guids = show
    before = feed_bytes(project)
    day = PAST + dt.timedelta(days=3)
    out = publish(project, tones["d"], "Episode D", date=day, today=PAST)
    assert feed_bytes(project) == before  # in the store, not in the feed
    site = load_site(project)
    regenerate_feed(site, load_show(site, "endringspodden"), today=day - dt.timedelta(days=1))
    assert out.episode.guid not in items(feed_bytes(project))
    regenerate_feed(site, load_show(site, "endringspodden"), today=day)
    after = feed_bytes(project)
    assert out.episode.guid in items(after)
    others_unchanged(before, after, except_=set())


def test_future_dated_through_the_cli(show, tones, tmp_path):
    """`publish episode --date` tomorrow (by the real clock): published with its transcripts, but not in the feed."""
    project, guids = show
    vtt, txt = tmp_path / "i-morgen.vtt", tmp_path / "i-morgen.txt"
    vtt.write_text("WEBVTT\n\n00:00:00.000 --> 00:00:03.000\nI morgen.\n")
    txt.write_text("I morgen.\n")
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    proc = run_publish(project, "episode", str(tones["e"]), "--title", "I morgen", "--date", tomorrow.isoformat(),
                       "--transcript", str(vtt), "--transcript", str(txt), "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert {"transcript-vtt", "transcript-txt"} <= set(out["renditions"])
    assert out["renditions"]["transcript-vtt"]["type"] == "text/vtt"
    assert (project / "public" / out["renditions"]["transcript-txt"]["url"].split("/", 3)[3]).read_text() == "I morgen.\n"
    assert out["guid"] not in items(feed_bytes(project))
    assert run_publish(project, "check").returncode == 0


def test_move_to_a_new_feed_url_keeps_guids_and_enclosures(show):
    project, guids = show
    before = feed_bytes(project)
    first_guid = podcast_guid_of(before)
    assert first_guid == podcast_guid("http://127.0.0.1:8000/endringspodden/feed.xml")
    # 1. The old feed points to the new one.
    set_show_value(project, "endringspodden", 'new_feed_url = "https://podkast.example.no/endringspodden/feed.xml"')
    assert run_publish(project, "feed").returncode == 0
    moved = feed_bytes(project)
    assert channel(moved).findtext("itunes:new-feed-url", namespaces=NS) == "https://podkast.example.no/endringspodden/feed.xml"
    assert podcast_guid_of(moved) == first_guid
    others_unchanged(before, moved, except_=set())
    # 2. The feed served from its new address: the podcast:guid assigned first stays.
    site_toml = project / "feeds" / "site.toml"
    site_toml.write_text(site_toml.read_text().replace("http://127.0.0.1:8000", "https://podkast.example.no"))
    (project / "feeds" / "endringspodden.toml").write_text(
        (project / "feeds" / "endringspodden.toml").read_text().replace("new_feed_url", "# new_feed_url"))
    proc = run_publish(project, "feed")
    assert proc.returncode == 0, proc.stderr
    served = feed_bytes(project)
    assert channel(served).find("atom:link", NS).get("href") == "https://podkast.example.no/endringspodden/feed.xml"
    assert podcast_guid_of(served) == first_guid != podcast_guid("https://podkast.example.no/endringspodden/feed.xml")
    assert enclosures(served) == enclosures(before)
    assert set(items(served)) == set(items(before))


def test_configured_podcast_guid_wins(show):
    """A show brought from another host keeps the podcast:guid it had there."""
    project, _ = show
    set_show_value(project, "endringspodden", 'podcast_guid = "917393e3-1b1e-5cef-ace4-edaa54e1f810"')
    assert run_publish(project, "feed").returncode == 0
    assert podcast_guid_of(feed_bytes(project)) == "917393e3-1b1e-5cef-ace4-edaa54e1f810"
