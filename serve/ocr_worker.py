"""The CPU-OCR deployment: the PP-OCR and Tesseract engines behind the language router, loaded
once per replica."""

import threading
import time

import numpy as np
from ray import serve

from configs.settings import Settings
from engines.router import cpu_router
from engines.types import PageResult
from pipelines import metrics


@serve.deployment(name="CpuOcr")
class CpuOcr:
    def __init__(self, settings: Settings, replica_cpus: float) -> None:
        threads = settings.ocr_threads or max(1, int(replica_cpus))
        self._engine = cpu_router(settings.model_cache_dir, threads, settings.det_limit_side_len)
        # One page at a time per engine: the next request waits here, already delivered.
        self._lock = threading.Lock()

    def recognize(self, image: np.ndarray, language: str = "auto") -> PageResult:
        """Read a page with the engine that reads `language` best (`auto`: detected per page)."""
        with self._lock:
            start = time.perf_counter()
            result = self._engine.recognize(image, language)
        metrics.page_read(time.perf_counter() - start, "cpu", result.engine)
        return result

    def ping(self) -> bool:
        return True
