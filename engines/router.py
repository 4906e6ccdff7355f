"""The CPU tier's router: reads each page with the engine that reads its language best.

Explicit language: the table's engine (`engines.languages`) reads the page; PP-OCRv6 (paddle) for
Latin, Chinese and Japanese, Tesseract with the language's traineddata for the rest (paddle's lines
read one by one where Tesseract's page layout finds no text).

`language="auto"`, the decision rule (README, Languages):
1. Tesseract's OSD names the page's script and orientation. It refuses short text; asked again from
   fewer characters, it names a script, often wrongly: that script's model reads the text, and the
   reading stands only where it is decisive, as a reading that would end a script trial (else step 3,
   as for any page OSD refuses).
2. A page OSD confidently puts in a script that Tesseract reads (not Latin, Han or kana) is read
   whole by that script's model. OSD mistakes scripts (Lao, Oriya, Hebrew for Thai), so a reading
   not clearly above its model's ceiling (`engines.script_trial`: what that model scores on lines
   of other scripts) is checked by a trial of every script model on its widest line; a script the
   trial names instead reads the page (the trial compares the models on the same line, where a page
   reading's confidence depends on the model's segmentation). The reading must bear its script out
   (most of its letters in it); the language identifier then names the language, and when the table
   has a model of its own for it (Yiddish, Urdu) and the script model's reading is unsure, the page
   is read with that model. A reading still not above its model's ceiling (CLD2 cannot place it, or
   its confidence is low) is replaced only where paddle cannot read the page and a script reads it
   above its ceiling there, as in step 3 (OSD named Cyrillic for Tibetan and Thaana paragraphs,
   Devanagari for Gurmukhi).
3. Every other page is read by paddle. A page paddle could not read (most lines unread, low
   confidence) is read line by line (paddle's boxes) by the model a trial names (a script's, or `urd`),
   or whole where that model reads some of the lines as nothing or its line reading fails, when that
   reading is in the script and above its model's ceiling.
   Otherwise lines paddle could not read (blank, too few characters for their box, low confidence)
   are re-read by another script's model only on strong evidence
   (`engines.script_evidence`): Latin pages keep Latin.
4. A page whose paddle reading is mostly in a script Tesseract reads better (Greek), or whose text the
   identifier places in a Latin language paddle lacks letters for (Vietnamese, Yoruba), is read again
   by Tesseract with that model; on a page of another Latin language, stray Han or kana glyphs (an
   icon read as "致") are read again by its model or dropped.
Orientation: a page is turned only when the turned reading is clearly better than the upright one
(`engines.orientation`). Boxes, width and height are in the upright image's pixels.

`PageResult.language`: the explicit code; for auto the identified language's code when the identifier
is confident, else the script's language or name ("el", "Cyrillic"...). A block whose language differs
from its page's says so in `Block.language`.
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeGuard

import numpy as np

from engines import language_id, script_trial
from engines.languages import AUTO, AUTO_SCRIPT_MODELS, LANGUAGES, PADDLE, normalize_language
from engines.orientation import read_upright, rotate_clockwise
from engines.paddle_cpu import PaddleCpuEngine
from engines.script_evidence import ScriptEvidence, crop_line, dominant_script, stray_glyph_lines, unread_lines
from engines.scripts import detected_language, script_share
from engines.tesseract_cpu import Orientation, TesseractEngine
from engines.types import Block, PageResult, mean_confidence, mean_letter_confidence

# OSD's script confidence above which a page goes straight to that script's Tesseract model.
PAGE_SCRIPT_CONFIDENCE = 2.0
# OSD refuses an image of fewer than 25 characters (its 50 to try, halved); on such short text it is asked
# again from this many (what it names then is often wrong: the reading must be decisive).
SHORT_TEXT_OSD_CHARACTERS = 10
# A Tesseract reading of the page must have this share of its letters in OSD's script.
PAGE_SCRIPT_SHARE = 0.6
# A script model's page reading less than this far above its model's ceiling (`engines.script_trial`)
# is checked against a trial of every script model.
CHECKED_MARGIN = 0.35
# Paddle's reading of a page with most lines unread and a mean confidence under FOREIGN_CONFIDENCE is of
# a script it does not know.
FOREIGN_CONFIDENCE = 0.85
# A script model's reading under this mean confidence is read again by the language's own model
# (Yiddish, Urdu, Amharic: their own models read better where the script model is unsure).
OWN_MODEL_CONFIDENCE = 0.85
# A page paddle could not read: a trial on its widest unread line and, where no model's reading of it is
# legible, on the next widest, up to this many lines (paddle's boxes on a script it does not
# know are sometimes fragments of letters).
FOREIGN_TRIAL_LINES = 3
# This share of a page's lines re-read in another script: Tesseract reads the whole page instead.
WHOLE_PAGE_SHARE = 0.5
# A stray glyph's re-read by the page language's model replaces it from this confidence.
STRAY_REREAD_CONFIDENCE = 0.6

Read = Callable[[np.ndarray], PageResult]


# Languages whose letters PP-OCRv6 tiny's dictionary lacks (kana): Tesseract reads them in the
# `fast` cpu profile.
TINY_LACKS = frozenset({"ja"})


@dataclass(frozen=True)
class ScriptReading:
    """A trial reader's page reading (upright: `page.rotation`): `reader` is a script's model or a
    language's ("Arabic/urd", `engines.script_trial`); `unsure` when it is not above that model's ceiling."""

    page: PageResult
    reader: str
    unsure: bool


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
        page = read_upright(image, self._reader(code), detect=self.tesseract.orientation_and_script)
        page.language = code
        return page

    def _reader(self, code: str) -> Read:
        entry = LANGUAGES[code]
        if entry.engine == PADDLE and not (code in TINY_LACKS and self.paddle.profile == "fast"):
            return lambda img: self.paddle.recognize(img)
        return lambda img: self._tesseract_page(img, entry.tesseract)

    def _tesseract_page(self, image: np.ndarray, model: str) -> PageResult:
        """The page read by `model`; where Tesseract's page segmentation finds no text at all (it
        misses single lines of Thaana, Myanmar, Kufi Arabic, Yoruba...), paddle's lines read one by one."""
        page = self.tesseract.recognize(image, model)
        if _text(page).strip():
            return page
        lines = self.paddle.recognize(image, keep_empty=True)
        return self._reread_lines(image, model, lines) if lines.blocks else page

    def _auto(self, image: np.ndarray) -> PageResult:
        osd = self.tesseract.orientation_and_script(image)
        evidence = ScriptEvidence(self.tesseract, self.installed_scripts())
        if osd is None:
            reading = self._read_short_text(image)
        else:
            script = osd.script if osd.script_confidence >= PAGE_SCRIPT_CONFIDENCE else None
            reading = self._read_script_page(image, script, osd, evidence) if self._reads(script) else None
        if reading and not reading.unsure:
            page = self._kept(image, reading)
        else:
            page = self._read_paddle_page(image, osd, evidence, unsure=reading)
        self._name_languages(page)
        return page

    def _reads(self, script: str | None) -> TypeGuard[str]:
        """Whether `script` is one the router reads with a Tesseract script model, and that model is installed."""
        return script in AUTO_SCRIPT_MODELS and self.tesseract.has_model(AUTO_SCRIPT_MODELS[script])

    def _read_short_text(self, image: np.ndarray) -> ScriptReading | None:
        """Short text OSD refused: the script OSD names from fewer characters reads it, when that reading is in
        the script and decisive (`script_trial.DECISIVE_MARGIN`: a reading that would end a trial); else None.
        Saves paddle's reading and the script trial on a line in a script Tesseract reads."""
        osd = self.tesseract.orientation_and_script(image, characters=SHORT_TEXT_OSD_CHARACTERS)
        if osd is None or osd.script_confidence < PAGE_SCRIPT_CONFIDENCE or not self._reads(osd.script):
            return None
        page = self.tesseract.recognize(image, AUTO_SCRIPT_MODELS[osd.script], letters=True)
        stands = reading_stands(page, osd.script, decisive=True)
        return ScriptReading(page, osd.script, unsure=False) if stands else None

    def _read_script_page(
        self, image: np.ndarray, script: str, osd: Orientation, evidence: ScriptEvidence
    ) -> ScriptReading | None:
        """The page read by `script`'s model (or by a script that reads it better), or None when the
        reading does not bear the script out."""
        model = AUTO_SCRIPT_MODELS[script]
        page = read_upright(image, lambda img: self.tesseract.recognize(img, model, letters=True), osd)
        upright = rotate_clockwise(image, page.rotation)
        reader = script
        if reading_margin(page, script) < CHECKED_MARGIN:  # OSD mistakes scripts (Hebrew, Lao, Oriya for Thai)
            reader, page = self._best_script_reading(upright, page, script, evidence)
        if script_share(_text(page), script_trial.reader_script(reader)) < PAGE_SCRIPT_SHARE:
            return None
        return ScriptReading(page, reader, unsure=reading_margin(page, reader) <= 0)

    def _kept(self, image: np.ndarray, reading: ScriptReading) -> PageResult:
        """A script model's page reading that stands, read again by its language's own model if unsure."""
        upright = rotate_clockwise(image, reading.page.rotation)
        return self._read_in_own_model(upright, reading.page, reading.reader)

    def _best_script_reading(
        self, upright: np.ndarray, page: PageResult, script: str, evidence: ScriptEvidence
    ) -> tuple[str, PageResult]:
        """The trial reader a trial on the page's widest line names, with its reading; `script`'s when the
        trial names no other."""
        rival = evidence.trial(upright, page.blocks) if page.blocks else None
        if rival is None or rival == script:
            return script, page
        return rival, self._reread_page(upright, script_trial.reader_model(rival), page)

    def _read_in_own_model(self, upright: np.ndarray, page: PageResult, reader: str) -> PageResult:
        """A trial reader's unsure reading read again by the model of the language it is in (Yiddish, Urdu)."""
        script, model = script_trial.reader_script(reader), script_trial.reader_model(reader)
        language = language_id.language_of(_text(page), script)
        own_model = LANGUAGES[language].tesseract if language else None
        weak = _mean_confidence(page) < OWN_MODEL_CONFIDENCE
        if weak and own_model and own_model != model and self.tesseract.has_model(own_model):
            return self._reread_page(upright, own_model, page)
        return page

    def _read_paddle_page(
        self, image: np.ndarray, osd: Orientation | None, evidence: ScriptEvidence, unsure: ScriptReading | None = None
    ) -> PageResult:
        """Paddle's reading, or another script's where paddle could not read the page. `unsure`, a script
        model's page reading at or under its ceiling, is kept unless paddle could not read the page and
        a script reads it above its ceiling there."""
        page = self._paddle_upright(image, osd)
        upright = rotate_clockwise(image, page.rotation)
        script = dominant_script(page.blocks)
        if script is not None:  # paddle read the page in a script Tesseract reads better (Greek)
            return self._reread_page(upright, AUTO_SCRIPT_MODELS[script], page)
        unread = unread_lines(page.blocks)
        # Past lines the trial names no script on where OSD named a script whose reading stayed unsure, or
        # refused the page (little text): not on handwriting, whose every line is unnamed.
        past_unnamed = unsure is not None or osd is None
        if _foreign(page, unread) and (
            reading := self._read_foreign_page(upright, page, unread, evidence, past_unnamed, unsure)
        ):
            return reading
        if unsure:
            return self._kept(image, unsure)
        replaced = evidence.reread_lines(upright, unread, page_script=osd and osd.script)
        if replaced and len(replaced) >= WHOLE_PAGE_SHARE * len(page.blocks):
            return self._reread_page(upright, AUTO_SCRIPT_MODELS[replaced[0].script], page)
        if replaced:
            page.engine = "paddle+tesseract"
        page.blocks = [block for block in page.blocks if block.text.strip()]
        language = language_id.language_of(_text(page), "Latin")
        if language and LANGUAGES[language].engine != PADDLE:  # Vietnamese, Yoruba: letters paddle lacks
            return self._reread_page(upright, LANGUAGES[language].tesseract, page)
        if language:
            self._reread_stray_glyphs(upright, page, LANGUAGES[language].tesseract)
        return page

    def _paddle_upright(self, image: np.ndarray, osd: Orientation | None) -> PageResult:
        """Paddle's reading, turned as OSD proposes when the turned reading is clearly better; but not
        when paddle reads the page neither way (a script it does not know): a turn judged on two
        readings of noise turned upright Ethiopic, Sinhala and syllabics pages."""
        readings: list[PageResult] = []

        def read(img: np.ndarray) -> PageResult:
            readings.append(self.paddle.recognize(img, keep_empty=True))
            return readings[-1]

        page = read_upright(image, read, osd)
        if page.rotation and _foreign(page, unread_lines(page.blocks)):
            return readings[0]
        return page

    def _read_foreign_page(
        self,
        upright: np.ndarray,
        page: PageResult,
        unread: list[Block],
        evidence: ScriptEvidence,
        past_unnamed: bool,
        unsure: ScriptReading | None,
    ) -> PageResult | None:
        """A page paddle could not read, read by the script a trial on its widest unread lines names: paddle's
        lines one by one where that model reads every one of them (Tesseract's own page segmentation misses
        or garbles lines of Thaana, Myanmar, Khmer pages that its line mode reads well), else the page whole,
        else the lines it did read; a reading counts when it is in the script and above its model's ceiling.
        The trial goes on past lines nothing reads, and with `past_unnamed` past lines it names no script
        on (a Yiddish scan whose widest line `yid` reads just under its ceiling, an Assamese scan whose widest
        line the Bengali model misreads). `unsure`'s page reading is not repeated: it failed those terms."""
        reader = evidence.trial(upright, unread, tries=FOREIGN_TRIAL_LINES, past_unnamed=past_unnamed)
        if reader is None:
            return None
        model = script_trial.reader_model(reader)
        lines = self._reread_lines(upright, model, page)
        lines_stand = reading_stands(lines, reader)
        if lines_stand and len(lines.blocks) == len(page.blocks):
            return self._read_in_own_model(upright, lines, reader)
        read_before = unsure is not None and unsure.reader == reader and unsure.page.rotation == page.rotation
        if not read_before and reading_stands(whole := self._reread_page(upright, model, page), reader):
            return self._read_in_own_model(upright, whole, reader)
        return self._read_in_own_model(upright, lines, reader) if lines_stand else None

    def _reread_stray_glyphs(self, upright: np.ndarray, page: PageResult, model: str) -> None:
        """A page of a Latin language keeps Latin: its stray Han or kana lines are read again by the
        language's model, and dropped when that reads nothing confidently."""
        for block in stray_glyph_lines(page.blocks):
            read = self.tesseract.read_line(crop_line(upright, block.bbox), model)
            confident = read is not None and read.confidence >= STRAY_REREAD_CONFIDENCE
            block.text, block.confidence = (read.text, read.confidence) if confident else ("", 0.0)
        page.blocks = [block for block in page.blocks if block.text.strip()]

    def _reread_page(self, upright: np.ndarray, model: str, first: PageResult) -> PageResult:
        page = self.tesseract.recognize(upright, model, letters=True)
        page.rotation = first.rotation
        return page

    def _reread_lines(self, upright: np.ndarray, model: str, first: PageResult) -> PageResult:
        """The lines of `first` (paddle's boxes) read one by one by `model`, in `first`'s order."""
        blocks = []
        for block in first.blocks:
            neighbours = [other.bbox for other in first.blocks if other is not block]
            read = self.tesseract.read_line(crop_line(upright, block.bbox, neighbours), model)
            if read is not None and read.text.strip():
                blocks.append(
                    Block(read.text, list(block.bbox), read.confidence, letter_confidence=read.letter_confidence)
                )
        return PageResult(first.width, first.height, blocks, rotation=first.rotation, engine="tesseract")

    def _name_languages(self, page: PageResult) -> None:
        """The page's language, and each block's where it differs from the page's."""
        page.blocks = [block for block in page.blocks if block.text.strip()]
        page.language = language_id.language_of(_text(page)) or detected_language(page.blocks)
        for block in page.blocks:
            language = language_id.language_of(block.text, strict=True)
            if language and language != page.language:
                block.language = language

    def installed_scripts(self) -> list[str]:
        """The auto script models installed in the tessdata folder."""
        with self._scripts_lock:
            if self._installed_scripts is None:
                self._installed_scripts = [
                    script for script, model in AUTO_SCRIPT_MODELS.items() if self.tesseract.has_model(model)
                ]
            return self._installed_scripts


def cpu_router(cache_dir: Path, threads: int, det_limit_side_len: int, profile: str = "accurate") -> CpuRouter:
    """The CPU tier's engines behind the router, as the service's OCR replicas and the bulk
    converter's actors both load them."""
    return CpuRouter(PaddleCpuEngine(cache_dir, threads, det_limit_side_len, profile), TesseractEngine())


def _foreign(page: PageResult, unread: list[Block]) -> bool:
    """Paddle's reading of a page in a script it does not know: most lines unread, low confidence."""
    mean = mean_confidence([block for block in page.blocks if block.text.strip()])
    return bool(unread) and len(unread) >= WHOLE_PAGE_SHARE * len(page.blocks) and mean < FOREIGN_CONFIDENCE


def reading_stands(reading: PageResult, reader: str, decisive: bool = False) -> bool:
    """Whether a reading by a trial reader's model bears its script out and is above that model's ceiling
    (with `decisive`, by `script_trial.DECISIVE_MARGIN` or more)."""
    script = script_trial.reader_script(reader)
    margin = reading_margin(reading, reader)
    above = margin >= script_trial.DECISIVE_MARGIN if decisive else margin > 0
    return script_share(_text(reading), script) >= PAGE_SCRIPT_SHARE and above


def reading_margin(page: PageResult, reader: str) -> float:
    """How far the page's reading by a trial reader's model (a script's, or "Arabic/urd") is above its ceiling."""
    return script_trial.margin(_text(page), mean_letter_confidence(page.blocks), reader)


def _mean_confidence(page: PageResult) -> float:
    return mean_confidence(page.blocks)


def _text(page: PageResult) -> str:
    return "\n".join(block.text for block in page.blocks)
