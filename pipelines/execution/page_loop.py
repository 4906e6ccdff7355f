"""Pages of a document to page records: the text layer where it is sound, OCR elsewhere.

OCR calls are submitted ahead: while the OCR replica works on one page, the next is rendered
and queued (`window` pages in flight at most, so memory does not grow with the page count).
A page whose OCR call fails is resubmitted `retries` times (never where the engine says another
try would fail the same way: `FinalPageError`), then recorded as failed on its own; the other
pages go on.
"""

import hashlib
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from engines.types import FinalPageError, PageResult
from pipelines import metrics
from pipelines.chat.translation import Translator
from pipelines.documents.document import Document, DocumentError, Limits, open_document
from pipelines.documents.furniture import FurnitureMemory
from pipelines.documents.picture_text import pictures_crop, with_picture_text
from pipelines.errors import describe_error, root_cause
from pipelines.jobs.record import failed_page_record, page_record
from pipelines.jobs.store import JobStore


class PendingOcr(Protocol):
    """An OCR call in flight (a Serve `DeploymentResponse`)."""

    def result(self) -> PageResult: ...

    def cancel(self) -> None: ...


# (page image, language code or "auto") -> the OCR call in flight.
OcrSubmit = Callable[[np.ndarray, str], PendingOcr]


def ocr_submit(reader, task: str) -> OcrSubmit:
    """Calls of a reading deployment's `recognize(image, language, task)` (the CPU-OCR or the VLM
    replicas' handle)."""
    return lambda image, language: reader.recognize.remote(image, language, task)


@dataclass(frozen=True)
class PageOptions:
    language: str = "auto"
    tier: str = "cpu"
    force_ocr: bool = False  # OCR pages that have a text layer too (the vlm tier always does)
    retries: int = 2
    window: int = 2  # OCR calls in flight per block of pages
    task: str = "ocr"  # the VLM's task (pipelines/jobs/options.py); the cpu tier has one way to read
    translator: Translator | None = None


@dataclass
class _Page:
    index: int
    record: dict | None = None
    image: np.ndarray | None = None
    pending: PendingOcr | None = None
    attempts: int = 0
    layer: PageResult | None = None  # a text layer whose pictures are being OCRed (`image` is their crop)
    corner: tuple[int, int] = (0, 0)
    crop_key: tuple | None = None  # the crop's `_pixels_key`


def _render(document: Document, index: int, retries: int) -> np.ndarray:
    for _ in range(retries):
        try:
            return document.render(index)
        except DocumentError:
            pass
    return document.render(index)


@dataclass
class _Run:
    """What the pages of one run share: the document, the OCR calls, the options, and the running
    headers and footers found so far (`pipelines.documents.furniture`), and the readings of the
    pictures' crops so far: a crop of the same pixels as an earlier page's (a letterhead, a logo on
    every page) is not OCRed again."""

    document: Document
    submit: OcrSubmit
    options: PageOptions
    furniture: FurnitureMemory = field(default_factory=FurnitureMemory)
    crop_readings: dict[tuple, PageResult] = field(default_factory=dict)  # `_pixels_key` -> the reading

    def record(self, index: int, result: PageResult, source: str) -> dict:
        return page_record(index, result, source, self.furniture)


def _start(run: _Run, index: int) -> _Page:
    if not run.options.force_ocr and (layer := run.document.text_layer(index)) is not None:
        return _start_text_layer(run, index, layer)
    try:
        image = _render(run.document, index, run.options.retries)
    except DocumentError as exc:
        return _Page(index, record=failed_page_record(index, str(exc)))
    return _Page(index, image=image, pending=run.submit(image, run.options.language))


def _start_text_layer(run: _Run, index: int, layer: PageResult) -> _Page:
    """The layer's record, or its pictures' OCR in flight when it has pictures that may hold text."""
    pictures = run.document.text_layer_pictures(index)
    if not pictures:
        return _Page(index, record=run.record(index, layer, "text_layer"))
    try:
        crop, corner = pictures_crop(_render(run.document, index, run.options.retries), pictures)
    except DocumentError:
        return _Page(index, record=run.record(index, layer, "text_layer"))
    key = _pixels_key(crop)
    if (reading := run.crop_readings.get(key)) is not None:
        return _Page(index, record=run.record(index, with_picture_text(layer, reading, corner, pictures), "text_layer"))
    pending = run.submit(crop, run.options.language)
    return _Page(index, image=crop, pending=pending, layer=layer, corner=corner, crop_key=key)


def _pixels_key(image: np.ndarray) -> tuple:
    """What tells an image's pixels from others': its shape and a digest of its bytes."""
    return image.shape, hashlib.sha1(np.ascontiguousarray(image)).digest()


def _ocr_record(run: _Run, page: _Page, result: PageResult) -> dict:
    if page.layer is not None:
        assert page.crop_key is not None
        run.crop_readings[page.crop_key] = result
        pictures = run.document.text_layer_pictures(page.index)
        return run.record(page.index, with_picture_text(page.layer, result, page.corner, pictures), "text_layer")
    record = run.record(page.index, result, "ocr")
    if rejection := run.document.text_layer_rejection(page.index):
        record["text_layer_rejected"] = rejection
    return record


def _finish(run: _Run, page: _Page) -> dict:
    if page.record is not None:
        return page.record
    assert page.pending is not None and page.image is not None
    while True:
        try:
            return _ocr_record(run, page, page.pending.result())
        except Exception as exc:  # any failure of the call (engine error, replica died) is retried
            page.attempts += 1 if not isinstance(root_cause(exc), FinalPageError) else run.options.retries + 1
            if page.attempts > run.options.retries and page.layer is not None:
                return run.record(page.index, page.layer, "text_layer")  # the layer without its pictures' text
            if page.attempts > run.options.retries:
                return failed_page_record(page.index, f"OCR failed: {describe_error(exc)}")
            page.pending = run.submit(page.image, run.options.language)


def process_pages(
    document: Document,
    indices: list[int],
    submit: OcrSubmit,
    options: PageOptions,
    keep_going: Callable[[], bool] = lambda: True,
) -> Iterator[dict]:
    """Page records in the order of `indices`. `keep_going` is asked before each page starts."""
    for batch in page_record_batches(document, indices, submit, options, keep_going):
        yield from batch


def page_record_batches(
    document: Document,
    indices: list[int],
    submit: OcrSubmit,
    options: PageOptions,
    keep_going: Callable[[], bool] = lambda: True,
    batch_size: int = 32,
) -> Iterator[list[dict]]:
    """Page records in the order of `indices`, in batches of those finished: a batch ends before
    the loop waits on an OCR call, after each OCR page, and at `batch_size` pages, so that
    text-layer pages (milliseconds each) are written together and no page waits on another's OCR."""
    run = _Run(document, submit, options)
    in_flight: deque[_Page] = deque()
    ready: list[dict] = []
    try:
        for index in [*indices, None]:  # None: no more pages to start, finish those in flight
            if index is not None:
                if not keep_going():
                    break
                in_flight.append(_start(run, index))
            while in_flight and (index is None or len(in_flight) >= options.window or in_flight[0].record is not None):
                page = in_flight.popleft()
                waits = page.record is None
                if waits and ready:
                    yield ready
                    ready = []
                ready.append(_finish(run, page))
                if waits or len(ready) >= batch_size:
                    yield ready
                    ready = []
        if ready:
            yield ready
    finally:
        for page in in_flight:
            if page.pending is not None:
                page.pending.cancel()


def _still_processing(store: JobStore, job_id: str, every_seconds: float = 0.5) -> Callable[[], bool]:
    """Whether the job is still processing, asked of Redis at most every `every_seconds`
    (text-layer pages take milliseconds; a cancel is also caught when a page is written)."""
    last_check, answer = -every_seconds, True

    def check() -> bool:
        nonlocal last_check, answer
        if time.monotonic() - last_check >= every_seconds:
            last_check, answer = time.monotonic(), store.status(job_id) == "processing"
        return answer

    return check


def run_pages(
    job_id: str, document: Document, indices: list[int], store: JobStore, submit: OcrSubmit, options: PageOptions
) -> None:
    """Process the pages of a job and write each record as it finishes; stop at a cancel."""
    written = store.written(job_id, indices)
    todo = [index for index in indices if index not in written]
    batches = page_record_batches(document, todo, submit, options, keep_going=_still_processing(store, job_id))
    for records in batches:
        if options.translator is not None:
            records = [options.translator.translate_record(record) for record in records]
        if not store.write_pages(job_id, records):
            batches.close()
            return
        metrics.pages_written(records, options.tier)


def run_upload_pages(
    job_id: str,
    data: bytes,
    limits: Limits,
    indices: list[int],
    store: JobStore,
    submit: OcrSubmit,
    options: PageOptions,
) -> None:
    """`run_pages` on the uploaded bytes of a job, opened here and closed after."""
    document = open_document(data, limits)
    try:
        run_pages(job_id, document, indices, store, submit, options)
    finally:
        document.close()
