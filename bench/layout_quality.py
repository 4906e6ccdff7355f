"""How well the cpu tier reads page STRUCTURE: columns, tables, running headers and footers.

Every score is taken on page records as the service makes them: the engine
(`engines.page_reader.cpu_reader(...).recognize(image, "en")`, or on an older checkout
`engines.router.cpu_router`) then `pipelines.jobs.record.page_record(i, result, "ocr")`,
or a PDF's text layer (`Document.text_layer`) then `page_record(i, layer, "text_layer")`. Images and PDFs
are opened with `pipelines.documents.document.open_document` as the service opens uploads; a PDF's pages are
recorded in page order as one job records them (sharing the job's memory of running headers and footers
where `page_record` takes one). Sets, read in place from `../shared/corpus` (`--corpus`):

1. magazines: the two multi-column 300-dpi magazine scans of `tesseract_testing`. CER of the record's
   `text` on the stream with all whitespace removed (Levenshtein / len(truth), NFC), bag-of-words F1, and
   column order: each ground-truth paragraph (lines after a blank line, or from an indented line after an
   unindented one) is found in the output by its first 40 characters (exactly, else fuzzily); "in order"
   is the share of consecutive found paragraphs whose output positions increase. The ground truth's
   order is its zones' (.uzn): titles, bylines and captions come after the body.
2. pubtabnet: 20 table images, upscaled `--scale` times as in bench/tables.py; cell adjacency F1 and
   content F1 (bench/tables.py) of the record's largest table.
3. docling tables: the docling pages whose ground truth has tables, OCR'd at 200 dpi and read from their
   text layer; each ground-truth table is scored against the record table overlapping it most.
4. olmocr: the 137 pages of `olmocr_multipage_pdfs` forced through OCR at the service's `pdf_dpi`. Word
   F1 against the per-page ground truth, and the running header/footer lines left in `markdown`. A
   running line is a line of the page's ground truth (the PDF's own text layer, with its positions) or of
   the output whose text (whitespace removed, lower case, digits as #) sits in the top or bottom 8% and
   repeats there on at least 2 other pages of the PDF. The 8% bands are of the PDF's text area (the top
   of its highest line to the bottom of its lowest, over all pages) rather than of the paper: the book
   chapter's headers sit 12-14% down the paper, under a wide margin. A line is "left" when it is found
   in the page's Markdown (short lines, such as page numbers, only as a whole Markdown line or as the
   first or last word of one of at most 12 words).
5. redp5110: `docling_testdata/pdf/sources/redp5110_sampled.pdf` through the text layer and through OCR
   at `pdf_dpi`. A ground-truth table is in place when its first cell's text is found in `markdown`
   after the output line just above the table's box and before the output line just below it; a
   ground-truth page footer (the IBM copyright line, "Chapter 3. ... 19", page numbers) should be absent.
6. timing: seconds per page of `page_record` alone on the cached engine results (the structure step;
   the least of 3 runs), and for text-layer pages `TextLayerReader.read` + `page_record` against raw
   `page.get_text("words")` on the same pages (a fresh reader per pass, as one per document; least of 3):
   the docling table pages, redp5110 and the olmocr PDFs.

The engine's results are cached as JSON (`dataclasses.asdict` of each PageResult) under `--cache`, so a
re-run only rebuilds and scores the records (seconds). `--refresh` reads every page again and rewrites
the cache: needed when the engine's output changes (new PageResult fields such as `regions`; a cache that
lacks a field the code's PageResult has is reported). Records are read defensively (`regions`, block
`type`, table `cells` are optional).

Usage:
    .venv/bin/python bench/layout_quality.py [--out results.json] [--limit N] [--sets olmocr,redp5110]
        [--cache /tmp/layoutbench/cache] [--refresh] [--corpus ../shared/corpus]
A full first run OCRs about 190 pages (about 20 minutes on 2 cores); from the cache it takes seconds.
"""

import argparse
import copy
import dataclasses
import inspect
import json
import re
import statistics
import subprocess
import sys
import time
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pymupdf
from PIL import Image
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.tables import docling_box, docling_truth, overlap, pubtabnet_truth, scores  # noqa: E402
from configs.settings import Settings  # noqa: E402
from engines import types as engine_types  # noqa: E402
from engines.types import Block, PageResult  # noqa: E402
from pipelines.documents.document import Document, Limits, open_document  # noqa: E402
from pipelines.documents.text_layer import TextLayerReader  # noqa: E402
from pipelines.jobs.record import page_record  # noqa: E402
from tests.scoring import bag_of_words_f1  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
SETS = ("magazines", "pubtabnet", "docling_tables", "olmocr", "redp5110")
MAGAZINES = ("8087_054.3B", "8071_093.3B")
TABLE_DPI = 200  # docling table pages (bench/tables.py's docling_box is at this dpi)
REDP = "docling_testdata/pdf/sources/redp5110_sampled.pdf"
LANGUAGE = "en"
CACHE_VERSION = 1
NEEDLE_CHARS = 40  # a ground-truth paragraph is found by this many of its first characters
MIN_PARAGRAPH_CHARS = 10  # shorter paragraphs (a spaced-out "d a t e l i n e") are not looked for
PARAGRAPH_MATCH = 70  # least fuzzy score (rapidfuzz partial ratio) of a paragraph's start
LINE_MATCH = 90  # least fuzzy score of a header, footer or table cell found in Markdown
SHORT_LINE = 6  # lines shorter than this (page numbers) count only as a whole Markdown line ...
SHORT_LINE_WORDS = 12  # ... or as the first or last word of a Markdown line of at most this many words
BAND = 0.08  # running lines sit in the top or bottom 8% of the PDF's text area
REPEAT_PAGES = 3  # ... on the page and on at least 2 others
CELL_CHARS = 20  # a table's first cell is looked for by this many of its first characters
TIMING_RUNS = 3
_MARKDOWN_NOISE = re.compile(r"[\s\\|#*_`\-]+")
# Curly quotes and dashes as ASCII.
_LENIENT = str.maketrans(dict.fromkeys("‘’‛′", "'") | dict.fromkeys("“”„″", '"') | dict.fromkeys("–—‐‑", "-"))


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- the engine and its cache ----------------------------------------------------------------------------


def _built(cls: type, data: dict):
    """`cls(**data)` with only the fields `cls` has (caches may come from older or newer code)."""
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{key: value for key, value in data.items() if key in names})


def _region(data: dict):
    region_cls, cell_cls = getattr(engine_types, "Region", None), getattr(engine_types, "TableCell", None)
    if region_cls is None:
        return data
    cells = data.get("cells")
    if cells is not None and cell_cls is not None:
        cells = [_built(cell_cls, cell) for cell in cells]
    return _built(region_cls, {**data, "cells": cells})


def result_from_dict(data: dict) -> PageResult:
    data = {**data, "blocks": [_built(Block, block) for block in data.get("blocks", [])]}
    if data.get("regions") is not None:
        data["regions"] = [_region(region) for region in data["regions"]]
    return _built(PageResult, data)


class Ocr:
    """The cpu router, built on first use, with its PageResults cached as JSON under `cache`."""

    def __init__(self, cache: Path, refresh: bool, settings: Settings, threads: int) -> None:
        self.cache, self.refresh, self.settings, self.threads = cache, refresh, settings, threads
        self._router = None
        self._refreshed: set[str] = set()
        self._stale: set[str] = set()
        self.read_seconds = 0.0
        self.pages_read = 0

    def read(self, key: str, load: Callable[[], np.ndarray]) -> PageResult:
        path = self.cache / f"{key}.json"
        if path.exists() and not (self.refresh and key not in self._refreshed):
            return self._load(path)
        image = load()
        start = time.perf_counter()
        result = self.router().recognize(image, LANGUAGE)
        seconds = time.perf_counter() - start
        self.read_seconds, self.pages_read = self.read_seconds + seconds, self.pages_read + 1
        log(f"  OCR {key}: {seconds:.1f} s, {len(result.blocks)} lines")
        self._save(path, result, seconds)
        self._refreshed.add(key)
        return result

    def router(self):
        """The cpu tier's page reader (router, layout and table models) where this checkout has one,
        else the bare router (an older checkout, for a baseline)."""
        if self._router is None:
            try:
                from engines.page_reader import cpu_reader as load
            except ImportError:
                from engines.router import cpu_router as load

            log(f"loading {load.__name__}")
            self._router = load(self.settings.model_cache_dir, self.threads, self.settings.det_limit_side_len)
        return self._router

    def _save(self, path: Path, result: PageResult, seconds: float) -> None:
        entry = {
            "cache_version": CACHE_VERSION,
            "fields": [f.name for f in dataclasses.fields(PageResult)],
            "language": LANGUAGE,
            "ocr_seconds": round(seconds, 3),
            "result": dataclasses.asdict(result),
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(entry, ensure_ascii=False))

    def _load(self, path: Path) -> PageResult:
        entry = json.loads(path.read_text())
        missing = {f.name for f in dataclasses.fields(PageResult)} - set(entry.get("fields", []))
        if missing - self._stale:
            self._stale |= missing
            log(f"note: cache entries predate PageResult fields {sorted(missing)}: pass --refresh")
        return result_from_dict(entry["result"])


def furniture_memory():
    """A job's memory of the running headers and footers of its pages so far, where `page_record` takes
    one (newer pipelines: `pipelines.documents.furniture`); None where it does not."""
    if "furniture" not in inspect.signature(page_record).parameters:
        return None
    from pipelines.documents.furniture import FurnitureMemory

    return FurnitureMemory()


def timed_record(index: int, result: PageResult, source: str, memory) -> tuple[dict, float]:
    extra = {} if memory is None else {"furniture": memory}
    start = time.perf_counter()
    record = page_record(index, result, source, **extra)
    return record, time.perf_counter() - start


class JobPages:
    """`page_record` as one job calls it, page after page (sharing the job's memory of running headers
    and footers where the pipeline keeps one), each call timed: the least of TIMING_RUNS runs, the
    reruns on a copy of the memory as it was before the page."""

    def __init__(self, seconds: list[float]) -> None:
        self._seconds, self._memory = seconds, furniture_memory()

    def record(self, index: int, result: PageResult, source: str) -> dict:
        before = copy.deepcopy(self._memory)
        record, best = timed_record(index, result, source, self._memory)
        for _ in range(TIMING_RUNS - 1):
            best = min(best, timed_record(index, result, source, copy.deepcopy(before))[1])
        self._seconds.append(best)
        return record


class StructureTimer:
    """The seconds of the structure step (`page_record`) by group of pages."""

    def __init__(self) -> None:
        self.seconds: dict[str, list[float]] = defaultdict(list)

    def job(self, group: str) -> JobPages:
        return JobPages(self.seconds[group])


def open_file(path: Path, dpi: int, settings: Settings) -> Document:
    return open_document(path.read_bytes(), Limits(settings.max_page_pixels, dpi))


# --- text helpers ------------------------------------------------------------------------------------------


def no_space(text: str) -> str:
    return "".join(unicodedata.normalize("NFC", text).split())


def squash(text: str) -> str:
    """Text as compared with Markdown: NFKC, lower case, ASCII quotes, no whitespace, dashes or Markdown syntax."""
    return _MARKDOWN_NOISE.sub("", unicodedata.normalize("NFKC", text).translate(_LENIENT)).lower()


def stream_cer(output: str, truth: str) -> float:
    truth = no_space(truth)
    return Levenshtein.distance(no_space(output), truth) / max(1, len(truth))


def locate(needle: str, haystack: str, least: int, start: int = 0) -> int | None:
    """Where `needle` starts in `haystack` from `start` on: exactly, else the best fuzzy alignment scoring
    `least` or more."""
    if not needle:
        return None
    if (exact := haystack.find(needle, start)) >= 0:
        return exact
    found = fuzz.partial_ratio_alignment(needle, haystack[start:], score_cutoff=least)
    return start + found.dest_start if found else None


class Markdown:
    """A page's Markdown squashed (its lines' squashed texts joined), with where each line starts."""

    def __init__(self, markdown: str) -> None:
        self.lines: list[tuple[int, str, str]] = []  # (offset in `whole`, squashed line, its outer words squashed)
        offset = 0
        for line in markdown.splitlines():
            squashed, words = squash(line), line.split()
            ends = squash(words[0]) + " " + squash(words[-1]) if 0 < len(words) <= SHORT_LINE_WORDS else ""
            self.lines.append((offset, squashed, ends))
            offset += len(squashed)
        self.whole = "".join(line for _, line, _ in self.lines)

    def position(self, text: str, chars: int | None = None, start: int = 0) -> int | None:
        """Where the text (its first `chars` squashed characters) is in the Markdown from `start` on, or
        None. A short text (a page number) counts only as a whole line, or as the first or last word of a
        short line (a page number read on one line with its running header)."""
        needle = squash(text)[:chars]
        if len(needle) < SHORT_LINE:
            return next(
                (at for at, line, ends in self.lines if at >= start and needle and short_in(needle, line, ends)), None
            )
        return locate(needle, self.whole, LINE_MATCH, start)

    def has(self, text: str) -> bool:
        return self.position(text) is not None


def short_in(needle: str, line: str, ends: str) -> bool:
    return line == needle or needle in ends.split(" ")


def mean(values: Iterable[float]) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.mean(values) if values else None


def fmt(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


# --- 1. magazine scans -------------------------------------------------------------------------------------


def gt_paragraphs(truth: str) -> list[str]:
    """Paragraphs of a tesseract ground truth: a new one after a blank line or at an indented line after one
    that is not (lines indented together run around a picture or a drop capital)."""
    paragraphs: list[list[str]] = [[]]
    previous = ""
    for line in truth.splitlines():
        if not line.strip() or (line[:1].isspace() and not previous[:1].isspace()):
            paragraphs.append([])
        if line.strip():
            paragraphs[-1].append(line)
        previous = line
    return [" ".join(lines) for lines in paragraphs if lines]


def column_order(output: str, truth: str) -> dict:
    stream = no_space(output)
    needles = [no_space(p)[:NEEDLE_CHARS] for p in gt_paragraphs(truth)]
    needles = [n for n in needles if len(n) >= MIN_PARAGRAPH_CHARS]
    positions = [locate(needle, stream, PARAGRAPH_MATCH) for needle in needles]
    found = [p for p in positions if p is not None]
    pairs = list(zip(found, found[1:], strict=False))
    increasing = sum(b > a for a, b in pairs)
    return {
        "paragraphs": len(needles),
        "paragraphs_found": len(found),
        "pairs": len(pairs),
        "pairs_in_order": increasing,
        "in_order": increasing / len(pairs) if pairs else None,
    }


def find_file(corpus: Path, name: str) -> Path:
    matches = sorted(corpus.rglob(name))
    if not matches:
        sys.exit(f"{name} not found under {corpus}")
    return matches[0]


def magazines(corpus: Path, ocr: Ocr, timer: StructureTimer, settings: Settings, args) -> list[dict]:
    rows = []
    for name in MAGAZINES:
        image_path, truth = find_file(corpus, f"{name}.tif"), find_file(corpus, f"{name}.txt").read_text()
        result = ocr.read(f"magazine/{name}", lambda p=image_path: open_file(p, settings.pdf_dpi, settings).render(0))
        text = timer.job("magazines (OCR)").record(0, result, "ocr").get("text", "")
        row = {"page": name, "cer": stream_cer(text, truth), "bow_f1": bag_of_words_f1(text, truth)}
        rows.append(row | column_order(text, truth))
    return rows


# --- 2, 3. tables ------------------------------------------------------------------------------------------


def table_scores(tables: list[dict], truth, box: list[float]) -> dict:
    """Adjacency and content F1 of the record table overlapping `box` most (none: 0, 0)."""
    boxed = [t for t in tables if t.get("bbox") and overlap(t["bbox"], box) > 0]
    best = max(boxed, key=lambda t: overlap(t["bbox"], box), default=None)
    found = SimpleNamespace(rows=best.get("rows") or []) if best else None
    adjacency, content = scores(found, truth) if found and found.rows else scores(None, truth)
    shape = f"{len(found.rows)}x{max(map(len, found.rows))}" if found and found.rows else "none"
    return {"adjacency_f1": adjacency, "content_f1": content, "found": shape, "tables_on_page": len(tables)}


def upscaled(path: Path, scale: int, settings: Settings) -> np.ndarray:
    image = Image.fromarray(open_file(path, settings.pdf_dpi, settings).render(0))
    return np.asarray(image.resize((image.width * scale, image.height * scale), Image.LANCZOS))


def pubtabnet(corpus: Path, ocr: Ocr, timer: StructureTimer, settings: Settings, args) -> list[dict]:
    folder, rows = corpus / "pubtabnet_examples", []
    for line in (folder / "PubTabNet_Examples.jsonl").read_text().splitlines()[: args.limit]:
        record = json.loads(line)
        name, path = Path(record["filename"]).stem, folder / "images" / record["filename"]
        result = ocr.read(f"pubtabnet/{name}_x{args.scale}", lambda p=path: upscaled(p, args.scale, settings))
        page = timer.job(f"pubtabnet (OCR {args.scale}x)").record(0, result, "ocr")
        truth = pubtabnet_truth(record)
        scored = table_scores(page.get("tables", []), truth, [0, 0, result.width, result.height])
        rows.append({"image": name, "truth": f"{len(truth)}x{len(truth[0])}"} | scored)
    return rows


def docling_truths(corpus: Path) -> Iterable[tuple[Path, dict]]:
    folder = corpus / "docling_testdata" / "pdf"
    for path in sorted((folder / "groundtruth").glob("*.json")):
        if not path.name.endswith(".meta.json"):
            yield folder / "sources" / f"{path.stem}.pdf", json.loads(path.read_text())


def ocr_pdf_page(ocr: Ocr, pdf: Path, document: Document, index: int, dpi: int) -> PageResult:
    key = f"pdf/{pdf.stem}/p{index + 1:03d}_{dpi}dpi"
    return ocr.read(key, lambda: document.render(index))


def docling_tables(corpus: Path, ocr: Ocr, timer: StructureTimer, settings: Settings, args) -> list[dict]:
    rows = []
    for pdf, truth in docling_truths(corpus):
        document, pages = open_file(pdf, TABLE_DPI, settings), pymupdf.open(pdf)
        jobs = pdf_jobs(timer, "docling tables")
        for number in sorted({t["prov"][0]["page_no"] for t in truth.get("tables", [])})[: args.limit]:
            records = page_records(ocr, jobs, pdf, document, number - 1, TABLE_DPI)
            for table in (t for t in truth["tables"] if t["prov"][0]["page_no"] == number):
                box, grid = docling_box(table, pages[number - 1].rect.height), docling_truth(table)
                row = {"pdf": pdf.stem, "page": number, "truth": f"{len(grid)}x{len(grid[0]) if grid else 0}"}
                for mode, record in records.items():
                    row[mode] = table_scores(record.get("tables", []), grid, box) if record else None
                rows.append(row)
    return rows


def pdf_jobs(timer: StructureTimer, group: str) -> dict[str, JobPages]:
    """Two jobs on one PDF: one forced through OCR, one that reads the text layer."""
    return {"ocr": timer.job(f"{group} (OCR)"), "text_layer": timer.job(f"{group} (text layer)")}


def page_records(
    ocr: Ocr, jobs: dict[str, JobPages], pdf: Path, document: Document, index: int, dpi: int
) -> dict[str, dict | None]:
    """The page's record through OCR and through its text layer (None where the layer is rejected)."""
    result = ocr_pdf_page(ocr, pdf, document, index, dpi)
    layer = document.text_layer(index)
    return {
        "ocr": jobs["ocr"].record(index, result, "ocr"),
        "text_layer": jobs["text_layer"].record(index, layer, "text_layer") if layer else None,
    }


# --- 4. olmocr: word F1 and running headers/footers --------------------------------------------------------


def line_key(text: str) -> str:
    return re.sub(r"\d", "#", "".join(text.split())).lower()


def truth_lines(page: pymupdf.Page) -> list[tuple[float, float, str]]:
    """The text layer's lines: (top, bottom) as shares of the page height, and text."""
    lines: dict[tuple[int, int], list] = defaultdict(list)
    for word in page.get_text("words"):
        lines[(word[5], word[6])].append(word)
    height = page.rect.height or 1.0
    return [
        (min(w[1] for w in words) / height, max(w[3] for w in words) / height, " ".join(w[4] for w in words))
        for words in lines.values()
    ]


def output_lines(record: dict) -> list[tuple[float, float, str]]:
    height = record.get("height") or 1
    return [
        (b["bbox"][1] / height, b["bbox"][3] / height, b.get("text", ""))
        for b in record.get("blocks", [])
        if b.get("bbox")
    ]


def running_keys(pages: list[list[tuple[float, float, str]]], band: tuple[float, float]) -> set[str]:
    """Keys of the lines in the bands that repeat there on REPEAT_PAGES pages or more."""
    seen: dict[str, set[int]] = defaultdict(set)
    for number, lines in enumerate(pages):
        for line in lines:
            if in_band(line, band):
                seen[line_key(line[2])].add(number)
    return {key for key, numbers in seen.items() if len(numbers) >= REPEAT_PAGES and key}


def text_band(pages: Iterable[list[tuple[float, float, str]]]) -> tuple[float, float]:
    """The lower edge of the top band and the upper edge of the bottom band, over the PDF's text area."""
    spans = [(top, bottom) for lines in pages for top, bottom, _ in lines]
    top, bottom = min((s[0] for s in spans), default=0.0), max((s[1] for s in spans), default=1.0)
    return top + BAND * (bottom - top), bottom - BAND * (bottom - top)


def in_band(line: tuple[float, float, str], band: tuple[float, float]) -> bool:
    return line[1] <= band[0] or line[0] >= band[1]


def same_line(a: str, b: str) -> bool:
    return a in b or b in a or fuzz.ratio(a, b) >= LINE_MATCH


def page_running_lines(truth: list, output: list, keys: tuple[set[str], set[str]], band) -> list[str]:
    """The page's running lines: its ground truth's, then its output's that no ground-truth one covers."""
    found = [line[2] for line in truth if in_band(line, band) and line_key(line[2]) in keys[0]]
    covered = [squash(text) for text in found]
    for line in output:
        text = line[2]
        if in_band(line, band) and line_key(text) in keys[1]:
            if not any(same_line(squash(text), c) for c in covered):
                found.append(text)
                covered.append(squash(text))
    return found


def olmocr(corpus: Path, ocr: Ocr, timer: StructureTimer, settings: Settings, args) -> list[dict]:
    folder, rows = corpus / "olmocr_multipage_pdfs", []
    for pdf in sorted((folder / "pdfs").glob("*.pdf")):
        document, pages = open_file(pdf, settings.pdf_dpi, settings), pymupdf.open(pdf)
        numbers, job = range(min(pages.page_count, args.limit or pages.page_count)), timer.job("olmocr (OCR)")
        records = [job.record(i, ocr_pdf_page(ocr, pdf, document, i, settings.pdf_dpi), "ocr") for i in numbers]
        truths = [truth_lines(pages[i]) for i in numbers]
        outputs = [output_lines(record) for record in records]
        band = text_band(truths + outputs)
        keys = (running_keys(truths, band), running_keys(outputs, band))
        for i, record in zip(numbers, records, strict=True):
            truth_path = folder / "gt_textlayer" / pdf.stem / f"page_{i + 1:03d}.txt"
            text = record.get("text", "")
            running = page_running_lines(truths[i], outputs[i], keys, band)
            markdown = Markdown(record.get("markdown", ""))
            left = [line for line in running if markdown.has(line)]
            rows.append({
                "pdf": pdf.stem,
                "page": i + 1,
                "word_f1": bag_of_words_f1(text, truth_path.read_text()) if truth_path.exists() else None,
                "running_lines": running,
                "left_in_markdown": left,
            })  # fmt: skip
    return rows


# --- 5. redp5110: tables in place, footers gone ------------------------------------------------------------


def first_cell(table: dict) -> str:
    """The text of the table's first non-empty cell, without dot leaders ("Notices . . . ." of a contents table)."""
    text = next((text for row in docling_truth(table) for _, text in row if text.strip()), "")
    return re.sub(r"(\s*\.){2,}", " ", text).strip()


def neighbours(blocks: list[dict], box: list[float]) -> tuple[list[dict], list[dict]]:
    """The output lines above the table's box (nearest first) and below it (nearest first)."""
    outside = [b for b in blocks if b.get("bbox") and not inside(b["bbox"], box)]
    above = sorted((b for b in outside if middle(b["bbox"]) < box[1]), key=lambda b: -b["bbox"][3])
    below = sorted((b for b in outside if middle(b["bbox"]) > box[3]), key=lambda b: b["bbox"][1])
    return above, below


def middle(bbox: list[float]) -> float:
    return (bbox[1] + bbox[3]) / 2


def inside(bbox: list[float], box: list[float]) -> bool:
    x, y = (bbox[0] + bbox[2]) / 2, middle(bbox)
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def first_found(
    blocks: list[dict], markdown: Markdown, start: int = 0, tries: int = 3
) -> tuple[str | None, int | None]:
    """The first of the nearest `tries` lines that is found in the Markdown (from `start` on), and where."""
    for block in blocks[:tries]:
        if (position := markdown.position(block.get("text", ""), start=start)) is not None:
            return block.get("text"), position
    return None, None


def table_in_place(record: dict, table: dict, page_height: float, dpi: int) -> dict:
    box = [v * dpi / TABLE_DPI for v in docling_box(table, page_height)]
    markdown, cell = Markdown(record.get("markdown", "")), first_cell(table)
    above, below = neighbours(record.get("blocks", []), box)
    before, before_at = first_found(above, markdown)
    after, after_at = first_found(below, markdown, start=before_at or 0)
    at = markdown.position(cell, CELL_CHARS, start=before_at or 0)  # the first occurrence after `before`
    in_place = at is not None and (after_at is None or at < after_at)
    found = at is not None or markdown.position(cell, CELL_CHARS) is not None
    return {"first_cell": cell[:60], "found": found, "before": before, "after": after, "in_place": in_place}


def redp5110(corpus: Path, ocr: Ocr, timer: StructureTimer, settings: Settings, args) -> list[dict]:
    pdf, dpi = corpus / REDP, settings.pdf_dpi
    truth = json.loads((pdf.parent.parent / "groundtruth" / f"{pdf.stem}.json").read_text())
    document, pages = open_file(pdf, dpi, settings), pymupdf.open(pdf)
    rows, jobs = [], pdf_jobs(timer, "redp5110")
    for i in range(min(pages.page_count, args.limit or pages.page_count)):
        tables = [t for t in truth.get("tables", []) if t["prov"][0]["page_no"] == i + 1]
        footers = [
            t["text"] for t in truth["texts"] if t["label"] == "page_footer" and t["prov"][0]["page_no"] == i + 1
        ]
        for mode, record in page_records(ocr, jobs, pdf, document, i, dpi).items():
            if record is None:
                rows.append({"page": i + 1, "mode": mode, "text_layer_rejected": True})
                continue
            markdown = Markdown(record.get("markdown", ""))
            rows.append({
                "page": i + 1,
                "mode": mode,
                "tables": [table_in_place(record, t, pages[i].rect.height, dpi) for t in tables],
                "footers": [{"text": f, "absent": not markdown.has(f)} for f in footers],
            })  # fmt: skip
    return rows


# --- 6. text-layer timing ----------------------------------------------------------------------------------


def timing_pdfs(corpus: Path, limit: int | None) -> list[tuple[Path, list[int]]]:
    """The text-layer pages timed: the docling table pages, redp5110 and the olmocr PDFs."""
    chosen = []
    for pdf, truth in docling_truths(corpus):
        numbers = sorted({t["prov"][0]["page_no"] - 1 for t in truth.get("tables", [])})[:limit]
        if numbers and pdf.stem != Path(REDP).stem:
            chosen.append((pdf, numbers))
    for pdf in [corpus / REDP, *sorted((corpus / "olmocr_multipage_pdfs" / "pdfs").glob("*.pdf"))]:
        with pymupdf.open(pdf) as document:
            chosen.append((pdf, list(range(min(document.page_count, limit or document.page_count)))))
    return chosen


def text_layer_times(pdf: Path, numbers: list[int], dpi: int) -> dict:
    """Least-of-runs seconds per page of raw words and of read + page_record, on the pages whose layer is sound."""
    document = pymupdf.open(pdf)
    pages = [document[i] for i in numbers]
    words, layer = [float("inf")] * len(pages), [float("inf")] * len(pages)
    sound = [True] * len(pages)
    for _ in range(TIMING_RUNS):
        reader, memory = TextLayerReader(document), furniture_memory()  # one of each per job
        for n, page in enumerate(pages):
            start = time.perf_counter()
            page.get_text("words")
            words[n] = min(words[n], time.perf_counter() - start)
            start = time.perf_counter()
            result = reader.read(page, dpi / 72)
            if result is not None:
                timed_record(page.number, result, "text_layer", memory)
            layer[n] = min(layer[n], time.perf_counter() - start)
            sound[n] = result is not None
    kept = [n for n in range(len(pages)) if sound[n]]
    return {
        "pdf": pdf.stem,
        "pages": len(kept),
        "rejected": len(pages) - len(kept),
        "words_s": sum(words[n] for n in kept),
        "read_and_record_s": sum(layer[n] for n in kept),
    }


# --- report ------------------------------------------------------------------------------------------------


def magazine_table(rows: list[dict]) -> list[str]:
    lines = [
        "| page | CER (no whitespace) | BoW F1 | paragraphs found | consecutive pairs in order |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['page']} | {r['cer']:.3f} | {r['bow_f1']:.3f} | {r['paragraphs_found']}/{r['paragraphs']} | "
            f"{r['pairs_in_order']}/{r['pairs']} = {fmt(r['in_order'])} |"
        )
    return lines


def table_summary(results: dict, scale: int) -> list[str]:
    lines = ["| set | tables | adjacency F1 | content F1 |", "|---|---|---|---|"]
    sets = [(f"pubtabnet (OCR, {scale}x)", results.get("pubtabnet"))]
    for mode, label in (("ocr", f"OCR {TABLE_DPI} dpi"), ("text_layer", "text layer")):
        rows = results.get("docling_tables")
        sets.append((f"docling table pages ({label})", [r[mode] or _zero() for r in rows] if rows else None))
    for label, rows in sets:
        if rows is not None:
            adjacency, content = mean(r["adjacency_f1"] for r in rows), mean(r["content_f1"] for r in rows)
            lines.append(f"| {label} | {len(rows)} | {fmt(adjacency)} | {fmt(content)} |")
    return lines


def _zero() -> dict:
    return {"adjacency_f1": 0.0, "content_f1": 0.0}


def olmocr_table(rows: list[dict], dpi: int) -> list[str]:
    lines = [
        f"| pdf (OCR {dpi} dpi) | pages | word F1 | running header/footer lines | left in markdown "
        "| pages with some left |",
        "|---|---|---|---|---|---|",
    ]
    by_pdf: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_pdf[row["pdf"]].append(row)
    for name, group in [*by_pdf.items(), ("**all**", rows)]:
        running, left = sum(len(r["running_lines"]) for r in group), sum(len(r["left_in_markdown"]) for r in group)
        with_left = sum(bool(r["left_in_markdown"]) for r in group)
        lines.append(
            f"| {name} | {len(group)} | {fmt(mean(r['word_f1'] for r in group))} | {running} | {left} | {with_left} |"
        )
    return lines


def redp_table(rows: list[dict], dpi: int) -> list[str]:
    lines = ["| redp5110_sampled | pages read | tables in place | footers absent from markdown |", "|---|---|---|---|"]
    for mode, label in (("text_layer", "text layer"), ("ocr", f"OCR {dpi} dpi")):
        group = [r for r in rows if r["mode"] == mode and not r.get("text_layer_rejected")]
        tables = [t for r in group for t in r["tables"]]
        footers = [f for r in group for f in r["footers"]]
        placed, absent = sum(t["in_place"] for t in tables), sum(f["absent"] for f in footers)
        lines.append(f"| {label} | {len(group)} | {placed}/{len(tables)} | {absent}/{len(footers)} |")
    return lines


def timing_table(structure: dict[str, list[float]], layers: list[dict]) -> list[str]:
    lines = [
        "| structure step (page_record on cached results) | pages | ms/page mean | ms/page max |",
        "|---|---|---|---|",
    ]
    for group, seconds in structure.items():
        lines.append(
            f"| {group} | {len(seconds)} | {1000 * statistics.mean(seconds):.2f} | {1000 * max(seconds):.2f} |"
        )
    lines += ["", "| text layer | pages | ms/page get_text(\"words\") | ms/page read + page_record | ratio |",
              "|---|---|---|---|---|"]  # fmt: skip
    for row in [*layers, _total(layers)]:
        pages, words, layer = max(row["pages"], 1), row["words_s"], row["read_and_record_s"]
        if not row["pages"]:
            lines.append(f"| {row['pdf']} | 0 (layer rejected on {row['rejected']}) | - | - | - |")
            continue
        lines.append(
            f"| {row['pdf']} | {row['pages']} | {1000 * words / pages:.2f} | {1000 * layer / pages:.2f} | "
            f"{layer / max(words, 1e-9):.2f}x |"
        )
    return lines


def _total(layers: list[dict]) -> dict:
    return {
        "pdf": "**all**",
        "pages": sum(r["pages"] for r in layers),
        "rejected": sum(r["rejected"] for r in layers),
        "words_s": sum(r["words_s"] for r in layers),
        "read_and_record_s": sum(r["read_and_record_s"] for r in layers),
    }


def report(results: dict, meta: dict, args) -> str:
    parts = [
        f"# Layout quality, cpu tier ({meta['commit']}, code at {meta['code']})",
        f"\nruntime {meta['runtime_s']:.0f} s, {meta['ocr_pages_read']} pages OCR'd this run "
        f"({meta['ocr_seconds']:.0f} s), the rest from {args.cache}; limit {args.limit}\n",
    ]
    if "magazines" in results:
        parts += ["## Magazine scans (OCR)\n", *magazine_table(results["magazines"]), ""]
    if "pubtabnet" in results or "docling_tables" in results:
        parts += ["## Tables\n", *table_summary(results, args.scale), ""]
    if "olmocr" in results:
        parts += ["## olmocr PDFs forced through OCR\n", *olmocr_table(results["olmocr"], meta["pdf_dpi"]), ""]
    if "redp5110" in results:
        parts += ["## redp5110_sampled\n", *redp_table(results["redp5110"], meta["pdf_dpi"]), ""]
    parts += ["## Timing\n", *timing_table(results["structure_seconds"], results["text_layer_timing"])]
    return "\n".join(parts)


# --- main --------------------------------------------------------------------------------------------------


def commit() -> str:
    try:
        run = subprocess.run(
            ["git", "-C", str(ROOT), "describe", "--always", "--dirty"], capture_output=True, text=True
        )
        return run.stdout.strip() or "unknown"
    except OSError:
        return "unknown"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="the corpus folder (default: %(default)s)")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/layoutbench/cache"), help="engine result cache")
    parser.add_argument("--refresh", action="store_true", help="OCR every page again and rewrite the cache")
    parser.add_argument("--out", type=Path, help="write the per-page results here as JSON")
    parser.add_argument("--limit", type=int, help="at most this many pages per PDF (and pubtabnet images)")
    parser.add_argument("--sets", default=",".join(SETS), help="comma-separated, of: " + ", ".join(SETS))
    parser.add_argument("--scale", type=int, default=2, help="upscale pubtabnet images before OCR (default 2)")
    parser.add_argument("--threads", type=int, default=2, help="ONNX Runtime threads of the engine")
    args = parser.parse_args()
    args.sets = [s for s in args.sets.split(",") if s]
    if unknown := set(args.sets) - set(SETS):
        parser.error(f"unknown sets {sorted(unknown)}")
    if not args.corpus.is_dir():
        parser.error(f"no corpus at {args.corpus}: pass --corpus")
    return args


def main() -> None:
    args, started = parse_args(), time.perf_counter()
    settings = Settings()
    ocr, timer = Ocr(args.cache, args.refresh, settings, args.threads), StructureTimer()
    runners = {"magazines": magazines, "pubtabnet": pubtabnet, "docling_tables": docling_tables,
               "olmocr": olmocr, "redp5110": redp5110}  # fmt: skip
    results: dict = {}
    for name in args.sets:
        log(f"{name} ...")
        results[name] = runners[name](args.corpus, ocr, timer, settings, args)
    log("text-layer timing ...")
    results["text_layer_timing"] = [
        text_layer_times(p, n, settings.pdf_dpi) for p, n in timing_pdfs(args.corpus, args.limit)
    ]
    results["structure_seconds"] = dict(timer.seconds)
    meta = {
        "commit": commit(),
        "code": str(Path(sys.modules[page_record.__module__].__file__).parent.parent),
        "pdf_dpi": settings.pdf_dpi,
        "language": LANGUAGE,
        "runtime_s": time.perf_counter() - started,
        "ocr_pages_read": ocr.pages_read,
        "ocr_seconds": ocr.read_seconds,
    }
    print(report(results, meta, args))
    if args.out:
        args.out.write_text(
            json.dumps(
                {"meta": meta | {"args": vars(args) | {"cache": str(args.cache)}}} | results,
                ensure_ascii=False,
                indent=1,
                default=str,
            )
        )


if __name__ == "__main__":
    main()
