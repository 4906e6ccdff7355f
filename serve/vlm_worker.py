"""The VLM deployment (`tier=vlm`): the vision-language model loaded once per replica, the pages
that arrive together read in one batch (vLLM schedules the batch's sequences continuously).

Only imported where the app binds it (serve/app.py), so a CPU deployment never loads torch.
"""

import asyncio
from collections import defaultdict

import numpy as np
from ray import serve

from configs.settings import Settings
from engines.scripts import detected_language
from engines.types import PageResult
from engines.vlm import PaddleLineDetector, VlmPage, load_vlm_reader
from pipelines import metrics

# Where the Serve config has no VlmOcr entry but the cluster has a GPU: one GPU per replica,
# none held while nobody asks for the tier.
DEFAULT_OPTIONS = {
    "max_ongoing_requests": 32,
    "ray_actor_options": {"num_gpus": 1, "num_cpus": 1},
    "autoscaling_config": {"min_replicas": 0, "initial_replicas": 0, "max_replicas": 1, "target_ongoing_requests": 16},
}


@serve.deployment(name="VlmOcr")
class VlmOcr:
    def __init__(self, settings: Settings) -> None:
        # One detector thread: it runs beside the model on the replica's CPU.
        detector = PaddleLineDetector(settings.model_cache_dir, settings.det_limit_side_len, threads=1)
        self._reader = load_vlm_reader(
            settings.vlm_model_dir,
            backend=settings.vlm_backend,
            profile=settings.vlm_model_profile,
            detector=detector,
            max_new_tokens=settings.vlm_max_new_tokens,
            trust_remote_code=settings.vlm_trust_remote_code,
        )
        self._read_batch.set_max_batch_size(settings.vlm_max_batch_size)

    async def recognize(self, image: np.ndarray, language: str = "auto", task: str = "ocr") -> PageResult:
        """Read one page; `task` picks the model's prompt (ocr, table, handwriting, formula)."""
        page: VlmPage = await self._read_batch((image, task))
        result = page.result
        result.language = language if language != "auto" else detected_language(result.blocks)
        return result

    @serve.batch(max_batch_size=32, batch_wait_timeout_s=0.05)
    async def _read_batch(self, requests: list[tuple[np.ndarray, str]]) -> list[VlmPage]:
        """The pages waiting now, one model call per task among them, answers in request order."""
        by_task: dict[str, list[int]] = defaultdict(list)
        for position, (_, task) in enumerate(requests):
            by_task[task].append(position)
        pages: list[VlmPage | None] = [None] * len(requests)
        for task, positions in by_task.items():
            images = [requests[position][0] for position in positions]
            loop = asyncio.get_running_loop()
            start = loop.time()
            read = await asyncio.to_thread(self._reader.read_batch, images, task)
            for position, page in zip(positions, read, strict=True):
                pages[position] = page
                metrics.page_read((loop.time() - start) / len(positions), "vlm", page.result.engine)
        return pages

    def ping(self) -> bool:
        return True
