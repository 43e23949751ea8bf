"""scripts/bench --quick runs to the end and prints every row, so the benchmark does not rot.

Asserts nothing about time: the figures depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tools import bench

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_quick_bench_completes_and_prints_every_row(tmp_path):
    results = tmp_path / "results.json"
    picture = tmp_path / "bench.png"
    proc = subprocess.run([str(ROOT / "scripts" / "bench"), "--quick", "--json", str(results), "--chart", str(picture)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout

    assert out.startswith("machine: nproc "), out[:200]
    assert "measurement" in out and "wall med s" in out and "RSS tree MB" in out and "÷floor" in out

    data = json.loads(results.read_text())
    assert data["mode"] == "quick"
    ids = [row["id"] for row in data["rows"]]
    expected = ["audio.publish", "audio.media", "audio.normalize", "audio.floor", "feed.100", "feed.1000", "stats.count"]
    if bench.s3_available() is None:
        expected += ["storage.put_file", "storage.upload_file", "storage.publish-into-show"]
    if bench.seminar_available() is None:
        expected += ["video.seminar", "video.remux", "video.transcode", "video.camera", "video.phone"]
    else:
        assert "video: not measured (publish seminar not available" in out
    speech = bench.speech_available() is None
    if speech:
        expected += ["speech.unbatched", "speech.batched", "speech.seminar-given", "speech.seminar-auto"]
    else:
        assert "speech: not measured" in out
    expected += [f"batch.{task}.local" for task in bench.BATCH_TASKS]
    try:
        import ray  # noqa: F401
        expected += [f"batch.{task}.ray" for task in bench.BATCH_TASKS]
    except ImportError:
        assert "batch: Ray not measured" in out
    assert set(expected) <= set(ids), f"missing rows: {set(expected) - set(ids)}"
    for row in data["rows"]:
        assert row["label"] in out, f"row {row['id']} not printed"
        assert row["runs"] == 1 and row["failed"] == 0, (row["id"], row["errors"])
        assert row["wall_median"] is not None and row["cpu_median"] is not None
    for row_id in ("audio.publish", "audio.media", "audio.normalize", "audio.floor"):
        loudness = next(r for r in data["rows"] if r["id"] == row_id)["data"]["loudness"][0]
        assert loudness["integrated"] is not None and loudness["true_peak"] is not None

    rows = {row["id"]: row for row in data["rows"]}
    if speech:  # scored against the known text the recording was made from
        for row_id in ("speech.unbatched", "speech.batched"):
            got = rows[row_id]["data"]
            assert got["rtf"][0] > 0 and 0 <= got["wer"][0] <= 2, got
            assert got["timing"][0]["sentences"] >= 3 and got["words_known"] > 20
        assert "extra_s" in rows["speech.seminar-auto"]["data"]
        assert rows["speech.seminar-auto"]["data"]["timing"][0]["sentences"] >= 3

    from PIL import Image

    with Image.open(picture) as image:  # the goals as a picture, drawn from the same results
        assert image.format == "PNG" and image.width > 600 and image.height > 400
    assert f"chart: {picture}" in out

    assert "goals (issue #6)" in out
    assert len(data["goals"]) == 11
    for goal in data["goals"]:
        assert goal["status"] in ("MET", "NOT MET", "NOT MEASURED")
        assert f"{goal['goal']}: {goal['figures']}" in out
