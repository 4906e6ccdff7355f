"""Language routing benchmark: CER of the CPU router with language=auto, with the explicit language,
and of each single engine (PP-OCRv6 alone, Tesseract with the language's traineddata alone).

Reads the corpus in place (../shared/corpus): the 14 script lines of rapidocr_script_lines, the
docling Arabic/Persian pages (right_to_left_0*.pdf) and Korean report (normal_4pages.pdf) against
their groundtruth markdown, the rotation sets (docling ocr_rotation, tesseract phototest-rotated-*),
and the speed of auto against the explicit code on a rendered page in English, Russian, Chinese and Hindi.
"""

import argparse
import json
import re
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engines.languages import LANGUAGES, PADDLE  # noqa: E402
from engines.paddle_cpu import PaddleCpuEngine  # noqa: E402
from engines.router import CpuRouter  # noqa: E402
from engines.tesseract_cpu import TesseractEngine  # noqa: E402
from tests.scoring import bag_of_words_f1, cer  # noqa: E402

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
RENDER_DPI = 200
PERSIAN_LETTERS = set("پچژگی")
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
SPEED_LINES = 30
ENGLISH_LINE = "The committee reviewed the annual report and approved the budget for the next year."
RUSSIAN_LINE = "Комитет рассмотрел годовой отчёт и утвердил бюджет на следующий год без изменений."
# Phrases separated by spaces, so that each line of the page can start at another one.
CHINESE_LINE = "委员会 审议了 年度报告 并批准了 明年的 预算 没有 任何 修改。"
HINDI_LINE = "समिति ने वार्षिक रिपोर्ट की समीक्षा की और अगले वर्ष के बजट को बिना बदलाव के मंज़ूरी दी।"
CJK_FONT = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2)  # (file, face): Noto Sans CJK SC
DEVANAGARI_FONT = ("/usr/share/fonts/truetype/noto/NotoSansDevanagari-Regular.ttf", 0)
# (name, line, explicit code, font): the pages of the speed table.
SPEED_PAGES = (
    ("English", ENGLISH_LINE, "en", (FONT, 0)),
    ("Russian", RUSSIAN_LINE, "ru", (FONT, 0)),
    ("Chinese", CHINESE_LINE, "zh", CJK_FONT),
    ("Hindi", HINDI_LINE, "hi", DEVANAGARI_FONT),
)


def load_rgb(path: Path) -> np.ndarray:
    return np.asarray(ImageOps.exif_transpose(Image.open(path)).convert("RGB"))


def render_pdf(path: Path) -> list[np.ndarray]:
    import pymupdf

    with pymupdf.open(path) as doc:
        pages = []
        for page in doc:
            pix = page.get_pixmap(dpi=RENDER_DPI, colorspace=pymupdf.csRGB, alpha=False)
            pages.append(np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.width, 3).copy())
        return pages


def text_of(page) -> str:
    return "\n".join(block.text for block in page.blocks)


def markdown_text(path: Path) -> str:
    """Ground-truth text of a docling markdown file, markup removed."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)
    return re.sub(r"[|#*_`>]|-{3,}", " ", text)


class Readers:
    """The four ways of reading a page that the tables compare."""

    def __init__(self, router: CpuRouter) -> None:
        self.router = router

    def read_all(self, image: np.ndarray, code: str) -> dict[str, tuple[str, float]]:
        entry = LANGUAGES[code]
        reads = {
            "auto": lambda: self.router.recognize(image, "auto"),
            "explicit": lambda: self.router.recognize(image, code),
            "paddle": lambda: self.router.paddle.recognize(image),
            "tesseract": lambda: self.router.tesseract.recognize(image, entry.tesseract),
        }
        results = {}
        for name, read in reads.items():
            start = time.perf_counter()
            page = read()
            results[name] = (text_of(page), time.perf_counter() - start, getattr(page, "language", None))
        return results


def script_lines(readers: Readers, corpus: Path) -> None:
    folder = corpus / "rapidocr_script_lines"
    rows = [json.loads(line) for line in (folder / "gt.jsonl").read_text(encoding="utf-8").splitlines()]
    print("\n## Script lines: CER (auto's detected language)\n")
    print("| line | script | code | auto | explicit | paddle only | tesseract only | best single | auto s |")
    print("|---|---|---|---|---|---|---|---|---|")
    per_script: dict[str, list[list[float]]] = {}
    engines: dict[str, str] = {}
    for row in rows:
        code = "ch" if row["lang"] == "zh" else row["lang"]
        reads = readers.read_all(load_rgb(folder / "images" / row["file"]), code)
        cers = {name: cer(text, row["gt"]) for name, (text, _, _) in reads.items()}
        best = min(cers["paddle"], cers["tesseract"])
        readers_order = ("auto", "explicit", "paddle", "tesseract")
        per_script.setdefault(row["script"], []).append([cers[name] for name in readers_order])
        engines[row["script"]] = LANGUAGES[code].engine
        print(
            f"| {row['file']} | {row['script']} | {code} | {cers['auto']:.3f} ({reads['auto'][2]}) | "
            f"{cers['explicit']:.3f} | {cers['paddle']:.3f} | {cers['tesseract']:.3f} | {best:.3f} | "
            f"{reads['auto'][1]:.2f} |"
        )
    print("\n## Per script: mean CER\n")
    print("| script | lines | auto | explicit | paddle only | tesseract only | table's engine |")
    print("|---|---|---|---|---|---|---|")
    for script, values in per_script.items():
        mean = np.mean(values, axis=0)
        print(f"| {script} | {len(values)} | " + " | ".join(f"{v:.3f}" for v in mean) + f" | {engines[script]} |")


def documents(readers: Readers, corpus: Path) -> None:
    folder = corpus / "docling_testdata" / "pdf"
    print(f"\n## Documents ({RENDER_DPI} dpi renders, OCR only): bag-of-words F1 / CER against groundtruth md\n")
    print("| document | code | auto | explicit | paddle only | tesseract only | auto s/page |")
    print("|---|---|---|---|---|---|---|")
    names = sorted(p.stem for p in folder.glob("sources/right_to_left_0*.pdf")) + ["normal_4pages"]
    for name in names:
        truth = markdown_text(folder / "groundtruth" / f"{name}.md")
        code = "ko" if name == "normal_4pages" else ("fa" if PERSIAN_LETTERS & set(truth) else "ar")
        pages = render_pdf(folder / "sources" / f"{name}.pdf")
        texts: dict[str, list[str]] = {}
        seconds = 0.0
        for image in pages:
            for reader, (text, elapsed, _) in readers.read_all(image, code).items():
                texts.setdefault(reader, []).append(text)
                seconds += elapsed if reader == "auto" else 0.0
        cells = [
            f"{bag_of_words_f1(' '.join(texts[r]), truth):.3f} / {cer(' '.join(texts[r]), truth):.3f}"
            for r in ("auto", "explicit", "paddle", "tesseract")
        ]
        print(f"| {name} ({len(pages)} p) | {code} | " + " | ".join(cells) + f" | {seconds / len(pages):.2f} |")


def rotation(readers: Readers, corpus: Path) -> None:
    print("\n## Rotation: CER and the rotation applied (auto / en)\n")
    print("| image | auto CER | auto rotation | en CER | en rotation | auto s |")
    print("|---|---|---|---|---|---|")
    docling = corpus / "docling_testdata" / "ocr_rotation"
    truth_docling = (docling / "groundtruth.txt").read_text(encoding="utf-8")
    cases = [(p.name, render_pdf(p)[0], truth_docling) for p in sorted(docling.glob("sources/*.pdf"))]
    tess = corpus / "tesseract_testing"
    for image in sorted(tess.glob("images/phototest*")):
        cases.append((image.name, load_rgb(image), (tess / "gt" / f"{image.stem}.txt").read_text(encoding="utf-8")))
    for name, image, truth in cases:
        start = time.perf_counter()
        auto = readers.router.recognize(image, "auto")
        seconds = time.perf_counter() - start
        english = readers.router.recognize(image, "en")
        print(
            f"| {name} | {cer(text_of(auto), truth):.3f} | {auto.rotation} | {cer(text_of(english), truth):.3f} | "
            f"{english.rotation} | {seconds:.2f} |"
        )


def page_lines(line: str) -> list[str]:
    """SPEED_LINES lines made of `line`'s words, rotated by one word per line (identical lines read as columns)."""
    words = line.split()
    return [" ".join(words[i % len(words) :] + words[: i % len(words)]) for i in range(SPEED_LINES)]


def render_page(line: str, font_face: tuple[str, int] = (FONT, 0)) -> np.ndarray:
    """A 200-dpi A4-like page of SPEED_LINES lines made of `line`'s words, in `font_face` (file, face index)."""
    width, height, margin, size = 1654, 2339, 120, 30
    page = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(font_face[0], size, index=font_face[1])
    for i, text in enumerate(page_lines(line)):
        draw.text((margin, margin + i * size * 2), text, fill="black", font=font)
    return np.asarray(page)


def speed(readers: Readers, repeats: int) -> None:
    print("\n## Speed of auto per rendered page (1654x2339, 30 lines; median of repeats)\n")
    print("| page | auto s | explicit s | auto / explicit | auto CER | detected |")
    print("|---|---|---|---|---|---|")
    for name, line, code, font_face in SPEED_PAGES:
        image, truth = render_page(line, font_face), " ".join(page_lines(line))
        readers.router.recognize(image, "auto")  # warm the models up
        timings, explicit_timings = [], []
        for _ in range(repeats):
            start = time.perf_counter()
            page = readers.router.recognize(image, "auto")
            timings.append(time.perf_counter() - start)
            start = time.perf_counter()
            readers.router.recognize(image, code)
            explicit_timings.append(time.perf_counter() - start)
        auto_seconds, explicit_seconds = np.median(timings), np.median(explicit_timings)
        print(
            f"| {name} | {auto_seconds:.2f} | {explicit_seconds:.2f} | {auto_seconds / explicit_seconds:.2f}x | "
            f"{cer(text_of(page), truth):.3f} | {page.language} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="the shared corpus folder")
    parser.add_argument("--threads", type=int, default=2, help="ONNX Runtime threads for PP-OCRv6")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/ocrchat-bench-models"), help="model folder cache")
    parser.add_argument("--repeats", type=int, default=3, help="timed repeats for the speed table")
    parser.add_argument(
        "--only", choices=["lines", "documents", "rotation", "speed"], action="append", help="run only these parts"
    )
    args = parser.parse_args()
    router = CpuRouter(PaddleCpuEngine(args.cache, threads=args.threads), TesseractEngine())
    readers = Readers(router)
    parts = args.only or ["lines", "documents", "rotation", "speed"]
    print(f"Table: {len(LANGUAGES)} languages, {sum(v.engine == PADDLE for v in LANGUAGES.values())} read by paddle.")
    if "lines" in parts:
        script_lines(readers, args.corpus)
    if "documents" in parts:
        documents(readers, args.corpus)
    if "rotation" in parts:
        rotation(readers, args.corpus)
    if "speed" in parts:
        speed(readers, args.repeats)


if __name__ == "__main__":
    main()
