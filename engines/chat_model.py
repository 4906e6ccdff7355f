"""A language model behind an OpenAI-compatible chat completions API (vLLM's server, or any
other), used to phrase chat answers. The service never loads such a model itself."""

import logging

import httpx

logger = logging.getLogger("ocrchat.chat_model")


class ChatModelError(RuntimeError):
    """The model could not answer (unreachable, an error status, an unexpected reply). Its
    message may be shown to callers: it never names the model's address; the log does."""


class ChatModel:
    def __init__(self, base_url: str, model: str, api_key: str | None = None, timeout: float = 60) -> None:
        self._url = base_url.rstrip("/") + "/chat/completions"
        self._model = model
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
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
            raise ChatModelError(f"The language model failed: {_what_failed(exc)}.") from exc


def _what_failed(exc: Exception) -> str:
    if isinstance(exc, httpx.HTTPStatusError):
        return f"it answered HTTP {exc.response.status_code}"
    if isinstance(exc, httpx.TimeoutException):
        return "it did not answer in time"
    if isinstance(exc, httpx.HTTPError):
        return "it could not be reached"
    return "its reply was not understood"
