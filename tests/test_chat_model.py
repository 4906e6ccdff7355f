"""The language-model path of chat: the prompt, the citation check, and the OpenAI-compatible
client against a scripted server started here."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from engines.chat_model import ChatModel, ChatModelError
from pipelines.chat.extractive_answer import NOT_FOUND
from pipelines.chat.index import Passage
from pipelines.chat.prompt import SYSTEM_PROMPT, chat_messages, checked_reply
from tests.openai_server import send_json

PASSAGES = [
    Passage(1, "Invoice 2041\nAcme Corp, 5 Harbour Street"),
    Passage(3, "Total due: 1,234.50 EUR\nPayment by 15 March 2027"),
]


def test_the_prompt_holds_only_the_passages_with_their_pages_and_the_rules():
    history = [{"role": "user", "content": "Who sent it?"}, {"role": "assistant", "content": "Acme Corp (p. 1)."}]
    messages = chat_messages("What is the total?", PASSAGES, history)
    assert messages[0] == {"role": "system", "content": SYSTEM_PROMPT}
    assert "(p. N)" in SYSTEM_PROMPT and NOT_FOUND in SYSTEM_PROMPT
    assert messages[1:3] == history
    assert messages[-1]["content"] == (
        "Passages:\n\n[p. 1] Invoice 2041\nAcme Corp, 5 Harbour Street\n\n"
        "[p. 3] Total due: 1,234.50 EUR\nPayment by 15 March 2027\n\nQuestion: What is the total?"
    )


def test_citations_of_pages_not_given_are_dropped_and_snippets_are_real_text():
    reply = "The total is 1,234.50 EUR (p. 3), due by 15 March 2027 (p. 3). It was paid in cash (p. 9)."
    content, citations = checked_reply(reply, PASSAGES)
    assert content == "The total is 1,234.50 EUR (p. 3), due by 15 March 2027 (p. 3). It was paid in cash."
    assert [(c.page, c.snippet) for c in citations] == [(3, "Total due: 1,234.50 EUR")]
    content, citations = checked_reply("Acme Corp sent it (pages 1, 7).", PASSAGES)
    assert content == "Acme Corp sent it (p. 1)." and citations[0].snippet == "Acme Corp, 5 Harbour Street"


class _Scripted(BaseHTTPRequestHandler):
    """An OpenAI-compatible endpoint that answers with `reply` and records the requests."""

    reply = "The total is 1,234.50 EUR (p. 3)."
    requests: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 (the http.server API)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
        status, answer = (500, {"error": "boom"}) if body["model"] == "broken" else (200, {
            "choices": [{"message": {"role": "assistant", "content": self.reply}}]})  # fmt: skip
        send_json(self, status, answer)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def server_url():
    server = HTTPServer(("127.0.0.1", 0), _Scripted)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/v1"
    server.shutdown()


def test_the_client_speaks_openai_chat_completions(server_url):
    model = ChatModel(server_url, "qwen", api_key="secret", timeout=5)
    assert model.complete(chat_messages("What is the total?", PASSAGES, [])) == _Scripted.reply
    request = _Scripted.requests[-1]
    assert request["path"] == "/v1/chat/completions" and request["auth"] == "Bearer secret"
    assert request["body"]["model"] == "qwen" and request["body"]["temperature"] == 0
    assert request["body"]["messages"][-1]["content"].endswith("Question: What is the total?")


def test_a_failing_model_raises_a_clear_error_that_does_not_name_its_address(server_url):
    with pytest.raises(ChatModelError, match="failed") as failed:
        ChatModel(server_url, "broken", timeout=5).complete([{"role": "user", "content": "hi"}])
    assert "HTTP" in str(failed.value) and "127.0.0.1" not in str(failed.value)
    with pytest.raises(ChatModelError, match="could not be reached") as unreachable:
        ChatModel("http://127.0.0.1:9/v1", "any", timeout=2).complete([{"role": "user", "content": "hi"}])
    assert "127.0.0.1" not in str(unreachable.value)
