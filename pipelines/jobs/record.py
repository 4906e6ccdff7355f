"""The records of a job: its fixed fields when created, and the record of each page (their
shapes: `pipelines.jobs.schema`)."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from accounts.clock import now_iso
from engines.types import Block, PageResult
from pipelines.documents.furniture import FurnitureMemory
from pipelines.documents.page_markdown import page_markdown, page_text
from pipelines.documents.structure import page_structure
from pipelines.documents.tables import Table
from pipelines.jobs import schema

FINAL_STATUSES = ("done", "failed")


def new_job(
    *, tier: str, language: str, tool: str | None, filename: str, page_count: int, document_page_count: int
) -> schema.JobFields:
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


def page_record(
    index: int, result: PageResult, source: str, furniture: FurnitureMemory | None = None
) -> schema.PageRecord:
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


def _table_dict(table: Table) -> schema.Table:
    record: schema.Table = {"bbox": _rounded(table.bbox), "rows": table.rows}
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


def _block_dicts(blocks: list[Block]) -> list[schema.Block]:
    return [_block_dict(block) for block in blocks]


def _block_dict(block: Block) -> schema.Block:
    record: schema.Block = {"text": block.text, "bbox": _rounded(block.bbox), "confidence": block.confidence}
    if block.language is not None:  # only where it differs from the page's
        record["language"] = block.language
    if block.type is not None:
        record["type"] = block.type
    if block.source is not None:
        record["source"] = block.source
    return record


def _rounded(bbox: list[float]) -> list[float]:
    # Unrolled: it runs for every box of every page.
    return [round(bbox[0], 1), round(bbox[1], 1), round(bbox[2], 1), round(bbox[3], 1)]


def failed_page_record(index: int, error: str) -> schema.PageRecord:
    return {"index": index, "source": None, "error": error, "text": "", "markdown": "", "blocks": [], "tables": []}


@dataclass
class PageCounts:
    """A job's counters, as its pages add to them (the job store keeps them in Redis)."""

    pages_done: int = 0
    pages_failed: int = 0
    confidence_sum: float = 0.0
    confidence_count: int = 0

    @classmethod
    def of_page(cls, record: schema.PageRecord) -> "PageCounts":
        confidences = [block["confidence"] for block in record["blocks"]]
        failed = bool(record.get("error"))
        return cls(int(not failed), int(failed), sum(confidences), len(confidences))

    @classmethod
    def of_pages(cls, records: Iterable[schema.PageRecord]) -> "PageCounts":
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
) -> schema.JobState:
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
