"""The CPU tier's second engine: Tesseract 5 through tesserocr (the wheel carries libtesseract; the
traineddata files come from Debian's `tesseract-ocr-*` packages).

Tesseract reads the scripts PP-OCRv6 small does not know (Cyrillic, Greek, Arabic, Indic, Hangul...).
One traineddata per call: a language ("rus") or a script model ("Cyrillic"); loading several at
once degrades the result (measured). Each model gets one cached API guarded by its own lock, and
Tesseract runs on one thread (OMP_THREAD_LIMIT=1): pages run in parallel instead.
"""

import os
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

# Must be set before libtesseract loads: its OpenMP threads made pages slower (measured).
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image, ImageFilter  # noqa: E402
from tesserocr import OEM, PSM, RIL, PyTessBaseAPI  # noqa: E402

from engines.types import Block, PageResult  # noqa: E402

DEFAULT_TESSDATA = Path("/usr/share/tesseract-ocr/5/tessdata")
OSD_MODEL = "osd"
MIN_SCRIPT_CONFIDENCE = 1.0
CONFIDENCE_SCALE = 100.0
# Page layout analysis cuts Hangul lines into pieces (a syllable is several connected components, and
# stacked jamo look like rows of their own); a Gaussian blur of sigma = JAMO_BLUR x the median component
# height joins them before a whole-page read (PSM 3). Line reads (PSM 7) gain nothing from it (measured).
JAMO_BLUR_MODELS = frozenset({"kor", "Hangul"})
JAMO_BLUR = 0.085
JAMO_BLUR_RANGE = (0.6, 3.0)
# The Hangul script model lacks kor's config line `preserve_interword_spaces 1`: without it every syllable
# comes out as a word of its own.
MODEL_VARIABLES = {"Hangul": {"preserve_interword_spaces": "1"}}
# Scripts written without spaces between words; Tesseract separates their characters with spaces.
UNSPACED_SCRIPT_PREFIXES = ("CJK", "HIRAGANA", "KATAKANA", "THAI", "LAO", "KHMER", "MYANMAR", "TIBETAN")
# Tesseract writes Thai and Lao SARA AM as NIKHAHIT + SARA AA, which Unicode normalisation does not join.
SPLIT_SARA_AM = {"\u0e4d\u0e32": "\u0e33", "\u0ecd\u0eb2": "\u0eb3"}


@dataclass(frozen=True)
class Orientation:
    """OSD's answer: turn the image `rotate_clockwise` degrees clockwise to make it upright."""

    rotate_clockwise: int
    script: str | None
    orientation_confidence: float
    script_confidence: float


class TesseractEngine:
    """Reads page images with one traineddata at a time; APIs are created lazily and cached."""

    def __init__(self, tessdata: Path = DEFAULT_TESSDATA) -> None:
        self.tessdata = Path(tessdata)
        self._apis: dict[str, tuple[PyTessBaseAPI, threading.Lock]] = {}
        self._apis_lock = threading.Lock()

    def has_model(self, model: str) -> bool:
        """Whether `<model>.traineddata` is installed (at the tessdata root or under script/)."""
        return self._model_prefix(model) is not None

    def _model_prefix(self, model: str) -> str | None:
        for prefix in ("", "script/"):
            if (self.tessdata / f"{prefix}{model}.traineddata").is_file():
                return f"{prefix}{model}"
        return None

    def _api(self, model: str) -> tuple[PyTessBaseAPI, threading.Lock]:
        """One API per model, whatever the page segmentation mode (each call sets its own): a script
        model holds 5-60 MB, and the script trial reads lines with every one of them."""
        with self._apis_lock:
            if model not in self._apis:
                prefix = self._model_prefix(model)
                if prefix is None:
                    raise RuntimeError(
                        f"Tesseract model {model!r} is not installed in {self.tessdata} "
                        "(install its Debian package: see `python3 -m engines.languages --debian-packages`)."
                    )
                oem = OEM.DEFAULT if model == OSD_MODEL else OEM.LSTM_ONLY
                api = PyTessBaseAPI(
                    path=str(self.tessdata) + "/",
                    lang=prefix,
                    psm=PSM.OSD_ONLY if model == OSD_MODEL else PSM.AUTO,
                    oem=oem,
                    variables=MODEL_VARIABLES.get(model, {}),
                )
                self._apis[model] = (api, threading.Lock())
            return self._apis[model]

    def recognize(self, image: np.ndarray, model: str, psm: int = PSM.AUTO) -> PageResult:
        """Read an RGB uint8 image (H x W x 3) with one traineddata; one block per text line."""
        height, width = image.shape[:2]
        api, lock = self._api(model)
        pil = _join_jamo(image) if model in JAMO_BLUR_MODELS and psm == PSM.AUTO else Image.fromarray(image)
        with lock:
            api.SetPageSegMode(psm)
            api.SetImage(pil)
            api.Recognize()
            blocks = _text_lines(api)
            api.Clear()
        return PageResult(width=width, height=height, blocks=blocks, engine="tesseract")

    def read_line(self, image: np.ndarray, model: str) -> Block | None:
        """Read a crop holding a single text line (PSM 7; as a block, PSM 6, when PSM 7 finds no text
        there, as it does on some clean lines); None when nothing is read."""
        page = self.recognize(image, model, psm=PSM.SINGLE_LINE)
        if not page.blocks:
            page = self.recognize(image, model, psm=PSM.SINGLE_BLOCK)
        if not page.blocks:
            return None
        text = " ".join(block.text for block in page.blocks)
        confidence = sum(block.confidence for block in page.blocks) / len(page.blocks)
        return Block(text=text, bbox=[0.0, 0.0, float(page.width), float(page.height)], confidence=confidence)

    def orientation_and_script(self, image: np.ndarray) -> Orientation | None:
        """Page orientation and script by OSD; None when OSD refuses (too few characters)."""
        api, lock = self._api(OSD_MODEL)
        grey = Image.fromarray(image).convert("L")  # OSD works on grey: spares its own conversion
        with lock:
            api.SetImage(grey)
            try:
                answer = api.DetectOrientationScript()
            except RuntimeError:
                answer = None
            api.Clear()
        if not answer:
            return None
        # orient_deg: a page PIL turned 90 degrees counter-clockwise gives 270 (measured), so turning
        # the image clockwise by 360 - orient_deg makes it upright.
        script_confidence = float(answer["script_conf"])
        script = answer["script_name"] if script_confidence >= MIN_SCRIPT_CONFIDENCE else None
        return Orientation(
            rotate_clockwise=(360 - int(answer["orient_deg"])) % 360,
            script=script,
            orientation_confidence=float(answer["orient_conf"]),
            script_confidence=script_confidence,
        )


def _join_jamo(image: np.ndarray) -> Image.Image:
    """The grey page blurred by JAMO_BLUR x its median ink component height (same size: boxes hold)."""
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image
    _, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    _, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    heights, widths = stats[1:, cv2.CC_STAT_HEIGHT], stats[1:, cv2.CC_STAT_WIDTH]
    heights = heights[(heights >= 4) & (widths >= 2) & (heights < 0.2 * gray.shape[0])]
    sigma = JAMO_BLUR * float(np.median(heights)) if len(heights) else JAMO_BLUR_RANGE[0]
    return Image.fromarray(gray).filter(
        ImageFilter.GaussianBlur(min(max(sigma, JAMO_BLUR_RANGE[0]), JAMO_BLUR_RANGE[1]))
    )


def _text_lines(api: PyTessBaseAPI) -> list[Block]:
    """Text lines in reading order, RTL text in logical order.

    tesserocr's iterator returns RTL words in visual order, but the page text (`GetUTF8Text`) is in
    logical order with one line per text line: take the text from it and the boxes from the iterator.
    """
    page_lines = [line.strip() for line in api.GetUTF8Text().splitlines() if line.strip()]
    boxes = _line_boxes(api)
    if len(page_lines) != len(boxes):  # not expected; keep the boxes' own (visual-order) text
        page_lines = [text for text, _, _ in boxes]
    return [
        Block(text=_join_unspaced(_joined_sara_am(text)), bbox=[float(v) for v in box], confidence=confidence)
        for text, (_, box, confidence) in zip(page_lines, boxes, strict=True)
    ]


def _line_boxes(api: PyTessBaseAPI) -> list[tuple[str, tuple[int, int, int, int], float]]:
    """(text, box, confidence 0..1) of each non-empty text line the iterator walks."""
    iterator = api.GetIterator()
    lines: list[tuple[str, tuple[int, int, int, int], float]] = []
    while iterator is not None:
        text = _line_text(iterator)
        box = iterator.BoundingBox(RIL.TEXTLINE)
        if text and box is not None:
            lines.append((text, box, round(iterator.Confidence(RIL.TEXTLINE) / CONFIDENCE_SCALE, 4)))
        if not iterator.Next(RIL.TEXTLINE):
            break
    return lines


def _line_text(iterator) -> str:
    try:
        return (iterator.GetUTF8Text(RIL.TEXTLINE) or "").strip()
    except RuntimeError:  # tesserocr raises on an empty line
        return ""


def _joined_sara_am(text: str) -> str:
    for split, joined in SPLIT_SARA_AM.items():
        text = text.replace(split, joined)
    return text


def _unspaced(char: str) -> bool:
    """Whether `char` belongs to a script written without spaces between words."""
    return any(unicodedata.name(char, "").startswith(prefix) for prefix in UNSPACED_SCRIPT_PREFIXES)


def _join_unspaced(text: str) -> str:
    """Drop the spaces Tesseract puts between characters of scripts written without spaces (Thai, CJK)."""
    chars = list(text)
    kept = [
        char
        for i, char in enumerate(chars)
        if not (char == " " and 0 < i < len(chars) - 1 and _unspaced(chars[i - 1]) and _unspaced(chars[i + 1]))
    ]
    return "".join(kept)
