"""Table detection (`pipelines/tables.find_tables`) scored on real tables, and its false alarms on prose.

Sets, read in place from `../shared/corpus` (override with `--corpus`):
- `pubtabnet_examples`: 20 cropped table images, OCR'd (upscaled `--scale` times first);
- `docling_testdata/pdf`: the pages whose ground truth has tables, both OCR'd at 200 dpi and
  read from their text layer;
- prose: pages without tables, through the text layer (two-column paper, book chapter, the
  docling pages without tables) and a few through OCR. Any table found there is a false alarm.

Two scores per table, both F1 over normalised cell texts (NFKC, lower case, no whitespace):
- adjacency F1 (ICDAR 2013): the relations (text, next non-empty cell's text, right|down)
  between each non-empty cell and its nearest non-empty neighbour to the right and below;
  it needs rows and columns right;
- content F1: the multiset of non-empty cell texts; it needs cells split and joined right.
A ground-truth table's score comes from the found table overlapping it most (0 when none).
TEDS is not computed: it needs a tree edit distance package the project does not carry.

OCR output is cached as JSON under `--cache` (the engine is slow on two cores), so re-runs
only time and score `find_tables`. Usage: `.venv/bin/python bench/tables.py [--help]`.
"""

import argparse
import html
import json
import re
import statistics
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path

import numpy as np
import pymupdf

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from engines.types import Block, PageResult  # noqa: E402
from pipelines.documents.tables import Table, find_tables  # noqa: E402
from pipelines.documents.text_layer import TextLayerReader  # noqa: E402

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
DPI = 200
# Prose pages read through the text layer: (pdf, pages or None for all).
PROSE_TEXT_LAYER = [
    ("olmocr_multipage_pdfs/pdfs/pdftotext_two_column_issue.pdf", [1, 2, 6, 8, 9, 12, 13, 14]),  # others: tables
    ("olmocr_multipage_pdfs/pdfs/bws_book_ch2.pdf", None),
]
# Prose pages read through OCR: (pdf under docling_testdata/pdf/sources, page number from 1).
PROSE_OCR = [("normal_4pages", 1), ("redp5110_sampled", 3), ("redp5110_sampled", 5), ("multi_page", 1)]
PROSE_OCR_PAPER = ("olmocr_multipage_pdfs/pdfs/pdftotext_two_column_issue.pdf", [2, 8])
# docling pages whose ground truth has no table but that hold one: a form laid out as a table.
NOT_PROSE = {("right_to_left_03", 1)}

Grid = list[list[tuple[object, str]]]  # rows of (cell id, text); a spanning cell fills several slots


class Ocr:
    """The engine, loaded on first use, with its results cached as JSON."""

    def __init__(self, cache: Path, threads: int) -> None:
        self._cache, self._threads, self._engine = cache, threads, None

    def read(self, key: str, load) -> PageResult:
        """The cached result under `key`, or the engine's on the image that `load()` returns."""
        path = self._cache / f"{key}.json"
        if path.exists():
            data = json.loads(path.read_text())
            return PageResult(data["width"], data["height"], [Block(**block) for block in data["blocks"]])
        if self._engine is None:
            from engines.paddle_cpu import PaddleCpuEngine

            self._engine = PaddleCpuEngine(Path("/tmp/ocr_models"), threads=self._threads)
        result = self._engine.recognize(load())
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(result.to_dict()))
        return result


# --- scoring -------------------------------------------------------------------------------------


def normalise(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


def relations(grid: Grid) -> Counter:
    """Adjacency relations between non-empty cells and their nearest non-empty neighbours."""
    found: set[tuple] = set()
    columns = max((len(row) for row in grid), default=0)
    padded = [row + [(None, "")] * (columns - len(row)) for row in grid]
    lines = [(row, "right") for row in padded] + [([row[c] for row in padded], "down") for c in range(columns)]
    for line, direction in lines:
        cells = [(cell_id, text) for cell_id, text in line if normalise(text)]
        for (id_a, text_a), (id_b, text_b) in zip(cells, cells[1:], strict=False):
            if id_a != id_b:
                found.add((id_a, id_b, normalise(text_a), normalise(text_b), direction))
    return Counter((a, b, d) for _, _, a, b, d in found)


def contents(grid: Grid) -> Counter:
    unique = {cell_id: normalise(text) for row in grid for cell_id, text in row}
    return Counter(text for text in unique.values() if text)


def f1(found: Counter, truth: Counter) -> float:
    if not found and not truth:
        return 1.0
    hits = sum((found & truth).values())
    return 2 * hits / (sum(found.values()) + sum(truth.values()))


def table_grid(table: Table) -> Grid:
    return [[((r, c), text) for c, text in enumerate(row)] for r, row in enumerate(table.rows)]


def scores(found: Table | None, truth: Grid) -> tuple[float, float]:
    grid = table_grid(found) if found else []
    return f1(relations(grid), relations(truth)), f1(contents(grid), contents(truth))


# --- ground truth --------------------------------------------------------------------------------


def pubtabnet_truth(record: dict) -> Grid:
    """The grid of a PubTabNet record: its HTML structure tokens filled with its cells' tokens."""
    structure = record["html"]["structure"]["tokens"]
    texts = [re.sub(r"</?[a-z]+>", "", html.unescape("".join(cell["tokens"]))) for cell in record["html"]["cells"]]
    grid: dict[tuple[int, int], tuple[object, str]] = {}
    row, cell, span = -1, 0, {"rowspan": 1, "colspan": 1}
    for token in structure:
        if token == "<tr>":
            row, column = row + 1, 0
        elif token in ("<td>", "<td"):
            span = {"rowspan": 1, "colspan": 1}
        elif match := re.fullmatch(r'\s*(rowspan|colspan)="(\d+)"', token):
            span[match[1]] = int(match[2])
        elif token == "</td>":
            while (row, column) in grid:
                column += 1
            for r in range(row, row + span["rowspan"]):
                for c in range(column, column + span["colspan"]):
                    grid[(r, c)] = (cell, texts[cell])
            column += span["colspan"]
            cell += 1
    rows, columns = max(r for r, _ in grid) + 1, max(c for _, c in grid) + 1
    return [[grid.get((r, c), (None, "")) for c in range(columns)] for r in range(rows)]


def docling_truth(table: dict) -> Grid:
    return [
        [((cell["start_row_offset_idx"], cell["start_col_offset_idx"]), cell["text"]) for cell in row]
        for row in table["data"]["grid"]
    ]


def docling_box(table: dict, page_height: float) -> list[float]:
    """The table's box in pixels at DPI, from docling's bottom-left points."""
    box, scale = table["prov"][0]["bbox"], DPI / 72
    return [box["l"] * scale, (page_height - box["t"]) * scale, box["r"] * scale, (page_height - box["b"]) * scale]


def overlap(a: list[float], b: list[float]) -> float:
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    return max(width, 0) * max(height, 0)


# --- sets ----------------------------------------------------------------------------------------


def timed_find(blocks: list[Block], times: list[float]) -> list[Table]:
    start = time.perf_counter()
    tables = find_tables(blocks)
    times.append(time.perf_counter() - start)
    return tables


def pubtabnet(corpus: Path, ocr: Ocr, scale: int, times: list[float]) -> list[tuple[float, float]]:
    from PIL import Image

    folder = corpus / "pubtabnet_examples"
    print(f"\npubtabnet_examples, OCR at {scale}x: adjacency F1, content F1, rows x columns found / truth")
    results = []
    for line in (folder / "PubTabNet_Examples.jsonl").read_text().splitlines():
        record = json.loads(line)
        name = Path(record["filename"]).stem
        path = folder / "images" / record["filename"]

        def load(path: Path = path) -> np.ndarray:
            image = Image.open(path).convert("RGB")
            return np.asarray(image.resize((image.width * scale, image.height * scale), Image.LANCZOS))

        page = ocr.read(f"pubtabnet/{name}_x{scale}", load=load)
        tables = timed_find(page.blocks, times)
        truth = pubtabnet_truth(record)
        found = max(tables, key=lambda t: len(t.block_ids), default=None)
        adjacency, content = scores(found, truth)
        shape = f"{len(found.rows)}x{len(found.rows[0])}" if found else "none"
        print(f"  {name:<20}{adjacency:>6.3f}{content:>7.3f}   {shape:>6} / {len(truth)}x{len(truth[0])}")
        results.append((adjacency, content))
    return results


def render(pdf_path: Path, number: int) -> np.ndarray:
    pix = pymupdf.open(pdf_path)[number - 1].get_pixmap(dpi=DPI)
    return np.frombuffer(pix.samples, np.uint8).reshape(pix.height, pix.width, pix.n)[:, :, :3]


def docling(corpus: Path, ocr: Ocr, times: list[float]) -> dict[str, list[tuple[float, float]]]:
    folder = corpus / "docling_testdata" / "pdf"
    print("\ndocling_testdata table pages: adjacency F1, content F1 per ground-truth table, OCR | text layer")
    results: dict[str, list[tuple[float, float]]] = {"ocr": [], "text layer": []}
    for truth_path in sorted((folder / "groundtruth").glob("*.json")):
        if truth_path.name.endswith(".meta.json"):
            continue
        truth = json.loads(truth_path.read_text())
        pdf_path = folder / "sources" / f"{truth_path.stem}.pdf"
        pdf = pymupdf.open(pdf_path)
        for number in sorted({table["prov"][0]["page_no"] for table in truth.get("tables", [])}):
            page_tables = [t for t in truth["tables"] if t["prov"][0]["page_no"] == number]
            height = pdf[number - 1].rect.height
            text_page = TextLayerReader(pdf).read(pdf[number - 1], DPI / 72)
            pages = {
                "ocr": ocr.read(f"docling/{truth_path.stem}_p{number}", load=lambda p=pdf_path, n=number: render(p, n)),
                "text layer": text_page,
            }
            found = {mode: timed_find(page.blocks, times) if page else [] for mode, page in pages.items()}
            for table in page_tables:
                box = docling_box(table, height)
                line = f"  {truth_path.stem[:22]:<22} p{number:<3}"
                for mode, tables in found.items():
                    best = max(tables, key=lambda t, box=box: overlap(t.bbox, box), default=None)
                    best = best if best and overlap(best.bbox, box) > 0 else None
                    adjacency, content = scores(best, docling_truth(table))
                    results[mode].append((adjacency, content))
                    line += f"{adjacency:>7.3f}{content:>7.3f} |"
                print(line + f"  found {len(found['ocr'])} | {len(found['text layer'])}")
    return results


def prose(corpus: Path, ocr: Ocr, times: list[float], verbose: bool) -> None:
    folder = corpus / "docling_testdata" / "pdf"
    pages: list[tuple[str, PageResult | None]] = []
    for relative, numbers in PROSE_TEXT_LAYER:
        pdf = pymupdf.open(corpus / relative)
        for number in numbers or range(1, pdf.page_count + 1):
            pages.append(
                (f"{Path(relative).stem} p{number} (text layer)", TextLayerReader(pdf).read(pdf[number - 1], DPI / 72))
            )
    for truth_path in sorted((folder / "groundtruth").glob("*.json")):
        if truth_path.name.endswith(".meta.json"):
            continue
        with_tables = {t["prov"][0]["page_no"] for t in json.loads(truth_path.read_text()).get("tables", [])}
        pdf = pymupdf.open(folder / "sources" / f"{truth_path.stem}.pdf")
        for number in range(1, pdf.page_count + 1):
            if number not in with_tables and (truth_path.stem, number) not in NOT_PROSE:
                reader = TextLayerReader(pdf)
                pages.append((f"{truth_path.stem} p{number} (text layer)", reader.read(pdf[number - 1], DPI / 72)))
    for name, number in PROSE_OCR:
        path = folder / "sources" / f"{name}.pdf"
        pages.append(
            (
                f"{name} p{number} (OCR)",
                ocr.read(f"docling/{name}_p{number}", load=lambda p=path, n=number: render(p, n)),
            )
        )
    paper, numbers = PROSE_OCR_PAPER
    for number in numbers:
        key = f"olmocr/{Path(paper).stem}_p{number}"
        pages.append(
            (f"{Path(paper).stem} p{number} (OCR)", ocr.read(key, load=lambda n=number: render(corpus / paper, n)))
        )

    alarms = 0
    read = [(name, page) for name, page in pages if page is not None]
    for name, page in read:
        tables = timed_find(page.blocks, times)
        alarms += len(tables)
        for table in tables:
            print(f"  false alarm: {name}: {len(table.rows)}x{len(table.rows[0])} at {[round(v) for v in table.bbox]}")
            if verbose:
                for row in table.rows:
                    print("     ", " | ".join(row))
    unreadable = len(pages) - len(read)
    print(f"\nprose pages: {alarms} tables found on {len(read)} pages without tables ({unreadable} unreadable)")


def mean_line(label: str, results: list[tuple[float, float]]) -> str:
    adjacency = statistics.mean(r[0] for r in results) if results else 0.0
    content = statistics.mean(r[1] for r in results) if results else 0.0
    return f"  {label:<34}adjacency F1 {adjacency:.3f}   content F1 {content:.3f}   ({len(results)} tables)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="the corpus folder (default: %(default)s)")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/tables_cache"), help="OCR result cache")
    parser.add_argument("--scale", type=int, default=2, help="upscale pubtabnet images before OCR (default 2)")
    parser.add_argument("--threads", type=int, default=2, help="OCR engine threads")
    parser.add_argument("--verbose", action="store_true", help="print the cells of false alarms")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        sys.exit(f"no corpus at {args.corpus}: pass --corpus")
    ocr = Ocr(args.cache, args.threads)
    times: list[float] = []
    pubtab = pubtabnet(args.corpus, ocr, args.scale, times)
    by_mode = docling(args.corpus, ocr, times)
    prose_times: list[float] = []
    prose(args.corpus, ocr, prose_times, args.verbose)
    print("\nmeans")
    print(mean_line(f"pubtabnet (OCR {args.scale}x)", pubtab))
    for mode, results in by_mode.items():
        print(mean_line(f"docling table pages ({mode})", results))
    print()
    for label, values in (("table pages", times), ("prose pages", prose_times)):
        print(
            f"find_tables on {label}: {1000 * statistics.mean(values):.3f} ms per page on average, "
            f"{1000 * max(values):.3f} ms at most, over {len(values)} pages"
        )


if __name__ == "__main__":
    main()
