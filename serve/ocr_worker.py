"""The CPU-OCR deployment: one engine per replica, loaded once."""

import threading

import numpy as np
from ray import serve

from configs.settings import Settings
from engines.paddle_cpu import PaddleCpuEngine
from engines.types import PageResult


@serve.deployment(name="CpuOcr")
class CpuOcr:
    def __init__(self, settings: Settings, replica_cpus: float) -> None:
        threads = settings.ocr_threads or max(1, int(replica_cpus))
        self._engine = PaddleCpuEngine(settings.model_cache_dir, threads, settings.det_limit_side_len)
        # One page at a time per engine: the next request waits here, already delivered.
        self._lock = threading.Lock()

    def recognize(self, image: np.ndarray, language: str = "auto") -> PageResult:
        with self._lock:
            return self._engine.recognize(image)

    def ping(self) -> bool:
        return True
