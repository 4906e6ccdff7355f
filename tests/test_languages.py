"""The language table and the CPU router: one line per script read with language=auto and with its
explicit code, rotated pages read upright. CER bounds are the values measured with bench/languages.py
plus a small margin."""

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

from engines.languages import LANGUAGES, WHERE_TO_LOOK, debian_packages, language, markdown_table, normalize_language
from tests.scoring import cer

DATA = Path(__file__).parent / "data"
LINES = DATA / "script_lines"
CER_MARGIN = 0.02
# Measured CER (auto, explicit) per line; every other line reads exactly with both.
MEASURED_CER = {
    "te.png": (0.036, 0.036),  # one vowel sign in the first word, which the ground truth marks uncertain
    "el_rec.jpg": (0.048, 0.048),  # "σήµερα" with a micro sign / a breathing mark on the capital
    "rendered_or.png": (0.069, 0.069),  # Tesseract's Oriya model: two vowel signs
    "rendered_lo.png": (0.102, 0.102),  # Tesseract's Lao model: tone marks
    "rendered_lo_paragraph.png": (0.162, 0.162),  # the same; OSD names this page Thai
    "rendered_lo_line.png": (0.158, 0.158),  # `lao` scores it under its ceiling, the Lao script model over
    # 24-px lines: the trial scores their readings by their letters' confidences (Tesseract's line
    # confidence for them is near 0).
    "rendered_lo_line_24.png": (0.211, 0.211),
    "rendered_bo_line_24.png": (0.065, 0.065),
    # auto reads PP-OCRv6's line with the Thaana model; the explicit code's page layout garbles it.
    "rendered_dv_line_24.png": (0.087, 1.0),
    # Tesseract's page segmentation finds no Myanmar text here: the explicit code reads nothing, auto
    # reads paddle's line with the Myanmar model.
    "rendered_my.png": (0.091, 0.982),
    "rendered_pa_paragraph.png": (0.369, 0.369),  # Tesseract's Gurmukhi model: vowel signs
    # Tesseract's page segmentation finds no text here: both read paddle's line with the Thaana model.
    "rendered_dv.png": (0.145, 0.145),
    "rendered_yi_paragraph.png": (0.052, 0.052),  # OSD names it Thai; the trial's Yiddish model names Hebrew
    # Nastaliq, scanned: the Arabic script model reads it under its ceiling, Urdu's own model (`urd`) over it.
    "rendered_ur_line_scan.png": (0.302, 0.302),
    # OSD names these Cyrillic, and the Cyrillic model reads them under its ceiling: auto reads them as a
    # page paddle cannot read. Tesseract's page layout reads the Thaana paragraph badly (the explicit code).
    "rendered_bo_paragraph.png": (0.05, 0.057),
    "rendered_dv_paragraph.png": (0.066, 0.927),
}
ROTATION_CER = 0.01


def script_line_rows() -> list[dict]:
    return [json.loads(line) for line in (LINES / "gt.jsonl").read_text(encoding="utf-8").splitlines()]


def load_rgb(path: Path) -> np.ndarray:
    return np.asarray(ImageOps.exif_transpose(Image.open(path)).convert("RGB"))


def page_text(page) -> str:
    return " ".join(block.text for block in page.blocks)


@pytest.mark.parametrize("row", script_line_rows(), ids=lambda row: row["file"])
def test_script_line_auto_and_explicit(router, row: dict) -> None:
    image = load_rgb(LINES / row["file"])
    auto_bound, explicit_bound = MEASURED_CER.get(row["file"], (0.0, 0.0))
    auto = router.recognize(image, "auto")
    explicit = router.recognize(image, row["lang"])
    assert cer(page_text(auto), row["gt"]) <= auto_bound + CER_MARGIN, page_text(auto)
    assert cer(page_text(explicit), row["gt"]) <= explicit_bound + CER_MARGIN, page_text(explicit)
    assert explicit.language == normalize_language(row["lang"])
    assert auto.language is not None


@pytest.mark.parametrize("degrees", [90, 180, 270])
@pytest.mark.parametrize("code", ["auto", "en"])
def test_rotated_page_reads_upright(router, degrees: int, code: str) -> None:
    truth = (DATA / "phototest.txt").read_text(encoding="utf-8")
    upright = Image.open(DATA / "phototest.tif").convert("RGB")
    turned = np.asarray(upright.rotate(degrees, expand=True))  # PIL turns counter-clockwise
    page = router.recognize(turned, code)
    assert page.rotation == degrees  # turned back clockwise by the same amount
    assert (page.width, page.height) == upright.size
    assert cer(page_text(page), truth) <= ROTATION_CER


def test_table_has_100_languages_with_unique_codes() -> None:
    assert len(LANGUAGES) >= 100
    codes = [code.lower() for entry in LANGUAGES.values() for code in (entry.code, *entry.aliases)]
    assert len(codes) == len(set(codes))
    assert {entry.engine for entry in LANGUAGES.values()} == {"paddle", "tesseract"}
    assert "| `ru` | Russian | Cyrillic | tesseract |" in markdown_table()


@pytest.mark.parametrize(
    ("code", "canonical"), [("AUTO", "auto"), ("rus", "ru"), ("zh", "ch"), ("chi_sim", "ch"), ("deu", "de")]
)
def test_aliases_normalize(code: str, canonical: str) -> None:
    assert normalize_language(code) == canonical


def test_unknown_language_says_where_to_look() -> None:
    with pytest.raises(ValueError, match="GET /api/v1/languages/") as error:
        language("klingon")
    assert WHERE_TO_LOOK in str(error.value)
    assert len(str(error.value)) < 200


@pytest.mark.skipif(shutil.which("apt-cache") is None, reason="apt-cache is not installed")
def test_debian_packages_exist() -> None:
    listed = subprocess.run(
        ["apt-cache", "search", "--names-only", "^tesseract-ocr"], capture_output=True, text=True, check=True
    ).stdout
    available = {line.split(" - ")[0] for line in listed.splitlines()}
    if not available:
        pytest.skip("apt lists are empty (run apt-get update)")
    assert set(debian_packages()) <= available
