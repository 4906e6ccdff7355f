"""`ocrchat serve` started by a benchmark, with its own ports and state, and its memory and CPU time."""

import os
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import psutil

from bench.page_reader_env import without_page_reader_env

ROOT = Path(__file__).resolve().parent.parent


def _tree_sum(root: psutil.Process, value_of: Callable[[psutil.Process], float]) -> float:
    """`value_of` summed over a process and all its descendants (those that end meanwhile count 0)."""
    total = 0.0
    for process in [root, *root.children(recursive=True)]:
        try:
            total += value_of(process)
        except psutil.Error:
            pass
    return total


def tree_rss_mb(root: psutil.Process, without: str | None = None) -> float:
    """Summed RSS of a process and all its descendants, in MB; `without`: leave out the
    processes whose command line holds it."""

    def rss(process: psutil.Process) -> float:
        return process.memory_info().rss if without is None or without not in " ".join(process.cmdline()) else 0

    return _tree_sum(root, rss) / 2**20


def _cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system + times.children_user + times.children_system


def tree_cpu_seconds(root: psutil.Process) -> float:
    """CPU time (user and system) used so far by a process and all its descendants, with that of
    their children that have exited (Redis's AOF rewrites)."""
    return _tree_sum(root, _cpu_seconds)


class Service:
    """`ocrchat serve` in a subprocess with its own ports and state, and the RSS of its tree."""

    def __init__(self, port: int, redis_port: int, state_dir: str) -> None:
        env = without_page_reader_env(dict(os.environ)) | {
            "OCRCHAT_PORT": str(port),
            "OCRCHAT_REDIS_PORT": str(redis_port),
            "OCRCHAT_STATE_DIR": state_dir,
            "OCRCHAT_DASHBOARD": "false",
            # A benchmark is one anonymous caller sending far more than the anonymous plan allows.
            "OCRCHAT_ANONYMOUS_DAILY_PAGES": "100000000",
            "OCRCHAT_ANONYMOUS_MAX_PAGES_PER_FILE": "10000",
            # This checkout's code, in the driver too: the venv's `ocrchat` script may be an editable
            # install of another checkout (a worktree sharing the main one's venv).
            "PYTHONPATH": str(ROOT),
        }
        self.url = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [str(ROOT / ".venv/bin/ocrchat"), "serve"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.peak_mb = 0.0
        self.peak_without_redis_mb = 0.0

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(1)
        raise RuntimeError("the service did not become ready")

    def rss_mb(self, without_redis: bool = False) -> float:
        """Summed RSS of the service process and everything it started (Ray, workers, Redis);
        `without_redis`: all but Redis, whose memory holds the results kept until they expire."""
        return tree_rss_mb(psutil.Process(self.process.pid), "redis-server" if without_redis else None)

    def cpu_seconds(self) -> float:
        """CPU time used so far by the service process and everything it started."""
        return tree_cpu_seconds(psutil.Process(self.process.pid))

    def sample_peak(self):
        """A context that records the peak summed RSS while it is open (`peak_mb`, and
        `peak_without_redis_mb`), sampled every 0.25 s. The service's processes are listed again
        every 2 s: listing them takes most of a sample's CPU, which the service would lose (2% of
        a core when every sample listed them, 0.4% now)."""
        return _PeakSampler(self)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=120)


class _PeakSampler:
    """`Service.sample_peak`'s context."""

    SAMPLE_SECONDS = 0.25
    LIST_EVERY_SAMPLES = 8

    def __init__(self, service: Service) -> None:
        self._service = service
        self._sampling = False
        self._processes: list[tuple[psutil.Process, bool]] = []  # (process, is Redis)

    def __enter__(self) -> None:
        self._service.peak_mb = self._service.peak_without_redis_mb = 0.0
        self._sample(list_processes=True)
        self._sampling = True
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def __exit__(self, *exc) -> None:
        self._sampling = False
        self._thread.join()

    def _run(self) -> None:
        samples = 0
        while self._sampling:
            time.sleep(self.SAMPLE_SECONDS)
            samples += 1
            self._sample(list_processes=samples % self.LIST_EVERY_SAMPLES == 0)

    def _sample(self, list_processes: bool) -> None:
        if list_processes:
            root = psutil.Process(self._service.process.pid)
            self._processes = [(process, _is_redis(process)) for process in [root, *root.children(recursive=True)]]
        total = redis = 0.0
        for process, is_redis in self._processes:
            try:
                rss = process.memory_info().rss / 2**20
            except psutil.Error:
                continue
            total += rss
            redis += rss if is_redis else 0.0
        self._service.peak_mb = max(self._service.peak_mb, total)
        self._service.peak_without_redis_mb = max(self._service.peak_without_redis_mb, total - redis)


def _is_redis(process: psutil.Process) -> bool:
    try:
        return "redis-server" in " ".join(process.cmdline())
    except psutil.Error:
        return False
