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

from engines.types import Block, PageResult, mean_confidence, mean_letter_confidence  # noqa: E402

DEFAULT_TESSDATA = Path("/usr/share/tesseract-ocr/5/tessdata")
OSD_MODEL = "osd"
# Tesseract's own default: OSD classifies this many characters (up to 5 times as many while unsure).
OSD_CHARACTERS = 50
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

    def recognize(self, image: np.ndarray, model: str, psm: int = PSM.AUTO, letters: bool = False) -> PageResult:
        """Read an RGB uint8 image (H x W x 3) with one traineddata; one block per text line, with its
        `letter_confidence` where `letters` is asked (walking every character costs ~30 ms on a dense page)."""
        height, width = image.shape[:2]
        api, lock = self._api(model)
        pil = _join_jamo(image) if model in JAMO_BLUR_MODELS and psm == PSM.AUTO else Image.fromarray(image)
        with lock:
            api.SetPageSegMode(psm)
            api.SetImage(pil)
            api.Recognize()
            blocks = _text_lines(api, letters)
            api.Clear()
        return PageResult(width=width, height=height, blocks=blocks, engine="tesseract")

    def read_line(self, image: np.ndarray, model: str) -> Block | None:
        """Read a crop holding a single text line (PSM 7; as a block, PSM 6, when PSM 7 finds no text
        there, as it does on some clean lines); None when nothing is read."""
        page = self.recognize(image, model, psm=PSM.SINGLE_LINE, letters=True)
        if not page.blocks:
            page = self.recognize(image, model, psm=PSM.SINGLE_BLOCK, letters=True)
        if not page.blocks:
            return None
        return Block(
            text=" ".join(block.text for block in page.blocks),
            bbox=[0.0, 0.0, float(page.width), float(page.height)],
            confidence=mean_confidence(page.blocks),
            letter_confidence=mean_letter_confidence(page.blocks),
        )

    def orientation_and_script(self, image: np.ndarray, characters: int = OSD_CHARACTERS) -> Orientation | None:
        """Page orientation and script by OSD, from at least `characters` characters where the image has
        them (its time is mostly theirs); None when OSD refuses (the image has fewer than half as many)."""
        api, lock = self._api(OSD_MODEL)
        grey = Image.fromarray(image).convert("L")  # OSD works on grey: spares its own conversion
        with lock:
            api.SetVariable("min_characters_to_try", str(characters))
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


def _text_lines(api: PyTessBaseAPI, letters: bool) -> list[Block]:
    """Text lines in reading order, RTL text in logical order.

    tesserocr's iterator returns RTL words in visual order, but the page text (`GetUTF8Text`) is in
    logical order with one line per text line: take the text from it and the boxes from the iterator.
    """
    page_lines = [line.strip() for line in api.GetUTF8Text().splitlines() if line.strip()]
    lines = _iterated_lines(api, letters)
    if len(page_lines) != len(lines):  # not expected; keep the iterator's own (visual-order) text
        page_lines = [line.text for line in lines]
    return [
        Block(
            text=_join_unspaced(_joined_sara_am(text)),
            bbox=[float(v) for v in line.box],
            confidence=line.confidence,
            letter_confidence=line.letter_confidence() if letters else None,
        )
        for text, line in zip(page_lines, lines, strict=True)
    ]


@dataclass
class _Line:
    text: str
    box: tuple[int, int, int, int]
    confidence: float  # 0..1
    letters: list[float]  # each character's confidence, 0..1

    def letter_confidence(self) -> float:
        return sum(self.letters) / len(self.letters) if self.letters else 0.0


def _iterated_lines(api: PyTessBaseAPI, letters: bool) -> list[_Line]:
    """Each non-empty text line the iterator walks, with `letters` its characters' confidences."""
    iterator = api.GetIterator()
    lines: list[_Line] = []
    confidences: list[float] = []
    while iterator is not None:
        if iterator.IsAtBeginningOf(RIL.TEXTLINE):
            text, box, confidences = _iterator_text(iterator, RIL.TEXTLINE), iterator.BoundingBox(RIL.TEXTLINE), []
            if text and box is not None:
                confidence = round(iterator.Confidence(RIL.TEXTLINE) / CONFIDENCE_SCALE, 4)
                lines.append(_Line(text, box, confidence, confidences))
        if letters and _iterator_text(iterator, RIL.SYMBOL):
            confidences.append(iterator.Confidence(RIL.SYMBOL) / CONFIDENCE_SCALE)
        if not iterator.Next(RIL.SYMBOL if letters else RIL.TEXTLINE):
            break
    return lines


def _iterator_text(iterator, level: int) -> str:
    try:
        return (iterator.GetUTF8Text(level) or "").strip()
    except RuntimeError:  # tesserocr raises on an empty element
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
