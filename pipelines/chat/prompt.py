"""The language model's prompt for a chat answer, and the citations checked in its reply.

The model sees only the retrieved passages, each with its page number, and must cite a page
after each fact as `(p. N)`. Its citations are then checked against the passages it was given:
a page it cites that was not among them is dropped (marker and citation), and each snippet is
real text from the cited page, never the model's words.
"""

import re

from pipelines.chat.extractive_answer import NOT_FOUND, Citation
from pipelines.chat.index import Passage

SYSTEM_PROMPT = (
    "You answer questions about one document using only the passages given with each question. "
    "Each passage starts with its page number, like [p. 3]. After every fact you state, cite its page "
    "as (p. N). Never use knowledge from outside the passages. If the passages do not hold the answer, "
    f'reply exactly "{NOT_FOUND}"'
)
# Earlier turns given to the model with a new question.
HISTORY_TURNS = 6
_CITATION = re.compile(r"\s*\(p(?:p|ages?|\.)?\.?\s*(\d+(?:\s*(?:,|and|-)\s*\d+)*)\)", re.IGNORECASE)
_WORD = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def chat_messages(question: str, passages: list[Passage], history: list[dict]) -> list[dict]:
    """The messages for the model: the rules, the earlier turns, the passages and the question."""
    context = "\n\n".join(f"[p. {passage.page}] {passage.text}" for passage in passages)
    turns = [{"role": turn["role"], "content": turn["content"]} for turn in history[-HISTORY_TURNS:]]
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        *turns,
        {"role": "user", "content": f"Passages:\n\n{context}\n\nQuestion: {question}"},
    ]


def checked_reply(reply: str, passages: list[Passage]) -> tuple[str, list[Citation]]:
    """The reply without citations of pages it was not given, and a citation per cited page
    with the passage text that best matches the sentence citing it."""
    given = {passage.page for passage in passages}
    citations: dict[int, Citation] = {}

    def keep_valid(match: re.Match) -> str:
        pages = [int(number) for number in re.findall(r"\d+", match.group(1))]
        valid = [page for page in pages if page in given]
        sentence = _SENTENCE_END.split(reply[: match.start()])[-1]
        for page in valid:
            citations.setdefault(page, Citation(page, _best_snippet(sentence, page, passages)))
        return f" (p. {', '.join(map(str, valid))})" if valid else ""

    content = _CITATION.sub(keep_valid, reply).strip()
    return content, list(citations.values())


def _best_snippet(sentence: str, page: int, passages: list[Passage]) -> str:
    """The line of the page's passages that shares the most words with the citing sentence."""
    words = {word.lower() for word in _WORD.findall(sentence)}
    lines = [line.strip() for p in passages if p.page == page for line in p.text.splitlines() if line.strip()]
    return max(lines, key=lambda line: len(words & {w.lower() for w in _WORD.findall(line)}), default="")
