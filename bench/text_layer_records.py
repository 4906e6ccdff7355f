"""The text-layer path's page records of a fixed set of PDFs, to check that a change to the path
keeps what users see: save them from one checkout, compare them from another.

The PDFs: every PDF of `../shared/corpus` and `tests/data`, and generated ones (the bench's 500
short-line pages, tables, a turned page, the report pages of `bench/long_documents.py`). Pages
are read as the service reads them (`process_pages`, the cpu tier) with a stand-in OCR that
reads nothing but a digest of the image it is given: a picture's crop that differs by one
pixel changes the record.

Usage: `.venv/bin/python bench/text_layer_records.py save /tmp/before.json` in one checkout,
`.venv/bin/python bench/text_layer_records.py compare /tmp/before.json` in the other.
"""

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pymupdf

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.long_documents import real_born_digital_pdf  # noqa: E402
from configs.settings import Settings  # noqa: E402
from engines.types import Block, PageResult  # noqa: E402
from pipelines.documents.document import DocumentError, Limits, open_document  # noqa: E402
from pipelines.execution.page_loop import PageOptions, process_pages  # noqa: E402
from pipelines.jobs.store import JobStore  # noqa: E402
from tests.documents import born_digital_pdf  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"


class _DigestReading:
    """An OCR call that has read one line: the digest of the image's pixels."""

    def __init__(self, image: np.ndarray, language: str) -> None:
        self._image = image

    def result(self) -> PageResult:
        height, width = self._image.shape[:2]
        digest = hashlib.sha256(np.ascontiguousarray(self._image).tobytes()).hexdigest()[:16]
        line = Block(text=f"pixels {digest}", bbox=[0.0, 0.0, float(width), float(height)], confidence=0.9)
        return PageResult(width=width, height=height, blocks=[line])

    def cancel(self) -> None:
        pass


def _table_pdf() -> bytes:
    """A page of prose, a table of 4 columns and prose again."""
    pdf = pymupdf.open()
    page = pdf.new_page(width=595, height=842)
    page.insert_text((56, 60), "A paragraph before the table, with several words on its line.", fontsize=10)
    for row in range(6):
        for column in range(4):
            page.insert_text((56 + 120 * column, 100 + 16 * row), f"cell {row}.{column}", fontsize=10)
    page.insert_text((56, 220), "A paragraph after the table, with several words on its line.", fontsize=10)
    turned = pdf.new_page(width=595, height=842)
    turned.insert_text((56, 60), "A turned page of one line.", fontsize=10)
    turned.set_rotation(90)
    return pdf.tobytes()


def documents(corpus: Path) -> dict[str, bytes]:
    """Name -> PDF bytes, in a fixed order."""
    found = {"corpus/" + path.relative_to(corpus).as_posix(): path for path in sorted(corpus.rglob("*.pdf"))}
    found |= {path.relative_to(ROOT).as_posix(): path for path in sorted((ROOT / "tests" / "data").glob("*.pdf"))}
    contents = {name: path.read_bytes() for name, path in found.items()}
    generated = {"generated 500 pages": born_digital_pdf(500), "generated table and turned page": _table_pdf()}
    return contents | generated | {"redp5110 sound pages, repeated": real_born_digital_pdf(64)}


def records(content: bytes) -> list[dict] | str:
    """The document's page records, with what the store writes of each (its args but the record)."""
    settings = Settings()
    try:
        document = open_document(content, Limits(settings.max_page_pixels, settings.pdf_dpi))
    except DocumentError as exc:
        return str(exc)
    try:
        pages = list(process_pages(document, list(range(document.page_count)), _DigestReading, PageOptions()))
    finally:
        document.close()
    return [json.loads(JobStore._page_args(page)[1]) | {"_stored": _stored(page)} for page in pages]


def _stored(page: dict) -> list:
    args = JobStore._page_args(page)
    return [str(arg) if isinstance(arg, bytes) else arg for arg in args[:1] + args[2:]]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("action", choices=("save", "compare"))
    parser.add_argument("path", type=Path)
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="../shared/corpus of the main checkout")
    args = parser.parse_args()
    found = {name: records(content) for name, content in documents(args.corpus).items()}
    if args.action == "save":
        args.path.write_text(json.dumps(found, ensure_ascii=False))
        print(f"saved the records of {len(found)} documents to {args.path}")
        return
    saved = json.loads(args.path.read_text())
    differ = [name for name in saved.keys() | found.keys() if saved.get(name) != found.get(name)]
    pages = sum(len(value) for value in found.values() if isinstance(value, list))
    print(f"{len(found)} documents, {pages} pages: {len(differ)} documents differ {sorted(differ)}")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
