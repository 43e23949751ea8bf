"""The CLI as a process, where a process is the point: ``python -m pipeline.cli`` and the installed ``publish``
script print the lines and exit with the codes that ``run_publish`` (the CLI in the test process, which most
tests use) gives. Signals are tested in test_crash.py, other environments in test_errors.py."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PUBLISH, run_publish

CASES = [
    ("list",),  # success: exit 0
    ("feed", "--show", "nyhetspodden"),  # our error: one line, its own exit code
    ("episode", "opptak.wav", "--title", "T"),  # a path relative to the current folder
    ("episode", "opptak.wav", "--tittle", "T"),  # Click's usage error, made one line
]


@pytest.mark.parametrize("args", CASES, ids=" ".join)
def test_a_process_says_what_run_publish_says(project, args):
    inside = run_publish(project, *args)
    process = subprocess.run([*PUBLISH, "--root", str(project), *args], capture_output=True, text=True, cwd=project,
                             timeout=60)
    assert (process.returncode, process.stdout, process.stderr) == (inside.returncode, inside.stdout, inside.stderr)


def test_the_installed_entry_point_exits_with_the_error_code(project):
    script = Path(sys.executable).with_name("publish")
    if not script.is_file():
        pytest.skip("publish is not installed beside this Python")
    proc = subprocess.run([str(script), "--root", str(project), "feed", "--show", "nyhetspodden"],
                          capture_output=True, text=True, cwd=project, timeout=60)
    assert proc.returncode == 2  # an option's value: the README's exit code for options
    assert proc.stderr.startswith("error: --show: unknown show 'nyhetspodden'") and len(proc.stderr.splitlines()) == 1
