"""Retrieval for chat with a finished job: BM25 (bm25s) over short passages of its pages' text.

Pages are cut into passages (paragraphs, merged while small, split at line then sentence
boundaries while large), never crossing a page, tokenized as `pipelines.chat.tokens` says. The
index keeps the pages' label/value fields (`pipelines.chat.fields`) beside, and serialises to a
small .npz (no pickles) to live in Redis.
"""

import io
import json
import re
from dataclasses import dataclass

import bm25s
import numpy as np

from pipelines.chat.fields import Field, page_fields
from pipelines.chat.labels import synonyms
from pipelines.chat.tokens import tokenize

FORMAT_VERSION = 2  # 2: with the pages' label/value fields
TARGET_CHARS = 400  # small paragraphs are merged up to this size
MAX_CHARS = 700  # larger paragraphs are split below this size
CONTEXT_WEIGHT = 0.5  # query lines after the first (earlier questions) count this much
SYNONYM_WEIGHT = 0.5  # a query word's synonyms in other languages ("btw" for "vat") count this much
PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
SENTENCE_CLOSE = re.compile(r"[.!?。！？:]\s*$")
SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+")


@dataclass(frozen=True)
class Passage:
    page: int  # 1-based page number, as people read them (index + 1)
    text: str  # a chunk of the page's text, never crossing pages


def page_passages(pages: list[dict]) -> list[Passage]:
    """The passages of a job's page records, in page order."""
    passages = []
    for record in pages:
        text = _without_furniture(record.get("text") or record.get("markdown") or "", record)
        passages.extend(Passage(int(record["index"]) + 1, chunk) for chunk in split_text(text))
    return passages


def _without_furniture(text: str, record: dict) -> str:
    """The page's text without its running headers and footers (blocks of type header or footer)."""
    furniture = {block["text"] for block in record.get("blocks", ()) if block.get("type") in ("header", "footer")}
    if not furniture:
        return text
    return "\n".join(line for line in text.split("\n") if line not in furniture)


def split_text(text: str) -> list[str]:
    """Chunks of one page's text: paragraphs merged up to TARGET_CHARS, none over MAX_CHARS."""
    pieces = []
    for paragraph in PARAGRAPH_BREAK.split(text):
        if paragraph.strip():
            pieces.extend(_split_long(paragraph.strip("\n"), MAX_CHARS))
    chunks: list[str] = []
    for piece in pieces:
        if chunks and len(chunks[-1]) + len(piece) + 2 <= TARGET_CHARS:
            chunks[-1] = f"{chunks[-1]}\n\n{piece}"
        else:
            chunks.append(piece)
    return chunks


def _split_long(text: str, limit: int) -> list[str]:
    """Split at line breaks, then sentence ends, then spaces, so each part is at most `limit`."""
    if len(text) <= limit:
        return [text]
    for separator, pattern in (("\n", re.compile(r"\n")), (" ", SENTENCE_END), (" ", re.compile(r"\s+"))):
        units = [unit for unit in pattern.split(text) if unit.strip()]
        if len(units) > 1:
            return [part for group in _pack(units, separator, limit) for part in _split_long(group, limit)]
    return [text[i : i + limit] for i in range(0, len(text), limit)]


def _pack(units: list[str], separator: str, limit: int) -> list[str]:
    """Join units into groups of at most `limit` chars; lines after a group's last sentence end move on."""
    groups: list[list[str]] = []
    for unit in units:
        if groups and len(separator.join([*groups[-1], unit])) <= limit:
            groups[-1].append(unit)
            continue
        carried = _unfinished_tail(groups[-1]) if groups and separator == "\n" else []
        if carried and len(separator.join([*carried, unit])) <= limit:
            del groups[-1][-len(carried) :]
        else:
            carried = []
        groups.append([*carried, unit])
    return [separator.join(group) for group in groups]


def _unfinished_tail(lines: list[str]) -> list[str]:
    """The lines after the last one that ends a sentence, when they are at most half the group."""
    for end in range(len(lines) - 1, 0, -1):
        if SENTENCE_CLOSE.search(lines[end - 1]):
            tail = lines[end:]
            return tail if 2 * len(tail) <= len(lines) else []
    return []


def _query_weights(query: str) -> dict[str, float]:
    """Token weights of a query: its first line counts fully, later lines (earlier questions) less,
    the synonyms of field labels' words (`labels.synonyms`) half as much as their word."""
    weights: dict[str, float] = {}
    for number, line in enumerate(query.splitlines() or [query]):
        weight = 1.0 if number == 0 else CONTEXT_WEIGHT
        for token in tokenize(line):
            weights[token] = max(weights.get(token, 0.0), weight)
            for synonym in synonyms(token):
                weights[synonym] = max(weights.get(synonym, 0.0), weight * SYNONYM_WEIGHT)
    return weights


def stored_version(data: bytes) -> int:
    """The FORMAT_VERSION of an index's bytes."""
    with np.load(io.BytesIO(data), allow_pickle=False) as stored:
        return json.loads(stored["meta"].tobytes())["version"]


class ChatIndex:
    """BM25 (bm25s) over a job's passages; built once per job, saved to and loaded from bytes."""

    def __init__(self, passages: list[Passage], retriever: bm25s.BM25 | None, fields: list[Field]):
        self._passages = passages
        self._retriever = retriever  # None when the job has no text
        self.fields = fields  # the pages' label/value pairs (`pipelines.chat.fields`)

    def __len__(self) -> int:
        """The number of passages."""
        return len(self._passages)

    @classmethod
    def build(cls, pages: list[dict]) -> "ChatIndex":
        passages = page_passages(pages)
        fields = [field for record in pages for field in page_fields(record)]
        if not passages:
            return cls([], None, fields)
        retriever = bm25s.BM25()
        retriever.index([tokenize(passage.text) for passage in passages], show_progress=False)
        return cls(passages, retriever, fields)

    def to_bytes(self) -> bytes:
        meta = {"version": FORMAT_VERSION, "pages": [p.page for p in self._passages]}
        meta["texts"] = [p.text for p in self._passages]
        meta["fields"] = [[f.page, f.label, f.value, f.snippet] for f in self.fields]
        arrays = {}
        if self._retriever is not None:
            meta["vocab"] = self._retriever.vocab_dict
            arrays = {name: self._retriever.scores[name] for name in ("data", "indices", "indptr")}
        buffer = io.BytesIO()
        np.savez_compressed(buffer, meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8), **arrays)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> "ChatIndex":
        """The index `to_bytes` wrote; ValueError when it has another FORMAT_VERSION (`stored_version`)."""
        with np.load(io.BytesIO(data), allow_pickle=False) as stored:
            meta = json.loads(stored["meta"].tobytes())
            if meta["version"] != FORMAT_VERSION:
                raise ValueError(f"chat index format {meta['version']}, expected {FORMAT_VERSION}")
            passages = [Passage(page, text) for page, text in zip(meta["pages"], meta["texts"], strict=True)]
            fields = [Field(*field) for field in meta["fields"]]
            if "vocab" not in meta:
                return cls(passages, None, fields)
            retriever = bm25s.BM25()
            retriever.scores = {name: stored[name] for name in ("data", "indices", "indptr")}
        retriever.scores["num_docs"] = len(passages)
        retriever.vocab_dict = meta["vocab"]
        retriever.unique_token_ids_set = set(retriever.vocab_dict.values())
        retriever.nonoccurrence_array = None  # the default (Lucene) BM25 variant has none
        return cls(passages, retriever, fields)

    def has_token(self, token: str) -> bool:
        """Whether `token` (as `tokenize` makes them) occurs in the job's text."""
        return self._retriever is not None and token in self._retriever.vocab_dict

    def search(self, query: str, k: int = 5) -> list[tuple[Passage, float]]:
        """The `k` passages that best match `query`, best first; empty when no query word occurs.

        Put the question on the first line and any earlier questions on later lines: the later
        lines still count (a follow-up like "and the total?" needs them) but half as much.
        """
        if self._retriever is None:
            return []
        scores = self._scores(_query_weights(query))
        best = np.argsort(-scores, kind="stable")[:k]
        return [(self._passages[i], float(scores[i])) for i in best if scores[i] > 0]

    def _scores(self, weights: dict[str, float]) -> np.ndarray:
        scores = np.zeros(len(self._passages), dtype=np.float32)
        vocab = self._retriever.vocab_dict
        for weight in set(weights.values()):
            ids = [vocab[token] for token, w in weights.items() if w == weight and token in vocab]
            if ids:
                scores += weight * self._retriever.get_scores_from_ids(ids)
        return scores
