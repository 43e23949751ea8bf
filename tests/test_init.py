"""``publish init SHOW``: a show's config from options or answers, artwork checked on the spot, nothing half-written."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from PIL import Image

from conftest import Finished, run_publish, snapshot
from pipeline.model.config import REQUIRED, SHOW_KEYS, SITE_KEYS, TABLE, load_show, load_site
from pipeline.app.init import ShowDraft, render_show, render_site

FLAGS = ["--title", "Nyhetspodden", "--description", "Nytt fra etaten, hver fredag.", "--author", "Difi",
         "--email", "post@difi.no", "--link", "https://www.difi.no/nyhetspodden"]


def publish(folder: Path, *args: str, answers: str | None = None) -> Finished:
    return run_publish(folder, *args, input=answers if answers is not None else "")


@pytest.fixture
def folder(tmp_path) -> Path:
    Image.new("RGB", (1400, 1400), (20, 80, 120)).save(tmp_path / "cover.jpg", quality=70)
    Image.new("RGB", (1000, 1000), (20, 80, 120)).save(tmp_path / "small.jpg", quality=70)
    Image.new("RGB", (1600, 1400), (20, 80, 120)).save(tmp_path / "wide.png")
    return tmp_path


def test_from_options_in_an_empty_folder(folder):
    proc = publish(folder, "init", "nyhetspodden", *FLAGS, "--artwork", str(folder / "cover.jpg"))
    assert proc.returncode == 0, proc.stderr
    assert "Created feeds/nyhetspodden.toml" in proc.stdout and "Created feeds/site.toml" in proc.stdout
    assert "publish episode RECORDING.wav --show nyhetspodden" in proc.stdout
    show = load_show(load_site(folder), "nyhetspodden")  # loads as every later command will load it
    assert (show.title, show.author, show.owner_email, show.language, show.category) == (
        "Nyhetspodden", "Difi", "post@difi.no", "no", "Government")
    assert show.loudness.integrated == -16.0 and show.kind == "podcast" and not show.explicit
    assert show.artwork == folder / "feeds" / "nyhetspodden.jpg"
    assert show.artwork.read_bytes() == (folder / "cover.jpg").read_bytes()
    assert load_site(folder).website == "https://www.difi.no"
    assert (folder / "episodes").is_dir()
    listed = publish(folder, "list")
    assert listed.returncode == 0 and "Nothing published yet." in listed.stdout


def test_json_output(folder):
    proc = publish(folder, "init", "seminarer", *FLAGS, "--artwork", str(folder / "cover.jpg"), "--kind", "seminar",
                   "--loudness", "-23", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"show": "seminarer", "config": "feeds/seminarer.toml",
                                       "artwork": "feeds/seminarer.jpg", "site": "feeds/site.toml"}
    show = load_show(load_site(folder), "seminarer")
    assert show.kind == "seminar" and show.loudness.integrated == -23.0


def test_asks_for_what_is_missing_and_again_when_an_answer_is_wrong(folder):
    answers = "\n".join(["Min podd", "Om ting som skjer.", "Difi", "ikke-en-adresse", "post@difi.no", "difi.no",
                         "https://www.difi.no/min-podd", str(folder / "small.jpg"), str(folder / "cover.jpg")]) + "\n"
    proc = publish(folder, "init", "min-podd", answers=answers)
    assert proc.returncode == 0, proc.stderr
    assert "'ikke-en-adresse' is not an e-mail address" in proc.stderr
    assert "'difi.no' is not a web address" in proc.stderr
    assert "1000x1000 px; artwork must be between 1400 and 3000 px" in proc.stderr
    show = load_show(load_site(folder), "min-podd")
    assert (show.title, show.description, show.owner_email) == ("Min podd", "Om ting som skjer.", "post@difi.no")


def test_bad_artwork_is_refused_on_the_spot_and_nothing_is_written(folder):
    before = snapshot(folder)
    proc = publish(folder, "init", "nyhetspodden", *FLAGS, "--artwork", str(folder / "wide.png"))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"error: Invalid value for '--artwork': {folder / 'wide.png'}: not square (1600x1400 px) "
        "(see 'publish init --help')"]
    assert snapshot(folder) == before


def test_without_answers_it_names_the_missing_options(folder):
    proc = publish(folder, "init", "nyhetspodden", "--title", "Nyhetspodden")
    assert proc.returncode == 2
    assert ("no answer for: --description --author --email --link --artwork; give them as options"
            in proc.stderr.splitlines()[-1])
    assert not (folder / "feeds").exists()


def test_an_existing_show_is_kept_unless_forced(folder):
    args = ["init", "nyhetspodden", *FLAGS, "--artwork", str(folder / "cover.jpg")]
    assert publish(folder, *args).returncode == 0
    config = folder / "feeds" / "nyhetspodden.toml"
    first = config.read_text()
    proc = publish(folder, *args[:3], "Nytt navn", *args[4:])
    assert proc.returncode == 2 and "already exists; edit it, or run `publish init` with --force" in proc.stderr
    assert config.read_text() == first
    proc = publish(folder, *args[:3], "Nytt navn", *args[4:], "--force")
    assert proc.returncode == 0, proc.stderr
    assert load_show(load_site(folder), "nyhetspodden").title == "Nytt navn"
    assert "Created feeds/site.toml" not in proc.stdout  # the site config is never replaced


@pytest.mark.parametrize("name", ["Nyhetspodden", "nyhets_podden", "søndagspodden", "site"])
def test_show_names_that_cannot_be_feed_addresses(folder, name):
    proc = publish(folder, "init", name, *FLAGS, "--artwork", str(folder / "cover.jpg"))
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "a show's name is lower-case" in proc.stderr or "'site' is taken" in proc.stderr


def test_text_with_quotes_and_newlines_round_trips_through_toml():
    draft = ShowDraft(title='«Endring» og "omstilling"', description="Linje én.\nLinje to med \\ og \t.",
                      author="Difi", email="post@difi.no", link="https://www.difi.no", artwork=Path("x.jpg"))
    data = tomllib.loads(render_show(draft, "x.jpg"))
    assert data["title"] == draft.title and data["description"] == draft.description
    assert data["owner"] == {"name": "Difi", "email": "post@difi.no"} and data["loudness"]["integrated"] == -16.0


@pytest.mark.parametrize("keys, text", [
    (SHOW_KEYS, render_show(ShowDraft(title="T", description="D", author="Difi", email="post@difi.no",
                                      link="https://www.difi.no", artwork=Path("x.jpg")), "x.jpg")),
    (SITE_KEYS, render_site("https://www.difi.no")),
])
def test_defaults_and_comments_come_from_the_declaration(keys, text):
    data = tomllib.loads(text)
    comments = " ".join(line.removeprefix("# ") for line in text.splitlines() if line.startswith("# "))
    for key in keys:
        table, _, leaf = key.name.rpartition(".")
        value = (data.get(table, {}) if table else data).get(leaf)
        if value is None or key.type is TABLE:
            continue
        assert key.help in comments, f"{key.name}: its help is not the comment above it"
        if key.default not in (None, REQUIRED) and key.name != "website":  # the website is init's to say
            assert value == key.default, key.name
