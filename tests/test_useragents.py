"""The OPAWG list's own examples (tests/data/opawg/*.examples.json, vendored with the patterns) as test cases:
each example names its entry, and no app's example is taken for a bot nor a bot's for a listener."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.inputs.useragents import classify, first, lists

EXAMPLES = Path(__file__).resolve().parent / "data" / "opawg"


def examples(name: str) -> list[tuple[str, str]]:
    data = json.loads((EXAMPLES / f"{name}.examples.json").read_text(encoding="utf-8"))
    return [(e["name"], ua) for e in data["entries"] for ua in e.get("examples", [])]


@pytest.mark.parametrize("name", ["apps", "bots", "browsers", "devices", "libraries"])
def test_every_example_matches_its_own_entry(name):
    wrong = [(entry, ua) for entry, ua in examples(name)
             if not any(n == entry and p.search(ua) for n, p, _ in lists()[name])]
    assert wrong == []


def test_bots_are_bots_and_apps_are_listeners():
    assert all(classify(ua).bot for _, ua in examples("bots"))
    apps = examples("apps")
    listeners = [ua for _, ua in apps if not classify(ua).bot]
    assert len(listeners) >= 0.95 * len(apps)  # a few apps' examples are also on the bot list (pre-fetchers)


def test_an_app_is_named_with_its_device_and_platform():
    agent = classify("AppleCoreMedia/1.0.0.20E252 (iPhone; U; CPU OS 16_4_1 like Mac OS X; nb_no)")
    assert (agent.device, agent.platform, agent.bot) == ("Apple iPhone", "mobile", False)
    apple = "Podcasts/1600.3 CFNetwork/1399 Darwin/22.1.0"
    assert classify(apple).app == first("apps", apple)[0] != "unknown"
    watch = classify("atc/1.0 watchOS/9.1 model/Watch6,2 hwp/t8301 build/20S75 (6; dt:263) AMS/1")
    assert watch.platform == "watch"
    assert classify("").bot and classify("curl/8.0.1").bot
