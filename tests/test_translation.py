"""`tool=translate` on page records, with a stand-in for the language model's API (the model
itself is the operator's; tests/test_chat_model.py covers the HTTP client)."""

from engines.chat_model import ChatModelError
from pipelines.chat.translation import Translator


class Uppercasing:
    """Answers a translation request with the user's text upper-cased, and keeps the prompts."""

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.prompts: list[list[dict]] = []

    def complete(self, messages: list[dict]) -> str:
        self.prompts.append(messages)
        if self.fail:
            raise ChatModelError("The language model failed: it answered HTTP 502.")
        return messages[-1]["content"].upper()


RECORD = {
    "index": 0,
    "text": "Guten Tag\nWelt",
    "markdown": "# Guten Tag\n\nWelt",
    "blocks": [{"text": "Guten Tag", "bbox": [0, 0, 10, 10], "confidence": 0.9}],
}


def test_text_and_markdown_are_translated_and_the_original_kept():
    model = Uppercasing()
    record = Translator(model, "en").translate_record(RECORD)
    assert record["text"] == "GUTEN TAG\nWELT" and record["markdown"] == "# GUTEN TAG\n\nWELT"
    assert record["source_text"] == RECORD["text"] and record["translated_to"] == "en"
    assert record["blocks"] == RECORD["blocks"]  # boxes keep the recognised lines
    assert "into English" in model.prompts[0][0]["content"]


def test_a_failed_translation_keeps_the_page_and_says_why():
    record = Translator(Uppercasing(fail=True), "en").translate_record(RECORD)
    assert record["text"] == RECORD["text"] and "502" in record["translation_error"]


def test_failed_and_empty_pages_are_not_sent_to_the_model():
    model = Uppercasing()
    failed = {"index": 1, "error": "OCR failed", "text": "", "markdown": ""}
    assert Translator(model, "en").translate_record(failed) == failed
    empty = Translator(model, "en").translate_record(RECORD | {"text": " ", "markdown": ""})
    assert empty["text"] == " " and model.prompts == []
