"""`ocrchat convert`: a folder, an archive or a list of documents converted to export files with the
service's engines and page pipeline, on Ray, without Serve or Redis.

How it runs:
- The driver walks the input (`pipelines.bulk.inputs`: names and lazy loaders only) and skips a
  document whose outputs all exist (unless `force`), so a run stopped by a crash or Ctrl-C resumes.
- Documents go in *windows* (at most WINDOW_DOCUMENTS documents, WINDOW_PAGES pages and
  WINDOW_BYTES bytes): the driver reads a window's documents, opens each to count its pages and
  plan its blocks, puts the bytes into the object store once and drops its own copy. Memory thus
  stays flat however large the input; a new window starts when the last one is written.
- A window is one Ray Data dataset of *rows*, each a few page blocks of one kind: pages to OCR
  (OCR_PAGES_PER_ROW at most) or pages that likely have a text layer (TEXT_LAYER_PAGES_PER_ROW).
  Consecutive small documents share a row, so that many one-page files cost few Ray Data tasks
  (a task costs 30-60 ms of scheduling) and no worker idles on a tiny file.
- Each row's task (0 CPUs, like the service's page tasks) opens its documents from the object
  store and runs `process_pages` on them: text layers are read in the task (milliseconds a page);
  pages to OCR are rendered there and sent to the OCR actors, two in flight per task so rendering
  overlaps recognition. The OCR actors (`OcrActor`, CPUS_PER_OCR_ACTOR CPUs each, as many as the
  cluster's CPUs allow) live for the whole run and load the engines at their first page, so the
  models load once per run, not once per window, and a run of born-digital PDFs never loads them.
  (Ray Data's own ActorPoolStrategy would reload them for every window's dataset.)
- The driver streams the rows' page records back, gathers them per document and, when a
  document's last page is in, writes its outputs (each atomically: a temporary file in the same
  folder, then `os.replace`) and forgets its pages. `json` is the job object as the API returns
  it (`expires_at` null: nothing expires here); `pdf` is made by a 0-CPU task next to the bytes.
- A document that cannot be read, or whose pages all failed, is reported and skipped; the batch
  goes on. The report (`convert-report.json` in the output folder) lists every document's outcome.
"""

import itertools
import json
import logging
import os
import sys
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np
import ray
import ray.data

from accounts.clock import now_iso
from configs.ray_env import PAGE_READER_ENV
from configs.settings import Settings
from exports.formats import job_export
from exports.searchable_pdf import searchable_pdf
from pipelines.bulk.inputs import InputItem, open_inputs
from pipelines.bulk.outputs import (
    Outcome,
    Progress,
    output_paths,
    write_atomic,
    write_report,
)
from pipelines.documents.document import DocumentError, Limits, open_document
from pipelines.errors import describe_error
from pipelines.execution.page_dataset import BlockSizes, plan_blocks
from pipelines.execution.page_loop import OcrSubmit, PageOptions, process_pages
from pipelines.jobs.page_selection import select_pages
from pipelines.jobs.record import job_json, new_job

logger = logging.getLogger("ocrchat.convert")

DEFAULT_FORMATS = ("md", "json")
# A window of documents in flight; the first document of a window always fits, however large.
WINDOW_DOCUMENTS = 64
WINDOW_PAGES = 1024
WINDOW_BYTES = 128 * 1024 * 1024
# Pages per dataset row: OCR pages take seconds, text-layer pages milliseconds.
OCR_PAGES_PER_ROW = 8
TEXT_LAYER_PAGES_PER_ROW = 100
# One actor per this many CPUs, with as many ONNX Runtime threads (two 1-thread actors on 2 cores
# measured only 1.1x faster than one 2-thread actor, for twice the memory).
CPUS_PER_OCR_ACTOR = 2
ROW_RETRIES = 3
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
    """A document of the current window, while its pages come in."""

    relative: PurePosixPath
    outputs: dict[str, Path]
    ref: ray.ObjectRef
    fixed: dict
    pieces_left: int = 0
    records: list[dict] = field(default_factory=list)
    error: str | None = None
    started: float = field(default_factory=time.monotonic)


# ---------------------------------------------------------------------------------------------
# The OCR actors and the row tasks (run on the cluster)


@ray.remote
class OcrActor:
    """PP-OCRv6 and Tesseract behind the language router, loaded at the first page."""

    def __init__(self, settings: Settings, threads: int) -> None:
        self._settings = settings
        self._threads = threads
        self._router = None

    def recognize(self, image: np.ndarray, language: str):
        if self._router is None:
            from engines.page_reader import cpu_reader  # loads the engines' libraries: only in the actor

            settings = self._settings
            self._router = cpu_reader(
                settings.model_cache_dir, self._threads, settings.det_limit_side_len, settings.cpu_profile
            )
        return self._router.recognize(image, language)


class _ActorCall:
    """An actor call in flight, as `process_pages` expects it (`result`, `cancel`)."""

    def __init__(self, ref: ray.ObjectRef) -> None:
        self._ref = ref

    def result(self):
        return ray.get(self._ref)

    def cancel(self) -> None:
        ray.cancel(self._ref)


def _round_robin(actors: list, start: int) -> OcrSubmit:
    turns = itertools.count(start)

    def submit(image: np.ndarray, language: str) -> _ActorCall:
        return _ActorCall(actors[next(turns) % len(actors)].recognize.remote(image, language))

    return submit


def _process_row(
    batch: dict[str, np.ndarray], documents: list, actors: list, limits: Limits, options: PageOptions
) -> dict[str, np.ndarray]:
    """The page records of a row's pieces (document number, page indices), one output row per piece."""
    out: dict[str, list] = {"doc": [], "records": [], "error": []}
    for piece in json.loads(batch["pieces"][0]):
        doc, indices = piece
        records, error = [], ""
        try:
            document = open_document(ray.get(documents[doc]), limits)
        except DocumentError as exc:
            error = str(exc)
        else:
            try:
                records = list(process_pages(document, indices, _round_robin(actors, doc + indices[0]), options))
            finally:
                document.close()
        out["doc"].append(doc)
        out["records"].append(json.dumps(records, ensure_ascii=False))
        out["error"].append(error)
    return {
        "doc": np.array(out["doc"]),
        "records": np.array(out["records"], dtype=object),
        "error": np.array(out["error"], dtype=object),
    }


_make_searchable_pdf = ray.remote(num_cpus=0, max_retries=1)(searchable_pdf)


# ---------------------------------------------------------------------------------------------
# Ray


@contextmanager
def ray_session(address: str | None, settings: Settings) -> Iterator[None]:
    """Join the cluster at `address`, or start a loopback-only local Ray and stop it after."""
    if address:
        ray.init(address=address, log_to_driver=False)
    else:
        ray.init(
            address="local",
            num_cpus=os.cpu_count(),
            object_store_memory=settings.ray_object_store_mb * 1024 * 1024,
            include_dashboard=False,
            _node_ip_address="127.0.0.1",
            log_to_driver=False,  # engine chatter from the workers would garble the progress bar
        )
    try:
        yield
    finally:
        ray.shutdown()


def _start_actors(settings: Settings) -> list:
    cpus = float(ray.cluster_resources().get("CPU", 1))
    per_actor = min(CPUS_PER_OCR_ACTOR, cpus)
    count = max(1, int(cpus // per_actor))
    threads = settings.ocr_threads or max(1, int(per_actor))
    options = {"num_cpus": per_actor, "runtime_env": {"env_vars": PAGE_READER_ENV}}
    return [OcrActor.options(**options).remote(settings, threads) for _ in range(count)]


def _quiet_ray_data() -> None:
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    context.execution_options.verbose_progress = False
    logging.getLogger("ray.data").setLevel(logging.ERROR)  # it warns that its progress bars are off


# ---------------------------------------------------------------------------------------------
# Outputs


def _job_state(pages: list[dict]) -> dict:
    """The job's changing fields, as the job store computes them when a job ends."""
    failed = sum(1 for page in pages if page.get("error"))
    done = len(pages) - failed
    confidences = [block["confidence"] for page in pages for block in page["blocks"]]
    mean = round(sum(confidences) / len(confidences), 4) if confidences else 0.0
    status, error = ("failed", f"All {failed} pages failed; see pages[].error.") if done == 0 else ("done", None)
    return {
        "status": status,
        "error": error,
        "pages_done": done,
        "pages_failed": failed,
        "mean_confidence": mean,
        "finished_at": now_iso(),
        "expires_at": None,
    }


def _write_outputs(document: _Document, dpi: int) -> Outcome:
    pages = sorted(document.records, key=lambda page: page["index"])
    state = _job_state(pages)
    outcome = Outcome(str(document.relative), "converted", len(pages), state["pages_failed"])
    if state["status"] == "failed":
        first_error = pages[0].get("error") if pages else None
        outcome.status, outcome.error = "failed", f"{state['error']} First: {first_error}"
        return outcome
    encoded = job_json(document.fixed, state, pages)
    job = json.loads(encoded)
    for name, path in document.outputs.items():
        if name == "json":
            data = encoded
        elif name == "pdf":
            data = ray.get(_make_searchable_pdf.remote(document.ref, pages, dpi))
        else:
            data = job_export(job, name)
        write_atomic(path, data)
    return outcome


# ---------------------------------------------------------------------------------------------
# Planning a window


def _prepare(
    item: InputItem, outputs: dict[str, Path], settings: Settings, options: ConvertOptions
) -> tuple[_Document, list[tuple[bool, list[int]]], int]:
    """Read and open a document: it, its blocks (likely text layer?, page indices) and its size.
    DocumentError or ValueError (a `pages` range it lacks) when it cannot be converted."""
    data = item.load()
    document = open_document(data, Limits(settings.max_page_pixels, settings.pdf_dpi))
    try:
        indices = select_pages(options.pages, document.page_count)
        likely_text = [not options.force_ocr and document.draws_text(index) for index in indices]
        page_count = document.page_count
    finally:
        document.close()
    sizes = BlockSizes(OCR_PAGES_PER_ROW, TEXT_LAYER_PAGES_PER_ROW)
    blocks = plan_blocks(indices, likely_text, sizes, parallel=1)
    kinds = dict(zip(indices, likely_text, strict=True))
    fixed = new_job(
        tier=options.tier,
        language=options.language,
        tool=None,
        filename=item.relative.name,
        page_count=len(indices),
        document_page_count=page_count,
    )
    prepared = _Document(item.relative, outputs, ray.put(data), fixed, pieces_left=len(blocks))
    return prepared, [(kinds[block[0]], block) for block in blocks], len(data)


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


# ---------------------------------------------------------------------------------------------
# The conversion


class _Converter:
    def __init__(self, settings: Settings, options: ConvertOptions, progress: Progress) -> None:
        self.settings = settings
        self.options = options
        self.progress = progress
        self.outcomes: list[Outcome] = []
        self.page_options = PageOptions(
            language=options.language, tier=options.tier, force_ocr=options.force_ocr, retries=settings.page_retries
        )
        self.limits = Limits(settings.max_page_pixels, settings.pdf_dpi)
        self.actors = _start_actors(settings)
        self.parallel = max(2, int(ray.cluster_resources().get("CPU", 1)))

    def finish(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)
        self.progress.record(outcome)

    def run_window(self, documents: list[_Document], blocks: list[tuple[int, bool, list[int]]]) -> None:
        rows = [{"pieces": json.dumps(row)} for row in pack_rows(blocks)]
        with warnings.catch_warnings():
            # Ray 2.60 deprecates `max_retries` here but has no other way to say it; its default
            # (retry forever) would loop on a document that crashes its worker.
            warnings.simplefilter("ignore", DeprecationWarning)
            dataset = ray.data.from_items(rows, override_num_blocks=len(rows)).map_batches(
                _process_row,
                batch_size=None,  # one call per row
                fn_kwargs={
                    "documents": [document.ref for document in documents],
                    "actors": self.actors,
                    "limits": self.limits,
                    "options": self.page_options,
                },
                compute=ray.data.TaskPoolStrategy(size=min(self.parallel, len(rows))),
                num_cpus=0,  # the OCR actors hold the CPUs; these tasks render and wait
                max_retries=ROW_RETRIES,
            )
        try:
            for batch in dataset.iter_batches(batch_size=None, batch_format="numpy"):
                for doc, records, error in zip(batch["doc"], batch["records"], batch["error"], strict=True):
                    self._piece_done(documents[int(doc)], json.loads(records), error)
        except Exception as exc:  # a row failed past its retries (a worker crashed on a document)
            logger.warning("A block of documents failed: %s", describe_error(exc))
            for document in documents:
                if document.pieces_left > 0:
                    document.pieces_left = 0
                    self.finish(Outcome(str(document.relative), "failed", error=describe_error(exc)))

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
    source: Path, output_dir: Path, options: ConvertOptions, settings: Settings, progress_stream=sys.stderr
) -> dict:
    """Convert every document of `source` into `output_dir` (Ray must be initialised); the report.
    KeyboardInterrupt stops it after writing the report (marked `interrupted`)."""
    output_dir.mkdir(parents=True, exist_ok=True)
    _quiet_ray_data()
    with open_inputs(source, exclude=output_dir) as items:
        progress = Progress(len(items), progress_stream)
        converter = _Converter(settings, options, progress)
        interrupted = False
        try:
            _convert_items(items, output_dir, converter)
        except KeyboardInterrupt:
            interrupted = True
        finally:
            progress.close()
            report = write_report(output_dir, source, options.formats, converter.outcomes, progress, interrupted)
    return report


def _convert_items(items: list[InputItem], output_dir: Path, converter: _Converter) -> None:
    window: list[_Document] = []
    blocks: list[tuple[int, bool, list[int]]] = []
    pages = size = 0
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
            document, document_blocks, document_size = _prepare(item, outputs, converter.settings, converter.options)
        except (OSError, ValueError) as exc:  # DocumentError is a ValueError
            converter.finish(Outcome(str(item.relative), "failed", error=str(exc)))
            continue
        if window and (
            len(window) >= WINDOW_DOCUMENTS
            or pages + document.fixed["page_count"] > WINDOW_PAGES
            or size + document_size > WINDOW_BYTES
        ):
            converter.run_window(window, blocks)
            window, blocks, pages, size = [], [], 0, 0
        blocks += [(len(window), text_layer, block) for text_layer, block in document_blocks]
        window.append(document)
        pages += document.fixed["page_count"]
        size += document_size
    if window:
        converter.run_window(window, blocks)
