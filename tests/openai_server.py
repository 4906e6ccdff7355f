"""A scripted OpenAI-compatible chat completions server for the vlm tier's and the language
model's tests: a page image with the `OCR:` prompt is answered with fixed lines, with
`Table Recognition:` with an HTML table, each with the log-prob of every token; a request
without an image (translation) with its text upper-cased. It can be slow, down (503), or answer
pages of a given width with garbage; it records what it was asked."""

import base64
import io
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image

MODEL = "scripted-vl"
API_KEY = "sk-test-vlm"
OCR_TOKENS = [("Invoice", -0.1), (" 2024-0042\n", -0.3), ("Total", -0.2), (" 1,250.00 EUR", -0.4)]
TABLE_TOKENS = [
    ("<table><tr><td>Item</td><td>Price</td></tr>", -0.05),
    ("<tr><td>Tea</td><td>3.50</td></tr></table>", -0.15),
]
END_TOKEN = ("</s>", -0.01)  # in the log-probs, not in the text (as vLLM answers)
SCRIPTS = {"OCR:": OCR_TOKENS, "Table Recognition:": TABLE_TOKENS}


def completion(tokens: list[tuple[str, float]]) -> dict:
    """A chat completion of `tokens`, asked with `logprobs: true`."""
    entries = [
        {"token": text, "logprob": logprob, "bytes": list(text.encode()), "top_logprobs": []}
        for text, logprob in [*tokens, END_TOKEN]
    ]
    message = {"role": "assistant", "content": "".join(text for text, _ in tokens)}
    return {"choices": [{"index": 0, "message": message, "finish_reason": "stop", "logprobs": {"content": entries}}]}


@dataclass
class ScriptedModel:
    url: str = ""
    delay: float = 0.0  # seconds before each page's answer
    down: bool = False  # every request answered 503
    garbage_widths: set[int] = field(default_factory=set)  # pages of these widths get garbage
    requests: list[dict] = field(default_factory=list)  # the chat completion requests with images

    def answer(self, path: str, body: dict | None, authorized: bool) -> tuple[int, object]:
        if self.down:
            return 503, {"error": "down"}
        if not authorized:
            return 401, {"error": "no key"}
        if path.endswith("/models"):
            return 200, {"object": "list", "data": [{"id": MODEL, "object": "model"}]}
        assert body is not None
        content = body["messages"][-1]["content"]
        if isinstance(content, str):  # a translation
            return 200, {"choices": [{"message": {"role": "assistant", "content": content.upper()}}]}
        self.requests.append(body)
        time.sleep(self.delay)
        if image_size(body)[0] in self.garbage_widths:
            return 200, {"choices": [{"message": {"role": "assistant", "content": None}}]}
        return 200, completion(SCRIPTS[prompt_of(body)])


def image_url_of(body: dict) -> str:
    (part,) = [part for part in body["messages"][-1]["content"] if part["type"] == "image_url"]
    return part["image_url"]["url"]


def image_size(body: dict) -> tuple[int, int]:
    data = base64.b64decode(image_url_of(body).split(",", 1)[1])
    return Image.open(io.BytesIO(data)).size


def prompt_of(body: dict) -> str:
    (part,) = [part for part in body["messages"][-1]["content"] if part["type"] == "text"]
    return part["text"]


def send_json(handler: BaseHTTPRequestHandler, status: int, payload: object) -> None:
    data = json.dumps(payload).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


def _handler(model: ScriptedModel) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the http.server API)
            self._reply(*model.answer(self.path, None, self._authorized()))

        def do_POST(self) -> None:  # noqa: N802
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            self._reply(*model.answer(self.path, body, self._authorized()))

        def _authorized(self) -> bool:
            return self.headers.get("Authorization") == f"Bearer {API_KEY}"

        def _reply(self, status: int, payload: object) -> None:
            send_json(self, status, payload)

        def log_message(self, *args) -> None:
            pass

    return Handler


@contextmanager
def scripted_model_server() -> Iterator[ScriptedModel]:
    """The server on a free port of 127.0.0.1; `.url` is its base URL (`.../v1`)."""
    model = ScriptedModel()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(model))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    model.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try:
        yield model
    finally:
        server.shutdown()
        server.server_close()
