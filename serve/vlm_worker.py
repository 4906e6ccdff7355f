"""The VLM deployment (`tier=vlm`): a client of the model server (OCRCHAT_VLM_URL) and the CPU
text detector that boxes the model's lines. It holds no model: the model server batches the
pages of every replica continuously, so a replica's pages wait there, not here.

Only imported where the app binds it (serve/app.py)."""

import time

import numpy as np
from ray import serve

from configs.settings import Settings
from engines.scripts import detected_language
from engines.types import PageResult
from engines.vlm import PaddleLineDetector, VlmReader, get_profile, vlm_endpoint
from pipelines import metrics

# Where the Serve config has no VlmOcr entry (the laptop): one replica beside the CPU-OCR one,
# its pages mostly waiting on the model server.
DEFAULT_OPTIONS = {"max_ongoing_requests": 16, "ray_actor_options": {"num_cpus": 0}}


@serve.deployment(name="VlmOcr")
class VlmOcr:
    def __init__(self, settings: Settings) -> None:
        # One detector thread: it runs while the model server reads the page.
        detector = PaddleLineDetector(settings.model_cache_dir, settings.det_limit_side_len, threads=1)
        self._reader = VlmReader(vlm_endpoint(settings), get_profile(settings.vlm_model_profile), detector)

    async def recognize(self, image: np.ndarray, language: str = "auto", task: str = "ocr") -> PageResult:
        """Read one page; `task` picks the model's prompt (ocr, table, handwriting, formula)."""
        start = time.monotonic()
        result = (await self._reader.read(image, task)).result
        metrics.page_read(time.monotonic() - start, "vlm", result.engine)
        result.language = language if language != "auto" else detected_language(result.blocks)
        return result

    def ping(self) -> bool:
        return True
