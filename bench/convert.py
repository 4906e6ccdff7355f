"""`ocrchat convert` against OCRmyPDF and raw PyMuPDF, in one run.

1. The 137 pages of `../shared/corpus/olmocr_multipage_pdfs` forced through OCR, to text and a
   searchable PDF: `ocrchat convert --force-ocr --format txt,json,pdf` (its own local Ray), then
   OCRmyPDF `--force-ocr --jobs 2 -l eng` on the same 7 PDFs one after the other. Wall time
   (Ray start and stop included), pages/s, the peak of the summed RSS of the command's process
   tree (Ray's shared object store is counted in every process that maps it), and the mean page
   bag-of-words F1 of each against the PDFs' own text layers.
2. A generated 1,000-page born-digital PDF through the text-layer path (`--format txt,json`)
   against raw PyMuPDF word extraction of the same file in this process.

Usage: `.venv/bin/python bench/convert.py` (about 15 minutes on 2 cores; needs `ocrmypdf` in
the venv and Debian's ghostscript; without them part 1 measures ocrchat alone). Leave the
machine otherwise idle.
"""

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import pymupdf

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.service import tree_rss_mb  # noqa: E402
from tests.documents import born_digital_pdf  # noqa: E402
from tests.scoring import bag_of_words_f1  # noqa: E402

OLMOCR = ROOT.parent / "shared" / "corpus" / "olmocr_multipage_pdfs" / "pdfs"
OCRMYPDF = Path(sys.executable).parent / "ocrmypdf"
TEXT_LAYER_PAGES = 1000
SAMPLE_SECONDS = 0.2


def run_measured(command: list[str]) -> tuple[float, float, int]:
    """Run a command; (wall seconds, peak summed RSS of its process tree in MB, exit status)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    root, peak = psutil.Process(process.pid), 0.0
    stderr_lines: list[str] = []
    reader = threading.Thread(target=lambda: stderr_lines.extend(process.stderr), daemon=True)
    reader.start()
    while process.poll() is None:
        peak = max(peak, tree_rss_mb(root))
        time.sleep(SAMPLE_SECONDS)
    reader.join()
    if process.returncode:
        print("".join(stderr_lines[-20:]), file=sys.stderr)
    return time.perf_counter() - start, peak, process.returncode


def page_texts(pdf: Path) -> list[str]:
    with pymupdf.open(pdf) as document:
        return [page.get_text() for page in document]


def mean_f1(pairs: list[tuple[str, str]]) -> float:
    scored = [bag_of_words_f1(got, truth) for got, truth in pairs if truth.strip()]
    return sum(scored) / len(scored)


def ocrchat_convert(source: Path, output: Path, formats: str, *extra: str) -> tuple[float, float, dict]:
    command = [sys.executable, "-m", "serve.cli", "convert", str(source), str(output), "--format", formats, *extra]
    seconds, peak, status = run_measured(command)
    if status:
        raise RuntimeError(f"ocrchat convert exited with {status}")
    return seconds, peak, json.loads((output / "convert-report.json").read_text())


def ocr_part(pdfs: list[Path], work: Path) -> None:
    pages = sum(len(page_texts(pdf)) for pdf in pdfs)
    source = work / "olmocr"
    source.mkdir()
    for pdf in pdfs:
        shutil.copy(pdf, source / pdf.name)
    seconds, peak, report = ocrchat_convert(source, work / "ocrchat", "txt,json,pdf", "--force-ocr")
    pairs = []
    for pdf in pdfs:
        job = json.loads((work / "ocrchat" / f"{pdf.stem}.json").read_text())
        pairs += [(page["text"], truth) for page, truth in zip(job["pages"], page_texts(pdf), strict=True)]
    ours = (pages / seconds, peak, mean_f1(pairs))
    print(
        f"ocrchat convert --force-ocr: {pages} pages in {seconds:.1f} s = {ours[0]:.3f} pages/s "
        f"(in-run {report['pages_per_second']:.3f} pages/s over {report['seconds']:.1f} s), "
        f"peak RSS {peak:.0f} MB, page word F1 {ours[2]:.3f}"
    )
    if not OCRMYPDF.exists() or shutil.which("gs") is None:
        print("OCRmyPDF or ghostscript is not installed: no comparison.")
        return
    total, peak, pairs = 0.0, 0.0, []
    (work / "ocrmypdf").mkdir()
    for pdf in pdfs:
        output = work / "ocrmypdf" / pdf.name
        command = [
            str(OCRMYPDF),
            "--force-ocr",
            "--jobs",
            "2",
            "-l",
            "eng",
            "--output-type",
            "pdf",
            str(pdf),
            str(output),
        ]
        seconds, file_peak, status = run_measured(command)
        if status:
            raise RuntimeError(f"ocrmypdf exited with {status} on {pdf.name}")
        total, peak = total + seconds, max(peak, file_peak)
        pairs += list(zip(page_texts(output), page_texts(pdf), strict=True))
    theirs = (pages / total, peak, mean_f1(pairs))
    print(
        f"OCRmyPDF --force-ocr --jobs 2: {pages} pages in {total:.1f} s = {theirs[0]:.3f} pages/s, "
        f"peak RSS {peak:.0f} MB, page word F1 {theirs[2]:.3f}"
    )
    print(
        f"ratios ocrchat/OCRmyPDF: throughput {ours[0] / theirs[0]:.2f}x, peak memory {ours[1] / theirs[1]:.2f}x, "
        f"F1 {ours[2] - theirs[2]:+.3f}"
    )


def text_layer_part(work: Path) -> None:
    source = work / "born_digital"
    source.mkdir()
    pdf = source / "thousand.pdf"
    pdf.write_bytes(born_digital_pdf(TEXT_LAYER_PAGES))
    seconds, peak, report = ocrchat_convert(source, work / "born_digital_out", "txt,json")
    start = time.perf_counter()
    with pymupdf.open(pdf) as document:
        words = sum(len(page.get_text("words")) for page in document)
    raw = time.perf_counter() - start
    print(
        f"text layer, {TEXT_LAYER_PAGES} pages: ocrchat convert {seconds:.1f} s wall "
        f"({TEXT_LAYER_PAGES / seconds:.0f} pages/s; in-run {report['seconds']:.1f} s = "
        f"{report['pages_per_second']:.0f} pages/s), peak RSS {peak:.0f} MB; raw PyMuPDF words {raw:.2f} s "
        f"({TEXT_LAYER_PAGES / raw:.0f} pages/s, {words} words); ratio wall {seconds / raw:.1f}x, "
        f"in-run {report['seconds'] / raw:.1f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-ocr", action="store_true", help="Only the text-layer part.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-convert-") as folder:
        work = Path(folder)
        if not args.skip_ocr:
            ocr_part(sorted(OLMOCR.glob("*.pdf")), work)
        text_layer_part(work)


if __name__ == "__main__":
    main()
