"""Errors that teach: each names what is wrong and how to fix it, in one line, with a non-zero exit."""

from __future__ import annotations

import os
import subprocess

import pytest

from conftest import PUBLISH, run_publish, snapshot
from pipeline.media.runner import install_hint


def one_error_line(proc: subprocess.CompletedProcess) -> str:
    lines = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    return lines[0]


def test_ffmpeg_missing_says_how_to_install_it(project, media, tmp_path):
    empty = tmp_path / "bin"
    empty.mkdir()
    proc = subprocess.run([*PUBLISH, "--root", str(project), "episode", str(media["mono_speech"]), "--title", "T"],
                          capture_output=True, text=True, cwd=project, env={**os.environ, "PATH": str(empty)})
    assert proc.returncode == 4
    line = one_error_line(proc)
    assert "was not found on PATH; install it with: " in line and "ffmpeg" in line


def test_a_wrong_ffmpeg_path_names_the_variable(project, media):
    before = snapshot(project)
    proc = run_publish(project, "episode", str(media["mono_speech"]), "--title", "T",
                       env={"FFMPEG_PATH": "/nowhere/ffmpeg", "FFPROBE_PATH": "/nowhere/ffprobe"})
    assert proc.returncode == 4
    line = one_error_line(proc)
    assert "_PATH=/nowhere/ff" in line and "is not an executable file" in line and "or unset" in line
    assert snapshot(project) == before


@pytest.mark.parametrize("platform, command", [("linux", "sudo apt-get install ffmpeg"),
                                               ("darwin", "brew install ffmpeg"),
                                               ("win32", "winget install Gyan.FFmpeg")])
def test_install_hint_fits_the_machine(platform, command):
    assert command in install_hint(platform)


def test_unknown_show_lists_the_shows(project, media):
    proc = run_publish(project, "episode", str(media["mono_speech"]), "--title", "T", "--show", "nyhetspodden")
    assert proc.returncode == 2  # an option error, as the README's table says (issue 12; it was 3)
    line = one_error_line(proc)
    assert "--show: unknown show 'nyhetspodden'" in line and "endringspodden, seminarer" in line


def test_s3_without_credentials_names_the_variables(project):
    pytest.importorskip("boto3")
    (project / "feeds" / "site.toml").write_text('storage = "s3://podcast/prod"\nbase_url = "https://media.example.no"\n')
    keep = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env = {**keep, "HOME": str(project), "AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
           "AWS_SHARED_CREDENTIALS_FILE": str(project / "none"), "AWS_CONFIG_FILE": str(project / "none")}
    proc = subprocess.run([*PUBLISH, "--root", str(project), "feed"], capture_output=True, text=True, cwd=project,
                          env=env, timeout=60)
    assert proc.returncode == 5
    line = one_error_line(proc)
    assert "AWS_ACCESS_KEY_ID" in line and "AWS_SECRET_ACCESS_KEY" in line and "s3://podcast/prod" in line


def test_a_mistyped_option_suggests_the_right_one(project, media):
    proc = run_publish(project, "episode", str(media["mono_speech"]), "--tittle", "T")
    assert proc.returncode == 2
    assert "Did you mean '--title'?" in one_error_line(proc)

