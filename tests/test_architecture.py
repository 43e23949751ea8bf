"""The house keeps its rooms: read the package's imports and functions (ast) and the built wheel.

Layers (README, Layout): ``cli`` may import everything and nothing imports it; ``app`` the layers below it;
``checks`` model, inputs and render; ``render`` model and inputs; ``media``, ``inputs`` and ``store`` model
only; ``model`` nothing of ours. Each third-party library has one home, and one module starts processes.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "pipeline"
ROOMS = ("cli", "app", "checks", "render", "media", "inputs", "store", "model")
MAY_IMPORT = {
    "cli": set(ROOMS),
    "app": {"app", "checks", "render", "media", "inputs", "store", "model"},
    "checks": {"checks", "render", "inputs", "model"},
    "render": {"render", "inputs", "model"},
    "media": {"media", "model"},
    "inputs": {"inputs", "model"},
    "store": {"store", "model"},
    "model": {"model"},
}
# One home for each library: the module (or room) that alone may import it.
LIBRARY_HOMES = {
    "click": "pipeline.cli",
    "rich": "pipeline.cli",
    "boto3": "pipeline.store.s3",
    "botocore": "pipeline.store.s3",
    "matplotlib": "pipeline.render.picture",
    "feedgen": "pipeline.render.feed",
    "mutagen": "pipeline.media.tagging",
    "faster_whisper": "pipeline.media.speech",
    "ctranslate2": "pipeline.media.speech",
    "jinja2": "pipeline.render.pages",
    "ffmpeg": "pipeline.media",
    "subprocess": "pipeline.media.runner",
    "multiprocessing": "pipeline.media.runner",
    "ray": "pipeline.app.cluster",  # the optional cluster extra: where a batch's jobs run
}
PROCESS_CALLS = {"fork", "forkpty", "Popen", "system", "spawnv", "spawnl", "execv", "execvp", "posix_spawn",
                 "ProcessPoolExecutor"}
LONGEST = 60  # lines of a function, decorators excluded
# Functions allowed to be longer, each with its reason.
LONG_FUNCTIONS: dict[str, str] = {}


def modules() -> dict[str, ast.Module]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = ast.parse(path.read_text(encoding="utf-8"), str(path))
    return found


def imported(module: str, tree: ast.Module) -> set[str]:
    """Every absolute module name ``module`` imports, relative imports resolved."""
    names = set()
    package = module if (PACKAGE / Path(*module.split(".")[1:]) / "__init__.py").exists() else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            names.add(target)
            names.update(f"{target}.{alias.name}" for alias in node.names)
    return names


def room(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "pipeline" and parts[1] in ROOMS else None


def test_every_module_lives_in_a_room():
    flat = [m for m in modules() if m != "pipeline" and room(m) is None]
    assert not flat, f"modules outside the rooms {ROOMS}: {flat}"


def test_layers_import_only_what_lies_below():
    wrong = []
    for module, tree in modules().items():
        here = room(module)
        if here is None:
            continue
        for name in imported(module, tree):
            there = room(name)
            if there is not None and there not in MAY_IMPORT[here]:
                wrong.append(f"{module} imports {name} ({here} may import {sorted(MAY_IMPORT[here])})")
    assert not wrong, "\n".join(sorted(set(wrong)))


def test_each_library_has_one_home():
    wrong = []
    for module, tree in modules().items():
        for name in imported(module, tree):
            top = name.split(".")[0]
            home = LIBRARY_HOMES.get(top)
            if home and not (module == home or module.startswith(home + ".")):
                wrong.append(f"{module} imports {top}, whose home is {home}")
    assert not wrong, "\n".join(sorted(set(wrong)))


def test_only_the_runner_starts_processes():
    wrong = []
    for module, tree in modules().items():
        if module == LIBRARY_HOMES["subprocess"]:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in PROCESS_CALLS:
                wrong.append(f"{module}:{node.lineno} calls {ast.unparse(node)}")
            elif isinstance(node, ast.ImportFrom) and {a.name for a in node.names} & PROCESS_CALLS:
                wrong.append(f"{module}:{node.lineno} imports {', '.join(a.name for a in node.names)}")
    assert not wrong, "\n".join(wrong)


def function_lengths():
    for module, tree in modules().items():
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield f"{module}.{node.name}", node.end_lineno - node.lineno + 1


def test_no_function_is_longer_than_60_lines():
    long = [f"{name}: {lines} lines" for name, lines in function_lengths()
            if lines > LONGEST and name not in LONG_FUNCTIONS]
    assert not long, f"functions over {LONGEST} lines (split them, or name them in LONG_FUNCTIONS with a reason):\n" \
        + "\n".join(long)


def test_named_long_functions_still_exist_and_are_long():
    lengths = dict(function_lengths())
    stale = [name for name in LONG_FUNCTIONS if lengths.get(name, 0) <= LONGEST]
    assert not stale, f"LONG_FUNCTIONS names functions that are gone or short now: {stale}"


def test_the_architecture_test_sees_a_violation(tmp_path):
    """The import reader resolves relative imports: a media module importing the app is caught."""
    tree = ast.parse("from ..app import episode\nfrom pipeline.cli import main\n")
    names = imported("pipeline.media.audio", tree)
    assert {"pipeline.app", "pipeline.app.episode", "pipeline.cli.main"} <= names
    assert {room(n) for n in names} - MAY_IMPORT["media"] == {"app", "cli"}


@pytest.mark.slow
def test_the_wheel_holds_the_product_only(tmp_path):
    # Built from a copy, so the build leaves nothing in the checkout; tools/ and tests/ are copied too, to
    # prove the build leaves them out rather than that they were absent.
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "pipeline", "tools", "tests"):
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy2
        copy(ROOT / name, source / name, **({"ignore": shutil.ignore_patterns("__pycache__", "node_modules")}
                                            if (ROOT / name).is_dir() else {}))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                    str(tmp_path), str(source)], check=True, capture_output=True)
    wheel = next(tmp_path.glob("pipeline-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    outside = [n for n in names if not (n.startswith("pipeline/") or n.startswith("pipeline-"))]
    assert not outside, f"the wheel holds files outside the package: {outside}"
    tools = [n for n in names if any(word in n for word in ("bench", "seaweed", "samples", "tests/"))]
    assert not tools, f"development tools in the wheel: {tools}"
    for needed in ("pipeline/render/templates/seminar.html", "pipeline/render/static/style.css",
                   "pipeline/cli/__main__.py"):
        assert needed in names, f"{needed} is missing from the wheel"
