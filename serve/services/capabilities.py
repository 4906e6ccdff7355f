"""What this deployment serves now: the vlm tier where it is deployed and its model server
answers (asked at most every few seconds), translation where a language model is configured."""

import asyncio
import time

from engines.vlm import endpoint_answers
from pipelines.jobs.options import Capabilities

VLM_NOT_ANSWERING = (
    "The vlm tier's model server is not answering now; retry later or use tier=cpu (nothing was charged)."
)
RECHECK_SECONDS = 5.0


class LiveCapabilities:
    def __init__(
        self, vlm_missing: str | None, translation_missing: str | None, vlm_url: str | None, vlm_api_key: str | None
    ) -> None:
        """`vlm_missing`: why the vlm tier is not deployed (None: it is, at `vlm_url`)."""
        self._vlm_missing = vlm_missing
        self._translation_missing = translation_missing
        self._vlm_url = vlm_url
        self._vlm_api_key = vlm_api_key
        self._answers: tuple[float, bool] | None = None  # (when asked, the answer)
        self._asking = asyncio.Lock()

    async def now(self) -> Capabilities:
        return Capabilities(await self._vlm_reason(), self._translation_missing)

    async def _vlm_reason(self) -> str | None:
        if self._vlm_missing is not None or self._vlm_url is None:
            return self._vlm_missing or VLM_NOT_ANSWERING
        return None if await self._vlm_answers() else VLM_NOT_ANSWERING

    async def _vlm_answers(self) -> bool:
        async with self._asking:  # one probe at a time; the others take its answer
            if self._answers is None or time.monotonic() - self._answers[0] >= RECHECK_SECONDS:
                self._answers = (time.monotonic(), await endpoint_answers(self._vlm_url, self._vlm_api_key))
            return self._answers[1]
