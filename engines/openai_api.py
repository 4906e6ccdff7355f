"""What the clients of an OpenAI-compatible chat completions API share: the request's address
and key, and failures told in words that never name the server's address (callers see them;
the logs name it)."""

import httpx


def chat_completions_url(base_url: str) -> str:
    return base_url.rstrip("/") + "/chat/completions"


def models_url(base_url: str) -> str:
    return base_url.rstrip("/") + "/models"


def bearer_headers(api_key: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"} if api_key else {}


def what_failed(exc: Exception) -> str:
    """Why a call failed, for callers: no address, no server's text."""
    if isinstance(exc, httpx.HTTPStatusError):
        return f"it answered HTTP {exc.response.status_code}"
    if isinstance(exc, httpx.TimeoutException):
        return "it did not answer in time"
    if isinstance(exc, httpx.HTTPError):
        return "it could not be reached"
    return "its reply was not understood"
