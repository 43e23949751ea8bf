"""Sample recordings made from Norwegian synthetic speech (espeak-ng, voice ``nb``).

Used by ``scripts/demo``, the tests and ``scripts/bench``: a host and a guest who speaks 20 dB
quieter, the classic case a podcast producer has to level.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from pipeline.media.runner import ffmpeg_args, run

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


SEMINAR_LINES = [
    "Velkommen til Endring til frokost. I dag skal Ruter fortelle om hvordan de jobber for å tilpasse seg fremtiden.",
    "Fokus på brukere og effekt, design og pilotering, mennesker og teknologi er stikkord.",
]


def seminar_recording(folder: Path, *, seconds: float | None = None) -> dict[str, Path]:
    """A sample seminar: a 640x360 H.264/AAC MP4 (a test pattern and Norwegian speech), slides as PDF,
    and WebVTT captions of what is said."""
    from PIL import Image, ImageDraw, ImageFont

    folder.mkdir(parents=True, exist_ok=True)
    speech = folder / "seminar-speech.wav"
    two_speaker_recording(speech, guest_db=-12.0)
    video = folder / "seminar-sample.mp4"
    duration = seconds or 40
    run(ffmpeg_args("-f", "lavfi", "-i", f"testsrc2=s=640x360:r=25:d={duration}", "-i", str(speech),
                    "-map", "0:v", "-map", "1:a", "-shortest", "-c:v", "libx264", "-preset", "veryfast",
                    "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "96k", str(video)))
    pages = []
    for title in ("Nye arbeidsmåter for fremtidens løsninger", "Brukere og effekt", "Design og pilotering"):
        page = Image.new("RGB", (1280, 720), "white")
        ImageDraw.Draw(page).text((80, 300), title, fill=(0, 59, 92), font=ImageFont.load_default(size=56))
        pages.append(page)
    slides = folder / "seminar-slides.pdf"
    pages[0].save(slides, save_all=True, append_images=pages[1:])
    captions = folder / "seminar-captions.vtt"
    captions.write_text("WEBVTT\n\n00:00:00.000 --> 00:00:06.000\n" + SEMINAR_LINES[0] + "\n\n"
                        "00:00:06.000 --> 00:00:12.000\n" + SEMINAR_LINES[1] + "\n", encoding="utf-8")
    return {"video": video, "slides": slides, "captions": captions}


if __name__ == "__main__":
    import sys

    if len(sys.argv) == 3 and sys.argv[1] == "seminar":
        for role, path in seminar_recording(Path(sys.argv[2])).items():
            print(f"{role}: {path}")
    else:
        sys.exit("usage: python -m tools.samples seminar FOLDER")
