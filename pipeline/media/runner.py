"""The one place that runs external tools (ffmpeg, ffprobe). Commands are lists, never shell strings, and every
ffmpeg or ffprobe command line is built by ``ffmpeg_args`` or ``ffprobe_args``, which write each file (a path
object, never a string) unambiguously (``file_arg``)."""

from __future__ import annotations

import collections
import io
import logging
import os
import shlex
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence

from pipeline.model.errors import ToolError

log = logging.getLogger("pipeline.runner")


def install_hint(platform: str = sys.platform) -> str:
    """How to get ffmpeg (and ffprobe, which comes with it) on this kind of machine."""
    if platform == "darwin":
        return "install it with: brew install ffmpeg"
    if platform.startswith("win"):
        return "install it with: winget install Gyan.FFmpeg (then open a new terminal)"
    return "install it with: sudo apt-get install ffmpeg (or run scripts/demo, which installs what is missing)"


STDERR_TAIL_LINES = 400
BACKGROUND = 10  # the ``nice`` of work that is needed only at the end

INSTALL_HINT = install_hint()

# Every tool running now, so a stopped run can end them at once (``stop_tools``) instead of leaving an
# ffmpeg encoding into a deleted folder, or a worker thread waiting for one.
_running: set[subprocess.Popen] = set()
_running_lock = threading.Lock()


def _track(proc: subprocess.Popen, running: bool) -> None:
    with _running_lock:
        (_running.add if running else _running.discard)(proc)


def stop_tools() -> None:
    """Kill every tool this process started that is still running."""
    with _running_lock:
        procs = list(_running)
    for proc in procs:
        try:
            proc.kill()
        except OSError:
            pass


def tool_path(name: str) -> str:
    """The binary for ``name``, honouring FFMPEG_PATH / FFPROBE_PATH overrides (a path, or a name on PATH)."""
    variable = f"{name.upper()}_PATH"
    override = os.environ.get(variable)
    if override:
        path = shutil.which(override)
        if not path:
            raise ToolError(f"{variable}={override} is not an executable file; point it at {name}, "
                            f"or unset {variable} to use the {name} on PATH")
        return path
    path = shutil.which(name)
    if not path:
        raise ToolError(f"{name} was not found on PATH; {INSTALL_HINT}")
    return path


Arg = str | os.PathLike  # an option or a value as it is; a path object is a file (``file_arg``)


def file_arg(path: "os.PathLike[str] | str") -> str:
    """A file as ffmpeg and ffprobe must be given it: the ``file:`` protocol and the absolute path, so that a
    name starting with ``-`` is never read as an option, nor one like ``a:b.wav`` as a protocol."""
    return "file:" + os.path.abspath(path)


def _args(args: tuple[Arg, ...]) -> list[str]:
    """``args`` with each path object as ``file_arg`` writes it; strings (options, ``pipe:``, ``-``) as they are."""
    return [file_arg(a) if isinstance(a, os.PathLike) else a for a in args]


def ffmpeg_args(*args: Arg) -> list[str]:
    """ffmpeg with the flags every call wants: no banner, no stdin, overwrite our own temp outputs.
    Files are given as path objects (``Path``), never as strings: see ``file_arg``."""
    return ["ffmpeg", "-hide_banner", "-nostdin", "-y", *_args(args)]


def ffprobe_args(*args: Arg) -> list[str]:
    """ffprobe with the flags every call wants (it never reads stdin, so it has no ``-nostdin``); files as for
    ``ffmpeg_args``."""
    return ["ffprobe", "-hide_banner", *_args(args)]


def _resolved(args: Sequence[str]) -> list[str]:
    """``args`` with the tool's binary for its name (``tool_path``), logged as it will run."""
    cmd = [tool_path(args[0]), *args[1:]]
    log.debug("run: %s", shlex.join(cmd))
    return cmd


def _failure(name: str, cmd: list[str], returncode: int, stderr: str) -> ToolError:
    """What a tool that failed leaves as evidence: its command, exit status and the last lines of its stderr."""
    tail = "\n".join(stderr.strip().splitlines()[-5:])
    return ToolError(f"{name} failed (exit {returncode}): {tail.splitlines()[-1] if tail else 'no output'}",
                     command=cmd, stderr_tail=tail, returncode=returncode)


def run(
    args: Sequence[str],
    *,
    on_stderr_line: Callable[[str], None] | None = None,
    check: bool = True,
    nice: int = 0,
) -> subprocess.CompletedProcess[str]:
    """Run ``args`` (args[0] is a tool name), capture output, and raise ToolError with evidence on failure.

    ``on_stderr_line`` sees each stderr line as it arrives (ffmpeg's progress), so long runs can drive a bar;
    the result's ``stderr`` then holds the last ``STDERR_TAIL_LINES`` lines only (summaries come last).
    ``nice`` lowers the priority of work that is off the critical path (see ``renice``).
    """
    cmd = _resolved(args)
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                          text=True, errors="replace", bufsize=1 if on_stderr_line else -1) as p:
        _track(p, True)
        try:
            renice(p, nice)
            if on_stderr_line is None:
                stdout, stderr = p.communicate()
            else:
                # The callback sees every line; only the tail is kept (a 2-hour frame log is 72,000 lines).
                lines: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL_LINES)
                assert p.stderr is not None and p.stdout is not None
                for line in p.stderr:
                    lines.append(line)
                    on_stderr_line(line)
                stdout, stderr = p.stdout.read(), "".join(lines)
        finally:
            _track(p, False)
    proc = subprocess.CompletedProcess(cmd, p.returncode, stdout, stderr)
    if check and proc.returncode != 0:
        raise _failure(args[0], cmd, proc.returncode, stderr)
    return proc


def renice(proc: subprocess.Popen, nice: int) -> None:
    """Lower ``proc``'s CPU priority by ``nice``. On two cores, a step that is needed only at the end (the
    source's own measurement, a seminar's audio-only MP3) then yields to the step everything waits for
    (the encoder), instead of taking an equal share of its core."""
    if nice:
        try:
            os.setpriority(os.PRIO_PROCESS, proc.pid, nice)
        except (ProcessLookupError, PermissionError):
            pass  # already gone, or not allowed: it only ran at normal priority


def _drain(stream, sink: "collections.deque[str]", on_line: Callable[[str], None] | None) -> None:
    for line in stream:
        sink.append(line)
        if on_line:
            on_line(line)


def _drain_stderr(proc: subprocess.Popen, sink: "collections.deque[str]",
                  on_line: Callable[[str], None] | None) -> threading.Thread:
    """A thread that reads ``proc``'s stderr as text into ``sink`` (and ``on_line``), so no pipe fills up."""
    text = io.TextIOWrapper(proc.stderr, errors="replace", newline=None)
    thread = threading.Thread(target=_drain, args=(text, sink, on_line), daemon=True)
    thread.start()
    return thread


def _copy_out(source, output: "os.PathLike[str]", tee: subprocess.Popen | None) -> None:
    """``source``'s bytes into the file ``output``, and into ``tee``'s stdin as well while it reads them."""
    with open(output, "wb") as out:
        while chunk := source.read(1 << 16):
            out.write(chunk)
            if tee is not None:
                try:
                    tee.stdin.write(chunk)
                except BrokenPipeError:
                    pass
    if tee is not None:
        tee.stdin.close()


def run_chain(
    producer: Sequence[str],
    encoder: Sequence[str],
    output: "os.PathLike[str]",
    *,
    measurer: Sequence[str] | None = None,
    on_stderr_line: Callable[[str], None] | None = None,
    on_measurer_line: Callable[[str], None] | None = None,
    nice: int = 0,
) -> str | None:
    """Run ``producer | encoder > output`` (and ``| measurer`` on a copy of the encoder's bytes).

    Each is an ffmpeg process of its own, so filtering, encoding and measuring the delivered bytes
    use both cores at once instead of one after another. ``on_stderr_line`` sees the producer's lines
    (progress), ``on_measurer_line`` the measurer's (a frame log). Returns the measurer's last
    ``STDERR_TAIL_LINES`` stderr lines (its summary comes last). ``nice``: as for ``run``.
    Any failing process raises ToolError with its command and stderr tail; what reached ``output`` stays
    (callers write it in their temporary folder, which goes with them).
    """
    cmds = [_resolved(c) for c in (producer, encoder, *([measurer] if measurer else []))]
    procs: list[subprocess.Popen] = []
    errs = [collections.deque(maxlen=STDERR_TAIL_LINES) for _ in cmds]
    callbacks = [on_stderr_line, None, on_measurer_line]

    def start(cmd: list[str], stdin, stdout) -> subprocess.Popen:
        proc = subprocess.Popen(cmd, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE)
        procs.append(proc)
        _track(proc, True)
        return proc

    try:
        p1 = start(cmds[0], subprocess.DEVNULL, subprocess.PIPE)
        p2 = start(cmds[1], p1.stdout, subprocess.PIPE)
        p1.stdout.close()  # so p1 sees SIGPIPE if p2 dies
        p3 = start(cmds[2], subprocess.PIPE, subprocess.DEVNULL) if measurer else None
        for p in procs:
            renice(p, nice)
        threads = [_drain_stderr(p, err, on_line) for p, err, on_line in zip(procs, errs, callbacks)]
        _copy_out(p2.stdout, output, p3)
        for p in procs:
            p.wait()
        for t in threads:
            t.join()
    except BaseException:
        for p in procs:
            p.kill()
        raise
    finally:
        for p in procs:
            _track(p, False)
    for cmd, p, err in zip(cmds, procs, errs):
        if p.returncode != 0:
            raise _failure(os.path.basename(cmd[0]), cmd, p.returncode, "".join(err))
    return "".join(errs[2]) if measurer else None


def start_forked(work: Callable[[], bytes]) -> Callable[[], bytes]:
    """Start ``work`` in a forked copy of this process, on another core, and return what waits for its bytes.

    A copy that fails is not trusted: ``work`` then runs again here, so its error is raised in this process.
    Where fork is not available, or there is one core, ``work`` runs here when its bytes are asked for.
    """
    if sys.platform != "linux" or (os.cpu_count() or 1) < 2:
        return work
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # the copy: write the bytes into the pipe, then leave without any clean-up
        status = 1
        try:
            os.close(read_end)
            data = work()
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(data)
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)

    def result() -> bytes:
        with os.fdopen(read_end, "rb") as pipe:
            data = pipe.read()
        if os.waitstatus_to_exitcode(os.waitpid(child, 0)[1]) != 0:
            return work()
        return data

    return result


def process_pool(workers: int):
    """A pool of ``workers`` processes for independent jobs (``publish batch``): started here, as every
    process is. Each worker is a fresh interpreter from a fork server, not a fork of a caller that may hold
    threads (a store client's, a progress bar's) and their locks; a worker that dies fails only its job."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    method = "forkserver" if sys.platform == "linux" else "spawn"
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method))


def cores() -> int:
    """The cores this process may run on (its affinity where the system says it, else the machine's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1
