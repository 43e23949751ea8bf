"""Benchmarks for issue #6 (and #13's speech recognition, #14's batch, #15's download counts): our pipeline against what producers would compare it with.

``scripts/bench`` runs :func:`main`. Every measured command is a subprocess, run under ``/usr/bin/time``
(wall, user+sys CPU of the whole waited-for tree, largest single RSS) while a sampler thread polls
``/proc`` and sums the RSS of the process tree (what the machine actually holds at once). Commands of
one group alternate run by run, so a slow patch of the machine hits every contender alike.

Inputs are made here, once, in the cache folder (``.bench/``): the two-speaker espeak-ng recording
(30 min; 20 s with ``--quick``), a 2-hour one (full mode only), video made with lavfi, a random file
to upload, and for the speech section a recording of known sentences (``tools/bench-speech.txt``, from
the agency's newsletter) spoken by espeak-ng at known offsets (30 min; 40 s with ``--quick``), so the
word error rate and the caption timing are measured against the text it was made from; and for the batch
section (issue 14) short espeak-ng clips published into a throwaway project, each ``publish batch`` run on a
fresh copy of it. Results go to ``.bench/results.json`` as well as to the printed table.

Nothing in the pipeline imports this module; only the standard library is imported at the top so the
small child entries (``python -c "import tools.bench as b; b.feed_child(...)"``) start fast.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
PYTHON = sys.executable
TIME = "/usr/bin/time"
SHOW = "endringspodden"
TARGET_I, TARGET_TP, TARGET_LRA = -16.0, -1.0, 8.0
MB = 1_000_000
SAMPLE_EVERY = 0.1  # seconds between /proc samples of the process tree


# --- sizes -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Sizes:
    runs: int
    audio_s: float
    long_audio_s: float | None  # the memory row (full mode only)
    video_s: float
    transcode_s: float  # the non-compliant input: its length decides only how long we wait
    feeds: tuple[int, int]
    upload_mb: int
    show_episodes: int
    speech_s: float = 30 * 60  # the known-text recording the speech section transcribes
    speech_runs: int = 1  # a 30-minute transcription takes minutes: once each unless --runs says otherwise
    batch_items: int = 8  # the batch section's items (alternately 3 s and 12 s of speech)

    @classmethod
    def for_mode(cls, quick: bool, runs: int | None = None) -> "Sizes":
        if quick:
            return cls(runs=runs or 1, audio_s=20, long_audio_s=None, video_s=10, transcode_s=10,
                       feeds=(100, 1000), upload_mb=20, show_episodes=100, speech_s=40, speech_runs=runs or 1,
                       batch_items=4)
        return cls(runs=runs or 3, audio_s=30 * 60, long_audio_s=2 * 3600, video_s=30 * 60, transcode_s=120,
                   feeds=(1000, 10000), upload_mb=200, show_episodes=1000, speech_s=30 * 60, speech_runs=runs or 1)


# --- measuring one command --------------------------------------------------------------------------

@dataclass
class Sample:
    wall: float
    cpu: float  # user + sys of the command and every child it waited for
    rss_max_kb: int  # the largest single process of the tree (wait4's ru_maxrss, as /usr/bin/time %M)
    rss_tree_kb: int  # peak of the summed RSS of the whole tree, sampled from /proc
    pss_tree_kb: int = 0  # the same for PSS (shared library pages counted once)
    by_name_kb: dict[str, int] = field(default_factory=dict)  # peak summed RSS per command name
    ok: bool = True
    error: str = ""
    load1: float = 0.0  # the machine's 1-minute load average when the command started


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{task}/children") as f:
                    kids += [int(x) for x in f.read().split()]
            except OSError:
                pass
    except OSError:
        pass
    return kids


def _rss_kb(pid: int) -> tuple[str, int, int] | None:
    """(command name, RSS kB, PSS kB) of ``pid``; PSS counts shared pages (libraries) once across the tree."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
        with open(f"/proc/{pid}/statm") as f:
            pages = int(f.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    rss = pages * (os.sysconf("SC_PAGE_SIZE") // 1024)
    pss = rss
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            m = re.search(r"^Pss:\s+(\d+) kB", f.read(), re.M)
            pss = int(m.group(1)) if m else rss
    except OSError:
        pass
    name = stat[stat.find("(") + 1:stat.rfind(")")]
    return name, rss, pss


class TreeSampler(threading.Thread):
    """Polls the process tree under ``root_pid`` and keeps the peak of its summed RSS.

    ``skip_root``: the root is /usr/bin/time, which is not part of what we measure.
    """

    def __init__(self, root_pid: int, skip_root: bool):
        super().__init__(daemon=True)
        self.root_pid, self.skip_root = root_pid, skip_root
        self.peak_kb = 0
        self.peak_pss_kb = 0
        self.by_name: dict[str, int] = {}
        self._halt = threading.Event()

    def sample(self) -> None:
        pids, todo = [], [self.root_pid]
        while todo:
            pid = todo.pop()
            pids.append(pid)
            todo += _children(pid)
        total, total_pss, names = 0, 0, {}
        for pid in pids:
            if self.skip_root and pid == self.root_pid:
                continue
            got = _rss_kb(pid)
            if got:
                name = "python" if got[0].startswith("python") or got[0] == "publish" else got[0]
                total += got[1]
                total_pss += got[2]
                names[name] = names.get(name, 0) + got[1]
        self.peak_kb = max(self.peak_kb, total)
        self.peak_pss_kb = max(self.peak_pss_kb, total_pss)
        for k, v in names.items():
            self.by_name[k] = max(self.by_name.get(k, 0), v)

    def run(self) -> None:
        while not self._halt.is_set():
            self.sample()
            self._halt.wait(SAMPLE_EVERY)

    def stop(self) -> None:
        self._halt.set()
        self.join()


def timed(cmd: list[str], *, env: dict | None = None, cwd: Path | None = None,
          stdout: Path | None = None) -> tuple[Sample, str]:
    """Run ``cmd`` and measure it. Returns the sample and the command's stdout (also written to ``stdout``)."""
    use_time = Path(TIME).is_file()
    with tempfile.NamedTemporaryFile("r", prefix="bench-time-", suffix=".txt", delete=False) as tf:
        time_out = tf.name
    full = [TIME, "-o", time_out, "-f", "%e %U %S %M", *cmd] if use_time else cmd
    out_f = tempfile.TemporaryFile("w+b")
    err_f = tempfile.TemporaryFile("w+b")
    load1 = os.getloadavg()[0]
    t0 = time.perf_counter()
    proc = subprocess.Popen(full, stdin=subprocess.DEVNULL, stdout=out_f, stderr=err_f,
                            env={**os.environ, **(env or {})}, cwd=cwd)
    sampler = TreeSampler(proc.pid, skip_root=use_time)
    sampler.sample()
    sampler.start()
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    sampler.stop()
    out_f.seek(0)
    err_f.seek(0)
    out, err = out_f.read().decode(errors="replace"), err_f.read().decode(errors="replace")
    out_f.close()
    err_f.close()
    if stdout is not None:
        stdout.write_text(out)
    rss_max, cpu = ru.ru_maxrss, ru.ru_utime + ru.ru_stime
    if use_time:
        try:
            fields = Path(time_out).read_text().strip().splitlines()[-1].split()
            wall, cpu, rss_max = float(fields[0]), float(fields[1]) + float(fields[2]), int(fields[3])
        except (OSError, IndexError, ValueError):
            pass  # the command was killed by a signal: time printed a note first; keep wait4's figures
    Path(time_out).unlink(missing_ok=True)
    s = Sample(wall=wall, cpu=cpu, rss_max_kb=rss_max, rss_tree_kb=sampler.peak_kb,
               pss_tree_kb=sampler.peak_pss_kb, by_name_kb=sampler.by_name, load1=load1)
    if proc.returncode != 0:
        lines = [ln for ln in err.strip().splitlines() if ln.strip() and not ln.startswith("Command exited")]
        s.ok, s.error = False, f"exit {proc.returncode}: {lines[-1] if lines else 'no output'}"[:200]
    return s, out


# --- rows ---------------------------------------------------------------------------------------------

@dataclass
class Row:
    id: str
    label: str
    role: str = "ours"  # ours | peer | floor | info
    peer: str | None = None  # the id of the row to divide by
    floor: str | None = None
    samples: list[Sample] = field(default_factory=list)
    figures: str = ""
    data: dict = field(default_factory=dict)
    note: str = ""  # e.g. why a row's wall is an in-process figure
    wall_override: list[float] | None = None  # in-process times (feed render, upload) instead of process wall

    @property
    def ok_samples(self) -> list[Sample]:
        return [s for s in self.samples if s.ok]

    @property
    def errors(self) -> list[str]:
        return [s.error for s in self.samples if not s.ok]

    def walls(self) -> list[float]:
        if self.wall_override is not None:
            return self.wall_override
        return [s.wall for s in self.ok_samples]

    def stats(self) -> dict:
        w = self.walls()
        ok = self.ok_samples
        return {
            "runs": len(self.samples),
            "failed": len(self.errors),
            "wall_median": statistics.median(w) if w else None,
            "wall_min": min(w) if w else None,
            "wall_max": max(w) if w else None,
            "cpu_median": statistics.median([s.cpu for s in ok]) if ok else None,
            "rss_max_mb": max(s.rss_max_kb for s in ok) * 1024 / MB if ok else None,
            "rss_tree_mb": max(s.rss_tree_kb for s in ok) * 1024 / MB if ok else None,
            "pss_tree_mb": max(s.pss_tree_kb for s in ok) * 1024 / MB if ok else None,
        }


class Results:
    def __init__(self, mode: str, sizes: Sizes):
        self.mode, self.sizes = mode, sizes
        self.rows: dict[str, Row] = {}
        self.skipped: list[str] = []  # lines such as "video: not measured (...)"
        self.machine = machine_info()
        self.started = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        self.merged_from: str | None = None

    def add(self, row: Row) -> Row:
        self.rows[row.id] = row
        return row

    def ratio(self, row: Row, other_id: str | None) -> float | None:
        other = self.rows.get(other_id) if other_id else None
        if other is None:
            return None
        a, b = row.stats()["wall_median"], other.stats()["wall_median"]
        return a / b if a and b else None

    def to_json(self) -> dict:
        return {
            "mode": self.mode, "started": self.started, "machine": self.machine, "sizes": asdict(self.sizes),
            "skipped": self.skipped, "merged_from": self.merged_from,
            "rows": [{"id": r.id, "label": r.label, "role": r.role, **r.stats(),
                      "ours_over_peer": self.ratio(r, r.peer), "ours_over_floor": self.ratio(r, r.floor),
                      "peer": r.peer, "floor": r.floor, "wall_override": r.wall_override,
                      "figures": r.figures, "note": r.note, "errors": r.errors, "data": r.data,
                      "samples": [asdict(s) for s in r.samples]} for r in self.rows.values()],
            "goals": [asdict(g) for g in goals(self)],
        }


# ours -> (peer, floor): the rows each of our rows is divided by
PAIRS = {
    "audio.publish": ("audio.normalize", "audio.floor"),
    "audio.media": ("audio.normalize", "audio.floor"),
    "video.seminar": (None, "video.remux"),
    "storage.put_file": ("storage.upload_file", None),
    "speech.seminar-auto": (None, "speech.seminar-given"),
}


def merge_previous(res: Results, path: Path, only: set[str]) -> None:
    """Take the rows of sections not measured in this run from an earlier results file of the same mode."""
    old = json.loads(path.read_text())
    if old.get("mode") != res.mode:
        raise SystemExit(f"bench: {path} holds a {old.get('mode')} run; cannot merge it into a {res.mode} run")
    section = {"audio.publish-2h": "memory"}
    for r in old["rows"]:
        if section.get(r["id"], r["id"].split(".")[0]) in only:
            continue
        # Files written before these fields were saved: the pairs and in-process walls are known by id.
        peer, floor = PAIRS.get(r["id"], (None, None))
        wall_override = r.get("wall_override")
        if wall_override is None and r["id"].startswith("feed."):
            wall_override = [c["render_s"] for c in r["data"].get("child", [])]
        if wall_override is None and r["id"] in ("storage.put_file", "storage.upload_file"):
            wall_override = r["data"].get("upload_s", [])
        row = Row(r["id"], r["label"], r["role"], peer=r.get("peer") or peer, floor=r.get("floor") or floor,
                  figures=r["figures"], data=r["data"], note=r["note"], wall_override=wall_override,
                  samples=[Sample(**s) for s in r["samples"]])
        res.rows[row.id] = row
    res.skipped = [line for line in old.get("skipped", []) if line.split(":")[0].split()[0] not in only] + res.skipped
    res.merged_from = f"{path} (started {old.get('started')})"


# --- the machine ------------------------------------------------------------------------------------

def _first_line(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "?"


def machine_info() -> dict:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, AttributeError):
        pass
    normalize = VENV_BIN / "ffmpeg-normalize"
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory": mem,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "ffmpeg": _first_line(["ffmpeg", "-hide_banner", "-version"]).split(" Copyright")[0],
        "ffmpeg-normalize": _first_line([str(normalize), "--version"]) if normalize.exists() else "not installed",
        "time": TIME if Path(TIME).is_file() else "os.wait4 (no /usr/bin/time)",
        "tree": tree_state(),
    }


def tree_state() -> str:
    """The commit measured, and how many tracked files differed from it (others edit the tree meanwhile)."""
    head = _first_line(["git", "-C", str(ROOT), "log", "-1", "--format=%h %ad", "--date=format:%Y-%m-%d %H:%M"])
    try:
        dirty = subprocess.run(["git", "-C", str(ROOT), "diff", "--name-only", "HEAD"], capture_output=True,
                               text=True, timeout=30).stdout.split()
    except (OSError, subprocess.TimeoutExpired):
        dirty = []
    return f"{head}" + (f" + {len(dirty)} modified file(s): {', '.join(dirty[:6])}" if dirty else "")


# --- inputs (cached) ------------------------------------------------------------------------------

def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-y", *args], check=True)


def cached(path: Path, make) -> Path:
    """``path`` if it exists, else made by ``make(tmp)`` beside it and renamed into place (never half a file)."""
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.part{path.suffix}")
    try:
        make(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _label_s(seconds: float) -> str:
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{int(seconds // 3600)}h"
    if seconds >= 60 and seconds % 60 == 0:
        return f"{int(seconds // 60)}min"
    return f"{seconds:g}s"


def speech_wav(cache: Path, seconds: float) -> Path:
    from tools.samples import two_speaker_recording

    return cached(cache / "inputs" / f"speech-{_label_s(seconds)}.wav",
                  lambda tmp: two_speaker_recording(tmp, minutes=seconds / 60))


def compliant_video(cache: Path, seconds: float, speech: Path | None = None, name: str = "video-h264") -> Path:
    """720p25 H.264 yuv420p + AAC: one minute of low-complexity testsrc2 encoded once, looped by copy, with
    ``speech`` (default: the two-speaker recording) as its sound."""
    speech = speech or speech_wav(cache, seconds)
    unit = min(seconds, 60)
    clip = cached(cache / "inputs" / f"testsrc2-720p-{_label_s(unit)}.mp4", lambda tmp: _ffmpeg(
        "-f", "lavfi", "-i", f"testsrc2=s=1280x720:r=25:d={unit}", "-c:v", "libx264", "-preset", "veryfast",
        "-tune", "stillimage", "-crf", "30", "-g", "50", "-pix_fmt", "yuv420p", "-an", str(tmp)))
    loops = max(0, int(-(-seconds // unit)) - 1)
    return cached(cache / "inputs" / f"{name}-{_label_s(seconds)}.mp4", lambda tmp: _ffmpeg(
        "-stream_loop", str(loops), "-i", str(clip), "-i", str(speech), "-map", "0:v", "-map", "1:a",
        "-c:v", "copy", "-c:a", "aac", "-b:a", "128k", "-ar", "48000", "-ac", "2", "-t", str(seconds),
        "-movflags", "+faststart", str(tmp)))


def camera_video(cache: Path, seconds: float) -> Path:
    """720p25 H.264 yuv420p + AAC at a camera's 2.5 Mbit/s (testsrc2 with moving noise): a recording large
    enough to get a phone rendition (``video.phone_worth_making``), unlike ``compliant_video``'s slides."""
    speech = speech_wav(cache, seconds)
    unit = min(seconds, 60)
    clip = cached(cache / "inputs" / f"camera-720p-{_label_s(unit)}.mp4", lambda tmp: _ffmpeg(
        "-f", "lavfi", "-i", f"testsrc2=s=1280x720:r=25:d={unit},noise=alls=12:allf=t", "-c:v", "libx264",
        "-preset", "veryfast", "-b:v", "2500k", "-g", "50", "-pix_fmt", "yuv420p", "-an", str(tmp)))
    loops = max(0, int(-(-seconds // unit)) - 1)
    return cached(cache / "inputs" / f"camera-h264-{_label_s(seconds)}.mp4", lambda tmp: _ffmpeg(
        "-stream_loop", str(loops), "-i", str(clip), "-i", str(speech), "-map", "0:v", "-map", "1:a",
        "-c:v", "copy", "-c:a", "aac", "-b:a", "128k", "-t", str(seconds), "-movflags", "+faststart", str(tmp)))


PHONE_CHILD = """import sys; from pathlib import Path
from pipeline.media.probe import probe; from pipeline.media.video import phone_mp4, phone_video
src, work = Path(sys.argv[1]), Path(sys.argv[2])
phone_mp4(phone_video(probe(src), work / "phone-video.mp4"), src, work / "phone.mp4")"""


def bench_phone(res: Results, cache: Path, work: Path, say) -> None:
    """The phone rendition's cost: a camera recording published (main MP4 copied, phone file encoded beside
    it) against the same publish's main part (the remux floor) and the phone encode alone."""
    sz = res.sizes
    cam = camera_video(cache, sz.video_s)
    say(f"video: phone rendition of {cam.name}, {sz.runs} run(s)")
    ours = res.add(Row("video.camera", f"video: publish seminar, camera 720p {_label_s(sz.video_s)} (+ phone MP4)",
                       "ours", None, "video.remux"))
    alone = res.add(Row("video.phone", "video: the phone MP4 alone (480p encode + mux, one process)", "info"))
    sizes = {}
    for run in range(sz.runs):
        proj = new_project(work, "seminar-cam")
        s, out = timed(seminar_cmd(proj, cam, f"Benchmark camera {run + 1}"), cwd=proj)
        ours.samples.append(s)
        say(f"  run {run + 1}: {ours.label}: {s.wall:.1f} s" + ("" if s.ok else f"  FAILED {s.error}"))
        try:
            got = json.loads(out)
            sizes = {"main": got["media"]["bytes"], "phone": got["renditions"].get("phone", {}).get("bytes")}
        except (ValueError, KeyError, TypeError):
            pass
        shutil.rmtree(proj, ignore_errors=True)
        (work / "phone").mkdir(exist_ok=True)
        s, _ = timed([PYTHON, "-c", PHONE_CHILD, str(cam), str(work / "phone")], cwd=ROOT,
                     env={**os.environ, "PYTHONPATH": str(ROOT)})
        alone.samples.append(s)
        say(f"  run {run + 1}: {alone.label}: {s.wall:.1f} s" + ("" if s.ok else f"  FAILED {s.error}"))
        shutil.rmtree(work / "phone", ignore_errors=True)
    alone.data.update(sizes)
    if alone.walls() and sizes.get("phone"):
        alone.figures = (f"{sz.video_s / statistics.median(alone.walls()):.1f}x real time; "
                         f"{sizes['phone'] / MB:.1f} MB = {100 * sizes['phone'] / sizes['main']:.0f} % of the main MP4")
    elif alone.walls():
        alone.figures = "no phone rendition was made"


def noncompliant_video(cache: Path, seconds: float) -> Path:
    """MPEG-4 part 2 video (not H.264), which must be transcoded for the web."""
    speech = speech_wav(cache, seconds)
    return cached(cache / "inputs" / f"video-mpeg4-{_label_s(seconds)}.mp4", lambda tmp: _ffmpeg(
        "-f", "lavfi", "-i", f"testsrc2=s=1280x720:r=25:d={seconds}", "-i", str(speech), "-map", "0:v",
        "-map", "1:a", "-c:v", "mpeg4", "-q:v", "6", "-c:a", "aac", "-b:a", "128k", "-shortest", str(tmp)))


def upload_file(cache: Path, mb: int) -> Path:
    def make(tmp: Path) -> None:
        with tmp.open("wb") as f:
            for _ in range(mb):
                f.write(os.urandom(MB))
    return cached(cache / "inputs" / f"upload-{mb}MB.bin", make)


# --- the known-text recording (the speech section) ----------------------------------------------------

SPEECH_TEXT = ROOT / "tools" / "bench-speech.txt"
VOICES = ({"pitch": 40, "speed": 165}, {"pitch": 70, "speed": 150})  # host and guest, as tools.samples has them
SENTENCE_PAUSE, TURN_PAUSE, LEAD_IN = 0.6, 1.2, 1.0  # seconds of silence
ONSET = 300  # a sample above this (about -40 dBFS) is where speech starts


def known_turns() -> list[list[str]]:
    """The known text: turns of sentences (a blank line in the file starts the other speaker's turn)."""
    turns, turn = [], []
    for line in SPEECH_TEXT.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            continue
        if line.strip():
            turn.append(line.strip())
        elif turn:
            turns, turn = turns + [turn], []
    return turns + ([turn] if turn else [])


def _spoken(text: str, voice: dict, path: Path):
    """espeak-ng's samples of ``text`` (int16) and their rate."""
    import wave

    import numpy as np

    from tools.samples import speak

    speak(text, path, **voice)
    with wave.open(str(path)) as w:
        rate, data = w.getframerate(), np.frombuffer(w.readframes(w.getnframes()), "<i2")
    path.unlink()
    return data, rate


def _schedule(seconds: float, folder: Path):
    """The sentences in order, looped (the other voice each pass) until ``seconds`` is full: their samples and
    where each starts and ends (the first and last sample above ``ONSET``)."""
    import numpy as np

    placed, sentences, at, rate, turns = [], [], LEAD_IN, None, known_turns()
    for n in itertools.count():
        turn = turns[n % len(turns)]
        voice = (n % len(turns) + n // len(turns)) % len(VOICES)
        for sentence in turn:
            data, rate = _spoken(sentence, VOICES[voice], folder / "sentence.wav")
            loud = np.flatnonzero(np.abs(data.astype(np.int32)) > ONSET)
            if at + len(data) / rate > seconds - 0.5 or not len(loud):
                return placed, sentences, rate
            placed.append((round(at * rate), data))
            sentences.append({"text": sentence, "speaker": voice, "start": round(at + loud[0] / rate, 3),
                              "end": round(at + (loud[-1] + 1) / rate, 3)})
            at += len(data) / rate + SENTENCE_PAUSE
        at += TURN_PAUSE - SENTENCE_PAUSE
    raise AssertionError("itertools.count ended")


def known_speech(cache: Path, seconds: float) -> tuple[Path, list[dict]]:
    """A mono recording of the known sentences spoken by espeak-ng (two voices taking turns) at known offsets,
    and the sentences with the second each starts and ends (in a .json beside it)."""
    import wave

    import numpy as np

    wav = cache / "inputs" / f"known-speech-{_label_s(seconds)}.wav"
    key = wav.with_suffix(".json")

    def make(tmp: Path) -> None:
        with tempfile.TemporaryDirectory(prefix="known-", dir=cache) as folder:
            placed, sentences, rate = _schedule(seconds, Path(folder))
        audio = np.zeros(round(seconds * rate), dtype="<i2")
        for at, data in placed:
            audio[at:at + len(data)] = data
        with wave.open(str(tmp), "wb") as w:
            w.setnchannels(1), w.setsampwidth(2), w.setframerate(rate)
            w.writeframes(audio.tobytes())
        part = key.with_name(f".{key.name}.{os.getpid()}.part")
        part.write_text(json.dumps({"seconds": seconds, "sentences": sentences}, ensure_ascii=False, indent=1))
        os.replace(part, key)  # before the recording is renamed into place: a recording always has its text

    cached(wav, make)
    return wav, json.loads(key.read_text())["sentences"]


def _vtt_time(seconds: float) -> str:
    ms = round(seconds * 1000)
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


def known_captions(path: Path, sentences: list[dict]) -> Path:
    """The captions a person would give: one cue a sentence, at its true times."""
    cues = [f"{_vtt_time(s['start'])} --> {_vtt_time(s['end'])}\n{s['text']}\n" for s in sentences]
    path.write_text("WEBVTT\n\n" + "\n".join(cues), encoding="utf-8")
    return path


# --- loudness of a delivered file (measured here, independently of pipeline.media.loudness) ----------

def ebur128(path: Path) -> dict:
    out = subprocess.run(["ffmpeg", "-hide_banner", "-nostdin", "-nostats", "-i", str(path), "-map", "0:a:0",
                          "-af", "ebur128=peak=true", "-f", "null", "-"], capture_output=True, text=True)
    summary = out.stderr[out.stderr.rfind("Summary:"):]

    def value(label: str) -> float | None:
        m = re.search(rf"^\s*{label}:\s+(-?[\d.]+|-inf)", summary, re.M)
        return float(m.group(1)) if m else None
    return {"integrated": value("I"), "true_peak": value("Peak"), "lra": value("LRA")}


def loudness_text(m: dict) -> str:
    if m.get("integrated") is None:
        return "loudness: not measured"
    return f"{m['integrated']:.1f} LUFS, TP {m['true_peak']:.1f} dBTP, LRA {m['lra']:.1f} LU"


# --- projects --------------------------------------------------------------------------------------

def new_project(parent: Path, name: str, *, storage: str | None = None, base_url: str | None = None) -> Path:
    """A throwaway project folder: the real feeds/, an empty episodes/, the store in ./public (or ``storage``)."""
    proj = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=parent))
    shutil.copytree(ROOT / "feeds", proj / "feeds")
    (proj / "episodes").mkdir()
    if storage:
        (proj / "feeds" / "site.toml").write_text(
            f'storage = "{storage}"\nbase_url = "{base_url}"\nwebsite = "https://www.difi.no"\n')
    return proj


def publish_cmd(proj: Path, source: Path, title: str, *extra: str) -> list[str]:
    return [str(VENV_BIN / "publish"), "--root", str(proj), "episode", str(source), "--title", title, "--json", *extra]


MEDIA_PATH = """
import sys
from pathlib import Path
from pipeline.media.audio import master_mp3
from pipeline.model.config import load_show, load_site
from pipeline.media.probe import probe
from pipeline.media.tagging import Tags, tag_mp3
src, out, root = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
show = load_show(load_site(root), "endringspodden")
p = probe(src)
master_mp3(p, show.loudness, out)
tag_mp3(out, Tags(title="Benchmark", artist=show.author, album=show.title, date="2024-01-01", cover=show.artwork,
                  duration=p.duration))
"""


# --- 1. audio ----------------------------------------------------------------------------------------

def bench_audio(res: Results, cache: Path, work: Path, say) -> None:
    sz = res.sizes
    wav = speech_wav(cache, sz.audio_s)
    say(f"audio: {wav.name} ({sz.audio_s / 60:.1f} min), {sz.runs} run(s) each, alternating")
    rows = {
        "publish": res.add(Row("audio.publish", "audio: publish episode (CLI, local store)", "ours",
                               *PAIRS["audio.publish"])),
        "media": res.add(Row("audio.media", "audio: media path only (probe+master_mp3+tag)", "ours",
                             *PAIRS["audio.media"])),
        "normalize": res.add(Row("audio.normalize", "audio: ffmpeg-normalize (ebu -16/-1, MP3 128k)", "peer")),
        "floor": res.add(Row("audio.floor", "audio: bare ffmpeg MP3 128k (floor)", "floor")),
    }
    normalize = VENV_BIN / "ffmpeg-normalize"
    for run in range(sz.runs):
        for key, row in rows.items():
            out = work / f"audio-{key}-{run}.mp3"
            if key == "publish":
                proj = new_project(work, "publish")
                s, stdout = timed(publish_cmd(proj, wav, f"Benchmark {run + 1}"), cwd=proj)
                if s.ok:
                    key_ = json.loads(stdout)["media"]["url"].split("/", 3)[3]
                    out = proj / "public" / key_
            elif key == "media":
                s, _ = timed([PYTHON, "-c", MEDIA_PATH, str(wav), str(out), str(ROOT)], cwd=ROOT)
            elif key == "normalize":
                s, _ = timed([str(normalize), str(wav), "-nt", "ebu", "-t", "-16", "-tp", "-1", "-c:a", "libmp3lame",
                              "-b:a", "128k", "-ar", "44100", "-f", "-o", str(out)], cwd=work)
            else:
                s, _ = timed(["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-y", "-i", str(wav),
                              "-c:a", "libmp3lame", "-b:a", "128k", "-ar", "44100", str(out)], cwd=work)
            row.samples.append(s)
            if s.ok:
                m = ebur128(out)
                row.data.setdefault("loudness", []).append(m)
                row.figures = loudness_text(m)
            say(f"  run {run + 1}: {row.label}: {s.wall:.1f} s" + ("" if s.ok else f"  FAILED {s.error}"))
    res.rows["audio.publish"].data["input"] = {"file": wav.name, "seconds": sz.audio_s, **ebur128(wav)}


def bench_long_audio(res: Results, cache: Path, work: Path, say) -> None:
    sz = res.sizes
    if not sz.long_audio_s:
        res.skipped.append("memory: the 2-hour publish is not measured (full mode only)")
        return
    wav = speech_wav(cache, sz.long_audio_s)
    say(f"audio: publish episode on {wav.name} (memory of the process tree), 1 run")
    row = res.add(Row("audio.publish-2h", f"audio: publish episode, {_label_s(sz.long_audio_s)} (memory)", "info"))
    proj = new_project(work, "publish-long")
    s, stdout = timed(publish_cmd(proj, wav, "Benchmark long"), cwd=proj)
    row.samples.append(s)
    row.data["by_name_mb"] = {k: round(v * 1024 / MB, 1) for k, v in s.by_name_kb.items()}
    names = ", ".join(f"{k} {v:.0f}" for k, v in sorted(row.data["by_name_mb"].items(), key=lambda kv: -kv[1])
                      if v >= 1)
    row.figures = (f"tree peak PSS {s.pss_tree_kb * 1024 / MB:.0f} MB; RSS summed over the processes "
                   f"{s.rss_tree_kb * 1024 / MB:.0f} MB (largest seen: {names} MB)")
    if s.ok:
        key = json.loads(stdout)["media"]["url"].split("/", 3)[3]
        row.data["loudness"] = [ebur128(proj / "public" / key)]
        row.figures += "; " + loudness_text(row.data["loudness"][0])
    say(f"  {row.label}: {s.wall:.1f} s, tree peak {s.rss_tree_kb / 1024:.0f} MiB" + ("" if s.ok else f"  FAILED {s.error}"))
    shutil.rmtree(proj, ignore_errors=True)


# --- 2. video ----------------------------------------------------------------------------------------

def seminar_available() -> str | None:
    """None when ``publish seminar`` can be measured, else why not."""
    if not (ROOT / "pipeline" / "media" / "video.py").exists():
        return "pipeline/media/video.py does not exist"
    out = subprocess.run([str(VENV_BIN / "publish"), "seminar", "--help"], capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        return "publish seminar not available"
    return None


def seminar_cmd(proj: Path, video: Path, title: str) -> list[str]:
    help_text = subprocess.run([str(VENV_BIN / "publish"), "seminar", "--help"], capture_output=True,
                               text=True, cwd=ROOT).stdout
    cmd = [str(VENV_BIN / "publish"), "--root", str(proj), "seminar", str(video), "--title", title]
    if "--date" in help_text:
        cmd += ["--date", "2024-01-15"]
    if "--time" in help_text:
        cmd += ["--time", "09:00-10:00"]
    if "--json" in help_text:
        cmd.append("--json")
    return cmd


def bench_video(res: Results, cache: Path, work: Path, say) -> None:
    why = seminar_available()
    if why:
        res.skipped.append(f"video: not measured (publish seminar not available)" + (f": {why}" if "video.py" in why else ""))
        say(res.skipped[-1])
        return
    sz = res.sizes
    mp4 = compliant_video(cache, sz.video_s)
    say(f"video: {mp4.name}, {sz.runs} run(s) each, alternating")
    ours = res.add(Row("video.seminar", "video: publish seminar, H.264/AAC 720p (CLI)", "ours", *PAIRS["video.seminar"]))
    remux = res.add(Row("video.remux", "video: bare ffmpeg remux, copy video + AAC (floor)", "floor"))
    for run in range(sz.runs):
        proj = new_project(work, "seminar")
        s, _ = timed(seminar_cmd(proj, mp4, f"Benchmark seminar {run + 1}"), cwd=proj)
        ours.samples.append(s)
        say(f"  run {run + 1}: {ours.label}: {s.wall:.1f} s" + ("" if s.ok else f"  FAILED {s.error}"))
        shutil.rmtree(proj, ignore_errors=True)
        out = work / f"remux-{run}.mp4"
        s, _ = timed(["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-y", "-i", str(mp4), "-c:v", "copy",
                      "-c:a", "aac", "-b:a", "128k", str(out)], cwd=work)
        remux.samples.append(s)
        say(f"  run {run + 1}: {remux.label}: {s.wall:.1f} s")
        out.unlink(missing_ok=True)

    bad = noncompliant_video(cache, sz.transcode_s)
    say(f"video: transcoding {bad.name}, {sz.runs} run(s)")
    tr = res.add(Row("video.transcode", f"video: publish seminar, MPEG-4 part 2 {_label_s(sz.transcode_s)} (transcode)",
                     "info"))
    for run in range(sz.runs):
        proj = new_project(work, "seminar-tr")
        s, _ = timed(seminar_cmd(proj, bad, f"Benchmark transcode {run + 1}"), cwd=proj)
        tr.samples.append(s)
        say(f"  run {run + 1}: {tr.label}: {s.wall:.1f} s" + ("" if s.ok else f"  FAILED {s.error}"))
        shutil.rmtree(proj, ignore_errors=True)
    if tr.walls():
        speed = sz.transcode_s / statistics.median(tr.walls())
        tr.data["realtime_multiple"] = speed
        tr.figures = f"{speed:.1f}x real time"
    bench_phone(res, cache, work, say)


# --- 3. feed -----------------------------------------------------------------------------------------

NOTES = """Vi snakker med {guest} om endringsledelse, effektivisering og felles statlige innkjøp i episode {n}.

- Hva skal til for å lykkes med **digitaliseringsprosjekter** i offentlig sektor?
- Roller og ansvar i samarbeidet, og hvordan gjøre det kjent hos alle.
- Felles brukere som utgangspunkt for samarbeidet.

Les mer på [difi.no](https://www.difi.no/endringspodden/{n}) og i rapporten *Endring til frokost*."""


def fabricate_episodes(n: int, show: str = SHOW, base_url: str = "http://127.0.0.1:8000", seed: int = 6):
    """``n`` realistic Episode records (notes in Markdown, media, loudness, people), dated in the past."""
    import random
    import uuid

    from pipeline.model.records import Chapter, Item, LoudnessStats, Media, Person

    rnd = random.Random(seed)
    start = dt.date(2024, 6, 1)
    episodes = []
    guests = ["Kari Nordmann", "Ola Nordmann", "Ingrid Bakken", "Per Hansen", "Aisha Khan", "Lars Berg"]
    for i in range(n):
        date = start - dt.timedelta(days=i // 2)
        slug = f"episode-{i + 1}-endring-og-ledelse"
        sha = f"{rnd.getrandbits(256):064x}"
        key = f"{show}/{date.year}/{slug}-{sha[:8]}.mp3"
        duration = rnd.uniform(900, 3600)
        guest = guests[i % len(guests)]
        episodes.append(Item(
            show=show, guid=str(uuid.UUID(int=rnd.getrandbits(128), version=4)), slug=slug,
            title=f"Episode {i + 1}: Endring og ledelse med {guest}", date=date,
            media=Media(key=key, url=f"{base_url}/{key}", bytes=int(duration * 16000), sha256=sha,
                        type="audio/mpeg", duration=round(duration, 3)),
            notes=NOTES.format(guest=guest, n=i + 1), season=1 + i // 100, number=i % 100 + 1,
            chapters=(Chapter(0.0, "Intro"), Chapter(120.0, "Samtalen")),
            persons=(Person("Vert Verten", "host"), Person(guest, "guest")),
            loudness_before=LoudnessStats(-22.1, -3.5, 18.0), loudness_after=LoudnessStats(-16.0, -2.1, 5.2),
            source={"name": f"{slug}.wav", "sha256": sha, "recipe": sha},
        ))
    return episodes


def feed_child(n: int) -> None:
    """Child entry: fabricate ``n`` episodes, render the feed, print the in-process figures as JSON."""
    import resource

    from pipeline.model.config import load_show, load_site
    from pipeline.app.objects import artwork_media

    t0 = time.perf_counter()
    site = load_site(ROOT)
    show = load_show(site, SHOW)
    episodes = fabricate_episodes(n, base_url=site.base_url)
    artwork = artwork_media(site, show)
    from pipeline.media.runner import start_forked
    from pipeline.render.feed import render_feed  # imported before timing: the import is not the render

    fabricated = time.perf_counter() - t0
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    c0, t1 = time.process_time(), time.perf_counter()
    data = render_feed(show, site, episodes, artwork=artwork, today=dt.date(2024, 6, 2), parallel=start_forked)
    render, cpu = time.perf_counter() - t1, time.process_time() - c0
    print(json.dumps({"render_s": render, "render_cpu_s": cpu, "fabricate_s": fabricated, "bytes": len(data),
                      "items": data.count(b"<item>"), "rss_before_render_kb": rss_before}))


def bench_feed(res: Results, cache: Path, work: Path, say) -> None:
    sz = res.sizes
    rows = [res.add(Row(f"feed.{n}", f"feed: render_feed, {n:,} episodes", "ours",
                        note="wall/CPU: render_feed in process")) for n in sz.feeds]
    say(f"feed: render_feed of {' and '.join(f'{n:,}' for n in sz.feeds)} fabricated episodes, {sz.runs} run(s) each")
    for run in range(sz.runs):
        for n, row in zip(sz.feeds, rows):
            s, out = timed([PYTHON, "-c", f"import tools.bench as b; b.feed_child({n})"], cwd=ROOT)
            row.samples.append(s)
            if s.ok:
                got = json.loads(out)
                row.data.setdefault("child", []).append(got)
                row.data.setdefault("process_cpu_s", []).append(s.cpu)
                s.cpu = got["render_cpu_s"]
            row.wall_override = [c["render_s"] for c in row.data.get("child", [])]
            say(f"  run {run + 1}: {row.label}: " + (f"{got['render_s']:.2f} s render, {s.wall:.1f} s process"
                                                     if s.ok else f"FAILED {s.error}"))
    for row in rows:
        kids = row.data.get("child", [])
        if kids:
            last = kids[-1]
            row.figures = (f"{last['items']:,} items, {last['bytes'] / MB:.1f} MB XML; RSS before render "
                           f"{last['rss_before_render_kb'] / 1024:.0f} MiB; whole process "
                           f"{statistics.median(s.wall for s in row.ok_samples):.1f} s")


# --- 4. storage ----------------------------------------------------------------------------------------

PUT_FILE = """
import json, sys, time
from pathlib import Path
from pipeline.store.s3 import S3Storage
path, bucket, key = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
store = S3Storage(bucket)
store.head("warm-up")  # connection and credentials, as for upload_file below
t0 = time.perf_counter()
store.put_file(key, path, content_type="audio/mpeg", cache_control="public, max-age=31536000, immutable",
               metadata={"sha256": "0" * 64})
print(json.dumps({"upload_s": time.perf_counter() - t0}))
"""

UPLOAD_FILE = """
import json, sys, time
import boto3
path, bucket, key = sys.argv[1], sys.argv[2], sys.argv[3]
client = boto3.client("s3")
try:
    client.head_object(Bucket=bucket, Key="warm-up")
except Exception:
    pass
t0 = time.perf_counter()
client.upload_file(path, bucket, key)
print(json.dumps({"upload_s": time.perf_counter() - t0}))
"""


def s3_available() -> str | None:
    if not (ROOT / "pipeline" / "storage" / "s3.py").exists():
        return "pipeline/storage/s3.py does not exist"
    if not (ROOT / "pipeline" / "storage" / "seaweed.py").exists():
        return "pipeline/storage/seaweed.py does not exist"
    try:
        from tools.seaweed import find_weed

        find_weed()
    except Exception as e:  # noqa: BLE001 - any reason is a reason to skip
        return str(e)
    return None


def not_measured(res: Results, section: str, why: str | None, say) -> bool:
    """True when ``why`` says the section cannot run; the reason is then printed and kept with the results."""
    if why:
        res.skipped.append(f"{section}: not measured ({why})")
        say(res.skipped[-1])
    return bool(why)


def bench_storage(res: Results, cache: Path, work: Path, say) -> None:
    if not_measured(res, "storage", s3_available(), say):
        return
    from pipeline.store import seaweed
    from pipeline.store.s3 import S3Storage

    sz = res.sizes
    big = upload_file(cache, sz.upload_mb)
    server = seaweed.start(Path(tempfile.mkdtemp(prefix="seaweed-", dir=work)), die_with_parent=True)
    env = server.env()
    try:
        def store(bucket: str) -> S3Storage:
            return S3Storage(bucket, endpoint_url=server.endpoint, region=server.region,
                             access_key=server.access_key, secret_key=server.secret_key)

        store("bench-upload").ensure_bucket()
        say(f"storage: SeaweedFS {server.endpoint}; {sz.upload_mb} MB upload, {sz.runs} run(s) each, alternating")
        ours = res.add(Row("storage.put_file", f"storage: S3Storage.put_file {sz.upload_mb} MB (multipart)", "ours",
                           *PAIRS["storage.put_file"], note="wall: the upload call in process"))
        peer = res.add(Row("storage.upload_file", f"storage: boto3 upload_file {sz.upload_mb} MB (default config)",
                           "peer", note="wall: the upload call in process"))
        for run in range(sz.runs):
            for row, code in ((ours, PUT_FILE), (peer, UPLOAD_FILE)):
                s, out = timed([PYTHON, "-c", code, str(big), "bench-upload", f"{row.id}/{run}.bin"], env=env, cwd=ROOT)
                row.samples.append(s)
                if s.ok:
                    row.data.setdefault("upload_s", []).append(json.loads(out)["upload_s"])
                row.wall_override = row.data.get("upload_s", [])
                say(f"  run {run + 1}: {row.label}: " + (f"{row.wall_override[-1]:.2f} s" if s.ok else s.error))
        for row in (ours, peer):
            if row.walls():
                mbps = sz.upload_mb / statistics.median(row.walls())
                row.data["mb_per_s"] = mbps
                row.figures = f"{mbps:.0f} MB/s"
        if "mb_per_s" in ours.data and "mb_per_s" in peer.data:
            ours.figures += f" = {ours.data['mb_per_s'] / peer.data['mb_per_s']:.2f}x upload_file's throughput"

        bench_publish_into_show(res, cache, work, store, server, env, say)
    finally:
        server.stop()


def _listing(storage) -> dict[str, str]:
    return {o.key: o.etag for o in storage.list("")}


def bench_publish_into_show(res: Results, cache: Path, work: Path, store, server, env: dict, say) -> None:
    """Publish one real short episode into a show that already has ``show_episodes`` items in S3."""
    from concurrent.futures import ThreadPoolExecutor

    from pipeline.model.config import load_show, load_site
    from pipeline.app.objects import artwork_media
    from pipeline.app.regenerate import regenerate_feed
    from pipeline.model.records import manifest_key, write_record
    from pipeline.store import SHORT, upload_if_changed

    sz = res.sizes
    n = sz.show_episodes
    bucket = "bench-show"
    storage = store(bucket)
    storage.ensure_bucket(public_read=True)
    proj = new_project(work, "show", storage=f"s3://{bucket}/", base_url=f"{server.endpoint}/{bucket}")
    site = load_site(proj)
    show = load_show(site, SHOW)
    say(f"storage: fabricating a show of {n:,} episodes (manifests in the store, records in episodes/)")
    t0 = time.perf_counter()
    episodes = fabricate_episodes(n, base_url=site.base_url, seed=1000)

    def put(ep):
        storage.put_bytes(manifest_key(SHOW, ep.guid), ep.manifest_bytes(), content_type="application/json",
                          cache_control=SHORT)
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(put, episodes))
    for ep in episodes:
        write_record(site.episodes_dir, ep)
    artwork = artwork_media(site, show)
    upload_if_changed(storage, artwork.key, show.artwork, artwork.sha256)
    regenerate_feed(site, show, storage, prefer_local=set())  # the show's feed as it stands
    say(f"  made in {time.perf_counter() - t0:.1f} s")

    wav = speech_wav(cache, 20)
    row = res.add(Row("storage.publish-into-show", f"storage: publish 20 s episode into S3 show of {n:,}", "info"))
    for run in range(sz.runs):
        before = _listing(storage)
        s, out = timed(publish_cmd(proj, wav, f"Benchmark into show {run + 1}"), env=env, cwd=proj)
        row.samples.append(s)
        after = _listing(storage)
        if s.ok:
            got = json.loads(out)
            changed = sorted(k for k in after if before.get(k) != after[k])
            media = got["media"]["url"].split(f"/{bucket}/", 1)[1]
            manifest = json.loads(storage.get(manifest_key(SHOW, got["guid"]))[0])
            renditions = sorted(m["key"] for m in (manifest.get("renditions") or {}).values())
            expected = {media, *renditions, manifest_key(SHOW, got["guid"]), show.feed_key}
            row.data.setdefault("runs", []).append({"uploaded": got["uploaded"], "changed_in_store": changed,
                                                    "expected": sorted(expected), "renditions": renditions})
            extra = sorted((set(got["uploaded"]) | set(changed)) - expected)
            missing = sorted(expected - set(got["uploaded"]))
            what = "media" + (f" + {len(renditions)} rendition(s)" if renditions else "") + " + manifest + feed"
            row.figures = (f"{len(got['uploaded'])} key(s) uploaded, {len(changed)} object(s) changed in the store"
                           + (f"; unexpected: {', '.join(extra)}" if extra else "")
                           + (f"; missing: {', '.join(missing)}" if missing else "")
                           + ("" if extra or missing else f" = {what}"))
        say(f"  run {run + 1}: {row.label}: {s.wall:.1f} s, " + (row.figures if s.ok else s.error))
    shutil.rmtree(proj, ignore_errors=True)



# --- 5. download counts (publish stats) -------------------------------------------------------------

STATS_LINES = {True: 100_000, False: 2_000_000}  # quick, full
STATS_GOAL = 1_000_000  # log lines a minute on one core


def stats_log(cache: Path, lines: int, seed: int = 15) -> Path:
    """A Combined Log Format log of ``lines`` requests over a week: 20,000 listeners (IPv4 and IPv6), apps and
    bots from the OPAWG examples, whole files and ranges of 200 episodes, probes, feeds and pages."""
    def make(tmp: Path) -> None:
        import random

        rnd = random.Random(seed)
        agents = [ua for f in ("apps", "apps", "apps", "bots", "browsers") for e in json.loads(
            (ROOT / "tests" / "data" / "opawg" / f"{f}.examples.json").read_text())["entries"]
            for ua in e.get("examples", [])]
        episodes = fabricate_episodes(200)
        clients = [f"10.{i // 250 % 250}.{i % 250}.{rnd.randrange(1, 250)}" if i % 4 else
                   f"2001:db8:{i:x}::{rnd.randrange(1, 9999):x}" for i in range(20_000)]
        t0 = dt.datetime(2024, 6, 1, tzinfo=dt.timezone.utc)
        with tmp.open("w") as f:
            for n in range(lines):
                when = t0 + dt.timedelta(seconds=n * 7 * 86400 // lines)
                ep = episodes[int(rnd.paretovariate(1.2)) % len(episodes)]
                kind = rnd.random()
                path, status, sent = (f"/{ep.media.key}", 206, rnd.choice((2, ep.media.bytes // 3, 1 << 20))) \
                    if kind < 0.6 else (f"/{ep.media.key}", 200, ep.media.bytes) if kind < 0.85 else \
                    (f"/{SHOW}/feed.xml", 200, 250_000)
                f.write(f'{rnd.choice(clients)} - - [{when:%d/%b/%Y:%H:%M:%S} +0000] "GET {path} HTTP/1.1" {status} '
                        f'{sent} "-" "{rnd.choice(agents)}"\n')
    return cached(cache / f"access-{lines}.log", make)


def stats_child(log: str) -> None:
    """Child entry: count ``log`` as ``publish stats`` does (parse, classify, IAB windows); figures as JSON."""
    import resource

    from pipeline.app.counting import Counting, Target
    from pipeline.inputs.accesslogs import requests
    from pipeline.inputs.useragents import lists

    lists()  # the OPAWG patterns are compiled once per run, before the clock starts
    targets = {}
    for ep in fabricate_episodes(200):
        target = Target.of(ep.guid, SHOW, ep.title, ep.media.bytes, ep.media.duration, tag=2058)
        targets[ep.media.key] = targets["/" + ep.media.key] = target
    counting = Counting(targets)
    c0, t0 = time.process_time(), time.perf_counter()
    with open(log, encoding="utf-8") as f:
        for request in requests(f):
            counting.add(request)
    cpu, wall = time.process_time() - c0, time.perf_counter() - t0
    print(json.dumps({"lines": counting.lines, "cpu_s": cpu, "wall_s": wall, "downloads": sum(counting.counts.values()),
                      "skipped": dict(counting.skipped), "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


def bench_stats(res: Results, cache: Path, work: Path, say) -> None:
    lines = STATS_LINES[res.mode == "quick"]
    log = stats_log(cache, lines)
    row = res.add(Row("stats.count", f"stats: count {lines:,} log lines", "ours",
                      note="wall/CPU: parse and count in process, one core"))
    say(f"stats: counting {lines:,} Combined Log Format lines, {res.sizes.runs} run(s)")
    for run in range(res.sizes.runs):
        s, out = timed([PYTHON, "-c", f"import tools.bench as b; b.stats_child({str(log)!r})"], cwd=ROOT)
        row.samples.append(s)
        if s.ok:
            got = json.loads(out)
            row.data.setdefault("child", []).append(got)
            s.cpu = got["cpu_s"]
            say(f"  run {run + 1}: {got['lines'] / got['cpu_s'] * 60:,.0f} lines a minute of CPU, "
                f"{got['downloads']:,} downloads")
        else:
            say(f"  run {run + 1}: FAILED {s.error}")
    row.wall_override = [c["wall_s"] for c in row.data.get("child", [])]
    kids = row.data.get("child", [])
    if kids:
        rate = statistics.median(c["lines"] / c["cpu_s"] * 60 for c in kids)
        row.data["lines_per_minute"] = rate
        row.figures = (f"{rate:,.0f} lines a minute of one core's CPU; {kids[-1]['downloads']:,} downloads; "
                       f"peak RSS {kids[-1]['rss_kb'] / 1024:.0f} MiB")


# --- 6. speech -------------------------------------------------------------------------------------------

SPEECH_THREADS = 2  # the cores of issue 13's goal
SPEECH_BATCH = 8  # faster-whisper's BatchedInferencePipeline default
SPEECH_GOAL = 0.10  # x real time, whisper base int8 on 2 cores (issue 13)
SLACK = 0.5  # a cue this much before a sentence's start still counts as its first

SEMINAR_CHILD = """
import datetime as dt, json, sys, time
from pathlib import Path
from pipeline.app.seminar import SeminarRequest, publish_seminar
from pipeline.model.config import load_site
proj, video, captions = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
site = load_site(proj)
auto = captions == "auto"
req = SeminarRequest(source=video, title="Benchmark seminar", date=dt.date(2024, 1, 15), time="09:00-10:00",
                     captions=None if auto else Path(captions), machine_captions=auto)
t0 = time.perf_counter()
done = publish_seminar(site, req)
print(json.dumps({"publish_s": time.perf_counter() - t0, "uploaded": len(done.uploaded),
                  "captions": done.episode.source.get("captions")}))
"""


def speech_available() -> str | None:
    """None when the speech section can run: faster-whisper and the test model (tools/models.py)."""
    import importlib.util

    if importlib.util.find_spec("faster_whisper") is None:
        return "faster-whisper is not installed (pip install -e '.[speech]')"
    try:
        from tools.models import whisper_base

        whisper_base()
    except SystemExit as e:
        return str(e)
    return None


def speech_child(wav: str, model: str, batch_size: int, threads: int) -> None:
    """Child entry: load the model, transcribe ``wav``, print the in-process figures and what was heard as JSON."""
    from pipeline.media.speech import Engine, load_model, transcribe
    from pipeline.render.subtitles import make_cues

    engine = Engine(model, device="cpu", compute_type="int8", threads=threads, batch_size=batch_size)
    t0 = time.perf_counter()
    loaded = load_model(engine)
    c0, t1 = time.process_time(), time.perf_counter()
    draft = transcribe(Path(wav), engine, language="no", model=loaded)
    seconds, cpu = time.perf_counter() - t1, time.process_time() - c0
    print(json.dumps({"load_s": t1 - t0, "transcribe_s": seconds, "transcribe_cpu_s": cpu,
                      "duration": draft.duration, "words": [w.text for w in draft.words],
                      "cue_starts": [c.start for c in make_cues(draft.words)]}, ensure_ascii=False))


def normalised(text: str) -> str:
    """Lower case, punctuation and dashes as spaces: what the word error rate compares."""
    return " ".join(re.sub(r"[^\w\s]|_", " ", text.lower()).split())


def word_error_rate(reference: str, heard: str) -> float | None:
    """jiwer's WER of ``heard`` against ``reference`` (None without jiwer, the ``bench`` extra)."""
    try:
        import jiwer
    except ImportError:
        return None
    return jiwer.wer(normalised(reference), normalised(heard) or "-")


def timing_errors(starts: list[float], cue_starts: list[float]) -> list[float | None]:
    """For each sentence start, how far the first cue at or after it is from it (a cue up to ``SLACK``
    early counts); None where no cue follows."""
    cues, out, i = sorted(cue_starts), [], 0
    for start in starts:
        while i < len(cues) and cues[i] < start - SLACK:
            i += 1
        out.append(round(cues[i] - start, 3) if i < len(cues) else None)
    return out


def timing_summary(errors: list[float | None]) -> dict:
    found = sorted(abs(e) for e in errors if e is not None)
    if not found:
        return {"sentences": len(errors), "missed": len(errors)}
    return {"sentences": len(errors), "missed": len(errors) - len(found), "median_s": statistics.median(found),
            "p90_s": found[math.ceil(0.9 * len(found)) - 1], "within_0_5": sum(e <= 0.5 for e in found) / len(errors)}


def timing_text(t: dict) -> str:
    if "median_s" not in t:
        return f"no cue after any of {t['sentences']} sentence starts"
    return (f"first cue vs sentence start: median {t['median_s']:.2f} s, 90 % within {t['p90_s']:.2f} s, "
            f"{t['within_0_5']:.0%} of {t['sentences']} within 0.5 s" + (f", {t['missed']} missed" if t["missed"] else ""))


def vtt_starts(path: Path) -> list[float]:
    starts = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if "-->" in line:  # HH:MM:SS.mmm or MM:SS.mmm
            parts = line.split("-->")[0].strip().split(":")
            starts.append(sum(float(x) * 60 ** i for i, x in enumerate(reversed(parts))))
    return starts


def _score_transcription(row: Row, got: dict, sentences: list[dict]) -> None:
    rtf = got["transcribe_s"] / got["duration"]
    wer = word_error_rate(" ".join(s["text"] for s in sentences), " ".join(got["words"]))
    timing = timing_summary(timing_errors([s["start"] for s in sentences], got["cue_starts"]))
    for name, value in (("rtf", rtf), ("transcribe_s", got["transcribe_s"]), ("load_s", got["load_s"]),
                        ("wer", wer), ("timing", timing)):
        row.data.setdefault(name, []).append(value)
    row.data.update(duration=got["duration"], words_heard=len(got["words"]),
                    words_known=sum(len(normalised(s["text"]).split()) for s in sentences))
    row.figures = (f"{statistics.median(row.data['rtf']):.3f}x real time ({got['duration'] / 60:.1f} min in "
                   f"{got['transcribe_s']:.0f} s, model load {got['load_s']:.1f} s); "
                   + (f"WER {wer:.2f} (synthetic voices)" if wer is not None else "WER not measured (no jiwer)")
                   + f"; {timing_text(timing)}")


def bench_transcription(res: Results, wav: Path, sentences: list[dict], model: str, say) -> None:
    """Each mode's words and cue starts are kept beside the recording (``known-speech-*.heard-MODE.json``)."""
    rows = {batch: res.add(Row(f"speech.{'batched' if batch else 'unbatched'}",
                               f"speech: whisper-base int8, {SPEECH_THREADS} threads, "
                               + (f"batched ({batch})" if batch else "unbatched"), "ours",
                               note="wall/CPU: transcribe() in process, after the model is loaded"))
            for batch in (0, SPEECH_BATCH)}
    for run in range(res.sizes.speech_runs):
        for batch, row in rows.items():
            code = f"import tools.bench as b; b.speech_child({str(wav)!r}, {model!r}, {batch}, {SPEECH_THREADS})"
            s, out = timed([PYTHON, "-c", code], cwd=ROOT, stdout=wav.with_suffix(f".heard-{row.id[7:]}.json"))
            row.samples.append(s)
            if s.ok:
                got = json.loads(out)
                row.data.setdefault("process_cpu_s", []).append(s.cpu)
                s.cpu = got["transcribe_cpu_s"]
                _score_transcription(row, got, sentences)
            row.wall_override = row.data.get("transcribe_s", [])
            say(f"  run {run + 1}: {row.label}: " + (row.figures if s.ok else f"FAILED {s.error}"))


def speech_project(work: Path, model: str) -> Path:
    proj = new_project(work, "speech-seminar")
    site = proj / "feeds" / "site.toml"
    site.write_text(site.read_text() + f'\n[speech]\nmodel = "{model}"\n')
    return proj


def bench_seminar_captions(res: Results, work: Path, video: Path, captions: Path, sentences: list[dict],
                           model: str, say) -> None:
    given = res.add(Row("speech.seminar-given", "speech: publish_seminar, given captions (FILE.vtt)", "floor",
                        note="wall: publish_seminar in process"))
    auto = res.add(Row("speech.seminar-auto", "speech: publish_seminar, machine captions (--captions auto)", "ours",
                       *PAIRS["speech.seminar-auto"], note="wall: publish_seminar in process"))
    env = {"PYTHONPATH": os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH"))))}  # cwd: the project
    for run in range(res.sizes.speech_runs):
        for row, how in ((given, str(captions)), (auto, "auto")):
            proj = speech_project(work, model)
            s, out = timed([PYTHON, "-c", SEMINAR_CHILD, str(proj), str(video), how], cwd=proj, env=env)
            row.samples.append(s)
            if s.ok:
                row.data.setdefault("publish_s", []).append(json.loads(out)["publish_s"])
                drafts = sorted((proj / "episodes").rglob("*.captions.vtt"))
                if row is auto and drafts:
                    errors = timing_errors([x["start"] for x in sentences], vtt_starts(drafts[0]))
                    row.data.setdefault("timing", []).append(timing_summary(errors))
            row.wall_override = row.data.get("publish_s", [])
            say(f"  run {run + 1}: {row.label}: " + (f"{row.wall_override[-1]:.1f} s" if s.ok else f"FAILED {s.error}"))
            shutil.rmtree(proj, ignore_errors=True)
    alone = res.rows.get("speech.unbatched")
    if auto.walls() and given.walls():
        extra = statistics.median(auto.walls()) - statistics.median(given.walls())
        auto.data["extra_s"] = extra
        auto.figures = f"+{extra:.1f} s over given captions"
        if alone and alone.walls():
            hidden = 1 - extra / statistics.median(alone.walls())
            auto.data["hidden"] = hidden
            auto.figures += (f"; transcribing alone takes {statistics.median(alone.walls()):.0f} s "
                             f"({SPEECH_THREADS} threads): " + (f"{min(1.0, hidden):.0%} of it hidden behind the encode"
                                                                 if hidden > 0 else "none of it hidden behind the encode"))
        if auto.data.get("timing"):
            auto.figures += f"; the published draft's {timing_text(auto.data['timing'][-1])}"


def bench_speech(res: Results, cache: Path, work: Path, say) -> None:
    if not_measured(res, "speech", speech_available(), say):
        return
    from tools.models import whisper_base

    model = str(whisper_base())
    wav, sentences = known_speech(cache, res.sizes.speech_s)
    video = compliant_video(cache, res.sizes.speech_s, speech=wav, name="video-known-speech")
    captions = known_captions(work / "given-captions.vtt", sentences)
    say(f"speech: {wav.name} ({len(sentences)} known sentences, {res.sizes.speech_s / 60:.1f} min), "
        f"{res.sizes.speech_runs} run(s) each")
    bench_transcription(res, wav, sentences, model, say)
    say(f"speech: publish_seminar on {video.name}, given captions and machine captions")
    bench_seminar_captions(res, work, video, captions, sentences, model, say)


# --- 7. batch: the back catalogue through the local pool and through Ray -------------------------------

BATCH_TASKS = ("transcribe", "remaster", "verify")
BATCH_SHORT_S, BATCH_LONG_S = 3, 12  # items alternate: many short ones (where overhead shows) and longer ones


def batch_clips(cache: Path, n: int) -> list[tuple[Path, float]]:
    """``n`` distinct speech clips (espeak-ng, each from its own lines of the sample conversation), alternately
    3 s and 12 s, 48 kHz stereo."""
    from tools.samples import HOST_LINES, speak

    out = []
    for i in range(n):
        seconds = BATCH_SHORT_S if i % 2 == 0 else BATCH_LONG_S
        text = " ".join(HOST_LINES[(i + k) % len(HOST_LINES)] for k in range(3))

        def make(tmp: Path, text: str = text, seconds: int = seconds) -> None:
            spoken = speak(text, tmp.with_suffix(".spoken.wav"))
            try:
                _ffmpeg("-i", str(spoken), "-af", "apad", "-t", str(seconds), "-ar", "48000", "-ac", "2",
                        "-c:a", "pcm_s16le", str(tmp))
            finally:
                spoken.unlink(missing_ok=True)
        out.append((cached(cache / "inputs" / "batch" / f"item-{i}-{seconds}s.wav", make), float(seconds)))
    return out


def batch_catalogue(cache: Path, work: Path, n: int, say) -> tuple[Path, dict[str, float]]:
    """A project (local folder store) with ``n`` published episodes and the test model for speech; the slugs'
    durations."""
    from tools.models import whisper_base

    proj = new_project(work, "batch")
    site = proj / "feeds" / "site.toml"
    site.write_text(site.read_text() + f'\n[speech]\nmodel = "{whisper_base()}"\n')
    durations = {}
    t0 = time.perf_counter()
    for i, (clip, seconds) in enumerate(batch_clips(cache, n)):
        done = subprocess.run(publish_cmd(proj, clip, f"Arkivepisode {i + 1}", "--date", f"2020-01-{i + 1:02d}"),
                              capture_output=True, text=True, cwd=proj)
        if done.returncode != 0:
            raise RuntimeError(f"publishing batch item {i}: {done.stderr.strip().splitlines()[-1:]}")
        durations[f"{SHOW}/{json.loads(done.stdout)['slug']}"] = seconds
    say(f"batch: {n} episodes published in {time.perf_counter() - t0:.0f} s")
    return proj, durations


RAY_BATCH = """
import json, os, sys, time
os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"  # read when Ray is imported: with the address below,
t0 = time.perf_counter()                                 # every Ray process listens on 127.0.0.1 only
import ray
ray.init(num_cpus=int(sys.argv[1]), include_dashboard=False, _node_ip_address="127.0.0.1", log_to_driver=False,
         _temp_dir=sys.argv[2])
t1 = time.perf_counter()
from pipeline.cli.main import run
code = run(sys.argv[3:])
t2 = time.perf_counter()
ray.shutdown()
with open(os.path.join(sys.argv[2], "times.json"), "w") as f:
    json.dump({"ray_init_s": t1 - t0, "batch_s": t2 - t1, "ray_shutdown_s": time.perf_counter() - t2}, f)
sys.exit(code)
"""


def batch_run(row: Row, catalogue: Path, work: Path, task: str, cluster: str, say) -> None:
    """One ``publish batch TASK`` on a fresh copy of the catalogue (every item planned), measured; on Ray, in a
    driver that first starts Ray on this machine (``ray.init``) and runs the CLI with ``--cluster auto``."""
    proj = Path(tempfile.mkdtemp(prefix=f"{task}-{cluster}-", dir=work))
    shutil.copytree(catalogue, proj, dirs_exist_ok=True)
    if task == "remaster":
        toml = proj / "feeds" / f"{SHOW}.toml"
        toml.write_text(re.sub(r"(?m)^integrated = [-0-9.]+", "integrated = -19.0", toml.read_text()))
    args = ["--root", str(proj), "batch", task, "--json"]
    temp = Path(tempfile.mkdtemp(prefix="ray-", dir="/tmp"))  # short: Ray's socket paths must fit 107 bytes
    if cluster == "ray":
        cmd = [PYTHON, "-c", RAY_BATCH, str(os.cpu_count() or 1), str(temp), *args, "--cluster", "auto"]
    else:
        cmd = [str(VENV_BIN / "publish"), *args, "--cluster", "local"]
    s, out = timed(cmd, env={"PYTHONPATH": str(ROOT)}, cwd=proj)
    row.samples.append(s)
    if (temp / "times.json").is_file():
        for k, v in json.loads((temp / "times.json").read_text()).items():
            row.data.setdefault(k, []).append(v)
    shutil.rmtree(temp, ignore_errors=True)
    if out.strip().startswith("{"):
        got = json.loads(out)
        row.data.setdefault("times", []).append(got["times"])
        if got["failed"]:
            s.ok, s.error = False, f"{len(got['failed'])} item(s) failed: {got['failed'][0]['reason']}"[:200]
    say(f"  {row.label}: " + (f"{s.wall:.1f} s" if s.ok else s.error))
    shutil.rmtree(proj, ignore_errors=True)


def cost_fit(times: list[list[dict]], durations: dict[str, float]) -> tuple[float, float] | None:
    """Least squares of each item's job seconds on its recording's seconds: (per item, per second)."""
    pts = [(durations[t["item"]], t["seconds"]) for run in times for t in run if t["item"] in durations]
    if len({d for d, _ in pts}) < 2:
        return None
    mx, my = statistics.mean(d for d, _ in pts), statistics.mean(y for _, y in pts)
    slope = sum((d - mx) * (y - my) for d, y in pts) / sum((d - mx) ** 2 for d, _ in pts)
    return my - slope * mx, slope


def bench_batch(res: Results, cache: Path, work: Path, say) -> None:
    try:
        import ray  # noqa: F401 — only to know it is installed; the runs are subprocesses
    except ImportError:
        res.skipped.append("batch: Ray not measured (pip install '.[cluster]'); local pool only")
        say(res.skipped[-1])
        ray = None
    sz, workers = res.sizes, os.cpu_count() or 1
    catalogue, durations = batch_catalogue(cache, work, sz.batch_items, say)
    rows = {}
    for task in BATCH_TASKS:
        n = sz.batch_items
        rows[task, "local"] = res.add(Row(f"batch.{task}.local", f"batch: {task} {n} items, local pool of {workers}"))
        if ray is not None:
            rows[task, "ray"] = res.add(Row(f"batch.{task}.ray", f"batch: {task} {n} items, Ray on this machine",
                                            peer=f"batch.{task}.local",
                                            note="wall: with ray.init and ray.shutdown in the driver"))
    for run in range(sz.runs):
        for task in BATCH_TASKS:
            for where in ("local", "ray"):
                if (task, where) in rows:
                    batch_run(rows[task, where], catalogue, work, task, where, say)
    batch_figures(res, rows, durations)


def batch_figures(res: Results, rows: dict, durations: dict[str, float]) -> None:
    n = res.sizes.batch_items
    for (task, where), row in rows.items():
        wall = row.stats()["wall_median"]
        if wall is None:
            continue
        row.data["items_per_hour"] = n / wall * 3600
        row.figures = f"{n / wall * 3600:,.0f} items/h"
        fit = cost_fit(row.data.get("times", []), durations)
        if fit and where == "local":
            row.data["cost"] = {"per_item_s": fit[0], "per_second": fit[1]}
            row.figures += f"; a job: {fit[0]:.2f} s + {fit[1]:.3f} s per second of recording"
        local = rows[task, "local"].stats()["wall_median"]
        if where == "ray" and local:
            start = statistics.median(row.data.get("ray_init_s", [0])) + statistics.median(
                row.data.get("ray_shutdown_s", [0]))
            over = wall - start - local
            row.data.update(overhead_s=over, start_stop_s=start)
            row.figures += (f"; Ray start+stop {start:.1f} s; beyond it, overhead {over:+.1f} s "
                            f"({over / local:+.0%}), {over / n:+.2f} s per item")


# --- goals ----------------------------------------------------------------------------------------------

@dataclass
class Goal:
    goal: str
    status: str  # MET | NOT MET | NOT MEASURED
    figures: str


def goals(res: Results) -> list[Goal]:
    r, out = res.rows, []

    def med(row_id: str) -> float | None:
        row = r.get(row_id)
        return row.stats()["wall_median"] if row else None

    def status(ok: bool | None) -> str:
        return "NOT MEASURED" if ok is None else ("MET" if ok else "NOT MET")

    ours, peer, floor = med("audio.publish"), med("audio.normalize"), med("audio.floor")
    media = med("audio.media")
    if ours and peer:
        out.append(Goal("audio: at least 2x faster than ffmpeg-normalize (wall)", status(peer / ours >= 2),
                        f"publish {ours:.1f} s vs ffmpeg-normalize {peer:.1f} s: {peer / ours:.2f}x faster"
                        + (f" (media path alone {media:.1f} s: {peer / media:.2f}x)" if media else "")))
    else:
        out.append(Goal("audio: at least 2x faster than ffmpeg-normalize (wall)", status(None), "no figures"))
    if ours and floor:
        out.append(Goal("audio: within 1.3x of the floor (bare ffmpeg MP3)", status(ours / floor <= 1.3),
                        f"publish {ours:.1f} s vs floor {floor:.1f} s: {ours / floor:.2f}x"
                        + (f" (media path alone {media / floor:.2f}x)" if media else "")))
    else:
        out.append(Goal("audio: within 1.3x of the floor (bare ffmpeg MP3)", status(None), "no figures"))
    louds = (r["audio.publish"].data.get("loudness", []) if "audio.publish" in r else [])
    louds = [m for m in louds if m.get("integrated") is not None]
    if louds:
        worst_i = max(louds, key=lambda m: abs(m["integrated"] - TARGET_I))
        worst_tp = max(m["true_peak"] for m in louds)
        worst_lra = max(m["lra"] for m in louds)
        ok = abs(worst_i["integrated"] - TARGET_I) <= 0.5 and worst_tp <= TARGET_TP and worst_lra <= TARGET_LRA
        out.append(Goal("audio: -16 LUFS ±0.5, true peak ≤ -1.0 dBTP, LRA ≤ 8 LU (two-speaker input)", status(ok),
                        f"worst of {len(louds)} run(s): I {worst_i['integrated']:.1f} LUFS, TP {worst_tp:.1f} dBTP, "
                        f"LRA {worst_lra:.1f} LU"))
    else:
        out.append(Goal("audio: -16 LUFS ±0.5, true peak ≤ -1.0 dBTP, LRA ≤ 8 LU (two-speaker input)", status(None),
                        "no output measured"))
    sem, remux = med("video.seminar"), med("video.remux")
    out.append(Goal("video: compliant input within 1.2x of the bare remux",
                    status(sem / remux <= 1.2 if sem and remux else None),
                    f"seminar {sem:.1f} s vs remux {remux:.1f} s: {sem / remux:.2f}x" if sem and remux
                    else "publish seminar not available"))
    big = max(res.sizes.feeds)
    feed = med(f"feed.{big}")
    out.append(Goal(f"feed: {big:,} episodes under 1 s" + ("" if big >= 10000 else " (quick; the goal is 10,000)"),
                    status(feed < 1.0 if feed is not None else None),
                    f"render_feed median {feed:.2f} s" if feed is not None else "no figures"))
    pub = r.get("storage.publish-into-show")
    runs = pub.data.get("runs", []) if pub else []
    if runs:
        ok = all(set(x["uploaded"]) == set(x["expected"]) and set(x["changed_in_store"]) <= set(x["expected"])
                 for x in runs)
        out.append(Goal(f"publish into a show of {res.sizes.show_episodes:,}: media, manifest and feed, nothing else",
                        status(ok), pub.figures + f" (wall {med(pub.id):.1f} s)"))
    else:
        out.append(Goal("publish into a show of 1,000: media, manifest and feed, nothing else", status(None),
                        "S3 not measured" if not pub else "; ".join(pub.errors) or "no figures"))
    a, b = r.get("storage.put_file"), r.get("storage.upload_file")
    if a and b and "mb_per_s" in a.data and "mb_per_s" in b.data:
        q = a.data["mb_per_s"] / b.data["mb_per_s"]
        out.append(Goal("multipart upload: at least 0.9x the throughput of upload_file", status(q >= 0.9),
                        f"{a.data['mb_per_s']:.0f} vs {b.data['mb_per_s']:.0f} MB/s: {q:.2f}x"))
    else:
        out.append(Goal("multipart upload: at least 0.9x the throughput of upload_file", status(None), "not measured"))
    counted = r.get("stats.count")
    rate = counted.data.get("lines_per_minute") if counted else None
    out.append(Goal(f"stats: at least {STATS_GOAL:,} log lines a minute on one core", status(
        rate >= STATS_GOAL if rate else None), counted.figures if rate else "not measured"))
    long = r.get("audio.publish-2h")
    if long and long.ok_samples:
        # Judged on PSS, the tree's memory as the machine holds it: RSS summed over processes counts the
        # ffmpeg libraries (~45 MB, the same pages) once per ffmpeg, so 4 ffmpegs decoding nothing would
        # "use" 180 MB. Both are printed.
        peak = long.stats()["pss_tree_mb"]
        out.append(Goal("publish episode on a 2-hour recording: peak memory under 200 MB (process tree, PSS)",
                        status(peak < 200),
                        f"tree peak PSS {peak:.0f} MB (RSS summed over the processes {long.stats()['rss_tree_mb']:.0f} MB)"))
    else:
        out.append(Goal("publish episode on a 2-hour recording: peak memory under 200 MB (process tree, PSS)",
                        status(None), "full mode only" if not long else "; ".join(long.errors)))
    out.append(speech_goal(res))
    out.append(batch_goal(res))
    return out


def speech_goal(res: Results) -> Goal:
    """Issue #13: whisper base int8 at 0.10x real time or faster on 2 cores, the better of the two modes."""
    name = (f"speech (issue #13): whisper-base int8 at {SPEECH_GOAL:.2f}x real time or faster on {SPEECH_THREADS} cores"
            + ("" if res.sizes.speech_s >= 30 * 60 else
               f" (quick: a {_label_s(res.sizes.speech_s)} recording; the goal is on 30 minutes)"))
    rtf = {}
    for mode in ("unbatched", "batched"):
        row = res.rows.get(f"speech.{mode}")
        if row and row.data.get("rtf"):
            rtf[mode] = statistics.median(row.data["rtf"])
    if not rtf:
        row = res.rows.get("speech.unbatched")
        return Goal(name, "NOT MEASURED", "; ".join(row.errors) if row and row.errors else "not measured")
    best = min(rtf, key=rtf.get)
    figures = ", ".join(f"{mode} {x:.3f}x" for mode, x in rtf.items()) + f" real time (best: {best})"
    wer = res.rows[f"speech.{best}"].data.get("wer", [None])[-1]
    if wer is not None:
        figures += f"; WER {wer:.2f} on synthetic voices"
    auto = res.rows.get("speech.seminar-auto")
    if auto and "extra_s" in auto.data:
        figures += f"; publish seminar with machine captions +{auto.data['extra_s']:.1f} s over given captions"
    return Goal(name, "MET" if rtf[best] <= SPEECH_GOAL else "NOT MET", figures)


def batch_goal(res: Results) -> Goal:
    """Ray's overhead against the local pool over the three tasks together (sums of median walls), Ray's own
    start and stop (``ray.init``/``shutdown`` in the driver; a standing cluster pays them once) apart."""
    goal = "batch: Ray on this machine within 10 % of the local pool (wall, all three tasks, start apart)"
    rows = [(res.rows.get(f"batch.{t}.local"), res.rows.get(f"batch.{t}.ray")) for t in BATCH_TASKS]
    rows = [(a, b) for a, b in rows if a and b and a.walls() and b.walls() and "overhead_s" in b.data]
    if not rows:
        return Goal(goal, "NOT MEASURED", "no figures")
    local = sum(statistics.median(a.walls()) for a, _ in rows)
    over = sum(b.data["overhead_s"] for _, b in rows)
    start = statistics.median([b.data["start_stop_s"] for _, b in rows])
    n = res.sizes.batch_items * len(rows)
    return Goal(goal, "MET" if over <= 0.1 * local else "NOT MET",
                f"local pool {local:.1f} s for {n} jobs; Ray {local + over:.1f} s beyond its start+stop "
                f"({start:.1f} s per driver): overhead {over:+.1f} s ({over / local:+.0%}), {over / n:+.2f} s "
                f"per item; with start+stop {(over + start * len(rows)) / local:+.0%}")


# --- printing ---------------------------------------------------------------------------------------------

def _f(x: float | None, fmt: str) -> str:
    return "-" if x is None else format(x, fmt)


def table(res: Results) -> str:
    head = ["measurement", "runs", "wall med s", "min", "max", "CPU s", "RSS proc MB", "RSS tree MB",
            "PSS tree MB", "÷peer", "÷floor", "figures"]
    lines = []
    for row in res.rows.values():
        st = row.stats()
        runs = f"{st['runs']}" + (f" ({st['failed']} failed)" if st["failed"] else "")
        figures = row.figures
        if row.errors:
            figures = (figures + "; " if figures else "") + "FAILED: " + row.errors[-1]
        if row.note:
            figures += f" [{row.note}]"
        lines.append([row.label, runs, _f(st["wall_median"], ".2f"), _f(st["wall_min"], ".2f"),
                      _f(st["wall_max"], ".2f"), _f(st["cpu_median"], ".1f"), _f(st["rss_max_mb"], ".0f"),
                      _f(st["rss_tree_mb"], ".0f"), _f(st["pss_tree_mb"], ".0f"), _f(res.ratio(row, row.peer), ".2f"),
                      _f(res.ratio(row, row.floor), ".2f"), figures])
    widths = [max(len(str(x[i])) for x in [head, *lines]) for i in range(len(head) - 1)]
    fmt_line = lambda cells: "  ".join(  # noqa: E731
        [str(c).ljust(widths[0]) if i == 0 else str(c).rjust(widths[i]) for i, c in enumerate(cells[:-1])]
        + [str(cells[-1])]).rstrip()
    out = [fmt_line(head), fmt_line(["-" * w for w in widths] + ["-" * 7])]
    out += [fmt_line(x) for x in lines]
    return "\n".join(out)


def report(res: Results) -> str:
    m = res.machine
    parts = [
        f"machine: nproc {m['nproc']}, CPU {m['cpu']}, memory {m['memory']}, Linux {m['kernel']}",
        f"tools:   {m['ffmpeg']}; {m['ffmpeg-normalize']}; Python {m['python']}; measured with {m['time']}",
        f"tree:    {m.get('tree', '?')}",
        f"mode:    {res.mode} ({res.sizes.runs} run(s) per command, alternating), started {res.started}"
        + (f"; rows of other sections from {res.merged_from}" if res.merged_from else ""),
        "",
        table(res),
        "",
        "RSS proc: largest single process (wait4 ru_maxrss, as /usr/bin/time %M); RSS/PSS tree: peak of the summed "
        f"RSS/PSS of the whole process tree, sampled every {SAMPLE_EVERY} s (PSS counts shared libraries once). "
        "CPU: user+sys of the tree. ÷peer/÷floor: ratio of median walls.",
        load_line(res),
    ]
    parts += [f"{line}" for line in res.skipped]
    parts += ["", "goals (issue #6)"]
    for g in goals(res):
        parts.append(f"  {g.status:<13} {g.goal}: {g.figures}")
    return "\n".join(parts)


def chart(res: Results, out: Path) -> Path:
    """The goals as a picture (PNG): each comparison as bars of median wall time (memory: peak MB; speech:
    seconds per second of audio), ours in the archive's blue, the peer and the floor in grey, the goal as a
    dashed line, min-max as whiskers."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    def wall(row_id: str) -> tuple[float, float, float] | None:
        row = res.rows.get(row_id)
        st = row.stats() if row and row.ok_samples else None
        return (st["wall_median"], st["wall_min"], st["wall_max"]) if st else None

    def rtf(row_id: str) -> tuple[float, float, float] | None:
        got = res.rows[row_id].data.get("rtf") if row_id in res.rows else None
        return (statistics.median(got), min(got), max(got)) if got else None

    floor, remux, big = wall("audio.floor"), wall("video.remux"), max(res.sizes.feeds)
    long = res.rows.get("audio.publish-2h")
    memory = long.stats() if long and long.ok_samples else None
    panels = [
        ("Audio: 30 min of speech to MP3 (s)", [("ffmpeg-normalize", wall("audio.normalize"), "peer"),
                                                  ("publish episode", wall("audio.publish"), "ours"),
                                                  ("media path alone", wall("audio.media"), "ours"),
                                                  ("bare MP3 encode", floor, "floor")],
         (1.3 * floor[0], "1.3x the floor") if floor else None),
        ("Seminar: 30 min 720p H.264 (s)", [("publish seminar", wall("video.seminar"), "ours"),
                                            ("bare remux + AAC", remux, "floor")],
         (1.2 * remux[0], "1.2x the remux") if remux else None),
        (f"Feed of {big:,} episodes (s)", [(f"render {n:,}", wall(f"feed.{n}"), "ours") for n in res.sizes.feeds],
         (1.0, "1 s")),
        ("2-hour publish: peak memory (MB)",
         [("process tree, PSS", (memory["pss_tree_mb"],) * 3 if memory else None, "ours"),
          ("RSS summed", (memory["rss_tree_mb"],) * 3 if memory else None, "floor")], (200.0, "200 MB")),
        (f"Speech: whisper-base int8, {SPEECH_THREADS} cores (x real time)",
         [(mode, rtf(f"speech.{mode}"), "ours") for mode in ("unbatched", "batched")],
         (SPEECH_GOAL, f"{SPEECH_GOAL:.2f}x")),
        ("Seminar: captions given or by machine (s)", [("machine captions", wall("speech.seminar-auto"), "ours"),
                                                        ("given captions", wall("speech.seminar-given"), "floor")],
         None),
    ]
    colours = {"ours": "#0a4f86", "peer": "#8a8a8a", "floor": "#b8b8b8"}
    fig = Figure(figsize=(10, 9.6), dpi=110, layout="constrained")
    for ax, (title, bars, goal) in zip(fig.subplots(3, 2).flat, panels):
        bars = [(label, value, role) for label, value, role in bars if value is not None]
        ys = range(len(bars))
        ax.barh(list(ys), [v[0] for _, v, _ in bars], height=0.6, color=[colours[r] for _, _, r in bars],
                xerr=[[v[0] - v[1] for _, v, _ in bars], [v[2] - v[0] for _, v, _ in bars]], capsize=3)
        ax.set_yticks(list(ys), [label for label, _, _ in bars])
        ax.invert_yaxis()
        for y, (_, v, _) in zip(ys, bars):
            ax.annotate(f" {v[0]:.3g}", (v[2], y), va="center", fontsize=9)
        ax.set_title(title, fontsize=10, loc="left")
        ax.margins(x=0.18)
        ax.set_ylim(len(bars) - 0.4, -0.9)  # room above the first bar for the goal's label
        if goal:
            ax.axvline(goal[0], color="#b34700", linestyle="--", linewidth=1.2)
            left, right = ax.get_xlim()
            on_left = goal[0] < (left + right) / 2  # the label goes where there is room
            ax.annotate(f" goal: {goal[1]} " if on_left else f"goal: {goal[1]} ", (goal[0], -0.65),
                        color="#b34700", fontsize=8, ha="left" if on_left else "right", va="center")
        ax.spines[["top", "right"]].set_visible(False)
    m = res.machine
    fig.suptitle(f"scripts/bench, {res.started[:10]}: {m['nproc']} cores ({m['cpu']}), {m['ffmpeg'].split(' Copyright')[0]}",
                 fontsize=10)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    return out


def load_line(res: Results) -> str:
    loads = [s.load1 for r in res.rows.values() for s in r.samples]
    if not loads:
        return "load: no commands run"
    busy = max(loads) > 1.5 * (os.cpu_count() or 1)
    return (f"load: 1-min load average {min(loads):.1f}-{max(loads):.1f} when commands started (median "
            f"{statistics.median(loads):.1f}) on {os.cpu_count()} CPUs"
            + ("; the machine was busy with other work, so walls are inflated: compare CPU s and the ratios"
               if busy else ""))


def prepare_inputs(res: Results, cache: Path, only: set[str], say) -> None:
    """Make every input first, so waiting for an idle machine and the measurements come after it."""
    sz = res.sizes
    t0 = time.perf_counter()
    if only & {"audio", "storage", "video"}:
        speech_wav(cache, sz.audio_s)
    if "storage" in only:
        speech_wav(cache, 20)
        if s3_available() is None:
            upload_file(cache, sz.upload_mb)
    if "video" in only and seminar_available() is None:
        compliant_video(cache, sz.video_s)
        noncompliant_video(cache, sz.transcode_s)
        camera_video(cache, sz.video_s)
    if "memory" in only and sz.long_audio_s:
        speech_wav(cache, sz.long_audio_s)
    if "speech" in only and speech_available() is None:
        wav, _ = known_speech(cache, sz.speech_s)
        compliant_video(cache, sz.speech_s, speech=wav, name="video-known-speech")
    if "batch" in only:
        batch_clips(cache, sz.batch_items)
    say(f"inputs ready in {cache / 'inputs'} ({time.perf_counter() - t0:.0f} s)")


def wait_idle(limit_s: float, say, threshold: float = 0.5) -> None:
    """Wait (at most ``limit_s``) until the 1-minute load average drops below ``threshold``."""
    deadline = time.monotonic() + limit_s
    if os.getloadavg()[0] < threshold:
        return
    say(f"waiting up to {limit_s:.0f} s for the machine to go idle (load {os.getloadavg()[0]:.1f})")
    while time.monotonic() < deadline and os.getloadavg()[0] >= threshold:
        time.sleep(5)
    say(f"load now {os.getloadavg()[0]:.1f}")


# --- main -------------------------------------------------------------------------------------------------

SECTIONS = ("audio", "video", "feed", "storage", "memory", "stats", "speech", "batch")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="scripts/bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="1 run each on tiny inputs (20 s audio, 10 s video, "
                                                         "feeds of 100/1,000, a 20 MB upload, 40 s of speech)")
    ap.add_argument("--runs", type=int, help="runs per command (default 3, the speech section 1; 1 with --quick)")
    ap.add_argument("--only", action="append", choices=SECTIONS, help="measure only this section (repeatable)")
    ap.add_argument("--cache", type=Path, default=ROOT / ".bench", help="inputs and work folder (default .bench/)")
    ap.add_argument("--json", type=Path, help="results file (default CACHE/results.json)")
    ap.add_argument("--report", type=Path, metavar="JSON", help="only print the table and goals of a results file")
    ap.add_argument("--merge", type=Path, metavar="JSON",
                    help="with --only: take the other sections' rows from this earlier results file")
    ap.add_argument("--chart", type=Path, metavar="PNG", help="also draw the goals as a picture (PNG)")
    ap.add_argument("--wait-idle", type=float, default=0, metavar="S",
                    help="first wait up to S seconds for the 1-minute load average to drop below 0.5")
    args = ap.parse_args(argv)
    if args.report:
        old = json.loads(args.report.read_text())
        res = Results(old["mode"], Sizes(**{**old["sizes"], "feeds": tuple(old["sizes"]["feeds"])}))
        res.machine, res.started = old["machine"], old["started"]
        merge_previous(res, args.report, set())
        res.merged_from = old.get("merged_from")
        print(report(res))
        if args.chart:
            print(f"chart: {chart(res, args.chart)}")
        return 0
    sizes = Sizes.for_mode(args.quick, args.runs)
    res = Results("quick" if args.quick else "full", sizes)
    cache = args.cache.resolve()
    cache.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="work-", dir=cache))
    t_start = time.perf_counter()

    def say(text: str) -> None:
        print(f"[{time.perf_counter() - t_start:6.1f} s] {text}", file=sys.stderr, flush=True)

    m = res.machine
    say(f"machine: nproc {m['nproc']}, CPU {m['cpu']}, load {os.getloadavg()[0]:.1f}")
    only = set(args.only or SECTIONS)
    if args.merge:
        merge_previous(res, args.merge, only)
    prepare_inputs(res, cache, only, say)
    if args.wait_idle:
        wait_idle(args.wait_idle, say)
    out = args.json or cache / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    sections = {"audio": bench_audio, "video": bench_video, "feed": bench_feed, "storage": bench_storage,
                "stats": bench_stats,
                "memory": bench_long_audio, "speech": bench_speech, "batch": bench_batch}
    failed = []
    try:
        for name, run_section in sections.items():
            if name not in only:
                continue
            try:
                run_section(res, cache, work, say)
            except Exception as e:  # noqa: BLE001 - one broken section must not lose the others' figures
                import traceback

                traceback.print_exc()
                failed.append(name)
                res.skipped.append(f"{name}: FAILED part-way ({type(e).__name__}: {' '.join(str(e).split())[:200]})")
                say(res.skipped[-1])
            out.write_text(json.dumps(res.to_json(), indent=2, ensure_ascii=False))  # partial results survive
    finally:
        shutil.rmtree(work, ignore_errors=True)
    text = report(res)
    print(text)
    print(f"\ntotal {time.perf_counter() - t_start:.0f} s")
    out.write_text(json.dumps(res.to_json(), indent=2, ensure_ascii=False))
    print(f"results: {out}")
    if args.chart:
        print(f"chart: {chart(res, args.chart)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
