"""Chat retrieval and extractive answers over real multi-page documents of the corpus.

Reads the question set bench/chat_questions.json (questions over three PDFs of
../shared/corpus, each with the pages holding its answer and an evidence string that the
script first checks is on those pages), takes each PDF's text layer (PyMuPDF `get_text()`)
as its page text, and reports:

1. retrieval hit rate: an answer page first, and within the top 3 passages' pages;
2. extractive answers to the answerable questions: NOT_FOUND rate, and how often the first
   citation is on an answer page;
3. the unanswerable questions: whether each gives NOT_FOUND;
4. the best unit's coverage for answerable vs unanswerable questions (what MIN_COVERAGE splits);
5. index build and search times, for each document and a generated 500-page job.

Usage: `.venv/bin/python bench/chat_retrieval.py [--k 5] [--corpus ../shared/corpus]`.
"""

import argparse
import json
import random
import re
import statistics
import sys
import time
import unicodedata
from pathlib import Path

import pymupdf

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from pipelines.chat.extractive_answer import NOT_FOUND, coverage_of_best, extractive_answer  # noqa: E402
from pipelines.chat.index import ChatIndex  # noqa: E402

QUESTIONS = ROOT / "bench" / "chat_questions.json"
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
GENERATED_PAGES = 500
LINES_PER_PAGE = 40
SEARCH_REPEATS = 50
WORDS = (
    "invoice order payment delivery customer supplier contract amount balance account report table figure "
    "section chapter value total tax rate price item quantity date number address service period notice"
).split()


def flat(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).replace("\u2019", "'")
    return re.sub(r"\s+", " ", text).strip()


def pdf_pages(path: Path) -> list[dict]:
    with pymupdf.open(path) as document:
        return [{"index": i, "text": page.get_text()} for i, page in enumerate(document)]


def check_evidence(questions: list[dict], pages_of: dict[str, list[dict]]) -> None:
    """Fail loudly when a question's evidence is not on each of its answer pages."""
    for item in questions:
        texts = [flat(page["text"]) for page in pages_of[item["document"]]]
        for page in item["pages"]:
            if flat(item["evidence"]) not in texts[page - 1]:
                raise SystemExit(f"evidence {item['evidence']!r} is not on page {page}: {item['question']}")


def evaluate(questions: list[dict], indexes: dict[str, ChatIndex], k: int) -> list[dict]:
    rows = []
    for item in questions:
        found = indexes[item["document"]].search(item["question"], k)
        answer = extractive_answer(item["question"], found)
        rows.append(
            {
                **item,
                "retrieved": [passage.page for passage, _ in found],
                "answer": answer,
                "coverage": coverage_of_best(item["question"], found),
            }
        )
    return rows


def report(rows: list[dict]) -> None:
    answerable = [row for row in rows if row["pages"]]
    unanswerable = [row for row in rows if not row["pages"]]
    top1 = sum(bool(row["retrieved"]) and row["retrieved"][0] in row["pages"] for row in answerable)
    top3 = sum(bool(set(row["retrieved"][:3]) & set(row["pages"])) for row in answerable)
    not_found = [row for row in answerable if row["answer"].content == NOT_FOUND]
    cited = sum(bool(row["answer"].citations) and row["answer"].citations[0].page in row["pages"] for row in answerable)
    n = len(answerable)
    print(f"\n{n} answerable questions over {len({row['document'] for row in rows})} documents")
    print(f"retrieval: answer page first {top1}/{n} ({top1 / n:.0%}), in top 3 {top3}/{n} ({top3 / n:.0%})")
    print(f"extractive: NOT_FOUND {len(not_found)}/{n} ({len(not_found) / n:.0%}); ", end="")
    print(f"first citation on an answer page {cited}/{n} ({cited / n:.0%})")
    for row in answerable:
        if not row["retrieved"] or row["retrieved"][0] not in row["pages"]:
            print(f"  retrieval miss: {row['question']} (pages {row['pages']}, got {row['retrieved']})")
    for row in not_found:
        print(f"  NOT_FOUND: {row['question']} (coverage {row['coverage']:.2f})")
    print(f"\n{len(unanswerable)} unanswerable questions:")
    for row in unanswerable:
        verdict = "NOT_FOUND" if row["answer"].content == NOT_FOUND else f"ANSWERED: {row['answer'].content[:100]}"
        print(f"  {row['question']} -> {verdict} (coverage {row['coverage']:.2f})")
    print("\nbest unit's coverage (MIN_COVERAGE splits these):")
    print(f"  answerable:   {sorted(round(row['coverage'], 2) for row in answerable)}")
    print(f"  unanswerable: {sorted(round(row['coverage'], 2) for row in unanswerable)}")


def generated_pages(count: int) -> list[dict]:
    rng = random.Random(0)
    pages = []
    for index in range(count):
        lines = [" ".join(rng.choices(WORDS, k=9)) + f" {rng.randint(1, 99999)}." for _ in range(LINES_PER_PAGE)]
        paragraphs = ["\n".join(lines[i : i + 8]) for i in range(0, LINES_PER_PAGE, 8)]
        pages.append({"index": index, "text": "\n\n".join(paragraphs)})
    return pages


def timings(name: str, pages: list[dict], question: str) -> None:
    start = time.perf_counter()
    index = ChatIndex.build(pages)
    build = time.perf_counter() - start
    data = index.to_bytes()
    start = time.perf_counter()
    loaded = ChatIndex.from_bytes(data)
    load = time.perf_counter() - start
    searches = []
    for _ in range(SEARCH_REPEATS):
        start = time.perf_counter()
        found = loaded.search(question, 5)
        extractive_answer(question, found)
        searches.append(time.perf_counter() - start)
    chars = sum(len(page["text"]) for page in pages)
    print(
        f"  {name}: {len(pages)} pages, {chars / 1e6:.2f} M chars, {len(index)} passages; "
        f"build {build * 1000:.0f} ms, {len(data) / 1024:.0f} KiB, load {load * 1000:.1f} ms, "
        f"search + extractive answer median {statistics.median(searches) * 1000:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="the shared corpus folder")
    parser.add_argument("--k", type=int, default=5, help="passages retrieved per question")
    args = parser.parse_args()
    spec = json.loads(QUESTIONS.read_text())
    pages_of = {name: pdf_pages(args.corpus / path) for name, path in spec["documents"].items()}
    check_evidence(spec["questions"], pages_of)
    indexes = {name: ChatIndex.build(pages) for name, pages in pages_of.items()}
    report(evaluate(spec["questions"], indexes, args.k))
    print("\ntimes (2 cores; search includes the extractive answer):")
    for name, pages in pages_of.items():
        timings(name, pages, "How many regions do 6 lines yield?")
    timings("generated", generated_pages(GENERATED_PAGES), "What is the total tax amount of the invoice?")
    timings("generated + follow-up", generated_pages(GENERATED_PAGES), "and the payment date?\nWhat is the total?")


if __name__ == "__main__":
    main()
