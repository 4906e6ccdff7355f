"""The CPU-OCR deployment: the PP-OCR and Tesseract engines behind the language router and the
layout and table-structure models, loaded once per replica."""

import asyncio
import concurrent.futures
import logging
import resource
import time

import numpy as np
import ray
from ray import serve

from configs.settings import Settings
from engines import native_heap
from engines.page_reader import cpu_reader
from engines.types import PageResult
from pipelines import metrics
from pipelines.heap import freeze_startup_objects

logger = logging.getLogger("ray.serve")

# A replica that has read no page for this long gives the memory its pages freed back to the system.
# Not sooner: the next page would fault that memory in again (docs/capacity.md, the idle trim).
IDLE_TRIM_SECONDS = 30.0


def resident_mb() -> float:
    """This process's resident memory now (Linux `/proc`; the peak where there is none)."""
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[1])
        return pages * resource.getpagesize() / 2**20
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def replica_cpus() -> int:
    """The CPUs Ray gave this replica (`num_cpus` in the Serve config), at least 1."""
    return max(1, int(ray.get_runtime_context().get_assigned_resources().get("CPU", 1)))


@serve.deployment(name="CpuOcr")
class CpuOcr:
    def __init__(self, settings: Settings) -> None:
        threads = settings.ocr_threads or replica_cpus()
        self._engine = cpu_reader(settings.model_cache_dir, threads, settings.det_limit_side_len, settings.cpu_profile)
        self._max_rss_mb = settings.ocr_replica_max_rss_mb
        # Every page is read from this one thread, one at a time (its lines and layout also on the
        # engine's own long-lived threads); the next request waits in its queue, already delivered.
        # A sync method would run on Serve's pool threads, which are retired when idle: with pages
        # on changing threads, a replica held much more resident memory (likely glibc's per-thread
        # arenas; docs/capacity.md).
        self._reader = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="ocr")
        self._in_flight = 0
        self._idle_trim: asyncio.TimerHandle | None = None
        freeze_startup_objects()  # the models' objects stay out of every later collection

    async def recognize(self, image: np.ndarray, language: str = "auto", task: str = "ocr") -> PageResult:
        """Read a page with the engine that reads `language` best (`auto`: detected per page).
        `task` is the VLM's (pipelines/jobs/options.py): the cpu tier has one way to read a page."""
        loop = asyncio.get_running_loop()
        self._in_flight += 1
        try:
            return await loop.run_in_executor(self._reader, self._read, image, language)
        finally:
            self._in_flight -= 1
            self._trim_when_idle(loop)

    def _trim_when_idle(self, loop: asyncio.AbstractEventLoop) -> None:
        """Between a job's pages glibc keeps freed memory for the next page; once no page has come
        for IDLE_TRIM_SECONDS, it goes back to the system (on the reader thread, after any page)."""
        if self._idle_trim is not None:
            self._idle_trim.cancel()
        if not self._in_flight:
            self._idle_trim = loop.call_later(IDLE_TRIM_SECONDS, self._trim_if_idle, loop)

    def _trim_if_idle(self, loop: asyncio.AbstractEventLoop) -> None:
        self._idle_trim = None
        if not self._in_flight:
            loop.run_in_executor(self._reader, native_heap.trim)

    def _read(self, image: np.ndarray, language: str) -> PageResult:
        start = time.perf_counter()
        result = self._engine.recognize(image, language)
        metrics.page_read(time.perf_counter() - start, "cpu", result.engine)
        return result

    def ping(self) -> bool:
        return True

    def check_health(self) -> None:
        """Serve calls this every `health_check_period_s`; raising makes it replace the replica,
        which is how a replica that grew past `ocr_replica_max_rss_mb` is recycled."""
        rss = resident_mb()
        if self._max_rss_mb and rss > self._max_rss_mb:
            logger.warning("CpuOcr replica uses %.0f MB > %d MB: asking Serve to replace it", rss, self._max_rss_mb)
            raise RuntimeError(f"resident memory {rss:.0f} MB exceeds {self._max_rss_mb} MB")
