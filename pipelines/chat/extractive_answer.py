"""Answers without a language model: quote the retrieved sentences that best cover the question.

The retrieved passages are cut into units: sentences (OCR line breaks inside a sentence are
joined back), lines that stand alone ("Total due: 42 EUR", headings) and table rows (lines with
tab-separated cells). A unit's coverage is the share of the question's content terms it holds,
each term weighted by how rare it is among the units, so that a question whose distinctive words
are nowhere in the passages is not answered by a sentence that only shares its common ones.
"""

import math
import re
from dataclasses import dataclass

from pipelines.chat.index import Passage
from pipelines.chat.tokens import tokenize

NOT_FOUND = "Not found in the document."
# bench/chat_retrieval.py: the 38 answerable questions' best units cover 0.53-1.0 of their terms, the 6
# unanswerable ones' 0.16-0.44.
MIN_COVERAGE = 0.5
MAX_QUOTES = 3
RUNNER_UP_SHARE = 0.8  # further quotes need this share of the best quote's score
RANK_DECAY = 0.03  # a unit from a later-ranked passage loses this much per rank
MAX_SNIPPET_CHARS = 400
SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+(?=\S)")
CLOSES_LINE = re.compile(r"[.!?:;。！？]$")
CONTINUES = re.compile(r"^[a-z(,;]")
WRAPPED_LINE_CHARS = 50  # a line this long that does not close a sentence was wrapped
MAX_LABEL_CHARS = 40


@dataclass(frozen=True)
class Citation:
    page: int
    snippet: str  # the page's own text (line breaks inside it become spaces)


@dataclass(frozen=True)
class Answer:
    content: str  # quotes from the document, each followed by "(p. N)"; or exactly NOT_FOUND
    citations: list[Citation]


@dataclass(frozen=True)
class _Unit:
    page: int
    text: str
    rank: int  # the rank of its passage in the retrieval
    header: str | None  # a table row's header row, when it has one


def extractive_answer(question: str, passages: list[tuple[Passage, float]]) -> Answer:
    """Quote 1-3 sentences or lines of the passages that share enough content terms with the question."""
    terms = set(tokenize(question))
    units = [unit for rank, (passage, _) in enumerate(passages) for unit in _units(passage, rank)]
    if not terms or not units:
        return Answer(NOT_FOUND, [])
    unit_terms = [set(tokenize(unit.text)) for unit in units]
    weights = _term_weights(terms, unit_terms)
    scored = []
    for unit, found in zip(units, unit_terms, strict=True):
        coverage = sum(weights[term] for term in terms & found) / sum(weights.values())
        if coverage >= MIN_COVERAGE:
            scored.append((coverage - RANK_DECAY * unit.rank - _length_penalty(unit.text), unit))
    if not scored:
        return Answer(NOT_FOUND, [])
    return _answer(_chosen(scored))


def coverage_of_best(question: str, passages: list[tuple[Passage, float]]) -> float:
    """The best unit's coverage of the question, for measuring MIN_COVERAGE."""
    terms = set(tokenize(question))
    units = [unit for rank, (passage, _) in enumerate(passages) for unit in _units(passage, rank)]
    if not terms or not units:
        return 0.0
    unit_terms = [set(tokenize(unit.text)) for unit in units]
    weights = _term_weights(terms, unit_terms)
    return max(sum(weights[term] for term in terms & found) for found in unit_terms) / sum(weights.values())


def _term_weights(terms: set[str], unit_terms: list[set[str]]) -> dict[str, float]:
    """Inverse unit frequency; a term in no unit weighs as much as one in a single unit (the rarest)."""
    count = len(unit_terms)
    return {term: math.log(1 + count / max(1, sum(term in found for found in unit_terms))) for term in terms}


def _length_penalty(text: str) -> float:
    """Prefer the shorter of two equally covering units: the answer is denser there."""
    return min(len(text), MAX_SNIPPET_CHARS) / MAX_SNIPPET_CHARS * RANK_DECAY


def _chosen(scored: list[tuple[float, _Unit]]) -> list[_Unit]:
    scored.sort(key=lambda item: -item[0])
    best = scored[0][0]
    chosen: list[_Unit] = []
    for score, unit in scored:
        if len(chosen) == MAX_QUOTES or score < best * RUNNER_UP_SHARE:
            break
        if all(unit.text != other.text for other in chosen):
            chosen.append(unit)
    return chosen


def _answer(units: list[_Unit]) -> Answer:
    quotes = [f"{_quoted(unit)} (p. {unit.page})" for unit in units]
    return quoted_answer(quotes, [Citation(unit.page, snippet(unit.text)) for unit in units])


def quoted_answer(quotes: list[str], citations: list[Citation]) -> Answer:
    """An answer of 1-3 quotes, each already followed by its "(p. N)"."""
    content = f"According to the document, {quotes[0]}."
    if len(quotes) > 1:
        content += f" It also says {' and '.join(quotes[1:])}."
    return Answer(content, citations)


def _quoted(unit: _Unit) -> str:
    """The quote as shown in the answer: a table row's cells joined with " | ", with its header row."""
    if "\t" not in unit.text:
        return f'"{snippet(unit.text)}"'
    quote = f'"{_cells(unit.text)}"'
    return quote if unit.header is None else f'{quote}, under the columns "{_cells(unit.header)}"'


def _cells(row: str) -> str:
    return " | ".join(cell.strip() for cell in snippet(row).split("\t"))


def snippet(text: str) -> str:
    text = re.sub(r"[ \n]+", " ", text).strip()
    return text if len(text) <= MAX_SNIPPET_CHARS else text[:MAX_SNIPPET_CHARS].rsplit(" ", 1)[0]


def _units(passage: Passage, rank: int) -> list[_Unit]:
    units = []
    header = None
    for block in _blocks(passage.text):
        if "\t" in block:
            header = header if header is not None else block
            units.append(_Unit(passage.page, block, rank, None if block == header else header))
            continue
        header = None
        units.extend(_Unit(passage.page, sentence, rank, None) for sentence in SENTENCE_END.split(block))
    return [unit for unit in units if unit.text.strip()]


def _blocks(text: str) -> list[str]:
    """Table rows and runs of lines that read as one text (a sentence wrapped over lines)."""
    blocks: list[str] = []
    joinable = False
    for line in text.splitlines():
        line = line.strip(" ")
        if not line.strip():
            joinable = False
            continue
        table_row = "\t" in line
        if joinable and not table_row and _continues(blocks[-1], line):
            blocks[-1] = f"{blocks[-1]}\n{line}"
        else:
            blocks.append(line)
        joinable = not table_row
    return blocks


def _continues(block: str, line: str) -> bool:
    """Whether `line` belongs to `block`: it goes on with its sentence, or the block opens with a label.

    A short line ending in a colon ("Bill to:") labels the lines under it; short key-value lines
    ("Total: 42") stand alone.
    """
    first, previous = block.split("\n", 1)[0], block.rsplit("\n", 1)[-1]
    if first.endswith(":") and len(first) <= MAX_LABEL_CHARS:
        return True
    if CLOSES_LINE.search(previous):
        return False
    if len(block) <= MAX_LABEL_CHARS and not any(char.isdigit() for char in block):
        return True  # a heading or a table's term cell ("getFold") goes with the line after it
    return bool(CONTINUES.match(line)) or len(previous) >= WRAPPED_LINE_CHARS or previous.endswith(("-", ","))
