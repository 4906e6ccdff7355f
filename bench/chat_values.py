"""Chat's extractive answers to questions that ask for a value beside or below its label.

Reads bench/chat_values.json: documents (generated invoices and forms of
bench/value_documents.py, some drawn as scans; documents of ../shared/corpus) and questions, each
with the values that answer it and their 1-based pages. Page records are made as the service
makes them (bench/chat_pages.py: text layer, else the CPU tier's OCR) and cached. A question is
a hit when the answer quotes one of its values and its first citation is on one of its pages;
an unanswerable question is a hit when the answer is NOT_FOUND. Hits are reported for the
held-out documents (kept out of tuning) and the others apart.

Usage: `.venv/bin/python bench/chat_values.py [--k 5] [--corpus ../shared/corpus] [--misses]`.
"""

import argparse
import json
import re
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.chat_pages import DEFAULT_CACHE, cached_pages  # noqa: E402
from bench.invoice_documents import pdf_bytes, scanned_pdf_bytes  # noqa: E402
from bench.value_documents import DOCUMENTS  # noqa: E402
from pipelines.chat.extractive_answer import NOT_FOUND  # noqa: E402
from pipelines.chat.index import ChatIndex  # noqa: E402
from pipelines.chat.service import answer_without_model  # noqa: E402

QUESTIONS = ROOT / "bench" / "chat_values.json"
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


def document_pages(name: str, spec: dict, corpus: Path, cache: Path) -> list[dict]:
    if "corpus" in spec:
        return cached_pages(name, (corpus / spec["corpus"]).read_bytes(), cache)
    pages = DOCUMENTS[spec["generated"]]
    return cached_pages(name, scanned_pdf_bytes(pages) if spec.get("scanned") else pdf_bytes(pages), cache)


def check_values(questions: list[dict], pages_of: dict[str, list[dict]]) -> list[str]:
    """The questions whose value is not on their page as read (OCR misread it): no hit is possible."""
    unreadable = []
    for item in questions:
        texts = [flat(page.get("text") or "") for page in pages_of[item["document"]]]
        on_page = (flat(value) in texts[page - 1] for value in item["values"] for page in item["pages"])
        if item["pages"] and not any(on_page):
            unreadable.append(item["question"])
    return unreadable


def is_hit(item: dict, content: str, pages: list[int]) -> bool:
    if not item["pages"]:
        return content == NOT_FOUND
    return any(flat(value) in flat(content) for value in item["values"]) and bool(pages) and pages[0] in item["pages"]


def evaluate(spec: dict, indexes: dict[str, ChatIndex], k: int) -> list[dict]:
    rows = []
    for item in spec["questions"]:
        index = indexes[item["document"]]
        found = [passage for passage, _ in index.search(item["question"], k)]
        answer = answer_without_model(item["question"], index, found)
        pages = [citation.page for citation in answer.citations]
        held_out = bool(spec["documents"][item["document"]].get("held_out"))
        hit = is_hit(item, answer.content, pages)
        rows.append({**item, "content": answer.content, "hit": hit, "held_out": held_out})
    return rows


def report(rows: list[dict], unreadable: list[str], misses: bool) -> None:
    for held_out, name in ((True, "held-out"), (False, "tuned")):
        part = [row for row in rows if row["held_out"] == held_out]
        answerable = [row for row in part if row["pages"]]
        unanswerable = [row for row in part if not row["pages"]]
        hits = sum(row["hit"] for row in answerable)
        kept = sum(row["hit"] for row in unanswerable)
        print(
            f"{name}: {hits}/{len(answerable)} values found ({hits / len(answerable):.0%}); "
            f"{kept}/{len(unanswerable)} unanswerable questions NOT_FOUND"
        )
        for row in part if misses else []:
            if not row["hit"]:
                print(f"  miss [{row['document']}] {row['question']} want {row['values']}: {row['content'][:160]}")
    if unreadable:
        print(f"values not on their page as read (OCR): {unreadable}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="the shared corpus folder")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="where page records are cached")
    parser.add_argument("--k", type=int, default=5, help="passages retrieved per question")
    parser.add_argument("--misses", action="store_true", help="print each miss with its answer")
    args = parser.parse_args()
    spec = json.loads(QUESTIONS.read_text())
    pages_of = {name: document_pages(name, doc, args.corpus, args.cache) for name, doc in spec["documents"].items()}
    indexes = {name: ChatIndex.build(pages) for name, pages in pages_of.items()}
    report(evaluate(spec, indexes, args.k), check_values(spec["questions"], pages_of), args.misses)


if __name__ == "__main__":
    main()
