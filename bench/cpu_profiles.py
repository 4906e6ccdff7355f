"""The cpu profiles' bare engine against OCRmyPDF, on the same scanned pages, alternated in one run.

Pages: the first 3 pages of each `olmocr_multipage_pdfs` PDF (the first 20 of them), rasterised at
200 dpi with no text layer. Each round runs, in turn: OCRmyPDF `--force-ocr --jobs 2 -l eng` on an
image-only PDF of the pages (its output's text is scored), and each engine configuration reading the
page images one after the other (`PaddleCpuEngine`, 2 ONNX Runtime threads; and the `fast` profile with
the lines tiny recognition reads under a confidence read again by small recognition). Reported per
configuration, median over the rounds: pages per second, CPU-seconds a page (the engine: this
process; OCRmyPDF: its children), the peak RSS (this process's high-water mark after the
configuration; OCRmyPDF: its largest child), and page word F1 (bag of words, as `tests/scoring.py`)
against each page's own text layer.

Usage: .venv/bin/python bench/cpu_profiles.py [--rounds 3] [--ocrmypdf PATH] [--corpus ../shared/corpus]
OCRmyPDF is not a dependency: install it apart (`python3 -m venv /tmp/ocrmypdf && /tmp/ocrmypdf/bin/pip
install ocrmypdf`, and Debian's ghostscript) and pass its path; without it that row is left out.
"""

import argparse
import io
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pymupdf
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.page_reader_env import run_as_page_reader  # noqa: E402
from engines.model_files import REC_MODEL_NAME, prepare_model_dirs  # noqa: E402
from engines.paddle_cpu import PaddleCpuEngine, text_recognition  # noqa: E402
from engines.types import PageResult  # noqa: E402
from tests.scoring import bag_of_words_f1  # noqa: E402

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
DPI = 200
# (name, profile, detection's longest side)
CONFIGURATIONS = [("accurate (small det + rec)", "accurate", 1600), ("fast (tiny det + rec)", "fast", 1600)]
CONFIGURATIONS += [("fast, detection at 960", "fast", 960)]
# Tiny's lines under these confidences read again by small recognition (tried for issue 29, not a profile).
REREAD_THRESHOLDS = (0.97, 0.99)
THREADS = 2


class TinyWithSmallRereads:
    """The `fast` profile, with the lines tiny recognition is unsure of read again by small recognition."""

    def __init__(self, cache: Path, threshold: float) -> None:
        self.tiny = PaddleCpuEngine(cache, THREADS, 1600, "fast")
        self.small = text_recognition(REC_MODEL_NAME, prepare_model_dirs(cache, "accurate").recognition, THREADS)
        self.threshold = threshold

    def recognize(self, image: np.ndarray) -> PageResult:
        page = self.tiny.recognize(image)
        unsure = sorted(
            (block for block in page.blocks if block.confidence < self.threshold),
            key=lambda block: (block.bbox[2] - block.bbox[0]) / max(1.0, block.bbox[3] - block.bbox[1]),
        )  # by aspect ratio, as paddleocr batches lines
        crops = [image[int(b.bbox[1]) : int(b.bbox[3]) + 1, int(b.bbox[0]) : int(b.bbox[2]) + 1, ::-1] for b in unsure]
        for block, read in zip(unsure, self.small.predict(crops, batch_size=8) if crops else [], strict=True):
            block.text, block.confidence = read["rec_text"], float(read["rec_score"])
        return page


def scanned_pages(corpus: Path, count: int = 20) -> list[tuple[np.ndarray, str]]:
    pages = []
    for pdf in sorted((corpus / "olmocr_multipage_pdfs" / "pdfs").glob("*.pdf")):
        document = pymupdf.open(pdf)
        for page in list(document)[:3]:
            pixmap = page.get_pixmap(dpi=DPI, colorspace=pymupdf.csRGB)
            image = np.frombuffer(pixmap.samples, dtype=np.uint8).reshape(pixmap.height, pixmap.width, 3)
            pages.append((image.copy(), page.get_text()))
    return pages[:count]


def image_pdf(pages: list[tuple[np.ndarray, str]]) -> bytes:
    pdf = pymupdf.open()
    for image, _ in pages:
        buffer = io.BytesIO()
        Image.fromarray(image).save(buffer, format="PNG")
        height, width = image.shape[:2]
        pdf.new_page(width=width * 72 / DPI, height=height * 72 / DPI).insert_image(
            pymupdf.Rect(0, 0, width * 72 / DPI, height * 72 / DPI), stream=buffer.getvalue()
        )
    return pdf.tobytes()


def run_ocrmypdf(ocrmypdf: Path, pdf: bytes, truths: list[str]) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        source, output = Path(folder) / "in.pdf", Path(folder) / "out.pdf"
        source.write_bytes(pdf)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        command = [str(ocrmypdf), "--force-ocr", "--jobs", "2", "-l", "eng", "--output-type", "pdf"]
        subprocess.run([*command, str(source), str(output)], check=True, capture_output=True)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        texts = [page.get_text() for page in pymupdf.open(output)]
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return _row(len(truths), wall, cpu, texts, truths)


def run_engine(engine: PaddleCpuEngine | TinyWithSmallRereads, pages: list[tuple[np.ndarray, str]]) -> dict:
    start, cpu = time.perf_counter(), time.process_time()
    texts = [" ".join(block.text for block in engine.recognize(image).blocks) for image, _ in pages]
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    return _row(len(pages), wall, cpu, texts, [truth for _, truth in pages])


def _row(count: int, wall: float, cpu: float, texts: list[str], truths: list[str]) -> dict:
    f1 = statistics.mean(bag_of_words_f1(text, truth) for text, truth in zip(texts, truths, strict=True))
    return {"pages_per_s": count / wall, "cpu_per_page": cpu / count, "f1": f1}


def main() -> None:
    run_as_page_reader()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--ocrmypdf", type=Path, default=None)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()
    pages = scanned_pages(args.corpus)
    pdf = image_pdf(pages)
    truths = [truth for _, truth in pages]
    with tempfile.TemporaryDirectory() as cache:
        engines: dict[str, PaddleCpuEngine | TinyWithSmallRereads] = {
            name: PaddleCpuEngine(Path(cache), THREADS, side, profile) for name, profile, side in CONFIGURATIONS
        }
        for threshold in REREAD_THRESHOLDS:
            name = f"fast, small re-reads lines under {threshold}"
            engines[name] = TinyWithSmallRereads(Path(cache), threshold)
        for engine in engines.values():
            engine.recognize(pages[0][0])  # warm up
        results: dict[str, list[dict]] = {}
        for round_number in range(args.rounds):
            if args.ocrmypdf:
                results.setdefault("OCRmyPDF --jobs 2 -l eng", []).append(run_ocrmypdf(args.ocrmypdf, pdf, truths))
            for name, engine in engines.items():
                results.setdefault(name, []).append(run_engine(engine, pages))
            print(f"round {round_number + 1} done", file=sys.stderr, flush=True)
    reference = results.get("OCRmyPDF --jobs 2 -l eng")
    base = statistics.median(r["pages_per_s"] for r in reference) if reference else None
    print(f"{len(pages)} pages at {DPI} dpi, {args.rounds} rounds alternated, medians\n")
    print("| what ran | pages/s | x OCRmyPDF | CPU-s a page | word F1 |")
    print("|---|---|---|---|---|")
    for name, rows in results.items():
        speed = statistics.median(r["pages_per_s"] for r in rows)
        ratio = f"{speed / base:.2f}x" if base else "-"
        cpu = statistics.median(r["cpu_per_page"] for r in rows)
        f1 = statistics.median(r["f1"] for r in rows)
        print(f"| {name} | {speed:.2f} | {ratio} | {cpu:.2f} | {f1:.3f} |")


if __name__ == "__main__":
    main()
