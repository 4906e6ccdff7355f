"""The vlm tier's model server: an OpenAI-compatible chat completions endpoint (`ray.serve.llm`,
`vllm serve`, or any other that returns log-probabilities), asked for one page per request.
Transient failures (no connection, a timeout, 408, 429, 5xx) are retried with a growing pause;
what still fails is a `VlmError` whose message never names the endpoint."""

import asyncio
import base64
import io
import logging

import httpx
import numpy as np

from configs.settings import Settings
from engines.openai_api import bearer_headers, chat_completions_url, models_url, what_failed
from engines.vlm.errors import VlmAnswerError, VlmUnavailable
from engines.vlm.reply import Generation, generation_from_reply

logger = logging.getLogger("ocrchat.vlm")

RETRIED_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
FIRST_PAUSE_SECONDS = 0.5
PROBE_TIMEOUT_SECONDS = 3.0


def image_data_url(image: np.ndarray) -> str:
    """An RGB page image as a `data:` URL (PNG: lossless, as OCR wants)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(image[:, :, :3])).save(buffer, format="PNG", compress_level=1)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


class VlmEndpoint:
    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None = None,
        timeout: float = 180,
        retries: int = 2,
        max_tokens: int = 4096,
    ) -> None:
        self._url = chat_completions_url(base_url)
        self._model = model
        self._retries = retries
        self._max_tokens = max_tokens
        self._client = httpx.AsyncClient(headers=bearer_headers(api_key), timeout=timeout)

    async def complete(self, messages: list[dict], **options) -> Generation:
        """The model's answer to one page's `messages`: greedy, with each token's log-prob.
        `options` go into the request as they are (e.g. vLLM's `skip_special_tokens`)."""
        body = {
            "model": self._model,
            "messages": messages,
            "temperature": 0,
            "max_tokens": self._max_tokens,
            "logprobs": True,
            **options,
        }
        return generation_from_reply(await self._post(body))

    async def _post(self, body: dict) -> object:
        for attempt in range(self._retries + 1):
            try:
                response = await self._client.post(self._url, json=body)
                response.raise_for_status()
            except httpx.HTTPError as exc:
                if attempt < self._retries and _transient(exc):
                    await asyncio.sleep(FIRST_PAUSE_SECONDS * 2**attempt)
                    continue
                logger.warning("The vision model at %s failed: %s", self._url, exc)
                raise VlmUnavailable(f"The vision model failed: {what_failed(exc)}.") from exc
            try:
                return response.json()
            except ValueError as exc:
                raise VlmAnswerError("The vision model's reply was not understood: it is not JSON.") from exc
        raise AssertionError("unreachable")

    async def aclose(self) -> None:
        await self._client.aclose()


def _transient(exc: httpx.HTTPError) -> bool:
    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response.status_code in RETRIED_STATUSES
    return isinstance(exc, httpx.TransportError)


async def endpoint_answers(base_url: str, api_key: str | None = None) -> bool:
    """Whether the endpoint answers its model list now (the vlm tier's availability)."""
    try:
        async with httpx.AsyncClient(headers=bearer_headers(api_key), timeout=PROBE_TIMEOUT_SECONDS) as client:
            response = await client.get(models_url(base_url))
        return response.status_code == 200
    except httpx.HTTPError as exc:
        logger.warning("The vision model at %s does not answer: %s", base_url, exc)
        return False


def vlm_endpoint(settings: Settings) -> VlmEndpoint:
    """The endpoint `OCRCHAT_VLM_*` name; OCRCHAT_VLM_URL must be set."""
    if not settings.vlm_url:
        raise ValueError("OCRCHAT_VLM_URL is unset: the vlm tier has no model server.")
    return VlmEndpoint(
        settings.vlm_url,
        settings.vlm_model,
        settings.vlm_api_key,
        settings.vlm_timeout_seconds,
        settings.vlm_retries,
        settings.vlm_max_new_tokens,
    )
