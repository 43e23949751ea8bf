"""Temporary work folders (``pipeline.app.scratch``): a run killed outright leaves its folder behind; the next
run removes it, and never the folder of a run that is still going."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import PUBLISH
from pipeline.app import scratch

pytestmark = pytest.mark.skipif(scratch.fcntl is None, reason="no file locks here: nothing is cleaned up")


def dead_pid() -> int:
    """The PID of a process that has ended."""
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(proc.stdout)


def left_behind(parent, pid: int, kind: str = "episode"):
    folder = parent / f"{scratch.PREFIX}{kind}-{pid}-abc123_x"
    folder.mkdir()
    (folder / "episode.mp3").write_bytes(b"half an encode")
    return folder


def test_a_folder_of_a_process_that_is_gone_is_removed(tmp_path):
    stale = left_behind(tmp_path, dead_pid())
    alive = left_behind(tmp_path, os.getpid())  # this process runs
    other = tmp_path / "publish-notes"  # not one of ours
    other.mkdir()
    assert scratch.remove_stale(tmp_path) == [stale]
    assert not stale.exists() and alive.exists() and other.exists()


def test_a_folder_whose_lock_is_held_is_kept(tmp_path):
    """A run whose PID this process cannot see (another PID namespace) still holds its folder's lock."""
    held = left_behind(tmp_path, dead_pid())
    fd = scratch._lock(held)
    try:
        assert scratch.remove_stale(tmp_path) == []
        assert held.exists()
    finally:
        os.close(fd)


def test_the_work_folder_is_named_for_the_run_and_locked(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(scratch.tempfile, "tempdir", None)
    with scratch.work_folder("seminar") as work:
        assert work.parent == tmp_path and work.name.startswith(f"publish-seminar-{os.getpid()}-")
        out = subprocess.run([sys.executable, "-c", "import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDWR)\n"
                              "try:\n fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB); print('free')\n"
                              "except OSError:\n print('held')", str(work / scratch.LOCK)],
                             capture_output=True, text=True)
        assert out.stdout.strip() == "held", out.stderr
    assert not work.exists()


def test_a_publish_removes_what_a_killed_one_left_and_keeps_a_running_ones(project, media, tmp_path):
    scratch_dir = tmp_path / "tmp"
    scratch_dir.mkdir()
    stale = left_behind(scratch_dir, dead_pid())
    running = left_behind(scratch_dir, os.getpid(), kind="seminar")
    # A process of its own: the temporary folder is the one TMPDIR names when a process starts.
    proc = subprocess.run([*PUBLISH, "--root", str(project), "episode", str(media["mono_speech"]), "--title",
                           "Rydder opp", "--dry-run", "--json"], capture_output=True, text=True, cwd=project,
                          env={**os.environ, "TMPDIR": str(scratch_dir)})
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["dry_run"] is True
    assert not stale.exists() and running.exists()
    assert sorted(p.name for p in scratch_dir.iterdir()) == [running.name]  # and its own folder went with it
