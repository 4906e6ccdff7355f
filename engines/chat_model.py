"""A language model behind an OpenAI-compatible chat completions API (vLLM's server, or any
other), used to phrase chat answers. The service never loads such a model itself."""

import httpx


class ChatModelError(RuntimeError):
    """The model could not answer (unreachable, an error status, an unexpected reply)."""


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
            raise ChatModelError(f"The chat model at {self._url} failed: {exc}") from exc
