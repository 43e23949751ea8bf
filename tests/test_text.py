"""What a producer types or hands in as text: one rule against control characters (``model.text``), used by
every option and text file; the bounds on options and notes; people as typed. Pure: no media, no store."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from pipeline.app.episode import EpisodeRequest, check_request
from pipeline.app.publishing import check_date, check_number, check_persons
from pipeline.inputs.captions import captions_to_vtt
from pipeline.inputs.chapters import read_chapters
from pipeline.inputs.notes import NOTES_LIMIT, read_notes
from pipeline.inputs.transcripts import check_transcript
from pipeline.model.errors import ConfigError, InputError
from pipeline.model.records import Person, parse_record, render_record
from pipeline.model.text import check_text, forbidden, read_text

TODAY = dt.date(2024, 3, 1)


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\x9b",
                                  "\udcff", "\ufffe"])
def test_control_characters_and_non_characters_are_refused(char):
    with pytest.raises(InputError) as e:
        check_text(f"Endring{char}", "--title")
    assert e.value.where == "--title" and f"U+{ord(char):04X}" in e.value.message
    assert "at character 8" in e.value.message


@pytest.mark.parametrize("text", ["Endring på tvers", "Tab\there", "Emoji 🚀 og «sitat» – æøå", "Zero\u200bwidth",
                                  "\ufeffBOM"])
def test_text_is_text(text):
    assert check_text(text, "--title") == text


def test_line_breaks_only_where_text_has_lines():
    assert check_text("a\r\nb", "--description", multiline=True) == "a\r\nb"
    with pytest.raises(InputError, match="line break"):
        check_text("Kari\nNordmann", "--person")


def test_a_file_is_refused_with_its_line_and_column(tmp_path):
    path = tmp_path / "notater.md"
    path.write_text("Første linje\nAndre \x1b[2J linje\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        read_text(path)
    assert e.value.where == str(path) and e.value.message.startswith("line 2, column 7: a control character (U+001B)")
    assert forbidden("ok\n\tok", multiline=True) is None


def test_every_text_file_a_producer_hands_in_is_held_to_the_rule(tmp_path):
    bad = {"k.txt": "00:00:00 Start\x07\n", "t.txt": "Hei\x00\n", "c.vtt": "WEBVTT\n\n00:00.000 --> 00:01.000\nHei\x1b\n",
           "n.md": "Notater\x08\n"}
    for name, text in bad.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    for read, name in ((read_chapters, "k.txt"), (check_transcript, "t.txt"), (captions_to_vtt, "c.vtt"),
                       (read_notes, "n.md")):
        with pytest.raises(InputError, match="control character") as e:
            read(tmp_path / name)
        assert e.value.where == str(tmp_path / name)


def test_notes_over_the_limit_are_refused_before_they_are_read(tmp_path):
    path = tmp_path / "n.md"
    path.write_text("x" * (NOTES_LIMIT + 1), encoding="utf-8")
    with pytest.raises(InputError, match="at most 100,000 bytes") as e:
        read_notes(path)
    assert e.value.where == str(path)
    path.write_text("x" * NOTES_LIMIT, encoding="utf-8")
    assert len(read_notes(path)) == NOTES_LIMIT


@pytest.mark.parametrize("value,ok", [(1, True), (9999, True), (0, False), (10_000, False), (10 ** 12, False)])
def test_season_and_number_bounds(value, ok):
    if ok:
        assert check_number(value, "--season") == value
    else:
        with pytest.raises(InputError) as e:
            check_number(value, "--season")
        assert e.value.where == "--season" and "9999" in e.value.message


@pytest.mark.parametrize("date,ok", [(dt.date(1900, 1, 1), True), (dt.date(2029, 2, 28), True),
                                     (dt.date(1, 1, 1), False), (dt.date(1899, 12, 31), False),
                                     (dt.date(2030, 3, 2), False)])
def test_date_bounds(date, ok):
    if ok:
        assert check_date(date, TODAY) == date
    else:
        with pytest.raises(InputError) as e:
            check_date(date, TODAY)
        assert e.value.where == "--date" and "1900-01-01" in e.value.message


def test_people_as_typed_and_a_missing_role_warned_of():
    persons, warnings = check_persons(("Kari Nordmann", "Ola | host", Person("Per", "guest")), "--person", "guest",
                                      warn=True)
    assert persons == (Person("Kari Nordmann", "guest"), Person("Ola", "host"), Person("Per", "guest"))
    assert len(warnings) == 1 and "'Kari Nordmann' has no role" in warnings[0] and "as a guest" in warnings[0]
    assert check_persons(("Beth | ",), "--speaker", "speaker") == ((Person("Beth", "speaker"),), [])
    for typed in (" | host", "Kari\x08 | host", "Kari | ho\x1bst"):
        with pytest.raises(InputError) as e:
            check_persons((typed,), "--person", "guest")
        assert e.value.where == "--person"


def test_an_episode_request_is_checked_option_by_option(tmp_path):
    req = EpisodeRequest(source=tmp_path / "a.wav", show="endringspodden", title=" Endring \n på tvers ",
                         persons=("Kari Nordmann",), date=dt.date(2024, 1, 15), season=2)
    checked = check_request(req, TODAY)
    assert checked.title == "Endring på tvers" and checked.persons == (Person("Kari Nordmann", "guest"),)
    assert any("Kari Nordmann" in w for w in checked.warnings)
    for change, option in ((dict(title="Rødt\x1b[31m"), "--title"), (dict(description="Ding\x07"), "--description"),
                           (dict(description="x" * (NOTES_LIMIT + 1)), "--description"),
                           (dict(date=dt.date(1, 1, 1)), "--date"), (dict(season=10 ** 12), "--season"),
                           (dict(number=0), "--number"), (dict(persons=("Kari\x01",)), "--person")):
        with pytest.raises(InputError) as e:
            check_request(dataclasses.replace(req, **change), TODAY)
        assert e.value.where == option, (change, e.value)


def test_a_record_with_a_control_character_is_refused_naming_it(tmp_path):
    from media_fixtures import episode, site_and_show

    site, _ = site_and_show()
    text = render_record(episode(site, 1)).replace("title: Episode 1", 'title: "Episode\\x0b 1"')
    with pytest.raises(ConfigError) as e:
        parse_record(text, "episodes/endringspodden/x.md")
    assert e.value.problems == ["episodes/endringspodden/x.md, line 5: title: holds a control character (U+000B) at "
                                "character 8; remove it; fix the record, or restore it from git"]
