"""`tool=translate`: a page's recognised text and Markdown translated by the deployment's
language model (the chat model's OpenAI-compatible API). Blocks keep the original lines and
boxes; the page's original text stays in `source_text`."""

from dataclasses import dataclass

from engines.chat_model import ChatModel, ChatModelError
from engines.languages import language
from pipelines.jobs.schema import PageRecord


@dataclass(frozen=True)
class Translator:
    model: ChatModel
    target: str  # a language code of engines/languages.py

    def translate(self, text: str) -> str:
        if not text.strip():
            return text
        name = language(self.target).name
        messages = [
            {
                "role": "system",
                "content": f"Translate the user's text into {name}. Keep the line breaks and any Markdown "
                "markup. Reply with the translation only.",
            },
            {"role": "user", "content": text},
        ]
        return self.model.complete(messages).strip()

    def translate_record(self, record: PageRecord) -> PageRecord:
        """The page record with `text` and `markdown` translated; a failed page stays as it is,
        and a failed translation keeps the original text and says why in `translation_error`."""
        if record.get("error"):
            return record
        try:
            text, markdown = self.translate(record["text"]), self.translate(record["markdown"])
        except ChatModelError as exc:
            return record | {"translation_error": str(exc)}
        translated = {"text": text, "markdown": markdown, "translated_to": self.target}
        return record | {"source_text": record["text"]} | translated
