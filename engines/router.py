"""The CPU tier's router: reads each page with the engine that reads its language best.

Explicit language: the table's engine (`engines.languages`) reads the page; PP-OCRv6 (paddle) for
Latin, Chinese and Japanese, Tesseract with the language's traineddata for the rest.

`language="auto"`, the decision rule:
1. Paddle reads the page, keeping the lines it read as blank (it reads scripts it does not know as
   blanks or a few Latin look-alikes).
2. A line is *suspicious* when it is blank, its confidence is below SUSPICIOUS_CONFIDENCE, or it
   holds too few characters for its box (fewer than MIN_CHARS_PER_ASPECT per unit of width/height).
   No suspicious line: paddle's result stands (Latin/CJK pages pay nothing more).
3. The script of the suspicious lines: OSD's script when it names one of AUTO_SCRIPT_MODELS (OSD
   runs only when the page has MIN_LINES_FOR_OSD suspicious lines or looks rotated: it refuses
   short lines); else each installed script model reads the widest suspicious lines (PSM 7) and
   the script scoring best on confidence x share of output letters in that script wins.
4. When at least WHOLE_PAGE_SHARE of the lines are suspicious, Tesseract reads the whole page with
   that script's model (AUTO_SCRIPT_MODELS: the language's model for one-language scripts, else the
   script model); faster than line by line. Otherwise that model re-reads each suspicious line's crop
   and its text replaces paddle's when paddle read (nearly) nothing or when the new text is mostly in
   the script with confidence >= MIN_REREAD_CONFIDENCE: a mostly-English page with an Arabic
   address keeps paddle's English and gets the address in Arabic.

Rotation (90/180/270): checked only when the first read looks wrong (most boxes taller than wide,
low mean confidence or nothing read); then OSD's orientation, when confident, turns the page upright
and the page is read again. Boxes, width and height are in the upright image's pixels.

`PageResult.language`: the explicit language's code; for auto the detected language's code when the
dominant script has one language in the table's sense (Greek "el", Hangul "ko", Thai "th", Han "ch",
kana "ja"...), else the script's name ("Latin", "Cyrillic", "Arabic", "Devanagari"...).
"""

import threading
from collections import Counter
from pathlib import Path

import numpy as np

from engines.languages import AUTO, AUTO_SCRIPT_MODELS, LANGUAGES, PADDLE, normalize_language
from engines.paddle_cpu import PaddleCpuEngine
from engines.scripts import detected_language, script_share
from engines.tesseract_cpu import Orientation, TesseractEngine
from engines.types import Block, PageResult

SUSPICIOUS_CONFIDENCE = 0.85
MIN_CHARS_PER_ASPECT = 0.4
MIN_LINES_FOR_OSD = 3
ROTATED_MEAN_CONFIDENCE = 0.8
TALL_BOX_RATIO = 1.5
MIN_ORIENTATION_CONFIDENCE = 1.5
MAX_TRIAL_LINES = 1
MIN_SCRIPT_SCORE = 0.5
MIN_REREAD_CONFIDENCE = 0.6
MIN_SCRIPT_SHARE = 0.5
WHOLE_PAGE_SHARE = 0.5  # this share of suspicious lines or more: Tesseract reads the whole page
CROP_PADDING = 0.15  # of the line height, on every side


def rotate_clockwise(image: np.ndarray, degrees: int) -> np.ndarray:
    return np.ascontiguousarray(np.rot90(image, k=-(degrees // 90) % 4))


class CpuRouter:
    """Routes each page to PP-OCRv6 or Tesseract (see the module docstring for the rule)."""

    def __init__(self, paddle: PaddleCpuEngine, tesseract: TesseractEngine) -> None:
        self.paddle = paddle
        self.tesseract = tesseract
        self._scripts_lock = threading.Lock()
        self._installed_scripts: list[str] | None = None

    def recognize(self, image: np.ndarray, language: str) -> PageResult:
        """Read an RGB uint8 page image in `language` (a table code, an alias, or "auto")."""
        code = normalize_language(language)
        if code == AUTO:
            return self._auto(image)
        entry = LANGUAGES[code]
        if entry.engine == PADDLE:
            page = self._read_upright(image, lambda img: self.paddle.recognize(img))
        else:
            page = self._read_upright(image, lambda img: self.tesseract.recognize(img, entry.tesseract))
        page.language = code
        return page

    def _read_upright(self, image: np.ndarray, read) -> PageResult:
        page = read(image)
        if not _looks_rotated(page):
            return page
        degrees = _rotation(self.tesseract.orientation_and_script(image))
        if not degrees:
            return page
        page = read(rotate_clockwise(image, degrees))
        page.rotation = degrees
        return page

    def _auto(self, image: np.ndarray) -> PageResult:
        page = self.paddle.recognize(image, keep_empty=True)
        suspicious = _suspicious_lines(page)
        osd = None
        if _looks_rotated(page) or len(suspicious) >= MIN_LINES_FOR_OSD:
            osd = self.tesseract.orientation_and_script(image)
            degrees = _rotation(osd)
            if degrees:
                image = rotate_clockwise(image, degrees)
                page = self.paddle.recognize(image, keep_empty=True)
                page.rotation = degrees
                suspicious = _suspicious_lines(page)
        if suspicious:
            script = osd.script if osd and osd.script in AUTO_SCRIPT_MODELS else None
            script = script or self._guess_script(image, suspicious)
            if script and len(suspicious) >= WHOLE_PAGE_SHARE * len(page.blocks):
                page = self._read_whole_page(image, script, page.rotation)
            elif script:
                self._reread(image, suspicious, script)
                page.engine = "paddle+tesseract"
        page.blocks = [block for block in page.blocks if block.text.strip()]
        page.language = detected_language(page.blocks)
        return page

    def installed_scripts(self) -> list[str]:
        """The auto script models installed in the tessdata folder."""
        with self._scripts_lock:
            if self._installed_scripts is None:
                self._installed_scripts = [
                    script for script, model in AUTO_SCRIPT_MODELS.items() if self.tesseract.has_model(model)
                ]
            return self._installed_scripts

    def _read_crop(self, image: np.ndarray, block: Block, script: str) -> Block | None:
        model = AUTO_SCRIPT_MODELS[script]
        return self.tesseract.read_line(_crop(image, block.bbox), model)

    def _read_whole_page(self, image: np.ndarray, script: str, rotation: int) -> PageResult:
        """Tesseract reads the whole page: faster than line by line when most lines need it."""
        page = self.tesseract.recognize(image, AUTO_SCRIPT_MODELS[script])
        page.rotation = rotation
        return page

    def _guess_script(self, image: np.ndarray, lines: list[Block]) -> str | None:
        """The script model that reads the widest suspicious lines best, or None."""
        trial = sorted(lines, key=lambda block: block.bbox[2] - block.bbox[0], reverse=True)[:MAX_TRIAL_LINES]
        scores: Counter[str] = Counter()
        for script in self.installed_scripts():
            for block in trial:
                read = self._read_crop(image, block, script)
                if read is not None:
                    scores[script] += read.confidence * script_share(read.text, script) / len(trial)
        if not scores:
            return None
        script, score = scores.most_common(1)[0]
        return script if score >= MIN_SCRIPT_SCORE else None

    def _reread(self, image: np.ndarray, lines: list[Block], script: str) -> None:
        """Replace each suspicious line's text by the script model's reading where that is better."""
        for block in lines:
            read = self._read_crop(image, block, script)
            if read is None:
                continue
            trusted = read.confidence >= MIN_REREAD_CONFIDENCE and script_share(read.text, script) >= MIN_SCRIPT_SHARE
            if trusted or _too_few_chars(block):
                block.text, block.confidence = read.text, read.confidence


def cpu_router(cache_dir: Path, threads: int, det_limit_side_len: int) -> CpuRouter:
    """The CPU tier's engines behind the router, as the service's OCR replicas and the bulk
    converter's actors both load them."""
    return CpuRouter(PaddleCpuEngine(cache_dir, threads, det_limit_side_len), TesseractEngine())


def _rotation(osd: Orientation | None) -> int:
    if osd is None or osd.orientation_confidence < MIN_ORIENTATION_CONFIDENCE:
        return 0
    return osd.rotate_clockwise


def _too_few_chars(block: Block) -> bool:
    width, height = block.bbox[2] - block.bbox[0], block.bbox[3] - block.bbox[1]
    aspect = max(width, height) / max(1.0, min(width, height))
    return len(block.text.replace(" ", "")) < MIN_CHARS_PER_ASPECT * aspect


def _suspicious_lines(page: PageResult) -> list[Block]:
    return [block for block in page.blocks if block.confidence < SUSPICIOUS_CONFIDENCE or _too_few_chars(block)]


def _looks_rotated(page: PageResult) -> bool:
    """Whether the read looks like a turned page: nothing read, mostly tall boxes, or low confidence."""
    read = [block for block in page.blocks if block.text.strip()]
    if not read:
        return True
    tall = sum((b.bbox[3] - b.bbox[1]) > TALL_BOX_RATIO * (b.bbox[2] - b.bbox[0]) for b in read)
    mean_confidence = sum(b.confidence for b in read) / len(read)
    return tall > len(read) / 2 or mean_confidence < ROTATED_MEAN_CONFIDENCE


def _crop(image: np.ndarray, bbox: list[float]) -> np.ndarray:
    x0, y0, x1, y1 = bbox
    pad = CROP_PADDING * min(x1 - x0, y1 - y0)
    height, width = image.shape[:2]
    top, bottom = max(0, int(y0 - pad)), min(height, int(y1 + pad) + 1)
    left, right = max(0, int(x0 - pad)), min(width, int(x1 + pad) + 1)
    return np.ascontiguousarray(image[top:bottom, left:right])
