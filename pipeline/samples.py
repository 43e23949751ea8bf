"""Sample recordings made from Norwegian synthetic speech (espeak-ng, voice ``nb``).

Used by ``scripts/demo``, the tests and ``scripts/bench``: a host and a guest who speaks 20 dB
quieter, the classic case a podcast producer has to level.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from .runner import ffmpeg_args, run

# From the agency newsletter that announced the new season of Endringspodden.
HOST_LINES = [
    "Velkommen til Endringspodden. Endringspodden er tilbake, og denne gangen handler det om "
    "sammenhengen mellom effektivisering, felles statlige innkjøp og endringsledelse.",
    "Hva mener du skal til for å lykkes med digitaliseringsprosjekter i offentlig sektor?",
    "Takk for at du kom. Du finner den nye og tidligere podkaster på nettsidene våre.",
]
GUEST_LINES = [
    "La felles brukere være utgangspunktet for samarbeidet. Et klart definert behov er det beste "
    "utgangspunktet for samarbeid.",
    "Beskriv roller og ansvar i samarbeidet, og sørg for at det er kjent hos alle.",
]


def speak(text: str, out: Path, *, speed: int = 165, pitch: int = 50, voice: str = "nb") -> Path:
    run(["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", str(out), text])
    return out


def two_speaker_recording(out: Path, *, guest_db: float = -20.0, minutes: float | None = None,
                          sample_rate: int = 48000, channels: int = 2) -> Path:
    """A conversation: host lines at full level, guest lines ``guest_db`` quieter, with short pauses.

    With ``minutes`` the conversation is looped to that length (for benchmarks).
    """
    with tempfile.TemporaryDirectory(prefix="sample-") as tmp:
        parts = []
        for i, host in enumerate(HOST_LINES):
            parts.append((speak(host, Path(tmp) / f"h{i}.wav", pitch=40), 0.0))
            if i < len(GUEST_LINES):
                parts.append((speak(GUEST_LINES[i], Path(tmp) / f"g{i}.wav", pitch=70, speed=150), guest_db))
        inputs, chains = [], []
        for n, (path, gain) in enumerate(parts):
            inputs += ["-i", str(path)]
            chains.append(f"[{n}:a]aresample={sample_rate},volume={gain}dB,apad=pad_dur=0.6[p{n}]")
        concat = "".join(f"[p{n}]" for n in range(len(parts))) + f"concat=n={len(parts)}:v=0:a=1"
        graph = ";".join(chains) + ";" + concat
        if minutes:
            graph += f",aloop=loop=-1:size=2e9,atrim=duration={minutes * 60}"
        graph += "[out]"
        run(ffmpeg_args(*inputs, "-filter_complex", graph, "-map", "[out]", "-ac", str(channels),
                        "-ar", str(sample_rate), "-c:a", "pcm_s16le", str(out)))
    return out
