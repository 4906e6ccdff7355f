"""The job record: its fields, the record of one page, and the job object the API returns."""

import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import orjson

from accounts.clock import now_iso
from engines.types import Block, PageResult
from pipelines.documents.furniture import FurnitureMemory
from pipelines.documents.page_markdown import page_markdown, page_text
from pipelines.documents.structure import page_structure
from pipelines.documents.tables import Table

FINAL_STATUSES = ("done", "failed")


def new_job(
    *, tier: str, language: str, tool: str | None, filename: str, page_count: int, document_page_count: int
) -> dict:
    """The fields of a job that never change after it is created."""
    return {
        "uuid": uuid.uuid4().hex,
        "tier": tier,
        "language": language,
        "tool": tool,
        "filename": filename,
        "page_count": page_count,
        "document_page_count": document_page_count,
        "created_at": now_iso(),
    }


def page_record(index: int, result: PageResult, source: str, furniture: FurnitureMemory | None = None) -> dict:
    """One entry of `pages[]`: blocks in reading order, the page's text, Markdown, tables and
    size, and `source` (`ocr` or `text_layer`), the method that produced it. `furniture`: the
    running headers and footers of the job's pages so far, which this page's are added to."""
    record = {
        "index": index,
        "source": source,
        "engine": result.engine if source == "ocr" else "pymupdf",
        "language": result.language,
        "rotation": result.rotation,
        "width": result.width,
        "height": result.height,
    }
    if result.markdown is not None:
        return record | _written_by_engine(result)
    return record | _from_geometry(result, furniture or FurnitureMemory())


def _from_geometry(result: PageResult, furniture: FurnitureMemory) -> dict:
    structure = page_structure(result.blocks, result.regions, result.height, furniture.keys)
    furniture.remember(block.text for block in structure.blocks if block.type in ("header", "footer"))
    record = {
        "text": page_text(structure.elements),
        "markdown": page_markdown(structure.elements),
        "blocks": _block_dicts(structure.blocks),
        "tables": [_table_dict(table) for table in structure.tables],
    }
    if result.regions:
        record["regions"] = [
            {"type": region.type, "bbox": _rounded(region.bbox), "confidence": region.confidence}
            for region in result.regions
        ]
    return record


def _table_dict(table: Table) -> dict:
    record = {"bbox": _rounded(table.bbox), "rows": table.rows}
    if table.cells is not None:
        record["cells"] = [
            {
                "row": cell.row,
                "col": cell.col,
                "row_span": cell.row_span,
                "col_span": cell.col_span,
                "text": cell.text,
                "bbox": _rounded(cell.bbox),
            }
            for cell in table.cells
        ]
    return record


def _written_by_engine(result: PageResult) -> dict:
    """The engine's own Markdown and tables; blocks in the engine's reading order. Its tables
    come without boxes: the page's box stands for them."""
    page_box = [0.0, 0.0, float(result.width), float(result.height)]
    return {
        "text": "\n".join(block.text for block in result.blocks),
        "markdown": result.markdown,
        "blocks": _block_dicts(result.blocks),
        "tables": [{"bbox": page_box, "rows": rows} for rows in result.tables or []],
    }


def _block_dicts(blocks: list[Block]) -> list[dict]:
    return [_block_dict(block) for block in blocks]


def _block_dict(block: Block) -> dict:
    record = {"text": block.text, "bbox": _rounded(block.bbox), "confidence": block.confidence}
    if block.language is not None:  # only where it differs from the page's
        record["language"] = block.language
    if block.type is not None:
        record["type"] = block.type
    if block.source is not None:
        record["source"] = block.source
    return record


def _rounded(bbox: list[float]) -> list[float]:
    return [round(bbox[0], 1), round(bbox[1], 1), round(bbox[2], 1), round(bbox[3], 1)]  # 1.6x a comprehension


def failed_page_record(index: int, error: str) -> dict:
    return {"index": index, "source": None, "error": error, "text": "", "markdown": "", "blocks": [], "tables": []}


@dataclass
class PageCounts:
    """A job's counters, as its pages add to them (the job store keeps them in Redis)."""

    pages_done: int = 0
    pages_failed: int = 0
    confidence_sum: float = 0.0
    confidence_count: int = 0

    @classmethod
    def of_page(cls, record: dict) -> "PageCounts":
        confidences = [block["confidence"] for block in record["blocks"]]
        failed = bool(record.get("error"))
        return cls(int(not failed), int(failed), sum(confidences), len(confidences))

    @classmethod
    def of_pages(cls, records: Iterable[dict]) -> "PageCounts":
        total = cls()
        for record in records:
            page = cls.of_page(record)
            total.pages_done += page.pages_done
            total.pages_failed += page.pages_failed
            total.confidence_sum += page.confidence_sum
            total.confidence_count += page.confidence_count
        return total


def ended_status(counts: PageCounts) -> tuple[str, str | None]:
    """The status and error of a job whose pages were processed: failed when every page failed."""
    if counts.pages_done == 0 and counts.pages_failed > 0:
        return "failed", f"All {counts.pages_failed} pages failed; see pages[].error."
    return "done", None


def job_state(
    status: str, error: str | None, counts: PageCounts, finished_at: str | None, expires_at: str | None
) -> dict:
    """The job's changing fields, as the API returns them. `mean_confidence` is the mean of the
    blocks' confidences: None while no block is read, 0.0 for a job done without any."""
    mean = round(counts.confidence_sum / counts.confidence_count, 4) if counts.confidence_count else None
    return {
        "status": status,
        "error": error,
        "pages_done": counts.pages_done,
        "pages_failed": counts.pages_failed,
        "mean_confidence": 0.0 if mean is None and status == "done" else mean,
        "finished_at": finished_at,
        "expires_at": expires_at,
    }


# Stand for the job's text, Markdown and pages in its JSON until they are streamed in.
_TEXT_SLOT, _MARKDOWN_SLOT, _PAGES_SLOT = "\x00text\x00", "\x00markdown\x00", "\x00pages\x00"
# Pieces of a streamed job are sent once they hold this many characters.
STREAM_PIECE_CHARS = 1 << 20


def job_json(fixed: dict, state: dict, pages: list[dict]) -> str:
    """The job as the API returns it, as JSON text, with its page records (in page order)."""
    texts, markdowns = [page["text"] for page in pages], [page["markdown"] for page in pages]
    page_jsons = [record_json(page) for page in pages]
    return "".join(job_json_chunks(fixed, state, [texts], [markdowns], [page_jsons]))


def joined_page_texts(page_batches: Iterable[list[str]]) -> Iterator[str]:
    """The job's `text` (or `markdown`) in pieces: its pages', in page order, blank-line separated."""
    first = True
    for batch in page_batches:
        for text in batch:
            if text:
                yield text if first else "\n\n" + text
                first = False


def job_json_chunks(
    fixed: dict,
    state: dict,
    text_batches: Iterable[list[str]],
    markdown_batches: Iterable[list[str]],
    page_batches: Iterable[list[str]],
) -> Iterator[str]:
    """`job_json` in pieces of about `STREAM_PIECE_CHARS`: the job's text and Markdown come as
    its pages' (batches of them, in page order), and so do the stored page records. A response
    that streams them holds one batch at a time, not the whole job."""
    job = {
        "uuid": fixed["uuid"],
        "status": state["status"],
        "tier": fixed["tier"],
        "language": fixed["language"],
        "tool": fixed["tool"],
        "filename": fixed["filename"],
        "page_count": fixed["page_count"],
        "document_page_count": fixed["document_page_count"],
        "pages_done": state["pages_done"],
        "pages_failed": state["pages_failed"],
        "mean_confidence": state["mean_confidence"],
        "text": _TEXT_SLOT,
        "markdown": _MARKDOWN_SLOT,
        "pages": _PAGES_SLOT,
        "error": state["error"],
        "created_at": fixed["created_at"],
        "finished_at": state["finished_at"],
        "expires_at": state["expires_at"],
    }
    encoded = json.dumps(job, ensure_ascii=False)
    head, rest = encoded.split(json.dumps(_TEXT_SLOT), 1)
    between, rest = rest.split(json.dumps(_MARKDOWN_SLOT), 1)
    before_pages, tail = rest.split(json.dumps(_PAGES_SLOT), 1)
    return _in_pieces(
        [head, '"'],
        map(_escaped, joined_page_texts(text_batches)),
        ['"', between, '"'],
        map(_escaped, joined_page_texts(markdown_batches)),
        ['"', before_pages, "["],
        _comma_separated(page_batches),
        ["]", tail],
    )


def record_json(record: dict) -> str:
    """A page record (or any JSON value) as JSON text."""
    return orjson.dumps(record, option=orjson.OPT_SERIALIZE_NUMPY).decode()


def _escaped(text: str) -> str:
    """Text as inside a JSON string (without the quotes)."""
    return record_json(text)[1:-1]


def _comma_separated(batches: Iterable[list[str]]) -> Iterator[str]:
    first = True
    for batch in batches:
        if batch:
            yield ("" if first else ",") + ",".join(batch)
            first = False


def _in_pieces(*parts: Iterable[str]) -> Iterator[str]:
    """The strings of `parts`, in order, joined into pieces of at least `STREAM_PIECE_CHARS`
    (the last may be shorter; the parts must not all be empty)."""
    buffer: list[str] = []
    size = 0
    for part in parts:
        for text in part:
            buffer.append(text)
            size += len(text)
            if size >= STREAM_PIECE_CHARS:
                yield "".join(buffer)
                buffer, size = [], 0
    if buffer:
        yield "".join(buffer)
