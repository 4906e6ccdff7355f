"""Retrieval for chat with a finished job: BM25 (bm25s) over short passages of its pages' text.

Pages are cut into passages (paragraphs, merged while small, split at line then sentence
boundaries while large), never crossing a page. Tokens are Unicode word characters with their
combining marks, NFKC-normalised and case-folded, so any script is indexed; scripts written
without spaces (Chinese, Japanese, Thai, ...) are indexed as overlapping character pairs.
Latin-script words lose common English suffixes and Cyrillic ones common Russian endings (a
light stemmer that leaves other languages' words mostly whole). The index serialises to a small
.npz (no pickles) to live in Redis.
"""

import io
import json
import re
import unicodedata
from dataclasses import dataclass

import bm25s
import numpy as np
from bm25s import stopwords as bm25s_stopwords

FORMAT_VERSION = 1
TARGET_CHARS = 400  # small paragraphs are merged up to this size
MAX_CHARS = 700  # larger paragraphs are split below this size
CONTEXT_WEIGHT = 0.5  # query lines after the first (earlier questions) count this much
BMP_END = 0x10000

QUESTION_WORDS = {"what", "which", "who", "whom", "whose", "when", "where", "why", "how", "much", "many", "does", "do"}
STOP_WORDS = frozenset(
    {*bm25s_stopwords.STOPWORDS_EN_PLUS, *QUESTION_WORDS}
    | {
        *bm25s_stopwords.STOPWORDS_GERMAN,
        *bm25s_stopwords.STOPWORDS_FRENCH,
        *bm25s_stopwords.STOPWORDS_SPANISH,
        *bm25s_stopwords.STOPWORDS_ITALIAN,
        *bm25s_stopwords.STOPWORDS_PORTUGUESE,
        *bm25s_stopwords.STOPWORDS_RUSSIAN,
    }
    # Foreign stop words that are English content words.
    - {"war", "also", "long", "come", "son", "grande", "ist"}
)


def _combining_marks() -> str:
    """A character class body for the BMP's combining marks, which `\\w` does not match."""
    marks = [chr(c) for c in range(BMP_END) if unicodedata.category(chr(c)) in ("Mn", "Mc", "Me")]
    return "".join(re.escape(mark) for mark in marks)


WORD = re.compile(rf"[\w{_combining_marks()}]+")
# Scripts written without spaces between words: Thai, Lao, Myanmar, Khmer, kana, CJK ideographs.
UNSPACED = re.compile(r"[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
LATIN_WORD = re.compile(r"[a-z]+")
ENGLISH_SUFFIX = re.compile(r"(?:ies|sses|(?:(?<=[sxz])|(?<=ch)|(?<=sh))es|(?<![sui])s|ings?|ed|ly)$")
ENGLISH_REPLACEMENTS = {"ies": "y", "sses": "ss"}
CYRILLIC_WORD = re.compile(r"[а-яё]+")
RUSSIAN_ENDING = re.compile(
    r"(?:иями|ями|ами|ого|его|ому|ему|ыми|ими|ой|ей|ом|ем|ам|ям|ах|ях|ов|ев|ый|ий|ая|яя|ое|ее|ые|ие|ым|им|ых|их|ую|юю|"
    r"ть|ы|и|а|я|о|е|у|ю|ь)$"
)
DOUBLED_END = re.compile(r"([b-df-hj-np-tv-z])\1$")
MIN_STEM = 3
PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
SENTENCE_CLOSE = re.compile(r"[.!?。！？:]\s*$")
SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+")


@dataclass(frozen=True)
class Passage:
    page: int  # 1-based page number, as people read them (index + 1)
    text: str  # a chunk of the page's text, never crossing pages


def stem(token: str) -> str:
    """A light stemmer: English suffixes (plurals, -ing, -ed, -ly, a final e) and Russian endings.

    Words of other languages pass through whole (Latin-script ones may lose an English-looking
    suffix on both sides alike, which is harmless); Snowball stemmers would need each page's
    language and a compiled dependency.
    """
    if CYRILLIC_WORD.fullmatch(token):
        return stem_russian(token.replace("ё", "е"))
    if not LATIN_WORD.fullmatch(token) or len(token) <= MIN_STEM:
        return token
    match = ENGLISH_SUFFIX.search(token)
    if match and match.start() >= MIN_STEM:
        token = token[: match.start()] + ENGLISH_REPLACEMENTS.get(match.group(), "")
        if match.group() in ("ing", "ings", "ed") and DOUBLED_END.search(token) and not token.endswith("ll"):
            token = token[:-1]
    return token[:-1] if token.endswith("e") and len(token) > MIN_STEM else token


def stem_russian(token: str) -> str:
    """Strip a Russian case or number ending from a Cyrillic word (оплата, оплаты, оплату → оплат)."""
    match = RUSSIAN_ENDING.search(token)
    return token[: match.start()] if match and match.start() >= MIN_STEM else token


def tokenize(text: str) -> list[str]:
    """Content tokens of `text`: case-folded, stop words left out, unspaced scripts as character pairs."""
    tokens = []
    for word in WORD.findall(unicodedata.normalize("NFKC", text).casefold()):
        if word in STOP_WORDS or word == "_":
            continue
        tokens.extend(_split_unspaced(word) if UNSPACED.search(word) else [stem(word)])
    return tokens


def _split_unspaced(word: str) -> list[str]:
    tokens = []
    for part in re.split(f"({UNSPACED.pattern})", word):
        if not part:
            continue
        if UNSPACED.fullmatch(part):
            tokens.extend([part] if len(part) == 1 else [part[i : i + 2] for i in range(len(part) - 1)])
        elif part not in STOP_WORDS:
            tokens.append(stem(part))
    return tokens


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
    """Token weights of a query: its first line counts fully, later lines (earlier questions) less."""
    weights: dict[str, float] = {}
    for number, line in enumerate(query.splitlines() or [query]):
        weight = 1.0 if number == 0 else CONTEXT_WEIGHT
        for token in tokenize(line):
            weights[token] = max(weights.get(token, 0.0), weight)
    return weights


class ChatIndex:
    """BM25 (bm25s) over a job's passages; built once per job, saved to and loaded from bytes."""

    def __init__(self, passages: list[Passage], retriever: bm25s.BM25 | None):
        self._passages = passages
        self._retriever = retriever  # None when the job has no text

    def __len__(self) -> int:
        """The number of passages."""
        return len(self._passages)

    @classmethod
    def build(cls, pages: list[dict]) -> "ChatIndex":
        passages = page_passages(pages)
        if not passages:
            return cls([], None)
        retriever = bm25s.BM25()
        retriever.index([tokenize(passage.text) for passage in passages], show_progress=False)
        return cls(passages, retriever)

    def to_bytes(self) -> bytes:
        meta = {"version": FORMAT_VERSION, "pages": [p.page for p in self._passages]}
        meta["texts"] = [p.text for p in self._passages]
        arrays = {}
        if self._retriever is not None:
            meta["vocab"] = self._retriever.vocab_dict
            arrays = {name: self._retriever.scores[name] for name in ("data", "indices", "indptr")}
        buffer = io.BytesIO()
        np.savez_compressed(buffer, meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8), **arrays)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> "ChatIndex":
        with np.load(io.BytesIO(data), allow_pickle=False) as stored:
            meta = json.loads(stored["meta"].tobytes())
            if meta["version"] != FORMAT_VERSION:
                raise ValueError(f"chat index format {meta['version']}, expected {FORMAT_VERSION}")
            passages = [Passage(page, text) for page, text in zip(meta["pages"], meta["texts"], strict=True)]
            if "vocab" not in meta:
                return cls(passages, None)
            retriever = bm25s.BM25()
            retriever.scores = {name: stored[name] for name in ("data", "indices", "indptr")}
        retriever.scores["num_docs"] = len(passages)
        retriever.vocab_dict = meta["vocab"]
        retriever.unique_token_ids_set = set(retriever.vocab_dict.values())
        retriever.nonoccurrence_array = None  # the default (Lucene) BM25 variant has none
        return cls(passages, retriever)

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
