"""Which lines of a paddle reading are in another script, judged on evidence (the router's step 3).

Paddle reads letters of scripts it does not know as blanks or a few Latin look-alikes, so such a line
is *unread*: blank, too few characters for its box, or low confidence. An unread line is re-read by
another script's Tesseract model, and the re-read replaces paddle's text only when all of these hold:
- the page (OSD), the unread lines together (OSD on their crops stacked), or, for lines read as
  nearly nothing, a trial of every script model on the widest (`engines.script_trial`) names the
  script;
- the re-read has at least STRONG_SHARE of its letters in that script and confidence STRONG_CONFIDENCE;
- the language identifier places the re-read in a language of that script by its words, or, where
  it can answer from the letters alone (scripts of one language: Thai, Syriac), the re-read has
  UNKNOWN_SCRIPT_CONFIDENCE and paddle read (nearly) nothing there;
- paddle's own reading is weak: nearly nothing, or a confidence under WEAK_CONFIDENCE and text the
  identifier cannot place.
So a low-confidence cell of an English table ("yes+") stays Latin.
"""

from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from itertools import islice

import numpy as np

from engines import language_id, script_trial
from engines.languages import AUTO_SCRIPT_MODELS, PADDLE_SCRIPTS
from engines.scripts import script_of, script_share
from engines.tesseract_cpu import TesseractEngine
from engines.types import Block, mean_letter_confidence

UNREAD_CONFIDENCE = 0.85
MIN_CHARS_PER_ASPECT = 0.4
WEAK_CONFIDENCE = 0.6
STRONG_SHARE = 0.8
STRONG_CONFIDENCE = 0.7
# A re-read the identifier places by its letters alone (not its words) must read this confidently.
UNKNOWN_SCRIPT_CONFIDENCE = 0.85
STACKED_SCRIPT_CONFIDENCE = 2.0
# Paddle read a page mostly in a script Tesseract reads better: this share of at least MIN_LETTERS.
DOMINANT_SHARE = 0.5
MIN_LETTERS = 5
CROP_PADDING = 0.15  # of the line height, on every side
MAX_STRAY_GLYPHS = 2
# The script trial's models read a line this many at a time (Tesseract releases the GIL).
TRIAL_READS_AT_ONCE = 2


@dataclass(frozen=True)
class Replacement:
    block: Block
    script: str


def too_few_chars(block: Block) -> bool:
    """Fewer characters than the box holds: what paddle leaves of a script it does not know."""
    width, height = block.bbox[2] - block.bbox[0], block.bbox[3] - block.bbox[1]
    aspect = max(width, height) / max(1.0, min(width, height))
    return len(block.text.replace(" ", "")) < MIN_CHARS_PER_ASPECT * aspect


def unread_lines(blocks: list[Block]) -> list[Block]:
    return [block for block in blocks if block.confidence < UNREAD_CONFIDENCE or too_few_chars(block)]


def stray_glyph_lines(blocks: list[Block]) -> list[Block]:
    """Lines of at most MAX_STRAY_GLYPHS Han or kana characters and nothing else: on a page of a Latin
    language, paddle's reading of an icon, a logo or a check mark."""
    return [
        block
        for block in blocks
        if 0 < len(text := block.text.replace(" ", "")) <= MAX_STRAY_GLYPHS
        and all(script_of(char) in ("Han", "Japanese") for char in text)
    ]


def dominant_script(blocks: list[Block]) -> str | None:
    """The script most of paddle's letters are in when Tesseract reads it better (Greek), else None."""
    scripts = [script_of(char) for block in blocks for char in block.text if char.isalpha()]
    if len(scripts) < MIN_LETTERS:
        return None
    best = max(set(scripts) - {None}, key=scripts.count, default=None)
    if best in PADDLE_SCRIPTS or best not in AUTO_SCRIPT_MODELS:
        return None
    return best if scripts.count(best) >= DOMINANT_SHARE * len(scripts) else None


class ScriptEvidence:
    """Re-reads a page's unread lines in another script where the evidence is strong."""

    def __init__(self, tesseract: TesseractEngine, scripts: list[str]) -> None:
        self.tesseract = tesseract
        self.scripts = scripts
        self._trials: dict[tuple[float, ...], tuple[str | None, bool]] = {}

    def reread_lines(self, image: np.ndarray, lines: list[Block], page_script: str | None) -> list[Replacement]:
        """Replace the text of the lines whose re-read is strong evidence; the replacements made."""
        if not lines:
            return []
        script = self._script_of_lines(image, lines, page_script)
        if script is None:
            return []
        replaced = []
        for block in lines:
            read = self._read(image, block, script)
            if read is not None and self._is_strong(read, block, script):
                block.text, block.confidence = read.text, read.confidence
                block.letter_confidence = read.letter_confidence
                replaced.append(Replacement(block, script))
        return replaced

    def _script_of_lines(self, image: np.ndarray, lines: list[Block], page_script: str | None) -> str | None:
        if page_script in self.scripts:
            return page_script
        osd = self.tesseract.orientation_and_script(_stacked(image, lines))
        if osd and osd.script_confidence >= STACKED_SCRIPT_CONFIDENCE and osd.script in self.scripts:
            return osd.script
        nearly_empty = [block for block in lines if too_few_chars(block)]
        reader = self.trial(image, nearly_empty) if nearly_empty else None
        return script_trial.reader_script(reader) if reader else None

    def trial(self, image: np.ndarray, lines: list[Block], tries: int = 1, past_unnamed: bool = False) -> str | None:
        """The trial reader (`engines.script_trial`: a script's model, or a language's as "Arabic/urd") that
        reads the widest of `lines` decisively or by the widest margin above its ceiling; None when none reads
        it above its ceiling. Where no model's reading of it is legible (`script_trial.weighed`: specks, a
        fragment of a letter), or with `past_unnamed` where it names no script, the next widest, up to `tries`
        lines. A page's trials are cached by line."""
        for line in sorted(lines, key=lambda block: block.bbox[2] - block.bbox[0], reverse=True)[:tries]:
            key = tuple(line.bbox)
            if key not in self._trials:
                self._trials[key] = self._best_script(image, line)
            script, legible = self._trials[key]
            if script is not None or (legible and not past_unnamed):
                return script
        return None

    def _best_script(self, image: np.ndarray, line: Block) -> tuple[str | None, bool]:
        """The reader the trial names on `line`, and whether any model's reading is legible
        (`script_trial.weighed`)."""
        legible = False

        def margins() -> Iterator[tuple[str, float]]:
            nonlocal legible
            for reader, (value, read_legibly) in self._margins(image, line):
                legible = legible or read_legibly
                yield reader, value

        return script_trial.named_script(margins()), legible

    @cached_property
    def _readers(self) -> list[str]:
        """The trial's readers of `scripts` whose models are installed, in the scripts' order (asked at
        the first trial: most pages have none)."""
        readers = (reader for script in self.scripts for reader in script_trial.readers(script))
        return [reader for reader in readers if self.tesseract.has_model(script_trial.reader_model(reader))]

    def _margins(self, image: np.ndarray, line: Block) -> Iterator[tuple[str, tuple[float, bool]]]:
        """Each reader's (`script_trial.readers`) reading of `line` as its margin above the model's
        ceiling and whether it is legible, in the order of the scripts; TRIAL_READS_AT_ONCE models read at
        a time, none started after the caller stops."""
        crop = crop_line(image, line.bbox)

        def margin(reader: str) -> tuple[float, bool] | None:
            read = self.tesseract.read_line(crop, script_trial.reader_model(reader))
            if read is None:
                return None
            return script_trial.weighed(read.text, mean_letter_confidence([read]), reader)

        readers = iter(self._readers)
        with ThreadPoolExecutor(TRIAL_READS_AT_ONCE, thread_name_prefix="script-trial") as pool:
            pending = deque((reader, pool.submit(margin, reader)) for reader in islice(readers, TRIAL_READS_AT_ONCE))
            try:
                while pending:
                    reader, reading = pending.popleft()
                    if (following := next(readers, None)) is not None:
                        pending.append((following, pool.submit(margin, following)))
                    if (value := reading.result()) is not None:
                        yield reader, value
            finally:
                for _, reading in pending:
                    reading.cancel()

    def _is_strong(self, read: Block, paddle: Block, script: str) -> bool:
        if script_share(read.text, script) < STRONG_SHARE or read.confidence < STRONG_CONFIDENCE:
            return False
        paddle_empty = too_few_chars(paddle)
        placed = language_id.evidence(read.text, script)
        if placed < 1.0:  # known by its letters alone (or not at all): only where paddle read nearly nothing
            placed = paddle_empty and placed > 0 and read.confidence >= UNKNOWN_SCRIPT_CONFIDENCE
        unplaced = language_id.language_of(paddle.text) is None
        paddle_weak = paddle_empty or (paddle.confidence < WEAK_CONFIDENCE and unplaced)
        return bool(placed) and paddle_weak

    def _read(self, image: np.ndarray, block: Block, script: str) -> Block | None:
        return self.tesseract.read_line(crop_line(image, block.bbox), AUTO_SCRIPT_MODELS[script])


def crop_line(image: np.ndarray, bbox: list[float], neighbours: Sequence[list[float]] = ()) -> np.ndarray:
    """The line's box with a margin of CROP_PADDING of its height, where the page's other lines' boxes
    (`neighbours`) reach into it blanked: the vowel signs of a Sinhala or Malayalam line above or below
    otherwise come into the crop, and the model misreads the line's first letters."""
    x0, y0, x1, y1 = bbox
    pad = CROP_PADDING * min(x1 - x0, y1 - y0)
    height, width = image.shape[:2]
    top, bottom = max(0, int(y0 - pad)), min(height, int(y1 + pad) + 1)
    left, right = max(0, int(x0 - pad)), min(width, int(x1 + pad) + 1)
    crop = np.array(image[top:bottom, left:right])
    rows, columns = np.arange(top, bottom)[:, None], np.arange(left, right)[None, :]
    own = (rows >= y0) & (rows < y1) & (columns >= x0) & (columns < x1)
    for nx0, ny0, nx1, ny1 in neighbours:
        if nx0 < right and nx1 > left and ny0 < bottom and ny1 > top:
            crop[(rows >= ny0) & (rows < ny1) & (columns >= nx0) & (columns < nx1) & ~own] = 255
    return crop


def _stacked(image: np.ndarray, lines: list[Block]) -> np.ndarray:
    """The lines' crops one under another on white, for OSD to see them without the rest of the page."""
    crops = [crop_line(image, block.bbox) for block in lines]
    width = max(crop.shape[1] for crop in crops)
    rows = [np.pad(crop, ((0, 0), (0, width - crop.shape[1]), (0, 0)), constant_values=255) for crop in crops]
    return np.ascontiguousarray(np.concatenate(rows))
