"""language=auto against the explicit language: CER, detected language, foreign letters and speed.

Set mode (default): reads each sample of bench/language_set.py twice, with `auto` and with its own
code, and prints per script and per language the mean CER of each (tests/scoring.py: NFC, whitespace
collapsed), how often auto's `page.language` names the right language (or at least its script), the
letters inserted from scripts absent from the ground truth ("foreign": Cherokee or Thai letters on an
English page), and the seconds per sample of each, grouped Latin / CJK / other. The first sample of
each language is read once untimed first (model loading), unless --no-warmup.

Corpus mode (--corpus): the real Latin pages of the shared corpus (tesseract_testing pages with
ground truth, docling's upright ocr_rotation page and WebP, olmocr's PDFs rendered at 200 dpi, at
most --limit pages per PDF; in set mode --limit counts samples per language), read with `auto` and
`en`: per page the foreign letters inserted and whether an upright page was turned (rotation != 0).

    python -m bench.language_auto --split heldout --fonts 1 --sizes 32 [--languages en,ar] [--json out.json]
    python -m bench.language_auto --corpus --limit 5
"""

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.language_set import Sample, add_set_arguments, selected  # noqa: E402
from engines.languages import LANGUAGES  # noqa: E402
from engines.scripts import script_of  # noqa: E402
from tests.scoring import cer  # noqa: E402

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
RENDER_DPI = 200
CJK_SCRIPTS = frozenset({"Han", "Japanese", "Hangul"})
WORSE_BY = 0.02  # auto "worse" on a sample when its CER exceeds explicit's by more than this
SHOWN_FOREIGN = 12  # foreign letters quoted per row


def group_of(script: str) -> str:
    return "Latin" if script == "Latin" else "CJK" if script in CJK_SCRIPTS else "other"


def text_of(page) -> str:
    return "\n".join(block.text for block in page.blocks)


def foreign_letters(text: str, truth: str) -> str:
    """Letters of `text` in a known script that no letter of `truth` is in, and not themselves in `truth`
    (letters of no known script, such as "º", are not counted)."""
    scripts = {script_of(char) for char in truth if char.isalpha()}
    return "".join(
        c for c in text if c.isalpha() and c not in truth and script_of(c) not in scripts and script_of(c) is not None
    )


def script_named(language: str | None) -> str | None:
    """The script a `page.language` value stands for: a table code's script, or a script's name."""
    if language in LANGUAGES:
        return LANGUAGES[language].script
    return language


@dataclass
class Reading:
    """One read of a page: its text, what the page says of itself, and the seconds it took."""

    text: str
    language: str | None
    rotation: int
    engine: str | None
    seconds: float


def read(router, image: np.ndarray, language: str) -> Reading:
    start = time.perf_counter()
    page = router.recognize(image, language)
    seconds = time.perf_counter() - start
    return Reading(text_of(page), page.language, page.rotation, page.engine, seconds)


@dataclass
class Result:
    """One sample read with auto and with its explicit code."""

    id: str
    language: str
    script: str
    variant: str
    split: str
    truth: str
    auto: Reading
    explicit: Reading
    cer_auto: float = field(init=False)
    cer_explicit: float = field(init=False)
    foreign_auto: str = field(init=False)
    foreign_explicit: str = field(init=False)

    def __post_init__(self) -> None:
        self.cer_auto = cer(self.auto.text, self.truth)
        self.cer_explicit = cer(self.explicit.text, self.truth)
        self.foreign_auto = foreign_letters(self.auto.text, self.truth)
        self.foreign_explicit = foreign_letters(self.explicit.text, self.truth)

    def to_dict(self) -> dict:
        return asdict(self) | {"language_ok": self.language_ok, "script_ok": self.script_ok}

    @property
    def language_ok(self) -> bool:
        return self.auto.language == self.language

    @property
    def script_ok(self) -> bool:
        return script_named(self.auto.language) == self.script


def run_sample(router, sample: Sample, warm: bool) -> Result:
    image = sample.image()
    if warm:
        router.recognize(image, "auto")
        router.recognize(image, sample.language)
    auto, explicit = read(router, image, "auto"), read(router, image, sample.language)
    return Result(sample.id, sample.language, sample.script, sample.variant, sample.split, sample.text, auto, explicit)


def run_set(router, chosen: Iterable[Sample], warmup: bool) -> list[Result]:
    results: list[Result] = []
    seen: set[str] = set()
    for sample in chosen:
        result = run_sample(router, sample, warm=warmup and sample.language not in seen)
        seen.add(sample.language)
        results.append(result)
        print(
            f"[{len(results)}] {result.id}: CER auto {result.cer_auto:.3f} ({result.auto.seconds:.2f}s, "
            f"{result.auto.language}) explicit {result.cer_explicit:.3f} ({result.explicit.seconds:.2f}s)"
            + (f" foreign {result.foreign_auto[:SHOWN_FOREIGN]!r}" if result.foreign_auto else ""),
            file=sys.stderr,
            flush=True,
        )
    return results


def _mean(values: Iterable[float]) -> float:
    values = list(values)
    return float(np.mean(values)) if values else float("nan")


def _row(name: str, results: list[Result]) -> str:
    worse = sum(r.cer_auto > r.cer_explicit + WORSE_BY for r in results)
    engines = Counter(r.auto.engine for r in results).most_common(1)[0][0]
    return (
        f"| {name} | {len(results)} | {_mean(r.cer_auto for r in results):.3f} | "
        f"{_mean(r.cer_explicit for r in results):.3f} | {worse} | "
        f"{sum(r.language_ok for r in results)} | {sum(r.script_ok for r in results)} | "
        f"{sum(len(r.foreign_auto) for r in results)} / {sum(len(r.foreign_explicit) for r in results)} | "
        f"{_mean(r.auto.seconds for r in results):.2f} | {_mean(r.explicit.seconds for r in results):.2f} | "
        f"{engines} |"
    )


TABLE_HEAD = (
    "| {key} | samples | CER auto | CER explicit | auto worse | lang ok | script ok | foreign auto / explicit "
    "| s auto | s explicit | auto engine |\n|---|---|---|---|---|---|---|---|---|---|---|"
)


def grouped(results: list[Result], key: Callable[[Result], str]) -> dict[str, list[Result]]:
    groups: dict[str, list[Result]] = defaultdict(list)
    for result in results:
        groups[key(result)].append(result)
    return groups


def table(results: list[Result], key: Callable[[Result], str], name: str) -> str:
    lines = [TABLE_HEAD.format(key=name)]
    lines += [_row(k, rs) for k, rs in grouped(results, key).items()]
    lines.append(_row("**all**", results))
    return "\n".join(lines)


def speed_table(results: list[Result]) -> str:
    lines = ["| group | samples | s auto | s explicit | auto / explicit |", "|---|---|---|---|---|"]
    for name in ("Latin", "CJK", "other"):
        rs = [r for r in results if group_of(r.script) == name]
        if rs:
            auto, explicit = sum(r.auto.seconds for r in rs), sum(r.explicit.seconds for r in rs)
            lines.append(f"| {name} | {len(rs)} | {auto / len(rs):.2f} | {explicit / len(rs):.2f} | "
                         f"{auto / max(explicit, 1e-9):.2f}x |")  # fmt: skip
    return "\n".join(lines)


def foreign_table(results: list[Result]) -> str:
    rows = [r for r in results if r.script == "Latin" and (r.foreign_auto or r.foreign_explicit)]
    if not rows:
        return "No foreign letters inserted in Latin samples."
    lines = ["| sample | auto | explicit |", "|---|---|---|"]
    lines += [f"| {r.id} | {r.foreign_auto[:SHOWN_FOREIGN]!r} | {r.foreign_explicit[:SHOWN_FOREIGN]!r} |" for r in rows]
    return "\n".join(lines)


def detection_table(results: list[Result]) -> str:
    """What auto's page.language said, for the languages where it named a wrong script at least once."""
    lines = ["| language | auto's page.language (count) |", "|---|---|"]
    for code, rs in grouped(results, lambda r: r.language).items():
        if not all(r.script_ok for r in rs):
            said = Counter(str(r.auto.language) for r in rs).most_common()
            lines.append(f"| {code} | {', '.join(f'{name} ({n})' for name, n in said)} |")
    return "\n".join(lines) if len(lines) > 2 else "auto named the right script on every sample."


def report(results: list[Result]) -> str:
    latin = [r for r in results if r.script == "Latin"]
    languages = {r.language for r in results}
    parts = [
        f"{len(results)} samples, {len(languages)} languages, splits {sorted({r.split for r in results})}. "
        "lang ok: auto's page.language is the sample's code; script ok: it names the right script. "
        "foreign: letters of scripts absent from the ground truth.\n",
        "## Per script\n",
        table(results, lambda r: r.script, "script"),
        "\n## Per language\n",
        table(results, lambda r: r.language, "language"),
        "\n## Wrong scripts detected\n",
        detection_table(results),
        "\n## Seconds per sample\n",
        speed_table(results),
        f"\n## Foreign letters in Latin samples ({sum(bool(r.foreign_auto) for r in latin)} of {len(latin)} "
        "samples with auto)\n",
        foreign_table(results),
    ]
    return "\n".join(parts)


# --- corpus mode -------------------------------------------------------------------------------------


@dataclass
class Page:
    """A real page: where it comes from, its ground truth, whether it is upright, and how to load it."""

    name: str
    truth: str
    upright: bool
    load: Callable[[], np.ndarray]


def load_rgb(path: Path) -> np.ndarray:
    return np.asarray(ImageOps.exif_transpose(Image.open(path)).convert("RGB"))


def render_pdf_page(path: Path, number: int) -> np.ndarray:
    import pymupdf

    with pymupdf.open(path) as doc:
        pix = doc[number].get_pixmap(dpi=RENDER_DPI, colorspace=pymupdf.csRGB, alpha=False)
        return np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.width, 3).copy()


def tesseract_pages(corpus: Path) -> Iterator[Page]:
    folder = corpus / "tesseract_testing"
    for image in sorted(folder.glob("images/*")):
        truth = folder / "gt" / f"{image.stem}.txt"
        if image.suffix.lower() in {".tif", ".tiff", ".png"} and truth.is_file():
            upright = "rotated" not in image.stem
            yield Page(f"tesseract/{image.name}", truth.read_text(encoding="utf-8"), upright, _loader(image))


def docling_pages(corpus: Path) -> Iterator[Page]:
    folder = corpus / "docling_testdata" / "ocr_rotation"
    truth = (folder / "groundtruth.txt").read_text(encoding="utf-8")
    pdf = folder / "sources" / "ocr_test.pdf"
    yield Page("docling/ocr_test.pdf", truth, True, lambda: render_pdf_page(pdf, 0))
    webp = folder / "sources" / "webp-test.webp"
    yield Page("docling/webp-test.webp", truth, True, _loader(webp))


def olmocr_pages(corpus: Path, limit: int | None) -> Iterator[Page]:
    folder = corpus / "olmocr_multipage_pdfs"
    for pdf in sorted(folder.glob("pdfs/*.pdf")):
        truths = sorted((folder / "gt_textlayer" / pdf.stem).glob("page_*.txt"))[:limit]
        for truth in truths:
            number = int(truth.stem.split("_")[1]) - 1
            yield Page(f"olmocr/{pdf.stem}/{truth.stem}", truth.read_text(encoding="utf-8"), True,
                       _pdf_loader(pdf, number))  # fmt: skip


def _loader(path: Path) -> Callable[[], np.ndarray]:
    return lambda: load_rgb(path)


def _pdf_loader(path: Path, number: int) -> Callable[[], np.ndarray]:
    return lambda: render_pdf_page(path, number)


@dataclass
class CorpusResult:
    name: str
    upright: bool
    auto: Reading
    english: Reading
    cer_auto: float
    cer_english: float
    foreign_auto: str
    foreign_english: str

    @property
    def turned(self) -> bool:
        return self.upright and self.auto.rotation != 0

    def to_dict(self) -> dict:
        return asdict(self) | {"turned": self.turned}


def run_page(router, page: Page) -> CorpusResult:
    image = page.load()
    auto, english = read(router, image, "auto"), read(router, image, "en")
    return CorpusResult(
        page.name, page.upright, auto, english, cer(auto.text, page.truth), cer(english.text, page.truth),
        foreign_letters(auto.text, page.truth), foreign_letters(english.text, page.truth),
    )  # fmt: skip


def run_corpus(router, pages: Iterable[Page]) -> list[CorpusResult]:
    results = []
    for page in pages:
        result = run_page(router, page)
        results.append(result)
        print(
            f"[{len(results)}] {page.name}: CER auto {result.cer_auto:.3f} en {result.cer_english:.3f} "
            f"rotation {result.auto.rotation} foreign {result.foreign_auto[:SHOWN_FOREIGN]!r} "
            f"({result.auto.seconds:.2f}s / {result.english.seconds:.2f}s)",
            file=sys.stderr,
            flush=True,
        )
    return results


def corpus_report(results: list[CorpusResult]) -> str:
    lines = [
        "| page | upright | CER auto | CER en | foreign auto | foreign en | rotation auto | auto lang | s auto "
        "| s en |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        flag = " **turned**" if r.turned else ""
        lines.append(
            f"| {r.name} | {r.upright} | {r.cer_auto:.3f} | {r.cer_english:.3f} | "
            f"{len(r.foreign_auto)} {r.foreign_auto[:SHOWN_FOREIGN]!r} | {len(r.foreign_english)} | "
            f"{r.auto.rotation}{flag} | {r.auto.language} | {r.auto.seconds:.2f} | {r.english.seconds:.2f} |"
        )
    with_foreign = sum(bool(r.foreign_auto) for r in results)
    lines.append(
        f"\n{len(results)} pages: {with_foreign} with foreign letters under auto "
        f"({sum(len(r.foreign_auto) for r in results)} letters; en: {sum(len(r.foreign_english) for r in results)}),"
        f" {sum(r.turned for r in results)} upright pages turned; mean CER auto "
        f"{_mean(r.cer_auto for r in results):.3f}, en {_mean(r.cer_english for r in results):.3f}; "
        f"s/page auto {_mean(r.auto.seconds for r in results):.2f}, en {_mean(r.english.seconds for r in results):.2f}"
    )
    return "\n".join(lines)


def corpus_main(router, args: argparse.Namespace) -> list[CorpusResult]:
    pages = [*tesseract_pages(args.corpus_dir), *docling_pages(args.corpus_dir)]
    pages += olmocr_pages(args.corpus_dir, args.limit)
    results = run_corpus(router, pages)
    print(corpus_report(results))
    return results


# --- main --------------------------------------------------------------------------------------------


def build_router(args: argparse.Namespace):
    from configs.settings import Settings
    from engines.router import cpu_router

    settings = Settings()
    cache = args.cache or settings.model_cache_dir
    return cpu_router(cache, args.threads, args.det_limit or settings.det_limit_side_len)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_set_arguments(parser)
    parser.add_argument("--corpus", action="store_true", help="read the shared corpus' Latin pages instead")
    parser.add_argument("--corpus-dir", type=Path, default=DEFAULT_CORPUS, help="the shared corpus folder")
    parser.add_argument("--json", type=Path, help="write per-sample results to this file")
    parser.add_argument("--threads", type=int, default=2, help="ONNX Runtime threads for PP-OCRv6")
    parser.add_argument("--cache", type=Path, help="model folder cache (default: the service's)")
    parser.add_argument("--det-limit", type=int, help="detector's longest side (default: the service's)")
    parser.add_argument("--no-warmup", dest="warmup", action="store_false", help="time each language's first read")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    router = build_router(args)
    if args.corpus:
        results: list = corpus_main(router, args)
    else:
        results = run_set(router, selected(args), args.warmup)
        print(report(results))
    if args.json:
        rows = [result.to_dict() for result in results]
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
