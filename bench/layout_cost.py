"""What the layout and table-structure models add to an OCRed page, in CPU-seconds and wall time.

For each page: the language router's read (`CpuRouter.recognize`) and the layout step the cpu tier
adds after it (`CpuPageReader.regions`: the layout model, then the table model on each table
region), each timed with `time.process_time` (this process's CPU over all threads) and wall time,
read in alternation. Pages: the first `--pages` pages of each `olmocr_multipage_pdfs` PDF at 200 dpi,
the two magazine scans and the docling table pages, read in place from `../shared/corpus`.

Usage: .venv/bin/python bench/layout_cost.py [--pages 3] [--threads 2] [--corpus ../shared/corpus]
"""

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pymupdf
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.page_reader_env import run_as_page_reader  # noqa: E402
from engines.page_reader import cpu_reader  # noqa: E402

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
DOCLING_TABLE_PAGES = [("2305.03393v1-pg9.pdf", 0), ("redp5110_sampled.pdf", 7), ("redp5110_sampled.pdf", 8)]


def pdf_page(path: Path, index: int, dpi: int = 200) -> np.ndarray:
    pixmap = pymupdf.open(path)[index].get_pixmap(dpi=dpi, colorspace=pymupdf.csRGB)
    return np.frombuffer(pixmap.samples, dtype=np.uint8).reshape(pixmap.height, pixmap.width, 3)


def pages(corpus: Path, per_pdf: int) -> Iterator[tuple[str, np.ndarray]]:
    for pdf in sorted((corpus / "olmocr_multipage_pdfs" / "pdfs").glob("*.pdf")):
        for index in range(min(per_pdf, pymupdf.open(pdf).page_count)):
            yield f"{pdf.stem} p{index + 1}", pdf_page(pdf, index)
    for name in ("8087_054.3B.tif", "8071_093.3B.tif"):
        yield name, np.asarray(Image.open(corpus / "tesseract_testing" / "images" / name).convert("RGB"))
    for name, index in DOCLING_TABLE_PAGES:
        yield f"{name} p{index + 1}", pdf_page(corpus / "docling_testdata" / "pdf" / "sources" / name, index)


def timed(call: Callable[[], object]) -> tuple[object, float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    result = call()
    return result, time.process_time() - cpu, time.perf_counter() - wall


def main() -> None:
    run_as_page_reader()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=3, help="pages of each olmocr PDF")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as cache:
        reader = cpu_reader(Path(cache), args.threads, 960)
        rows = []
        for name, image in pages(args.corpus, args.pages):
            result, read_cpu, read_wall = timed(lambda image=image: reader.router.recognize(image, "en"))
            regions, layout_cpu, layout_wall = timed(lambda image=image: reader.regions(image))
            tables = sum(region.type == "table" for region in regions)
            rows.append((read_cpu, read_wall, layout_cpu, layout_wall))
            print(
                f"{name:45s} read {read_cpu:5.2f} CPU-s {read_wall:5.2f} s | layout+tables ({tables} tables) "
                f"{layout_cpu:4.2f} CPU-s {layout_wall:4.2f} s",
                flush=True,
            )
    columns = list(zip(*rows, strict=True))
    read_cpu, read_wall, layout_cpu, layout_wall = (statistics.mean(column) for column in columns)
    print(
        f"\n{len(rows)} pages, {args.threads} threads. Mean a page: read {read_cpu:.2f} CPU-s / {read_wall:.2f} s; "
        f"layout and tables {layout_cpu:.2f} CPU-s / {layout_wall:.2f} s "
        f"(+{layout_cpu / read_cpu:.1%} CPU, +{layout_wall / read_wall:.1%} wall); "
        f"max {max(columns[2]):.2f} CPU-s"
    )


if __name__ == "__main__":
    main()
