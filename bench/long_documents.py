"""Long documents through the service vs the bare engine, in one run.

1. The 137 pages of `../shared/corpus/olmocr_multipage_pdfs` forced through OCR: all 7 PDFs
   submitted at once as async jobs; pages per second from the first POST to the last job
   done, and the peak of the summed RSS of every process the service started.
2. The same pages in a plain sequential loop in this process (render at the service's dpi,
   then the same engine with 2 ONNX Runtime threads), once before the service starts and once
   after it has stopped: this machine's speed drifts over minutes (the loop alone read 0.324
   pages/s before one run's service and 0.275 after it), so the service is compared with the
   mean of the two loops, each printed. The same engine is the service's own: the replicas'
   page reader, that is the CPU router with `language=auto` (the default), which reads each page
   with PP-OCR and re-reads doubtful lines with Tesseract, then the layout and table models; the
   time the router alone and PP-OCR alone took in the same pass is reported beside it.
3. Peak memory of 50- and 1,000-page born-digital jobs, each from its idle baseline, after
   a first job has started Ray Data's workers; also without Redis, which keeps the results.
4. A 500-page born-digital PDF through the text-layer path (workers warm), five jobs one after
   the other (and their median), against raw PyMuPDF word extraction of the same file in this process: a generated
   one (40 short lines a page), and real pages (the 16 pages of the corpus's
   `redp5110_sampled.pdf` whose text layer is sound, repeated: a report with tables and pictures).
   Beside each job, the CPU time all the service's processes spent a page: with both cores busy,
   the rate is about 2 cores / that time, so it says where a faster path has to come from.

Usage: `.venv/bin/python bench/long_documents.py` (starts and stops its own service; about
35 minutes on 2 cores). Leave the machine otherwise idle.
"""

import argparse
import gc
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

import httpx
import pymupdf

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.page_reader_env import run_as_page_reader  # noqa: E402
from bench.service import Service  # noqa: E402
from configs.settings import Settings  # noqa: E402
from tests.documents import born_digital_pdf  # noqa: E402

OLMOCR = ROOT.parent / "shared" / "corpus" / "olmocr_multipage_pdfs" / "pdfs"
REDP5110 = ROOT.parent / "shared" / "corpus" / "docling_testdata" / "pdf" / "sources" / "redp5110_sampled.pdf"


def run_jobs(client: httpx.Client, uploads: list[tuple[str, bytes]], **fields) -> tuple[float, int]:
    """Submit all uploads at once and wait for every job, with polls that wait for the job's end
    (`?wait=`); (seconds, pages done)."""
    start = time.perf_counter()
    ids = []
    for name, content in uploads:
        response = client.post("/api/v1/ocr/", files={"file": (name, content)}, data=fields)
        response.raise_for_status()
        ids.append(response.json()["uuid"])
    pages = 0
    for job_id in ids:
        job = {"status": "pending"}
        while job["status"] not in ("done", "failed"):
            job = client.get(f"/api/v1/ocr/{job_id}/", params={"wait": 50}).json()
        if job["status"] != "done":
            raise RuntimeError(f"job {job_id} failed: {job['error']}")
        pages += job["pages_done"]
    return time.perf_counter() - start, pages


class BareRates(NamedTuple):
    """Pages/s of the page reader's loop, and what rendering with its parts alone took in that pass."""

    reader: float  # the whole loop: rendering, the language router, the layout and table models
    router: float  # rendering and the router (PP-OCR, and Tesseract where auto re-reads)
    paddle: float  # rendering and PP-OCR alone
    pages: int


class _Timed:
    """Wraps a method and sums the seconds spent in it."""

    def __init__(self, owner: object, name: str) -> None:
        self.seconds = 0.0
        self._method = getattr(owner, name)
        setattr(owner, name, self)

    def __call__(self, *args, **kwargs):
        began = time.perf_counter()
        try:
            return self._method(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - began


def bare_engine_pages_per_second(pdfs: list[Path], dpi: int) -> BareRates:
    """Pages/s of the replicas' page reader in a plain loop, and of its parts within the same pass."""
    from engines.page_reader import cpu_reader
    from pipelines.documents.document import Limits, open_document

    settings = Settings()
    reader = cpu_reader(settings.model_cache_dir, 2, settings.det_limit_side_len)
    router = _Timed(reader.router, "recognize")
    paddle = _Timed(reader.router.paddle, "recognize")
    limits = Limits(settings.max_page_pixels, dpi)
    pages, render_seconds = 0, 0.0
    start = time.perf_counter()
    for path in pdfs:
        document = open_document(path.read_bytes(), limits)
        for index in range(document.page_count):
            began = time.perf_counter()
            image = document.render(index)
            render_seconds += time.perf_counter() - began
            reader.recognize(image, "auto")
            pages += 1
        document.close()
    return BareRates(
        pages / (time.perf_counter() - start),
        pages / (render_seconds + router.seconds),
        pages / (render_seconds + paddle.seconds),
        pages,
    )


def raw_word_extraction_pages_per_second(content: bytes) -> float:
    """The best of three passes of PyMuPDF word extraction over the whole file."""
    rates = []
    for _ in range(3):
        pdf = pymupdf.open(stream=content, filetype="pdf")
        start = time.perf_counter()
        for page in pdf:
            page.get_text("words")
        rates.append(pdf.page_count / (time.perf_counter() - start))
    return max(rates)


def measure_ocr(service: Service, client: httpx.Client, pdfs: list[Path]) -> float:
    with service.sample_peak():
        seconds, pages = run_jobs(client, [(p.name, p.read_bytes()) for p in pdfs], force_ocr="true")
    rate = pages / seconds
    print(
        f"service, forced OCR: {pages} pages in {seconds:.1f} s = {rate:.3f} pages/s, "
        f"peak RSS {service.peak_mb:.0f} MB",
        flush=True,
    )
    return rate


def measure_memory(service: Service, client: httpx.Client) -> None:
    # The first long job starts Ray Data's worker processes and actors (once per service);
    # the 50- and 1,000-page jobs are then measured from the same state.
    # Redis is reported apart: it keeps every job's results (pages, text, PDF) until they expire.
    for count in (1000, 50, 1000):
        time.sleep(3)
        baseline, baseline_without_redis = service.rss_mb(), service.rss_mb(without_redis=True)
        with service.sample_peak():
            run_jobs(client, [(f"born_digital_{count}.pdf", born_digital_pdf(count))])
        redis_growth = (service.rss_mb() - service.rss_mb(without_redis=True)) - (baseline - baseline_without_redis)
        print(
            f"{count:>5} pages: baseline {baseline:.0f} MB, peak {service.peak_mb:.0f} MB, "
            f"growth {service.peak_mb - baseline:.0f} MB; all but Redis: growth "
            f"{service.peak_without_redis_mb - baseline_without_redis:.0f} MB; "
            f"Redis after the job: +{redis_growth:.0f} MB",
            flush=True,
        )


def real_born_digital_pdf(pages: int) -> bytes:
    """The pages of `redp5110_sampled.pdf` with a sound text layer, repeated to `pages` pages."""
    from pipelines.documents.document import Limits, open_document

    settings = Settings()
    content = REDP5110.read_bytes()
    document = open_document(content, Limits(settings.max_page_pixels, settings.pdf_dpi))
    sound = [index for index in range(document.page_count) if document.text_layer(index) is not None]
    document.close()
    with pymupdf.open(stream=content, filetype="pdf") as source, pymupdf.open() as output:
        source.select(sound)
        while output.page_count < pages:
            output.insert_pdf(source)
        output.select(list(range(pages)))
        return output.tobytes(garbage=3, deflate=True)


def measure_text_layer(service: Service, client: httpx.Client, name: str, content: bytes, runs: int = 5) -> None:
    """Each of `runs` jobs of the same file, one after the other (the rate varies by ~15% run to
    run), and their median; with the CPU time the service's processes spent on each page (all of
    them: Ray's, Redis's, the replicas'), against what raw extraction spends."""
    raw_rate = raw_word_extraction_pages_per_second(content)
    ratios, cpu_per_page = [], []
    for _ in range(runs):
        cpu_before = service.cpu_seconds()
        seconds, pages = run_jobs(client, [(f"{name}.pdf", content)])
        cpu_per_page.append((service.cpu_seconds() - cpu_before) / pages)
        rate = pages / seconds
        ratios.append(rate / raw_rate)
        print(
            f"service, text layer, {name}: {pages} pages in {seconds:.2f} s = {rate:.0f} pages/s; "
            f"raw PyMuPDF words: {raw_rate:.0f} pages/s; ratio {rate / raw_rate:.2f}; "
            f"service CPU {cpu_per_page[-1] * 1000:.2f} ms a page",
            flush=True,
        )
    print(
        f"service, text layer, {name}: median ratio {statistics.median(ratios):.2f}; median service CPU "
        f"{statistics.median(cpu_per_page) * 1000:.2f} ms a page, raw extraction {1000 / raw_rate:.2f} ms a page",
        flush=True,
    )


def main() -> None:
    run_as_page_reader()
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8321)
    parser.add_argument("--redis-port", type=int, default=6421)
    parser.add_argument("--skip-ocr", action="store_true", help="only the memory and text-layer parts")
    parser.add_argument("--skip-text", action="store_true", help="only the OCR part")
    parser.add_argument("--only", nargs="*", help="OCR only these olmocr PDFs (file names), for a quick look")
    parser.add_argument("--skip-memory", action="store_true", help="without the memory part")
    parser.add_argument("--text-layer-runs", type=int, default=5, help="jobs of each text-layer PDF")
    args = parser.parse_args()
    pdfs = sorted(p for p in OLMOCR.glob("*.pdf") if not args.only or p.name in args.only)
    bare_before = None if args.skip_ocr else measure_bare_engine(pdfs, "before the service")
    with tempfile.TemporaryDirectory() as state_dir:
        service = Service(args.port, args.redis_port, state_dir)
        try:
            service.wait_ready()
            time.sleep(5)
            print(f"idle service RSS: {service.rss_mb():.0f} MB", flush=True)
            with httpx.Client(base_url=service.url, timeout=600) as client:
                service_rate = None if args.skip_ocr else measure_ocr(service, client, pdfs)
                if not args.skip_text:
                    if not args.skip_memory:
                        measure_memory(service, client)
                    runs = args.text_layer_runs
                    measure_text_layer(service, client, "generated", born_digital_pdf(500), runs)
                    measure_text_layer(service, client, "redp5110 pages", real_born_digital_pdf(500), runs)
        finally:
            service.stop()
    if service_rate is not None and bare_before is not None:
        bare_after = measure_bare_engine(pdfs, "after the service")
        parts = ("reader", "router", "paddle")
        reader, router, paddle = (statistics.mean((getattr(bare_before, p), getattr(bare_after, p))) for p in parts)
        print(
            f"service / bare engine: {service_rate / reader:.2f}x of the two loops' mean "
            f"({service_rate / bare_before.reader:.2f}x before, {service_rate / bare_after.reader:.2f}x after; "
            f"/ rendering and the router alone: {service_rate / router:.2f}x; "
            f"/ rendering and PP-OCR alone: {service_rate / paddle:.2f}x)",
            flush=True,
        )


def measure_bare_engine(pdfs: list[Path], when: str) -> BareRates:
    rates = bare_engine_pages_per_second(pdfs, Settings().pdf_dpi)
    gc.collect()  # the engine's models go before the service starts
    print(
        f"bare engine (the replicas' page reader: router with language=auto, layout and table models), "
        f"sequential, {when}: {rates.pages} pages = {rates.reader:.3f} pages/s; in the same pass, rendering "
        f"and the router alone {rates.router:.3f} pages/s, rendering and PP-OCR alone {rates.paddle:.3f} pages/s",
        flush=True,
    )
    return rates


if __name__ == "__main__":
    main()
