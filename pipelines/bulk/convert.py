"""`ocrchat convert`: a folder, an archive or a list of documents converted to export files with the
service's engines and its execution (`pipelines.execution`: the probe, block planning, the page
loop, blocks run in-process or as Ray Data tasks), without Serve or Redis.

How it runs:
- The driver walks the input (`pipelines.bulk.inputs`: names and lazy loaders only) and skips a
  document whose outputs all exist (unless `force`), so a run stopped by a crash or Ctrl-C resumes.
- Documents go in *windows* (at most WINDOW_DOCUMENTS documents, WINDOW_PAGES pages and
  WINDOW_BYTES bytes): the driver reads a window's documents and probes each once, as the service's
  ingress does (page count, pages, text-layer hints), then plans its blocks. Memory thus stays
  flat however large the input; a new window starts when the last one is written.
- A window's blocks are packed into *rows*, each a few blocks of one kind: pages to OCR
  (OCR_PAGES_PER_ROW at most) or pages that likely have a text layer (TEXT_LAYER_PAGES_PER_ROW).
  Consecutive small documents share a row, so that many one-page files cost few Ray Data tasks
  and no worker idles on a tiny file. The rows run as the service's blocks do
  (`pipelines.execution.page_dataset.run_blocks`): a window of one row in the driver, without
  Ray unless a page needs OCR (a small born-digital run never starts it); a larger one as Ray
  Data tasks (0 CPUs) that open their documents from the object store. Pages to OCR go to the
  run's OCR actors (`pipelines.bulk.ocr_actors`), two in flight per row so rendering overlaps
  recognition.
- The driver gathers the rows' page records per document and, when a document's last page is
  in, writes its outputs (each atomically: a temporary file in the same folder, then
  `os.replace`) and forgets its pages. `json` is the job object as the API returns it, its
  counters and status computed as the service's job store does (`expires_at` null: nothing
  expires here); `pdf` is the service's searchable-PDF export, made next to the bytes.
- A document that cannot be read, or whose pages all failed, is reported and skipped; the batch
  goes on. The report (`convert-report.json` in the output folder) lists every document's outcome.
"""

import functools
import json
import logging
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import ray

from accounts.clock import now_iso
from configs.settings import Settings
from exports.formats import job_export
from pipelines.bulk.inputs import InputItem, open_inputs
from pipelines.bulk.ocr_actors import ActorList, RaySession, StartedActors, round_robin
from pipelines.bulk.outputs import Outcome, Progress, output_paths, write_atomic, write_report
from pipelines.documents.document import DocumentError, Limits, open_document
from pipelines.errors import describe_error
from pipelines.execution.blocks import BlockSizes, plan_blocks, probe_document
from pipelines.execution.page_dataset import run_blocks, upload_bytes
from pipelines.execution.page_loop import PageOptions, process_pages
from pipelines.execution.searchable_pdf_task import RecordedPages, make_searchable_pdf
from pipelines.jobs.job_json import job_json
from pipelines.jobs.record import PageCounts, ended_status, job_state, new_job

logger = logging.getLogger("ocrchat.convert")

DEFAULT_FORMATS = ("md", "json")
# A window of documents in flight; the first document of a window always fits, however large.
WINDOW_DOCUMENTS = 64
WINDOW_PAGES = 1024
WINDOW_BYTES = 128 * 1024 * 1024
# Pages per row: OCR pages take seconds, text-layer pages milliseconds.
OCR_PAGES_PER_ROW = 8
TEXT_LAYER_PAGES_PER_ROW = 100
EXIT_FAILED = 1
EXIT_INTERRUPTED = 130


@dataclass(frozen=True)
class ConvertOptions:
    formats: tuple[str, ...] = DEFAULT_FORMATS
    tier: str = "cpu"
    language: str = "auto"
    pages: str | None = None
    force: bool = False
    force_ocr: bool = False


@dataclass
class _Document:
    """A document of the current window, while its pages come in. `upload`: its bytes, or its
    object ref once the window runs on Ray."""

    relative: PurePosixPath
    outputs: dict[str, Path]
    upload: bytes | ray.ObjectRef
    fixed: dict
    pieces_left: int = 0
    records: list[dict] = field(default_factory=list)
    error: str | None = None
    started: float = field(default_factory=time.monotonic)


# A row of pieces of documents: [[document number in its window, [page indices]], ...].
Row = list[list]


def _convert_row(
    row: Row, uploads: list, actors: ActorList, limits: Limits, options: PageOptions
) -> list[tuple[int, list[dict], str]]:
    """The page records of a row's pieces: (document number, records, error) for each piece."""
    pieces = []
    for doc, indices in row:
        records, error = [], ""
        try:
            document = open_document(upload_bytes(uploads[doc]), limits)
        except DocumentError as exc:
            error = str(exc)
        else:
            try:
                records = list(process_pages(document, indices, round_robin(actors, doc + indices[0]), options))
            finally:
                document.close()
        pieces.append((doc, records, error))
    return pieces


def _write_outputs(document: _Document, dpi: int) -> Outcome:
    pages = sorted(document.records, key=lambda page: page["index"])
    counts = PageCounts.of_pages(pages)
    status, error = ended_status(counts)
    outcome = Outcome(str(document.relative), "converted", len(pages), counts.pages_failed)
    if status == "failed":
        first_error = pages[0].get("error") if pages else None
        outcome.status, outcome.error = "failed", f"{error} First: {first_error}"
        return outcome
    encoded = job_json(document.fixed, job_state(status, error, counts, now_iso(), None), pages)
    for name, path in document.outputs.items():
        if name == "json":
            data = encoded
        elif name == "pdf":
            data = make_searchable_pdf(document.upload, RecordedPages(pages), dpi)
        else:
            data = job_export(json.loads(encoded), name)
        write_atomic(path, data)
    return outcome


def _prepare(
    item: InputItem, outputs: dict[str, Path], settings: Settings, options: ConvertOptions
) -> tuple[_Document, list[tuple[bool, list[int]]]]:
    """Read and probe a document: it, and its blocks (likely text layer?, page indices).
    DocumentError or ValueError (a `pages` range it lacks) when it cannot be converted."""
    data = item.load()
    pages = probe_document(data, Limits(settings.max_page_pixels, settings.pdf_dpi), options.pages)
    likely_text = pages.likely_text_layer(options.force_ocr)
    sizes = BlockSizes(OCR_PAGES_PER_ROW, TEXT_LAYER_PAGES_PER_ROW)
    blocks = plan_blocks(pages.indices, likely_text, sizes, parallel=1)
    kinds = dict(zip(pages.indices, likely_text, strict=True))
    fixed = new_job(
        tier=options.tier,
        language=options.language,
        tool=None,
        filename=item.relative.name,
        page_count=len(pages.indices),
        document_page_count=pages.page_count,
    )
    prepared = _Document(item.relative, outputs, data, fixed, pieces_left=len(blocks))
    return prepared, [(kinds[block[0]], block) for block in blocks]


def pack_rows(blocks: list[tuple[int, bool, list[int]]]) -> list[list[tuple[int, list[int]]]]:
    """(document number, likely text layer, pages) blocks -> rows of pieces (document number,
    pages): consecutive blocks of one kind share a row up to that kind's pages per row."""
    rows: list[list[tuple[int, list[int]]]] = []
    row_kind, row_pages = None, 0
    for doc, text_layer, pages in blocks:
        limit = TEXT_LAYER_PAGES_PER_ROW if text_layer else OCR_PAGES_PER_ROW
        if not rows or row_kind != text_layer or row_pages + len(pages) > limit:
            rows.append([])
            row_kind, row_pages = text_layer, 0
        rows[-1].append((doc, pages))
        row_pages += len(pages)
    return rows


class _Converter:
    def __init__(self, settings: Settings, options: ConvertOptions, progress: Progress, session: RaySession) -> None:
        self.settings = settings
        self.options = options
        self.progress = progress
        self.session = session
        self.outcomes: list[Outcome] = []
        self.page_options = PageOptions(
            language=options.language, tier=options.tier, force_ocr=options.force_ocr, retries=settings.page_retries
        )
        self.limits = Limits(settings.max_page_pixels, settings.pdf_dpi)

    def finish(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)
        self.progress.record(outcome)

    def run_window(self, documents: list[_Document], blocks: list[tuple[int, bool, list[int]]]) -> None:
        rows = pack_rows(blocks)
        try:
            # Ray Data's warnings (that its progress bars are off) would garble the progress bar.
            runs = run_blocks(rows, self._row_work(documents, rows), self._parallel(rows), log_level=logging.ERROR)
            for pieces in runs:
                for doc, records, error in pieces:
                    self._piece_done(documents[doc], records, error)
        except Exception as exc:  # a row failed past its retries (a worker crashed on a document)
            logger.warning("A block of documents failed: %s", describe_error(exc))
            for document in documents:
                if document.pieces_left > 0:
                    document.pieces_left = 0
                    self.finish(Outcome(str(document.relative), "failed", error=describe_error(exc)))

    def _parallel(self, rows: list) -> int:
        return 1 if len(rows) == 1 else max(2, int(self.session.cpus()))

    def _row_work(self, documents: list[_Document], rows: list):
        """How a row of this window is converted: in the driver, its actors started at the first
        page to OCR, when it is the window's only row; else in Ray Data tasks, which find the
        documents in the object store and the actors started."""
        actors: ActorList = self.session.actors
        if len(rows) > 1:
            actors = StartedActors(self.session.actors())
            for document in documents:
                document.upload = ray.put(document.upload)
        uploads = [document.upload for document in documents]
        return functools.partial(
            _convert_row, uploads=uploads, actors=actors, limits=self.limits, options=self.page_options
        )

    def _piece_done(self, document: _Document, records: list[dict], error: str) -> None:
        document.records.extend(records)
        document.error = document.error or error or None
        document.pieces_left -= 1
        self.progress.add_pages(len(records))
        if document.pieces_left > 0:
            return
        if document.error:
            outcome = Outcome(str(document.relative), "failed", error=document.error)
        else:
            try:
                outcome = _write_outputs(document, self.settings.pdf_dpi)
            except Exception as exc:  # an export that cannot be written fails this document only
                outcome = Outcome(str(document.relative), "failed", error=f"Writing outputs: {describe_error(exc)}")
        outcome.seconds = round(time.monotonic() - document.started, 2)
        document.records = []
        self.finish(outcome)


def convert(
    source: Path,
    output_dir: Path,
    options: ConvertOptions,
    settings: Settings,
    ray_address: str | None = None,
    progress_stream=sys.stderr,
) -> dict:
    """Convert every document of `source` into `output_dir`; the report. Ray (at `ray_address`,
    else a local one) starts only when a document needs it, and the local one stops at the end.
    KeyboardInterrupt stops it after writing the report (marked `interrupted`)."""
    output_dir.mkdir(parents=True, exist_ok=True)
    session = RaySession(ray_address, settings)
    try:
        with open_inputs(source, exclude=output_dir) as items:
            progress = Progress(len(items), progress_stream)
            converter = _Converter(settings, options, progress, session)
            interrupted = False
            try:
                _convert_items(items, output_dir, converter)
            except KeyboardInterrupt:
                interrupted = True
            finally:
                progress.close()
                report = write_report(output_dir, source, options.formats, converter.outcomes, progress, interrupted)
    finally:
        session.close()
    return report


@dataclass
class _Window:
    """The documents read and probed while their window fills, with their blocks (document
    number in the window, likely text layer, pages)."""

    documents: list[_Document] = field(default_factory=list)
    blocks: list[tuple[int, bool, list[int]]] = field(default_factory=list)
    pages: int = 0
    size: int = 0

    def has_room(self, document: _Document) -> bool:
        """Whether `document` fits (the first one always does, however large)."""
        return not self.documents or (
            len(self.documents) < WINDOW_DOCUMENTS
            and self.pages + document.fixed["page_count"] <= WINDOW_PAGES
            and self.size + len(document.upload) <= WINDOW_BYTES
        )

    def add(self, document: _Document, blocks: list[tuple[bool, list[int]]]) -> None:
        self.blocks += [(len(self.documents), text_layer, block) for text_layer, block in blocks]
        self.documents.append(document)
        self.pages += document.fixed["page_count"]
        self.size += len(document.upload)


def _convert_items(items: list[InputItem], output_dir: Path, converter: _Converter) -> None:
    window = _Window()
    claimed: dict[str, str] = {}  # output base -> the document whose outputs they are
    for item in items:
        outputs = output_paths(output_dir, item.relative, converter.options.formats)
        base = str(item.relative.with_suffix(""))
        if base in claimed:
            converter.finish(Outcome(str(item.relative), "failed", error=f"Same outputs as {claimed[base]}."))
            continue
        claimed[base] = str(item.relative)
        if not converter.options.force and all(path.exists() for path in outputs.values()):
            converter.finish(Outcome(str(item.relative), "skipped"))
            continue
        try:
            document, blocks = _prepare(item, outputs, converter.settings, converter.options)
        except (OSError, ValueError) as exc:  # DocumentError is a ValueError
            converter.finish(Outcome(str(item.relative), "failed", error=str(exc)))
            continue
        if not window.has_room(document):
            converter.run_window(window.documents, window.blocks)
            window = _Window()
        window.add(document, blocks)
    if window.documents:
        converter.run_window(window.documents, window.blocks)
