"""The job record: its fields, the record of one page, and the job object the API returns."""

import json
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta

from engines.types import Block, PageResult
from exports.markdown import page_markdown, page_text
from pipelines.structure import page_structure

FINAL_STATUSES = ("done", "failed")


def now_iso(after_seconds: int = 0) -> str:
    moment = datetime.now(UTC) + timedelta(seconds=after_seconds)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


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


def page_record(index: int, result: PageResult, source: str) -> dict:
    """One entry of `pages[]`: blocks in reading order, the page's text, Markdown, tables and
    size, and `source` (`ocr` or `text_layer`), the method that produced it."""
    record = {
        "index": index,
        "source": source,
        "engine": result.engine if source == "ocr" else "pymupdf",
        "language": result.language,
        "rotation": result.rotation,
        "width": result.width,
        "height": result.height,
    }
    return record | (_written_by_engine(result) if result.markdown is not None else _from_geometry(result))


def _from_geometry(result: PageResult) -> dict:
    structure = page_structure(result.blocks)
    return {
        "text": page_text(structure.elements),
        "markdown": page_markdown(structure.elements),
        "blocks": _block_dicts(structure.blocks),
        "tables": [{"bbox": _rounded(table.bbox), "rows": table.rows} for table in structure.tables],
    }


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
    return [{"text": b.text, "bbox": _rounded(b.bbox), "confidence": b.confidence} for b in blocks]


def _rounded(bbox: list[float]) -> list[float]:
    return [round(v, 1) for v in bbox]


def failed_page_record(index: int, error: str) -> dict:
    return {"index": index, "source": None, "error": error, "text": "", "markdown": "", "blocks": [], "tables": []}


def reduce_pages(pages: list[dict]) -> tuple[str, str]:
    """The job's `text` and `markdown`: its pages', in page order, blank-line separated."""
    pages = sorted(pages, key=lambda page: page["index"])
    text = "\n\n".join(page["text"] for page in pages if page["text"])
    markdown = "\n\n".join(page["markdown"] for page in pages if page["markdown"])
    return text, markdown


# Stands for the pages in the job's JSON until the stored page JSON is spliced in.
_PAGES_SLOT = "\x00pages\x00"


def job_json(fixed: dict, state: dict, reduced: tuple[str, str], page_jsons: list[str]) -> str:
    """The job as the API returns it, as JSON text. `page_jsons` are the stored page records,
    already JSON and in page order: they are spliced in as they are, not parsed again, so a
    job of thousands of pages costs its size in memory, not ten times that."""
    return "".join(job_json_chunks(fixed, state, reduced, [page_jsons]))


def job_json_chunks(
    fixed: dict, state: dict, reduced: tuple[str, str], page_batches: Iterable[list[str]]
) -> Iterator[str]:
    """`job_json` in pieces, one per batch of stored page records (in page order): a response
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
        "text": reduced[0],
        "markdown": reduced[1],
        "pages": _PAGES_SLOT,
        "error": state["error"],
        "created_at": fixed["created_at"],
        "finished_at": state["finished_at"],
        "expires_at": state["expires_at"],
    }
    head, tail = json.dumps(job, ensure_ascii=False).split(json.dumps(_PAGES_SLOT), 1)
    piece, first = head + "[", True  # the head goes with the first batch, the tail with the last
    for batch in page_batches:
        if batch:
            if not first:
                yield piece
                piece = ","
            piece += ",".join(batch)
            first = False
    yield piece + "]" + tail
