"""A document probed once, and its pages planned in blocks: the unit of work of the service's jobs
and of `ocrchat convert`.

The probe (page count, the pages to process, which of them draw text) is made where the upload
is first opened and passed along; a block still opens the document to read its pages.

A block costs 30-100 ms of scheduling when it runs as a Ray Data task: pages to OCR (seconds
each) go in small blocks, so that many replicas share a job; pages that likely have a text
layer (milliseconds each) in large ones. A job whose caller waits for it is one block.
"""

import math
from dataclasses import dataclass

from pipelines.documents.document import Limits, open_document
from pipelines.jobs.page_selection import select_pages


@dataclass(frozen=True)
class DocumentPages:
    """What the probe learnt of a document: its page count, the 0-based pages to process and,
    for each of them, whether it draws text (a cheap hint that it has a text layer)."""

    page_count: int
    indices: list[int]
    draws_text: list[bool]

    def likely_text_layer(self, force_ocr: bool) -> list[bool]:
        return [not force_ocr and draws for draws in self.draws_text]


def probe_document(data: bytes, limits: Limits, pages: str | None, max_pages: int | None = None) -> DocumentPages:
    """Open the document once to learn its pages; `pages`: the `1-3,7` selection (all when empty).
    Over `max_pages` pages to process, the document is refused: it gets no hints (a PDF of a
    million pages would take seconds to hint). DocumentError when it cannot be read,
    PageSelectionError when it lacks the pages asked for."""
    document = open_document(data, limits)
    try:
        indices = select_pages(pages, document.page_count)
        refused = max_pages is not None and len(indices) > max_pages
        draws_text = [] if refused else [document.draws_text(index) for index in indices]
        return DocumentPages(document.page_count, indices, draws_text)
    finally:
        document.close()


@dataclass(frozen=True)
class BlockSizes:
    ocr_pages: int
    text_layer_pages: int


def _split(run: list[int], max_size: int, parallel: int) -> list[list[int]]:
    """Pages split into blocks of at most `max_size`, in whole rounds of `parallel` blocks of
    equal size, so that no worker idles through a last, half-empty round."""
    pieces = math.ceil(len(run) / max_size)
    pieces = min(len(run), math.ceil(pieces / parallel) * parallel)
    size = math.ceil(len(run) / pieces)
    return [run[start : start + size] for start in range(0, len(run), size)]


def plan_blocks(indices: list[int], likely_text_layer: list[bool], sizes: BlockSizes, parallel: int) -> list[list[int]]:
    """Runs of consecutive pages of the same kind, split into blocks of that kind's size."""
    runs: list[tuple[bool, list[int]]] = []
    for index, kind in zip(indices, likely_text_layer, strict=True):
        if not runs or runs[-1][0] != kind:
            runs.append((kind, []))
        runs[-1][1].append(index)
    blocks = []
    for kind, run in runs:
        blocks.extend(_split(run, sizes.text_layer_pages if kind else sizes.ocr_pages, parallel))
    return blocks


def job_blocks(
    pages: DocumentPages, force_ocr: bool, sizes: BlockSizes, parallel: int, one_block_up_to: int
) -> list[list[int]]:
    """A job's blocks: one for a job of at most `one_block_up_to` pages (its caller waits: no
    block's scheduling should delay it), else `plan_blocks`."""
    if len(pages.indices) <= one_block_up_to:
        return [pages.indices]
    return plan_blocks(pages.indices, pages.likely_text_layer(force_ocr), sizes, parallel)
