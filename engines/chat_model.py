"""A language model behind an OpenAI-compatible chat completions API (vLLM's server, or any
other), used to phrase chat answers. The service never loads such a model itself."""

import logging

import httpx

from engines.openai_api import bearer_headers, chat_completions_url, what_failed

logger = logging.getLogger("ocrchat.chat_model")


class ChatModelError(RuntimeError):
    """The model could not answer (unreachable, an error status, an unexpected reply). Its
    message may be shown to callers: it never names the model's address; the log does."""


class ChatModel:
    def __init__(self, base_url: str, model: str, api_key: str | None = None, timeout: float = 60) -> None:
        self._url = chat_completions_url(base_url)
        self._model = model
        self._headers = bearer_headers(api_key)
        self._timeout = timeout

    def complete(self, messages: list[dict]) -> str:
        """The assistant's reply to `messages` ({"role", "content"} dicts); deterministic sampling."""
        body = {"model": self._model, "messages": messages, "temperature": 0}
        try:
            response = httpx.post(self._url, json=body, headers=self._headers, timeout=self._timeout)
            response.raise_for_status()
            return response.json()["choices"][0]["message"]["content"]
        except (httpx.HTTPError, KeyError, IndexError, TypeError, ValueError) as exc:
            logger.warning("The language model at %s failed: %s", self._url, exc)
            raise ChatModelError(f"The language model failed: {what_failed(exc)}.") from exc
