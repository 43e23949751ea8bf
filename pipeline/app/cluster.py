"""Where a batch's jobs run: a process pool on this machine (``media.runner.process_pool``), or a Ray cluster.

The one home of ``ray`` (an optional extra: ``pip install .[cluster]``). ``--cluster local`` is the pool;
``auto`` is the Ray instance this process already started (a test's, the benchmark's ``ray.init``) or the
cluster ``RAY_ADDRESS`` names, else the pool; ``ray://HOST:PORT`` is that cluster. Jobs carry no credentials:
each worker's machine finds them by the standard AWS chain (environment, ~/.aws, an instance role).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import as_completed
from dataclasses import dataclass
from urllib.parse import urlsplit

from pipeline.media.runner import cores, process_pool
from pipeline.model.errors import InputError

LOOPBACK = {"127.0.0.1", "localhost", "::1", ""}


@dataclass(frozen=True)
class Placement:
    """Where the jobs go: "local" (a pool of ``workers``), or "ray" at ``address`` (None: already connected)."""

    kind: str
    address: str | None = None
    workers: int = 1

    @property
    def remote(self) -> bool:
        return self.kind == "ray" and self.address is not None and urlsplit(
            self.address if "://" in self.address else f"ray://{self.address}").hostname not in LOOPBACK

    def describe(self) -> str:
        if self.kind == "local":
            return f"a local pool of {self.workers} process{'es' if self.workers != 1 else ''}"
        return f"the Ray cluster at {self.address}" if self.address else "the Ray instance of this process"


def _ray():
    try:
        import ray
    except ImportError:
        return None
    return ray


def place(cluster: str, workers: int | None, storage_url: str) -> Placement:
    """Where ``--cluster`` sends the jobs; a remote cluster with a store only this machine has is refused."""
    workers = workers or cores()
    if cluster == "local":
        return Placement("local", workers=workers)
    ray = _ray()
    if cluster == "auto":
        if ray is not None and ray.is_initialized():
            found = Placement("ray", workers=workers)
        elif os.environ.get("RAY_ADDRESS"):
            found = Placement("ray", os.environ["RAY_ADDRESS"], workers)
        else:
            return Placement("local", workers=workers)
    elif cluster.startswith("ray://"):
        found = Placement("ray", cluster, workers)
    else:
        raise InputError(f"{cluster!r}: give local, auto or ray://HOST:PORT", "--cluster")
    if ray is None:
        raise InputError("Ray is not installed: pip install '.[cluster]' (or use --cluster local)", "--cluster")
    if found.remote and storage_url.startswith("file://"):
        raise InputError(f"a remote cluster's workers cannot reach the local store {storage_url}; publish to "
                         "S3 (storage = \"s3://...\" in feeds/site.toml) or use --cluster local", "--cluster")
    return found


def run_jobs(placement: Placement, work: Callable, jobs: list, needs, failed: Callable) -> Iterator:
    """``work(job)`` for each job, results as they end; a job whose worker died gives ``failed(job, why)``."""
    if not jobs:
        return iter(())
    if placement.kind == "local":
        return _run_pool(placement.workers, work, jobs, failed)
    return _run_ray(placement.address, work, jobs, needs, failed)


def _run_pool(workers: int, work: Callable, jobs: list, failed: Callable) -> Iterator:
    with process_pool(min(workers, len(jobs))) as pool:
        futures = {pool.submit(work, job): job for job in jobs}
        for future in as_completed(futures):
            try:
                yield future.result()
            except Exception as e:  # noqa: BLE001 — a worker that died (killed, out of memory) fails its job
                yield failed(futures[future], f"the worker process died ({type(e).__name__})")


def _run_ray(address: str | None, work: Callable, jobs: list, needs, failed: Callable) -> Iterator:
    ray = _ray()
    if not ray.is_initialized():
        ray.init(address=address, include_dashboard=False, log_to_driver=False)
    remote = ray.remote(work).options(num_cpus=needs.cpus, memory=needs.memory, num_gpus=needs.gpus,
                                      max_retries=2)  # a worker killed mid-job: Ray runs the job again
    pending = {remote.remote(job): job for job in jobs}
    while pending:
        ready, _ = ray.wait(list(pending), num_returns=1)
        job = pending.pop(ready[0])
        try:
            yield ray.get(ready[0])
        except Exception as e:  # noqa: BLE001 — retries spent: this job alone fails
            yield failed(job, f"the Ray worker failed ({type(e).__name__})")
